"""`BotApiEmulator`: a local Telegram Bot API server for tests and demos.

Point python-telegram-bot at it with
`ApplicationBuilder().token(emu.token).base_url(emu.base_url).base_file_url(emu.base_file_url)`
and drive the conversation from the user's side with `send_text`, `press_button`, ...

The HTTP side is tornado (already a PTB dependency), running in the current asyncio loop.
Everything, including the user-side methods, must be used from that loop's thread.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.routing
import tornado.web

from bot.emulator.bot_api import BotApi
from bot.emulator.errors import ApiError
from bot.emulator.params import Params, UploadedFile
from bot.emulator.ratelimit import RateLimiter
from bot.emulator.state import EmulatedUser, EmulatorState, EventCallback
from bot.emulator.user_side import UserSide

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BotApiEmulator:
    """A Telegram Bot API server on `host:port` plus the people who talk to the bot.

    - `rate_limits`: True enforces Telegram's flood limits on send* methods (30 messages/s per
      bot, 1 message/s per chat, answering 429 with retry_after); pass a `RateLimiter` to
      choose other budgets.
    - `latency`: seconds added to every Bot API call, to make benchmarks feel the network.
    - `now`: the clock stamping `date`/`edit_date` (a moved test clock, default real UTC).
    - `extra_handlers`: more tornado routes to serve on the same port (e.g. a web front).
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        bot_username: str = "officebot_demo_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_first_name: str = "OfficeBot",
        rate_limits: bool | RateLimiter = False,
        latency: float = 0.0,
        now: Callable[[], datetime] | None = None,
        extra_handlers: Sequence[tornado.routing.Rule | tuple[Any, ...]] = (),
    ) -> None:
        self.token = token
        self.bot_username = bot_username
        self.host = host
        self.port = port
        self.latency = latency
        prefix = token.split(":", 1)[0]
        self.bot_id = int(prefix) if prefix.isdigit() else 1
        self.state = EmulatorState(
            bot_user={
                "id": self.bot_id,
                "is_bot": True,
                "first_name": bot_first_name,
                "username": bot_username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
                "can_connect_to_business": False,
                "has_main_web_app": False,
            },
            now=now or _utc_now,
        )
        if isinstance(rate_limits, RateLimiter):
            limiter: RateLimiter | None = rate_limits
        else:
            limiter = RateLimiter() if rate_limits else None
        self.api = BotApi(self.state, limiter)
        self._extra_handlers = list(extra_handlers)
        self._users = UserSide(self.state)
        self._server: tornado.httpserver.HTTPServer | None = None
        self._requests: set[asyncio.Task[Any]] = set()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    async def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        app = tornado.web.Application(
            [
                (r"/bot([^/]+)/([A-Za-z0-9_]+)/?", _MethodHandler, {"emulator": self}),
                (r"/file/bot([^/]+)/(.+)", _FileHandler, {"emulator": self}),
                *self._extra_handlers,
            ],
            default_handler_class=_NotFoundHandler,
            # Tornado logs every 4xx as a warning; the emulator answers 4xx on purpose.
            log_function=_quiet_access_log,
        )
        sockets = tornado.netutil.bind_sockets(self.port, self.host)
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets(sockets)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        # End waiting long polls so their connections can close.
        for task in list(self._requests):
            task.cancel()
        await server.close_all_connections()

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- users and what they do -------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> EmulatedUser:
        return self._users.add_user(user_id, first_name, last_name, username, language_code)

    def user(self, user_id: int) -> EmulatedUser:
        return self.state.user(user_id)

    def send_text(self, user_id: int, text: str, reply_to_message_id: int | None = None) -> int:
        return self._users.send_text(user_id, text, reply_to_message_id)

    def press_button(self, user_id: int, label: str, message_id: int | None = None) -> int:
        return self._users.press_button(user_id, label, message_id)

    def press_callback(self, user_id: int, message_id: int, data: str) -> int:
        return self._users.press_callback(user_id, message_id, data)

    def press_keyboard_button(self, user_id: int, label: str) -> int:
        return self._users.press_keyboard_button(user_id, label)

    def share_location(
        self, user_id: int, latitude: float, longitude: float, forwarded: bool = False
    ) -> int:
        return self._users.share_location(user_id, latitude, longitude, forwarded)

    def send_document(
        self,
        user_id: int,
        file_name: str,
        data: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        return self._users.send_document(user_id, file_name, data, mime_type, caption)

    def block(self, user_id: int) -> int | None:
        return self._users.block(user_id)

    def unblock(self, user_id: int) -> int | None:
        return self._users.unblock(user_id)

    # -- what the bot did -------------------------------------------------------------------

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return copy.deepcopy(self.state.chat_messages(chat_id))

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.messages(chat_id) if self.state.is_from_bot(m)]

    def last_bot_message(self, chat_id: int) -> dict[str, Any] | None:
        bot_messages = self.bot_messages(chat_id)
        return bot_messages[-1] if bot_messages else None

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return copy.deepcopy(self.state.message(chat_id, message_id))

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        return copy.deepcopy(self.state.user(chat_id).reply_keyboard)

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self.state.callback_answers)

    def answer_for(self, update_id: int) -> dict[str, Any] | None:
        query_id = self.state.callback_by_update.get(update_id)
        record = self.state.callback_queries.get(query_id) if query_id else None
        return copy.deepcopy(record.answer) if record else None

    @property
    def commands(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        return copy.deepcopy(self.state.commands)

    @property
    def webhook(self) -> dict[str, Any]:
        return copy.deepcopy(self.state.webhook)

    @property
    def menu_buttons(self) -> dict[int | None, dict[str, Any]]:
        return copy.deepcopy(self.state.menu_buttons)

    def file_bytes(self, file_id: str) -> bytes:
        return self.state.files[file_id].data

    def delivered(self, update_id: int) -> bool:
        return update_id in self.state.updates.delivered

    @property
    def pending_update_count(self) -> int:
        return len(self.state.updates.pending)

    @property
    def is_polling(self) -> bool:
        """True while a getUpdates call is open, e.g. the bot is parked in a long poll."""
        return self.state.updates.active_polls > 0

    # -- events and waiting -----------------------------------------------------------------

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call `callback(event)` on every change; returns a function that unsubscribes.

        Event types: "message", "edit", "delete", "callback_answer" (bot side; the latter also
        carries "answer") and "user_message" (the emulated user wrote something).
        """
        return self.state.subscribe(callback)

    # The waiting helpers take `timeout` (not asyncio.timeout) because test code reads better
    # with the deadline next to the condition: `await emu.wait_for_bot_message(1001)`.
    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> None:
        """Return once `predicate()` is true; it is re-checked after every change.

        Raises TimeoutError (== asyncio.TimeoutError) after `timeout` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            await self.state.notifier.wait(remaining)

    async def wait_for_bot_message(
        self,
        chat_id: int,
        after_message_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The first bot message in `chat_id` with an id above `after_message_id`.

        By default that is the first bot message since the user's latest action in the chat
        (message, button press, ...), i.e. "the bot's reply", even if it already arrived.
        """
        floor = after_message_id
        if floor is None:
            floor = self.state.user_action_mark.get(chat_id, 0)
        found: list[dict[str, Any]] = []

        def arrived() -> bool:
            for message in self.state.chat_messages(chat_id):
                if message["message_id"] > floor and self.state.is_from_bot(message):
                    found.append(message)
                    return True
            return False

        try:
            await self.wait_for(arrived, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no bot message in chat {chat_id} after message {floor} within {timeout}s"
            ) from None
        return copy.deepcopy(found[0])

    async def wait_for_answer(
        self,
        update_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The answerCallbackQuery for the callback query of `update_id`, once it is made."""
        await self.wait_for(lambda: self.answer_for(update_id) is not None, timeout)
        answer = self.answer_for(update_id)
        assert answer is not None
        return answer

    async def wait_delivered(self, update_id: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once the bot has fetched `update_id` with getUpdates."""
        await self.wait_for(lambda: self.delivered(update_id), timeout)

    # -- HTTP plumbing ----------------------------------------------------------------------

    async def handle_method(self, method: str, params: Params) -> Any:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        return await self.api.call(method, params)


class _EmulatorHandler(tornado.web.RequestHandler):
    emulator: BotApiEmulator

    def initialize(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator

    def write_json(self, status: int, payload: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def write_error_payload(self, error: ApiError) -> None:
        self.write_json(error.error_code, error.to_payload())


class _MethodHandler(_EmulatorHandler):
    _task: asyncio.Task[Any] | None = None

    async def get(self, token: str, method: str) -> None:
        await self._serve(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._serve(token, method)

    def on_connection_close(self) -> None:
        # The client gave up (PTB cancels its long poll on shutdown): stop waiting for it, and
        # do not count the updates of that poll as delivered.
        if self._task is not None:
            self._task.cancel()

    async def _serve(self, token: str, method: str) -> None:
        if token != self.emulator.token:
            self.write_error_payload(ApiError.unauthorized())
            return
        try:
            params = _request_params(self.request)
        except ApiError as error:
            self.write_error_payload(error)
            return
        task = asyncio.ensure_future(self.emulator.handle_method(method, params))
        self._task = task
        self.emulator._requests.add(task)
        try:
            result = await task
        except ApiError as error:
            self.write_error_payload(error)
            return
        except asyncio.CancelledError:
            if task.cancelled():
                # Client gone or emulator stopping: drop the connection like a vanished server,
                # rather than let tornado auto-finish with an empty 200 that PTB would misread.
                self.detach().close()
                return
            raise
        except Exception:
            log.exception("emulator failed on %s", method)
            self.write_json(
                500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            )
            return
        finally:
            self.emulator._requests.discard(task)
        self.write_json(200, {"ok": True, "result": result})


class _FileHandler(_EmulatorHandler):
    def get(self, token: str, file_path: str) -> None:
        if token != self.emulator.token:
            self.write_error_payload(ApiError.unauthorized())
            return
        stored = self.emulator.state.files_by_path.get(file_path)
        if stored is None:
            self.write_error_payload(ApiError.not_found())
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)


class _NotFoundHandler(_EmulatorHandler):
    def initialize(self) -> None:  # type: ignore[override]
        pass

    def prepare(self) -> None:
        self.write_error_payload(ApiError.not_found())


def _request_params(request: Any) -> Params:
    """Collect query, form, multipart or JSON-body parameters into one `Params`."""
    values: dict[str, Any] = {
        name: raw[-1].decode("utf-8") for name, raw in request.query_arguments.items()
    }
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        try:
            body = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiError.bad_request("can't parse JSON request body") from None
        if not isinstance(body, dict):
            raise ApiError.bad_request("JSON request body must be an object")
        values.update(body)
    else:
        for name, raw in request.body_arguments.items():
            values[name] = raw[-1].decode("utf-8")
    files = {
        name: UploadedFile(parts[-1].filename, parts[-1].body, parts[-1].content_type or None)
        for name, parts in request.files.items()
    }
    return Params(values, files)


def _quiet_access_log(handler: tornado.web.RequestHandler) -> None:
    request = handler.request
    log.debug("%s %s -> %s", request.method, request.uri, handler.get_status())
