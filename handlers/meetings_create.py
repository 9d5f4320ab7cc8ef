"""Calling a meeting: `/meeting 党委会 | 周五下午3点 | 三楼会议室 | 班子成员` or bare /meeting
step by step (with materials), the confirmation card, /material, the notice's 📎 and 📅
buttons, and /meetings (the asker's coming meetings).

Buttons: mtg:create:ok|no:<token> (the card; the draft waits in user_data), in the
conversation mtg:create:time:yes|no, mtg:create:dur:<minutes>, mtg:create:files:done,
mtg:create:notes:skip; mtg:material:done; on every notice mtg:files:<id> and mtg:ics:<id>
(built by MeetingService.notice_buttons). The services check every press.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from telegram import InputFile, Message, Update
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

from bot.i18n import ref, words
from bot.services.errors import DomainError, InvalidInput, PermissionDenied
from bot.services.meeting_materials import Upload
from bot.services.meetings import (
    ATTEND,
    DELEGATE,
    LEAVE,
    NONE,
    Clash,
    MeetingDraft,
    MeetingView,
    parse_duration,
)
from bot.services.when import user_time
from bot.text import Markup, h
from handlers.account import cancel_conversation
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
)
from handlers.context import BotContext
from handlers.holidays import day_label
from handlers.menu import MENU_LABEL, menu_keys
from handlers.sender import edit_text, inline_keyboard

log = logging.getLogger(__name__)

DRAFTS = "meeting_drafts"  # user_data: cards waiting for the organiser's confirmation
STEP = "meeting_step"  # user_data: the step-by-step answers so far
MATERIAL_FOR = "material_for"  # user_data: the meeting /material is collecting files for
(ASK_TITLE, ASK_TIME, CONFIRM_TIME, ASK_DURATION, ASK_PLACE, ASK_INVITEES, ASK_FILES,
 ASK_NOTES) = ("mc-title", "mc-time", "mc-time-ok", "mc-duration", "mc-place",
               "mc-invitees", "mc-files", "mc-notes")
WAIT_FILES = "mm-files"
FILES_STAGE = "files"

FIELDS = re.compile(r"\s*[|｜]\s*")
MEETING_ID = re.compile(r"^#?(\d{1,9})$")
CAPTION_ID = re.compile(r"^\s*#(\d{1,9})(?!\d)")
DURATION_CHOICES = (30, 60, 120)
MAX_NAMES = 12  # on the card; more are counted, not listed
MAX_DRAFTS = 20


# --- small renderers --------------------------------------------------------------------------

def _local(context: BotContext, value: datetime) -> datetime:
    return value.astimezone(context.services.config.tz)


def _when(context: BotContext, value: datetime) -> tuple[str, str]:
    local = _local(context, value)
    return day_label(context.lang, local.date()), f"{local:%H:%M}"


def _duration(context: BotContext, length: timedelta) -> Markup:
    hours, minutes = divmod(int(length.total_seconds()) // 60, 60)
    if hours and minutes:
        return context.t("meeting_create.len_hours_minutes", hours=hours, minutes=minutes)
    if hours:
        return context.t("meeting_create.len_hours", hours=hours)
    return context.t("meeting_create.len_minutes", minutes=minutes)


def _names(context: BotContext, names: Sequence[str]) -> Markup:
    sep = str(context.t("list.sep"))
    if len(names) > MAX_NAMES:
        return context.t("meeting_create.names_more", names=sep.join(names[:MAX_NAMES]),
                         count=len(names))
    return h(sep.join(names))


def _clash(context: BotContext, clash: Clash) -> Markup:
    if clash.what == "duty":
        return context.t("meeting_create.clash_duty", name=clash.name,
                         kind=ref(f"duty.kind.{clash.label}"))
    return context.t("meeting_create.clash_meeting", name=clash.name, title=clash.label,
                     start=_when(context, clash.starts_at)[1])


def _card_text(context: BotContext, draft: MeetingDraft,
               materials: list[dict[str, Any]]) -> str:
    date, start = _when(context, draft.starts_at)
    sep = str(context.t("list.sep"))
    text = str(context.t(
        "meeting_create.card", title=draft.title, date=date, start=start,
        end=_when(context, draft.ends_at)[1],
        duration=_duration(context, draft.ends_at - draft.starts_at),
        place=draft.place or "—", count=len(draft.invitee_ids),
        names=_names(context, draft.invitee_names),
        materials=sep.join(m["file_name"] for m in materials) or "—",
        notes=draft.notes or "—"))
    warnings = [str(_clash(context, c)) for c in draft.clashes]
    return "\n".join([text, *warnings])


def _counts(view: MeetingView) -> dict[str, int]:
    """Seats, not rows: a delegate stands in the seat of the one who sent them, which is
    already counted as delegated."""
    answers = [i.response for i in view.invitees if not i.delegated_from]
    return {"attend": answers.count(ATTEND), "leave": answers.count(LEAVE),
            "delegate": answers.count(DELEGATE), "none": answers.count(NONE)}


def _list_line(context: BotContext, view: MeetingView) -> str:
    date, start = _when(context, view.starts_at)
    mine = view.invitee(context.me.id)
    answer = context.t("meeting_list.answer", response=ref(f"meeting.response.{mine.response}")) \
        if mine is not None else ""
    counts = context.t("meeting_list.counts", **_counts(view)) \
        if view.organiser_id == context.me.id else ""
    return str(context.t("meeting_list.line", id=view.id, date=date, start=start,
                         title=view.title, place=view.place or "—", answer=answer,
                         counts=counts))


def _draft_from_json(data: dict[str, Any]) -> MeetingDraft:
    """The card's draft as MeetingDraft.to_json() kept it; create() resolves the invitees
    again from the words the organiser wrote."""
    return MeetingDraft(
        title=str(data["title"]), starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]), place=str(data.get("place", "")),
        invitees=str(data["invitees"]), invitee_ids=(), invitee_names=(),
        notes=str(data.get("notes", "")))


def _is_word(text: str, key: str) -> bool:
    return text.strip().lower() in {w.lower() for w in words(key)}


def _until(context: BotContext) -> str:
    return (context.services.clock.now() + timedelta(seconds=CONVERSATION_TIMEOUT)).isoformat()


# --- /meeting: one line, a number, or the conversation ----------------------------------------

async def _confirm_card(update: Update, context: BotContext, draft: MeetingDraft,
                        materials: list[dict[str, Any]]) -> None:
    """Keep the draft on our side (user_data, persisted) and show it with two buttons that
    carry only a token: a forged press cannot smuggle in another meeting."""
    assert context.user_data is not None
    token = secrets.token_hex(4)
    drafts: dict[str, Any] = context.user_data.setdefault(DRAFTS, {})
    if len(drafts) >= MAX_DRAFTS:
        drafts.clear()
    drafts[token] = {"draft": draft.to_json(), "materials": materials}
    await reply(update, context, _card_text(context, draft, materials), inline_keyboard([[
        (str(context.t("btn.mtg_create_send")), f"mtg:create:ok:{token}"),
        (str(context.t("btn.mtg_create_cancel")), f"mtg:create:no:{token}"),
    ]]))


async def _show(update: Update, context: BotContext, meeting_id: int) -> None:
    """`/meeting 12` is the organiser's view, kept with the answers (handlers/meetings_rsvp);
    until that exists, the meeting's line from /meetings."""
    from handlers import meetings_rsvp

    show = getattr(meetings_rsvp, "show_meeting", None)
    if show is not None:
        await show(update, context, meeting_id)
        return
    view = await context.services.meetings.get(context.me, meeting_id)
    await reply(update, context, _list_line(context, view))


@entry_point
async def meeting(update: Update, context: BotContext) -> str | int:
    args = command_args(update)
    if MEETING_ID.match(args):
        await _show(update, context, int(args.lstrip("#")))
        return ConversationHandler.END
    meetings = context.services.meetings
    meetings.require_organiser_role(context.me)
    if not args:
        assert context.user_data is not None
        context.user_data[STEP] = {}
        await reply(update, context, context.t("meeting_create.ask_title"))
        return ASK_TITLE
    fields = FIELDS.split(args)
    if len(fields) < 4:
        raise InvalidInput("meeting_create.usage")
    title, when, place, invitees = fields[:4]
    duration = fields[4] if len(fields) > 4 else ""
    notes = " | ".join(fields[5:])
    draft = await meetings.prepare(context.me, title, when, place, invitees, duration, notes)
    await _confirm_card(update, context, draft, [])
    return ConversationHandler.END


@domain_errors
async def decision(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    _, _, choice, token = query.data.split(":")
    stored = context.user_data.get(DRAFTS, {}).pop(token, None)
    if stored is None:
        await query.answer(str(context.t("meeting_create.draft_gone")), show_alert=True)
        return
    assert isinstance(query.message, Message)
    if choice == "no":
        await query.answer()
        await edit_text(query.message, context.t("meeting_create.dropped"))
        return
    view = await context.services.meetings.create(context.me, _draft_from_json(stored["draft"]))
    materials = context.services.meeting_materials
    uploads = [Upload.from_json(m) for m in stored.get("materials", [])]
    for upload in uploads:
        # Added before any notice is read: nobody needs a separate message about them.
        await materials.add(context.me, view.id, upload)
    await query.answer()
    date, start = _when(context, view.starts_at)
    await edit_text(query.message, context.t(
        "meeting_create.created", id=view.id, count=len(view.invitees), title=view.title,
        date=date, start=start, place=view.place or "—", materials=len(uploads)))


# --- the step-by-step conversation -------------------------------------------------------------

def _step(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    step: dict[str, Any] = context.user_data.setdefault(STEP, {})
    return step


def _text(update: Update) -> str:
    message = update.effective_message
    return (message.text or "").strip() if message is not None else ""


async def _ask_time(update: Update, context: BotContext) -> str:
    await reply(update, context, context.t("meeting_create.ask_time"))
    return ASK_TIME


async def _ask_duration(update: Update, context: BotContext) -> str:
    await reply(update, context, context.t("meeting_create.ask_duration"), inline_keyboard([[
        (str(_duration(context, timedelta(minutes=m))), f"mtg:create:dur:{m}")
        for m in DURATION_CHOICES]]))
    return ASK_DURATION


async def _ask_invitees(update: Update, context: BotContext) -> str:
    departments = await context.services.meeting_materials.departments()
    await reply(update, context, context.t(
        "meeting_create.ask_invitees",
        departments=str(context.t("list.sep")).join(departments) or "—"))
    return ASK_INVITEES


async def _ask_notes(update: Update, context: BotContext) -> str:
    step = _step(context)
    step.pop("stage", None)
    await reply(update, context, context.t("meeting_create.ask_notes"), inline_keyboard([[
        (str(context.t("btn.mtg_create_skip")), "mtg:create:notes:skip")]]))
    return ASK_NOTES


async def _prepare(update: Update, context: BotContext) -> MeetingDraft | str | int:
    """Everything so far through MeetingService.prepare(). A refusal is said, and the
    question whose answer was wrong is asked again (once answered, the card follows)."""
    step = _step(context)
    try:
        return await context.services.meetings.prepare(
            context.me, step.get("title", ""), step.get("when", ""), step.get("place", ""),
            step.get("invitees", ""), step.get("duration", ""), step.get("notes", ""))
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        if isinstance(exc, PermissionDenied):
            _forget(context)
            return ConversationHandler.END
        if exc.key.startswith("time.") or exc.key == "meeting.need_time":
            return await _ask_time(update, context)
        if exc.key == "meeting.bad_duration":
            return await _ask_duration(update, context)
        return await _ask_invitees(update, context)


async def _after(update: Update, context: BotContext, ask_next: Any) -> str | int:
    """The next question; or, when a late refusal sent the person back to fix one answer,
    straight to the card again."""
    step = _step(context)
    if step.get("complete"):
        return await _finish(update, context, step.get("notes", ""))
    result: str | int = await ask_next(update, context)
    return result


async def _ask_place(update: Update, context: BotContext) -> str:
    await reply(update, context, context.t("meeting_create.ask_place"))
    return ASK_PLACE


@domain_errors
async def got_title(update: Update, context: BotContext) -> str | None:
    title = " ".join(_text(update).split())
    if not title:
        raise InvalidInput("meeting.no_title")
    if len(title) > 200:
        raise InvalidInput("error.too_long", field=title[:10] + "…", limit=200)
    _step(context)["title"] = title
    return await _ask_time(update, context)


@domain_errors
async def got_time(update: Update, context: BotContext) -> str | None:
    """Read now and echoed back; kept as an exact local time, so 两小时后 does not drift while
    the rest is filled in."""
    text = _text(update)
    parsed = user_time(text, now=context.services.clock.now(), tz=context.services.config.tz)
    if not parsed.has_time:
        raise InvalidInput("meeting.need_time", text=text)
    local = _local(context, parsed.when)
    _step(context)["when"] = f"{local:%Y-%m-%d %H:%M}"
    date, start = _when(context, parsed.when)
    await reply(update, context, context.t("meeting_create.confirm_time", date=date,
                                           start=start), inline_keyboard([[
        (str(context.t("btn.mtg_create_time_ok")), "mtg:create:time:yes"),
        (str(context.t("btn.mtg_create_time_again")), "mtg:create:time:no")]]))
    return CONFIRM_TIME


async def _answered(update: Update) -> str:
    """Answer a press in the conversation and take the question's buttons away, so it cannot
    be answered twice; returns the press's data."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    if isinstance(query.message, Message):
        try:
            await query.message.edit_reply_markup(reply_markup=None)
        except TelegramError as exc:
            log.info("question's buttons not removed: %s", exc)
    return query.data


async def time_answer(update: Update, context: BotContext) -> str | int:
    data = await _answered(update)
    if data.endswith(":no") or not _step(context).get("when"):
        return await _ask_time(update, context)
    return await _after(update, context, _ask_duration)


async def duration_pressed(update: Update, context: BotContext) -> str | int:
    minutes = int((await _answered(update)).rsplit(":", 1)[-1])
    if minutes not in DURATION_CHOICES:
        return await _ask_duration(update, context)
    _step(context)["duration"] = f"{minutes}分钟"
    return await _after(update, context, _ask_place)


@domain_errors
async def got_duration(update: Update, context: BotContext) -> str | int | None:
    text = _text(update)
    parse_duration(text)
    _step(context)["duration"] = text
    return await _after(update, context, _ask_place)


async def got_place(update: Update, context: BotContext) -> str:
    text = _text(update)
    _step(context)["place"] = "" if _is_word(text, "meeting_create.word_skip") else text
    return await _ask_invitees(update, context)


async def got_invitees(update: Update, context: BotContext) -> str | int:
    step = _step(context)
    step["invitees"] = _text(update)
    if step.get("complete"):
        return await _finish(update, context, step.get("notes", ""))
    draft = await _prepare(update, context)
    if not isinstance(draft, MeetingDraft):
        return draft
    step.setdefault("materials", [])
    step["stage"] = FILES_STAGE
    step["until"] = _until(context)
    await reply(update, context, context.t(
        "meeting_create.ask_files", count=len(draft.invitee_ids),
        names=_names(context, draft.invitee_names)), inline_keyboard([[
            (str(context.t("btn.mtg_create_skip")), "mtg:create:files:done")]]))
    return ASK_FILES


async def files_done(update: Update, context: BotContext) -> str:
    await _answered(update)
    return await _ask_notes(update, context)


async def files_typed(update: Update, context: BotContext) -> str | None:
    if _is_word(_text(update), "meeting_create.word_done") \
            or _is_word(_text(update), "meeting_create.word_skip"):
        return await _ask_notes(update, context)
    await reply(update, context, context.t("meeting_create.files_hint"), inline_keyboard([[
        (str(context.t("btn.mtg_create_done")), "mtg:create:files:done")]]))
    return None


async def _finish(update: Update, context: BotContext, notes: str) -> str | int:
    step = _step(context)
    step["notes"] = notes
    step["complete"] = True
    draft = await _prepare(update, context)
    if not isinstance(draft, MeetingDraft):
        return draft
    assert context.user_data is not None
    context.user_data.pop(STEP, None)
    await _confirm_card(update, context, draft, list(step.get("materials", [])))
    return ConversationHandler.END


async def notes_skipped(update: Update, context: BotContext) -> str | int:
    await _answered(update)
    return await _finish(update, context, "")


async def got_notes(update: Update, context: BotContext) -> str | int:
    text = _text(update)
    return await _finish(update, context, "" if _is_word(text, "meeting_create.word_skip")
                         else text)


def _forget(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(STEP, None)


async def create_cancel(update: Update, context: BotContext) -> int:
    _forget(context)
    return await cancel_conversation(update, context)


async def _timed_out_with(update: Update, context: BotContext, key: str, item: str) -> None:
    """Runs as a job with the last update: no access gate ran, so look the person up."""
    user = update.effective_user
    if user is None:
        return
    if context.user_data is not None:
        context.user_data.pop(item, None)
    # PTB would not persist user_data changed by a job until the person writes again.
    context.application.mark_data_for_update_persistence(user_ids=user.id)
    context.actor = await context.services.people.resolve_actor(user.id, "", None)
    if context.actor is not None:
        await reply(update, context, context.t(key))


async def create_timed_out(update: Update, context: BotContext) -> None:
    await _timed_out_with(update, context, "meeting_create.timeout", STEP)


# --- materials: /material <id>, a document captioned #<id>, or during the conversation --------

def _upload(message: Message) -> Upload:
    document = message.document
    assert document is not None
    return Upload(file_id=document.file_id, file_name=document.file_name or "",
                  mime_type=document.mime_type or "", file_size=document.file_size or 0)


def _collecting(data: dict[str, Any], now: datetime) -> str | None:
    """What a document without a #<id> caption is for: STEP (the conversation's materials
    step), MATERIAL_FOR (/material), or None. The "until" guards against a flag left behind
    by a conversation that ended some other way."""
    def live(entry: dict[str, Any]) -> bool:
        return bool(entry.get("until")) and datetime.fromisoformat(entry["until"]) > now

    step = data.get(STEP) or {}
    if step.get("stage") == FILES_STAGE and live(step):
        return STEP
    if live(data.get(MATERIAL_FOR) or {}):
        return MATERIAL_FOR
    return None


class _MaterialDocument(filters.MessageFilter):
    """A document that is a meeting's material: captioned #<id>, or sent while /material or
    the conversation's materials step waits for files. Read from user_data, which PTB keeps
    in memory (and loads from the database at start)."""

    def __init__(self, app: Application) -> None:  # type: ignore[type-arg]
        super().__init__(name="meeting_material_document")
        self.app = app

    def filter(self, message: Message) -> bool:
        if message.document is None:
            return False
        if CAPTION_ID.match(message.caption or ""):
            return True
        user = message.from_user
        data = self.app.user_data.get(user.id) if user is not None else None
        if not data:
            return False
        return _collecting(data, self.app.bot_data["services"].clock.now()) is not None


@domain_errors
async def material_document(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    upload = _upload(message)
    materials = context.services.meeting_materials
    caption = CAPTION_ID.match(message.caption or "")
    collecting = _collecting(context.user_data, context.services.clock.now())
    if caption is None and collecting == STEP:
        step: dict[str, Any] = context.user_data[STEP]
        materials.check_upload(context.me, upload)
        kept: list[dict[str, Any]] = step.setdefault("materials", [])
        kept.append(upload.to_json())
        step["until"] = _until(context)
        await reply(update, context, context.t(
            "meeting_create.file_kept", name=upload.file_name or "—", count=len(kept)),
            inline_keyboard([[(str(context.t("btn.mtg_create_done")),
                               "mtg:create:files:done")]]))
        return
    if caption is not None:
        meeting_id = int(caption.group(1))
    elif collecting == MATERIAL_FOR:
        target = context.user_data[MATERIAL_FOR]
        meeting_id = int(target["id"])
        target["until"] = _until(context)
    else:  # the wait lapsed between the filter and here
        await reply(update, context, context.t("meeting_material.timeout"))
        return
    added = await materials.add(context.me, meeting_id, upload)
    key = "meeting_material.added_told" if added.told else "meeting_material.added"
    await reply(update, context, context.t(
        key, name=added.material.file_name, id=added.meeting.id, title=added.meeting.title,
        count=len(added.meeting.materials), told=added.told))


@entry_point
async def material_start(update: Update, context: BotContext) -> str | None:
    assert context.user_data is not None
    found = MEETING_ID.match(command_args(update))
    if found is None:
        raise InvalidInput("meeting_material.usage")
    view = await context.services.meeting_materials.may_attach(context.me, int(found.group(1)))
    context.user_data[MATERIAL_FOR] = {"id": view.id, "until": _until(context)}
    await reply(update, context, context.t(
        "meeting_material.ask", id=view.id, title=view.title,
        count=len(view.materials)), inline_keyboard([[
            (str(context.t("btn.mtg_create_done")), "mtg:material:done")]]))
    return WAIT_FILES


async def _material_finished(update: Update, context: BotContext) -> int:
    assert context.user_data is not None
    target = context.user_data.pop(MATERIAL_FOR, None) or {}
    count = 0
    if "id" in target:
        try:
            _, found = await context.services.meeting_materials.materials(
                context.me, int(target["id"]))
            count = len(found)
        except DomainError:
            pass  # the meeting changed hands meanwhile; nothing left to say about it
    await reply(update, context, context.t("meeting_material.finished", count=count))
    return ConversationHandler.END


async def material_done(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    return await _material_finished(update, context)


async def material_typed(update: Update, context: BotContext) -> int | None:
    if _is_word(_text(update), "meeting_create.word_done"):
        return await _material_finished(update, context)
    await reply(update, context, context.t("meeting_material.hint"), inline_keyboard([[
        (str(context.t("btn.mtg_create_done")), "mtg:material:done")]]))
    return None


async def material_cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(MATERIAL_FOR, None)
    return await cancel_conversation(update, context)


def _forget_material(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(MATERIAL_FOR, None)


async def material_timed_out(update: Update, context: BotContext) -> None:
    await _timed_out_with(update, context, "meeting_material.timeout", MATERIAL_FOR)


# --- the notice's buttons: materials and the calendar file -------------------------------------

@domain_errors
async def send_materials(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    meeting_id = int(query.data.rsplit(":", 1)[-1])
    view, found = await context.services.meeting_materials.materials(context.me, meeting_id)
    if not found:
        await query.answer(str(context.t("meeting_material.none")))
        return
    await query.answer()
    for number, material in enumerate(found, 1):
        try:
            await context.bot.send_document(
                update.effective_chat.id, document=material.file_id,
                caption=context.t("meeting_material.caption", title=view.title, n=number,
                                  total=len(found)),
                parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            # A file Telegram no longer has: say which, and hand out the rest.
            log.info("meeting %d: material %d not sent: %s", view.id, material.id, exc)
            await reply(update, context, context.t("meeting_material.send_failed",
                                                   name=material.file_name))


@domain_errors
async def send_calendar(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_chat is not None
    meeting_id = int(query.data.rsplit(":", 1)[-1])
    ics = await context.services.meeting_materials.calendar_file(context.me, meeting_id)
    await query.answer()
    await context.bot.send_document(
        update.effective_chat.id, document=InputFile(ics.content, filename=ics.file_name),
        caption=context.t("meeting_ics.caption", title=ics.title), parse_mode=ParseMode.HTML)


# --- /meetings ---------------------------------------------------------------------------------

@domain_errors
async def meetings_list(update: Update, context: BotContext) -> None:
    views = await context.services.meetings.upcoming(context.me)
    if not views:
        await reply(update, context, context.t("meeting_list.empty"))
        return
    lines = [str(context.t("meeting_list.head", count=len(views)))]
    lines += [_list_line(context, v) for v in views]
    await reply(update, context, "\n".join(lines))


# --- wiring ------------------------------------------------------------------------------------

def create_conversation() -> ConversationHandler[BotContext]:
    text = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL
    return ConversationHandler(
        entry_points=[command("meeting", meeting)],
        states={
            ASK_TITLE: [MessageHandler(text, got_title)],
            ASK_TIME: [MessageHandler(text, got_time)],
            CONFIRM_TIME: [
                CallbackQueryHandler(time_answer, pattern=r"^mtg:create:time:(yes|no)$"),
                MessageHandler(text, got_time),  # a new time typed instead of pressing
            ],
            ASK_DURATION: [
                CallbackQueryHandler(duration_pressed, pattern=r"^mtg:create:dur:\d+$"),
                MessageHandler(text, got_duration),
            ],
            ASK_PLACE: [MessageHandler(text, got_place)],
            ASK_INVITEES: [MessageHandler(text, got_invitees)],
            ASK_FILES: [
                CallbackQueryHandler(files_done, pattern=r"^mtg:create:files:done$"),
                MessageHandler(text, files_typed),
            ],
            ASK_NOTES: [
                CallbackQueryHandler(notes_skipped, pattern=r"^mtg:create:notes:skip$"),
                MessageHandler(text, got_notes),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, create_timed_out)],
        },
        fallbacks=conversation_fallbacks(create_cancel, _forget),
        **conversation_options("meeting-create"),
    )


def material_conversation() -> ConversationHandler[BotContext]:
    text = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL
    return ConversationHandler(
        entry_points=[command("material", material_start)],
        states={
            WAIT_FILES: [
                CallbackQueryHandler(material_done, pattern=r"^mtg:material:done$"),
                MessageHandler(text, material_typed),
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, material_timed_out)],
        },
        fallbacks=conversation_fallbacks(material_cancel, _forget_material),
        **conversation_options("meeting-material"),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(create_conversation())
    app.add_handler(material_conversation())
    app.add_handler(command("meetings", meetings_list))
    app.add_handler(MessageHandler(FRESH & filters.Text(menu_keys("menu.meetings")),
                                   meetings_list))
    app.add_handler(CallbackQueryHandler(decision, pattern=r"^mtg:create:(ok|no):[0-9a-f]{8}$"))
    app.add_handler(CallbackQueryHandler(send_materials, pattern=r"^mtg:files:\d+$"))
    app.add_handler(CallbackQueryHandler(send_calendar, pattern=r"^mtg:ics:\d+$"))
    # The document router (handlers/documents.py, registered earlier by the duty feature)
    # takes every document as a sheet; a meeting's material must be seen before it. Its filter
    # claims only documents that are materials beyond doubt, so going first steals nothing.
    materials = MessageHandler(FRESH & _MaterialDocument(app), material_document)
    app.add_handler(materials)
    app.handlers[0].remove(materials)
    app.handlers[0].insert(0, materials)
