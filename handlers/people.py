"""Admins register people: /invite, /people, /deactivate, and the staff sheet (花名册)."""

from __future__ import annotations

import io
import re
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import role_labels
from bot.services.access import Role
from bot.services.errors import InvalidInput
from bot.services.notifier import Buttons
from bot.services.people import parse_draft
from bot.services.sheets import MAX_SHEET_BYTES
from handlers.common import command, command_args, domain_errors, reply
from handlers.context import BotContext
from handlers.sender import edit_text, inline_keyboard

MAX_PROBLEMS_SHOWN = 30


def _local(context: BotContext, when: datetime) -> str:
    return when.astimezone(context.services.config.tz).strftime("%Y-%m-%d %H:%M")


@domain_errors
async def invite(update: Update, context: BotContext) -> None:
    context.me.require(Role.ADMIN)
    args = command_args(update)
    if not args:
        raise InvalidInput("people.invite_usage")
    draft = parse_draft(re.split(r"[|｜]", args))
    issued = await context.services.people.invite(context.me, draft)
    link = context.services.people.invite_link(issued.code)
    await reply(update, context, context.t(
        "people.invite_done", name=issued.name, link=link,
        expires=_local(context, issued.expires_at),
    ))


def _page_buttons(page: int, pages: int) -> Buttons | None:
    if pages <= 1:
        return None
    row = []
    if page > 1:
        row.append(("‹", f"people:page:{page - 1}"))
    row.append((f"{page}/{pages}", f"people:page:{page}"))
    if page < pages:
        row.append(("›", f"people:page:{page + 1}"))
    return [row]


async def _people_text(context: BotContext, page: int) -> tuple[str, Buttons | None]:
    result = await context.services.people.list_people(context.me, page)
    lines = [str(context.t("people.list_head", total=result.total, page=result.page,
                           pages=result.pages))]
    for p in result.people:
        state = "people.state_active" if p.registered else "people.state_unbound"
        if not p.active:
            state = "people.state_inactive"
        elif not p.reachable:
            state = "people.state_unreachable"
        lines.append(str(context.t(
            "people.list_line", name=p.name, department=p.department or "—",
            title=p.title or "—", roles=role_labels(context.lang, p.roles),
            state=context.t(state))))
    return "\n".join(lines), _page_buttons(result.page, result.pages)


@domain_errors
async def people(update: Update, context: BotContext) -> None:
    arg = command_args(update)
    page = int(arg) if arg.isascii() and arg.isdigit() else 1
    text, buttons = await _people_text(context, page)
    await reply(update, context, text, inline_keyboard(buttons))


@domain_errors
async def people_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    page = int(query.data.rsplit(":", 1)[-1])
    text, buttons = await _people_text(context, page)
    await query.answer()
    assert query.message is not None
    await edit_text(query.message, text, buttons)


@domain_errors
async def deactivate(update: Update, context: BotContext) -> None:
    context.me.require(Role.ADMIN)
    name = command_args(update)
    if not name:
        raise InvalidInput("people.deactivate_usage")
    person = await context.services.people.deactivate(context.me, name)
    await reply(update, context, context.t("people.deactivated", name=person.name))


@domain_errors
async def staff_sheet(update: Update, context: BotContext) -> None:
    """An admin sends the 花名册; they get a preview and a confirm button, or the bad rows."""
    context.me.require(Role.ADMIN)
    message = update.effective_message
    assert message is not None and message.document is not None
    document = message.document
    name = document.file_name or "sheet.xlsx"
    if not name.lower().endswith(".xlsx"):
        raise InvalidInput("sheet.not_xlsx")
    if (document.file_size or 0) > MAX_SHEET_BYTES:
        raise InvalidInput("sheet.too_large", limit_mb=MAX_SHEET_BYTES // (1024 * 1024))
    content = bytes(await (await document.get_file()).download_as_bytearray())
    preview = await context.services.staff_import.preview(context.me, name, content)
    if preview.problems:
        lines = [str(context.t("import.rejected", count=len(preview.problems)))]
        for problem in preview.problems[:MAX_PROBLEMS_SHOWN]:
            lines.append(str(context.t("import.problem_line", row=problem.row,
                                       reason=context.t(problem.key, **problem.params))))
        if len(preview.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(str(context.t("import.more_problems",
                                       count=len(preview.problems) - MAX_PROBLEMS_SHOWN)))
        await reply(update, context, "\n".join(lines))
        return
    lines = [str(context.t("import.staff_preview", count=len(preview.drafts)))]
    for number, draft in preview.drafts[:MAX_PROBLEMS_SHOWN]:
        lines.append(str(context.t("import.staff_line", row=number, name=draft.name,
                                   department=draft.department,
                                   roles=role_labels(context.lang, draft.roles))))
    if len(preview.drafts) > MAX_PROBLEMS_SHOWN:
        lines.append(str(context.t("import.more_rows",
                                   count=len(preview.drafts) - MAX_PROBLEMS_SHOWN)))
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(str(context.t("btn.confirm_import")),
                             callback_data=f"import:staff:ok:{preview.upload_id}"),
        InlineKeyboardButton(str(context.t("btn.discard")),
                             callback_data=f"import:staff:no:{preview.upload_id}"),
    ]])
    await reply(update, context, "\n".join(lines), buttons)


@domain_errors
async def staff_sheet_decision(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    _, _, decision, raw_id = query.data.split(":")
    upload_id = int(raw_id)
    if decision == "no":
        await context.services.staff_import.discard(context.me, upload_id)
        await query.answer()
        await edit_text(query.message, context.t("import.discarded"))
        return
    result = await context.services.staff_import.confirm(context.me, upload_id)
    await query.answer()
    await edit_text(query.message, context.t("import.staff_done", count=len(result.people)))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(
        chat.id, document=io.BytesIO(result.sheet),
        filename=str(context.t("import.sheet_filename")),
        caption=str(context.t("import.staff_sheet_caption")),
    )


@domain_errors
async def dept_head(update: Update, context: BotContext) -> None:
    context.me.require(Role.ADMIN)
    parts = command_args(update).split()
    if len(parts) != 2:
        raise InvalidInput("people.dept_head_usage")
    department, head = await context.services.people.set_department_head(
        context.me, parts[0], parts[1])
    await reply(update, context, context.t("people.dept_head_set", department=department,
                                           name=head))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(command("invite", invite))
    app.add_handler(command("people", people))
    app.add_handler(command("deactivate", deactivate))
    app.add_handler(command("dept_head", dept_head))
    app.add_handler(CallbackQueryHandler(people_page, pattern=r"^people:page:\d+$"))
    app.add_handler(CallbackQueryHandler(staff_sheet_decision,
                                         pattern=r"^import:staff:(ok|no):\d+$"))

