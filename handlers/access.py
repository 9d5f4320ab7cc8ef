"""The access gate: runs before every handler. Only registered, active people get past it;
everyone else gets one polite line and nothing else, and only a log line is kept of them."""

from __future__ import annotations

import logging
import re

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers.context import BotContext

log = logging.getLogger(__name__)

START_WITH_CODE = re.compile(r"^/start(@\w+)?\s+\S+")


async def gate(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    context.fallback_language = user.language_code
    if update.effective_chat is not None and update.effective_chat.type != "private":
        # The bot works in private chats only: group members are not all registered.
        raise ApplicationHandlerStop
    context.actor = await context.services.people.resolve_actor(
        user.id, user.full_name, user.language_code
    )
    if context.actor is not None:
        return
    if update.message is not None and START_WITH_CODE.match(update.message.text or ""):
        return  # an invite link: the start handler checks the code
    log.info("refused unregistered telegram user %s (%s)", user.id,
             "button" if update.callback_query else "message")
    text = context.t("access.unregistered")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, text)
    raise ApplicationHandlerStop


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, gate), group=-1)
