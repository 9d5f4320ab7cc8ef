"""All services of one bot, built once and shared by handlers and jobs."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from bot.clock import Clock
from bot.config import Config
from bot.services import outbox
from bot.services.approvals import ApprovalService
from bot.services.calendar import HolidayCalendar
from bot.services.dispatcher import Dispatcher, DispatchReport
from bot.services.duty import DutyService
from bot.services.duty_sheets import DutySheetService
from bot.services.duty_signin import SignInService
from bot.services.duty_swaps import SwapService
from bot.services.duty_sweeps import DutySweeps
from bot.services.holiday_overrides import HolidayOverrideService
from bot.services.meeting_changes import MeetingChangeService
from bot.services.meeting_materials import MaterialService
from bot.services.meeting_minutes import MinutesService
from bot.services.meeting_rsvp import RsvpService
from bot.services.meetings import MeetingService
from bot.services.notifier import Notifier
from bot.services.people import PeopleService
from bot.services.seal_keeping import SealKeepingService
from bot.services.seals import SealService
from bot.services.staff_import import StaffImportService
from bot.services.sweeps import Sweep, SweepRunner
from bot.services.task_assign import TaskAssignService
from bot.services.task_progress import ProgressService
from bot.services.task_supervision import SupervisionService
from bot.services.tasks import TaskService
from storage.db import Database
from storage.models import Staff, StaffRole

log = logging.getLogger(__name__)

CALENDAR_LOOKAHEAD = timedelta(days=60)


class Services:
    def __init__(self, config: Config, db: Database, clock: Clock) -> None:
        self.config = config
        self.db = db
        self.clock = clock
        self.calendar = HolidayCalendar()
        self.holidays = HolidayOverrideService(db, config, clock, self.calendar)
        self.people = PeopleService(db, config, clock)
        self.staff_import = StaffImportService(db, clock, self.people)
        self.duty = DutyService(db, config, clock)
        self.duty_sheets = DutySheetService(db, config, clock, self.duty)
        self.signin = SignInService(db, config, clock, self.duty)
        self.swaps = SwapService(db, config, clock, self.duty)
        self.meetings = MeetingService(db, config, clock)
        self.meeting_materials = MaterialService(db, config, clock, self.meetings)
        self.rsvp = RsvpService(db, config, clock, self.meetings)
        self.meeting_changes = MeetingChangeService(db, config, clock, self.meetings)
        self.minutes = MinutesService(db, config, clock, self.meetings)
        self.tasks = TaskService(db, config, clock)
        # The approvals engine: seal requests route through it.
        self.approvals = ApprovalService(db, config, clock)
        self.seals = SealService(db, config, clock, self.approvals, self.calendar)
        self.seal_keeping = SealKeepingService(db, config, clock, self.approvals,
                                               self.seals, self.calendar)
        # An approver who leaves must not leave seal requests stuck without anyone knowing.
        self.people.on_deactivate.append(self.seals.approver_left)
        self.task_assign = TaskAssignService(db, config, clock, self.tasks)
        self.task_progress = ProgressService(db, config, clock, self.tasks)
        self.supervision = SupervisionService(db, config, clock, self.tasks)
        self.sweeps = SweepRunner(db, config, clock)
        self.supervision.use_calendar(self.calendar)
        self.supervision.use_office(self.duty, self.meetings)
        self.supervision.use_decisions(self.seals.digest_lines)
        for sweep in self.supervision.sweeps():
            self.sweeps.add(sweep)
        for sweep in self.seal_keeping.sweeps():
            self.sweeps.add(sweep)
        self.minutes.use_calendar(self.calendar)
        self.sweeps.add(Sweep("meeting-series", config.meetings.series_generate_at,
                              self.minutes.generate_occurrences))
        self.sweeps.add(Sweep("calendar-check", time(9, 0), self._calendar_check))
        self.duty_sweeps = DutySweeps(db, config, self.duty, self.calendar)
        self.sweeps.add(Sweep("duty-coverage", config.duty.coverage_check_at,
                              self.duty_sweeps.coverage_check))
        self.sweeps.add(Sweep("duty-holiday-schedule", config.duty.schedule_notice_at,
                              self.duty_sweeps.schedule_notice))
        self.dispatcher: Dispatcher | None = None
        # The scheduler job and a person moving the demo clock may tick at once.
        self._tick_lock = asyncio.Lock()

    def attach_notifier(self, notifier: Notifier) -> None:
        self.dispatcher = Dispatcher(self.db, self.config, self.clock, notifier)

    async def load(self) -> None:
        """Read what the services keep in memory (the admins' calendar overrides)."""
        await self.holidays.load()

    async def tick(self) -> DispatchReport:
        """What the scheduler does every few seconds: due sweeps, then due notifications."""
        if self.dispatcher is None:
            raise RuntimeError("no notifier attached")
        async with self._tick_lock:
            await self.sweeps.run_due()
            return await self.dispatcher.dispatch_due()

    async def _calendar_check(self, today: date, now: datetime) -> None:
        """Warn admins once a week while a coming year's 调休 arrangement is unknown."""
        missing = self.calendar.missing_years(today, today + CALENDAR_LOOKAHEAD)
        if not missing:
            return
        week = today.isocalendar()
        async with self.db.transaction() as s:
            admins = await s.scalars(select(Staff.id).join(StaffRole).where(
                StaffRole.role == "admin", Staff.active.is_(True)))
            for admin_id in admins:
                for year in missing:
                    await outbox.schedule(
                        s, key=f"calendar:missing:{year}:{week.year}w{week.week}:{admin_id}",
                        recipient_id=admin_id, template="notify.calendar_missing",
                        params={"year": year}, due_at=now, now=now,
                    )
