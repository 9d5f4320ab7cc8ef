"""Benchmark 3: a broadcast against Telegram's flood limits.

1,000 due notifications to 300 people go out through the real outbox dispatcher, the real
sender (handlers/sender.py) and the bot's rate limiter as bot/app.py wires it, to the Bot API
emulator enforcing Telegram's limits (30 messages/s per bot, 1/s per chat, sliding one-second
windows, 429 with retry_after beyond them). Figures: 429s the emulator answered, the time from
the first dispatch pass to the last message, and that time against the least the limits allow
(1000/30 s). Target: zero 429s, within 1.2x that least time.

Orders of the rows (--order):
- features (default): the rows as features make them, one message per person per event, four
  events in turn (a meeting notice and its reminder to everyone, a holiday duty schedule to
  250, a digest to 150); a person's next row is at least 150 rows later;
- shuffled: the same rows in random order, the worst case for a dispatcher that sends one row
  at a time, since a row whose chat had a message less than a second ago holds up the rest;
- both.
--limiter aio runs the same with PTB's AIORateLimiter (what bot/app.py used before), to show
why it was replaced. --scale 0.1 sends a tenth of the rows to a tenth of the people (the
smoke test's quick run; the figures are for the full size).

    .venv/bin/python -m bench.broadcast [--order features|shuffled|both] [--limiter ours|aio]
        [--scale 1]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from telegram.ext import AIORateLimiter, BaseRateLimiter

from bench.common import bench_config, header, out
from bot.app import build_application
from bot.clock import ManualClock
from bot.emulator import BotApiEmulator
from bot.emulator.ratelimit import CountingLimits
from bot.ratelimit import SlidingWindowRateLimiter
from bot.services import outbox
from bot.services.container import Services
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Department, Notification, Staff

MODULE = "bench.broadcast"
PEOPLE = 300
# Four events, each one message to each of its recipients: 300 + 300 + 250 + 150 = 1000.
EVENTS = (("meeting-notice", 300), ("meeting-reminder", 300), ("holiday-schedule", 250),
          ("digest", 150))
START = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday
FIRST_TELEGRAM_ID = 700_001
TARGET_FACTOR = 1.2
GIVE_UP_AFTER = 150.0  # seconds: the run is bounded even if something stalls


@dataclass
class Outcome:
    order: str
    limiter: str
    people: int
    sent: int
    rows: int
    seconds: float
    refused: int
    retries: int
    busiest_second: int
    closest_in_chat: float | None

    @property
    def least(self) -> float:
        return self.rows / 30

    @property
    def ratio(self) -> float:
        return self.seconds / self.least


async def _seed(services: Services, order: str, people: int, scale: float) -> int:
    now = services.clock.now()
    async with services.db.transaction() as s:
        dept = Department(name="县直机关", created_at=now)
        s.add(dept)
        await s.flush()
        # Bulk insert: 300 registered people, each with their own Telegram chat.
        await s.execute(insert(Staff), [
            {"name": f"干部{n:03d}", "department_id": dept.id, "title": "干事",
             "phone": f"1390000{n:04d}", "language": "zh", "active": True, "reachable": True,
             "telegram_user_id": FIRST_TELEGRAM_ID + n, "created_at": now}
            for n in range(people)])
        staff_ids = list(await s.scalars(select(Staff.id).order_by(Staff.id)))
    plan = [(event, staff_ids[n]) for event, size in EVENTS for n in range(round(size * scale))]
    if order == "shuffled":
        random.Random(8).shuffle(plan)
    async with services.db.transaction() as s:
        # Through the outbox's own schedule(), as features do, all due now.
        for event, staff_id in plan:
            await outbox.schedule(s, key=f"bench:{event}:{staff_id}", recipient_id=staff_id,
                                  template="notify.calendar_missing", params={"year": 2028},
                                  due_at=now, now=now)
    return len(plan)


async def _pending(services: Services) -> int:
    async with services.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(Notification).where(
            Notification.status.in_((outbox.PENDING, outbox.SENDING)))) or 0)


async def run(order: str, limiter_name: str, workdir: Path, scale: float = 1.0) -> Outcome:
    config = bench_config(workdir / f"broadcast-{order}-{limiter_name}.db")
    await upgrade(config.database.url)
    db = Database(config.database.url)
    clock = ManualClock(START)
    services = Services(config, db, clock)
    people = round(PEOPLE * scale)
    rows = await _seed(services, order, people, scale)
    limits = CountingLimits()
    emu = BotApiEmulator(token="123456789:BENCH-token", rate_limits=limits, now=clock.now)
    for n in range(people):
        emu.add_user(FIRST_TELEGRAM_ID + n, f"干部{n:03d}")
    await emu.start()
    limiter: BaseRateLimiter[Any] = (AIORateLimiter(max_retries=3) if limiter_name == "aio"
                                     else SlidingWindowRateLimiter(max_retries=3))
    # The production wiring (limiter aside, when comparing): dispatcher, sender, bot.
    app = build_application(config, services, token=emu.token, base_url=emu.base_url,
                            base_file_url=emu.base_file_url, run_scheduler=False,
                            rate_limiter=limiter)
    await app.initialize()
    assert services.dispatcher is not None
    sent = 0
    started = time.monotonic()
    try:
        # What the scheduler's ticks do: dispatch passes until nothing is due. A row given
        # back for a retry is due again after its backoff, on the bot's clock: move it on.
        while await _pending(services) and time.monotonic() - started < GIVE_UP_AFTER:
            report = await services.dispatcher.dispatch_due()
            sent += len(report.sent)
            if report.retried:
                clock.advance(timedelta(hours=1))
        seconds = time.monotonic() - started
    finally:
        await app.shutdown()
        await emu.stop()
        await db.dispose()
    retries = limiter.retries if isinstance(limiter, SlidingWindowRateLimiter) else -1
    return Outcome(order, limiter_name, people, sent, rows, seconds, limits.refused, retries,
                   limits.busiest_second(), limits.closest_in_a_chat())


def report(result: Outcome) -> None:
    met = result.refused == 0 and result.sent == result.rows \
        and result.ratio <= TARGET_FACTOR
    out(f"-- order={result.order} limiter={result.limiter}")
    out(f"sent: {result.sent}/{result.rows} to {result.people} people")
    out(f"429s answered by the emulator: {result.refused}"
        + (f" (limiter retries: {result.retries})" if result.retries >= 0 else ""))
    out(f"time: {result.seconds:.1f} s; least the limits allow: {result.least:.1f} s "
        f"(rows/30); ratio {result.ratio:.2f} (target <= {TARGET_FACTOR})")
    out(f"busiest second at the server: {result.busiest_second} messages; closest two "
        f"in one chat: {result.closest_in_chat:.2f} s" if result.closest_in_chat is not None
        else f"busiest second at the server: {result.busiest_second} messages")
    out(f"target (0 x 429, <= {TARGET_FACTOR}x): {'MET' if met else 'MISSED'}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--order", choices=("features", "shuffled", "both"), default="features")
    parser.add_argument("--limiter", choices=("ours", "aio"), default="ours")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="fraction of the rows and people (0 < scale <= 1)")
    args = parser.parse_args()
    if not 0 < args.scale <= 1:
        parser.error("--scale must be in (0, 1]")
    # The dispatcher logs every retry and give-up; the figures say it better here.
    logging.basicConfig(level=logging.ERROR)
    rows = sum(round(size * args.scale) for _, size in EVENTS)
    header(f"broadcast: {rows:,} notifications to {round(PEOPLE * args.scale)} people under "
           "Telegram's limits", MODULE)
    orders = ("features", "shuffled") if args.order == "both" else (args.order,)
    with tempfile.TemporaryDirectory(prefix="officebot-bench-") as tmp:
        for order in orders:
            report(await run(order, args.limiter, Path(tmp), args.scale))


if __name__ == "__main__":
    asyncio.run(main())
