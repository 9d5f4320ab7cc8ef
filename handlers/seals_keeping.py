"""The seal keeper on the phone: the stamping record, the take-out, the queue and the ledger.

Buttons (each decided by SealKeepingService, which checks the presser keeps that seal and
that the request is approved, so a forged or repeated press changes nothing):
  seal:stamp:<id>    on the keeper card and the queue -> the "seal-keeping" conversation:
                     copies actually stamped (sealk:copies:<n> or typed) -> the time
                     (sealk:now or typed) -> a photo of the stamped page or 跳过 (sealk:skip)
  seal:return:<id>   the same three questions when a seal taken out comes back
  seal:handover:<id> a take-out's seal leaves the office, at once
  seal:void:<id>     作废, on the keeper card and in the applicant's /seal list -> the
                     reason is asked as a one-question conversation ("seal-void")
  sealk:retry        the record again, after a save that failed for a reason of the system's
                     (the keeper's answers are kept, nothing has to be typed again)
  seal:ledgerx:<yyyymm>:<seal id or 0>:<department id or 0>   the ledger as Excel
After a record every keeper card of the request is edited to show it (who, when); after a
hand-over the cards keep one button, 登记归还.

`/seals queue`, `/seals ledger <month> [seal] [department]` and `/seals void <id> <reason>`
arrive through /seals (handlers/seals_registry.py) as queue(update, context),
ledger(update, context, args) and void(update, context, args).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import datetime
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
from bot.i18n import ref, words
from bot.services.errors import Conflict, DomainError, InvalidInput
from bot.services.notifier import render_buttons
from bot.services.outbox import SentCard
from bot.services.seal_keeping import (
    HANDOVER,
    RETURN,
    STAMP,
    KeepOutcome,
    Ledger,
    QueueItem,
)
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
    pressed_message,
    question_timed_out,
    reply,
    timeout_actor,
)
from handlers.context import BotContext
from handlers.menu import MENU_LABEL
from handlers.seal_cards import card_text, close_cards, is_card, take_buttons_off
from handlers.sender import inline_keyboard

log = logging.getLogger(__name__)

CONVERSATION = "seal-keeping"
K_COPIES, K_TIME, K_PHOTO = "sealk-copies", "sealk-time", "sealk-photo"
# user_data (JSON-safe): {"flow": "stamp" | "return", "request": id, "approved": copies,
# then "copies", "at" (ISO, or None for now), and "photo" once the record is tried}.
FLOW = "seal_keeping"
VOID_CONVERSATION = "seal-void"
VOID_REASON = "sealv-reason"
# The open question (handlers.common.OPEN_QUESTION): "sealvoid:<request id>:<card>", card
# being the message id of the pressed button's message (0 if none).
VOID_KIND = "sealvoid"


class _NoOtherQuestion(filters.MessageFilter):
    """A one-question flow opened after this conversation (a reason asked by another card)
    takes the next answer: this conversation does not swallow it."""

    def __init__(self, app: Any) -> None:
        super().__init__(name="seal-keeping-no-question")
        self.app = app

    def filter(self, message: Message) -> bool:
        if message.from_user is None:
            return False
        return not (self.app.user_data.get(message.from_user.id) or {}).get(OPEN_QUESTION)


def _data(context: BotContext) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def _flow(context: BotContext) -> dict[str, Any] | None:
    value = _data(context).get(FLOW)
    return value if isinstance(value, dict) and value.get("flow") in (STAMP, RETURN) else None


def _forget(context: BotContext) -> None:
    _data(context).pop(FLOW, None)


def _is_word(text: str | None, key: str) -> bool:
    return (text or "").strip().lower() in {w.lower() for w in words(key)}


def _button(context: BotContext, key: str, data: str, **params: object) -> tuple[str, str]:
    return str(context.t(key, **params)), data


async def _refused(update: Update, context: BotContext, exc: DomainError) -> None:
    await reply(update, context, context.t(exc.key, **exc.params))


# --- editing the keeper cards -----------------------------------------------------------------

async def _show_on_cards(context: BotContext, outcome: KeepOutcome) -> None:
    """Every keeper card of the request shows the record; after a hand-over they keep the
    return button, otherwise they lose their buttons."""
    if not outcome.buttons:
        await close_cards(context, outcome.cards, outcome.line)
        return
    await _edit_with_buttons(context, outcome.cards, outcome.line, outcome.buttons)


async def _edit_with_buttons(context: BotContext, cards: Sequence[SentCard],
                             line: dict[str, object], buttons: list[list[dict[str, Any]]]) -> None:
    for card in cards:
        try:
            await context.bot.edit_message_text(
                card_text(card, line), chat_id=card.chat_id, message_id=card.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=inline_keyboard(render_buttons(buttons, card.language)))
        except TelegramError as exc:
            # Deleted by its reader, or unchanged: the record stands either way.
            log.info("seal keeper card %s/%s not edited: %s", card.chat_id, card.message_id,
                     exc)


async def _refresh(context: BotContext, request_id: int) -> None:
    """A stale card (pressed after another keeper recorded, or after a restart) is redrawn
    with the request's state now. current() checks the presser keeps the seal."""
    try:
        outcome = await context.services.seal_keeping.current(context.me, request_id)
    except DomainError:
        return
    if outcome is not None:
        await _show_on_cards(context, outcome)


# --- the stamping record and the return: a short conversation ---------------------------------

@entry_point
async def record_button(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None and query.data is not None
    _forget(context)  # whatever record was under way is left for this one
    action = query.data.split(":")[1]
    request_id = callback_id(update)
    try:
        view = await context.services.seal_keeping.check(context.me, request_id, action)
    except Conflict:
        await _refresh(context, request_id)
        raise  # answered as a popup by entry_point; nothing changed
    await query.answer()
    forget_questions(context)  # this question is the newest now
    _data(context)[FLOW] = {"flow": action, "request": view.id, "approved": view.copies}
    key = "seal_keeping.ask_return_copies" if action == RETURN else "seal_keeping.ask_copies"
    await reply(update, context, context.t(key, **view.params), inline_keyboard(
        [[_button(context, "btn.sealk_copies", f"sealk:copies:{view.copies}",
                  copies=view.copies)]]))
    return K_COPIES


async def copies_typed(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    return await _copies_chosen(update, context, message.text or "")


async def copies_pressed(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    await query.answer()
    return await _copies_chosen(update, context, str(callback_id(update)))


async def _copies_chosen(update: Update, context: BotContext, text: str) -> object:
    flow = _flow(context)
    if flow is None:
        return ConversationHandler.END
    try:
        copies = context.services.seal_keeping.parse_copies(text, int(flow["approved"]))
    except DomainError as exc:
        await _refused(update, context, exc)
        return K_COPIES
    flow["copies"] = copies
    key = "seal_keeping.ask_return_time" if flow["flow"] == RETURN else "seal_keeping.ask_time"
    await reply(update, context, context.t(key, stamped=copies), inline_keyboard(
        [[_button(context, "btn.sealk_now", "sealk:now")]]))
    return K_TIME


async def time_typed(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    if _is_word(message.text, "word.sealk_now"):
        return await _time_chosen(update, context, None)
    return await _time_chosen(update, context, message.text or "")


async def time_now(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    await query.answer()
    return await _time_chosen(update, context, None)


async def _time_chosen(update: Update, context: BotContext, text: str | None) -> object:
    flow = _flow(context)
    if flow is None or "copies" not in flow:
        return ConversationHandler.END
    service = context.services.seal_keeping
    try:
        when = await service.check_time(context.me, int(flow["request"]), flow["flow"], text)
    except InvalidInput as exc:  # a time that will not do: asked again
        await _refused(update, context, exc)
        return K_TIME
    except DomainError as exc:  # the request changed meanwhile: nothing to record
        _forget(context)
        await _refused(update, context, exc)
        return ConversationHandler.END
    flow["at"] = when.isoformat() if when else None
    shown = short_time(when or context.services.clock.now(), context.services.config.tz)
    await reply(update, context, context.t("seal_keeping.ask_photo", at=shown), inline_keyboard(
        [[_button(context, "btn.sealk_skip", "sealk:skip")]]))
    return K_PHOTO


async def photo_sent(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    if message.photo:
        file_id = message.photo[-1].file_id  # the largest size
    else:
        assert message.document is not None
        file_id = message.document.file_id
    return await _finish(update, context, file_id)


async def photo_skipped(update: Update, context: BotContext) -> object:
    if update.callback_query is not None:
        await update.callback_query.answer()
    return await _finish(update, context, None)


async def photo_text(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    if _is_word(message.text, "word.sealk_skip"):
        return await _finish(update, context, None)
    await reply(update, context, context.t("seal_keeping.photo_hint"), inline_keyboard(
        [[_button(context, "btn.sealk_skip", "sealk:skip")]]))
    return K_PHOTO


async def retry(update: Update, context: BotContext) -> object:
    """🔁 重试 after a failed save: the same record, with the answers kept."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    flow = _flow(context)
    if flow is None or "photo" not in flow:
        return ConversationHandler.END
    return await _finish(update, context, flow["photo"])


async def _finish(update: Update, context: BotContext, photo: str | None) -> object:
    flow = _flow(context)
    if flow is None or "copies" not in flow or "at" not in flow:
        return ConversationHandler.END
    flow["photo"] = photo  # kept for 🔁 重试 until the record is saved
    service = context.services.seal_keeping
    request_id, copies = int(flow["request"]), int(flow["copies"])
    at = datetime.fromisoformat(flow["at"]) if flow.get("at") else None
    try:
        if flow["flow"] == RETURN:
            outcome = await service.record_return(context.me, request_id, copies, at, photo)
        else:
            outcome = await service.stamp(context.me, request_id, copies, at, photo)
    except DomainError as exc:
        _forget(context)
        await _refused(update, context, exc)
        if isinstance(exc, Conflict):
            await _refresh(context, request_id)
        return ConversationHandler.END
    except Exception:
        # Nothing was written (the transaction rolled back), and the keeper's answers are
        # still here: say so and offer the same record again, rather than an apology that
        # leaves the stamped page unrecorded.
        log.exception("seal %d: %s record failed", request_id, flow["flow"])
        await reply(update, context, context.t("seal_keeping.save_failed"), inline_keyboard(
            [[_button(context, "btn.sealk_retry", "sealk:retry")]]))
        return K_PHOTO
    _forget(context)
    view = outcome.request
    key = "seal_keeping.done_returned" if flow["flow"] == RETURN \
        else "seal_keeping.done_stamped"
    done = context.t(key, **view.params, stamped=copies, serial=outcome.serial,
                     at=short_time(outcome.at, context.services.config.tz))
    if photo:
        done = f"{done}\n{context.t('seal_keeping.photo_kept')}"
    await reply(update, context, str(done))
    await _show_on_cards(context, outcome)
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    _forget(context)
    return await account.cancel_conversation(update, context)


async def timed_out(update: Update, context: BotContext) -> None:
    if _data(context).pop(FLOW, None) is None:
        return
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("seal_keeping.timeout"))


# --- the hand-over: one press ----------------------------------------------------------------

@domain_errors
async def handover(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    request_id = callback_id(update)
    try:
        outcome = await context.services.seal_keeping.handover(context.me, request_id)
    except Conflict:
        await _refresh(context, request_id)
        raise  # answered as a popup; nothing changed
    await query.answer(str(context.t("seal_keeping.toast_handed")))
    await _show_on_cards(context, outcome)
    pressed = pressed_message(update)
    if not is_card(pressed, outcome.cards):
        # Pressed on the queue (or a card whose delivery was not recorded): the return
        # button comes with the confirmation.
        await reply(update, context, _handed_text(context, outcome),
                    inline_keyboard(render_buttons(outcome.buttons, context.lang)))


def _handed_text(context: BotContext, outcome: KeepOutcome) -> str:
    view = outcome.request
    back = short_time(view.return_due, context.services.config.tz)
    return str(context.t("seal_keeping.done_handed", **view.params, back=back,
                         serial=outcome.serial))


# --- voiding (作废): the reason first ----------------------------------------------------------

@entry_point
async def void_start(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None
    request_id = callback_id(update)
    pressed = pressed_message(update)
    try:
        view = await context.services.seal_keeping.check_void(context.me, request_id)
    except Conflict:
        await _refresh(context, request_id)
        raise  # answered as a popup by entry_point; nothing changed
    flow = _flow(context)
    if flow is not None and int(flow["request"]) == request_id:
        _forget(context)  # a stamping record of this request was under way: it is moot
    ask(context, OPEN_QUESTION,
        f"{VOID_KIND}:{request_id}:{pressed.message_id if pressed else 0}")
    await query.answer()
    await reply(update, context, context.t("seal_keeping.ask_void_reason", **view.params))
    return VOID_REASON


async def void_reason(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    asking = open_question(context, VOID_KIND)
    if asking is None:
        return ConversationHandler.END
    request_id, card = asking
    try:
        outcome = await context.services.seal_keeping.void(context.me, request_id,
                                                           message.text or "")
    except InvalidInput as exc:  # no reason, or too long: asked again
        await _refused(update, context, exc)
        await reply(update, context, context.t("seal_keeping.ask_void_again"))
        return VOID_REASON
    except DomainError as exc:  # stamped, taken out or voided while the reason was typed
        forget_questions(context)
        await _refused(update, context, exc)
        if isinstance(exc, Conflict):
            await _refresh(context, request_id)
        return ConversationHandler.END
    forget_questions(context)
    await _voided(update, context, outcome, card)
    return ConversationHandler.END


async def _voided(update: Update, context: BotContext, outcome: KeepOutcome,
                  card: int | None) -> None:
    await reply(update, context, context.t("seal_keeping.done_voided", **outcome.request.params))
    await close_cards(context, outcome.cards, outcome.line)
    chat = update.effective_chat
    # Pressed on the applicant's /seal list, say: that button goes too.
    await take_buttons_off(context, chat.id if chat else None, card, outcome.cards,
                           outcome.request.id)


async def void(update: Update, context: BotContext, args: str) -> None:
    """`/seals void <编号> <原因>`: the same in one line (refusals reach seals_command's
    domain_errors)."""
    number, _, reason = args.strip().partition(" ")
    number = number.lstrip("#＃")
    if not number.isdigit() or not reason.strip():
        await reply(update, context, context.t("seal_keeping.void_usage"))
        return
    outcome = await context.services.seal_keeping.void(context.me, int(number), reason)
    await _voided(update, context, outcome, None)


# --- the queue --------------------------------------------------------------------------------

def _queue_line(context: BotContext, item: QueueItem) -> str:
    tz = context.services.config.tz
    view = item.request
    params = view.params | {"back": short_time(view.return_due, tz),
                            "approved": short_time(item.approved_at, tz),
                            "handed": short_time(item.handed_at, tz),
                            "late": context.t("seal_keeping.queue_late") if item.overdue
                            else ""}
    text = str(context.t(f"seal_keeping.queue_item.{item.action}", **params))
    return text if item.mine else text + str(context.t("seal_keeping.queue_other"))


@domain_errors
async def queue(update: Update, context: BotContext) -> None:
    """`/seals queue`: what waits for the keeper, one button each."""
    items = await context.services.seal_keeping.queue(context.me)
    if not items:
        await reply(update, context, context.t("seal_keeping.queue_empty"))
        return
    lines = [str(context.t("seal_keeping.queue_head", count=len(items)))]
    rows = []
    labels = {STAMP: "btn.sealk_stamp_one", HANDOVER: "btn.sealk_handover_one",
              RETURN: "btn.sealk_return_one"}
    for item in items:
        lines.append(_queue_line(context, item))
        if item.mine:
            rows.append([_button(context, labels[item.action],
                                 f"seal:{item.action}:{item.request.id}", id=item.request.id)])
    await reply(update, context, "\n".join(lines), inline_keyboard(rows))


# --- the ledger -------------------------------------------------------------------------------

def _ledger_text(context: BotContext, ledger: Ledger) -> str:
    service, tz = context.services.seal_keeping, context.services.config.tz
    title = service.ledger_title(ledger, context.lang)
    lines = [str(context.t("seal_keeping.ledger_head", title=title, count=len(ledger.rows)))]
    for row in ledger.rows:
        copies = ref("seal_keeping.ledger_copies_out") if row.out \
            else ref("seal_keeping.ledger_copies", copies=row.copies)
        line = str(context.t(
            "seal_keeping.ledger_line", serial=row.serial, date=service.day(row.used_at),
            title=row.title, purpose=row.purpose, copies=copies, applicant=row.applicant,
            approvers=row.approvers or "—", keeper=row.keeper))
        if row.takeout:
            returned = ref("seal_keeping.ledger_not_returned") if row.out \
                else ref("seal_keeping.ledger_returned", at=short_time(row.returned_at, tz))
            line += str(context.t("seal_keeping.ledger_takeout",
                                  place=row.takeout_place or "—", returned=returned))
        lines.append(line)
    return "\n".join(lines)


async def ledger(update: Update, context: BotContext, args: str) -> None:
    """`/seals ledger 2026-11 [印章] [部门]`: the month's ledger, with an Excel button."""
    service = context.services.seal_keeping
    try:
        book = await service.ledger_from_args(context.me, args)
    except DomainError as exc:
        await _refused(update, context, exc)
        return
    if not book.rows:
        await reply(update, context, context.t(
            "seal_keeping.ledger_empty", title=service.ledger_title(book, context.lang)))
        return
    await reply(update, context, _ledger_text(context, book), inline_keyboard(
        [[_button(context, "btn.sealk_export", f"seal:ledgerx:{book.code}")]]))


@domain_errors
async def ledger_export(update: Update, context: BotContext) -> None:
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    code = query.data.split(":", 2)[2]
    service = context.services.seal_keeping
    sheet = await service.export(context.me, code)
    await query.answer()
    book = await service.ledger_by_code(context.me, code)
    await context.bot.send_document(
        chat.id, document=io.BytesIO(sheet.content), filename=sheet.file_name,
        caption=str(context.t("seal_keeping.ledger_sent",
                              title=service.ledger_title(book, context.lang),
                              count=sheet.count)))


# --- wiring -----------------------------------------------------------------------------------

def conversation(app: Application) -> ConversationHandler[BotContext]:  # type: ignore[type-arg]
    free = _NoOtherQuestion(app)
    text = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL & free
    files = FRESH & (filters.PHOTO | filters.Document.ALL) & free
    return ConversationHandler(
        entry_points=[CallbackQueryHandler(record_button, pattern=r"^seal:(stamp|return):\d+$")],
        states={
            K_COPIES: [MessageHandler(text, copies_typed),
                       CallbackQueryHandler(copies_pressed, pattern=r"^sealk:copies:\d+$")],
            K_TIME: [MessageHandler(text, time_typed),
                     CallbackQueryHandler(time_now, pattern=r"^sealk:now$")],
            K_PHOTO: [MessageHandler(files, photo_sent),
                      CallbackQueryHandler(photo_skipped, pattern=r"^sealk:skip$"),
                      CallbackQueryHandler(retry, pattern=r"^sealk:retry$"),
                      MessageHandler(text, photo_text)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=conversation_fallbacks(cancel),
        # Another request's button while one is under way starts that one.
        **conversation_options(CONVERSATION),
    )


def void_conversation(app: Application) -> ConversationHandler[BotContext]:  # type: ignore[type-arg]
    entry = CallbackQueryHandler(void_start, pattern=r"^seal:void:\d+$")
    text = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL & Asking(app, VOID_KIND)
    return ConversationHandler(
        entry_points=[entry],
        states={
            VOID_REASON: [MessageHandler(text, void_reason), entry],
            ConversationHandler.TIMEOUT: [
                TypeHandler(Update, question_timed_out(VOID_KIND, "seal_keeping.void_timeout"))],
        },
        fallbacks=conversation_fallbacks(account.cancel_conversation),
        **conversation_options(VOID_CONVERSATION),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    # The one-question conversation first: its text handler matches only while its question
    # is the open one, so it never takes an answer meant for the stamping record.
    app.add_handler(void_conversation(app))
    app.add_handler(conversation(app))
    app.add_handler(CallbackQueryHandler(handover, pattern=r"^seal:handover:\d+$"))
    app.add_handler(CallbackQueryHandler(
        ledger_export, pattern=r"^seal:ledgerx:\d{6}:\d{1,9}:\d{1,9}$"))

