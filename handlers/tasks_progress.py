"""Progress reports, deadline extensions and completion (办结) on the phone.

The owner's side runs in one persistent conversation, "task-progress":
  taskp:report:<id>  or /progress <id>  percentage (buttons taskp:pct:<n> or typed) -> text
                                        -> a photo or a document, or 跳过 (taskp:skip)
  taskp:extend:<id>  or /extend <id>    new deadline (echoed) -> reason
  taskp:submit:<id>  or /done <id>      result note -> files one by one -> 提交 (taskp:send)
One line does it at once: /progress 12 60 已完成初稿, /extend 12 12月20日 原因,
/done 12 结果说明; /progress, /extend, /done alone list the person's tasks as buttons.

The assigner's side: taskp:ext_ok:<ext_id> and taskp:confirm:<task_id> decide at once;
taskp:ext_no:<ext_id> (optional comment, 跳过) and taskp:return:<task_id> (a reason) ask in
the same conversation first. taskp:files:<task_id> sends the task's files to whoever may
read the task. Every press is decided by ProgressService, which checks the presser; after a
decision every delivered card of it is edited to show who decided and when.

For /task <id> (handlers/tasks_assign.py): task_detail_lines() and task_detail_buttons().
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
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
from bot.i18n import t, words
from bot.services.access import Actor
from bot.services.container import Services
from bot.services.errors import Conflict, DomainError, InvalidInput
from bot.services.notifier import Buttons
from bot.services.task_progress import (
    MAX_FILES,
    NOTE_LIMIT,
    PERCENT_CHOICES,
    TEXT_LIMIT,
    Card,
    CompletionOutcome,
    ExtensionOutcome,
    FileRef,
    ProgressResult,
    clean_text,
    parse_percent,
)
from bot.services.tasks import ACCEPTED, SUBMITTED, TaskView
from bot.text import Markup, h
from handlers import account
from handlers.common import (
    FRESH,
    ask,
    callback_id,
    command,
    command_args,
    conversation_fallbacks,
    conversation_options,
    domain_errors,
    entry_point,
    pressed_card,
    pressed_message,
    reply,
    timeout_actor,
)
from handlers.context import BotContext
from handlers.menu import MENU_LABEL
from handlers.sender import inline_keyboard, send_text

log = logging.getLogger(__name__)

CONVERSATION = "task-progress"
P_PERCENT, P_TEXT, P_FILE = "taskp-percent", "taskp-text", "taskp-file"
E_DATE, E_REASON = "taskp-date", "taskp-reason"
S_NOTE, S_FILES = "taskp-note", "taskp-files"
D_REASON = "taskp-decide"
# user_data (JSON-safe): the flow under way — {"flow": progress|extend|submit|ext_no|return,
# "task": id, and as it goes "percent", "text", "file", "when", "note", "files", "ext",
# "card" (the pressed card's message id)}.
FLOW = "task_progress"
ID_AND_REST = re.compile(r"^\s*#?(\d{1,9})(?:\s+(.*))?$", re.DOTALL)
TEXT = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL
FILE = FRESH & (filters.Document.ALL | filters.PHOTO)


# --- small helpers ----------------------------------------------------------------------------

def _data(context: BotContext) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def _flow(context: BotContext, *kinds: str) -> dict[str, Any] | None:
    value = _data(context).get(FLOW)
    if isinstance(value, dict) and value.get("flow") in kinds:
        return value
    return None


def _start(context: BotContext, kind: str, task_id: int, **values: Any) -> dict[str, Any]:
    flow = {"flow": kind, "task": task_id, **values}
    ask(context, FLOW, flow)
    return flow


def _forget(context: BotContext) -> None:
    _data(context).pop(FLOW, None)


def _file_of(message: Message) -> FileRef | None:
    if message.document is not None:
        return FileRef(message.document.file_id, message.document.file_name or "file")
    if message.photo:
        return FileRef(message.photo[-1].file_id, None)  # the largest size
    return None


def _file_label(context: BotContext, file: FileRef) -> str:
    return str(context.t("task_progress.photo")) if file.is_photo else str(file.file_name)


def _is_word(text: str | None, key: str) -> bool:
    return (text or "").strip().lower() in {w.lower() for w in words(key)}


def _params(context: BotContext, view: TaskView) -> dict[str, Any]:
    return {"id": view.id, "title": view.title, "progress": view.progress,
            "owner": view.owner.name, "assigner": view.assigner.name,
            "deadline": context.services.task_progress.when_ref(view.deadline)}


def _button(context: BotContext, key: str, data: str) -> tuple[str, str]:
    return str(context.t(key)), data


def _owner_rows(context: BotContext, view: TaskView) -> Buttons:
    """What the asker can do next on the task: all three for its owner, progress for a
    co-owner."""
    if view.status != ACCEPTED:
        return []
    rows: Buttons = [[_button(context, "btn.taskp_report", f"taskp:report:{view.id}")]]
    if context.me.id == view.owner.id:
        rows.append([_button(context, "btn.taskp_extend", f"taskp:extend:{view.id}"),
                     _button(context, "btn.taskp_submit", f"taskp:submit:{view.id}")])
    return rows


async def _refused(update: Update, context: BotContext, exc: DomainError) -> None:
    await reply(update, context, context.t(exc.key, **exc.params))


async def _pick(update: Update, context: BotContext, views: list[TaskView], action: str,
                head: str) -> None:
    if not views:
        await reply(update, context, context.t("task_progress.none_open"))
        return
    rows = [[(str(context.t("task_progress.pick_label", **_params(context, v))),
              f"taskp:{action}:{v.id}")] for v in views[:20]]
    await reply(update, context, context.t(head), inline_keyboard(rows))


def _split_args(update: Update, usage: str) -> tuple[int, str] | None:
    """'/x 12 rest' -> (12, 'rest'); '/x' -> None; anything else is the usage hint."""
    args = command_args(update)
    if not args:
        return None
    match = ID_AND_REST.match(args)
    if match is None:
        raise InvalidInput(usage)
    return int(match.group(1)), (match.group(2) or "").strip()


# --- progress ---------------------------------------------------------------------------------

async def _ask_percent(update: Update, context: BotContext, view: TaskView) -> str:
    _start(context, "progress", view.id)
    choices = [(str(context.t("btn.taskp_pct", percent=p)), f"taskp:pct:{p}")
               for p in PERCENT_CHOICES]
    await reply(update, context, context.t("task_progress.ask_percent", **_params(context, view)),
                inline_keyboard([choices[:3], choices[3:]]))
    return P_PERCENT


async def _ask_text(update: Update, context: BotContext, view: TaskView,
                    percent: int) -> str:
    flow = _flow(context, "progress") or _start(context, "progress", view.id)
    flow["percent"] = percent
    if percent < view.progress:
        text = context.t("task_progress.ask_text_down", percent=percent, previous=view.progress)
    else:
        text = context.t("task_progress.ask_text", percent=percent)
    await reply(update, context, text)
    return P_TEXT


@entry_point
async def report_button(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    query = update.callback_query
    assert query is not None
    view = await context.services.task_progress.check_report(context.me, callback_id(update))
    await query.answer()
    return await _ask_percent(update, context, view)


@entry_point
async def progress_command(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    service = context.services.task_progress
    args = _split_args(update, "task_progress.usage")
    if args is None:
        await _pick(update, context, await service.workable(context.me), "report",
                    "task_progress.pick_report")
        return None
    task_id, rest = args
    if not rest:
        return await _ask_percent(update, context, await service.check_report(context.me,
                                                                              task_id))
    first, _, text = rest.partition(" ")
    percent = parse_percent(first)
    if not text.strip():
        view = await service.check_report(context.me, task_id)
        _start(context, "progress", task_id)
        return await _ask_text(update, context, view, percent)
    _forget(context)
    await _show_saved(update, context, await service.report(context.me, task_id, percent,
                                                            text))
    return None


async def percent_typed(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    if _flow(context, "progress") is None:
        return ConversationHandler.END
    try:
        percent = parse_percent(message.text or "")
    except DomainError as exc:
        await _refused(update, context, exc)
        return P_PERCENT
    return await _percent_chosen(update, context, percent)


async def percent_pressed(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    await query.answer()
    if _flow(context, "progress") is None:
        return ConversationHandler.END
    return await _percent_chosen(update, context, callback_id(update))


async def _percent_chosen(update: Update, context: BotContext, percent: int) -> object:
    flow = _flow(context, "progress")
    assert flow is not None
    try:
        # Checked again: the task may have been closed or returned while the person typed.
        view = await context.services.task_progress.check_report(context.me, flow["task"])
    except DomainError as exc:
        _forget(context)
        await _refused(update, context, exc)
        return ConversationHandler.END
    return await _ask_text(update, context, view, percent)


async def progress_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    flow = _flow(context, "progress")
    if flow is None or "percent" not in flow:
        return ConversationHandler.END
    try:
        text = clean_text(message.text, TEXT_LIMIT, "task_progress.no_text")
    except DomainError as exc:
        await _refused(update, context, exc)
        return P_TEXT
    flow["text"] = text
    if flow.get("file"):  # the file came first (a document without a caption)
        return await _finish_progress(update, context)
    await reply(update, context, context.t("task_progress.ask_file"), inline_keyboard(
        [[_button(context, "btn.taskp_skip", "taskp:skip")]]))
    return P_FILE


async def progress_file_early(update: Update, context: BotContext) -> object:
    """A photo or document sent instead of the text: its caption is the text; without
    one, the text is still asked for."""
    message = update.effective_message
    assert message is not None
    flow = _flow(context, "progress")
    if flow is None or "percent" not in flow:
        return ConversationHandler.END
    file = _file_of(message)
    assert file is not None
    flow["file"] = file.to_json()
    if (message.caption or "").strip():
        try:
            flow["text"] = clean_text(message.caption, TEXT_LIMIT, "task_progress.no_text")
        except DomainError as exc:
            await _refused(update, context, exc)
            return P_TEXT
        return await _finish_progress(update, context)
    await reply(update, context, context.t("task_progress.ask_text", percent=flow["percent"]))
    return P_TEXT


async def progress_file(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    flow = _flow(context, "progress")
    if flow is None or "text" not in flow:
        return ConversationHandler.END
    file = _file_of(message)
    assert file is not None
    flow["file"] = file.to_json()
    return await _finish_progress(update, context)


async def progress_skip(update: Update, context: BotContext) -> object:
    if update.callback_query is not None:
        await update.callback_query.answer()
    flow = _flow(context, "progress")
    if flow is None or "text" not in flow:
        return ConversationHandler.END
    return await _finish_progress(update, context)


async def progress_file_text(update: Update, context: BotContext) -> object:
    """Text while a file is awaited: 跳过 is the skip; anything else gets the hint."""
    message = update.effective_message
    assert message is not None
    if _is_word(message.text, "word.taskp_skip"):
        return await progress_skip(update, context)
    await reply(update, context, context.t("task_progress.file_hint"), inline_keyboard(
        [[_button(context, "btn.taskp_skip", "taskp:skip")]]))
    return P_FILE


async def _finish_progress(update: Update, context: BotContext) -> int:
    flow = _flow(context, "progress")
    assert flow is not None
    _forget(context)
    file = FileRef.from_json(flow["file"]) if flow.get("file") else None
    try:
        result = await context.services.task_progress.report(
            context.me, flow["task"], int(flow["percent"]), flow["text"], file)
    except DomainError as exc:
        await _refused(update, context, exc)
        return ConversationHandler.END
    await _show_saved(update, context, result)
    return ConversationHandler.END


async def _show_saved(update: Update, context: BotContext, result: ProgressResult) -> None:
    view = result.task
    lines = [str(context.t("task_progress.saved", id=view.id, title=view.title,
                           percent=result.percent, text=result.text))]
    if result.went_down:
        lines.append(str(context.t("task_progress.saved_down", previous=result.previous,
                                   percent=result.percent)))
    if result.file is not None:
        lines.append(str(context.t("task_progress.saved_file",
                                   file=_file_label(context, result.file))))
    told = "task_progress.told_now" if result.told_now else "task_progress.told_digest"
    lines.append(str(context.t(told, assigner=view.assigner.name)))
    if result.percent == 100 and context.me.id == view.owner.id:
        lines.append(str(context.t("task_progress.hint_full")))
    await reply(update, context, "\n".join(lines), inline_keyboard(_owner_rows(context, view)))


# --- extension --------------------------------------------------------------------------------

async def _ask_date(update: Update, context: BotContext, view: TaskView) -> str:
    _start(context, "extend", view.id)
    await reply(update, context, context.t("task_progress.ask_date", **_params(context, view)))
    return E_DATE


async def _ask_reason(update: Update, context: BotContext, when: Any) -> str:
    flow = _flow(context, "extend")
    assert flow is not None
    flow["when"] = when.isoformat()
    await reply(update, context, context.t(
        "task_progress.ask_reason",
        new_deadline=context.services.task_progress.when_ref(when)))
    return E_REASON


@entry_point
async def extend_button(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    query = update.callback_query
    assert query is not None
    view = await context.services.task_progress.check_extend(context.me, callback_id(update))
    await query.answer()
    return await _ask_date(update, context, view)


@entry_point
async def extend_command(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    service = context.services.task_progress
    args = _split_args(update, "task_progress.extend_usage")
    if args is None:
        await _pick(update, context, await service.workable(context.me, co_owned=False),
                    "extend", "task_progress.pick_extend")
        return None
    task_id, rest = args
    if not rest:
        return await _ask_date(update, context, await service.check_extend(context.me, task_id))
    when, reason = await service.split_extension(context.me, task_id, rest)
    _start(context, "extend", task_id)
    if not reason:
        return await _ask_reason(update, context, when)
    _forget(context)
    await _show_requested(update, context, await service.request_extension(
        context.me, task_id, when, reason))
    return None


async def extend_date(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    flow = _flow(context, "extend")
    if flow is None:
        return ConversationHandler.END
    try:
        when = await context.services.task_progress.parse_extension(
            context.me, flow["task"], message.text or "")
    except InvalidInput as exc:  # a date that will not do: ask again
        await _refused(update, context, exc)
        return E_DATE
    except DomainError as exc:
        _forget(context)
        await _refused(update, context, exc)
        return ConversationHandler.END
    return await _ask_reason(update, context, when)


async def extend_reason(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    flow = _flow(context, "extend")
    if flow is None or "when" not in flow:
        return ConversationHandler.END
    service = context.services.task_progress
    try:
        ext = await service.request_extension(context.me, flow["task"],
                                              datetime.fromisoformat(flow["when"]),
                                              message.text or "")
    except InvalidInput as exc:
        await _refused(update, context, exc)
        if exc.key in ("task_progress.no_reason", "task_progress.too_long"):
            return E_REASON
        flow.pop("when", None)  # the date no longer does (passed meanwhile): ask again
        return E_DATE
    except DomainError as exc:
        _forget(context)
        await _refused(update, context, exc)
        return ConversationHandler.END
    _forget(context)
    await _show_requested(update, context, ext)
    return ConversationHandler.END


async def _show_requested(update: Update, context: BotContext, ext: Any) -> None:
    await reply(update, context, context.t("task_progress.ext_sent", **ext.params))


# --- completion -------------------------------------------------------------------------------

async def _ask_note(update: Update, context: BotContext, view: TaskView) -> str:
    _start(context, "submit", view.id, files=[])
    await reply(update, context, context.t("task_progress.ask_note", **_params(context, view)))
    return S_NOTE


def _send_row(context: BotContext) -> InlineKeyboardMarkup | None:
    return inline_keyboard([[_button(context, "btn.taskp_send", "taskp:send")]])


@entry_point
async def submit_button(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    query = update.callback_query
    assert query is not None
    view = await context.services.task_progress.check_submit(context.me, callback_id(update))
    await query.answer()
    return await _ask_note(update, context, view)


@entry_point
async def done_command(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    service = context.services.task_progress
    args = _split_args(update, "task_progress.done_usage")
    if args is None:
        await _pick(update, context, await service.workable(context.me, co_owned=False),
                    "submit", "task_progress.pick_submit")
        return None
    task_id, rest = args
    if not rest:
        return await _ask_note(update, context, await service.check_submit(context.me, task_id))
    _forget(context)
    await _show_submitted(update, context, await service.submit(context.me, task_id, rest))
    return None


async def submit_note(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    flow = _flow(context, "submit")
    if flow is None:
        return ConversationHandler.END
    try:
        flow["note"] = clean_text(message.text, NOTE_LIMIT, "task_progress.no_note")
    except DomainError as exc:
        await _refused(update, context, exc)
        return S_NOTE
    await reply(update, context, context.t("task_progress.ask_files"), _send_row(context))
    return S_FILES


async def submit_file(update: Update, context: BotContext) -> object:
    """A result file: in S_FILES one more; in S_NOTE its caption is the note (without one,
    the note is still asked for)."""
    message = update.effective_message
    assert message is not None
    flow = _flow(context, "submit")
    if flow is None:
        return ConversationHandler.END
    files = flow.setdefault("files", [])
    if len(files) >= MAX_FILES:
        await reply(update, context, context.t("task_progress.too_many_files", limit=MAX_FILES),
                    _send_row(context))
        return S_FILES if "note" in flow else S_NOTE
    file = _file_of(message)
    assert file is not None
    files.append(file.to_json())
    if "note" not in flow:
        if not (message.caption or "").strip():
            await reply(update, context, context.t("task_progress.ask_note_after_file",
                                                   file=_file_label(context, file)))
            return S_NOTE
        try:
            flow["note"] = clean_text(message.caption, NOTE_LIMIT, "task_progress.no_note")
        except DomainError as exc:
            await _refused(update, context, exc)
            return S_NOTE
    await reply(update, context, context.t("task_progress.file_added",
                                           file=_file_label(context, file), count=len(files)),
                _send_row(context))
    return S_FILES


async def submit_send(update: Update, context: BotContext) -> object:
    if update.callback_query is not None:
        await update.callback_query.answer()
    flow = _flow(context, "submit")
    if flow is None or "note" not in flow:
        return ConversationHandler.END
    _forget(context)
    files = [FileRef.from_json(f) for f in flow.get("files", [])]
    try:
        view = await context.services.task_progress.submit(context.me, flow["task"],
                                                           flow["note"], files)
    except DomainError as exc:
        await _refused(update, context, exc)
        return ConversationHandler.END
    await _show_submitted(update, context, view)
    return ConversationHandler.END


async def submit_files_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    if _is_word(message.text, "word.taskp_send"):
        return await submit_send(update, context)
    await reply(update, context, context.t("task_progress.files_hint"), _send_row(context))
    return S_FILES


async def _show_submitted(update: Update, context: BotContext, view: TaskView) -> None:
    await reply(update, context, context.t("task_progress.submitted", id=view.id,
                                           title=view.title, assigner=view.assigner.name))


# --- the assigner's decisions -----------------------------------------------------------------

def _ext_line(services: Services, lang: str, outcome: ExtensionOutcome) -> Markup:
    ext = outcome.extension
    comment = t(lang, "task_progress.with_comment", comment=ext.comment) if ext.comment else ""
    return t(lang, f"task_progress.ext_line.{ext.status}", by=ext.decided_by or "—",
             at=short_time(ext.decided_at, services.config.tz), comment=comment)


def _completion_line(services: Services, lang: str, outcome: CompletionOutcome) -> Markup:
    return t(lang, f"task_progress.sub_line.{outcome.state}", by=outcome.by,
             at=short_time(outcome.at, services.config.tz), reason=outcome.reason)


async def _close_cards(context: BotContext, cards: list[Card],
                       line: Callable[[str], Markup], pressed: Message | None) -> None:
    """Edit each delivered card of the decision to show it, without buttons; and the pressed
    card (handlers.common.pressed_card) if it is none of them (its delivery was not
    recorded)."""
    seen = False
    for card in cards:
        seen = seen or (pressed is not None and (card.chat_id, card.message_id)
                        == (pressed.chat_id, pressed.message_id))
        text = f"{t(card.language, card.template, **card.params)}\n\n{line(card.language)}"
        try:
            await context.bot.edit_message_text(text, chat_id=card.chat_id,
                                                message_id=card.message_id,
                                                parse_mode=ParseMode.HTML, reply_markup=None)
        except TelegramError as exc:
            # Deleted by its reader, or unchanged: the decision stands either way.
            log.info("task card %s/%s not edited: %s", card.chat_id, card.message_id, exc)
    if pressed is not None and not seen and pressed.text:
        try:
            await pressed.edit_text(f"{h(pressed.text)}\n\n{line(context.lang)}",
                                    parse_mode=ParseMode.HTML, reply_markup=None)
        except TelegramError as exc:
            log.info("pressed task card not edited: %s", exc)


async def _refresh_extension(context: BotContext, ext_id: int, pressed: Message | None) -> None:
    try:
        outcome = await context.services.task_progress.extension_status(context.me, ext_id)
    except DomainError:
        return
    if outcome.extension.status != "pending":
        await _close_cards(context, outcome.cards,
                           lambda lang: _ext_line(context.services, lang, outcome), pressed)


async def _refresh_completion(context: BotContext, task_id: int,
                              pressed: Message | None) -> None:
    try:
        outcome = await context.services.task_progress.completion_status(context.me, task_id)
    except DomainError:
        return
    if outcome.state != "submitted":
        await _close_cards(context, outcome.cards,
                           lambda lang: _completion_line(context.services, lang, outcome),
                           pressed)


@domain_errors
async def ext_approve(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    ext_id = callback_id(update)
    pressed = pressed_card(update)
    try:
        outcome = await context.services.task_progress.approve_extension(context.me, ext_id)
    except Conflict:
        await _refresh_extension(context, ext_id, pressed)
        raise  # answered as a popup; nothing changed
    await query.answer(str(context.t(f"task_progress.done.{outcome.extension.status}")))
    await _close_cards(context, outcome.cards,
                       lambda lang: _ext_line(context.services, lang, outcome), pressed)


@entry_point
async def ext_reject_button(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    query = update.callback_query
    assert query is not None
    ext_id = callback_id(update)
    pressed = pressed_message(update)
    try:
        ext = await context.services.task_progress.check_extension_decision(context.me, ext_id)
    except Conflict:
        await _refresh_extension(context, ext_id, pressed_card(update))
        raise
    await query.answer()
    _start(context, "ext_no", ext.task_id, ext=ext.id,
           card=pressed.message_id if pressed else None)
    await reply(update, context, context.t("task_progress.ask_ext_comment", **ext.params),
                inline_keyboard([[_button(context, "btn.taskp_skip", "taskp:skip")]]))
    return D_REASON


@domain_errors
async def confirm_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    task_id = callback_id(update)
    pressed = pressed_message(update)
    try:
        outcome = await context.services.task_progress.confirm(
            context.me, task_id, pressed.message_id if pressed else None)
    except Conflict:
        await _refresh_completion(context, task_id, pressed_card(update))
        raise
    await query.answer(str(context.t("task_progress.done.confirmed")))
    await _close_cards(context, outcome.cards,
                       lambda lang: _completion_line(context.services, lang, outcome),
                       pressed_card(update))


@entry_point
async def return_button(update: Update, context: BotContext) -> object:
    _forget(context)  # whatever was under way is left for this
    query = update.callback_query
    assert query is not None
    task_id = callback_id(update)
    pressed = pressed_message(update)
    card = pressed.message_id if pressed else None
    try:
        view = await context.services.task_progress.check_completion_decision(
            context.me, task_id, card)
    except Conflict:
        await _refresh_completion(context, task_id, pressed_card(update))
        raise
    await query.answer()
    _start(context, "return", task_id, card=card)
    await reply(update, context, context.t("task_progress.ask_return", **_params(context, view)))
    return D_REASON


async def decision_reason(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    if _is_word(message.text, "word.taskp_skip"):  # no comment; a return still needs one
        return await _decide(update, context, "")
    return await _decide(update, context, message.text or "")


async def decision_skip(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    await query.answer()
    return await _decide(update, context, "")


async def _decide(update: Update, context: BotContext, text: str) -> object:
    flow = _flow(context, "ext_no", "return")
    if flow is None:
        return ConversationHandler.END
    service = context.services.task_progress
    card = flow.get("card")
    pressed = None  # the card is edited through its outbox row; the answer is a new message
    try:
        if flow["flow"] == "ext_no":
            ext_outcome = await service.reject_extension(context.me, flow["ext"], text)
            _forget(context)
            await reply(update, context, context.t(
                f"task_progress.done.{ext_outcome.extension.status}"))
            await _close_cards(context, ext_outcome.cards,
                               lambda lang: _ext_line(context.services, lang, ext_outcome),
                               pressed)
        else:
            outcome = await service.return_task(context.me, flow["task"], text, card)
            _forget(context)
            await reply(update, context, context.t("task_progress.done.returned"))
            await _close_cards(context, outcome.cards,
                               lambda lang: _completion_line(context.services, lang, outcome),
                               pressed)
    except InvalidInput as exc:  # no reason, or too long: ask again
        await _refused(update, context, exc)
        return D_REASON
    except DomainError as exc:
        _forget(context)
        await _refused(update, context, exc)
        return ConversationHandler.END
    return ConversationHandler.END


# --- files ------------------------------------------------------------------------------------

@domain_errors
async def send_files(update: Update, context: BotContext) -> None:
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    view, files = await context.services.task_progress.files(context.me, callback_id(update))
    if not files:
        await query.answer(str(context.t("task_progress.no_files")), show_alert=True)
        return
    await query.answer()
    await send_text(context.bot, chat.id, context.t("task_progress.files_head", id=view.id,
                                                    title=view.title, count=len(files)))
    for file in files:
        if file.is_photo:
            await context.bot.send_photo(chat.id, photo=file.file_id)
        else:
            await context.bot.send_document(chat.id, document=file.file_id)


# --- the conversation's ends ------------------------------------------------------------------

async def cancel(update: Update, context: BotContext) -> int:
    _forget(context)
    return await account.cancel_conversation(update, context)


async def timed_out(update: Update, context: BotContext) -> None:
    if _data(context).pop(FLOW, None) is None:
        return
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("task_progress.timeout"))


# --- for /task <id> ---------------------------------------------------------------------------

async def task_detail_lines(services: Services, task_id: int, lang: str) -> list[str]:
    """The task's progress history (time, percent, text, who, 📎 for a file), decided
    extensions, the completion steps, a pending extension and an open return — as lines of
    Telegram HTML. The caller has checked the reader may see the task."""
    service = services.task_progress
    history = await service.history_of(task_id)
    lines: list[Markup] = []
    for entry in history.entries:
        mark = t(lang, "task_progress.file_mark") if entry.file is not None else ""
        at = short_time(entry.at, services.config.tz)
        if entry.kind == "extension" and entry.extension is not None:
            lines.append(t(lang, "task_progress.h.extension", at=at,
                           new_deadline=service.when_ref(entry.extension.new_deadline),
                           state=t(lang, f"task_progress.ext_state.{entry.extension.status}"),
                           who=entry.author))
        else:
            lines.append(t(lang, f"task_progress.h.{entry.kind}", at=at,
                           percent=entry.percent if entry.percent is not None else "",
                           text=entry.text, who=entry.author, file=mark))
    head = [t(lang, "task_progress.history_head")] if lines \
        else [t(lang, "task_progress.history_none")]
    if history.pending is not None:
        pending = history.pending
        lines.append(t(lang, "task_progress.h.pending_ext",
                       new_deadline=service.when_ref(pending.new_deadline),
                       reason=pending.reason, who=pending.requester,
                       at=short_time(pending.created_at, services.config.tz)))
    if history.open_return is not None:
        lines.append(t(lang, "task_progress.h.open_return", reason=history.open_return))
    return [str(line) for line in head + lines]


async def task_detail_buttons(services: Services, actor: Actor, task_id: int,
                              lang: str) -> Buttons:
    """The buttons this part adds under /task <id> for this reader: 📎 (files, if any),
    the owner's actions on an accepted task, confirm/return on a submitted one."""
    history = await services.task_progress.history(actor, task_id)
    view = history.task
    rows: Buttons = []
    co = {p.id for p in view.co_owners}
    if view.status == ACCEPTED and (actor.id == view.owner.id or actor.id in co):
        rows.append([(str(t(lang, "btn.taskp_report")), f"taskp:report:{view.id}")])
        if actor.id == view.owner.id:
            rows.append([(str(t(lang, "btn.taskp_extend")), f"taskp:extend:{view.id}"),
                         (str(t(lang, "btn.taskp_submit")), f"taskp:submit:{view.id}")])
    if view.status == SUBMITTED and (actor.is_admin or actor.id in (view.assigner.id,
                                                                   view.created_by_id)):
        rows.append([(str(t(lang, "btn.taskp_confirm")), f"taskp:confirm:{view.id}"),
                     (str(t(lang, "btn.taskp_return")), f"taskp:return:{view.id}")])
    if history.file_count:
        rows.append([(str(t(lang, "btn.taskp_files")), f"taskp:files:{view.id}")])
    return rows


# --- wiring -----------------------------------------------------------------------------------

def conversation() -> ConversationHandler[BotContext]:
    skip = CallbackQueryHandler(progress_skip, pattern=r"^taskp:skip$")
    return ConversationHandler(
        entry_points=[
            CallbackQueryHandler(report_button, pattern=r"^taskp:report:\d+$"),
            CallbackQueryHandler(extend_button, pattern=r"^taskp:extend:\d+$"),
            CallbackQueryHandler(submit_button, pattern=r"^taskp:submit:\d+$"),
            CallbackQueryHandler(ext_reject_button, pattern=r"^taskp:ext_no:\d+$"),
            CallbackQueryHandler(return_button, pattern=r"^taskp:return:\d+$"),
            command("progress", progress_command),
            command("extend", extend_command),
            command("done", done_command),
        ],
        states={
            P_PERCENT: [MessageHandler(TEXT, percent_typed),
                        CallbackQueryHandler(percent_pressed, pattern=r"^taskp:pct:\d{1,3}$")],
            P_TEXT: [MessageHandler(TEXT, progress_text),
                     MessageHandler(FILE, progress_file_early)],
            P_FILE: [MessageHandler(FILE, progress_file), skip,
                     MessageHandler(TEXT, progress_file_text)],
            E_DATE: [MessageHandler(TEXT, extend_date)],
            E_REASON: [MessageHandler(TEXT, extend_reason)],
            S_NOTE: [MessageHandler(TEXT, submit_note), MessageHandler(FILE, submit_file)],
            S_FILES: [MessageHandler(FILE, submit_file),
                      CallbackQueryHandler(submit_send, pattern=r"^taskp:send$"),
                      MessageHandler(TEXT, submit_files_text)],
            D_REASON: [MessageHandler(TEXT, decision_reason),
                       CallbackQueryHandler(decision_skip, pattern=r"^taskp:skip$")],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=conversation_fallbacks(cancel),
        # Another task's button (or /progress 13) while one is under way starts that one.
        **conversation_options(CONVERSATION),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation())
    app.add_handler(CallbackQueryHandler(ext_approve, pattern=r"^taskp:ext_ok:\d+$"))
    app.add_handler(CallbackQueryHandler(confirm_button, pattern=r"^taskp:confirm:\d+$"))
    app.add_handler(CallbackQueryHandler(send_files, pattern=r"^taskp:files:\d+$"))
