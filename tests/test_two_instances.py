"""Two bot instances on one database (two engines, as two processes have): every due
notification is sent by exactly one of them, each person's in order and one at a time, and
each daily sweep runs once. Runs on SQLite
and, in the PostgreSQL run of the suite, on PostgreSQL, where the dispatcher claims rows
with FOR UPDATE SKIP LOCKED."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Config, OutboxConfig
from bot.demo.seed import seed_office
from bot.services import outbox
from bot.services.container import Services
from bot.services.notifier import Buttons
from bot.services.sweeps import Sweep
from storage.db import Database
from storage.models import Notification, Staff
from tests.conftest import POSTGRES, START

DUE = 1000


class Telegram:
    """What both instances send to: every message, in the order it arrived. Each send
    yields to the event loop, as a network call does, so the two instances interleave."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.in_flight: set[int] = set()
        self.overlaps = 0  # sends to a chat that began while another to it was going

    def notifier(self, instance: str) -> Recorder:
        return Recorder(self, instance)


@dataclasses.dataclass
class Recorder:
    telegram: Telegram
    instance: str
    count: int = 0

    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        self.telegram.overlaps += chat_id in self.telegram.in_flight
        self.telegram.in_flight.add(chat_id)
        await asyncio.sleep(0)
        self.telegram.in_flight.discard(chat_id)
        self.telegram.sent.append((chat_id, text))
        self.count += 1
        return len(self.telegram.sent)


def instance(config: Config, telegram: Telegram, name: str) -> tuple[Services, Recorder]:
    services = Services(config, Database(config.database.url), ManualClock(START))
    recorder = telegram.notifier(name)
    services.attach_notifier(recorder)
    return services, recorder


async def test_two_dispatchers_send_each_of_a_thousand_notifications_once(
        config: Config, services: Services) -> None:
    await seed_office(services)
    now = services.clock.now()
    async with services.db.transaction() as s:
        people = list(await s.scalars(select(Staff.id).order_by(Staff.id)))
        for n in range(DUE):
            await outbox.schedule(
                s, key=f"load:{n}", recipient_id=people[n % len(people)],
                template="notify.calendar_missing", params={"year": 3000 + n},
                due_at=now - timedelta(minutes=1), now=now, urgent=True)
    # A batch smaller than the office: one person's rows go one at a time, so an instance
    # holding one row of everyone would leave the other nothing to take.
    config = dataclasses.replace(config, outbox=OutboxConfig(batch_size=4))
    telegram = Telegram()
    first, one = instance(config, telegram, "one")
    second, two = instance(config, telegram, "two")
    try:
        assert first.dispatcher is not None and second.dispatcher is not None
        await asyncio.gather(first.dispatcher.dispatch_due(), second.dispatcher.dispatch_due())
    finally:
        await first.db.dispose()
        await second.db.dispose()

    texts = Counter(text for _, text in telegram.sent)
    assert len(telegram.sent) == DUE
    assert max(texts.values()) == 1  # no message twice
    assert one.count > 0 and two.count > 0  # both took a share
    # Each person's messages in the order they were made, one at a time, whichever
    # instance sent them.
    assert telegram.overlaps == 0
    for chat in {chat for chat, _ in telegram.sent}:
        years = [int(m.group()) for c, text in telegram.sent if c == chat
                 if (m := re.search(r"3\d{3}", text))]
        assert years == sorted(years), (chat, years)
    async with services.db.transaction() as s:
        statuses = dict((await s.execute(
            select(Notification.status, func.count()).group_by(Notification.status))).all())
    assert statuses == {outbox.SENT: DUE}


async def test_a_daily_sweep_runs_once_across_two_instances(
        config: Config, services: Services) -> None:
    runs: list[tuple[str, date]] = []

    def counting(name: str) -> Sweep:
        async def run(today: date, now: datetime) -> None:
            await asyncio.sleep(0.01)  # long enough for the other instance to try too
            runs.append((name, today))
        return Sweep("load-check", time(9, 0), run)

    telegram = Telegram()
    first, _ = instance(config, telegram, "one")
    second, _ = instance(config, telegram, "two")
    try:
        first.sweeps.sweeps = [counting("one")]
        second.sweeps.sweeps = [counting("two")]
        await asyncio.gather(first.sweeps.run_due(), second.sweeps.run_due(),
                             first.sweeps.run_due(), second.sweeps.run_due())
        assert len(runs) == 1 and runs[0][1] == START.date()
        for clock in (first.clock, second.clock):
            assert isinstance(clock, ManualClock)
            clock.advance(timedelta(days=1))
        await asyncio.gather(first.sweeps.run_due(), second.sweeps.run_due())
        assert [day for _, day in runs] == [START.date(), START.date() + timedelta(days=1)]
    finally:
        await first.db.dispose()
        await second.db.dispose()


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL only: SQLite locks the whole file, "
                                         "not rows")
async def test_a_row_locked_elsewhere_is_skipped_not_waited_for(
        config: Config, services: Services) -> None:
    """Another transaction holds one due row (another instance's claim, an admin's
    UPDATE): the dispatcher passes it, and its person's later row, and sends the rest at
    once instead of waiting for the lock (FOR UPDATE SKIP LOCKED)."""
    await seed_office(services)
    now = services.clock.now()
    async with services.db.transaction() as s:
        people = list(await s.scalars(select(Staff.id).order_by(Staff.id)))[:3]
        for n, person in enumerate([people[0], people[1], people[2], people[0]]):
            await outbox.schedule(
                s, key=f"lock:{n}", recipient_id=person, template="notify.calendar_missing",
                params={"year": 3000 + n}, due_at=now - timedelta(minutes=1), now=now,
                urgent=True)
    telegram = Telegram()
    first, _ = instance(config, telegram, "one")
    other = Database(config.database.url)
    try:
        assert first.dispatcher is not None
        async with other.transaction() as holder:
            await holder.execute(select(Notification).where(Notification.key == "lock:0")
                                 .with_for_update())
            report = await asyncio.wait_for(first.dispatcher.dispatch_due(), 10)
        assert len(report.sent) == 2 and len(telegram.sent) == 2
    finally:
        await other.dispose()
        await first.db.dispose()
    async with services.db.transaction() as s:
        statuses = dict((await s.execute(select(Notification.key, Notification.status))).all())
    # lock:3 is the same person's as lock:0, after it: it waits too.
    assert statuses == {"lock:0": outbox.PENDING, "lock:1": outbox.SENT,
                        "lock:2": outbox.SENT, "lock:3": outbox.PENDING}
