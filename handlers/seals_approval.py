"""The approvers' side of seal requests (用印审批), on the cards SealService sends.

  seal:approve:<id>  decided at once; every delivered card (and reminder) of the step is
                     edited to show who decided and when, without buttons
  seal:reject:<id>   checked first (a stale or foreign card is refused at once), then the
                     reason is asked as a one-question conversation ("seal-reject"); /cancel
                     or another command leaves the request as it was
  seal:file:<id>     the attached document, to whoever may read the request (approvers,
                     keepers, the applicant, the office)

Every press is decided by SealService, which checks the presser against the current step: a
repeated, forged or stale press gets a popup and changes nothing, and a stale card is
redrawn as decided.

`/seals pending` (待我审批: every request waiting on the asker, each with its 批准 / 驳回) and
`/seals reassign <id> [原审批人] <新审批人>` (admins) arrive through /seals
(handlers/seals_registry.py) as pending(update, context) and reassign(update, context, args).
"""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import lines, ref
from bot.services.errors import Conflict, DomainError, InvalidInput
from bot.services.notifier import render_buttons
from bot.services.seals import DecisionOutcome
from handlers import account
from handlers.common import (
    FRESH,
    OPEN_QUESTION,
    Asking,
    ask,
    callback_id,
    conversation_fallbacks,
    conversation_options,
    domain_errors,
    entry_point,
    forget_questions,
    open_question,
    pressed_card,
    pressed_message,
    question_timed_out,
    reply,
)
from handlers.context import BotContext
from handlers.menu import MENU_LABEL
from handlers.seal_cards import close_cards, take_buttons_off
from handlers.sender import inline_keyboard

log = logging.getLogger(__name__)

CONVERSATION = "seal-reject"
MAX_PENDING = 10
WAIT_REASON = "seal-reason"
# The open question (handlers.common.OPEN_QUESTION): "sealreject:<request id>:<card>", card
# being the message id of the pressed card (0 if none).
KIND = "sealreject"


async def _refresh(context: BotContext, request_id: int, pressed: Message | None) -> None:
    """A press on a stale card: redraw it (and the step's other cards) as decided."""
    try:
        outcome = await context.services.seals.card_state(context.me, request_id)
    except DomainError:
        return
    if outcome is not None:
        await close_cards(context, outcome.cards, outcome.line, pressed)


def _done_text(context: BotContext, outcome: DecisionOutcome) -> str:
    view = outcome.request
    return str(context.t(f"seal_approval.done.{outcome.result}", id=view.id, title=view.title,
                         next=lines(list(view.waiting_on), ref("list.sep"))))


# --- approve ------------------------------------------------------------------------------------

@domain_errors
async def approve(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    request_id = callback_id(update)
    pressed = pressed_card(update)
    try:
        outcome = await context.services.seals.decide(context.me, request_id, True)
    except Conflict:
        await _refresh(context, request_id, pressed)
        raise  # answered as a popup by domain_errors; nothing changed
    # A reason asked for this request (驳回 pressed, then 批准) must not take the next message.
    asking = open_question(context, KIND)
    if asking is not None and asking[0] == request_id:
        forget_questions(context)
    await query.answer(_done_text(context, outcome))
    await close_cards(context, outcome.cards, outcome.line, pressed)


# --- reject: ask for the reason -----------------------------------------------------------------

@entry_point
async def reject_start(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    request_id = callback_id(update)
    pressed = pressed_message(update)
    try:
        view = await context.services.seals.check_decider(context.me, request_id)
    except Conflict:
        await _refresh(context, request_id, pressed_card(update))
        raise
    ask(context, OPEN_QUESTION, f"{KIND}:{request_id}:{pressed.message_id if pressed else 0}")
    await query.answer()
    await reply(update, context, context.t("seal_approval.ask_reason", **view.params))
    return WAIT_REASON


async def got_reason(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    asking = open_question(context, KIND)
    if asking is None:
        return ConversationHandler.END
    request_id, card = asking
    try:
        outcome = await context.services.seals.decide(context.me, request_id, False,
                                                      message.text or "")
    except InvalidInput as exc:  # no reason, or too long: ask again
        await reply(update, context, context.t(exc.key, **exc.params))
        await reply(update, context, context.t("seal_approval.ask_again"))
        return WAIT_REASON
    except DomainError as exc:  # decided or withdrawn while the reason was typed
        forget_questions(context)
        await reply(update, context, context.t(exc.key, **exc.params))
        if isinstance(exc, Conflict):
            await _refresh(context, request_id, None)
        return ConversationHandler.END
    forget_questions(context)
    await reply(update, context, _done_text(context, outcome))
    await close_cards(context, outcome.cards, outcome.line)
    chat = update.effective_chat
    await take_buttons_off(context, chat.id if chat else None, card, outcome.cards,
                           request_id)
    return ConversationHandler.END


# --- the attached document ----------------------------------------------------------------------

@domain_errors
async def send_file(update: Update, context: BotContext) -> None:
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and chat is not None
    request_id = callback_id(update)
    seals = context.services.seals
    file_id, file_name = await seals.file_of(context.me, request_id)
    view = await seals.get(context.me, request_id)
    await query.answer()
    await context.bot.send_document(
        chat.id, document=file_id, filename=file_name,
        caption=str(context.t("seal_approval.file_caption", id=view.id, title=view.title)),
        parse_mode=ParseMode.HTML)


# --- /seals pending and /seals reassign ---------------------------------------------------------

async def pending(update: Update, context: BotContext) -> None:
    """Each request waiting on the asker as its card, with the same 批准 / 驳回 buttons:
    approvers who are not leaders get no digest, and a card may be long scrolled away."""
    seals = context.services.seals
    views = await seals.pending(context.me)
    if not views:
        await reply(update, context, context.t("seal_approval.pending_none"))
        return
    await reply(update, context, context.t("seal_approval.pending_head", count=len(views)))
    for view in views[:MAX_PENDING]:
        step = view.approval.current
        assert step is not None  # pending_for lists only steps waiting now
        await reply(update, context, context.t("seal.card", **seals.card_params(view, step)),
                    inline_keyboard(render_buttons(seals.decision_buttons(view),
                                                   context.lang)))


async def reassign(update: Update, context: BotContext, args: str) -> None:
    """`/seals reassign 12 杨静` (the one who left, or the only one waiting, is replaced) or
    `/seals reassign 12 李明华 杨静`. Refusals reach seals_command's domain_errors."""
    parts = args.split()
    number = parts[0].lstrip("#＃") if parts else ""
    if len(parts) not in (2, 3) or not number.isdigit():
        await reply(update, context, context.t("seal_approval.reassign_usage"))
        return
    old = parts[1] if len(parts) == 3 else None
    done = await context.services.seals.reassign(context.me, int(number), parts[-1], old)
    view = done.outcome.request
    await reply(update, context, context.t("seal_approval.reassigned", id=view.id,
                                           title=view.title, old=done.old, new=done.new))
    await close_cards(context, done.outcome.cards, done.outcome.line)


# --- wiring -------------------------------------------------------------------------------------

def conversation(app: Application) -> ConversationHandler[BotContext]:  # type: ignore[type-arg]
    entry = CallbackQueryHandler(reject_start, pattern=r"^seal:reject:\d+$")
    text = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL & Asking(app, KIND)
    return ConversationHandler(
        entry_points=[entry],
        states={
            WAIT_REASON: [MessageHandler(text, got_reason), entry],
            ConversationHandler.TIMEOUT: [
                TypeHandler(Update, question_timed_out(KIND, "seal_approval.timeout"))],
        },
        fallbacks=conversation_fallbacks(account.cancel_conversation),
        **conversation_options(CONVERSATION),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation(app))
    app.add_handler(CallbackQueryHandler(approve, pattern=r"^seal:approve:\d+$"))
    app.add_handler(CallbackQueryHandler(send_file, pattern=r"^seal:file:\d+$"))
