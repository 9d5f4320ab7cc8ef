"""/duty (the roster, readable by everyone registered) and /roster (clerks keep it): add with a
confirmation card, a step-by-step conversation, set, cancel; export and report are in
handlers/duty_sheets.py."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import ref, words
from bot.services.duty import (
    KINDS,
    ROSTER_ROLES,
    ShiftDraft,
    ShiftView,
    parse_kind,
    parse_period,
    parse_roster_line,
)
from bot.services.errors import DomainError, InvalidInput
from bot.services.when import user_date
from handlers import duty_sheets
from handlers.account import cancel_conversation
from handlers.common import (
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
from handlers.holidays import day_label, full_day_label
from handlers.menu import MENU_LABEL, menu_keys
from handlers.sender import edit_text, inline_keyboard

DRAFTS = "roster_drafts"  # user_data: drafts waiting for the clerk's confirmation
ASK_DATE, ASK_KIND, ASK_PERSON, ASK_LEADER = range(4)


# --- reading the roster ----------------------------------------------------------------


def shift_line(context: BotContext, shift: ShiftView, *, show_id: bool) -> str:
    tz = context.services.config.tz
    state = ""
    if shift.signed_in_at is not None:
        key = "duty.state_late" if shift.sign_in_late else "duty.state_signed"
        state = str(context.t(key, time=f"{shift.signed_in_at.astimezone(tz):%H:%M}"))
    return str(context.t(
        "duty.view_line", date=day_label(context.lang, shift.day),
        kind=ref(f"duty.kind.{shift.kind}"), start=f"{shift.starts_at.astimezone(tz):%H:%M}",
        end=f"{shift.ends_at.astimezone(tz):%H:%M}", person=shift.person.name,
        phone=shift.person.phone or "—", leader=shift.leader.name if shift.leader else "—",
        state=state,
        ref=context.t("duty.view_ref", id=shift.id) if show_id else ""))


@domain_errors
async def duty(update: Update, context: BotContext) -> None:
    await show_duty(update, context, command_args(update))


async def show_duty(update: Update, context: BotContext, args: str) -> None:
    if args.split()[:1] == ["report"]:
        await duty_sheets.duty_report(update, context, args.partition(" ")[2])
        return
    duty_service = context.services.duty
    scope, start, end = parse_period(args, duty_service.today())
    if scope == "today":
        title = context.t("duty.view_today", date=day_label(context.lang, start))
    elif scope == "week":
        title = context.t("duty.view_week", start=day_label(context.lang, start),
                          end=day_label(context.lang, end))
    else:
        title = context.t("duty.view_month", year=start.year, month=start.month)
    # Today includes last night's shift still running this morning.
    shifts = await (duty_service.shifts_on(start) if scope == "today"
                    else duty_service.shifts_between(start, end))
    keeper = context.me.is_admin or context.me.has(*ROSTER_ROLES)
    lines = [str(context.t("duty.view_head", title=title))]
    lines += [shift_line(context, s, show_id=keeper) for s in shifts]
    if not shifts:
        lines.append(str(context.t("duty.view_empty")))
    await reply(update, context, "\n".join(lines))


# --- keeping the roster ------------------------------------------------------------------


def _draft_to_json(draft: ShiftDraft) -> dict[str, Any]:
    return {"day": draft.day.isoformat(), "kind": draft.kind, "person_id": draft.person_id,
            "person_name": draft.person_name, "leader_id": draft.leader_id,
            "leader_name": draft.leader_name, "note": draft.note}


def _draft_from_json(data: dict[str, Any]) -> ShiftDraft:
    return ShiftDraft(day=date.fromisoformat(data["day"]), kind=data["kind"],
                      person_id=data["person_id"], person_name=data["person_name"],
                      leader_id=data["leader_id"], leader_name=data["leader_name"],
                      note=data["note"])


async def _confirm_card(update: Update, context: BotContext, draft: ShiftDraft) -> None:
    """Keep the draft on our side (user_data, persisted) and show it with two buttons: the
    button carries only a token, so a forged press cannot smuggle in another shift."""
    assert context.user_data is not None
    token = secrets.token_hex(4)
    drafts: dict[str, Any] = context.user_data.setdefault(DRAFTS, {})
    if len(drafts) > 20:
        drafts.clear()
    drafts[token] = _draft_to_json(draft)
    start, end = context.services.duty.window(draft.day, draft.kind)
    tz = context.services.config.tz
    text = context.t("duty.confirm_card", date=full_day_label(context.lang, draft.day),
                     kind=ref(f"duty.kind.{draft.kind}"), start=f"{start.astimezone(tz):%H:%M}",
                     end=f"{end.astimezone(tz):%H:%M}", person=draft.person_name,
                     leader=draft.leader_name or "—", note=draft.note or "—")
    await reply(update, context, text, inline_keyboard([[
        (str(context.t("btn.confirm")), f"roster:ok:{token}"),
        (str(context.t("btn.cancel")), f"roster:no:{token}"),
    ]]))


async def _roster_add(update: Update, context: BotContext, text: str) -> None:
    duty_service = context.services.duty
    duty_service.require_roster_keeper(context.me)
    line = parse_roster_line(text)
    day = user_date(line.when, now=context.services.clock.now(), tz=context.services.config.tz)
    draft = await duty_service.draft(context.me, day, line.kind, line.person, line.leader,
                                     line.note)
    await _confirm_card(update, context, draft)


@entry_point
async def roster(update: Update, context: BotContext) -> int | None:
    """/roster with a subcommand; bare /roster starts the step-by-step conversation."""
    context.services.duty.require_roster_keeper(context.me)
    args = command_args(update)
    sub, _, rest = args.partition(" ")
    if not args:
        await reply(update, context, context.t("duty.ask_date"))
        return ASK_DATE
    if sub == "add":
        await _roster_add(update, context, rest)
    elif sub == "set":
        parts = rest.split()
        if len(parts) != 3 or not parts[0].lstrip("#").isdigit() \
                or parts[1] not in ("值班", "带班", "person", "leader"):
            raise InvalidInput("duty.set_usage")
        role = "leader" if parts[1] in ("带班", "leader") else "person"
        shift = await context.services.duty.reassign(context.me, int(parts[0].lstrip("#")),
                                                     role, parts[2])
        await reply(update, context, _done(context, "duty.changed", shift))
    elif sub == "cancel":
        if not rest.strip().lstrip("#").isdigit():
            raise InvalidInput("duty.cancel_usage")
        shift = await context.services.duty.cancel_shift(context.me, int(rest.strip().lstrip("#")))
        await reply(update, context, _done(context, "duty.cancelled_done", shift))
    elif sub == "export":
        await duty_sheets.roster_export(update, context, rest)
    else:
        await reply(update, context, context.t("duty.roster_usage"))
    return ConversationHandler.END


def _done(context: BotContext, key: str, shift: ShiftView) -> str:
    return str(context.t(key, id=shift.id, date=day_label(context.lang, shift.day),
                         kind=ref(f"duty.kind.{shift.kind}"), person=shift.person.name,
                         leader=shift.leader.name if shift.leader else "—"))


@domain_errors
async def roster_decision(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    assert context.user_data is not None
    _, decision, token = query.data.split(":")
    data = context.user_data.get(DRAFTS, {}).pop(token, None)
    if data is None:
        await query.answer(context.t("duty.draft_gone"), show_alert=True)
        return
    if decision == "no":
        await query.answer()
        await edit_text(query.message, context.t("duty.draft_dropped"))
        return
    shift = await context.services.duty.create_shift(context.me, _draft_from_json(data))
    await query.answer()
    await edit_text(query.message, _done(context, "duty.created", shift))


# --- the step-by-step conversation -------------------------------------------------------

STEP = "roster_step"


@domain_errors
async def ask_kind(update: Update, context: BotContext) -> int:
    assert context.user_data is not None and update.effective_message is not None
    day = user_date(update.effective_message.text or "", now=context.services.clock.now(),
                    tz=context.services.config.tz)
    context.user_data[STEP] = {"day": day.isoformat()}
    await reply(update, context, context.t("duty.ask_kind"), inline_keyboard([[
        (str(context.t(f"duty.kind.{kind}")), f"roster:kind:{kind}") for kind in KINDS]]))
    return ASK_KIND


@domain_errors
async def typed_kind(update: Update, context: BotContext) -> int | None:
    """白班 / 夜班 / 全天 typed instead of pressed."""
    assert context.user_data is not None and update.effective_message is not None
    kind = parse_kind(update.effective_message.text or "")
    step = context.user_data.get(STEP)
    if kind is None or step is None:
        await reply(update, context, context.t("duty.ask_kind"), inline_keyboard([[
            (str(context.t(f"duty.kind.{k}")), f"roster:kind:{k}") for k in KINDS]]))
        return None
    step["kind"] = kind
    await reply(update, context, context.t("duty.ask_person"))
    return ASK_PERSON


async def ask_person(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    kind = query.data.rsplit(":", 1)[-1]
    step = context.user_data.get(STEP)
    await query.answer()
    if step is None or kind not in KINDS:
        await reply(update, context, context.t("duty.draft_gone"))
        return ConversationHandler.END
    step["kind"] = kind
    await reply(update, context, context.t("duty.ask_person"))
    return ASK_PERSON


@domain_errors
async def ask_leader(update: Update, context: BotContext) -> int:
    """A name nobody has is refused here, and the question stays (a None return)."""
    assert context.user_data is not None and update.effective_message is not None
    name = (update.effective_message.text or "").strip()
    await context.services.duty.find_person(name)
    context.user_data.setdefault(STEP, {})["person"] = name
    await reply(update, context, context.t("duty.ask_leader"))
    return ASK_LEADER


async def finish(update: Update, context: BotContext) -> int:
    assert context.user_data is not None and update.effective_message is not None
    step = context.user_data.get(STEP) or {}
    leader = (update.effective_message.text or "").strip()
    if leader.lower() in {w.lower() for w in words("duty.none_word")}:
        leader = ""
    try:
        draft = await context.services.duty.draft(
            context.me, date.fromisoformat(step["day"]), step["kind"], step["person"], leader)
    except DomainError as exc:
        # Say why, and ask again the question whose answer was wrong: the date for a taken
        # or past slot, the person when they cannot also lead, else the leader.
        await reply(update, context, context.t(exc.key, **exc.params))
        if exc.key in ("duty.duplicate", "duty.in_past"):
            await reply(update, context, context.t("duty.ask_date"))
            return ASK_DATE
        if exc.key == "duty.same_person":
            await reply(update, context, context.t("duty.ask_person"))
            return ASK_PERSON
        await reply(update, context, context.t("duty.ask_leader"))
        return ASK_LEADER
    context.user_data.pop(STEP, None)
    await _confirm_card(update, context, draft)
    return ConversationHandler.END


async def _end(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(STEP, None)
    return await cancel_conversation(update, context)


async def _timed_out(update: Update, context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(STEP, None)
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("duty.roster_timeout"))


@domain_errors
async def show_duty_from_menu(update: Update, context: BotContext) -> None:
    await show_duty(update, context, "")


def register(app: Application) -> None:  # type: ignore[type-arg]
    text = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL
    app.add_handler(ConversationHandler(
        entry_points=[command("roster", roster)],
        states={
            ASK_DATE: [MessageHandler(text, ask_kind)],
            ASK_KIND: [CallbackQueryHandler(ask_person, pattern=r"^roster:kind:\w+$"),
                       MessageHandler(text, typed_kind)],
            ASK_PERSON: [MessageHandler(text, ask_leader)],
            ASK_LEADER: [MessageHandler(text, finish)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, _timed_out)],
        },
        fallbacks=conversation_fallbacks(_end),
        **conversation_options("duty-roster"),
    ))
    app.add_handler(command("duty", duty))
    app.add_handler(CallbackQueryHandler(roster_decision, pattern=r"^roster:(ok|no):[0-9a-f]+$"))
    app.add_handler(MessageHandler(FRESH & filters.Text(menu_keys("menu.duty")),
                                   show_duty_from_menu))

