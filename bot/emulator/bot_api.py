"""The Bot API methods the emulator implements: what the bot can ask the "Telegram server".

Each method takes the call's `Params` and returns the `result` Telegram would answer with, or
raises `ApiError`. Validation copies Telegram where bots commonly go wrong (unescaped HTML,
overlong text, editing without changes, answering a callback twice, oversized callback_data),
because catching those here is the point of testing against an emulator.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.emulator.errors import ApiError
from bot.emulator.formatting import (
    FormattedText,
    check_caption,
    check_message_text,
    format_text,
)
from bot.emulator.media import StoredFile
from bot.emulator.params import Params, UploadedFile
from bot.emulator.ratelimit import RateLimiter
from bot.emulator.state import EmulatedUser, EmulatorState

Handler = Callable[[Params], Any]

_MAX_CALLBACK_DATA_BYTES = 64
_INLINE_BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_CONFLICT_OTHER_POLL = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
_CONFLICT_WEBHOOK = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)


@dataclass
class _ReplyMarkup:
    inline: dict[str, Any] | None = None  # goes into the Message
    keyboard: dict[str, Any] | None = None  # replaces the user's reply keyboard
    remove_keyboard: bool = False


class BotApi:
    def __init__(self, state: EmulatorState, rate_limiter: RateLimiter | None = None) -> None:
        self.state = state
        self.rate_limiter = rate_limiter
        self._methods: dict[str, Handler] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self.get_me,
                "logOut": self.ok,
                "close": self.ok,
                "getUpdates": self.get_updates,
                "setWebhook": self.set_webhook,
                "deleteWebhook": self.delete_webhook,
                "getWebhookInfo": self.get_webhook_info,
                "sendMessage": self.send_message,
                "sendDocument": self.send_document,
                "sendPhoto": self.send_photo,
                "sendChatAction": self.send_chat_action,
                "editMessageText": self.edit_message_text,
                "editMessageCaption": self.edit_message_caption,
                "editMessageReplyMarkup": self.edit_message_reply_markup,
                "deleteMessage": self.delete_message,
                "answerCallbackQuery": self.answer_callback_query,
                "getFile": self.get_file,
                "getChat": self.get_chat,
                "setMyCommands": self.set_my_commands,
                "getMyCommands": self.get_my_commands,
                "deleteMyCommands": self.delete_my_commands,
                "setChatMenuButton": self.set_chat_menu_button,
                "getChatMenuButton": self.get_chat_menu_button,
                "setMyName": self._profile_setter("name"),
                "getMyName": self._profile_getter("name"),
                "setMyDescription": self._profile_setter("description"),
                "getMyDescription": self._profile_getter("description"),
                "setMyShortDescription": self._profile_setter("short_description"),
                "getMyShortDescription": self._profile_getter("short_description"),
            }.items()
        }

    async def call(self, method: str, params: Params) -> Any:
        # Telegram treats method names case-insensitively.
        handler = self._methods.get(method.lower())
        if handler is None:
            raise ApiError.not_found("method not found")
        result = handler(params)
        if inspect.isawaitable(result):
            result = await result
        return result

    # -- bot & connection -------------------------------------------------------------------

    def ok(self, p: Params) -> bool:
        return True

    def get_me(self, p: Params) -> dict[str, Any]:
        return dict(self.state.bot_user)

    async def get_updates(self, p: Params) -> list[dict[str, Any]]:
        state = self.state
        if state.webhook["url"]:
            raise ApiError.conflict(_CONFLICT_WEBHOOK)
        queue = state.updates
        offset = p.get_int("offset")
        limit = min(max(p.get_int("limit") or 100, 1), 100)
        timeout = max(p.get_float("timeout") or 0.0, 0.0)

        # Like Telegram, a new poll ends any poll still waiting (that one answers 409).
        queue.poll_generation += 1
        generation = queue.poll_generation
        if offset is not None:
            queue.confirm(offset)
        queue.active_polls += 1
        state.notifier.notify()
        try:
            return await self._wait_for_updates(generation, limit, timeout)
        finally:
            queue.active_polls -= 1

    async def _wait_for_updates(
        self, generation: int, limit: int, poll_seconds: float
    ) -> list[dict[str, Any]]:
        state = self.state
        queue = state.updates
        loop = asyncio.get_running_loop()
        deadline = loop.time() + poll_seconds
        while True:
            if queue.poll_generation != generation:
                raise ApiError.conflict(_CONFLICT_OTHER_POLL)
            if queue.pending:
                batch = copy.deepcopy(queue.pending[:limit])
                queue.delivered.update(update["update_id"] for update in batch)
                state.notifier.notify()
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await state.notifier.wait(remaining)

    def set_webhook(self, p: Params) -> bool:
        url = p.get_str("url") or ""
        if url and not url.startswith("https://"):
            raise ApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if p.get_bool("drop_pending_updates"):
            self.state.updates.drop_all()
        self.state.webhook = {
            "url": url,
            "secret_token": p.get_str("secret_token"),
            "max_connections": p.get_int("max_connections") or 40,
            "allowed_updates": p.get_json("allowed_updates"),
        }
        self.state.notifier.notify()  # wait_for() on the webhook's state wakes up
        return True

    def delete_webhook(self, p: Params) -> bool:
        if p.get_bool("drop_pending_updates"):
            self.state.updates.drop_all()
        self.state.webhook = {"url": ""}
        self.state.notifier.notify()
        return True

    def get_webhook_info(self, p: Params) -> dict[str, Any]:
        hook = self.state.webhook
        info: dict[str, Any] = {
            "url": hook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates.pending),
        }
        if hook["url"]:
            info["max_connections"] = hook["max_connections"]
            if hook.get("allowed_updates") is not None:
                info["allowed_updates"] = hook["allowed_updates"]
        return info

    # -- sending ----------------------------------------------------------------------------

    def send_message(self, p: Params) -> dict[str, Any]:
        chat = self._target_chat(p)
        formatted = format_text(
            p.get_str("text") or "", p.get_str("parse_mode"), p.get_json("entities")
        )
        check_message_text(formatted)
        return self._send(chat, _text_content(formatted), p)

    def send_document(self, p: Params) -> dict[str, Any]:
        chat = self._target_chat(p)
        caption = self._caption(p)
        stored = self._input_file(p, "document")
        return self._send(chat, {"document": stored.document_dict(), **caption}, p)

    def send_photo(self, p: Params) -> dict[str, Any]:
        chat = self._target_chat(p)
        caption = self._caption(p)
        stored = self._input_file(p, "photo")
        return self._send(chat, {"photo": stored.photo_sizes(), **caption}, p)

    def send_chat_action(self, p: Params) -> bool:
        self._target_chat(p)
        p.require_str("action", "action is empty")
        return True

    def _send(self, chat: EmulatedUser, content: dict[str, Any], p: Params) -> dict[str, Any]:
        """Shared tail of every send* method: reply, markup, flood control, store, notify."""
        reply_to = self._reply_target(chat, p)
        markup = _parse_reply_markup(p.get_json("reply_markup"))
        self._charge_rate_limit(chat.id)
        if reply_to is not None:
            content["reply_to_message"] = reply_to
        if markup.inline is not None:
            content["reply_markup"] = markup.inline
        if markup.keyboard is not None:
            chat.reply_keyboard = markup.keyboard
        elif markup.remove_keyboard:
            chat.reply_keyboard = None
        message = self.state.add_message(chat, self.state.bot_user, content)
        self.state.emit("message", chat.id, message)
        return copy.deepcopy(message)

    def _target_chat(self, p: Params) -> EmulatedUser:
        raw = p.raw("chat_id")
        if raw is None or raw == "":
            raise ApiError.bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            # "@channelusername": the emulator only has private chats.
            raise ApiError.bad_request("chat not found") from None
        return self.state.chat_for_bot(chat_id)

    def _reply_target(self, chat: EmulatedUser, p: Params) -> dict[str, Any] | None:
        params = p.get_json("reply_parameters")
        if isinstance(params, dict):
            message_id = params.get("message_id")
            allow_missing = bool(params.get("allow_sending_without_reply"))
        else:
            message_id = p.get_int("reply_to_message_id")
            allow_missing = p.get_bool("allow_sending_without_reply")
        if message_id is None:
            return None
        target = self.state.message(chat.id, int(message_id))
        if target is None:
            if allow_missing:
                return None
            raise ApiError.bad_request("message to be replied not found")
        reply = copy.deepcopy(target)
        reply.pop("reply_to_message", None)  # Telegram does not nest replies further
        return reply

    def _caption(self, p: Params) -> dict[str, Any]:
        text = p.get_str("caption")
        if not text:
            return {}
        formatted = format_text(text, p.get_str("parse_mode"), p.get_json("caption_entities"))
        check_caption(formatted)
        return _caption_content(formatted)

    def _input_file(self, p: Params, kind: str) -> StoredFile:
        value = p.get_input_file(kind)
        if value is None or value == "":
            raise ApiError.bad_request(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.data:
                raise ApiError.bad_request("file must be non-empty")
            mime_type = value.content_type
            if mime_type in (None, "application/octet-stream"):
                mime_type = None  # let the file name decide, as Telegram does
            return self.state.store_file(kind, value.data, value.filename, mime_type)
        stored = self.state.files.get(value)
        if stored is not None:
            if kind == "photo" and stored.kind != "photo":
                raise ApiError.bad_request("type of file mismatch")
            return stored
        if value.startswith(("http://", "https://")):
            raise ApiError.bad_request("failed to get HTTP URL content")
        raise ApiError.bad_request("wrong file identifier/HTTP URL specified")

    def _charge_rate_limit(self, chat_id: int) -> None:
        if self.rate_limiter is None:
            return
        retry_after = self.rate_limiter.acquire(chat_id)
        if retry_after is not None:
            raise ApiError.too_many_requests(retry_after)

    # -- editing ----------------------------------------------------------------------------

    def edit_message_text(self, p: Params) -> dict[str, Any]:
        chat, message = self._editable_message(p)
        if "text" not in message:
            raise ApiError.bad_request("there is no text in the message to edit")
        formatted = format_text(
            p.get_str("text") or "", p.get_str("parse_mode"), p.get_json("entities")
        )
        check_message_text(formatted)
        changes = {
            "text": formatted.text,
            "entities": formatted.entities or None,
            # Omitting reply_markup removes the inline keyboard, exactly as on Telegram.
            "reply_markup": self._inline_markup(p),
        }
        return self._apply_edit(chat, message, changes)

    def edit_message_caption(self, p: Params) -> dict[str, Any]:
        chat, message = self._editable_message(p)
        if "document" not in message and "photo" not in message:
            raise ApiError.bad_request("there is no caption in the message to edit")
        caption = self._caption(p)
        changes = {
            "caption": caption.get("caption"),
            "caption_entities": caption.get("caption_entities"),
            "reply_markup": self._inline_markup(p),
        }
        return self._apply_edit(chat, message, changes)

    def edit_message_reply_markup(self, p: Params) -> dict[str, Any]:
        chat, message = self._editable_message(p)
        return self._apply_edit(chat, message, {"reply_markup": self._inline_markup(p)})

    def _editable_message(self, p: Params) -> tuple[EmulatedUser, dict[str, Any]]:
        if p.get_str("inline_message_id"):
            raise ApiError.bad_request("inline messages are not supported by the emulator")
        chat = self._target_chat(p)
        message_id = p.require_int("message_id", "message identifier is not specified")
        message = self.state.message(chat.id, message_id)
        if message is None:
            raise ApiError.bad_request("message to edit not found")
        if not self.state.is_from_bot(message):
            raise ApiError.bad_request("message can't be edited")
        return chat, message

    def _inline_markup(self, p: Params) -> dict[str, Any] | None:
        markup = _parse_reply_markup(p.get_json("reply_markup"))
        if markup.keyboard is not None or markup.remove_keyboard:
            raise ApiError.bad_request("inline keyboard expected")
        return markup.inline

    def _apply_edit(
        self, chat: EmulatedUser, message: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply `changes` (None = remove the field) in place, or refuse a no-op edit."""
        if all(message.get(key) == value for key, value in changes.items()):
            raise ApiError.bad_request(_NOT_MODIFIED)
        for key, value in changes.items():
            if value is None:
                message.pop(key, None)
            else:
                message[key] = copy.deepcopy(value)
        message["edit_date"] = self.state.timestamp()
        self.state.emit("edit", chat.id, message)
        return copy.deepcopy(message)

    def delete_message(self, p: Params) -> bool:
        chat = self._target_chat(p)
        message_id = p.require_int("message_id", "message identifier is not specified")
        removed = self.state.remove_message(chat.id, message_id)
        if removed is None:
            raise ApiError.bad_request("message to delete not found")
        self.state.emit("delete", chat.id, removed)
        return True

    # -- callback queries -------------------------------------------------------------------

    def answer_callback_query(self, p: Params) -> bool:
        query_id = p.require_str("callback_query_id", "QUERY_ID_INVALID")
        record = self.state.callback_queries.get(query_id)
        # Telegram accepts one answer per query; a second one fails the same way as a stale id.
        if record is None or record.answer is not None:
            raise ApiError.bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        answer = {
            "callback_query_id": record.query_id,
            "user_id": record.user_id,
            "text": p.get_str("text"),
            "show_alert": p.get_bool("show_alert"),
        }
        record.answer = answer
        self.state.callback_answers.append(answer)
        message = self.state.message(record.chat_id, record.message_id)
        self.state.emit("callback_answer", record.chat_id, message, answer=dict(answer))
        return True

    # -- files & chats ----------------------------------------------------------------------

    def get_file(self, p: Params) -> dict[str, Any]:
        file_id = p.require_str("file_id", "file_id is empty")
        stored = self.state.files.get(file_id)
        if stored is None:
            raise ApiError.bad_request("invalid file_id")
        return stored.file_dict()

    def get_chat(self, p: Params) -> dict[str, Any]:
        raw = p.raw("chat_id")
        try:
            user = self.state.users.get(int(raw))
        except (TypeError, ValueError):
            user = None
        if user is None:
            raise ApiError.bad_request("chat not found")
        return {
            **user.chat_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    # -- commands, menu, profile ------------------------------------------------------------

    def set_my_commands(self, p: Params) -> bool:
        key = self._commands_key(p)
        commands = p.get_json("commands")
        if not isinstance(commands, list):
            raise ApiError.bad_request("commands is empty")
        if len(commands) > 100:
            raise ApiError.bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[dict[str, str]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError.bad_request("can't parse BotCommand")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise ApiError.bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        if cleaned:
            self.state.commands[key] = cleaned
        else:
            self.state.commands.pop(key, None)  # an empty list is how bots delete them too
        return True

    def get_my_commands(self, p: Params) -> list[dict[str, str]]:
        return copy.deepcopy(self.state.commands.get(self._commands_key(p), []))

    def delete_my_commands(self, p: Params) -> bool:
        self.state.commands.pop(self._commands_key(p), None)
        return True

    def _commands_key(self, p: Params) -> tuple[str, str]:
        scope = p.get_json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise ApiError.bad_request("can't parse BotCommandScope")
        # Chat-specific scopes are told apart by their ids: "chat:1001", "chat_member:-5:1001".
        scope_key = ":".join(
            [scope["type"]] + [str(scope[k]) for k in ("chat_id", "user_id") if k in scope]
        )
        language = p.get_str("language_code") or ""
        if language and not _LANGUAGE_RE.fullmatch(language):
            raise ApiError.bad_request("invalid language code specified")
        return scope_key, language

    def set_chat_menu_button(self, p: Params) -> bool:
        chat_id = p.get_int("chat_id")
        if chat_id is not None:
            self._target_chat(p)
        button = p.get_json("menu_button") or {"type": "default"}
        self.state.menu_buttons[chat_id] = button
        return True

    def get_chat_menu_button(self, p: Params) -> dict[str, Any]:
        chat_id = p.get_int("chat_id")
        button = self.state.menu_buttons.get(chat_id) or self.state.menu_buttons.get(None)
        return copy.deepcopy(button) if button else {"type": "default"}

    def _profile_setter(self, field: str) -> Handler:
        def setter(p: Params) -> bool:
            language = p.get_str("language_code") or ""
            value = p.get_str(field) or ""
            if value:
                self.state.bot_profile[(field, language)] = value
            else:
                self.state.bot_profile.pop((field, language), None)
            return True

        return setter

    def _profile_getter(self, field: str) -> Handler:
        def getter(p: Params) -> dict[str, str]:
            language = p.get_str("language_code") or ""
            profile = self.state.bot_profile
            default = self.state.bot_user["first_name"] if field == "name" else ""
            return {field: profile.get((field, language), profile.get((field, ""), default))}

        return getter


def _text_content(formatted: FormattedText) -> dict[str, Any]:
    content: dict[str, Any] = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    return content


def _caption_content(formatted: FormattedText) -> dict[str, Any]:
    if not formatted.text:
        return {}
    content: dict[str, Any] = {"caption": formatted.text}
    if formatted.entities:
        content["caption_entities"] = formatted.entities
    return content


def _parse_reply_markup(raw: Any) -> _ReplyMarkup:
    if raw is None:
        return _ReplyMarkup()
    if not isinstance(raw, dict):
        raise ApiError.bad_request("object expected as reply markup")
    if "inline_keyboard" in raw:
        return _ReplyMarkup(inline={"inline_keyboard": _checked_inline_rows(raw)})
    if "keyboard" in raw:
        rows = raw["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError.bad_request('field "keyboard" must be an Array of Arrays')
        for row in rows:
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise ApiError.bad_request("can't parse keyboard button: Text is empty")
        return _ReplyMarkup(keyboard=copy.deepcopy(raw))
    if raw.get("remove_keyboard"):
        return _ReplyMarkup(remove_keyboard=True)
    if raw.get("force_reply"):
        return _ReplyMarkup()
    raise ApiError.bad_request("can't parse reply keyboard markup JSON object")


def _checked_inline_rows(raw: dict[str, Any]) -> list[list[dict[str, Any]]]:
    rows = raw["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError.bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not button.get("text"):
                raise ApiError.bad_request(
                    "can't parse inline keyboard button: Text must be non-empty"
                )
            if not _INLINE_BUTTON_ACTIONS & button.keys():
                raise ApiError.bad_request(
                    "can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and not (
                isinstance(data, str) and 1 <= len(data.encode()) <= _MAX_CALLBACK_DATA_BYTES
            ):
                raise ApiError.bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise ApiError.bad_request(
                    f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
                )
    return copy.deepcopy(rows)
