"""PostgreSQL lost while the bot runs, for real: the real bot (the Application and scheduler
job that `officebot run` builds, on the emulator) reaches PostgreSQL through a TCP proxy
(tests/pgproxy.py) that the test cuts and restores.

- The database is lost right after the dispatcher sent a message and before it marked it:
  no row is marked sent that the user did not get, and once the database is back every row
  is delivered exactly once, without waiting out the claim lease and with no try counted:
  the dispatcher remembers what it sent but could not mark, and what it claimed but never
  sent, and settles both at its first pass after the return. (Only a process that dies
  meanwhile forgets; then the lease repeats the message in flight, as documented.)
- While it is lost the scheduler's tick keeps failing, logged, and waits longer after each
  failure instead of hammering the server; a user's message gets the error handler's
  apology; after the return the same user's next command works.
- Pool connections that died with the database are replaced, also when the loss and the
  return both happened while the bot was idle (pool_pre_ping in storage/db.py).

PostgreSQL only: SQLite is a file, there is no server to lose.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.config import Config, DatabaseConfig
from bot.demo.seed import PERSONAS, seed_office
from bot.emulator.state import Event
from bot.sandbox import Sandbox
from bot.services import outbox
from storage.db import Database
from storage.models import Notification, Staff
from tests.conftest import ADMIN, LEADER, POSTGRES, STAFF, START, texts
from tests.pgproxy import PgProxy

pytestmark = pytest.mark.skipif(
    not POSTGRES, reason="PostgreSQL only (set OFFICEBOT_TEST_POSTGRES): SQLite has no "
                         "server to lose")

APOLOGY = "系统处理出错"  # the start of error.internal in Chinese
WHOAMI = "姓名：张伟"
# Outbox rows of this test, told apart by the year in their text. More rows than one batch,
# so some are claimed when the database goes and some are still waiting.
YEARS = range(3101, 3108)
BATCH = 3
RECIPIENTS = (LEADER, ADMIN, STAFF)
INTERVAL = timedelta(seconds=0.1)  # the tick job's period: a spinning tick would show


class TickLog(logging.Handler):
    """The scheduler tick's log lines, stamped with the clock its backoff runs on."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[float, logging.LogRecord]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((time.monotonic(), record))

    def failures(self, since: float = 0.0) -> list[tuple[float, float]]:
        """(when, announced wait) of each failed tick."""
        found = []
        for at, record in self.lines:
            if at >= since and str(record.msg).startswith("scheduler tick failed"):
                assert record.exc_info is not None  # the cause is in the log
                _, wait = record.args  # type: ignore[misc]
                found.append((at, float(wait)))
        return found

    def recovered(self, since: float) -> bool:
        return any(at >= since and str(r.msg).startswith("scheduler tick works again")
                   for at, r in self.lines)


@pytest.fixture
def tick_log() -> Iterator[TickLog]:
    handler = TickLog()
    logger = logging.getLogger("bot.app")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture
async def proxy(postgres_database: str | None) -> AsyncIterator[PgProxy]:
    assert postgres_database is not None
    server = make_url(postgres_database)
    async with PgProxy(server.host or "127.0.0.1", server.port or 5432) as running:
        yield running


@pytest.fixture
async def observer(postgres_database: str | None) -> AsyncIterator[Database]:
    """The test's own way into the database, around the proxy: it sees what the bot left
    there while the bot cannot reach it."""
    assert postgres_database is not None
    db = Database(postgres_database)
    yield db
    await db.dispose()


def through(config: Config, proxy: PgProxy) -> Config:
    url = make_url(config.database.url).set(host="127.0.0.1", port=proxy.port)
    return dataclasses.replace(
        config, database=DatabaseConfig(url=url.render_as_string(hide_password=False)),
        outbox=dataclasses.replace(config.outbox, dispatch_interval=INTERVAL, batch_size=BATCH))


async def running_bot(config: Config, *, scheduler: bool) -> Sandbox:
    box = Sandbox(config, start=START, run_scheduler=scheduler, seed=seed_office)
    await box.start()
    for persona in PERSONAS:
        box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                         language_code="en" if persona.language == "en" else "zh-hans")
    return box


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str,
                timeout: float = 15.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while True:
        met = condition()
        if not isinstance(met, bool):
            met = await met
        if met:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)


async def schedule_rows(box: Sandbox) -> dict[int, int]:
    """One due row per year; returns the Telegram chat each year goes to."""
    now = box.clock.now()
    chats: dict[int, int] = {}
    async with box.db.transaction() as s:
        staff = {tg: sid for sid, tg in (await s.execute(select(Staff.id, Staff.telegram_user_id)))}
        for n, year in enumerate(YEARS):
            chat = RECIPIENTS[n % len(RECIPIENTS)]
            await outbox.schedule(s, key=f"pgloss:{year}", recipient_id=staff[chat],
                                  template="notify.calendar_missing", params={"year": year},
                                  due_at=now, now=now, urgent=True)
            chats[year] = chat
    return chats


def received(box: Sandbox, chats: dict[int, int]) -> Counter[int]:
    """How many times each row's message reached its person."""
    counts: Counter[int] = Counter()
    for year, chat in chats.items():
        counts[year] = sum(str(year) in str(m.get("text") or "")
                           for m in box.emu.bot_messages(chat))
    return counts


async def works_again(box: Sandbox, chats: dict[int, int]) -> None:
    """The first command after the return is answered, and the next tick sends each row
    once."""
    reply = texts(await box.send(STAFF, "/whoami"))
    assert WHOAMI in reply and APOLOGY not in reply, reply
    report = await box.tick()
    assert report.failed == [] and len(report.sent) >= len(YEARS), report
    assert all(n == 1 for n in received(box, chats).values())


async def statuses(db: Database) -> dict[int, str]:
    async with db.transaction() as s:
        rows = await s.execute(select(Notification.key, Notification.status)
                               .where(Notification.key.startswith("pgloss:")))
        return {int(key.split(":")[1]): status for key, status in rows}


async def test_database_lost_mid_send_then_back(config: Config, proxy: PgProxy,
                                                observer: Database, tick_log: TickLog) -> None:
    box = await running_bot(through(config, proxy), scheduler=True)
    try:
        await _lose_and_return(box, proxy, observer, tick_log)
    finally:
        proxy.restore()
        await box.stop()


async def _lose_and_return(box: Sandbox, proxy: PgProxy, observer: Database,
                           tick_log: TickLog) -> None:
    dispatcher = box.services.dispatcher
    assert dispatcher is not None
    await until(lambda: dispatcher.last_run is not None, "the scheduler's first tick")

    # The database goes right after the bot handed the first of our messages to Telegram:
    # inside the emulator's sendMessage, before the bot sees the answer, so before the
    # dispatcher can mark the row sent.
    lost: dict[str, Any] = {}

    def lose_after_send(event: Event) -> None:
        text = str((event.get("message") or {}).get("text") or "")
        if event["type"] != "message" or lost:
            return
        for year in YEARS:
            if str(year) in text:
                proxy.cut()
                lost.update(year=year, at=time.monotonic())

    box.emu.subscribe(lose_after_send)
    chats = await schedule_rows(box)
    await until(lambda: bool(lost), "the dispatcher to send one of the rows")
    in_flight: int = lost["year"]

    # b. While lost: the tick fails and backs off.
    await until(lambda: len(tick_log.failures(lost["at"])) >= 1, "a failed tick")
    # A user's message gets the error handler's apology (the access check needs the
    # database), and the bot goes on.
    apology = texts(await box.send(STAFF, "/whoami"))
    assert apology.count(APOLOGY) == 1 and WHOAMI not in apology, apology

    # a. Nothing is marked sent that was not sent: the row in flight went out, but its
    # mark was lost with the database, so it is still claimed ('sending'), not 'sent'.
    seen = await statuses(observer)
    got = received(box, chats)
    assert seen[in_flight] == outbox.SENDING, seen
    assert all(got[year] >= 1 for year, status in seen.items() if status == outbox.SENT), (
        seen, got)

    await until(lambda: len(tick_log.failures(lost["at"])) >= 2, "a second failed tick")
    back_at = time.monotonic()
    sent_while_lost = {year for year, n in received(box, chats).items() if n}
    claimed_at_loss = {year for year, status in (await statuses(observer)).items()
                       if status == outbox.SENDING}
    assert in_flight in sent_while_lost and sent_while_lost <= claimed_at_loss
    proxy.restore()

    # The tick tried again only when its wait was over, each wait twice the last: no spin
    # (the job itself runs every INTERVAL, ten times a second).
    failures = tick_log.failures(lost["at"])
    lost_for = back_at - lost["at"]
    assert [wait for _, wait in failures] == [2.0, 4.0][:len(failures)], failures
    for (at, wait), (next_at, _) in itertools.pairwise(failures):
        assert next_at - at >= wait - 0.05, failures
    assert len(failures) <= 1 + math.log2(1 + lost_for / 2), (failures, lost_for)
    # Each attempt knocks a few times (the tick, the user's message, PTB's persistence),
    # never in a loop.
    assert proxy.refused <= 10 * len(failures), proxy.refused

    # c. The first request after the return works: connections that died are replaced.
    reply = texts(await box.send(STAFF, "/whoami"))
    assert WHOAMI in reply and APOLOGY not in reply, reply

    # The tick comes back by itself once its wait is over. The dispatcher remembers what
    # it had claimed when the database went: what it sent is marked sent, what it never
    # sent goes now, without waiting out the lease and without a try counted. So every row
    # reaches its person exactly once, the message in flight included.
    await until(lambda: tick_log.recovered(back_at), "the tick to work again", timeout=10)

    async def all_sent() -> bool:
        return set((await statuses(observer)).values()) == {outbox.SENT}

    await until(all_sent, "every row sent, inside the lease")
    await box.settle()
    got = received(box, chats)
    assert all(got[year] == 1 for year in YEARS), got
    async with observer.transaction() as s:
        attempts = {row.attempts for row in await s.scalars(select(Notification))}
    assert attempts == {0}, attempts


async def test_idle_loss_and_return_leaves_no_dead_connection(
        config: Config, proxy: PgProxy) -> None:
    """The database goes and comes back while the bot is idle, so nothing noticed: every
    pooled connection is dead. The next update and the next tick still work the first
    time (pool_pre_ping replaces a dead connection before handing it out)."""
    box = await running_bot(through(config, proxy), scheduler=False)
    try:
        # Connections in the pool, all open through the proxy.
        await asyncio.gather(*(box.send(chat, "/whoami") for chat in RECIPIENTS))
        chats = await schedule_rows(box)
        opened = proxy.accepted
        assert opened >= 1
        proxy.cut()
        proxy.restore()

        await works_again(box, chats)
        assert proxy.accepted > opened  # the dead ones were replaced by new connections
    finally:
        await box.stop()


async def test_packets_silently_dropped_are_given_up_on_in_time(
        config: Config, proxy: PgProxy, observer: Database) -> None:
    """The network to PostgreSQL drops every packet and never resets (a dead link, a
    firewall): without a limit the pre-ping, each statement and each new connection would
    wait for ever. With `database.timeout_seconds` the user gets the apology, the outbox
    keeps its rows, and when the network is back the bot works at once."""
    routed = through(config, proxy)
    quick = dataclasses.replace(routed, database=dataclasses.replace(
        routed.database, timeout=timedelta(seconds=1)))
    box = await running_bot(quick, scheduler=False)
    try:
        assert WHOAMI in texts(await box.send(STAFF, "/whoami"))
        chats = await schedule_rows(box)
        proxy.stall()

        # Sandbox.send gives up after 20 s: a wait for ever fails the test here.
        reply = texts(await box.send(STAFF, "/whoami"))
        assert APOLOGY in reply and WHOAMI not in reply, reply
        with pytest.raises(TimeoutError):
            await box.tick()
        assert sum(received(box, chats).values()) == 0
        assert set((await statuses(observer)).values()) == {outbox.PENDING}

        proxy.restore()
        await works_again(box, chats)
    finally:
        proxy.restore()
        await box.stop()
