"""Daily sweeps (coverage checks, overdue chasing, digests) that run once per local day.

APScheduler ticks the runner often; whether a sweep is due is decided against the bot's
clock, and a row per (sweep, day) makes each run once, across restarts and instances.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.config import Config
from storage.db import Database
from storage.models import SweepRun

log = logging.getLogger(__name__)


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
                log.exception("sweep %s for %s failed", sweep.name, local.date())
                continue
            await self._finish(sweep.name, local.date())
            ran.append(sweep.name)
        return ran

    async def _claim(self, name: str, day: date, now: datetime) -> bool:
        try:
            async with self.db.transaction() as s:
                s.add(SweepRun(name=name, day=day, started_at=now))
        except IntegrityError:
            return False
        return True

    async def _finish(self, name: str, day: date) -> None:
        async with self.db.transaction() as s:
            run = await s.scalar(select(SweepRun).where(SweepRun.name == name, SweepRun.day == day))
            if run is not None:
                run.finished_at = self.clock.now()
