"""Sign-in (/signin, 签到, the menu button, the no-show reminder's button) with an optional
location check, sign-out (/signout, 签退) with a handover note, and the duty log (/log)."""

from __future__ import annotations

import re
import warnings
from typing import Any

from telegram import KeyboardButton, ReplyKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.i18n import CATALOGS, t, words
from bot.services.duty_signin import Position, SignInResult, is_location_error
from bot.services.errors import DomainError
from handlers import account
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
from handlers.menu import MENU_LABEL, menu_keyboard

SIGNIN_CONVERSATION = "duty-signin"
SIGNOUT_CONVERSATION = "duty-signout"
WAIT_LOCATION = "location"
WAIT_NOTE = "note"
# user_data keys (JSON-safe ints): the shift a started sign-in or sign-out is for.
PENDING_SIGNIN = "duty_signin_shift"
PENDING_SIGNOUT = "duty_signout_shift"
NOTE_ERRORS = frozenset({"signout.note_empty", "signout.note_too_long"})


def _labels(*keys: str) -> set[str]:
    return {catalog[key] for catalog in CATALOGS.values() for key in keys if key in catalog}


def _exactly(options: set[str]) -> filters.Regex:
    """A whole message that is one of the options (any case, spaces around allowed)."""
    alternatives = "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True))
    return filters.Regex(re.compile(rf"^\s*(?:{alternatives})\s*$", re.IGNORECASE))


SIGNIN_WORDS = _exactly(words("word.signin") | _labels("menu.signin"))
SIGNOUT_WORDS = _exactly(words("word.signout") | _labels("menu.signout"))
CANCEL_SIGNIN = _exactly(_labels("signin.btn_cancel"))


_or_end = entry_point


def _user_data(context: BotContext) -> dict[Any, Any]:
    assert context.user_data is not None
    return context.user_data


def _hhmm(context: BotContext, when: Any) -> str:
    return str(context.services.signin.hhmm(when))


# --- sign-in ---------------------------------------------------------------------------------


def _location_keyboard(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(str(t(lang, "signin.btn_location")), request_location=True)],
         [KeyboardButton(str(t(lang, "signin.btn_cancel")))]],
        # Not one-time: after a refused location the button must still be there to retry.
        resize_keyboard=True)


async def _confirm(update: Update, context: BotContext, result: SignInResult) -> None:
    leader: object = result.shift.leader.name if result.shift.leader \
        else context.t("signin.no_leader")
    at = _hhmm(context, result.at)
    if result.late_minutes:
        lines = [context.t("signin.done_late", at=at, minutes=result.late_minutes,
                           leader=leader)]
    else:
        lines = [context.t("signin.done", at=at, leader=leader)]
    if result.distance_m is not None:
        lines.append(context.t("signin.distance", distance=result.distance_m))
    await reply(update, context, "\n".join(lines), menu_keyboard(context.lang))
    if result.handover is not None:
        await reply(update, context, context.t("signin.handover", **result.handover))
    elif result.handover_from is not None:
        await reply(update, context,
                    context.t("signin.handover_pending", person=result.handover_from))


async def _drop_button(update: Update) -> None:
    """The reminder's sign-in button has done its work; a stale copy only confuses."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await query.edit_message_reply_markup(reply_markup=None)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


@_or_end
async def signin_start(update: Update, context: BotContext) -> object:
    data = _user_data(context)
    data.pop(PENDING_SIGNIN, None)
    query = update.callback_query
    shift_id = int(query.data.rsplit(":", 1)[-1]) if query and query.data else None
    signin = context.services.signin
    fence = signin.geofence
    if fence is None:
        result = await signin.sign_in(context.me, shift_id)
        if query is not None:
            await query.answer()
            await _drop_button(update)
        await _confirm(update, context, result)
        return ConversationHandler.END
    shift = await signin.prepare(context.me, shift_id)
    if query is not None:
        await query.answer()
    data[PENDING_SIGNIN] = shift.id
    await reply(update, context, context.t(
        "signin.ask_location", **signin.duty_params(shift), radius=round(fence.radius_m)),
        _location_keyboard(context.lang))
    return WAIT_LOCATION


@domain_errors
async def got_location(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None and message.location is not None
    data = _user_data(context)
    position = Position(message.location.latitude, message.location.longitude,
                        forwarded=message.forward_origin is not None)
    try:
        result = await context.services.signin.sign_in(
            context.me, data.get(PENDING_SIGNIN), position)
    except DomainError as exc:
        if is_location_error(exc):
            raise  # answered by domain_errors; still waiting for a good location
        data.pop(PENDING_SIGNIN, None)
        await reply(update, context, context.t(exc.key, **exc.params),
                    menu_keyboard(context.lang))
        return ConversationHandler.END
    data.pop(PENDING_SIGNIN, None)
    await _confirm(update, context, result)
    return ConversationHandler.END


async def cancel_signin(update: Update, context: BotContext) -> int:
    _user_data(context).pop(PENDING_SIGNIN, None)
    return await account.cancel_conversation(update, context)


async def signin_timeout(update: Update, context: BotContext) -> None:
    _user_data(context).pop(PENDING_SIGNIN, None)
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("signin.timeout"), menu_keyboard(context.lang))


async def location_hint(update: Update, context: BotContext) -> None:
    """A location outside a sign-in: say how to sign in rather than ignore it."""
    await reply(update, context, context.t("signin.location_unexpected"))


# --- sign-out --------------------------------------------------------------------------------


@_or_end
async def signout_start(update: Update, context: BotContext) -> object:
    data = _user_data(context)
    data.pop(PENDING_SIGNOUT, None)
    target = await context.services.signin.signout_target(context.me)
    data[PENDING_SIGNOUT] = target.shift.id
    await reply(update, context, context.t("signout.ask_note", count=target.log_count))
    return WAIT_NOTE


@domain_errors
async def got_note(update: Update, context: BotContext) -> object:
    message = update.effective_message
    assert message is not None
    data = _user_data(context)
    signin = context.services.signin
    try:
        shift_id = data.get(PENDING_SIGNOUT)
        if shift_id is None:
            shift_id = (await signin.signout_target(context.me)).shift.id
        result = await signin.sign_out(context.me, int(shift_id), message.text or "")
    except DomainError as exc:
        if exc.key in NOTE_ERRORS:
            raise  # answered by domain_errors; still waiting for a usable note
        data.pop(PENDING_SIGNOUT, None)
        await reply(update, context, context.t(exc.key, **exc.params))
        return ConversationHandler.END
    data.pop(PENDING_SIGNOUT, None)
    at = _hhmm(context, result.at)
    following = result.next_shift
    if following is None:
        text = context.t("signout.done_no_next", at=at)
    else:
        key = "signout.done_sent" if result.sent_now else "signout.done"
        text = context.t(key, **signin.duty_params(following), at=at)
    await reply(update, context, text)
    return ConversationHandler.END


async def cancel_signout(update: Update, context: BotContext) -> int:
    _user_data(context).pop(PENDING_SIGNOUT, None)
    return await account.cancel_conversation(update, context)


async def signout_timeout(update: Update, context: BotContext) -> None:
    _user_data(context).pop(PENDING_SIGNOUT, None)
    if await timeout_actor(update, context) is not None:
        await reply(update, context, context.t("signout.timeout"))


# --- duty log --------------------------------------------------------------------------------


@domain_errors
async def log_entry(update: Update, context: BotContext) -> None:
    text = command_args(update)
    if not text:
        await reply(update, context, context.t("log.usage"))
        return
    result = await context.services.signin.add_log(context.me, text)
    await reply(update, context, context.t("log.done", at=_hhmm(context, result.at),
                                           count=result.count))


# --- wiring ----------------------------------------------------------------------------------


def _signin_conversation() -> ConversationHandler[BotContext]:
    entry = [
        command("signin", signin_start),
        MessageHandler(FRESH & filters.TEXT & SIGNIN_WORDS, signin_start),
        CallbackQueryHandler(signin_start, pattern=r"^duty:signin:\d+$"),
    ]
    with warnings.catch_warnings():
        # PTB warns that a button press is tracked per chat, not per message; per person is
        # exactly what a sign-in wants (the reminder's button and /signin are one action).
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            entry_points=entry,
            states={
                WAIT_LOCATION: [
                    MessageHandler(FRESH & filters.LOCATION, got_location),
                    MessageHandler(FRESH & filters.TEXT & CANCEL_SIGNIN, cancel_signin),
                ],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, signin_timeout)],
            },
            fallbacks=conversation_fallbacks(cancel_signin),
            **conversation_options(SIGNIN_CONVERSATION),
        )


def _signout_conversation() -> ConversationHandler[BotContext]:
    return ConversationHandler(
        entry_points=[
            command("signout", signout_start),
            MessageHandler(FRESH & filters.TEXT & SIGNOUT_WORDS, signout_start),
        ],
        states={
            WAIT_NOTE: [MessageHandler(
                FRESH & filters.TEXT & ~filters.COMMAND & ~MENU_LABEL, got_note)],
            ConversationHandler.TIMEOUT: [TypeHandler(Update, signout_timeout)],
        },
        fallbacks=conversation_fallbacks(cancel_signout),
        **conversation_options(SIGNOUT_CONVERSATION),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(_signin_conversation())
    app.add_handler(_signout_conversation())
    app.add_handler(command("log", log_entry))
    app.add_handler(MessageHandler(FRESH & filters.LOCATION, location_hint))
