"""Shift swaps: /swap (or 换班) -> pick a shift -> type the colleague's name (and a reason)
-> the colleague agrees or declines -> a clerk or the duty leader approves or rejects.

Buttons: swap:pick:<shift_id> (in the conversation), swap:accept|decline|approve|reject|
withdraw:<swap_id>. Every press is decided by SwapService, which checks the presser; after a
decision every card of the swap is edited to show who decided and when.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Message, Update
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
from bot.services.duty_swaps import ASKED, Card, SwapOutcome, SwapView
from bot.services.errors import Conflict, DomainError
from bot.text import Markup
from handlers import account
from handlers.common import (
    FRESH,
    command,
    conversation_fallbacks,
    conversation_options,
    domain_errors,
    entry_point,
    reply,
    timeout_actor,
)
from handlers.context import BotContext
from handlers.menu import MENU_LABEL
from handlers.sender import edit_text, inline_keyboard

log = logging.getLogger(__name__)

ASK_NAME = "swap-name"
SHIFT_KEY = "swap_shift"
MAX_LISTED = 10
# "杨静 家中有事", "杨静，家中有事": the name first, anything after it is the reason.
NAME_AND_REASON = re.compile(r"^\s*(\S+?)(?:[\s,，:：;；]+(.*))?\s*$", re.DOTALL)


# --- /swap: the person's coming shifts and their open requests ------------------------------

@domain_errors
async def swap_start(update: Update, context: BotContext) -> None:
    swaps = context.services.swaps
    open_requests = await swaps.open_requests(context.me)
    if open_requests:
        lines = [str(context.t("swap.open_head"))]
        buttons = []
        for request in open_requests:
            state = context.t(f"swap.status.{request.status}")
            lines.append(str(context.t("swap.open_line", state=state, **request.params)))
            buttons.append([(str(context.t("btn.swap_withdraw_one", **request.params)),
                             f"swap:withdraw:{request.id}")])
        await reply(update, context, "\n".join(lines), inline_keyboard(buttons))
    coming = await swaps.coming(context.me)
    if not coming:
        await reply(update, context, context.t("swap.none"))
        return
    rows = []
    for item in coming[:MAX_LISTED]:
        label = "swap.pick_label_pending" if item.pending else "swap.pick_label"
        rows.append([(str(context.t(label, **item.params)), f"swap:pick:{item.shift.id}")])
    await reply(update, context, context.t("swap.list_head"), inline_keyboard(rows))


# --- the conversation: pick a shift, name the colleague -------------------------------------

@entry_point
async def pick(update: Update, context: BotContext) -> str:
    """A refused pick answers with a popup and starts nothing."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.user_data is not None
    chosen = await context.services.swaps.check_pick(
        context.me, int(query.data.rsplit(":", 1)[-1]))
    context.user_data[SHIFT_KEY] = chosen.shift.id
    await query.answer()
    assert isinstance(query.message, Message)
    await edit_text(query.message, context.t("swap.ask_name", **chosen.params))
    return ASK_NAME


async def named(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    shift_id = context.user_data.get(SHIFT_KEY)
    if not isinstance(shift_id, int):
        return await cancel(update, context)
    match = NAME_AND_REASON.match(message.text or "")
    name, reason = (match.group(1), match.group(2) or "") if match else ("", "")
    swaps = context.services.swaps
    try:
        request = await swaps.ask(context.me, shift_id, name, reason)
    except DomainError as exc:
        await reply(update, context, context.t(exc.key, **exc.params))
        try:
            # Still a shift they may swap: the problem was the name, let them type another.
            await swaps.check_pick(context.me, shift_id)
        except DomainError:
            context.user_data.pop(SHIFT_KEY, None)
            return ConversationHandler.END
        await reply(update, context, context.t("swap.retry"))
        return ASK_NAME
    context.user_data.pop(SHIFT_KEY, None)
    buttons = [[(str(context.t("btn.swap_withdraw")), f"swap:withdraw:{request.id}")]]
    await reply(update, context, context.t("swap.sent", **request.params),
                inline_keyboard(buttons))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(SHIFT_KEY, None)
    return await account.cancel_conversation(update, context)


async def timed_out(update: Update, context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(SHIFT_KEY, None)
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("swap.timeout"))


# --- the decisions ----------------------------------------------------------------------------

def _line(lang: str, swap: SwapView, tz: Any) -> Markup:
    when = swap.decided_at or swap.answered_at
    return t(lang, f"swap.line.{swap.status}", requester=swap.requester,
             colleague=swap.colleague, by=swap.decided_by or "—", at=short_time(when, tz))


def _card_text(card: Card, swap: SwapView, tz: Any) -> str:
    return f"{t(card.language, card.template, **card.params)}\n\n{_line(card.language, swap, tz)}"


async def _close_cards(context: BotContext, outcome: SwapOutcome,
                       pressed: Message | None) -> None:
    """Edit the swap's cards that nobody needs to press any more to show its state, without
    buttons; and the pressed message, if the bot sent it directly."""
    tz = context.services.config.tz
    swap = outcome.swap
    seen = False
    for card in outcome.cards:
        is_pressed = pressed is not None and (card.chat_id, card.message_id) == (
            pressed.chat_id, pressed.message_id)
        seen = seen or is_pressed
        try:
            await context.bot.edit_message_text(
                _card_text(card, swap, tz), chat_id=card.chat_id, message_id=card.message_id,
                parse_mode=ParseMode.HTML, reply_markup=None)
        except TelegramError as exc:
            # Deleted by its reader, or unchanged: the decision stands either way.
            log.info("swap %d: card %s/%s not edited: %s", swap.id, card.chat_id,
                     card.message_id, exc)
    if pressed is not None and not seen and swap.status != ASKED:
        # A card the bot sent directly (the requester's confirmation), not from the outbox.
        text = f"{context.t('swap.summary', **swap.params)}\n\n{_line(context.lang, swap, tz)}"
        await edit_text(pressed, text)


@domain_errors
async def decide(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, raw_id = query.data.split(":")
    swap_id = int(raw_id)
    swaps = context.services.swaps
    act = {"accept": swaps.accept, "decline": swaps.decline, "approve": swaps.approve,
           "reject": swaps.reject, "withdraw": swaps.withdraw}[action]
    pressed = query.message if isinstance(query.message, Message) else None
    try:
        outcome = await act(context.me, swap_id)
    except Conflict as exc:
        if exc.key == "swap.already":
            await _refresh(context, swap_id, pressed)
        raise  # answered as a popup by domain_errors; nothing changed
    await query.answer(str(context.t(f"swap.done.{outcome.swap.status}")))
    await _close_cards(context, outcome, pressed)


async def _refresh(context: BotContext, swap_id: int, pressed: Message | None) -> None:
    """A stale card (a restart, or a card still in flight at the decision) is shown as
    decided now. status() checks the presser may see the swap at all."""
    try:
        outcome = await context.services.swaps.status(context.me, swap_id)
    except DomainError:
        return
    await _close_cards(context, outcome, pressed)


def _swap_words() -> re.Pattern[str]:
    return re.compile(r"^\s*(" + "|".join(re.escape(w) for w in sorted(words("word.swap")))
                      + r")\s*$", re.IGNORECASE)


def conversation() -> ConversationHandler[BotContext]:
    pick_button = CallbackQueryHandler(pick, pattern=r"^swap:pick:\d+$")
    return ConversationHandler(
        entry_points=[pick_button],
        states={
            ASK_NAME: [
                MessageHandler(FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL, named),
                pick_button,  # picking another shift from the list starts over
            ],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=conversation_fallbacks(cancel),
        **conversation_options("duty-swap"),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation())
    app.add_handler(command("swap", swap_start))
    app.add_handler(MessageHandler(FRESH & filters.Regex(_swap_words()), swap_start))
    app.add_handler(CallbackQueryHandler(
        decide, pattern=r"^swap:(accept|decline|approve|reject|withdraw):\d+$"))
