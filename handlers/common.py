"""What every handler shares: replying, and turning a DomainError into a message."""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.services.access import Actor
from bot.services.errors import DomainError
from bot.text import Markup
from handlers.context import BotContext
from handlers.sender import Markup as KeyboardMarkup
from handlers.sender import send_text

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Awaitable[Any]]


async def reply(update: Update, context: BotContext, text: str,
                reply_markup: KeyboardMarkup | None = None) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    await send_text(context.bot, chat.id, text, reply_markup)


async def reply_key(update: Update, context: BotContext, key: str, **params: object) -> None:
    await reply(update, context, context.t(key, **params))


def domain_errors(handler: Handler) -> Handler:
    """A refused action is answered in the asker's language; nothing else happens.

    For a button press the answer is a popup on the press, so the card stays as it was.
    """

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> Any:
        try:
            return await handler(update, context)
        except DomainError as exc:
            text = context.t(exc.key, **exc.params)
            log.info("refused %s for %s: %s", handler.__name__,
                     context.actor.id if context.actor else None, exc.key)
            if update.callback_query is not None:
                await update.callback_query.answer(_plain(text), show_alert=True)
            else:
                await reply(update, context, text)
            return None

    return wrapper


def _plain(text: Markup) -> str:
    """Callback answers are plain text (no HTML), at most 200 characters."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))[:200]


# New messages only: editing an old "/invite 张三" must not issue a second link.
FRESH = filters.UpdateType.MESSAGE


# user_data keys of the one-question conversations (a reason, a name, a percentage). Only
# the newest question is open: a question asked later takes over, and leaving or /cancel
# forgets them all, so no answer ever lands in an older question.
OPEN_QUESTION = "asking"
QUESTION_KEYS = (OPEN_QUESTION, "task_progress")


def forget_questions(context: BotContext) -> None:
    if context.user_data is not None:
        for key in QUESTION_KEYS:
            context.user_data.pop(key, None)


def ask(context: BotContext, key: str, value: object) -> None:
    """Open a question under `key`, closing any other open one."""
    forget_questions(context)
    assert context.user_data is not None
    context.user_data[key] = value


def open_question(context: BotContext, kind: str) -> tuple[int, int | None] | None:
    """The subject id (and the pressed card's message id) of the open question asked as
    "kind:<id>:<card>", if that is the open one."""
    value = (context.user_data or {}).get(OPEN_QUESTION)
    if not isinstance(value, str):
        return None
    parts = value.split(":")
    if len(parts) != 3 or parts[0] != kind:
        return None
    return int(parts[1]), int(parts[2]) or None


class Asking(filters.MessageFilter):
    """True while the sender's open question (OPEN_QUESTION) is of this kind: "kind" or
    "kind:<id>:<card>"."""

    def __init__(self, app: Any, kind: str) -> None:
        super().__init__(name=f"asking-{kind}")
        self.app = app
        self.kind = kind

    def filter(self, message: Message) -> bool:
        if message.from_user is None:
            return False
        value = (self.app.user_data.get(message.from_user.id) or {}).get(OPEN_QUESTION)
        return isinstance(value, str) and (value == self.kind
                                           or value.startswith(f"{self.kind}:"))


def entry_point(handler: Handler) -> Handler:
    """A conversation's entry point that is refused (a DomainError) answers the person and
    ends there: returning None would leave PTB's timeout armed for a conversation that never
    began."""
    wrapped = domain_errors(handler)

    @functools.wraps(handler)
    async def run(update: Update, context: BotContext) -> Any:
        state = await wrapped(update, context)
        return ConversationHandler.END if state is None else state

    return run


async def timeout_actor(update: Update, context: BotContext) -> Actor | None:
    """A conversation timeout runs as a job with the last update: no access gate ran, so look
    the person up again (they may have been deactivated meanwhile). The changed user_data of
    a job is not saved by PTB until the person writes again, so it is marked here."""
    user = update.effective_user
    if user is None:
        return None
    context.application.mark_data_for_update_persistence(user_ids=user.id)
    context.actor = await context.services.people.resolve_actor(user.id, "", None)
    return context.actor


def question_timed_out(kind: str, key: str) -> Handler:
    """The timeout of a one-question conversation asked with `ask(context, OPEN_QUESTION,
    "kind:<id>:<card>")`: silent if the question was answered or replaced meanwhile; else
    the question is dropped and the person told (`key`, with the subject's `id`)."""

    async def timed_out(update: Update, context: BotContext) -> None:
        asking = open_question(context, kind)
        if asking is None:
            return
        forget_questions(context)
        if await timeout_actor(update, context) is not None:
            await reply(update, context, context.t(key, id=asking[0]))

    return timed_out


async def switch_away(update: Update, context: BotContext) -> int:
    """Another command while a conversation waits for an answer: that conversation ends and
    the command is handled as if none were open (it goes back into the queue, behind this
    update, so the ended state is saved first). Otherwise the waiting state would take the
    next answer meant for the new command."""
    await context.application.update_queue.put(update)
    return ConversationHandler.END


def conversation_fallbacks(
    cancel: Handler, forget: Callable[[BotContext], object] | None = None
) -> list[BaseHandler[Any, Any, Any]]:
    """What every conversation lists as fallbacks: /cancel, and leaving for another command;
    `forget` drops what the conversation kept in user_data when it is left that way. Both
    close any open question (forget_questions) themselves."""

    async def leave(update: Update, context: BotContext) -> int:
        if forget is not None:
            forget(context)
        forget_questions(context)
        return await switch_away(update, context)

    async def cancelled(update: Update, context: BotContext) -> Any:
        forget_questions(context)
        return await cancel(update, context)

    return [command("cancel", cancelled),
            MessageHandler(FRESH & filters.COMMAND & ~filters.Regex(r"^/cancel\b"), leave)]


# How long a conversation waits for the next answer before it ends by itself.
CONVERSATION_TIMEOUT = 600


def conversation_options(name: str) -> dict[str, Any]:
    """What every feature conversation is: persisted in the database under its name (it
    survives a restart), closed after CONVERSATION_TIMEOUT, restartable from its entry."""
    return {"persistent": True, "name": name, "conversation_timeout": CONVERSATION_TIMEOUT,
            "allow_reentry": True}


def command(name: str, callback: Handler) -> CommandHandler[BotContext, Any]:
    return CommandHandler(name, callback, filters=FRESH)


def callback_id(update: Update) -> int:
    """The number at the end of a button's data ('task:accept:12' -> 12)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return int(query.data.rsplit(":", 1)[-1])


def pressed_message(update: Update) -> Message | None:
    """The card whose button was pressed, when Telegram still has it."""
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None


def pressed_card(update: Update) -> Message | None:
    """The pressed message if it carries the pressed button: a card of this decision, never
    some other message a forged press came from (which must not be edited)."""
    query = update.callback_query
    message = pressed_message(update)
    markup = message.reply_markup if message is not None else None
    if query is None or message is None or markup is None:
        return None
    carried = any(b.callback_data == query.data for row in markup.inline_keyboard for b in row)
    return message if carried else None


def command_args(update: Update) -> str:
    """Everything after the command word, as the person typed it."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""
