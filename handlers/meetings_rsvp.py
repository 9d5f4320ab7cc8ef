"""Answers to a meeting notice, the organiser's view, check-in.

Buttons (the first four set on the notice and the reminder by the core):
  mtg:attend:<id>    参加: recorded at once
  mtg:leave:<id>     请假: conversation "meeting-leave" asks for the reason
  mtg:delegate:<id>  委托参会: conversation "meeting-delegate" asks for the colleague's name
  mtg:checkin:<id>   会议签到 (on the before-start reminder, the view and /checkin's list)
  mtg:nudge:<id>     the organiser re-sends the notice to those who have not replied
  mtg:answers:<id>   shows the meeting's answers as a new message (on the organiser's alerts)
  mtg:refresh:<id>   redraws the view it is on
Commands: /meeting_status <id> (also show_meeting(), which /meeting <id> calls), /checkin
(or 会议签到). Every press is decided by RsvpService, which checks the presser; after an
answer each of the person's notice cards is edited to show it, buttons kept so it can change.

The two conversations both wait for text, so each text state only takes a message while
user_data[ASKING] names its question: pressing 委托参会 after 请假 (or 参加 after either)
moves the question on, and the older conversation lets the text through and ends quietly.
"""

from __future__ import annotations

import functools
import html
import logging
import re
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import ref, t, words
from bot.services.errors import DomainError
from bot.services.meeting_rsvp import (
    NAME_ERRORS,
    REASON_ERRORS,
    REASON_LIMIT,
    Answer,
    Overview,
)
from bot.services.meetings import DELEGATE, LEAVE, InviteeView
from bot.services.notifier import Buttons, render_buttons
from bot.text import Markup, h
from handlers import account
from handlers.common import (
    FRESH,
    OPEN_QUESTION,
    Asking,
    Handler,
    ask,
    callback_id,
    command,
    command_args,
    conversation_fallbacks,
    conversation_options,
    domain_errors,
    open_question,
    pressed_message,
    question_timed_out,
    reply,
)
from handlers.context import BotContext
from handlers.meetings_minutes import decisions_summary
from handlers.menu import menu_action
from handlers.sender import edit_text, inline_keyboard

log = logging.getLogger(__name__)

LEAVE_CONVERSATION = "meeting-leave"
DELEGATE_CONVERSATION = "meeting-delegate"
WAIT_REASON = "reason"
WAIT_NAME = "name"
# user_data (a JSON-safe string): the question the bot waits on, "leave|delegate:<id>:<card>"
# where card is the message id of the pressed notice (0 if none).
ASKING = OPEN_QUESTION  # shared by every one-question conversation
MAX_LISTED = 10
ID_ARG = re.compile(r"^\s*(?:#|No\.?\s*|编号\s*)?(\d{1,9})\s*$", re.IGNORECASE)


def _user_data(context: BotContext) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


_asking = open_question


_Asking = Asking


class _MenuLabel(filters.MessageFilter):
    """A reply-keyboard label (签到, 值班 ...) is its own action, never a reason or a name."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and menu_action(message.text) is not None


def _or_end(handler: Handler) -> Handler:
    """An entry point that is refused ends the conversation (PTB would otherwise keep a
    timeout armed for a conversation that never began)."""
    wrapped = domain_errors(handler)

    @functools.wraps(handler)
    async def run(update: Update, context: BotContext) -> Any:
        state = await wrapped(update, context)
        return ConversationHandler.END if state is None else state

    return run


# --- showing an answer ------------------------------------------------------------------------

def _names(lang: str, items: list[Markup]) -> Markup:
    return Markup(str(t(lang, "list.sep")).join(items))


def _answer_text(lang: str, person: InviteeView) -> Markup:
    if person.response == LEAVE:
        return t(lang, "meeting_rsvp.answer.leave", reason=person.reason)
    if person.response == DELEGATE:
        return t(lang, "meeting_rsvp.answer.delegate", delegate=person.delegate)
    return t(lang, f"meeting.response.{person.response}")


def _card_line(lang: str, person: InviteeView) -> str:
    if person.response == LEAVE:
        return str(t(lang, "meeting_rsvp.card.leave", reason=person.reason))
    if person.response == DELEGATE:
        return str(t(lang, "meeting_rsvp.card.delegate", delegate=person.delegate))
    if person.response == "attend":
        return str(t(lang, "meeting_rsvp.card.attend"))
    return ""


def _is_view(message: Message | None) -> bool:
    """The pressed message is one of our views (it carries the refresh button)."""
    markup = message.reply_markup if message is not None else None
    if markup is None:
        return False
    return any((b.callback_data or "").startswith("mtg:refresh:")
               for row in markup.inline_keyboard for b in row if isinstance(b.callback_data, str))


async def _show_answer(context: BotContext, answer: Answer, pressed: Message | None) -> None:
    """Edit each of the person's cards to show the answer, keeping the buttons; a view the
    answer was given on is redrawn."""
    seen = False
    for card in answer.cards:
        seen = seen or (pressed is not None and (pressed.chat_id, pressed.message_id)
                        == (card.chat_id, card.message_id))
        text = str(t(card.language, card.template, **card.params))
        line = _card_line(card.language, answer.mine)
        try:
            await context.bot.edit_message_text(
                f"{text}\n\n{line}" if line else text, chat_id=card.chat_id,
                message_id=card.message_id, parse_mode=ParseMode.HTML,
                reply_markup=inline_keyboard(render_buttons(card.buttons, card.language)))
        except TelegramError as exc:
            # Deleted by its reader, or unchanged: the answer stands either way.
            log.info("meeting %d: card %s/%s not edited: %s", answer.meeting.id,
                     card.chat_id, card.message_id, exc)
    if pressed is not None and not seen and _is_view(pressed):
        await _redraw(context, pressed, answer.meeting.id)


# --- attend -------------------------------------------------------------------------------------

@domain_errors
async def on_attend(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = pressed_message(update)
    meeting_id = callback_id(update)
    answer = await context.services.rsvp.attend(
        context.me, meeting_id, pressed.message_id if pressed else None)
    # A question left open on this meeting (请假 pressed, then 参加) must not take the next
    # message as its answer.
    for kind in ("leave", "delegate"):
        asking = _asking(context, kind)
        if asking is not None and asking[0] == meeting_id:
            _user_data(context).pop(ASKING, None)
    key = "meeting_rsvp.done.attend" if answer.changed else "meeting_rsvp.same.attend"
    await query.answer(str(context.t(key)))
    await _show_answer(context, answer, pressed)


# --- leave: ask for the reason -------------------------------------------------------------------

@_or_end
async def leave_start(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    pressed = pressed_message(update)
    meeting_id = callback_id(update)
    card = pressed.message_id if pressed else None
    answer = await context.services.rsvp.current(context.me, meeting_id, card)
    ask(context, ASKING, f"leave:{meeting_id}:{card or 0}")
    await query.answer()
    if answer.mine.response == LEAVE:
        text = context.t("meeting_rsvp.ask_reason_again", **answer.params,
                         reason=answer.mine.reason)
    else:
        text = context.t("meeting_rsvp.ask_reason", **answer.params, limit=REASON_LIMIT)
    await reply(update, context, text)
    return WAIT_REASON


async def got_reason(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    asking = _asking(context, "leave")
    if asking is None:
        return ConversationHandler.END
    meeting_id, card = asking
    try:
        answer = await context.services.rsvp.leave(context.me, meeting_id, message.text or "",
                                                   card)
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        if exc.key in REASON_ERRORS:
            return WAIT_REASON
        _user_data(context).pop(ASKING, None)
        return ConversationHandler.END
    _user_data(context).pop(ASKING, None)
    if answer.changed:
        text = context.t("meeting_rsvp.done_leave", **answer.params, reason=answer.mine.reason)
    else:
        text = context.t("meeting_rsvp.same_leave", reason=answer.mine.reason)
    await reply(update, context, text)
    await _show_answer(context, answer, None)
    return ConversationHandler.END


# --- delegate: ask for the colleague ---------------------------------------------------------

@_or_end
async def delegate_start(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    pressed = pressed_message(update)
    meeting_id = callback_id(update)
    card = pressed.message_id if pressed else None
    answer = await context.services.rsvp.current(context.me, meeting_id, card,
                                                 delegating=True)
    ask(context, ASKING, f"delegate:{meeting_id}:{card or 0}")
    await query.answer()
    if answer.mine.response == DELEGATE:
        text = context.t("meeting_rsvp.ask_name_again", **answer.params,
                         delegate=answer.mine.delegate)
    else:
        text = context.t("meeting_rsvp.ask_name", **answer.params)
    await reply(update, context, text)
    return WAIT_NAME


async def got_name(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    asking = _asking(context, "delegate")
    if asking is None:
        return ConversationHandler.END
    meeting_id, card = asking
    try:
        answer = await context.services.rsvp.delegate(context.me, meeting_id,
                                                      message.text or "", card)
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        if exc.key in NAME_ERRORS:
            await reply(update, context, context.t("meeting_rsvp.ask_again"))
            return WAIT_NAME
        _user_data(context).pop(ASKING, None)
        return ConversationHandler.END
    _user_data(context).pop(ASKING, None)
    key = "meeting_rsvp.done_delegate" if answer.changed else "meeting_rsvp.same_delegate"
    await reply(update, context, context.t(key, **answer.params, delegate=answer.mine.delegate))
    await _show_answer(context, answer, None)
    return ConversationHandler.END


# --- ending a question -------------------------------------------------------------------------



# --- the organiser's view ---------------------------------------------------------------------

def _render(lang: str, view: Overview, tz: Any) -> tuple[str, Buttons]:
    meeting = view.meeting

    def at(when: Any) -> str:
        return f"{when.astimezone(tz):%H:%M}"

    def person(item: InviteeView) -> Markup:
        if not item.registered:
            return t(lang, "meeting_rsvp.item_unregistered", name=item.name)
        return h(item.name)

    lines = [t(lang, "meeting_rsvp.view_head", **view.params,
               status=t(lang, f"meeting.status.{meeting.status}")),
             t(lang, "meeting_rsvp.view_counts", total=view.invited,
               attend=len(view.attending), leave=len(view.on_leave),
               delegate=len(view.delegated), none=len(view.no_reply))]
    if view.full:
        if view.attending:
            lines.append(t(lang, "meeting_rsvp.view_attend",
                           names=_names(lang, [person(i) for i in view.attending])))
        if view.on_leave:
            lines.append(t(lang, "meeting_rsvp.view_leave", names=_names(lang, [
                t(lang, "meeting_rsvp.item_reason", name=i.name, reason=i.reason)
                for i in view.on_leave])))
        if view.delegated:
            lines.append(t(lang, "meeting_rsvp.view_delegate", names=_names(lang, [
                t(lang, "meeting_rsvp.item_delegate", name=seat.principal.name,
                  delegate=seat.principal.delegate,
                  state=_answer_text(lang, seat.delegate) if seat.delegate else "—")
                for seat in view.delegated])))
        if view.no_reply:
            lines.append(t(lang, "meeting_rsvp.view_none",
                           names=_names(lang, [person(i) for i in view.no_reply])))
        if view.checkin_open:
            lines.append(t(lang, "meeting_rsvp.view_checkin", present=len(view.present),
                           leave=len(view.absent_with_leave), absent=len(view.absent)))
            if view.present:
                lines.append(t(lang, "meeting_rsvp.view_present", names=_names(lang, [
                    t(lang, "meeting_rsvp.item_time", name=i.name, at=at(i.checked_in_at))
                    for i in view.present])))
            if view.absent_with_leave:
                lines.append(t(lang, "meeting_rsvp.view_absent_leave", names=_names(
                    lang, [h(i.name) for i in view.absent_with_leave])))
            if view.absent:
                lines.append(t(lang, "meeting_rsvp.view_absent",
                               names=_names(lang, [h(i.name) for i in view.absent])))
    mine = view.mine
    if mine is not None:
        if mine.delegated_from:
            lines.append(t(lang, "meeting_rsvp.view_mine_delegated", name=mine.delegated_from,
                           answer=_answer_text(lang, mine)))
        else:
            lines.append(t(lang, "meeting_rsvp.view_mine", answer=_answer_text(lang, mine)))
        if mine.checked_in_at is not None:
            lines.append(t(lang, "meeting_rsvp.view_checked_in", at=at(mine.checked_in_at)))
    rows: Buttons = []
    if mine is not None and view.answerable:
        row = [(str(t(lang, "btn.mtg_attend")), f"mtg:attend:{meeting.id}"),
               (str(t(lang, "btn.mtg_leave")), f"mtg:leave:{meeting.id}")]
        if not mine.delegated_from:
            row.append((str(t(lang, "btn.mtg_delegate")), f"mtg:delegate:{meeting.id}"))
        rows.append(row)
    if view.can_check_in:
        rows.append([(str(t(lang, "btn.mtg_checkin")), f"mtg:checkin:{meeting.id}")])
    last = []
    if view.can_nudge and view.waiting:
        last.append((str(t(lang, "btn.mtg_nudge")), f"mtg:nudge:{meeting.id}"))
    last.append((str(t(lang, "btn.mtg_refresh")), f"mtg:refresh:{meeting.id}"))
    rows.append(last)
    return "\n".join(lines), rows


async def _view(context: BotContext, meeting_id: int) -> tuple[str, Buttons]:
    view = await context.services.rsvp.overview(context.me, meeting_id)
    return _render(context.lang, view, context.services.config.tz)


async def show_meeting(update: Update, context: BotContext, meeting_id: int) -> None:
    """The meeting with its answers, for the organiser (everyone's, with reasons) or an
    invitee (their own); /meeting <id> and /meeting_status <id> show this."""
    try:
        text, buttons = await _view(context, meeting_id)
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        return
    # 督查会议决定事项执行情况: the decisions and how far each has got.
    decisions = await decisions_summary(context.services, meeting_id, context.lang)
    if decisions:
        text = "\n".join([text, "", *decisions])
    await reply(update, context, text, inline_keyboard(buttons))


async def _redraw(context: BotContext, message: Message, meeting_id: int) -> None:
    text, buttons = await _view(context, meeting_id)
    await edit_text(message, text, buttons)


@domain_errors
async def meeting_status(update: Update, context: BotContext) -> None:
    args = command_args(update)
    if args:
        match = ID_ARG.match(args)
        if match is None:
            await reply(update, context, context.t("meeting_rsvp.status_usage"))
            return
        await show_meeting(update, context, int(match.group(1)))
        return
    coming = await context.services.meetings.upcoming(context.me)
    if not coming:
        await reply(update, context, context.t("meeting_rsvp.status_none"))
        return
    rows = [[(str(context.t("meeting_rsvp.pick_label", **_label_params(context, m))),
              f"mtg:answers:{m.id}")] for m in coming[:MAX_LISTED]]
    await reply(update, context, context.t("meeting_rsvp.status_pick"), inline_keyboard(rows))


def _label_params(context: BotContext, meeting: Any) -> dict[str, Any]:
    tz = context.services.config.tz
    start = meeting.starts_at.astimezone(tz)
    return {"title": meeting.title, "start": f"{start:%H:%M}",
            "date": ref("date.day", month=start.month, day=start.day,
                        weekday=ref(f"weekday.{start.weekday()}"))}


@domain_errors
async def on_answers(update: Update, context: BotContext) -> None:
    """From an alert or a list: the view as a new message, the alert stays as it was."""
    query = update.callback_query
    assert query is not None
    text, buttons = await _view(context, callback_id(update))
    await query.answer()
    await reply(update, context, text, inline_keyboard(buttons))


@domain_errors
async def on_refresh(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = pressed_message(update)
    text, buttons = await _view(context, callback_id(update))
    await query.answer(str(context.t("meeting_rsvp.refreshed")))
    if pressed is not None:
        await edit_text(pressed, text, buttons)
    else:
        await reply(update, context, text, inline_keyboard(buttons))


@domain_errors
async def on_nudge(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    count = await context.services.rsvp.nudge(context.me, callback_id(update))
    await query.answer(str(context.t("meeting_rsvp.nudged", count=count)), show_alert=True)


# --- check-in -----------------------------------------------------------------------------------

def _checked_in_text(context: BotContext, result: Any) -> Markup:
    at = f"{result.at.astimezone(context.services.config.tz):%H:%M}"
    if result.already:
        return context.t("meeting_rsvp.checkin_already", **result.params, at=at)
    if result.late_minutes:
        return context.t("meeting_rsvp.checked_in_late", **result.params, at=at,
                         minutes=result.late_minutes)
    return context.t("meeting_rsvp.checked_in", **result.params, at=at)


@domain_errors
async def on_checkin(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    pressed = pressed_message(update)
    meeting_id = callback_id(update)
    result = await context.services.rsvp.check_in(context.me, meeting_id)
    text = _checked_in_text(context, result)
    if result.already:
        await query.answer(_plain(text), show_alert=True)
        return
    await query.answer(_plain(text))
    await reply(update, context, text)
    if pressed is None:
        return
    if _is_view(pressed):
        await _redraw(context, pressed, meeting_id)
        return
    markup = pressed.reply_markup
    only_this = markup is not None and all(
        b.callback_data == f"mtg:checkin:{meeting_id}"
        for row in markup.inline_keyboard for b in row)
    if not only_this:
        return  # a list of meetings: the others' buttons are still wanted
    try:
        # The reminder's button has done its work; a stale copy only confuses.
        await pressed.edit_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _plain(text: str) -> str:
    """Callback answers are plain text (no HTML), at most 200 characters."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))[:200]


@domain_errors
async def checkin_command(update: Update, context: BotContext) -> None:
    rsvp = context.services.rsvp
    targets = await rsvp.check_in_targets(context.me)
    if len(targets.open) == 1:
        result = await rsvp.check_in(context.me, targets.open[0].meeting_id)
        await reply(update, context, _checked_in_text(context, result))
        return
    if targets.open:
        rows = [[(str(context.t("meeting_rsvp.pick_label", **choice.params)),
                  f"mtg:checkin:{choice.meeting_id}")] for choice in targets.open]
        await reply(update, context, context.t("meeting_rsvp.checkin_pick"),
                    inline_keyboard(rows))
        return
    if targets.next is not None and targets.next_opens is not None:
        await reply(update, context, context.t(
            "meeting_rsvp.checkin_next", **targets.next.params,
            **rsvp.opens_params(targets.next_opens)))
        return
    minutes = int(context.services.config.meetings.checkin_opens_before.total_seconds() // 60)
    await reply(update, context, context.t("meeting_rsvp.checkin_none", minutes=minutes))


# --- wiring -------------------------------------------------------------------------------------

def _text_for(app: Application, kind: str) -> filters.BaseFilter:  # type: ignore[type-arg]
    return (FRESH & filters.TEXT & ~filters.COMMAND & ~_MenuLabel()
            & _Asking(app, kind))


def _conversation(app: Application, kind: str, name: str, state: str,  # type: ignore[type-arg]
                  start: Handler, got: Handler, timeout_key: str) -> ConversationHandler[Any]:
    entry = CallbackQueryHandler(start, pattern=rf"^mtg:{kind}:\d+$")
    return ConversationHandler(
        entry_points=[entry],
        states={
            state: [MessageHandler(_text_for(app, kind), got), entry],
            ConversationHandler.TIMEOUT: [
                TypeHandler(Update, question_timed_out(kind, timeout_key))],
        },
        # Another command leaves the question (and forgets it), so a reason typed later for
        # something else is never taken as this answer.
        fallbacks=conversation_fallbacks(account.cancel_conversation),
        **conversation_options(name),
    )


def _checkin_words() -> re.Pattern[str]:
    options = sorted(words("word.meeting_checkin"), key=len, reverse=True)
    return re.compile(r"^\s*(?:" + "|".join(re.escape(w) for w in options) + r")\s*$",
                      re.IGNORECASE)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(_conversation(app, "leave", LEAVE_CONVERSATION, WAIT_REASON, leave_start,
                                  got_reason, "meeting_rsvp.leave_timeout"))
    app.add_handler(_conversation(app, "delegate", DELEGATE_CONVERSATION, WAIT_NAME,
                                  delegate_start, got_name, "meeting_rsvp.delegate_timeout"))
    app.add_handler(CallbackQueryHandler(on_attend, pattern=r"^mtg:attend:\d+$"))
    app.add_handler(CallbackQueryHandler(on_checkin, pattern=r"^mtg:checkin:\d+$"))
    app.add_handler(CallbackQueryHandler(on_nudge, pattern=r"^mtg:nudge:\d+$"))
    app.add_handler(CallbackQueryHandler(on_answers, pattern=r"^mtg:answers:\d+$"))
    app.add_handler(CallbackQueryHandler(on_refresh, pattern=r"^mtg:refresh:\d+$"))
    app.add_handler(command("meeting_status", meeting_status))
    app.add_handler(command("checkin", checkin_command))
    app.add_handler(MessageHandler(FRESH & filters.TEXT & filters.Regex(_checkin_words()),
                                   checkin_command))
