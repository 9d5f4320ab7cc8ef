"""After the meeting: /minutes (record or read the minutes), /decision, /meeting_decisions,
/decision_done, and recurring meetings: /meeting_series, /meeting_series_stop.

/minutes <id> from the organiser (or an admin) after the start opens the conversation
"meeting-minutes": the next text is the minutes, or a document (taken by a handler placed
ahead of the sheet router while the conversation waits); /cancel leaves. Everyone else who
may see the meeting gets the minutes shown.

Buttons: mtgdec:done:<decision_id> (on the owner's card), mtgser:ok|no:<token> (the series
confirmation card; the draft waits in user_data, the button carries only a token).
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.clock import short_time
from bot.i18n import t
from bot.services.container import Services
from bot.services.errors import Conflict, DomainError, InvalidInput
from bot.services.meeting_minutes import (
    DONE,
    OPEN,
    OVERDUE,
    DecisionView,
    MinutesView,
    SeriesView,
)
from bot.services.meetings import FINISHED
from bot.text import Markup
from handlers import account
from handlers.common import (
    CONVERSATION_TIMEOUT,
    FRESH,
    command,
    command_args,
    conversation_fallbacks,
    conversation_options,
    domain_errors,
    entry_point,
    reply,
    timeout_actor,
)
from handlers.context import BotContext
from handlers.holidays import day_label
from handlers.menu import MENU_LABEL
from handlers.sender import edit_text, inline_keyboard, send_text

ASK_MINUTES = "minutes-content"
MINUTES_KEY = "minutes_meeting"  # user_data: the meeting whose minutes are being recorded
SERIES_DRAFTS = "series_drafts"  # user_data: series waiting for the organiser's confirmation
PIPE = re.compile(r"[|｜]")


class _Waiting(filters.MessageFilter):
    """The sender asked to record minutes (/minutes) and has not sent them yet. Read from
    user_data, which PTB keeps in memory (and loads from the database at start); "until"
    guards against a flag left behind by a conversation that died oddly."""

    def __init__(self, app: Application) -> None:  # type: ignore[type-arg]
        super().__init__(name="meeting_minutes_waiting")
        self.app = app

    def filter(self, message: Message) -> bool:
        user = message.from_user
        data = self.app.user_data.get(user.id) if user is not None else None
        target = (data or {}).get(MINUTES_KEY) or {}
        until = target.get("until") if isinstance(target, dict) else None
        now = self.app.bot_data["services"].clock.now()
        return bool(until) and datetime.fromisoformat(str(until)) > now


def _number(text: str, usage: str) -> int:
    raw = text.strip().lstrip("#")
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(usage)
    return int(raw)


# --- minutes ---------------------------------------------------------------------------------


async def _show_minutes(update: Update, context: BotContext, view: MinutesView) -> None:
    if not view.text and not view.file_id:
        await reply(update, context, context.t("meeting_minutes.none", **view.params))
        return
    text = view.text or context.t("meeting_minutes.view_file_only")
    at = short_time(view.recorded_at, context.services.config.tz)
    await reply(update, context, context.t("meeting_minutes.view", **view.params, at=at,
                                           text=text))
    chat = update.effective_chat
    if view.file_id and chat is not None:
        await context.bot.send_document(chat.id, document=view.file_id)


@entry_point
async def minutes_command(update: Update, context: BotContext) -> str | int:
    """Ask the organiser for the minutes, or show them to a reader."""
    assert context.user_data is not None
    meeting_id = _number(command_args(update), "meeting_minutes.usage")
    service = context.services.minutes
    if await service.may_record(context.me, meeting_id):
        view = await service.check_record(context.me, meeting_id)
        if view.text or view.file_id:
            await _show_minutes(update, context, view)
        until = context.services.clock.now() + timedelta(seconds=CONVERSATION_TIMEOUT)
        context.user_data[MINUTES_KEY] = {"id": meeting_id, "until": until.isoformat()}
        await reply(update, context, context.t("meeting_minutes.ask", **view.params))
        return ASK_MINUTES
    context.user_data.pop(MINUTES_KEY, None)
    await _show_minutes(update, context, await service.read(context.me, meeting_id))
    return ConversationHandler.END


async def minutes_content(update: Update, context: BotContext) -> int:
    """The organiser's text or document, saved at once; the service checks again. A
    document comes through the handler registered ahead of the document router, so the
    conversation's state may stay behind, inert: its filters need the flag dropped here."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    target = context.user_data.pop(MINUTES_KEY, None) or {}
    meeting_id = target.get("id") if isinstance(target, dict) else None
    if not isinstance(meeting_id, int):
        return ConversationHandler.END
    if message.document is not None:
        text, file_id = message.caption, message.document.file_id
    else:
        text, file_id = message.text, None
    try:
        view = await context.services.minutes.record(context.me, meeting_id, text=text,
                                                     file_id=file_id)
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        return ConversationHandler.END
    parts = str(context.t("list.sep")).join(
        str(context.t(f"meeting_minutes.part.{p}")) for p in view.recorded_now)
    said = [str(context.t("meeting_minutes.saved", parts=parts, **view.params))]
    if view.status == FINISHED:
        said.append(str(context.t("meeting_minutes.saved_finished")))
    if view.told:
        said.append(str(context.t("meeting_minutes.saved_told", count=view.told)))
    said.append(str(context.t("meeting_minutes.saved_hint", id=view.meeting_id)))
    await reply(update, context, "\n".join(said))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    waiting = context.user_data.pop(MINUTES_KEY, None) if context.user_data is not None \
        else None
    if waiting is None:  # the minutes already came (as a document): nothing to cancel
        await reply(update, context, context.t("cancel.nothing"))
        return ConversationHandler.END
    return await account.cancel_conversation(update, context)


def _forget(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(MINUTES_KEY, None)


async def timed_out(update: Update, context: BotContext) -> None:
    if context.user_data is None or context.user_data.pop(MINUTES_KEY, None) is None:
        return  # the minutes came meanwhile as a document: nothing timed out
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("meeting_minutes.timeout"))


def conversation(app: Application) -> ConversationHandler[BotContext]:  # type: ignore[type-arg]
    return ConversationHandler(
        entry_points=[command("minutes", minutes_command)],
        states={
            ASK_MINUTES: [
                MessageHandler(FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL
                               & _Waiting(app), minutes_content),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=conversation_fallbacks(cancel, _forget),
        **conversation_options("meeting-minutes"),
    )


# --- decisions -------------------------------------------------------------------------------


def _state(lang: str, decision: DecisionView, tz: Any) -> Markup:
    if decision.state == DONE:
        done = decision.done_at.astimezone(tz) if decision.done_at else None
        # Closed after its deadline: the supervision (督查) wants to see that, not just "done".
        late = done is not None and decision.deadline is not None \
            and done.date() > decision.deadline
        return t(lang, "meeting_minutes.state.done_late" if late else "meeting_minutes.state.done",
                 at=f"{done:%m-%d}" if done else "")
    return t(lang, f"meeting_minutes.state.{decision.state}")


def decision_lines(lang: str, decisions: list[DecisionView], tz: Any,
                   key: str = "meeting_minutes.decision_line") -> list[str]:
    return [str(t(lang, key, state=_state(lang, d, tz), **d.params)) for d in decisions]


async def decisions_summary(services: Services, meeting_id: int, lang: str) -> list[str]:
    """The execution status of a meeting's decisions, for the /meeting card (whose handler
    has already checked that the asker may see the meeting): one line per decision and a
    count, or nothing when the meeting has none."""
    decisions = await services.minutes.decisions_of(meeting_id)
    if not decisions:
        return []
    return [*decision_lines(lang, decisions, services.config.tz), _count(lang, decisions)]


def _count(lang: str, decisions: list[DecisionView]) -> str:
    states = [d.state for d in decisions]
    return str(t(lang, "meeting_minutes.decisions_count", total=len(states),
                 done=states.count(DONE), open=states.count(OPEN),
                 overdue=states.count(OVERDUE)))


@domain_errors
async def decision(update: Update, context: BotContext) -> None:
    """/decision 12 完成村道修缮方案 | 张伟 | 12月15日"""
    head, rest = ([*command_args(update).split(maxsplit=1), "", ""])[:2]
    meeting_id = _number(head, "meeting_minutes.decision_usage")
    parts = [p.strip() for p in PIPE.split(rest)]
    if len(parts) > 3 or not parts[0]:
        raise InvalidInput("meeting_minutes.decision_usage")
    text, owner, deadline = [*parts, "", ""][:3]
    view = await context.services.minutes.add_decision(context.me, meeting_id, text, owner,
                                                       deadline)
    said = [str(context.t("meeting_minutes.decision_saved", **view.params))]
    if view.owner_id is not None and view.owner_id != context.me.id:
        said.append(str(context.t("meeting_minutes.decision_told", owner=view.owner)))
    await reply(update, context, "\n".join(said))


@domain_errors
async def meeting_decisions(update: Update, context: BotContext) -> None:
    args = command_args(update)
    tz = context.services.config.tz
    if not args:
        found = await context.services.minutes.open_decisions(context.me)
        said = [str(context.t("meeting_minutes.open_head"))]
        said += decision_lines(context.lang, found, tz, "meeting_minutes.open_line") or \
            [str(context.t("meeting_minutes.open_none"))]
        await reply(update, context, "\n".join(said))
        return
    meeting_id = _number(args, "meeting_minutes.decisions_usage")
    meeting, found = await context.services.minutes.decisions(context.me, meeting_id)
    day = meeting.starts_at.astimezone(tz).date()
    said = [str(context.t("meeting_minutes.decisions_head", title=meeting.title,
                          date=day_label(context.lang, day)))]
    if found:
        said += decision_lines(context.lang, found, tz)
        said.append(_count(context.lang, found))
    else:
        said.append(str(context.t("meeting_minutes.decisions_none")))
    await reply(update, context, "\n".join(said))


@domain_errors
async def decision_done(update: Update, context: BotContext) -> None:
    decision_id = _number(command_args(update), "meeting_minutes.decision_id_usage")
    view = await context.services.minutes.decision_done(context.me, decision_id)
    await reply(update, context, context.t("meeting_minutes.decision_done", **view.params))


@domain_errors
async def decision_done_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    decision_id = int(query.data.rsplit(":", 1)[-1])
    pressed = query.message if isinstance(query.message, Message) else None
    try:
        view = await context.services.minutes.decision_done(context.me, decision_id)
    except Conflict:
        if pressed is not None:  # closed meanwhile: the button has nothing left to do
            try:
                await pressed.edit_reply_markup(None)
            except TelegramError:
                pass
        raise
    await query.answer(str(context.t("meeting_minutes.decision_done", **view.params))[:200])
    if pressed is not None:
        at = short_time(view.done_at, context.services.config.tz)
        await edit_text(pressed, context.t("meeting_minutes.decision_done_card", **view.params,
                                           by=context.me.name, at=at))


# --- recurring meetings ----------------------------------------------------------------------


def _series_line(context: BotContext, series: SeriesView) -> str:
    return str(context.t("meeting_minutes.series_line", **series.params))


def _dates(context: BotContext, days: tuple[date, ...]) -> str:
    return str(context.t("list.sep")).join(day_label(context.lang, d) for d in days)


@domain_errors
async def meeting_series(update: Update, context: BotContext) -> None:
    """Bare: the office's recurring meetings. With fields: a card to confirm."""
    assert context.user_data is not None
    args = command_args(update)
    service = context.services.minutes
    if not args:
        found = await service.list_series(context.me)
        said = [str(context.t("meeting_minutes.series_list_head"))]
        said += [_series_line(context, s) for s in found] or \
            [str(context.t("meeting_minutes.series_none"))]
        await reply(update, context, "\n".join(said))
        return
    context.services.meetings.require_organiser_role(context.me)
    parts = [p.strip() for p in PIPE.split(args)]
    if len(parts) not in (4, 5) or not all(parts[:2]) or not parts[3]:
        raise InvalidInput("meeting_minutes.series_usage")
    draft = await service.prepare_series(context.me, *parts)
    token = secrets.token_hex(4)
    drafts: dict[str, Any] = context.user_data.setdefault(SERIES_DRAFTS, {})
    if len(drafts) > 20:
        drafts.clear()
    drafts[token] = draft.to_json()
    text = context.t(
        "meeting_minutes.series_card", title=draft.title, rule=draft.rule.label(),
        place=draft.place or "—", people=str(context.t("list.sep")).join(draft.invitee_names),
        minutes=draft.duration_minutes,
        next=_dates(context, draft.next_dates) or context.t("meeting_minutes.series_no_dates"),
        horizon=context.services.config.meetings.series_horizon_days)
    await reply(update, context, text, inline_keyboard([[
        (str(context.t("btn.confirm")), f"mtgser:ok:{token}"),
        (str(context.t("btn.cancel")), f"mtgser:no:{token}"),
    ]]))


@domain_errors
async def series_decision(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    _, action, token = query.data.split(":")
    drafts: dict[str, Any] = context.user_data.get(SERIES_DRAFTS, {})
    draft = drafts.get(token)
    if draft is None:  # confirmed already, discarded, or someone else's card
        await query.answer(str(context.t("callback.stale")), show_alert=True)
        return
    pressed = query.message if isinstance(query.message, Message) else None
    if action == "no":
        drafts.pop(token, None)
        await query.answer()
        if pressed is not None:
            await edit_text(pressed, context.t("meeting_minutes.series_discarded"))
        return
    # Refused (e.g. the role was taken away meanwhile): the draft stays, the card too.
    series = await context.services.minutes.create_series(context.me, draft)
    drafts.pop(token, None)
    await query.answer()
    said = [str(context.t("meeting_minutes.series_created", **series.params))]
    if series.created:
        said.append(str(context.t("meeting_minutes.series_created_dates",
                                  dates=_dates(context, series.created))))
    if series.skipped:
        said.append(str(context.t("meeting_minutes.series_created_skipped",
                                  dates=_dates(context, series.skipped))))
    if pressed is not None:
        await edit_text(pressed, "\n".join(said))
    elif update.effective_chat is not None:
        await send_text(context.bot, update.effective_chat.id, "\n".join(said))


@domain_errors
async def meeting_series_stop(update: Update, context: BotContext) -> None:
    series_id = _number(command_args(update), "meeting_minutes.series_stop_usage")
    series = await context.services.minutes.stop_series(context.me, series_id)
    await reply(update, context, context.t("meeting_minutes.series_stopped", **series.params))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation(app))
    app.add_handler(command("decision", decision))
    app.add_handler(command("meeting_decisions", meeting_decisions))
    app.add_handler(command("decision_done", decision_done))
    app.add_handler(command("meeting_series", meeting_series))
    app.add_handler(command("meeting_series_stop", meeting_series_stop))
    app.add_handler(CallbackQueryHandler(decision_done_button, pattern=r"^mtgdec:done:\d+$"))
    app.add_handler(CallbackQueryHandler(series_decision,
                                         pattern=r"^mtgser:(ok|no):[0-9a-f]{8}$"))
    # The document router (handlers/documents.py, registered earlier by the duty feature)
    # takes every document as a sheet; the minutes' document must be seen before it. The
    # filter claims only documents sent while /minutes waits for them.
    document = MessageHandler(FRESH & filters.Document.ALL & _Waiting(app), minutes_content)
    app.add_handler(document)
    app.handlers[0].remove(document)
    app.handlers[0].insert(0, document)
