"""The daily duty sweeps: holiday coverage checks for clerks, and each person's holiday duty
schedule a few days ahead. Run once a day by the sweep runner; every message is an outbox
row with a unique key, so a restart repeats nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.config import Config
from bot.i18n import lines, ref
from bot.services import outbox
from bot.services.access import Role
from bot.services.calendar import HolidayCalendar, HolidayPeriod
from bot.services.duty import ACTIVE, DutyService, day_ref
from bot.services.people import holders
from storage.db import Database
from storage.models import Shift


def _days(period: HolidayPeriod) -> list[date]:
    return [period.start + timedelta(days=n) for n in range((period.end - period.start).days + 1)]


def holiday_name(period: HolidayPeriod) -> dict[str, str]:
    return {"zh": period.name_zh, "en": period.name_en}


class DutySweeps:
    def __init__(self, db: Database, config: Config, duty: DutyService,
                 calendar: HolidayCalendar) -> None:
        self.db = db
        self.config = config
        self.duty = duty
        self.calendar = calendar

    def _periods_within(self, today: date, days: int) -> list[HolidayPeriod]:
        """Holiday periods starting within `days` days (or already running)."""
        return [p for p in self.calendar.periods(today, today + timedelta(days=days))
                if p.end >= today and p.start <= today + timedelta(days=days)]

    async def coverage_gaps(self, period: HolidayPeriod,
                            today: date) -> list[tuple[date, bool, bool]]:
        """(day, has a person on duty, has a duty leader) for each holiday day with a gap."""
        async with self.db.transaction() as s:
            shifts = list(await s.scalars(select(Shift).where(
                Shift.status == ACTIVE, Shift.day >= period.start, Shift.day <= period.end)))
        gaps = []
        for day in _days(period):
            if day < today:
                continue
            # A deactivated person on the roster covers nothing.
            that_day = [sh for sh in shifts if sh.day == day and sh.person.active]
            has_person = bool(that_day)
            has_leader = any(sh.leader is not None and sh.leader.active for sh in that_day)
            if not (has_person and has_leader):
                gaps.append((day, has_person, has_leader))
        return gaps

    async def coverage_check(self, today: date, now: datetime) -> None:
        """Clerks hear of every uncovered holiday day, daily, until the roster covers it."""
        for period in self._periods_within(today, self.config.duty.coverage_days_before):
            gaps = await self.coverage_gaps(period, today)
            if not gaps:
                continue
            gap_lines: list[object] = [
                ref("duty.gap_line", date=day_ref(day),
                    missing=ref("duty.gap_both" if not has_person else "duty.gap_leader"))
                for day, has_person, _has_leader in gaps
            ]
            async with self.db.transaction() as s:
                clerks = await holders(s, Role.CLERK) or await holders(s, Role.ADMIN)
                for clerk in clerks:
                    await outbox.schedule(
                        s, key=f"coverage:{period.start}:{today}:{clerk}", recipient_id=clerk,
                        template="duty.coverage_alert", due_at=now, now=now,
                        params={"holiday": holiday_name(period),
                                "start": day_ref(period.start), "end": day_ref(period.end),
                                "count": len(gaps), "gaps": lines(gap_lines)},
                    )

    async def schedule_notice(self, today: date, now: datetime) -> None:
        """A few days before a holiday period, each person on duty in it gets their days."""
        for period in self._periods_within(today, self.config.duty.schedule_days_before):
            async with self.db.transaction() as s:
                shifts = list(await s.scalars(select(Shift).where(
                    Shift.status == ACTIVE, Shift.day >= period.start,
                    Shift.day <= period.end).order_by(Shift.starts_at)))
                people: dict[int, list[Shift]] = {}
                for shift in shifts:
                    for staff_id in {shift.person_id, shift.leader_id} - {None}:
                        people.setdefault(staff_id, []).append(shift)  # type: ignore[arg-type]
                for staff_id, theirs in people.items():
                    days: list[object] = [
                        ref("duty.schedule_line", date=day_ref(sh.day),
                            kind=ref(f"duty.kind.{sh.kind}"),
                            start=f"{sh.starts_at.astimezone(self.config.tz):%H:%M}",
                            end=f"{sh.ends_at.astimezone(self.config.tz):%H:%M}",
                            role=ref("duty.role_person" if sh.person_id == staff_id
                                     else "duty.role_leader"),
                            person=sh.person.name,
                            leader=sh.leader.name if sh.leader else "—")
                        for sh in theirs]
                    await outbox.schedule(
                        s, key=f"holiday-schedule:{period.start}:{staff_id}",
                        recipient_id=staff_id, template="duty.schedule_notice", due_at=now,
                        now=now, params={"holiday": holiday_name(period),
                                         "lines": lines(days)},
                    )
