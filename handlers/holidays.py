"""/holidays for everyone: the coming statutory holidays with their 调休 workdays.
/holiday for admins: the same, plus correcting the calendar day by day."""

from __future__ import annotations

from datetime import date

from telegram import Update
from telegram.ext import Application

from bot.i18n import ref, t
from bot.services.access import Role
from handlers.common import command, command_args, domain_errors, reply
from handlers.context import BotContext


def day_label(lang: str, day: date) -> str:
    return str(t(lang, "date.day", month=day.month, day=day.day,
                 weekday=ref(f"weekday.{day.weekday()}")))


def full_day_label(lang: str, day: date) -> str:
    """With the year: for a card that must not be misread (a date typed without a year is
    taken as the coming one)."""
    return str(t(lang, "date.full", year=day.year, month=day.month, day=day.day,
                 weekday=ref(f"weekday.{day.weekday()}")))


@domain_errors
async def holiday(update: Update, context: BotContext) -> None:
    context.me.require(Role.ADMIN)
    service = context.services.holidays
    args = command_args(update)
    if args:
        day, kind, name = service.parse_command(args)
        result = await service.set_day(context.me, day, kind, name)
        key = "holiday.cleared" if result is None else f"holiday.set_{result.kind}"
        await reply(update, context, context.t(key, day=day_label(context.lang, day),
                                               name=name or "—"))
        return
    lines = overview(context)
    lines.append(str(context.t("holiday.usage")))
    await reply(update, context, "\n".join(lines))


@domain_errors
async def holidays(update: Update, context: BotContext) -> None:
    await reply(update, context, "\n".join(overview(context)))


def overview(context: BotContext) -> list[str]:
    status = context.services.holidays.status(context.me)
    lines = [str(context.t("holiday.head"))]
    for period in status.periods:
        makeup = str(context.t("list.sep")).join(
            day_label(context.lang, d) for d in period.makeup_workdays) or "—"
        lines.append(str(context.t(
            "holiday.period", name=period.display_name(context.lang),
            start=day_label(context.lang, period.start), end=day_label(context.lang, period.end),
            days=period.days, makeup=makeup,
            provisional=context.t("holiday.provisional") if period.provisional else "")))
    for year in status.missing_years:
        lines.append(str(context.t("holiday.missing", year=year)))
    if status.overrides:
        lines.append(str(context.t("holiday.overrides_head")))
        for o in status.overrides:
            lines.append(str(context.t(f"holiday.override_{o.kind}",
                                       day=day_label(context.lang, o.day), name=o.name or "—")))
    return lines


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(command("holiday", holiday))
    app.add_handler(command("holidays", holidays))
