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
from bot.demo.session import database_for_port, open_sandbox, sqlite_path
from bot.demo.web.views import (
    PersonaView,
    Text,
    keyboard_view,
    message_view,
    personas,
    safe_file_name,
    text,
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
# What the page sends as JSON is a few hundred bytes; anything near this is not the page's.
MAX_JSON_BYTES = 1024 * 1024
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
    """Something the page asked that cannot be done; the text is shown to the person, in the
    language the page is in."""

    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(zh)
        self.status = status
        self.text = text(zh, en)


@dataclass(frozen=True)
class Place:
    key: str
    label: Text
    latitude: float
    longitude: float


def places(config: Config) -> dict[str, Place]:
    """The office (inside the sign-in geofence when one is set) and a place well outside."""
    fence = config.duty.geofence
    lat, lon = (fence.latitude, fence.longitude) if fence else DEMO_OFFICE
    far = max(FAR_METRES, 10 * fence.radius_m) if fence else FAR_METRES
    return {
        "office": Place("office", text("办公室", "the office"), lat, lon),
        "far": Place("far", text(f"约 {far / 1000:g} 公里外", f"about {far / 1000:g} km away"),
                     lat + far / 111_320, lon),
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
            static_handler_class=_StaticHandler,
            default_handler_class=_NotFoundHandler,
            default_handler_args=args,
            log_function=_quiet_log,
            demo=self,
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
            raise BadRequest(404, f"没有这个人：{raw}（请从左侧名单中选择）",
                             f"No such person: {raw} (choose one from the list on the left)")
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

        def moment(when: datetime | None) -> dict[str, Any] | None:
            if when is None:
                return None
            return {"at": when.isoformat(), "label": self.label(when)}

        return {"now": state.now.isoformat(), "label": self.label(state.now),
                "next_shift": moment(state.next_shift),
                "next_reminder": moment(state.next_reminder)}

    def label(self, when: datetime) -> Text:
        return text(self.clock.label(when), self.clock.label(when, "en"))

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

    async def wait(self, update_id: int) -> Text | None:
        """Until the bot has handled the action and sent what it queued for others, so the
        page's request ends with the answers on their way. Returns a warning for the page
        when something after the action went wrong: the action itself was done (the message
        is sent), so that is not an error of the person's."""
        try:
            await self.sandbox.processed(update_id)
        except TimeoutError:
            log.warning("the bot took long over update %d", update_id)
            return text("机器人处理得比较慢，回复可能稍后才到。",
                        "The bot is slow with this one: its answer may come a little later.")
        # Cards and notices for other people go through the outbox, which the scheduler
        # empties every few seconds; a tick now means the approver's card is there when
        # the person switches to the approver.
        try:
            await self.sandbox.tick()
        except Exception as exc:
            log.exception("the outbox tick after update %d failed", update_id)
            return text(f"已发送，但给其他人的通知暂时没发出（{type(exc).__name__}）；"
                        "调度器稍后会重试。",
                        f"Sent, but the notices for other people did not go out yet "
                        f"({type(exc).__name__}); the scheduler tries again shortly.")
        return None

    async def act(self, action: Callable[[], int]) -> Text | None:
        try:
            update_id = action()
        except (LookupError, ValueError) as exc:
            raise BadRequest(400, str(exc), str(exc)) from exc
        return await self.wait(update_id)

    async def send(self, person: PersonaView, message: str) -> Text | None:
        message = message.strip()
        if not message:
            raise BadRequest(400, "消息是空的。", "The message is empty.")
        if len(message) > MAX_TEXT:
            raise BadRequest(400, f"消息太长：最多 {MAX_TEXT} 个字。",
                             f"The message is too long: {MAX_TEXT} characters at most.")
        return await self.act(lambda: self.emu.send_text(person.id, message))

    async def press(self, person: PersonaView, message_id: int, row: int, column: int,
                    label: str) -> Text | None:
        message = self.emu.state.message(person.id, message_id)
        if message is None or not self.emu.state.is_from_bot(message):
            raise BadRequest(404, "这条消息已不存在。", "That message is no longer there.")
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        try:
            button = rows[row][column]
        except (IndexError, TypeError):
            button = None
        # The page names the label it showed: a card edited since then is not pressed blind.
        if button is None or button.get("text") != label:
            raise BadRequest(409, "这张卡片的按钮已经变了，请看最新的卡片。",
                             "The card's buttons have changed: look at the card as it is now.")
        data = button.get("callback_data")
        if data is None:
            raise BadRequest(400, "这个按钮不是回调按钮。", "That button is not a callback button.")
        # The button's own data, as a phone sends it: the same path as press_button by label,
        # but exact when two buttons share a label.
        return await self.act(lambda: self.emu.press_callback(person.id, message_id, data))

    async def press_keyboard(self, person: PersonaView, label: str) -> Text | None:
        return await self.act(lambda: self.emu.press_keyboard_button(person.id, label))

    async def share_location(self, person: PersonaView, key: str) -> Text | None:
        place = self.places.get(key)
        if place is None:
            raise BadRequest(400, f"没有这个位置：{key}", f"No such place: {key}")
        return await self.act(lambda: self.emu.share_location(person.id, place.latitude,
                                                              place.longitude))

    async def upload(self, person: PersonaView, name: str, data: bytes, size: int,
                     mime_type: str | None) -> Text | None:
        if size > self.max_upload:
            limit = self.max_upload // 1048576
            raise BadRequest(413, f"文件太大（{size / 1048576:.1f} MB）：Telegram 机器人最多"
                                  f"能接收 {limit} MB 的文件。",
                             f"The file is too large ({size / 1048576:.1f} MB): a Telegram bot "
                             f"can receive files of up to {limit} MB.")
        if size == 0:
            raise BadRequest(400, "文件是空的（0 字节），没有发送。",
                             "The file is empty (0 bytes): not sent.")
        name = safe_file_name(name)
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(name, strict=False)[0]
        return await self.act(lambda: self.emu.send_document(person.id, name, data, mime_type))

    async def move_clock(self, move: str) -> dict[str, Any]:
        moves: dict[str, Callable[[], Awaitable[None]]] = {
            "hour": lambda: self.clock.advance(HOUR),
            "day": lambda: self.clock.advance(DAY),
            "shift": self.clock.to_next_shift,
            "reminder": self.clock.to_next_reminder,
        }
        if move not in moves:
            raise BadRequest(400, f"不认识的时钟操作：{move}", f"Unknown clock move: {move}")
        async with self._clock_lock:
            try:
                await moves[move]()
            except ClockRefusal as exc:
                raise BadRequest(409, exc.zh, exc.en) from exc
            # Let the bot finish what the sends set off (an edited card, a queued update).
            await self.sandbox.settle()
        clock = await self.clock_json()
        self.broadcast({"type": "clock", "clock": clock})
        return clock


# --- handlers ------------------------------------------------------------------------------


def _guard(handler: tornado.web.RequestHandler, port: int) -> None:
    """Only this machine's browser, on this page: the Host must be the address the demo
    serves (a page of another site whose name was pointed at 127.0.0.1, DNS rebinding, is
    refused), and a request a browser marks with another page's Origin is refused too, so
    other websites can neither read the sandbox nor act in it."""
    hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
    if port == 80:
        hosts |= {"127.0.0.1", "localhost"}
    host = handler.request.headers.get("Host", "").strip().lower()
    if host not in hosts:
        raise BadRequest(403, f"拒绝：这个沙盒只接受 http://127.0.0.1:{port}/ 的请求。",
                         f"Refused: this sandbox only answers http://127.0.0.1:{port}/.")
    origin = handler.request.headers.get("Origin")
    if origin is not None and origin.strip().lower() not in {f"http://{h}" for h in hosts}:
        raise BadRequest(403, "拒绝：请求来自别的网页。",
                         "Refused: the request comes from another web page.")


@tornado.web.stream_request_body
class _Handler(tornado.web.RequestHandler):
    """The page's API. The body is taken as it streams (see data_received), so a request
    can be refused in prepare(), before its body is read."""

    demo: WebDemo
    # POSTs to this address carry JSON (the upload's body is the file).
    json_posts = True

    def initialize(self, demo: WebDemo) -> None:
        self.demo = demo
        self._body = bytearray()
        self._body_size = 0

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def prepare(self) -> None:
        _guard(self, self.demo.port)
        if self.request.method == "POST" and self.json_posts:
            kind = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                # A form or a text/plain body from another page would need no permission
                # from the browser to be sent; JSON does.
                raise BadRequest(415, "请求应是 JSON（Content-Type: application/json）。",
                                 "The request must be JSON (Content-Type: application/json).")
            if self._declared_length() > MAX_JSON_BYTES:
                self._too_large()

    def _declared_length(self) -> int:
        try:
            return int(self.request.headers.get("Content-Length", "0"))
        except ValueError:
            raise BadRequest(400, "Content-Length 不对。", "Bad Content-Length.") from None

    def _too_large(self) -> None:
        raise BadRequest(413, f"请求太大：最多 {MAX_JSON_BYTES // 1024} KB。",
                         f"The request is too large: {MAX_JSON_BYTES // 1024} KB at most.")

    def data_received(self, chunk: bytes) -> None:
        self._body_size += len(chunk)
        if self._body_size <= MAX_JSON_BYTES:
            self._body.extend(chunk)
        else:
            self._body.clear()

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def done(self, warning: Text | None) -> None:
        """The action was done; a warning, if any, is for a toast."""
        self.reply({"ok": True, "warning": warning} if warning else {"ok": True})

    def body_json(self) -> dict[str, Any]:
        if self._body_size > MAX_JSON_BYTES:
            self._too_large()
        try:
            data = json.loads(bytes(self._body) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise BadRequest(400, "请求不是有效的 JSON。", "The request is not valid JSON.") \
                from None
        if not isinstance(data, dict):
            raise BadRequest(400, "请求应是一个 JSON 对象。", "The request must be a JSON object.")
        return data

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        # Tornado's own refusals (a wrong method, a malformed request) in the page's format.
        self.reply({"error": text(f"{status_code} {self._reason}",
                                  f"{status_code} {self._reason}")}, status_code)

    def _handle_request_exception(self, e: BaseException) -> None:
        if isinstance(e, BadRequest):
            self.reply({"error": e.text}, e.status)
            return
        if isinstance(e, tornado.web.HTTPError) or self._finished:
            super()._handle_request_exception(e)
            return
        # The sandbox keeps running whatever one request did; the page shows a toast.
        log.exception("web demo request %s %s failed", self.request.method, self.request.uri)
        name = type(e).__name__
        self.reply({"error": text(f"出错了：{name}（沙盒仍在运行）",
                                  f"Something went wrong: {name} (the sandbox is still running)")},
                   500)


class _StaticHandler(tornado.web.StaticFileHandler):
    """The page's own files, to this machine's browser only (see _guard)."""

    def prepare(self) -> None:
        demo = self.application.settings["demo"]
        try:
            _guard(self, demo.port)
        except BadRequest as exc:
            self.set_status(exc.status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(json.dumps({"error": exc.text}, ensure_ascii=False))


class _NotFoundHandler(_Handler):
    def prepare(self) -> None:
        _guard(self, self.demo.port)
        raise BadRequest(404, f"没有这个地址：{self.request.path}",
                         f"No such address: {self.request.path}")


class _IndexHandler(_Handler):
    def _page_headers(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        # Only the page's own files: a script that slipped into a message could not run.
        self.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
                        "base-uri 'none'; frame-ancestors 'none'")

    def get(self) -> None:
        self._page_headers()
        self.finish((STATIC_DIR / "index.html").read_bytes())

    def head(self) -> None:
        self._page_headers()
        self.set_header("Content-Length", str((STATIC_DIR / "index.html").stat().st_size))
        self.finish()


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
        self.done(await self.demo.send(person, str(self.body_json().get("text", ""))))


class _PressHandler(_Handler):
    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        body = self.body_json()
        try:
            message_id, row, column = (int(body[k]) for k in ("message_id", "row", "column"))
        except (KeyError, TypeError, ValueError):
            raise BadRequest(400, "需要 message_id、row、column 和 text。",
                             "message_id, row, column and text are needed.") from None
        self.done(await self.demo.press(person, message_id, row, column,
                                        str(body.get("text", ""))))


class _KeyboardHandler(_Handler):
    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        self.done(await self.demo.press_keyboard(person, str(self.body_json().get("text", ""))))


class _LocationHandler(_Handler):
    async def post(self, who: str) -> None:
        person = self.demo.persona(who)
        self.done(await self.demo.share_location(person,
                                                 str(self.body_json().get("place", ""))))


class _UploadHandler(_Handler):
    """The file is the request body (name in X-File-Name, percent-encoded), read as it
    streams so an oversized one is counted, not kept. Who it is for is checked before the
    body is read."""

    json_posts = False

    def prepare(self) -> None:
        super().prepare()
        self.person = self.demo.persona(self.path_args[0])
        self.request.connection.set_max_body_size(HARD_BODY_LIMIT)  # type: ignore[union-attr]
        self.kept = bytearray()

    def data_received(self, chunk: bytes) -> None:
        self._body_size += len(chunk)
        if self._body_size <= self.demo.max_upload:
            self.kept.extend(chunk)
        else:
            self.kept.clear()

    async def post(self, who: str) -> None:
        name = unquote(self.request.headers.get("X-File-Name", ""))
        mime = self.request.headers.get("Content-Type", "").split(";")[0].strip() or None
        self.done(await self.demo.upload(self.person, name, bytes(self.kept), self._body_size,
                                         mime))


class _FileHandler(_Handler):
    def get(self, file_id: str) -> None:
        stored = self.demo.emu.state.files.get(file_id)
        if stored is None:
            raise BadRequest(404, "文件不存在。", "No such file.")
        self.set_header("Content-Type", stored.mime_type or "image/jpeg")
        # Whatever a file holds (an HTML page someone uploaded), opened on its own it runs
        # nothing and reaches nothing of the sandbox's.
        self.set_header("Content-Security-Policy", "sandbox")
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
        super().on_connection_close()
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
        # The port is known now (--port 0 picks one): with the default database, this port's.
        config = database_for_port(config, sockets[0].getsockname()[1])
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
        # The scheduler's first tick now, rather than in a few seconds: the seeded office's
        # notices, chases and cards are there when the page first opens.
        try:
            await sandbox.tick()
        except Exception:
            log.exception("the first tick failed; the scheduler tries again")
        demo.serve(sockets)
        print(f"officebot demo: open {demo.address} in a browser "
              f"(simulated time {demo.clock.label(demo.clock.now())}; database "
              f"{sqlite_path(config.demo.database_url)}); Ctrl+C stops it.",
              flush=True)
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await demo.close()
        await sandbox.stop()
    return 0
