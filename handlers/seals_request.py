"""Seal requests (用印申请): /seal (or 用印, or the menu's 🔏) lists the person's requests under
way, then walks them through one request: seal -> title -> document type -> copies ->
purpose -> recipient -> urgency -> in the office or taken out (place, return time) -> the
document (or skip) -> the summary -> submit. The applicant may withdraw before the final
decision.

Buttons:
  seal:pick:<seal id>             a seal from the list (also restarts an ended request)
  seal:new:doc:<type>, seal:new:copies:<n>, seal:new:urgency:normal|urgent,
  seal:new:use:office|takeout, seal:new:skip, seal:new:submit, seal:new:drop
                                  answers inside the conversation; the draft stays in
                                  user_data, so a press carries no request of its own
  seal:withdraw:<request id>      the applicant takes a pending request back
  seal:void:<request id>          作废 an approved request not used yet (handled, with its
                                  reason, by handlers/seals_keeping.py)
Every field is checked by SealService as it is typed and the whole draft again at submit.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import CATALOGS, ref, words
from bot.services.errors import Conflict, DomainError
from bot.services.notifier import Buttons
from bot.services.seals import APPROVED, DOC_TYPES, PENDING, SealDraft, SealService, one_line
from handlers import account
from handlers.common import (
    FRESH,
    callback_id,
    command,
    conversation_fallbacks,
    conversation_options,
    domain_errors,
    entry_point,
    forget_questions,
    pressed_message,
    reply,
    timeout_actor,
)
from handlers.context import BotContext
from handlers.menu import MENU_LABEL, menu_keys
from handlers.seal_cards import close_cards
from handlers.sender import edit_text, inline_keyboard

# user_data, JSON-safe: the request being built (SealDraft.to_json()) and its seal's name.
DRAFT = "seal_draft"
SEAL_NAME = "seal_draft_seal"
MAX_LISTED = 10
COPY_BUTTONS = (1, 2, 3, 5)

PICK, TITLE, DOC, COPIES, PURPOSE, RECIPIENT = (
    "seal-pick", "seal-title", "seal-doc", "seal-copies", "seal-purpose", "seal-recipient")
URGENCY, USE, PLACE, RETURN, FILE, CONFIRM = (
    "seal-urgency", "seal-use", "seal-place", "seal-return", "seal-file", "seal-confirm")


# --- small helpers ---------------------------------------------------------------------------

def _forget(context: BotContext) -> None:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
        context.user_data.pop(SEAL_NAME, None)


def _draft(context: BotContext) -> SealDraft | None:
    data = (context.user_data or {}).get(DRAFT)
    return SealDraft.from_json(data) if isinstance(data, dict) else None


def _keep(context: BotContext, draft: SealDraft) -> None:
    assert context.user_data is not None
    context.user_data[DRAFT] = draft.to_json()


def _answer(update: Update) -> str:
    """The typed answer on one line, without the characters a phone may send that show as
    nothing (the service's own cleaning, so an answer of only those is an empty answer)."""
    message = update.effective_message
    return one_line(message.text or "") if message is not None else ""


def _said(text: str, key: str, *labels: str) -> bool:
    """Typed text is one of the words for an answer, or one of its button labels."""
    wanted = text.strip().lower()
    said = {w.lower() for w in words(key)}
    for label in labels:
        said |= {c[label].lower() for c in CATALOGS.values() if label in c}
    return wanted in said


def _button(context: BotContext, key: str, data: str, **params: object) -> tuple[str, str]:
    return str(context.t(key, **params)), data


def _waiting(context: BotContext, names: tuple[str, ...]) -> str:
    return str(context.t("list.sep")).join(names) or "—"


# --- /seal: the requests under way, then the seals ------------------------------------------

async def _show_mine(update: Update, context: BotContext) -> None:
    """Each request under way in a message of its own, so withdrawing one closes exactly
    that message."""
    views = await context.services.seals.mine(context.me)
    for index, view in enumerate(views[:MAX_LISTED]):
        params = view.params
        if view.status == PENDING:
            text = context.t("seal_request.mine_pending", **params,
                             waiting=_waiting(context, view.waiting_on))
            markup = inline_keyboard([[_button(context, "btn.seal_request_withdraw_one",
                                               f"seal:withdraw:{view.id}", id=view.id)]])
        elif view.status == APPROVED:
            # Approved and not used yet: the applicant may close it (作废) if it is not
            # needed any more, so it does not wait on the keeper for ever.
            text = context.t("seal_request.mine_line", **params)
            markup = inline_keyboard([[_button(context, "btn.seal_request_void_one",
                                               f"seal:void:{view.id}", id=view.id)]])
        else:
            text, markup = context.t("seal_request.mine_line", **params), None
        if index == 0:
            text = context.t("seal_request.mine_head") + "\n" + text
        await reply(update, context, text, markup)


async def _pick_list(update: Update, context: BotContext) -> str | int:
    seals = await context.services.seals.choices(context.me)
    if not seals:
        _forget(context)
        await reply(update, context, context.t("seal_request.none"))
        return ConversationHandler.END
    rows: Buttons = [[(seal.name, f"seal:pick:{seal.id}")] for seal in seals]
    await reply(update, context, context.t("seal_request.pick"), inline_keyboard(rows))
    return PICK


@entry_point
async def seal_start(update: Update, context: BotContext) -> str | int:
    _forget(context)
    # A question left open (a reason for 驳回 or 作废) must not take this request's answers.
    forget_questions(context)
    await _show_mine(update, context)
    return await _pick_list(update, context)


@entry_point
async def on_pick(update: Update, context: BotContext) -> str | int:
    query = update.callback_query
    assert query is not None
    await query.answer()
    try:
        seal = await context.services.seals.check_seal(context.me, callback_id(update))
    except DomainError as exc:
        # Switched off since the list was shown: say so, and offer the list as it is now.
        await reply(update, context, context.t(exc.key, **exc.params))
        return await _pick_list(update, context)
    _forget(context)
    assert context.user_data is not None
    _keep(context, SealDraft(seal_id=seal.id))
    context.user_data[SEAL_NAME] = seal.name
    if (pressed := pressed_message(update)) is not None:
        await edit_text(pressed, context.t("seal_request.picked", seal=seal.name))
    return await _ask(update, context, TITLE)


# --- asking -------------------------------------------------------------------------------------

async def _ask(update: Update, context: BotContext, state: str, before: str = "") -> str | int:
    """Ask the question of `state` (with `before` on top, e.g. an echo of the last answer)."""
    markup = None
    if state == DOC:
        labels = [(str(context.t(f"seal.doc.{kind}")), f"seal:new:doc:{kind}")
                  for kind in DOC_TYPES]
        markup = inline_keyboard([labels[:3], labels[3:]])
        text = context.t("seal_request.ask_doc_type")
    elif state == COPIES:
        markup = inline_keyboard([[(str(n), f"seal:new:copies:{n}") for n in COPY_BUTTONS]])
        text = context.t("seal_request.ask_copies",
                         limit=context.services.config.seals.max_copies)
    elif state == URGENCY:
        markup = inline_keyboard([[
            _button(context, "seal.urgency.normal", "seal:new:urgency:normal"),
            _button(context, "seal.urgency.urgent", "seal:new:urgency:urgent")]])
        text = context.t("seal_request.ask_urgency")
    elif state == USE:
        markup = inline_keyboard([[
            _button(context, "btn.seal_request_office", "seal:new:use:office"),
            _button(context, "btn.seal_request_takeout", "seal:new:use:takeout")]])
        text = context.t("seal_request.ask_use")
    elif state == FILE:
        markup = inline_keyboard([[_button(context, "btn.seal_request_skip", "seal:new:skip")]])
        text = context.t("seal_request.ask_file",
                         limit=context.services.config.seals.max_file_mb)
    elif state == CONFIRM:
        return await _summary(update, context, before)
    else:
        text = context.t(f"seal_request.ask_{state.removeprefix('seal-')}")
    await reply(update, context, f"{before}\n{text}" if before else text, markup)
    return state


async def _again(update: Update, context: BotContext, state: str,
                 exc: DomainError) -> str | int:
    """A refused answer: the reason, then the same question; nothing kept."""
    await reply(update, context, context.t(exc.key, **exc.params))
    return await _ask(update, context, state)


def _summary_text(context: BotContext, draft: SealDraft) -> str:
    name = str((context.user_data or {}).get(SEAL_NAME, ""))
    params = context.services.seals.draft_params(draft, name)
    return str(context.t("seal_request.summary", details=params["details"]))


async def _summary(update: Update, context: BotContext, before: str = "") -> str | int:
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    text = _summary_text(context, draft) + "\n\n" + str(context.t("seal_request.confirm_hint"))
    markup = inline_keyboard([[
        _button(context, "btn.seal_request_submit", "seal:new:submit"),
        _button(context, "btn.seal_request_drop", "seal:new:drop")]])
    await reply(update, context, f"{before}\n{text}" if before else text, markup)
    return CONFIRM


async def _gone(update: Update, context: BotContext) -> int:
    """The draft is not there any more (ended elsewhere): nothing to go on with."""
    _forget(context)
    if update.callback_query is not None:
        await update.callback_query.answer(
            str(context.t("seal_request.gone")), show_alert=True)
    else:
        await reply(update, context, context.t("seal_request.gone"))
    return ConversationHandler.END


async def _close_question(update: Update, context: BotContext, key: str,
                          value: object) -> None:
    """A question answered by a button: the message keeps the answer, not the buttons."""
    query = update.callback_query
    if query is not None:
        await query.answer()
    if (pressed := pressed_message(update)) is not None:
        await edit_text(pressed, context.t(key, value=value))


def _choice(update: Update) -> str:
    query = update.callback_query
    assert query is not None and query.data is not None
    return query.data.rsplit(":", 1)[-1]


# --- the answers ----------------------------------------------------------------------------------

def _text_field(state: str, field: str, clean: Callable[[str], str],
                following: str) -> Callable[[Update, BotContext], Awaitable[str | int]]:
    """A step that takes one typed field: checked by the service's cleaner, kept in the
    draft, the next question asked; a refusal asks the same question again."""

    async def on_text(update: Update, context: BotContext) -> str | int:
        draft = _draft(context)
        if draft is None:
            return await _gone(update, context)
        try:
            setattr(draft, field, clean(_answer(update)))
        except DomainError as exc:
            return await _again(update, context, state, exc)
        _keep(context, draft)
        return await _ask(update, context, following)

    return on_text


on_title = _text_field(TITLE, "title", SealService.clean_title, DOC)
on_purpose = _text_field(PURPOSE, "purpose", SealService.clean_purpose, RECIPIENT)
on_recipient = _text_field(RECIPIENT, "recipient", SealService.clean_recipient, URGENCY)
on_place = _text_field(PLACE, "place", SealService.clean_place, RETURN)


async def _take_doc(update: Update, context: BotContext, text: str) -> str | int:
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    try:
        draft.doc_type = context.services.seals.parse_doc_type(text)
    except DomainError as exc:
        return await _again(update, context, DOC, exc)
    _keep(context, draft)
    if update.callback_query is not None:
        await _close_question(update, context, "seal_request.got_doc_type",
                              context.t(f"seal.doc.{draft.doc_type}"))
    return await _ask(update, context, COPIES)


async def on_doc_text(update: Update, context: BotContext) -> str | int:
    return await _take_doc(update, context, _answer(update))


async def on_doc_button(update: Update, context: BotContext) -> str | int:
    return await _take_doc(update, context, _choice(update))


async def _take_copies(update: Update, context: BotContext, text: str) -> str | int:
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    try:
        draft.copies = context.services.seals.parse_copies(text)
    except DomainError as exc:
        if update.callback_query is not None:
            await update.callback_query.answer()
        return await _again(update, context, COPIES, exc)
    _keep(context, draft)
    if update.callback_query is not None:
        await _close_question(update, context, "seal_request.got_copies", draft.copies)
    return await _ask(update, context, PURPOSE)


async def on_copies_text(update: Update, context: BotContext) -> str | int:
    return await _take_copies(update, context, _answer(update))


async def on_copies_button(update: Update, context: BotContext) -> str | int:
    return await _take_copies(update, context, _choice(update))


async def _take_urgency(update: Update, context: BotContext, urgent: bool) -> str | int:
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    draft.urgent = urgent
    _keep(context, draft)
    if update.callback_query is not None:
        key = "seal.urgency.urgent" if urgent else "seal.urgency.normal"
        await _close_question(update, context, "seal_request.got_urgency", context.t(key))
    return await _ask(update, context, USE)


async def on_urgency_text(update: Update, context: BotContext) -> str | int:
    text = _answer(update)
    if _said(text, "word.seal_urgent", "seal.urgency.urgent"):
        return await _take_urgency(update, context, True)
    if _said(text, "word.seal_normal", "seal.urgency.normal"):
        return await _take_urgency(update, context, False)
    await reply(update, context, context.t("seal_request.urgency_unknown"))
    return await _ask(update, context, URGENCY)


async def on_urgency_button(update: Update, context: BotContext) -> str | int:
    return await _take_urgency(update, context, _choice(update) == "urgent")


async def _take_use(update: Update, context: BotContext, takeout: bool) -> str | int:
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    draft.takeout = takeout
    if not takeout:
        draft.place, draft.return_due = "", ""
    _keep(context, draft)
    if update.callback_query is not None:
        key = "btn.seal_request_takeout" if takeout else "btn.seal_request_office"
        await _close_question(update, context, "seal_request.got_use", context.t(key))
    return await _ask(update, context, PLACE if takeout else FILE)


async def on_use_text(update: Update, context: BotContext) -> str | int:
    text = _answer(update)
    if _said(text, "word.seal_takeout", "btn.seal_request_takeout"):
        return await _take_use(update, context, True)
    if _said(text, "word.seal_office", "btn.seal_request_office", "seal.use.office"):
        return await _take_use(update, context, False)
    await reply(update, context, context.t("seal_request.use_unknown"))
    return await _ask(update, context, USE)


async def on_use_button(update: Update, context: BotContext) -> str | int:
    return await _take_use(update, context, _choice(update) == "takeout")


async def on_return(update: Update, context: BotContext) -> str | int:
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    try:
        back = context.services.seals.parse_return(_answer(update))
    except DomainError as exc:
        return await _again(update, context, RETURN, exc)
    draft.return_due = back.isoformat()
    _keep(context, draft)
    local = back.astimezone(context.services.config.tz)
    day = context.t("date.day", month=local.month, day=local.day,
                    weekday=ref(f"weekday.{local.weekday()}"))
    # Echoed back with the next question, so a misread time is seen before it is saved.
    echo = context.t("seal_request.return_echo", day=day, time=f"{local:%H:%M}")
    return await _ask(update, context, FILE, before=str(echo))


async def on_file(update: Update, context: BotContext) -> str | int:
    message = update.effective_message
    assert message is not None
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    if message.document is not None:
        file_id, size = message.document.file_id, message.document.file_size
        name = message.document.file_name or "document"
    else:
        photo = message.photo[-1]
        file_id, size, name = photo.file_id, photo.file_size, "photo.jpg"
    try:
        context.services.seals.check_file(size)
    except DomainError as exc:
        return await _again(update, context, FILE, exc)
    draft.file_id, draft.file_name = file_id, name
    _keep(context, draft)
    return await _summary(update, context, str(context.t("seal_request.file_got", file=name)))


async def on_file_text(update: Update, context: BotContext) -> str | int:
    if not _said(_answer(update), "word.seal_skip", "btn.seal_request_skip"):
        await reply(update, context, context.t("seal_request.file_hint"))
        return FILE
    return await _skip(update, context)


async def on_skip(update: Update, context: BotContext) -> str | int:
    await _close_question(update, context, "seal_request.file_skipped", "")
    return await _skip(update, context)


async def _skip(update: Update, context: BotContext) -> str | int:
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    draft.file_id, draft.file_name = "", ""
    _keep(context, draft)
    return await _summary(update, context)


async def on_confirm_text(update: Update, context: BotContext) -> str:
    await reply(update, context, context.t("seal_request.confirm_hint"))
    return CONFIRM


# --- submitting -----------------------------------------------------------------------------------

async def on_submit(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    draft = _draft(context)
    if draft is None:
        return await _gone(update, context)
    pressed = pressed_message(update)
    summary = _summary_text(context, draft)
    _forget(context)
    try:
        view = await context.services.seals.submit(context.me, draft)
    except DomainError as exc:
        # Switched off, or nobody on the route: nothing was created, and the same draft
        # would be refused again, so the request ends here.
        await query.answer()
        if pressed is not None:
            await edit_text(pressed, summary)
        await reply(update, context, f"{context.t(exc.key, **exc.params)}\n"
                                     f"{context.t('seal_request.not_submitted')}")
        return ConversationHandler.END
    await query.answer()
    if pressed is not None:
        await edit_text(pressed, summary)
    submitted = str(context.t("seal_request.submitted", **view.params,
                              waiting=_waiting(context, view.waiting_on)))
    if view.head_skipped:
        submitted += "\n" + str(context.t("seal_request.head_skipped"))
    await reply(update, context, submitted,
                inline_keyboard([[_button(context, "btn.seal_request_withdraw",
                                          f"seal:withdraw:{view.id}")]]))
    return ConversationHandler.END


async def on_drop(update: Update, context: BotContext) -> int:
    query = update.callback_query
    assert query is not None
    _forget(context)
    await query.answer()
    if (pressed := pressed_message(update)) is not None:
        await edit_text(pressed, context.t("seal_request.dropped"))
    return ConversationHandler.END


async def cancel(update: Update, context: BotContext) -> int:
    _forget(context)
    return await account.cancel_conversation(update, context)


async def timed_out(update: Update, context: BotContext) -> None:
    _forget(context)
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("seal_request.timeout"))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button of a request form that has ended (submitted, cancelled, timed out)."""
    query = update.callback_query
    assert query is not None
    await query.answer(str(context.t("seal_request.gone")), show_alert=True)


# --- withdrawing ----------------------------------------------------------------------------------

@domain_errors
async def on_withdraw(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    request_id = callback_id(update)
    pressed = pressed_message(update)
    try:
        outcome = await context.services.seals.withdraw(context.me, request_id)
    except Conflict:
        await _refresh(context, request_id, pressed)
        raise  # answered as a popup by domain_errors; nothing changed
    await query.answer(str(context.t("seal_request.withdrawn_popup")))
    # The approvers' cards and the applicant's own message all show the withdrawal.
    await close_cards(context, outcome.cards, outcome.line, pressed)


async def _refresh(context: BotContext, request_id: int, pressed: Message | None) -> None:
    """A withdraw button on a request already closed (a second press, another copy of the
    button): the message shows the state now and loses the button."""
    if pressed is None or pressed.reply_markup is None:
        return
    try:
        view = await context.services.seals.get(context.me, request_id)
    except DomainError:
        return
    await edit_text(pressed, f"{pressed.text_html or ''}\n\n"
                             f"{context.t('seal.status.' + view.status)}")


# --- wiring ---------------------------------------------------------------------------------------

class _NotFilling(filters.MessageFilter):
    """The word 用印 starts a request unless one is being filled in: there it may be an
    answer (a purpose of "盖章"), and /seal or the menu button still start over."""

    def __init__(self, app: Application) -> None:  # type: ignore[type-arg]
        super().__init__(name="seal-not-filling")
        self.app = app

    def filter(self, message: Message) -> bool:
        if message.from_user is None:
            return False
        return DRAFT not in (self.app.user_data.get(message.from_user.id) or {})


async def on_pick_text(update: Update, context: BotContext) -> str | int:
    """Typed text while the seals are listed: the list again, to press."""
    return await _pick_list(update, context)


def _seal_words() -> re.Pattern[str]:
    return re.compile(r"^\s*(" + "|".join(re.escape(w) for w in sorted(words("word.seal")))
                      + r")\s*$", re.IGNORECASE)


def conversation(app: Application) -> ConversationHandler[BotContext]:  # type: ignore[type-arg]
    text = FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL
    files = FRESH & (filters.Document.ALL | filters.PHOTO)
    pick = CallbackQueryHandler(on_pick, pattern=r"^seal:pick:\d+$")
    return ConversationHandler(
        entry_points=[
            command("seal", seal_start),
            MessageHandler(FRESH & filters.Regex(_seal_words()) & _NotFilling(app),
                           seal_start),
            MessageHandler(FRESH & filters.Text(menu_keys("menu.seal")), seal_start),
            pick,
        ],
        states={
            PICK: [pick, MessageHandler(text, on_pick_text)],
            TITLE: [MessageHandler(text, on_title)],
            DOC: [CallbackQueryHandler(on_doc_button, pattern=r"^seal:new:doc:[a-z]+$"),
                  MessageHandler(text, on_doc_text)],
            COPIES: [CallbackQueryHandler(on_copies_button, pattern=r"^seal:new:copies:\d+$"),
                     MessageHandler(text, on_copies_text)],
            PURPOSE: [MessageHandler(text, on_purpose)],
            RECIPIENT: [MessageHandler(text, on_recipient)],
            URGENCY: [CallbackQueryHandler(on_urgency_button,
                                           pattern=r"^seal:new:urgency:(normal|urgent)$"),
                      MessageHandler(text, on_urgency_text)],
            USE: [CallbackQueryHandler(on_use_button, pattern=r"^seal:new:use:(office|takeout)$"),
                  MessageHandler(text, on_use_text)],
            PLACE: [MessageHandler(text, on_place)],
            RETURN: [MessageHandler(text, on_return)],
            FILE: [CallbackQueryHandler(on_skip, pattern=r"^seal:new:skip$"),
                   MessageHandler(files, on_file),
                   MessageHandler(text, on_file_text)],
            CONFIRM: [CallbackQueryHandler(on_submit, pattern=r"^seal:new:submit$"),
                      CallbackQueryHandler(on_drop, pattern=r"^seal:new:drop$"),
                      MessageHandler(files, on_file),
                      MessageHandler(text, on_confirm_text)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
        },
        fallbacks=conversation_fallbacks(cancel, _forget),
        **conversation_options("seal-request"),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(conversation(app))
    app.add_handler(CallbackQueryHandler(on_withdraw, pattern=r"^seal:withdraw:\d+$"))
    app.add_handler(CallbackQueryHandler(stale_button, pattern=r"^seal:new:[a-z]+(:\w+)?$"))

