"""The access gate: runs before every handler. Only registered, active people get past it;
everyone else gets one polite line and nothing else, and only a log line is kept of them."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers.context import BotContext

log = logging.getLogger(__name__)

START_WITH_CODE = re.compile(r"^/start(?:@(?P<bot>\w+))?\s+\S+")
# A stranger who keeps writing is told once in this window; the rest is not answered, so a
# few strangers cannot eat the sending budget the office's reminders need.
REFUSAL_WINDOW = timedelta(minutes=10)


async def gate(update: Update, context: BotContext) -> None:
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    if update.my_chat_member is not None:
        # The person blocked (or unblocked) the bot: no message comes with it.
        blocked = update.my_chat_member.new_chat_member.status == "kicked"
        await context.services.people.set_reachable(user.id, not blocked)
        raise ApplicationHandlerStop
    if update.message is None and update.edited_message is None \
            and update.callback_query is None:
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
    if update.message is not None:
        invite = START_WITH_CODE.match(update.message.text or "")
        if invite and invite.group("bot") in (None, context.bot.username):
            return  # an invite link: the start handler checks the code
    log.info("refused unregistered telegram user %s (%s)", user.id,
             "button" if update.callback_query else "message")
    text = context.t("access.unregistered")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_chat is not None and _first_in_window(context, user.id):
        await context.bot.send_message(update.effective_chat.id, text)
    raise ApplicationHandlerStop


def _first_in_window(context: BotContext, user_id: int) -> bool:
    told: dict[int, datetime] = context.bot_data.setdefault("refused_at", {})
    now = context.services.clock.now()
    last = told.get(user_id)
    if last is not None and now - last < REFUSAL_WINDOW:
        return False
    if len(told) > 10_000:  # a flood of strangers must not grow this without end
        told.clear()
    told[user_id] = now
    return True


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, gate), group=-1)
