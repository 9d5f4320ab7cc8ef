"""Daily sweeps (coverage checks, overdue chasing, digests) that run once per local day.

APScheduler ticks the runner often; whether a sweep is due is decided against the bot's
clock, and a row per (sweep, day) makes each run once, across restarts and instances.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.config import Config
from storage.db import Database
from storage.models import SweepRun

log = logging.getLogger(__name__)

# A run unfinished this long was cut short (the process died): another tick may take it over.
ABANDONED_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Sweep:
    name: str
    at: time  # local time of day from which it is due
    run: Callable[[date, datetime], Awaitable[None]]


class SweepRunner:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.sweeps: list[Sweep] = []

    def add(self, sweep: Sweep) -> None:
        self.sweeps.append(sweep)

    async def run_due(self) -> list[str]:
        """Run every sweep whose time has come today and has not run today. Days the bot was
        down are not replayed: a chase for last Tuesday is noise today."""
        now = self.clock.now()
        local = now.astimezone(self.config.tz)
        ran: list[str] = []
        for sweep in self.sweeps:
            if local.time() < sweep.at:
                continue
            if not await self._claim(sweep.name, local.date(), now):
                continue
            try:
                await sweep.run(local.date(), now)
            except Exception:
                # Give the day back, so the next tick tries again; the sweeps' notifications
                # have unique keys, so a second run adds nothing that the first already added.
                log.exception("sweep %s for %s failed; will retry", sweep.name, local.date())
                await self._release(sweep.name, local.date())
                continue
            await self._finish(sweep.name, local.date())
            ran.append(sweep.name)
        return ran

    async def _claim(self, name: str, day: date, now: datetime) -> bool:
        try:
            async with self.db.transaction() as s:
                s.add(SweepRun(name=name, day=day, started_at=now))
        except IntegrityError:
            # Taken: by a run that finished, one in progress, or one whose process died.
            async with self.db.transaction() as s:
                taken = await s.execute(
                    update(SweepRun)
                    .where(SweepRun.name == name, SweepRun.day == day,
                           SweepRun.finished_at.is_(None),
                           SweepRun.started_at < now - ABANDONED_AFTER)
                    .values(started_at=now)
                )
                return bool(taken.rowcount)  # type: ignore[attr-defined]
        return True

    async def _release(self, name: str, day: date) -> None:
        async with self.db.transaction() as s:
            await s.execute(delete(SweepRun).where(SweepRun.name == name, SweepRun.day == day,
                                                   SweepRun.finished_at.is_(None)))

    async def _finish(self, name: str, day: date) -> None:
        async with self.db.transaction() as s:
            run = await s.scalar(select(SweepRun).where(SweepRun.name == name, SweepRun.day == day))
            if run is not None:
                run.finished_at = self.clock.now()
