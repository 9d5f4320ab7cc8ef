"""Everything the emulated Telegram server knows: users, chats, messages, files, updates.

Both sides mutate it: `bot_api.BotApi` (what the bot asks for over HTTP) and
`user_side.UserSide` (what the emulated people do). All of it lives in one asyncio event loop
and is only touched from that loop's thread, so no locking is needed; waiters are woken
through `ChangeNotifier` after every change.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.emulator.errors import ApiError
from bot.emulator.media import StoredFile

log = logging.getLogger(__name__)

Event = dict[str, Any]
EventCallback = Callable[[Event], None]


@dataclass
class EmulatedUser:
    """A Telegram user talking to the bot in a private chat (chat id == user id)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    blocked_bot: bool = False
    # The ReplyKeyboardMarkup the bot last showed this user; None once removed. Telegram does
    # not echo reply keyboards in Message objects, so fronts and tests read it from here.
    reply_keyboard: dict[str, Any] | None = None

    def user_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_dict(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


@dataclass
class CallbackQueryRecord:
    query_id: str
    update_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: dict[str, Any] | None = None


class ChangeNotifier:
    """Wakes every coroutine waiting for "something changed"; they re-check their condition.

    A waiter registers its future synchronously right after checking its condition, and all
    changes happen on the same loop, so a wake-up can never be lost in between.
    """

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, at_most: float) -> None:
        """Return at the next change, or after `at_most` seconds, whichever comes first."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            async with asyncio.timeout(max(at_most, 0.0)):
                await waiter
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


@dataclass
class UpdateQueue:
    """Updates not yet confirmed by the bot, plus which ones getUpdates has handed out."""

    pending: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    delivered: set[int] = field(default_factory=set)
    # Incremented by every getUpdates call so an older long poll can notice it was superseded.
    poll_generation: int = 0
    # getUpdates calls currently inside the emulator (normally 0 or 1).
    active_polls: int = 0

    def enqueue(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self.next_update_id
        self.next_update_id += 1
        # Snapshot: later edits of the message must not change an update already queued.
        self.pending.append({"update_id": update_id, kind: copy.deepcopy(payload)})
        return update_id

    def confirm(self, offset: int) -> None:
        """Apply getUpdates' offset: forget updates below it (negative: keep the last -offset)."""
        if offset < 0:
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def drop_all(self) -> None:
        self.pending.clear()


class EmulatorState:
    def __init__(self, bot_user: dict[str, Any], now: Callable[[], datetime]) -> None:
        self.bot_user = bot_user
        self._now = now
        self.users: dict[int, EmulatedUser] = {}
        # chat id -> message id -> message dict; dicts keep insertion (== message id) order.
        self.chats: dict[int, dict[int, dict[str, Any]]] = {}
        self._last_message_id: dict[int, int] = {}
        # Per chat, the highest message id at the user's latest action; "the bot's reply" to
        # that action is the first bot message above it (see wait_for_bot_message).
        self.user_action_mark: dict[int, int] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.updates = UpdateQueue()
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_by_update: dict[int, str] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.bot_profile: dict[tuple[str, str], str] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.notifier = ChangeNotifier()
        self._subscribers: list[EventCallback] = []

    # -- time -------------------------------------------------------------------------------

    def timestamp(self) -> int:
        return int(self._now().timestamp())

    # -- users ------------------------------------------------------------------------------

    def user(self, user_id: int) -> EmulatedUser:
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"no emulated user {user_id}; call add_user() first") from None

    def chat_for_bot(self, chat_id: int | None) -> EmulatedUser:
        """The private chat a bot method targets; Telegram's errors if it cannot write there."""
        if chat_id is None:
            raise ApiError.bad_request("chat_id is empty")
        user = self.users.get(chat_id)
        if user is None:
            raise ApiError.bad_request("chat not found")
        if user.blocked_bot:
            raise ApiError.forbidden("bot was blocked by the user")
        return user

    # -- messages ---------------------------------------------------------------------------

    def add_message(
        self, chat: EmulatedUser, sender: dict[str, Any], content: dict[str, Any]
    ) -> dict[str, Any]:
        """Store a new message in `chat` and return the stored dict."""
        message_id = self._last_message_id.get(chat.id, 0) + 1
        self._last_message_id[chat.id] = message_id
        message = {
            "message_id": message_id,
            "from": dict(sender),
            "chat": chat.chat_dict(),
            "date": self.timestamp(),
            **content,
        }
        self.chats.setdefault(chat.id, {})[message_id] = message
        return message

    def message(self, chat_id: int, message_id: int | None) -> dict[str, Any] | None:
        if message_id is None:
            return None
        return self.chats.get(chat_id, {}).get(message_id)

    def remove_message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        return self.chats.get(chat_id, {}).pop(message_id, None)

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return list(self.chats.get(chat_id, {}).values())

    def is_from_bot(self, message: dict[str, Any]) -> bool:
        return bool(message.get("from", {}).get("id") == self.bot_user["id"])

    def mark_user_action(self, chat_id: int) -> None:
        self.user_action_mark[chat_id] = self._last_message_id.get(chat_id, 0)

    # -- files ------------------------------------------------------------------------------

    def store_file(
        self,
        kind: str,
        data: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        stored = StoredFile.create(kind, data, len(self.files) + 1, file_name, mime_type)
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # -- updates ----------------------------------------------------------------------------

    def enqueue_update(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = self.updates.enqueue(kind, payload)
        self.notifier.notify()
        return update_id

    # -- events -----------------------------------------------------------------------------

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def emit(
        self, event_type: str, chat_id: int, message: dict[str, Any] | None, **extra: Any
    ) -> None:
        event: Event = {
            "type": event_type,
            "chat_id": chat_id,
            "message": copy.deepcopy(message),
            **extra,
        }
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                # A broken front (e.g. a disconnected web page) must not fail the bot's request.
                log.exception("emulator event subscriber %r failed", callback)
        self.notifier.notify()
