"""/start (registration by invite), /whoami, /lang, /help, /menu, /cancel."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import role_labels, t, words
from bot.services.access import Actor, Role
from handlers.common import FRESH, command, command_args, domain_errors, reply
from handlers.context import BotContext
from handlers.menu import menu_action, menu_keyboard


@domain_errors
async def start(update: Update, context: BotContext) -> None:
    code = command_args(update)
    if context.actor is not None:
        if code:
            await reply(update, context, context.t("start.already", name=context.actor.name))
        await welcome(update, context, context.actor)
        return
    user = update.effective_user
    assert user is not None
    actor = await context.services.people.redeem(code, user.id, user.language_code)
    context.actor = actor
    await reply(update, context, context.t("start.registered", name=actor.name,
                                           department=actor.department or "—"))
    await welcome(update, context, actor)


async def welcome(update: Update, context: BotContext, actor: Actor) -> None:
    await reply(update, context, t(actor.language, "start.welcome", name=actor.name),
                menu_keyboard(actor.language))


@domain_errors
async def whoami(update: Update, context: BotContext) -> None:
    me = await context.services.people.whoami(context.me)
    await reply(update, context, context.t(
        "whoami.card", name=me.name, department=me.department or "—", title=me.title or "—",
        phone=me.phone or "—", roles=role_labels(context.lang, me.roles),
        language=context.t(f"lang.name.{context.lang}"),
    ))


def _lang_buttons() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(str(t("zh", "lang.name.zh")), callback_data="lang:set:zh"),
        InlineKeyboardButton(str(t("en", "lang.name.en")), callback_data="lang:set:en"),
    ]])


@domain_errors
async def lang(update: Update, context: BotContext) -> None:
    arg = command_args(update)
    if not arg:
        await reply(update, context, context.t("lang.choose"), _lang_buttons())
        return
    await _set_language(update, context, arg)


async def _set_language(update: Update, context: BotContext, code: str) -> None:
    chosen = await context.services.people.set_language(context.me, code)
    await reply(update, context, t(chosen, "lang.set", language=t(chosen, f"lang.name.{chosen}")),
                menu_keyboard(chosen))


@domain_errors
async def lang_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.rsplit(":", 1)[-1]
    await query.answer()
    await _set_language(update, context, code)


@domain_errors
async def help_(update: Update, context: BotContext) -> None:
    """Everyone sees the everyday commands; clerks and admins also see theirs."""
    me = context.me
    parts = [context.t("help.staff")]
    if me.is_admin or me.has(Role.CLERK):
        parts.append(context.t("help.clerk"))
    if me.is_admin or me.has(Role.CLERK, Role.LEADER):
        parts.append(context.t("help.organiser"))
    if me.is_admin or me.has(Role.CLERK, Role.LEADER, Role.SEAL_KEEPER):
        parts.append(context.t("help.seals"))
    if me.is_admin:
        parts.append(context.t("help.admin"))
    await reply(update, context, "\n\n".join(parts), menu_keyboard(context.lang))


async def show_menu(update: Update, context: BotContext) -> None:
    await reply(update, context, context.t("menu.shown"), menu_keyboard(context.lang))


async def cancel(update: Update, context: BotContext) -> int:
    """/cancel outside any conversation: there is nothing to stop."""
    await reply(update, context, context.t("cancel.nothing"), menu_keyboard(context.lang))
    return ConversationHandler.END


async def cancel_conversation(update: Update, context: BotContext) -> int:
    """The fallback every feature conversation lists for /cancel: END closes it."""
    await reply(update, context, context.t("cancel.done"), menu_keyboard(context.lang))
    return ConversationHandler.END


@domain_errors
async def text_fallback(update: Update, context: BotContext) -> None:
    """Menu labels and everyday words; anything else gets a hint, never silence."""
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    action = menu_action(text)
    if action == "menu.whoami":
        await whoami(update, context)
    elif action == "menu.help" or text in words("word.help"):
        await help_(update, context)
    elif action == "menu.lang":
        await reply(update, context, context.t("lang.choose"), _lang_buttons())
    else:
        await reply(update, context, context.t("fallback.unknown"))


async def unknown_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(context.t("callback.stale"), show_alert=True)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(command("start", start))
    app.add_handler(command("whoami", whoami))
    app.add_handler(command("lang", lang))
    app.add_handler(command("help", help_))
    app.add_handler(command("menu", show_menu))
    app.add_handler(CallbackQueryHandler(lang_button, pattern=r"^lang:set:(zh|en)$"))


def register_fallbacks(app: Application) -> None:  # type: ignore[type-arg]
    """Last in group 0, after every feature's handlers: the first match in a group wins."""
    app.add_handler(command("cancel", cancel))
    app.add_handler(MessageHandler(FRESH & filters.TEXT & ~filters.COMMAND, text_fallback))
    app.add_handler(MessageHandler(FRESH & filters.COMMAND, _unknown_command))
    # Photos, voice, stickers, a location nobody asked for: a hint, never silence.
    app.add_handler(MessageHandler(FRESH, _unsupported))
    app.add_handler(CallbackQueryHandler(unknown_button))


async def _unknown_command(update: Update, context: BotContext) -> None:
    await reply(update, context, context.t("fallback.unknown_command"))


async def _unsupported(update: Update, context: BotContext) -> None:
    await reply(update, context, context.t("fallback.unsupported"))
