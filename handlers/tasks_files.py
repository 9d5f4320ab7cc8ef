"""The document a task is about: /task_file <id>, then the file; 📎 fetches it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.services.errors import InvalidInput
from handlers.common import (
    FRESH,
    OPEN_QUESTION,
    Asking,
    ask,
    callback_id,
    command,
    command_args,
    domain_errors,
    forget_questions,
    reply,
)
from handlers.context import BotContext

KIND = "taskfile"


@domain_errors
async def task_file(update: Update, context: BotContext) -> None:
    arg = command_args(update).lstrip("#")
    if not arg.isascii() or not arg.isdigit():
        raise InvalidInput("task.file_usage")
    view = await context.services.tasks.get(context.me, int(arg))
    ask(context, OPEN_QUESTION, f"{KIND}:{view.id}:0")
    await reply(update, context, context.t("task.file_ask", id=view.id, title=view.title))


@domain_errors
async def got_file(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    task_id = int(str(context.user_data.get(OPEN_QUESTION)).split(":")[1])
    if message.document is not None:
        file_id, name = message.document.file_id, message.document.file_name or "file"
    else:
        file_id, name = message.photo[-1].file_id, "photo.jpg"
    view = await context.services.tasks.attach(context.me, task_id, file_id, name)
    forget_questions(context)
    await reply(update, context, context.t("task.file_done", id=view.id, file=name,
                                           owner=view.owner.name))


@domain_errors
async def get_file(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    found = await context.services.tasks.attachment(context.me, callback_id(update))
    if found is None:
        await query.answer(context.t("task.file_none"), show_alert=True)
        return
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(chat.id, document=found[0], filename=found[1])


def register(app: Application) -> None:  # type: ignore[type-arg]
    files = FRESH & (filters.Document.ALL | filters.PHOTO) & Asking(app, KIND)
    app.add_handler(MessageHandler(files, got_file))
    app.add_handler(command("task_file", task_file))
    app.add_handler(CallbackQueryHandler(get_file, pattern=r"^taskfile:get:\d+$"))
