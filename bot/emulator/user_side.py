"""What the emulated people do: write, upload, share locations, press buttons, block the bot.

Every action stores what Telegram would store and queues the Update the bot will receive
from getUpdates; the returned update_id lets a test follow that update
(`BotApiEmulator.delivered`, `answer_for`).
"""

from __future__ import annotations

import copy
import mimetypes
import secrets
from typing import Any

from bot.emulator.formatting import command_entities
from bot.emulator.state import CallbackQueryRecord, EmulatedUser, EmulatorState


class UserSide:
    def __init__(self, state: EmulatorState) -> None:
        self.state = state

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> EmulatedUser:
        user = self.state.users.get(user_id)
        if user is None:
            user = EmulatedUser(user_id, first_name, last_name, username, language_code)
            self.state.users[user_id] = user
        else:
            # Same id again: the same person, possibly with an updated profile.
            user.first_name = first_name
            user.last_name = last_name
            user.username = username
            user.language_code = language_code
        return user

    # -- messages ---------------------------------------------------------------------------

    def send_text(self, user_id: int, text: str, reply_to_message_id: int | None = None) -> int:
        if not text.strip():
            raise ValueError("Telegram clients cannot send an empty message")
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user_id, content, reply_to_message_id)

    def send_document(
        self,
        user_id: int,
        file_name: str,
        data: bytes,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> int:
        self.state.user(user_id)  # fail before storing anything for an unknown user
        if mime_type is None:
            mime_type = mimetypes.guess_type(file_name, strict=False)[0]
        stored = self.state.store_file("document", data, file_name, mime_type)
        content: dict[str, Any] = {"document": stored.document_dict()}
        if caption:
            content["caption"] = caption
        return self._user_message(user_id, content)

    def share_location(
        self, user_id: int, latitude: float, longitude: float, forwarded: bool = False
    ) -> int:
        user = self.state.user(user_id)
        content: dict[str, Any] = {"location": {"latitude": latitude, "longitude": longitude}}
        if forwarded:
            # Forwarding an old location is how people fake a check-in; the bot must notice.
            date = self.state.timestamp()
            content["forward_origin"] = {
                "type": "user",
                "sender_user": user.user_dict(),
                "date": date,
            }
            content["forward_date"] = date
        return self._user_message(user_id, content)

    def press_keyboard_button(self, user_id: int, label: str) -> int:
        """Tap a button of the reply keyboard the bot is showing: sends its label as text."""
        user = self.state.user(user_id)
        labels = _reply_keyboard_labels(user.reply_keyboard)
        if label not in labels:
            raise LookupError(f"no reply keyboard button {label!r}; available: {labels}")
        return self.send_text(user_id, label)

    def _user_message(
        self, user_id: int, content: dict[str, Any], reply_to_message_id: int | None = None
    ) -> int:
        user = self.state.user(user_id)
        if user.blocked_bot:
            # Telegram only lets a user write to a bot after unblocking it.
            self.unblock(user_id)
        if reply_to_message_id is not None:
            target = self.state.message(user_id, reply_to_message_id)
            if target is None:
                raise LookupError(f"no message {reply_to_message_id} in chat {user_id}")
            reply = copy.deepcopy(target)
            reply.pop("reply_to_message", None)
            content = {**content, "reply_to_message": reply}
        message = self.state.add_message(user, user.user_dict(), content)
        self.state.mark_user_action(user_id)
        update_id = self.state.enqueue_update("message", message)
        self.state.emit("user_message", user_id, message)
        return update_id

    # -- callback queries -------------------------------------------------------------------

    def press_button(self, user_id: int, label: str, message_id: int | None = None) -> int:
        """Press the inline button labelled `label` in `message_id`, else in the newest bot
        message of the chat that has such a button."""
        self.state.user(user_id)
        if message_id is not None:
            message = self.state.message(user_id, message_id)
            if message is None:
                raise LookupError(f"no message {message_id} in chat {user_id}")
            candidates = [message]
        else:
            candidates = [
                m for m in reversed(self.state.chat_messages(user_id)) if self.state.is_from_bot(m)
            ]
        for message in candidates:
            for button in _inline_buttons(message):
                if button["text"] != label:
                    continue
                data = button.get("callback_data")
                if data is None:
                    raise ValueError(f"button {label!r} has no callback_data (it is {button})")
                return self._callback(user_id, message, data)
        labels = [b["text"] for m in candidates for b in _inline_buttons(m)]
        where = f"message {message_id}" if message_id is not None else "the bot's messages"
        raise LookupError(f"no inline button {label!r} in {where}; available: {labels}")

    def press_callback(self, user_id: int, message_id: int, data: str) -> int:
        """Send arbitrary callback data from `message_id`, as a tampered client could."""
        self.state.user(user_id)
        message = self.state.message(user_id, message_id)
        if message is None:
            raise LookupError(f"no message {message_id} in chat {user_id}")
        return self._callback(user_id, message, data)

    def _callback(self, user_id: int, message: dict[str, Any], data: str) -> int:
        user = self.state.user(user_id)
        query_id = str(secrets.randbits(63))
        while query_id in self.state.callback_queries:
            query_id = str(secrets.randbits(63))
        payload = {
            "id": query_id,
            "from": user.user_dict(),
            "message": message,
            # Stable per chat, like Telegram's; bots use it to tell game/chat contexts apart.
            "chat_instance": str(-(7 * 10**18) + user_id),
            "data": data,
        }
        self.state.mark_user_action(user_id)
        update_id = self.state.enqueue_update("callback_query", payload)
        self.state.callback_queries[query_id] = CallbackQueryRecord(
            query_id, update_id, user_id, user_id, message["message_id"], data
        )
        self.state.callback_by_update[update_id] = query_id
        return update_id

    # -- blocking ---------------------------------------------------------------------------

    def block(self, user_id: int) -> int | None:
        """The user blocks the bot; returns the my_chat_member update_id (None if already)."""
        return self._set_blocked(user_id, True)

    def unblock(self, user_id: int) -> int | None:
        return self._set_blocked(user_id, False)

    def _set_blocked(self, user_id: int, blocked: bool) -> int | None:
        user = self.state.user(user_id)
        if user.blocked_bot == blocked:
            return None
        user.blocked_bot = blocked
        bot_user = self.state.bot_user
        member = {"status": "member", "user": bot_user}
        kicked = {"status": "kicked", "user": bot_user, "until_date": 0}
        # Telegram reports (un)blocking to the bot as a my_chat_member update.
        return self.state.enqueue_update(
            "my_chat_member",
            {
                "chat": user.chat_dict(),
                "from": user.user_dict(),
                "date": self.state.timestamp(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )


def _inline_buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    markup = message.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


def _reply_keyboard_labels(keyboard: dict[str, Any] | None) -> list[str]:
    if keyboard is None:
        return []
    return [
        button["text"] if isinstance(button, dict) else button
        for row in keyboard.get("keyboard", [])
        for button in row
    ]
