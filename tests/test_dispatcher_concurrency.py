"""The dispatcher delivers a batch concurrently: different people at once, each person's own
rows one after another in order, and a row to be tried again keeps that person's later rows
behind it.

The notifier here stands in for Telegram's network (the boundary), not for our own code: each
send takes a moment, as a network call does, and it logs when every send starts and ends.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from bot.clock import ManualClock
from bot.services import outbox
from bot.services.container import Services
from bot.services.dispatcher import CLAIM_LEASE, Dispatcher, database_lost
from bot.services.notifier import Buttons, DeliveryFailed, DeliveryRetry, Notifier
from storage.models import Department, Notification, Staff, StaffRole

FIRST_CHAT = 501


class Telegram(Notifier):
    """Every send logs ("start" | "end", chat, text) as it happens; arrival is the end of a
    send that succeeded. `fail` makes the send of a text containing the marker raise, once;
    `hold`, while set, keeps every send waiting until the test lets it go."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.log: list[tuple[str, int, str]] = []
        self.arrived: list[tuple[int, str]] = []
        self.fail: dict[str, Exception] = {}
        self.hold: asyncio.Event | None = None
        self.on_send: list[Callable[[], None]] = []  # called as each send starts
        self.slow: set[int] = set()  # chats whose messages take five times as long

    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        self.log.append(("start", chat_id, text))
        for call in self.on_send:
            call()
        try:
            if self.hold is not None:
                await self.hold.wait()
            # The first message to a chat takes longest: were a person's rows sent at once,
            # the second would arrive first.
            first = not any(chat == chat_id for chat, _ in self.arrived)
            slow = 5 if chat_id in self.slow else 1
            await asyncio.sleep(self.delay * (3 if first else 1) * slow)
            for marker, error in list(self.fail.items()):
                if marker in text:
                    del self.fail[marker]
                    raise error
            self.arrived.append((chat_id, text))
            return len(self.arrived)
        finally:
            self.log.append(("end", chat_id, text))

    def in_flight(self) -> set[int]:
        chats: set[int] = set()
        for event, chat, _ in self.log:
            (chats.add if event == "start" else chats.discard)(chat)
        return chats

    def received(self, chat_id: int) -> list[str]:
        return [name(text) for chat, text in self.arrived if chat == chat_id]


def name(text: str) -> str:
    return text.split("（")[0]


async def people(services: Services, count: int) -> list[int]:
    """`count` registered staff; the n-th has Telegram chat FIRST_CHAT + n."""
    now = services.clock.now()
    async with services.db.transaction() as s:
        dept = Department(name="党政办", created_at=now)
        s.add(dept)
        await s.flush()
        staff = [Staff(name=f"干部{n}", department_id=dept.id, telegram_user_id=FIRST_CHAT + n,
                       created_at=now, roles=[StaffRole(role="staff")]) for n in range(count)]
        s.add_all(staff)
        await s.flush()
        return [person.id for person in staff]


async def schedule(services: Services, rows: list[tuple[str, int]],
                   reverse_ids: bool = False) -> None:
    """Rows (key, staff id), due one second apart in the order given, so the batch's order
    (next_attempt_at, id) is this order. reverse_ids adds them last first, so their ids run
    the other way."""
    now = services.clock.now()
    timed = [(key, staff_id, now - timedelta(seconds=len(rows) - n))
             for n, (key, staff_id) in enumerate(rows)]
    async with services.db.transaction() as s:
        for key, staff_id, due in reversed(timed) if reverse_ids else timed:
            await outbox.schedule(s, key=key, recipient_id=staff_id,
                                  template="notify.registered",
                                  params={"name": key, "department": "党政办"},
                                  due_at=due, now=now)


async def rows(services: Services) -> dict[str, Notification]:
    async with services.db.transaction() as s:
        return {row.key: row for row in await s.scalars(select(Notification))}


def dispatcher(services: Services, telegram: Telegram, batch_size: int = 50) -> Dispatcher:
    config = dataclasses.replace(services.config, outbox=dataclasses.replace(
        services.config.outbox, batch_size=batch_size))
    return Dispatcher(services.db, config, services.clock, telegram)


def manual(services: Services) -> ManualClock:
    assert isinstance(services.clock, ManualClock)
    return services.clock


def interleaved(staff: list[int], each: int) -> list[tuple[str, int]]:
    """p0-1, p1-1, p2-1, p0-2, p1-2, ...: every person's rows spread through the batch."""
    return [(f"p{who}-{n}", staff_id) for n in range(1, each + 1)
            for who, staff_id in enumerate(staff)]


@pytest.mark.parametrize("batch_size", [50, 2])
async def test_each_persons_rows_arrive_in_order_one_at_a_time(
        services: Services, batch_size: int) -> None:
    """With batch_size 2 the next batch is claimed while the slow chat's first message is
    still on its way, and that person's row in it must wait."""
    staff = await people(services, 3)
    await schedule(services, interleaved(staff, 4))
    telegram = Telegram(delay=0.01)
    telegram.slow.add(FIRST_CHAT)

    report = await dispatcher(services, telegram, batch_size).dispatch_due()

    assert len(report.sent) == 12 and not (report.failed or report.retried)
    for who in range(3):
        chat = FIRST_CHAT + who
        assert telegram.received(chat) == [f"p{who}-{n}" for n in range(1, 5)]
        # Never two messages to one chat in flight at once: each starts after the last ended.
        events = [event for event, c, _ in telegram.log if c == chat]
        assert events == ["start", "end"] * 4
    assert {row.status for row in (await rows(services)).values()} == {outbox.SENT}


async def test_different_people_are_sent_to_at_the_same_time(services: Services) -> None:
    staff = await people(services, 3)
    await schedule(services, interleaved(staff, 2))
    telegram = Telegram()
    telegram.hold = asyncio.Event()
    passing = asyncio.create_task(dispatcher(services, telegram).dispatch_due())

    async def all_three_in_flight() -> None:
        while True:
            if len(telegram.in_flight()) == 3 or passing.done():
                return
            await asyncio.sleep(0.01)

    try:
        # One row at a time would never have the three people's messages out at once.
        await asyncio.wait_for(all_three_in_flight(), timeout=20)
    finally:
        telegram.hold.set()
    report = await passing
    assert telegram.in_flight() == set()
    starts = [(event, chat) for event, chat, _ in telegram.log][:3]
    assert sorted(starts) == [("start", FIRST_CHAT + who) for who in range(3)]
    assert len(report.sent) == 6
    for who in range(3):
        assert telegram.received(FIRST_CHAT + who) == [f"p{who}-1", f"p{who}-2"]


@pytest.mark.parametrize("batch_size", [50, 2])
async def test_a_retried_row_keeps_the_same_persons_later_rows_behind_it(
        services: Services, batch_size: int) -> None:
    """With batch_size 2 the other person's rows go in later batches of the same pass."""
    p, q = await people(services, 2)
    # Ids run against the order, so only next_attempt_at can keep it.
    await schedule(services, [("p-1", p), ("q-1", q), ("p-2", p), ("q-2", q), ("p-3", p)],
                   reverse_ids=True)
    telegram = Telegram()
    telegram.fail["p-1"] = DeliveryRetry("timed out")
    clock = manual(services)
    start = clock.now()
    sending = dispatcher(services, telegram, batch_size)

    report = await sending.dispatch_due()
    assert telegram.received(FIRST_CHAT + 1) == ["q-1", "q-2"]  # the other person: unaffected
    assert telegram.received(FIRST_CHAT) == []
    found = await rows(services)
    assert report.retried == [found["p-1"].id] and len(report.sent) == 2
    retry_at = start + timedelta(seconds=30)
    assert found["p-1"].status == outbox.PENDING and found["p-1"].attempts == 1
    assert found["p-1"].next_attempt_at == retry_at
    for key in ("p-2", "p-3"):
        row = found[key]
        # Never claimed: p-1 waiting to be tried again holds them back, as they were.
        assert row.status == outbox.PENDING and row.attempts == 0 and row.claim_token is None
        assert row.next_attempt_at < retry_at

    # The next ticks before p-1 is due again send nothing to the person: p-2 does not
    # overtake it.
    clock.advance(timedelta(seconds=5))
    await sending.dispatch_due()
    assert telegram.received(FIRST_CHAT) == []
    clock.advance(timedelta(seconds=25))
    await sending.dispatch_due()  # p-1 again, then in the same pass the two behind it
    assert telegram.received(FIRST_CHAT) == ["p-1", "p-2", "p-3"]
    assert {row.status for row in (await rows(services)).values()} == {outbox.SENT}


async def test_retried_again_the_row_still_goes_first(services: Services) -> None:
    p, _ = await people(services, 2)
    await schedule(services, [("p-1", p), ("p-2", p)])
    telegram = Telegram()
    telegram.fail["p-1"] = DeliveryRetry("flood", retry_after=5)
    clock = manual(services)
    sending = dispatcher(services, telegram)
    await sending.dispatch_due()
    clock.advance(timedelta(seconds=31))
    telegram.fail["p-1"] = DeliveryRetry("timed out")
    report = await sending.dispatch_due()  # p-1 fails again; p-2, due too, waits again
    found = await rows(services)
    assert report.retried == [found["p-1"].id] and report.sent == []
    assert telegram.received(FIRST_CHAT) == []
    assert found["p-2"].status == outbox.PENDING and found["p-2"].claim_token is None
    clock.advance(timedelta(minutes=2))
    await sending.dispatch_due()
    assert telegram.received(FIRST_CHAT) == ["p-1", "p-2"]


async def test_a_failure_for_one_person_does_not_affect_the_others(services: Services) -> None:
    p, q, r, u = await people(services, 4)
    await schedule(services, [("p-1", p), ("q-1", q), ("r-1", r), ("u-1", u),
                              ("p-2", p), ("q-2", q), ("r-2", r), ("u-2", u)])
    # p-1: Telegram refuses it for good (nothing to wait for, so p-2 goes); q-1: the row is
    # broken (its params are not a mapping), so rendering raises inside the dispatcher;
    # u-1: the send raises an error nobody mapped, so it is tried again later.
    telegram = Telegram(delay=0.005)
    telegram.fail["p-1"] = DeliveryFailed("can't parse entities")
    telegram.fail["u-1"] = RuntimeError("a bug nobody mapped")
    async with services.db.transaction() as s:
        await s.execute(update(Notification).where(Notification.key == "q-1")
                        .values(params=["not", "a", "mapping"]))
    clock = manual(services)
    sending = dispatcher(services, telegram)

    report = await sending.dispatch_due()
    found = await rows(services)
    assert telegram.received(FIRST_CHAT + 2) == ["r-1", "r-2"]
    assert telegram.received(FIRST_CHAT) == ["p-2"]
    assert found["p-1"].status == outbox.FAILED and "parse" in (found["p-1"].last_error or "")
    assert sorted(report.failed) == sorted([found["p-1"].id, found["q-1"].id])
    # The broken row stays claimed until the lease runs out, and q-2 waits behind it,
    # unclaimed; u-2 waits behind u-1's retry.
    assert found["q-1"].status == outbox.SENDING
    assert report.retried == [found["u-1"].id] and telegram.received(FIRST_CHAT + 3) == []
    for key in ("q-2", "u-2"):
        assert found[key].status == outbox.PENDING and found[key].claim_token is None
    assert telegram.received(FIRST_CHAT + 1) == []
    clock.advance(timedelta(minutes=1))  # u-1 is tried again; q-1 is still in its lease
    await sending.dispatch_due()
    assert telegram.received(FIRST_CHAT + 3) == ["u-1", "u-2"]
    assert telegram.received(FIRST_CHAT + 1) == []

    # Mended, q-1 comes back after the lease as a counted try, and goes before q-2.
    async with services.db.transaction() as s:
        await s.execute(update(Notification).where(Notification.key == "q-1")
                        .values(params={"name": "q-1", "department": "党政办"}))
    clock.advance(CLAIM_LEASE)
    await sending.dispatch_due()
    assert telegram.received(FIRST_CHAT + 1) == ["q-1", "q-2"]
    assert (await rows(services))["q-1"].attempts == 1


@pytest.mark.parametrize("how", ["webhook", "polling"])
async def test_stopping_mid_pass_ends_after_the_batch_in_hand(
        services: Services, how: str) -> None:
    """The webhook server sets `stopping`; in polling mode the Application stops running
    (Application.stop() says so first, then waits for the running tick)."""
    staff = await people(services, 4)
    await schedule(services, interleaved(staff, 2))  # 8 rows, in batches of 3
    telegram = Telegram(delay=0.005)
    sending = dispatcher(services, telegram, batch_size=3)
    app_running = True
    sending.running = lambda: app_running

    def stop() -> None:  # the stop comes while the first batch is being sent
        nonlocal app_running
        if how == "webhook":
            sending.stopping = True
        else:
            app_running = False

    telegram.on_send.append(stop)

    report = await sending.dispatch_due()
    first_batch = ["p0-1", "p1-1", "p2-1"]
    assert sorted(name(text) for _, text in telegram.arrived) == first_batch
    found = await rows(services)
    assert sorted(report.sent) == sorted(found[key].id for key in first_batch)
    rest = [row for key, row in found.items() if key not in first_batch]
    # The rest were never claimed: they wait in the outbox for the next start.
    assert all(row.status == outbox.PENDING and row.claim_token is None for row in rest)

    telegram.on_send.clear()
    sending.stopping, app_running = False, True
    await sending.dispatch_due()
    assert {row.status for row in (await rows(services)).values()} == {outbox.SENT}
    for who in range(4):
        assert telegram.received(FIRST_CHAT + who) == [f"p{who}-1", f"p{who}-2"]


async def test_a_claimed_batch_is_sent_in_its_order_to_one_person(services: Services) -> None:
    """One person, rows whose ids run against their due times: they go by due time."""
    (p,) = await people(services, 1)
    await schedule(services, [(f"p-{n}", p) for n in range(1, 6)], reverse_ids=True)
    telegram = Telegram(delay=0.002)
    await dispatcher(services, telegram).dispatch_due()
    assert telegram.received(FIRST_CHAT) == [f"p-{n}" for n in range(1, 6)]


async def test_a_database_lost_mid_pass_lets_the_sends_in_hand_finish(
        services: Services) -> None:
    """The database goes away while a batch is out: the next claim fails, but the messages
    already on their way are not cut off midway; nothing is marked sent, and the error
    reaches the caller (the scheduler's tick backs off)."""
    staff = await people(services, 4)
    await schedule(services, interleaved(staff, 1))
    telegram = Telegram(delay=0.02)
    telegram.slow.add(FIRST_CHAT + 1)  # still on its way when the next claim fails
    sending = dispatcher(services, telegram, batch_size=2)
    real = (services.db.engine, services.db._sessions)
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/x/office.db")

    def lose_the_database() -> None:
        if sum(event == "start" for event, _, _ in telegram.log) == 2:
            services.db.engine, services.db._sessions = broken, async_sessionmaker(broken)

    telegram.on_send.append(lose_the_database)
    try:
        with pytest.raises(Exception, match="unable to open database"):
            await sending.dispatch_due()
    finally:
        await broken.dispose()
        services.db.engine, services.db._sessions = real
    assert telegram.in_flight() == set()
    assert sorted(name(text) for _, text in telegram.arrived) == ["p0-1", "p1-1"]
    found = await rows(services)
    # Sent but not marked (the database was gone): they stay claimed and come back after
    # the lease, as a message in flight when a process dies does. Never marked sent.
    assert found["p0-1"].status == found["p1-1"].status == outbox.SENDING
    assert found["p2-1"].status == found["p3-1"].status == outbox.PENDING

    # The database is back: the next pass marks the two sent (no second message) and sends
    # the other two; no try is counted for the outage.
    await sending.dispatch_due()
    assert sorted(name(text) for _, text in telegram.arrived) == ["p0-1", "p1-1", "p2-1", "p3-1"]
    found = await rows(services)
    assert {row.status for row in found.values()} == {outbox.SENT}
    assert all(row.attempts == 0 and row.message_id for row in found.values())


async def test_after_a_database_outage_nothing_is_sent_twice_or_out_of_order(
        services: Services) -> None:
    """One person, three rows. The database goes while the first is on its way: it was sent
    but cannot be marked, and the next claim fails. The process remembers the first; once
    the database answers, it is marked sent (not sent again) and the other two go, in order,
    with no try counted — without waiting out the lease."""
    [person] = await people(services, 1)
    await schedule(services, [("p-1", person), ("p-2", person), ("p-3", person)])
    telegram = Telegram()
    sending = dispatcher(services, telegram)
    real = (services.db.engine, services.db._sessions)
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/x/office.db")

    def lose_the_database() -> None:
        services.db.engine, services.db._sessions = broken, async_sessionmaker(broken)

    telegram.on_send.append(lose_the_database)
    try:
        with pytest.raises(Exception, match="unable to open database"):
            await sending.dispatch_due()  # p-1 went; its mark and the next claim fail
        # Still away at the next tick: the pass fails at once, and forgets nothing.
        telegram.on_send.clear()
        with pytest.raises(Exception, match="unable to open database"):
            await sending.dispatch_due()
    finally:
        await broken.dispose()
        services.db.engine, services.db._sessions = real
    assert telegram.received(FIRST_CHAT) == ["p-1"]
    found = await rows(services)
    assert [found[k].status for k in ("p-1", "p-2", "p-3")] == [
        outbox.SENDING, outbox.PENDING, outbox.PENDING]

    manual(services).advance(timedelta(seconds=5))  # well inside the lease
    await sending.dispatch_due()
    assert telegram.received(FIRST_CHAT) == ["p-1", "p-2", "p-3"]
    found = await rows(services)
    assert all(row.status == outbox.SENT and row.attempts == 0 for row in found.values())


async def test_one_persons_backlog_does_not_hold_up_the_others(services: Services) -> None:
    """A person with a long backlog (at one message a second per chat, ten rows take ten
    seconds) fills no batch: one row of theirs is in hand at a time, and the next person's
    row, due after all of theirs, goes out alongside their first."""
    p, q = await people(services, 2)
    await schedule(services, [(f"p-{n}", p) for n in range(1, 11)] + [("q-1", q)])
    telegram = Telegram(delay=0.005)
    await dispatcher(services, telegram, batch_size=10).dispatch_due()
    assert telegram.received(FIRST_CHAT) == [f"p-{n}" for n in range(1, 11)]  # in order
    assert telegram.received(FIRST_CHAT + 1) == ["q-1"]
    starts = [(chat, name(text)) for event, chat, text in telegram.log if event == "start"]
    assert starts.index((FIRST_CHAT + 1, "q-1")) < starts.index((FIRST_CHAT, "p-2")), starts


class ClaimOutlivesTheRowsInFlight(Dispatcher):
    """A claim that finds nothing to take returns only once every row in flight is done: as
    when it waits for its turn at the database while the last row of a person it had to
    leave (their row was going) is marked sent."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.flying = 0
        self.landed = asyncio.Event()
        self.raced = 0

    async def _deliver_one(self, row_id: int, token: str, state: Any) -> None:
        self.flying += 1
        self.landed.clear()
        try:
            await super()._deliver_one(row_id, token, state)
        finally:
            self.flying -= 1
            if not self.flying:
                self.landed.set()

    async def _claim(self, now: datetime, token: str, room: int) -> list[int]:
        claimed = await super()._claim(now, token, room)
        if not claimed and self.flying:
            self.raced += 1
            await self.landed.wait()
        return claimed


async def test_a_claim_that_outlives_the_rows_in_flight_claims_again(
        services: Services) -> None:
    """Slow 干部0 has a row going; the next claim leaves their second row and finds nothing
    else, and by the time it returns their first is done: the pass claims again and sends
    their second row, instead of ending with it left for the next tick."""
    slow, fast = await people(services, 2)
    await schedule(services, [("p0-1", slow), ("p1-1", fast), ("p0-2", slow)])
    telegram = Telegram(delay=0.01)
    telegram.slow.add(FIRST_CHAT)
    config = dataclasses.replace(services.config, outbox=dataclasses.replace(
        services.config.outbox, batch_size=2))
    racing = ClaimOutlivesTheRowsInFlight(services.db, config, services.clock, telegram)

    report = await racing.dispatch_due()

    assert racing.raced >= 1  # the race happened
    assert len(report.sent) == 3 and not (report.failed or report.retried), report
    assert telegram.received(FIRST_CHAT) == ["p0-1", "p0-2"]
    assert {row.status for row in (await rows(services)).values()} == {outbox.SENT}


class ClaimOutlivesOneRow(Dispatcher):
    """A claim that finds nothing returns only once row `awaited` is done, while others
    may still be in flight."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.awaited = 0
        self.landed = asyncio.Event()

    async def _deliver_one(self, row_id: int, token: str, state: Any) -> None:
        await super()._deliver_one(row_id, token, state)
        if row_id == self.awaited:
            self.landed.set()

    async def _claim(self, now: datetime, token: str, room: int) -> list[int]:
        claimed = await super()._claim(now, token, room)
        if not claimed and not self.landed.is_set():
            await self.landed.wait()
        return claimed


async def test_a_row_done_during_a_claim_is_not_missed_while_another_is_in_flight(
        services: Services) -> None:
    """y-1 is done first, so a claim runs while slow x-1 is still going; that claim has to
    leave x-2, and x-1 is done before it returns. z-1 is held up at Telegram (a flood wait,
    say). x-2 goes at once, not after z-1."""
    x, y, z = await people(services, 3)
    await schedule(services, [("x-1", x), ("y-1", y), ("z-1", z), ("x-2", x)])
    telegram = Telegram(delay=0.01)
    telegram.slow.add(FIRST_CHAT)
    released, second = asyncio.Event(), asyncio.Event()
    real_send = telegram.send

    async def send(chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        if chat_id == FIRST_CHAT + 2:
            await released.wait()
        message_id = await real_send(chat_id, text, buttons)
        if name(text) == "x-2":
            second.set()
        return message_id

    telegram.send = send  # type: ignore[method-assign]
    racing = ClaimOutlivesOneRow(services.db, services.config, services.clock, telegram)
    racing.awaited = (await rows(services))["x-1"].id
    passing = asyncio.create_task(racing.dispatch_due())
    try:
        await asyncio.wait_for(second.wait(), 10)
        assert telegram.received(FIRST_CHAT) == ["x-1", "x-2"]
        assert telegram.received(FIRST_CHAT + 2) == []  # z-1 still held
    finally:
        released.set()
    report = await passing
    assert len(report.sent) == 4


class ClaimAnswerLost(Dispatcher):
    """The first claim commits, then the connection drops before its answer arrives."""

    lose = True

    async def _claim(self, now: datetime, token: str, room: int) -> list[int]:
        claimed = await super()._claim(now, token, room)
        if self.lose:
            self.lose = False
            raise ConnectionResetError(104, "Connection reset by peer")
        return claimed


async def test_a_claim_whose_answer_was_lost_is_given_back_at_the_next_pass(
        services: Services) -> None:
    """The rows the lost claim took are not left to wait out the lease (5 minutes): the
    next pass gives them back and sends them, no try counted."""
    staff = await people(services, 2)
    await schedule(services, interleaved(staff, 1))
    telegram = Telegram()
    sending = ClaimAnswerLost(services.db, services.config, services.clock, telegram)
    with pytest.raises(ConnectionResetError):
        await sending.dispatch_due()
    assert {row.status for row in (await rows(services)).values()} == {outbox.SENDING}

    manual(services).advance(timedelta(seconds=5))  # well inside the lease
    report = await sending.dispatch_due()
    assert len(report.sent) == 2
    assert all(row.status == outbox.SENT and row.attempts == 0
               for row in (await rows(services)).values())


def test_what_counts_as_the_database_lost() -> None:
    """Lost: the connection reset or never opened (asyncpg reports a connection closed while
    connecting as a plain DBAPIError, as seen in the PostgreSQL-loss test under load).
    Refused: a statement the database turned down, which must not be retried from memory."""
    driver = Exception("connection was closed in the middle of operation")
    assert database_lost(DBAPIError("connect", {}, driver))
    assert database_lost(OperationalError("SELECT 1", {}, driver))
    assert database_lost(ConnectionResetError(104, "Connection reset by peer"))
    assert database_lost(TimeoutError())  # database.timeout_seconds ran out (asyncpg)
    assert database_lost(PoolTimeout("QueuePool limit of size 5 overflow 10 reached"))
    assert not database_lost(IntegrityError("INSERT", {}, Exception("unique")))
    assert not database_lost(ProgrammingError("SELECT x", {}, Exception("no column")))
    assert not database_lost(ValueError("a bug"))
