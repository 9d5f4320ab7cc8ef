"""The last line of defence: a crash in a handler is logged with an incident id, the person
is told in one line with that id, and the bot goes on serving everyone else."""

from __future__ import annotations

import logging
import secrets

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop

from handlers.context import BotContext

log = logging.getLogger("officebot.incident")


async def on_error(update: object, context: BotContext) -> None:
    incident = secrets.token_hex(4)
    log.error("incident %s while handling %r", incident, update, exc_info=context.error)
    if not isinstance(update, Update):
        return
    try:
        await _apologise(update, context, incident)
    except Exception:  # not a cancellation, which must go on (a finally would swallow it)
        log.exception("incident %s: the apology failed", incident)
    # Nothing more for this update, even if the apology failed: after a failure in the
    # access gate (group -1) the feature handlers would run without the person it checks,
    # fail again and apologise twice (or show a stranger the menu).
    raise ApplicationHandlerStop


async def _apologise(update: Update, context: BotContext, incident: str) -> None:
    text = context.t("error.internal", incident=incident)
    if update.callback_query is not None:
        try:
            await update.callback_query.answer(text[:200], show_alert=True)
            return
        except Exception:  # already answered before the crash: say it in the chat instead
            log.info("incident %s: callback already answered", incident)
    if update.effective_chat is None:
        return
    try:
        await context.bot.send_message(update.effective_chat.id, text, parse_mode="HTML")
    except Exception:  # the apology itself failed (network down): the log has the incident
        log.exception("incident %s: could not tell the user", incident)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_error_handler(on_error)
