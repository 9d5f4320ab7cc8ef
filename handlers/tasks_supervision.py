"""Telegram side of tasks supervision: /tasks (mine, assigned, overdue, dept) paged with
buttons, the menu's 📌 事项, and /task_report with its Excel ledger."""

from __future__ import annotations

import io
import re

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.i18n import ref, words
from bot.services.duty import day_ref
from bot.services.errors import InvalidInput
from bot.services.notifier import Buttons
from bot.services.task_supervision import SupervisionReport, TaskLine, TaskPage
from handlers.common import FRESH, command, command_args, domain_errors, reply
from handlers.context import BotContext
from handlers.menu import menu_keys
from handlers.sender import edit_text, inline_keyboard

PAGE_DATA = re.compile(r"^tasks:page:(mine|assigned|overdue|dept):(\d{1,4})(?::(\d{1,9}))?$")


# --- lists -------------------------------------------------------------------------------------


def _when(context: BotContext, line: TaskLine) -> str:
    if line.days_left < 0:
        return str(context.t("task_sup.late_days", days=-line.days_left))
    if line.overdue:
        return str(context.t("task_sup.late_today"))
    if line.days_left == 0:
        return str(context.t("task_sup.due_today"))
    return str(context.t("task_sup.days_left", days=line.days_left))


def line_text(context: BotContext, line: TaskLine) -> str:
    deadline = line.deadline.astimezone(context.services.config.tz)
    last = context.t("task_sup.last_progress", percent=line.last_percent,
                     text=line.last_text or "—") if line.last_percent is not None \
        else context.t("task_sup.no_progress")
    return str(context.t(
        "task_sup.line", dot=line.dot, id=line.id, title=line.title,
        urgent=context.t("task_sup.urgent_mark") if line.priority == "urgent" else "",
        owner=line.owner, status=ref(f"task.status.{line.status}"),
        deadline=ref("task.deadline_fmt", date=day_ref(deadline.date()),
                     time=f"{deadline:%H:%M}"),
        when=_when(context, line), last=last))


def _buttons(result: TaskPage) -> Buttons | None:
    if result.pages <= 1:
        return None
    tail = f":{result.dept_id}" if result.dept_id is not None else ""

    def data(page: int) -> str:
        return f"tasks:page:{result.kind}:{page}{tail}"

    row = []
    if result.page > 1:
        row.append(("‹", data(result.page - 1)))
    row.append((f"{result.page}/{result.pages}", data(result.page)))
    if result.page < result.pages:
        row.append(("›", data(result.page + 1)))
    return [row]


def page_text(context: BotContext, result: TaskPage) -> str:
    if not result.lines:
        return str(context.t(f"task_sup.empty.{result.kind}", department=result.dept_name)
                   if result.kind == "dept" else context.t(f"task_sup.empty.{result.kind}"))
    head = context.t(f"task_sup.head.{result.kind}", total=result.total, page=result.page,
                     pages=result.pages, **({"department": result.dept_name}
                                            if result.kind == "dept" else {}))
    parts = [str(head)] + [line_text(context, line) for line in result.lines]
    parts.append(str(context.t("task_sup.legend")))
    return "\n\n".join(parts)


def parse_list_args(args: str) -> tuple[str, str]:
    """'' -> mine; 'assigned' / 交办; 'overdue' / 逾期; 'dept 党政办' / 部门 党政办."""
    word, _, rest = args.strip().partition(" ")
    word = word.lower()
    if not word or word in words("task_sup.word.mine"):
        kind = "mine"
    else:
        kind = next((k for k in ("assigned", "overdue", "dept")
                     if word in {w.lower() for w in words(f"task_sup.word.{k}")}), "")
    if not kind or (kind != "dept" and rest.strip()):
        raise InvalidInput("task_sup.list_usage")
    return kind, rest.strip()


async def _show(update: Update, context: BotContext, args: str) -> None:
    kind, name = parse_list_args(args)
    supervision = context.services.supervision
    dept_id = None
    if kind == "dept":
        dept_id, _ = await supervision.department(context.me, name)
    result = await supervision.list_tasks(context.me, kind, 1, dept_id)
    await reply(update, context, page_text(context, result), inline_keyboard(_buttons(result)))


@domain_errors
async def tasks(update: Update, context: BotContext) -> None:
    await _show(update, context, command_args(update))


@domain_errors
async def tasks_menu(update: Update, context: BotContext) -> None:
    await _show(update, context, "")


@domain_errors
async def tasks_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    match = PAGE_DATA.match(query.data)
    if match is None or (match.group(1) == "dept") != (match.group(3) is not None):
        await query.answer(str(context.t("callback.stale")), show_alert=True)
        return
    kind, page, dept = match.group(1), int(match.group(2)), match.group(3)
    result = await context.services.supervision.list_tasks(
        context.me, kind, page, int(dept) if dept else None)
    await query.answer()
    await edit_text(query.message, page_text(context, result), _buttons(result))


# --- the supervision report --------------------------------------------------------------------


async def _send_sheet(update: Update, context: BotContext, report: SupervisionReport) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(chat.id, document=io.BytesIO(report.sheet),
                                    filename=report.file_name,
                                    caption=str(context.t("task_sup.report_caption")))


@domain_errors
async def task_report(update: Update, context: BotContext) -> None:
    supervision = context.services.supervision
    report = await supervision.report(context.me)
    await reply(update, context, context.t("task_sup.report",
                                           **supervision.report_params(report)))
    await _send_sheet(update, context, report)


@domain_errors
async def report_sheet(update: Update, context: BotContext) -> None:
    """The weekly report's button: the ledger as it stands now."""
    query = update.callback_query
    assert query is not None
    report = await context.services.supervision.report(context.me)
    await query.answer()
    await _send_sheet(update, context, report)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(command("tasks", tasks))
    app.add_handler(command("task_report", task_report))
    app.add_handler(MessageHandler(FRESH & filters.Text(menu_keys("menu.tasks")), tasks_menu))
    app.add_handler(CallbackQueryHandler(tasks_page, pattern=r"^tasks:page:"))
    app.add_handler(CallbackQueryHandler(report_sheet, pattern=r"^tasks:report:xlsx$"))
