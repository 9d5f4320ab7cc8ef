"""Handing tasks down (交办): /task in one line or step by step with a confirmation card,
/task <id> to read one; the owner's 接收 / 有异议; the assigner's 改派 / 修改 / 坚持 on an
objection, /task_reassign, /task_deadline, /task_cancel; /decision_task for a meeting decision.

Buttons:
  task:new:ok|no:<token>   the confirmation card (the draft stays in user_data; the button
                           carries only a token, so a forged press cannot bring its own task)
  task:prio:normal|urgent, task:skip    answers inside the step-by-step /task
  task:accept:<id>         the owner accepts (TaskService.accept)
  task:object:<id>         conversation "task-object" asks the owner for the reason
  task:reassign:<id>       conversation "task-reassign" asks the assigner for the new owner
  task:change:<id>         conversation "task-change" asks for a new deadline and/or details
  task:insist:<id>         the task stands; back to the owner to accept
Every press is decided by the services, which check the presser and the task's state.

The four conversations wait for text, so each text state only takes a message while
user_data[ASKING] names its question: a newer question replaces an older one, and the older
conversation then lets the text through and ends quietly at its timeout.
"""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
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
from bot.i18n import CATALOGS, t, words
from bot.services.errors import Conflict, DomainError, InvalidInput, NotFound
from bot.services.notifier import Buttons, render_buttons
from bot.services.task_assign import Outcome, deadline_ref
from bot.services.tasks import (
    ASSIGNED,
    OBJECTED,
    URGENT,
    URGENT_WORDS,
    TaskDraft,
    TaskView,
    owner_buttons,
)
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
    entry_point,
    open_question,
    pressed_message,
    reply,
    timeout_actor,
)
from handlers.context import BotContext
from handlers.menu import MENU_LABEL
from handlers.sender import edit_text, inline_keyboard
from handlers.tasks_progress import task_detail_buttons, task_detail_lines

log = logging.getLogger(__name__)

# user_data, JSON-safe: the open question ("new", or "<kind>:<task id>:<pressed card id>")
ASKING = OPEN_QUESTION  # shared by every one-question conversation
STEP = "task_step"  # the step-by-step /task's answers so far
DRAFTS = "task_drafts"  # drafts waiting for the confirmation card's press, by token
MAX_DRAFTS = 20

ID_ARG = re.compile(r"^\s*(?:#|编号\s*)?(\d{1,9})\s*$")
REASSIGN_ARGS = re.compile(r"^\s*#?(\d{1,9})\s+(\S+)(?:\s+(.+))?\s*$", re.DOTALL)
ID_AND_REST = re.compile(r"^\s*#?(\d{1,9})(?:\s+(.+))?\s*$", re.DOTALL)
DECISION_ARGS = re.compile(r"^\s*#?(\d{1,9})(?:\s+(?:交办|from|by)?\s*(\S+))?\s*$")
# "杨静 熟悉情况", "杨静，熟悉情况": the name first, anything after it is the reason.
NAME_AND_REASON = re.compile(r"^\s*([^\s,，:：;；]+)(?:[\s,，:：;；]+(.*))?\s*$", re.DOTALL)
DETAILS_WORD = re.compile(r"^(?:详情|要求|说明|details)[\s:：]*(.*)$", re.DOTALL | re.IGNORECASE)
SPLIT = re.compile(r"\s*[|｜]\s*")

# The questions of the step-by-step /task, in the order they are asked.
TITLE, LEADER, OWNER, DEADLINE, PRIORITY, DETAILS = (
    "title", "assigner", "owner", "deadline", "priority", "details")
QUESTIONS = (TITLE, LEADER, OWNER, DEADLINE, PRIORITY, DETAILS)
REASON, NEW_OWNER, CHANGE = "reason", "new_owner", "change"


# --- small helpers ---------------------------------------------------------------------------

def _user_data(context: BotContext) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


_asking = open_question


def _forget(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(ASKING, None)
        context.user_data.pop(STEP, None)


_Asking = Asking


def _params(context: BotContext, view: TaskView) -> dict[str, Any]:
    return context.services.task_assign.view_params(view)


# --- the confirmation card -------------------------------------------------------------------

def _card_text(context: BotContext, draft: TaskDraft) -> str:
    tz = context.services.config.tz
    lines = [str(context.t("task_assign.confirm_head"))]
    if draft.on_behalf:
        lines[0] += str(context.t("task_assign.on_behalf", assigner=draft.assigner_name))
    lines.append(str(context.t(
        "task_assign.confirm_card", title=draft.title, owner=draft.owner_name,
        co_owners="、".join(draft.co_owner_names) or "—",
        deadline=deadline_ref(draft.deadline, tz),
        priority=context.t(f"task.priority.{draft.priority}"),
        source=context.t(f"task.source.{draft.source}"), details=draft.details or "—",
        assigner=draft.assigner_name)))
    if draft.decision_id is not None:
        lines.append(str(context.t("task_assign.confirm_decision", decision=draft.decision_id,
                                   meeting=draft.meeting_id or "—")))
    day = draft.deadline.astimezone(tz).date()
    if not context.services.calendar.is_workday(day):
        lines.append(str(context.t("task_assign.not_workday")))
    if draft.priority == URGENT:
        lines.append(str(context.t("task_assign.urgent_note")))
    return "\n".join(lines)


async def _confirm_card(update: Update, context: BotContext, draft: TaskDraft) -> None:
    drafts: dict[str, Any] = _user_data(context).setdefault(DRAFTS, {})
    if len(drafts) >= MAX_DRAFTS:
        drafts.clear()
    token = secrets.token_hex(4)
    drafts[token] = draft.to_json()
    await reply(update, context, _card_text(context, draft), inline_keyboard([[
        (str(context.t("btn.task_assign_ok")), f"task:new:ok:{token}"),
        (str(context.t("btn.task_assign_drop")), f"task:new:no:{token}"),
    ]]))


@domain_errors
async def on_confirm(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    _, _, decision, token = query.data.split(":")
    data = _user_data(context).get(DRAFTS, {}).pop(token, None)
    if data is None:
        await query.answer(str(context.t("task_assign.draft_gone")), show_alert=True)
        return
    if decision == "no":
        await query.answer()
        await edit_text(query.message, context.t("task_assign.draft_dropped"))
        return
    try:
        view = await context.services.task_assign.create(context.me, TaskDraft.from_json(data))
    except DomainError:
        # The card stays pressable: the person may fix what changed meanwhile and retry.
        _user_data(context).setdefault(DRAFTS, {})[token] = data
        raise
    await query.answer(str(context.t("task_assign.created_popup")))
    await edit_text(query.message, context.t("task_assign.created", **_params(context, view)))


# --- /task: one line, an id, or step by step --------------------------------------------------

@entry_point
async def task_command(update: Update, context: BotContext) -> object:
    args = command_args(update)
    service = context.services.task_assign
    _forget(context)
    match = ID_ARG.match(args)
    if match is not None:
        await show_task(update, context, int(match.group(1)))
        return ConversationHandler.END
    if args:
        draft = await service.prepare_line(context.me, args)
        await _confirm_card(update, context, draft)
        return ConversationHandler.END
    need_leader = service.needs_leader(context.me)
    _user_data(context)[STEP] = {"need_leader": need_leader}
    ask(context, ASKING, "new")
    return await _next(update, context)


@entry_point
async def decision_task(update: Update, context: BotContext) -> object:
    """/decision_task <decision id> [交办 王书记]: the decision's text, owner and deadline;
    what it lacks is asked."""
    _forget(context)
    match = DECISION_ARGS.match(command_args(update))
    if match is None:
        await reply(update, context, context.t("task_assign.decision_usage"))
        return ConversationHandler.END
    service = context.services.task_assign
    info = await service.decision_info(context.me, int(match.group(1)))
    need_leader = service.needs_leader(context.me)
    title = info.text if len(info.text) <= 200 else info.text[:199] + "…"
    step: dict[str, Any] = {"decision_id": info.id, TITLE: title, PRIORITY: "",
                            DETAILS: info.text if title != info.text else "",
                            "need_leader": need_leader}
    if match.group(2):
        step[LEADER] = await service.check_leader(match.group(2))
    elif info.assigner:
        step[LEADER] = info.assigner
    if info.owner:
        try:
            step[OWNER] = await service.check_owner(info.owner)
        except DomainError as exc:
            await reply(update, context, context.t(exc.key, **exc.params))
    if info.deadline:
        step[DEADLINE] = info.deadline
    _user_data(context)[STEP] = step
    ask(context, ASKING, "new")
    await reply(update, context, context.t("task_assign.decision_head", id=info.id,
                                           meeting=info.meeting_title, text=info.text))
    return await _next(update, context)


def _ask(context: BotContext, question: str) -> tuple[str, Any]:
    if question == PRIORITY:
        return str(context.t("task_assign.ask_priority")), inline_keyboard([[
            (str(context.t("task.priority.normal")), "task:prio:normal"),
            (str(context.t("task.priority.urgent")), "task:prio:urgent")]])
    if question == DETAILS:
        return str(context.t("task_assign.ask_details")), inline_keyboard([[
            (str(context.t("btn.task_assign_skip")), "task:skip")]])
    return str(context.t(f"task_assign.ask_{question}")), None


async def _next(update: Update, context: BotContext) -> object:
    """Ask the first question not answered yet; with all answered, show the card."""
    step = _user_data(context).get(STEP)
    if not isinstance(step, dict):
        _forget(context)
        await reply(update, context, context.t("task_assign.draft_gone"))
        return ConversationHandler.END
    for question in QUESTIONS:
        if question == LEADER and not step.get("need_leader"):
            continue
        if question not in step:
            text, markup = _ask(context, question)
            await reply(update, context, text, markup)
            return question
    _forget(context)
    try:
        draft = await context.services.task_assign.prepare(
            context.me, step[TITLE], step[OWNER], step[DEADLINE], details=step[DETAILS],
            priority=step[PRIORITY], assigner=step.get(LEADER, ""),
            decision_id=step.get("decision_id"))
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        return ConversationHandler.END
    await _confirm_card(update, context, draft)
    return ConversationHandler.END


def _answer(update: Update) -> str:
    message = update.effective_message
    return " ".join((message.text or "").split()) if message is not None else ""


async def _take(update: Update, context: BotContext, question: str, value: Any) -> object:
    step = _user_data(context).get(STEP)
    if not isinstance(step, dict):
        return await _next(update, context)
    step[question] = value
    return await _next(update, context)


async def _again(update: Update, context: BotContext, question: str,
                 exc: DomainError) -> str:
    await reply(update, context, context.t(exc.key, **exc.params))
    text, markup = _ask(context, question)
    await reply(update, context, text, markup)
    return question


async def on_title(update: Update, context: BotContext) -> object:
    title = _answer(update)
    if len(title) > 200:
        return await _again(update, context, TITLE,
                            InvalidInput("error.too_long", field=title[:10] + "…", limit=200))
    return await _take(update, context, TITLE, title)


async def on_leader(update: Update, context: BotContext) -> object:
    try:
        name = await context.services.task_assign.check_leader(_answer(update))
    except DomainError as exc:
        return await _again(update, context, LEADER, exc)
    return await _take(update, context, LEADER, name)


async def on_owner(update: Update, context: BotContext) -> object:
    try:
        name = await context.services.task_assign.check_owner(_answer(update))
    except DomainError as exc:
        return await _again(update, context, OWNER, exc)
    return await _take(update, context, OWNER, name)


async def on_deadline(update: Update, context: BotContext) -> object:
    text = _answer(update)
    try:
        context.services.task_assign.check_deadline(text)
    except DomainError as exc:
        return await _again(update, context, DEADLINE, exc)
    return await _take(update, context, DEADLINE, text)


async def on_priority_text(update: Update, context: BotContext) -> object:
    """普通 / 紧急 typed instead of pressed."""
    text = _answer(update).lower()
    urgent = {*URGENT_WORDS, *(c["task.priority.urgent"].lower() for c in CATALOGS.values())}
    normal = {"普通", "normal", *(c["task.priority.normal"].lower() for c in CATALOGS.values())}
    if text not in urgent | normal:
        return await _again(update, context, PRIORITY,
                            InvalidInput("task.bad_priority", text=text))
    return await _take(update, context, PRIORITY, URGENT if text in urgent else "")


async def on_priority_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    chosen = query.data.rsplit(":", 1)[-1]
    if (pressed := pressed_message(update)) is not None:
        await edit_text(pressed, str(context.t("task_assign.ask_priority")) + " "
                        + str(context.t(f"task.priority.{chosen}")))
    return await _take(update, context, PRIORITY, URGENT if chosen == URGENT else "")


async def on_details(update: Update, context: BotContext) -> object:
    text = _answer(update)
    if text.lower() in {w.lower() for w in words("task_assign.skip_word")}:
        text = ""
    return await _take(update, context, DETAILS, text)


async def on_skip(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if (pressed := pressed_message(update)) is not None:
        await edit_text(pressed, str(context.t("task_assign.ask_details")) + " —")
    return await _take(update, context, DETAILS, "")


async def stale_step_button(update: Update, context: BotContext) -> None:
    """A priority or skip button of a step-by-step /task that has ended."""
    query = update.callback_query
    assert query is not None
    await query.answer(str(context.t("task_assign.draft_gone")), show_alert=True)


# --- /task <id> -------------------------------------------------------------------------------

async def show_task(update: Update, context: BotContext, task_id: int) -> None:
    view = await context.services.tasks.get(context.me, task_id)
    params = _params(context, view)
    lines = [str(context.t("task_assign.view", **params))]
    if view.decision_id is not None:
        lines.append(str(context.t("task_assign.view_decision", decision=view.decision_id,
                                   meeting=view.meeting_id or "—")))
    lines += await _history_lines(context, task_id)
    lines += [str(line) for line in
              await task_detail_lines(context.services, task_id, context.lang)]
    buttons: Buttons = []
    me = context.me
    if view.status == ASSIGNED and me.id == view.owner.id:
        buttons.append([(str(context.t("btn.task_accept")), f"task:accept:{view.id}"),
                        (str(context.t("btn.task_object")), f"task:object:{view.id}")])
    if view.status == OBJECTED and (me.is_admin or me.id in (view.assigner.id,
                                                            view.created_by_id)):
        buttons.append(_decision_buttons(context, view.id))
    buttons += await task_detail_buttons(context.services, context.me, task_id, context.lang)
    if view.attachment:
        lines.append(str(context.t("task.attached_line", file=view.attachment)))
        buttons.append([(str(context.t("btn.task_file")), f"taskfile:get:{view.id}")])
    await reply(update, context, "\n".join(lines), inline_keyboard(buttons))


async def _history_lines(context: BotContext, task_id: int) -> list[str]:
    events = await context.services.task_assign.history(context.me, task_id)
    if not events:
        return []
    tz = context.services.config.tz
    catalog = CATALOGS.get(context.lang) or CATALOGS["zh"]
    lines = [str(context.t("task_assign.history_head"))]
    for at, who, kind, text in events:
        key = f"task_assign.event.{kind}"
        label = context.t(key) if key in catalog else kind
        lines.append(str(context.t("task_assign.history_line",
                                   at=short_time(at, tz), who=who,
                                   what=label, text=text or "")))
    return lines


def _decision_buttons(context: BotContext, task_id: int) -> list[tuple[str, str]]:
    return [(str(context.t("btn.task_assign_reassign")), f"task:reassign:{task_id}"),
            (str(context.t("btn.task_assign_change")), f"task:change:{task_id}"),
            (str(context.t("btn.task_assign_insist")), f"task:insist:{task_id}")]


# --- accepting ----------------------------------------------------------------------------------

@domain_errors
async def on_accept(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    view = await context.services.tasks.accept(context.me, callback_id(update))
    # A question about this task left open (有异议 pressed, then 接收) must not take the next
    # message as its reason.
    asking = _asking(context, "object")
    if asking is not None and asking[0] == view.id:
        _user_data(context).pop(ASKING, None)
    await query.answer(str(context.t("task_assign.accepted_popup")))
    if (pressed := pressed_message(update)) is not None:
        # Accepted: the card now offers what the owner does next.
        await edit_text(pressed, context.t("task_assign.accepted_card", **_params(context, view)),
                        render_buttons(owner_buttons(view.id), context.lang))


# --- objection (the owner) ----------------------------------------------------------------------

@entry_point
async def object_start(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    view = await context.services.task_assign.check_object(context.me, callback_id(update))
    pressed = pressed_message(update)
    ask(context, ASKING, f"object:{view.id}:{pressed.message_id if pressed else 0}")
    await query.answer()
    await reply(update, context, context.t("task_assign.ask_reason", **_params(context, view)))
    return REASON


async def got_reason(update: Update, context: BotContext) -> object:
    asking = _asking(context, "object")
    if asking is None:
        return ConversationHandler.END
    task_id, card = asking
    try:
        view = await context.services.task_assign.object(context.me, task_id, _answer(update))
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        if isinstance(exc, InvalidInput):
            return REASON
        _forget(context)
        return ConversationHandler.END
    _forget(context)
    params = _params(context, view)
    await reply(update, context, context.t("task_assign.objected_done", **params))
    chat = update.effective_chat
    if card is not None and chat is not None:
        await _edit(context, chat.id, card,
                    str(context.t("task_assign.objected_card", **params,
                                  reason=_answer(update))))
    return ConversationHandler.END


# --- the assigner's decisions -------------------------------------------------------------------

async def _edit(context: BotContext, chat_id: int, message_id: int, text: str) -> None:
    try:
        await context.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=None)
    except TelegramError as exc:
        # Deleted by its reader, or unchanged: the decision stands either way.
        log.info("task card %s/%s not edited: %s", chat_id, message_id, exc)


def _closed_line(lang: str, outcome: Outcome, tz: Any) -> str:
    return str(t(lang, f"task_assign.closed.{outcome.action}", by=outcome.by,
                 at=short_time(outcome.at, tz), owner=outcome.task.owner.name))


async def _close_cards(context: BotContext, outcome: Outcome) -> None:
    """The objection's cards show the decision, without buttons, for everyone who got one."""
    tz = context.services.config.tz
    for card in outcome.cards:
        text = f"{t(card.language, card.template, **card.params)}\n\n" \
               f"{_closed_line(card.language, outcome, tz)}"
        await _edit(context, card.chat_id, card.message_id, text)


async def _done(update: Update, context: BotContext, outcome: Outcome) -> None:
    params = _params(context, outcome.task)
    before = outcome.before
    extra: dict[str, Any] = {"old_owner": before.get("owner", "—")}
    if "deadline" in before:
        extra["old_deadline"] = deadline_ref(datetime.fromisoformat(before["deadline"]),
                                             context.services.config.tz)
    await reply(update, context, context.t(f"task_assign.done.{outcome.action}", **params,
                                           **extra))
    await _close_cards(context, outcome)


async def _stale(update: Update, context: BotContext, task_id: int) -> None:
    """A decision button on a card whose question is settled: show the state now."""
    pressed = pressed_message(update)
    if pressed is None or pressed.reply_markup is None:
        return  # no card, or one already closed
    try:
        view = await context.services.tasks.get(context.me, task_id)
    except DomainError:
        return
    await edit_text(pressed, f"{pressed.text_html or ''}\n\n"
                    f"{context.t('task_assign.card_state', **_params(context, view))}")


@domain_errors
async def on_insist(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    task_id = callback_id(update)
    try:
        outcome = await context.services.task_assign.insist(context.me, task_id)
    except Conflict:
        await _stale(update, context, task_id)
        raise
    await query.answer(str(context.t("task_assign.insist_popup")))
    await _done(update, context, outcome)


def _decision_entry(kind: str, state: str) -> Handler:
    @entry_point
    async def start(update: Update, context: BotContext) -> object:
        query = update.callback_query
        assert query is not None
        task_id = callback_id(update)
        try:
            view = await context.services.task_assign.check_decision(context.me, task_id)
        except Conflict:
            await _stale(update, context, task_id)
            raise
        pressed = pressed_message(update)
        ask(context, ASKING, f"{kind}:{view.id}:{pressed.message_id if pressed else 0}")
        await query.answer()
        await reply(update, context, context.t(f"task_assign.ask_{state}",
                                               **_params(context, view)))
        return state

    start.__name__ = f"{kind}_start"
    return start


async def got_new_owner(update: Update, context: BotContext) -> object:
    asking = _asking(context, "reassign")
    if asking is None:
        return ConversationHandler.END
    match = NAME_AND_REASON.match(_answer(update))
    name, reason = (match.group(1), match.group(2) or "") if match else ("", "")
    try:
        outcome = await context.services.task_assign.reassign(context.me, asking[0], name,
                                                              reason)
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        if isinstance(exc, InvalidInput | NotFound):
            await reply(update, context, context.t("task_assign.ask_again"))
            return NEW_OWNER
        _forget(context)
        return ConversationHandler.END
    _forget(context)
    await _done(update, context, outcome)
    return ConversationHandler.END


def parse_change(text: str) -> tuple[str, str | None]:
    """'12月10日', '详情 增加消防通道检查', '12月10日 | 详情 增加…' -> (deadline, details)."""
    deadline, details = "", None
    for part in SPLIT.split(text.strip()):
        if not part:
            continue
        match = DETAILS_WORD.match(part)
        if match is not None:
            details = match.group(1).strip()
        else:
            deadline = part
    return deadline, details


async def got_change(update: Update, context: BotContext) -> object:
    asking = _asking(context, "change")
    if asking is None:
        return ConversationHandler.END
    deadline, details = parse_change(_answer(update))
    try:
        outcome = await context.services.task_assign.change(context.me, asking[0], deadline,
                                                            details)
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        if isinstance(exc, InvalidInput):
            await reply(update, context, context.t("task_assign.ask_again"))
            return CHANGE
        _forget(context)
        return ConversationHandler.END
    _forget(context)
    await _done(update, context, outcome)
    return ConversationHandler.END


# --- commands for the assigner -------------------------------------------------------------------

@domain_errors
async def task_reassign(update: Update, context: BotContext) -> None:
    match = REASSIGN_ARGS.match(command_args(update))
    if match is None:
        await reply(update, context, context.t("task_assign.reassign_usage"))
        return
    outcome = await context.services.task_assign.reassign(
        context.me, int(match.group(1)), match.group(2), match.group(3) or "")
    await _done(update, context, outcome)


@domain_errors
async def task_cancel(update: Update, context: BotContext) -> None:
    match = ID_AND_REST.match(command_args(update))
    if match is None or not match.group(2):
        await reply(update, context, context.t("task_assign.cancel_usage"))
        return
    outcome = await context.services.task_assign.cancel(context.me, int(match.group(1)),
                                                        match.group(2))
    await _done(update, context, outcome)


@domain_errors
async def task_deadline(update: Update, context: BotContext) -> None:
    match = ID_AND_REST.match(command_args(update))
    if match is None or not match.group(2):
        await reply(update, context, context.t("task_assign.deadline_usage"))
        return
    outcome = await context.services.task_assign.change(context.me, int(match.group(1)),
                                                        match.group(2))
    await _done(update, context, outcome)


# --- ending a question ------------------------------------------------------------------------

async def cancel(update: Update, context: BotContext) -> int:
    _forget(context)
    return await account.cancel_conversation(update, context)


def _timed_out(kind: str) -> Handler:
    async def run(update: Update, context: BotContext) -> None:
        """Silent if the question was answered or replaced meanwhile."""
        value = _user_data(context).get(ASKING)
        if not isinstance(value, str) or value.split(":")[0] != kind:
            return
        _forget(context)
        if await timeout_actor(update, context) is not None:
            await reply(update, context, context.t("task_assign.timeout"))

    return run


def _conversation(app: Application, name: str, kind: str,  # type: ignore[type-arg]
                  entry_points: list[Any], states: dict[str, list[Any]]) -> ConversationHandler:
    return ConversationHandler(
        entry_points=entry_points,
        states={**states, ConversationHandler.TIMEOUT: [TypeHandler(Update, _timed_out(kind))]},
        fallbacks=conversation_fallbacks(cancel, _forget),
        **conversation_options(name),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    def text(kind: str) -> filters.BaseFilter:
        return FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL & _Asking(app, kind)

    new = text("new")
    app.add_handler(_conversation(app, "task-object", "object", [
        CallbackQueryHandler(object_start, pattern=r"^task:object:\d+$")],
        {REASON: [MessageHandler(text("object"), got_reason)]}))
    app.add_handler(_conversation(app, "task-reassign", "reassign", [
        CallbackQueryHandler(_decision_entry("reassign", NEW_OWNER),
                             pattern=r"^task:reassign:\d+$")],
        {NEW_OWNER: [MessageHandler(text("reassign"), got_new_owner)]}))
    app.add_handler(_conversation(app, "task-change", "change", [
        CallbackQueryHandler(_decision_entry("change", CHANGE), pattern=r"^task:change:\d+$")],
        {CHANGE: [MessageHandler(text("change"), got_change)]}))
    app.add_handler(_conversation(app, "task-new", "new", [
        command("task", task_command), command("decision_task", decision_task)], {
        TITLE: [MessageHandler(new, on_title)],
        LEADER: [MessageHandler(new, on_leader)],
        OWNER: [MessageHandler(new, on_owner)],
        DEADLINE: [MessageHandler(new, on_deadline)],
        PRIORITY: [CallbackQueryHandler(on_priority_button, pattern=r"^task:prio:(normal|urgent)$"),
                   MessageHandler(new, on_priority_text)],
        DETAILS: [CallbackQueryHandler(on_skip, pattern=r"^task:skip$"),
                  MessageHandler(new, on_details)],
    }))
    app.add_handler(command("task_reassign", task_reassign))
    app.add_handler(command("task_cancel", task_cancel))
    app.add_handler(command("task_deadline", task_deadline))
    app.add_handler(CallbackQueryHandler(on_confirm, pattern=r"^task:new:(ok|no):[0-9a-f]+$"))
    app.add_handler(CallbackQueryHandler(on_accept, pattern=r"^task:accept:\d+$"))
    app.add_handler(CallbackQueryHandler(on_insist, pattern=r"^task:insist:\d+$"))
    app.add_handler(CallbackQueryHandler(stale_step_button,
                                         pattern=r"^task:(prio:(normal|urgent)|skip)$"))
