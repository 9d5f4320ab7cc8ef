"""Changing a meeting and its venue preparation, in one-line commands and buttons.

/meeting_move <id> <new time> and /meeting_cancel <id> [reason] answer with a confirmation
card (mchg:ok|no:<token>; the change itself waits in user_data under the token, so a
button cannot carry a forged one); /meeting_place, /meeting_invite, /meeting_uninvite apply
at once. /venue <id> shows the checklist with a button per item (venue:tick|untick:<item>),
edited in place after each press; /venue <id> assign <item> <name>, /venue <id> add <item>.
venue:show:<meeting> (on the alert and the assignee's message) opens the checklist.
MeetingChangeService decides every step and checks the presser.
"""

from __future__ import annotations

import html
import secrets
from datetime import datetime
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.clock import short_time
from bot.i18n import ref
from bot.services.errors import DomainError, InvalidInput
from bot.services.meeting_changes import ChangeResult, ItemView, VenueView, joined
from bot.services.meetings import SCHEDULED, Clash
from handlers.common import command, command_args, domain_errors, reply
from handlers.context import BotContext
from handlers.sender import edit_text, inline_keyboard

PENDING = "meeting_changes"  # user_data: changes waiting for the organiser's confirmation
MAX_PENDING = 20
ASSIGN_WORDS = {"assign", "分派", "指派", "分配"}
ADD_WORDS = {"add", "添加", "增加", "新增"}
BUTTONS_PER_ROW = 2


def _id_and_rest(update: Update, usage: str) -> tuple[int, str]:
    """'/meeting_move 12 周五下午3点' -> (12, '周五下午3点'); '#12' is fine too."""
    head, _, rest = command_args(update).partition(" ")
    head = head.lstrip("#＃")
    if not head.isdigit():
        raise InvalidInput(usage)
    return int(head), rest.strip()


def _clash_lines(context: BotContext, clashes: tuple[Clash, ...]) -> list[str]:
    if not clashes:
        return []
    found = [str(context.t("mchg.clash_head"))]
    for clash in clashes:
        start = short_time(clash.starts_at, context.services.config.tz)
        if clash.what == "duty":
            found.append(str(context.t("mchg.clash_duty", name=clash.name,
                                       kind=ref(f"duty.kind.{clash.label}"), start=start)))
        else:
            found.append(str(context.t("mchg.clash_meeting", name=clash.name,
                                       label=clash.label, start=start)))
    return found


def _keep(context: BotContext, change: dict[str, Any]) -> str:
    assert context.user_data is not None
    token = secrets.token_hex(4)
    pending: dict[str, Any] = context.user_data.setdefault(PENDING, {})
    if len(pending) > MAX_PENDING:
        pending.clear()
    pending[token] = change
    return token


def _confirm_buttons(context: BotContext, ok_key: str, token: str) -> Any:
    return inline_keyboard([[(str(context.t(ok_key)), f"mchg:ok:{token}"),
                             (str(context.t("btn.mchg_no")), f"mchg:no:{token}")]])


# --- move and cancel: a card to confirm -----------------------------------------------------

@domain_errors
async def meeting_move(update: Update, context: BotContext) -> None:
    meeting_id, text = _id_and_rest(update, "mchg.move_usage")
    if not text:
        raise InvalidInput("mchg.move_usage")
    draft = await context.services.meeting_changes.prepare_move(context.me, meeting_id, text)
    token = _keep(context, {"kind": "move", "id": draft.meeting_id,
                            "starts_at": draft.starts_at.isoformat(),
                            "ends_at": draft.ends_at.isoformat(), "revision": draft.revision})
    card = [str(context.t("mchg.move_card", **draft.params))]
    card += _clash_lines(context, draft.clashes)
    await reply(update, context, "\n".join(card),
                _confirm_buttons(context, "btn.mchg_move_ok", token))


@domain_errors
async def meeting_cancel(update: Update, context: BotContext) -> None:
    meeting_id, reason = _id_and_rest(update, "mchg.cancel_usage")
    draft = await context.services.meeting_changes.prepare_cancel(context.me, meeting_id,
                                                                  reason)
    token = _keep(context, {"kind": "cancel", "id": draft.meeting_id, "reason": draft.reason})
    await reply(update, context, context.t("mchg.cancel_card", **draft.params),
                _confirm_buttons(context, "btn.mchg_cancel_ok", token))


def _moved_text(context: BotContext, result: ChangeResult) -> str:
    text = [str(context.t("mchg.moved", **result.params))]
    if result.skipped:
        text.append(str(context.t("mchg.moved_dropped", names=joined(list(result.skipped)))))
    text += _clash_lines(context, result.clashes)
    return "\n".join(text)


@domain_errors
async def confirm(update: Update, context: BotContext) -> None:
    """The organiser's answer to a move or cancel card. The token is used once: a second
    press, or a press by anyone else (whose user_data has no such token), finds nothing."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    _, decision, token = query.data.split(":")
    change = context.user_data.get(PENDING, {}).pop(token, None)
    if change is None:
        await query.answer(str(context.t("mchg.draft_gone")), show_alert=True)
        return
    message = query.message if isinstance(query.message, Message) else None
    if decision == "no":
        await query.answer()
        if message is not None:
            await edit_text(message, context.t("mchg.dropped"))
        return
    changes = context.services.meeting_changes
    try:
        if change["kind"] == "move":
            result = await changes.move(
                context.me, int(change["id"]), datetime.fromisoformat(change["starts_at"]),
                datetime.fromisoformat(change["ends_at"]), int(change["revision"]))
            text = _moved_text(context, result)
        else:
            result = await changes.cancel(context.me, int(change["id"]), str(change["reason"]))
            text = str(context.t("mchg.cancel_done", **result.params))
    except DomainError as exc:
        # The token is spent: the card says why and loses its buttons; the popup too.
        if message is not None:
            await edit_text(message, context.t(exc.key, **exc.params))
        raise
    await query.answer()
    if message is not None:
        await edit_text(message, text)
    else:
        await reply(update, context, text)


# --- place and invitees: at once -----------------------------------------------------------

@domain_errors
async def meeting_place(update: Update, context: BotContext) -> None:
    meeting_id, place = _id_and_rest(update, "mchg.place_usage")
    result = await context.services.meeting_changes.change_place(context.me, meeting_id, place)
    await reply(update, context, context.t("mchg.place_done", **result.params))


@domain_errors
async def meeting_invite(update: Update, context: BotContext) -> None:
    meeting_id, who = _id_and_rest(update, "mchg.invite_usage")
    result = await context.services.meeting_changes.invite(context.me, meeting_id, who)
    text = [str(context.t("mchg.invited", names=joined(list(result.names)),
                          **result.params))]
    if result.skipped:
        text.append(str(context.t("mchg.invite_skipped", names=joined(list(result.skipped)))))
    text += _clash_lines(context, result.clashes)
    await reply(update, context, "\n".join(text))


@domain_errors
async def meeting_uninvite(update: Update, context: BotContext) -> None:
    meeting_id, who = _id_and_rest(update, "mchg.uninvite_usage")
    result = await context.services.meeting_changes.uninvite(context.me, meeting_id, who)
    text = [str(context.t("mchg.uninvited_done", names=joined(list(result.names)),
                          **result.params))]
    if result.skipped:
        text.append(str(context.t("mchg.uninvited_along",
                                  names=joined(list(result.skipped)))))
    await reply(update, context, "\n".join(text))


# --- venue preparation ------------------------------------------------------------------------

def _item_line(context: BotContext, n: int, item: ItemView) -> str:
    if item.done_at is not None:
        return str(context.t("venue.item_done", n=n, title=item.title, who=item.done_by or "—",
                             at=short_time(item.done_at, context.services.config.tz)))
    assignee = item.assignee or context.t("venue.unassigned")
    due = short_time(item.due_at, context.services.config.tz)
    return str(context.t("venue.item_open", n=n, title=item.title, assignee=assignee,
                         due=due))


def venue_card(context: BotContext, venue: VenueView) -> tuple[str, Any]:
    """The checklist as text, and a button per item to tick it (or untick a ticked one)."""
    text = [str(context.t("venue.card_head", **venue.params))]
    if venue.status != SCHEDULED:
        text.append(str(context.t("venue.readonly",
                                  status=ref(f"meeting.status.{venue.status}"))))
    text += [_item_line(context, n, item) for n, item in enumerate(venue.items, start=1)]
    if not venue.items:
        text.append(str(context.t("venue.empty", id=venue.meeting_id)))
        return "\n".join(text), None
    done = len(venue.items) - len(venue.open_items)
    text.append(str(context.t("venue.progress", done=done, total=len(venue.items))))
    if venue.status != SCHEDULED:
        return "\n".join(text), None
    buttons = []
    for item in venue.items:
        key, action = ("btn.venue_untick", "untick") if item.done_at else \
            ("btn.venue_tick", "tick")
        # Button labels are plain text, not HTML.
        buttons.append((html.unescape(str(context.t(key, title=item.title))),
                        f"venue:{action}:{item.id}"))
    rows = [buttons[i:i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return "\n".join(text), rows


@domain_errors
async def venue(update: Update, context: BotContext) -> None:
    meeting_id, rest = _id_and_rest(update, "venue.usage")
    changes = context.services.meeting_changes
    sub, _, detail = rest.partition(" ")
    done = ""
    if not rest:
        view = await changes.venue(context.me, meeting_id)
    elif sub.lower() in ASSIGN_WORDS:
        who, _, due = detail.partition("|")
        item_ref, _, name = who.strip().rpartition(" ")
        if not item_ref.strip() or not name.strip():
            raise InvalidInput("venue.usage")
        view, item = await changes.assign(context.me, meeting_id, item_ref, name,
                                          due=due.strip())
        done = str(context.t("venue.assigned_done", title=item.title, name=item.assignee,
                             due=short_time(item.due_at, context.services.config.tz)))
    elif sub.lower() in ADD_WORDS:
        view, item = await changes.add_item(context.me, meeting_id, detail)
        done = str(context.t("venue.added", title=item.title,
                             due=short_time(item.due_at, context.services.config.tz)))
    else:
        raise InvalidInput("venue.usage")
    text, buttons = venue_card(context, view)
    await reply(update, context, f"{done}\n\n{text}" if done else text, inline_keyboard(buttons))


@domain_errors
async def venue_press(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, raw_id = query.data.split(":")
    changes = context.services.meeting_changes
    if action == "show":
        view = await changes.venue(context.me, int(raw_id))
        await query.answer()
        text, buttons = venue_card(context, view)
        await reply(update, context, text, inline_keyboard(buttons))
        return
    result = await changes.tick(context.me, int(raw_id), done=action == "tick")
    if result.changed:
        key = "venue.ticked" if action == "tick" else "venue.unticked"
    else:
        key = "venue.already_done" if action == "tick" else "venue.already_open"
    await query.answer(html.unescape(str(context.t(key, title=result.item.title))))
    # Re-drawn either way: a stale card shows the checklist as it is now.
    if isinstance(query.message, Message):
        text, buttons = venue_card(context, result.venue)
        await edit_text(query.message, text, buttons)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(command("meeting_move", meeting_move))
    app.add_handler(command("meeting_place", meeting_place))
    app.add_handler(command("meeting_invite", meeting_invite))
    app.add_handler(command("meeting_uninvite", meeting_uninvite))
    app.add_handler(command("meeting_cancel", meeting_cancel))
    app.add_handler(command("venue", venue))
    app.add_handler(CallbackQueryHandler(confirm, pattern=r"^mchg:(ok|no):[0-9a-f]+$"))
    app.add_handler(CallbackQueryHandler(venue_press,
                                         pattern=r"^venue:(tick|untick|show):\d+$"))
