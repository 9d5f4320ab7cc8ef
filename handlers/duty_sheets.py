"""The roster in Excel: import (preview card, confirm or discard), export of a period, and the
monthly duty attendance report.

`roster_export` and `duty_report` take the words after the subcommand, so `/roster export
2026-10` and `/duty report 2026-11` (handlers/duty.py) reach the same code as the
`/roster_export` and `/duty_report` commands registered here.
"""

from __future__ import annotations

import io
from datetime import date

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.services.duty_sheets import RosterPreview, SheetFile
from bot.services.staff_import import RowProblem
from handlers.common import command, command_args, domain_errors, reply
from handlers.context import BotContext
from handlers.holidays import day_label
from handlers.sender import edit_text, inline_keyboard

MAX_ROWS_SHOWN = 30


def _day(context: BotContext, day: date) -> str:
    return day_label(context.lang, day)


def _problems_text(context: BotContext, problems: list[RowProblem]) -> str:
    lines = [str(context.t("import.rejected", count=len(problems)))]
    for problem in problems[:MAX_ROWS_SHOWN]:
        lines.append(str(context.t("import.problem_line", row=problem.row,
                                   reason=context.t(problem.key, **problem.params))))
    if len(problems) > MAX_ROWS_SHOWN:
        lines.append(str(context.t("import.more_problems",
                                   count=len(problems) - MAX_ROWS_SHOWN)))
    return "\n".join(lines)


def _preview_text(context: BotContext, preview: RosterPreview) -> str:
    duty = context.services.duty
    lines = [str(context.t("duty_sheets.preview", count=len(preview.rows),
                           first=preview.first.isoformat(), last=preview.last.isoformat(),
                           people=preview.people))]
    tz = context.services.config.tz
    for number, draft in preview.rows[:MAX_ROWS_SHOWN]:
        start, end = duty.window(draft.day, draft.kind)
        lines.append(str(context.t(
            "duty_sheets.preview_line", row=number, date=_day(context, draft.day),
            kind=context.t(f"duty.kind.{draft.kind}"),
            start=f"{start.astimezone(tz):%H:%M}", end=f"{end.astimezone(tz):%H:%M}",
            person=draft.person_name, leader=draft.leader_name or "—")))
    if len(preview.rows) > MAX_ROWS_SHOWN:
        lines.append(str(context.t("duty_sheets.more_rows",
                                   count=len(preview.rows) - MAX_ROWS_SHOWN)))
    return "\n".join(lines)


async def roster_sheet(update: Update, context: BotContext, file_name: str,
                       content: bytes) -> None:
    """A clerk sent the roster sheet (routed here by handlers/documents.py): the bad rows,
    or a preview with confirm / discard buttons."""
    preview = await context.services.duty_sheets.preview(context.me, file_name, content)
    if preview.problems:
        await reply(update, context, _problems_text(context, preview.problems))
        return
    await reply(update, context, _preview_text(context, preview), inline_keyboard([[
        (str(context.t("btn.confirm_import")), f"import:roster:ok:{preview.upload_id}"),
        (str(context.t("btn.discard")), f"import:roster:no:{preview.upload_id}"),
    ]]))


@domain_errors
async def roster_decision(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None and query.message is not None
    _, _, decision, raw_id = query.data.split(":")
    upload_id = int(raw_id)
    sheets = context.services.duty_sheets
    if decision == "no":
        await sheets.discard(context.me, upload_id)
        await query.answer()
        await edit_text(query.message, context.t("import.discarded"))
        return
    result = await sheets.confirm(context.me, upload_id)
    await query.answer()
    await edit_text(query.message, context.t(
        "duty_sheets.imported", count=result.count, first=result.first.isoformat(),
        last=result.last.isoformat(), notified=result.notified))


async def _send_file(update: Update, context: BotContext, sheet: SheetFile,
                     caption: str) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_document(chat.id, document=io.BytesIO(sheet.content),
                                    filename=sheet.file_name, caption=caption)


async def _roster_export(update: Update, context: BotContext, args: str) -> None:
    sheets = context.services.duty_sheets
    sheet = await sheets.export(context.me, args)
    await _send_file(update, context, sheet, str(context.t(
        "duty_sheets.export_caption", count=sheet.count,
        period=sheets.period_label(context.lang, sheet.start, sheet.end))))


async def _duty_report(update: Update, context: BotContext, args: str) -> None:
    sheets = context.services.duty_sheets
    report = await sheets.report(context.me, args)
    tz = context.services.config.tz
    period = sheets.period_label(context.lang, report.start, report.end)
    lines = [
        str(context.t("duty_sheets.report_head", period=period,
                      as_of=f"{report.as_of.astimezone(tz):%Y-%m-%d %H:%M}")),
        str(context.t("duty_sheets.report_totals", shifts=report.total("shifts"),
                      on_time=report.total("on_time"), late=report.total("late"),
                      missed=report.total("missed"), pending=report.total("pending"))),
    ]
    for person in report.people:
        lines.append(str(context.t(
            "duty_sheets.report_line", name=person.name, shifts=person.shifts,
            on_time=person.on_time, late=person.late, missed=person.missed)))
    sep = str(context.t("list.sep"))
    for key, attr in (("duty_sheets.report_missed", "missed_shifts"),
                      ("duty_sheets.report_late", "late_shifts")):
        for person in report.people:
            shifts = getattr(person, attr)
            if shifts:
                lines.append(str(context.t(key, name=person.name, shifts=sep.join(
                    sheets.shift_label(context.lang, x) for x in shifts))))
    await reply(update, context, "\n".join(lines))
    await _send_file(update, context, report.sheet,
                     str(context.t("duty_sheets.report_caption", period=period)))


async def roster_export(update: Update, context: BotContext, args: str) -> None:
    """`/roster export 2026-10`: the roster of a period as the office's sheet (clerks).
    A refusal is answered here, so callers need no wrapper of their own."""

    @domain_errors
    async def run(update: Update, context: BotContext) -> None:
        await _roster_export(update, context, args)

    await run(update, context)


async def duty_report(update: Update, context: BotContext, args: str) -> None:
    """`/duty report 2026-11` (no period: last month): attendance per person, as a message
    and an Excel file (clerks). A refusal is answered here."""

    @domain_errors
    async def run(update: Update, context: BotContext) -> None:
        await _duty_report(update, context, args)

    await run(update, context)


async def roster_export_command(update: Update, context: BotContext) -> None:
    await roster_export(update, context, command_args(update))


async def duty_report_command(update: Update, context: BotContext) -> None:
    await duty_report(update, context, command_args(update))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(command("roster_export", roster_export_command))
    app.add_handler(command("duty_report", duty_report_command))
    app.add_handler(CallbackQueryHandler(roster_decision,
                                         pattern=r"^import:roster:(ok|no):\d+$"))
    # Imported here: the document router imports this module's roster_sheet.

