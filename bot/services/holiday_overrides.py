"""Admins keep the holiday calendar right: local days off, major-event days, and next year's
official arrangement before the calendar package carries it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.clock import Clock
from bot.config import Config
from bot.services import audit
from bot.services.access import Actor, Role
from bot.services.calendar import DayOverride, HolidayCalendar, HolidayPeriod
from bot.services.errors import InvalidInput
from bot.services.when import user_date
from storage.db import Database
from storage.models import HolidayOverride

HOLIDAY, WORKDAY, CLEARED = "holiday", "workday", "cleared"
KIND_WORDS = {
    "休": HOLIDAY, "放假": HOLIDAY, "假": HOLIDAY, "休息": HOLIDAY, "holiday": HOLIDAY,
    "off": HOLIDAY,
    "班": WORKDAY, "上班": WORKDAY, "调休上班": WORKDAY, "补班": WORKDAY, "workday": WORKDAY,
    "work": WORKDAY,
    "取消": CLEARED, "清除": CLEARED, "恢复": CLEARED, "clear": CLEARED,
}


@dataclass(frozen=True)
class CalendarStatus:
    today: date
    periods: list[HolidayPeriod]
    missing_years: list[int]
    overrides: list[DayOverride]


class HolidayOverrideService:
    def __init__(self, db: Database, config: Config, clock: Clock,
                 calendar: HolidayCalendar) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.calendar = calendar

    async def load(self) -> None:
        async with self.db.transaction() as s:
            rows = await s.scalars(select(HolidayOverride).where(HolidayOverride.kind != CLEARED))
            self.calendar.set_overrides(
                DayOverride(day=r.day, kind=HOLIDAY if r.kind == HOLIDAY else WORKDAY,
                            name=r.name) for r in rows
            )

    def status(self, actor: Actor) -> CalendarStatus:
        """The coming holidays for anyone; the entered corrections for admins only."""
        today = self.clock.now().astimezone(self.config.tz).date()
        horizon = date(today.year + 1, 12, 31)
        return CalendarStatus(
            today=today, periods=self.calendar.next_periods(today, count=4),
            missing_years=self.calendar.missing_years(today, horizon),
            overrides=sorted((o for o in self.calendar.overrides if o.day >= today),
                             key=lambda o: o.day) if actor.is_admin else [],
        )

    def parse_command(self, text: str) -> tuple[date, str, str]:
        """'2027-10-06 休 国庆节' -> (day, kind, name)."""
        parts = re.split(r"\s+", text.strip(), maxsplit=2)
        if len(parts) < 2 or parts[1].lower() not in KIND_WORDS:
            raise InvalidInput("holiday.usage")
        day = user_date(parts[0], now=self.clock.now(), tz=self.config.tz, allow_past=True)
        name = parts[2].strip()[:100] if len(parts) > 2 else ""
        return day, KIND_WORDS[parts[1].lower()], name

    async def set_day(self, actor: Actor, day: date, kind: str, name: str) -> DayOverride | None:
        """Record the admin's word for one day; takes effect at once. Returns None when
        cleared (back to the calendar package's view)."""
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            row = await s.scalar(select(HolidayOverride).where(HolidayOverride.day == day))
            before = {"kind": row.kind, "name": row.name} if row else None
            if row is None:
                if kind == CLEARED:
                    raise InvalidInput("holiday.nothing_to_clear", day=day.isoformat())
                row = HolidayOverride(day=day, kind=kind, name=name, created_by_id=actor.id,
                                      created_at=now)
                s.add(row)
            else:
                row.kind, row.name, row.created_by_id = kind, name or row.name, actor.id
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="calendar.override",
                         entity="holiday_override", entity_id=row.id, before=before,
                         after={"day": day.isoformat(), "kind": kind, "name": row.name})
        await self.load()
        if kind == CLEARED:
            return None
        return DayOverride(day=day, kind=HOLIDAY if kind == HOLIDAY else WORKDAY, name=name)
