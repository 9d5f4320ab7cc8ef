"""The web sandbox: a messenger page on the emulator, served by tornado in the bot's own loop.

The page is a front on the emulator's user side, like a phone is a front on Telegram: it sends
what a person types, presses and uploads through `BotApiEmulator`, and shows what the bot
sends from the emulator's event feed (server-sent events), so every message goes through the
same PTB Application, handlers and services as production.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import mimetypes
import signal
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import tornado.httpserver
import tornado.iostream
import tornado.netutil
import tornado.web

from bot.config import Config
from bot.demo.clock import ClockRefusal, DemoClock
from bot.demo.session import open_sandbox
from bot.demo.web.views import (
    PersonaView,
    keyboard_view,
    message_view,
    personas,
    safe_file_name,
)
from bot.emulator import Event
from bot.sandbox import Sandbox

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
STATIC_DIR = Path(__file__).resolve().parent / "static"
# Telegram lets bots download files up to 20 MB: a bigger upload could never reach the bot.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Bodies above the limit are read and thrown away so the page gets a clear answer rather than
# a dropped connection; past this, tornado drops the connection after all.
HARD_BODY_LIMIT = 1024 * 1024 * 1024
MAX_TEXT = 4096
HEARTBEAT_SECONDS = 15.0
# Where the demo's person is when they share their location, without a geofence in config.
DEMO_OFFICE = (30.2741, 120.1551)
FAR_METRES = 5000.0
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


class PortInUse(Exception):
    def __init__(self, port: int, reason: str) -> None:
        super().__init__(f"port {port}: {reason}")
        self.port = port
        self.reason = reason


class BadRequest(Exception):
    """Something the page asked that cannot be done; the text is shown to the person."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass(frozen=True)
class Place:
    key: str
    label: str
    latitude: float
    longitude: float


def places(config: Config) -> dict[str, Place]:
    """The office (inside the sign-in geofence when one is set) and a place well outside."""
    fence = config.duty.geofence
    lat, lon = (fence.latitude, fence.longitude) if fence else DEMO_OFFICE
    far = max(FAR_METRES, 10 * fence.radius_m) if fence else FAR_METRES
    return {
        "office": Place("office", "办公室", lat, lon),
        "far": Place("far", f"约 {far / 1000:g} 公里外", lat + far / 111_320, lon),
    }


class WebDemo:
    def __init__(self, sandbox: Sandbox, *, max_upload: int = MAX_UPLOAD_BYTES) -> None:
        self.sandbox = sandbox
        self.emu = sandbox.emu
        self.tz = sandbox.config.tz
        self.clock = DemoClock(sandbox)
        self.people: dict[int, PersonaView] = personas()
        self.places = places(sandbox.config)
        self.max_upload = max_upload
        # Nobody has looked at any chat yet: what the bot sent so far is unread.
        self.unread: dict[int, int] = {
            person: len(self.emu.bot_messages(person)) if person in self.emu.state.users else 0
            for person in self.people}
        self._streams: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._unsubscribe = self.emu.subscribe(self._on_event)
        self._server: tornado.httpserver.HTTPServer | None = None
        # One clock move at a time: two people pressing +1 day at once would race the ticks.
        self._clock_lock = asyncio.Lock()
        self.port = 0

    # --- serving ----------------------------------------------------------------------------

    def application(self) -> tornado.web.Application:
        args = {"demo": self}
        persona = r"/api/chats/([^/]+)"
        return tornado.web.Application(
            [
                (r"/", _IndexHandler, args),
                (r"/api/state", _StateHandler, args),
                (r"/api/events", _EventsHandler, args),
                (r"/api/clock", _ClockHandler, args),
                (r"/api/files/([^/]+)", _FileHandler, args),
                (persona, _ChatHandler, args),
                (persona + r"/read", _ReadHandler, args),
                (persona + r"/send", _SendHandler, args),
                (persona + r"/press", _PressHandler, args),
                (persona + r"/keyboard", _KeyboardHandler, args),
                (persona + r"/location", _LocationHandler, args),
                (persona + r"/upload", _UploadHandler, args),
            ],
            static_path=str(STATIC_DIR),
            default_handler_class=_NotFoundHandler,
            default_handler_args=args,
            log_function=_quiet_log,
        )

    def serve(self, sockets: list[socket.socket]) -> None:
        self._server = tornado.httpserver.HTTPServer(self.application())
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._unsubscribe()
        for stream in list(self._streams):
            stream.put_nowait(None)
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            await server.close_all_connections()

    @property
    def address(self) -> str:
        return f"http://{HOST}:{self.port}/"

    # --- the event feed ---------------------------------------------------------------------

    def open_stream(self) -> asyncio.Queue[dict[str, Any] | None]:
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._streams.add(queue)
        return queue

    def close_stream(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        self._streams.discard(queue)

    def broadcast(self, event: dict[str, Any]) -> None:
        for queue in list(self._streams):
            queue.put_nowait(event)

    def _on_event(self, event: Event) -> None:
        kind = event.get("type")
        chat_id = int(event.get("chat_id") or 0)
        message = event.get("message")
        out: dict[str, Any] = {"type": kind, "chat_id": chat_id}
        if kind in ("message", "edit", "user_message") and message:
            out["message"] = message_view(message, self.emu.bot_id, self.tz)
            out["keyboard"] = self.keyboard(chat_id)
            if kind == "message" and chat_id in self.unread:
                self.unread[chat_id] += 1
            out["unread"] = self.unread.get(chat_id, 0)
        elif kind == "delete" and message:
            out["message_id"] = message.get("message_id")
        elif kind == "callback_answer":
            answer = event.get("answer") or {}
            out["text"] = answer.get("text") or ""
            out["show_alert"] = bool(answer.get("show_alert"))
        else:
            return
        self.broadcast(out)

    # --- what the page reads ----------------------------------------------------------------

    def persona(self, raw: str) -> PersonaView:
        try:
            found = self.people.get(int(raw))
        except ValueError:
            found = None
        if found is None:
            raise BadRequest(404, f"没有这个人：{raw}（请从左侧名单中选择）")
        return found

    def keyboard(self, chat_id: int) -> list[list[dict[str, Any]]] | None:
        user = self.emu.state.users.get(chat_id)
        return keyboard_view(user.reply_keyboard if user else None)

    def commands(self, chat_id: int) -> list[dict[str, str]]:
        """The command list the bot registered, in the language the person's phone uses."""
        user = self.emu.state.users.get(chat_id)
        lang = "en" if user is not None and (user.language_code or "").startswith("en") else "zh"
        known = self.emu.state.commands
        for key in (("all_private_chats", lang), ("all_private_chats", ""), ("default", "")):
            if key in known:
                return known[key]
        return []

    def chat(self, person: PersonaView) -> dict[str, Any]:
        self.unread[person.id] = 0
        return {
            "persona": person.to_json(),
            "messages": [message_view(m, self.emu.bot_id, self.tz)
                         for m in self.emu.messages(person.id)],
            "keyboard": self.keyboard(person.id),
            "commands": self.commands(person.id),
        }

    async def clock_json(self) -> dict[str, Any]:
        state = await self.clock.state()

        def moment(when: datetime | None) -> dict[str, str] | None:
            if when is None:
                return None
            return {"at": when.isoformat(), "label": self.clock.label(when)}

        return {"now": state.now.isoformat(), "label": self.clock.label(state.now),
                "next_shift": moment(state.next_shift),
                "next_reminder": moment(state.next_reminder)}

    async def state(self) -> dict[str, Any]:
        return {
            "bot": {"name": self.emu.state.bot_user["first_name"],
                    "username": self.emu.bot_username},
            "personas": [{**p.to_json(), "unread": self.unread.get(p.id, 0)}
                         for p in self.people.values()],
            "clock": await self.clock_json(),
            "places": [{"key": p.key, "label": p.label} for p in self.places.values()],
            "max_upload": self.max_upload,
        }

    # --- what people do ---------------------------------------------------------------------

    async def wait(self, update_id: int) -> None:
        """Until the bot has handled the action and sent what it queued for others, so the
        page's request ends with the answers on their way; a slow bot is not an error of the
        person's."""
        try:
            await self.sandbox.processed(update_id)
        except TimeoutError:
            log.warning("the bot took long over update %d", update_id)
            return
        # Cards and notices for other people go through the outbox, which the scheduler
        # empties every few seconds; a tick now means the approver's card is there when
        # the person switches to the approver.
        await self.sandbox.tick()

    async def act(self, action: Callable[[], int]) -> None:
        try:
            update_id = action()
        except (LookupError, ValueError) as exc:
            raise BadRequest(400, str(exc)) from exc
        await self.wait(update_id)

    async def send(self, person: PersonaView, text: str) -> None:
        text = text.strip()
        if not text:
            raise BadRequest(400, "消息是空的。")
        if len(text) > MAX_TEXT:
            raise BadRequest(400, f"消息太长：最多 {MAX_TEXT} 个字。")
        await self.act(lambda: self.emu.send_text(person.id, text))

    async def press(self, person: PersonaView, message_id: int, row: int, column: int,
                    label: str) -> None:
        message = self.emu.state.message(person.id, message_id)
        if message is None or not self.emu.state.is_from_bot(message):
            raise BadRequest(404, "这条消息已不存在。")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        try:
            button = rows[row][column]
        except (IndexError, TypeError):
            button = None
        # The page names the label it showed: a card edited since then is not pressed blind.
        if button is None or button.get("text") != label:
            raise BadRequest(409, "这张卡片的按钮已经变了，请看最新的卡片。")
        data = button.get("callback_data")
        if data is None:
            raise BadRequest(400, "这个按钮不是回调按钮。")
        # The button's own data, as a phone sends it: the same path as press_button by label,
        # but exact when two buttons share a label.
        await self.act(lambda: self.emu.press_callback(person.id, message_id, data))

    async def press_keyboard(self, person: PersonaView, text: str) -> None:
        await self.act(lambda: self.emu.press_keyboard_button(person.id, text))

    async def share_location(self, person: PersonaView, key: str) -> None:
        place = self.places.get(key)
        if place is None:
            raise BadRequest(400, f"没有这个位置：{key}")
        await self.act(lambda: self.emu.share_location(person.id, place.latitude,
                                                       place.longitude))

    async def upload(self, person: PersonaView, name: str, data: bytes, size: int,
                     mime_type: str | None) -> None:
        if size > self.max_upload:
            raise BadRequest(413, f"文件太大（{size / 1048576:.1f} MB）：Telegram 机器人最多"
                                  f"能接收 {self.max_upload // 1048576} MB 的文件。")
        if size == 0:
            raise BadRequest(400, "文件是空的（0 字节），没有发送。")
        name = safe_file_name(name)
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(name, strict=False)[0]
        await self.act(lambda: self.emu.send_document(person.id, name, data, mime_type))

    async def move_clock(self, move: str) -> dict[str, Any]:
        moves: dict[str, Callable[[], Awaitable[None]]] = {
            "hour": lambda: self.clock.advance(HOUR),
            "day": lambda: self.clock.advance(DAY),
            "shift": self.clock.to_next_shift,
            "reminder": self.clock.to_next_reminder,
        }
        if move not in moves:
            raise BadRequest(400, f"不认识的时钟操作：{move}")
        async with self._clock_lock:
            try:
                await moves[move]()
            except ClockRefusal as exc:
                raise BadRequest(409, str(exc)) from exc
            # Let the bot finish what the sends set off (an edited card, a queued update).
            await self.sandbox.settle()
        clock = await self.clock_json()
        self.broadcast({"type": "clock", "clock": clock})
        return clock


# --- handlers ------------------------------------------------------------------------------


class _Handler(tornado.web.RequestHandler):
    demo: WebDemo

    def initialize(self, demo: WebDemo) -> None:
        self.demo = demo

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def body_json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest(400, "请求不是有效的 JSON。") from None
        if not isinstance(data, dict):
            raise BadRequest(400, "请求应是一个 JSON 对象。")
        return data

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Tornado's own refusals (a wrong method, a malformed request) in the page's format.
        self.reply({"error": f"{status_code} {self._reason}"}, status_code)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, BadRequest):
            self.reply({"error": e.text}, e.status)
            return
        if isinstance(e, tornado.web.HTTPError) or self._finished:
            super()._handle_request_exception(e)
            return
        # The sandbox keeps running whatever one request did; the page shows a toast.
        log.exception("web demo request %s %s failed", self.request.method, self.request.uri)
        self.reply({"error": f"出错了：{type(e).__name__}（沙盒仍在运行）"}, 500)


class _NotFoundHandler(_Handler):
    def prepare(self) -> None:
        self.reply({"error": f"没有这个地址：{self.request.path}"}, 404)


class _IndexHandler(_Handler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        # Only the page's own files: a script that slipped into a message could not run.
        self.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                        "base-uri 'none'; frame-ancestors 'none'")
        self.finish((STATIC_DIR / "index.html").read_bytes())


class _StateHandler(_Handler):
    async def get(self) -> None:
        self.reply(await self.demo.state())


class _ClockHandler(_Handler):
    async def get(self) -> None:
        self.reply(await self.demo.clock_json())

    async def post(self) -> None:
        move = str(self.body_json().get("move", ""))
        self.reply(await self.demo.move_clock(move))


class _ChatHandler(_Handler):
    def get(self, who: str) -> None:
        self.reply(self.demo.chat(self.demo.persona(who)))


class _ReadHandler(_Handler):
    def post(self, who: str) -> None:
        person = self.demo.persona(who)
        self.demo.unread[person.id] = 0
        self.reply({"ok": True})


class _SendHandler(_Handler):
    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        await self.demo.send(person, str(self.body_json().get("text", "")))
        self.reply({"ok": True})


class _PressHandler(_Handler):
    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        body = self.body_json()
        try:
            message_id, row, column = (int(body[k]) for k in ("message_id", "row", "column"))
        except (KeyError, TypeError, ValueError):
            raise BadRequest(400, "需要 message_id、row、column 和 text。") from None
        await self.demo.press(person, message_id, row, column, str(body.get("text", "")))
        self.reply({"ok": True})


class _KeyboardHandler(_Handler):
    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        await self.demo.press_keyboard(person, str(self.body_json().get("text", "")))
        self.reply({"ok": True})


class _LocationHandler(_Handler):
    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        await self.demo.share_location(person, str(self.body_json().get("place", "")))
        self.reply({"ok": True})


@tornado.web.stream_request_body
class _UploadHandler(_Handler):
    """The file is the request body (name in X-File-Name, percent-encoded), read as it
    streams so an oversized one is counted, not kept."""

    def prepare(self) -> None:
        self.request.connection.set_max_body_size(HARD_BODY_LIMIT)  # type: ignore[union-attr]
        self.size = 0
        self.kept = bytearray()

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size <= self.demo.max_upload:
            self.kept.extend(chunk)
        else:
            self.kept.clear()

    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        name = unquote(self.request.headers.get("X-File-Name", ""))
        mime = self.request.headers.get("Content-Type", "").split(";")[0].strip() or None
        await self.demo.upload(person, name, bytes(self.kept), self.size, mime)
        self.reply({"ok": True})


class _FileHandler(_Handler):
    def get(self, file_id: str) -> None:
        stored = self.demo.emu.state.files.get(file_id)
        if stored is None:
            raise BadRequest(404, "文件不存在。")
        self.set_header("Content-Type", stored.mime_type or "image/jpeg")
        if stored.kind == "document":
            name = stored.file_name or "file"
            # Downloaded under its own name (Chinese included), so an export opens in Excel.
            self.set_header("Content-Disposition",
                            f"attachment; filename*=UTF-8''{quote(name, safe='')}")
        self.finish(stored.data)


class _EventsHandler(_Handler):
    """Server-sent events: everything the bot does, as it happens."""

    _queue: asyncio.Queue[dict[str, Any] | None] | None = None

    async def get(self) -> None:
        self.set_header("Content-Type", "text/event-stream; charset=utf-8")
        queue = self._queue = self.demo.open_stream()
        try:
            # The browser reconnects a second after a dropped stream.
            self.write("retry: 1000\n\n")
            await self.flush()
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
                except TimeoutError:
                    self.write(": still here\n\n")
                    await self.flush()
                    continue
                if event is None:
                    break
                self.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n")
                await self.flush()
        except tornado.iostream.StreamClosedError:
            pass
        finally:
            self.demo.close_stream(queue)
        if not self._finished:
            self.finish()

    def on_connection_close(self) -> None:
        if self._queue is not None:
            self._queue.put_nowait(None)


def _quiet_log(handler: tornado.web.RequestHandler) -> None:
    request = handler.request
    log.debug("%s %s -> %s", request.method, request.uri, handler.get_status())


# --- the command ---------------------------------------------------------------------------


def bind(port: int) -> list[socket.socket]:
    """The page's socket, taken before anything else starts so a busy port fails at once."""
    try:
        return tornado.netutil.bind_sockets(port, HOST)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(port, "is already in use (another demo still running?)") from exc
        if exc.errno == errno.EACCES:
            raise PortInUse(port, "needs privileges to open") from exc
        raise


async def run_web_demo(config: Config, *, port: int, fresh: bool = True) -> int:
    sockets = bind(port)
    try:
        sandbox = await open_sandbox(config, fresh=fresh)
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    demo = WebDemo(sandbox)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        demo.serve(sockets)
        print(f"officebot demo: open {demo.address} in a browser "
              f"(simulated time {demo.clock.label(demo.clock.now())}); Ctrl+C stops it.",
              flush=True)
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await demo.close()
        await sandbox.stop()
    return 0
