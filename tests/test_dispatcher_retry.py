"""Dispatcher retries against a Telegram that fails: backoff, give-up, permanent refusal.

The notifier here stands in for Telegram's network (the boundary), not for our own code.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.services import outbox
from bot.services.container import Services
from bot.services.notifier import Buttons, DeliveryFailed, DeliveryRetry
from storage.models import Department, Notification, Staff, StaffRole


class FlakyTelegram:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, text))
        return len(self.sent)


async def person(services: Services) -> int:
    now = services.clock.now()
    async with services.db.transaction() as s:
        dept = Department(name="党政办", created_at=now)
        s.add(dept)
        await s.flush()
        staff = Staff(name="张伟", department_id=dept.id, telegram_user_id=42, created_at=now,
                      roles=[StaffRole(role="staff")])
        s.add(staff)
        await s.flush()
        await outbox.schedule(s, key="k1", recipient_id=staff.id, template="notify.registered",
                              params={"name": "李四", "department": "党政办"}, due_at=now,
                              now=now)
        return staff.id


def manual(services: Services) -> ManualClock:
    assert isinstance(services.clock, ManualClock)
    return services.clock


async def row(services: Services) -> Notification:
    async with services.db.transaction() as s:
        found = await s.scalar(select(Notification).where(Notification.key == "k1"))
        assert found is not None
        return found


async def test_transient_failures_back_off_then_send(services: Services) -> None:
    await person(services)
    telegram = FlakyTelegram([DeliveryRetry("timed out"), DeliveryRetry("flood", 90)])
    services.attach_notifier(telegram)
    clock = manual(services)
    start = clock.now()

    await services.tick()
    first = await row(services)
    assert first.status == outbox.PENDING and first.attempts == 1
    assert first.next_attempt_at == start + timedelta(seconds=30)

    clock.advance(timedelta(seconds=30))
    await services.tick()
    second = await row(services)
    assert second.attempts == 2
    # Telegram's retry_after (90 s) wins over the doubled backoff (60 s).
    assert second.next_attempt_at == clock.now() + timedelta(seconds=90)

    clock.advance(timedelta(seconds=89))
    await services.tick()
    assert telegram.sent == []
    clock.advance(timedelta(seconds=1))
    await services.tick()
    assert telegram.sent == [(42, "李四（党政办）已完成注册。")]
    assert (await row(services)).status == outbox.SENT


async def test_gives_up_after_max_attempts(services: Services) -> None:
    await person(services)
    attempts = services.config.outbox.max_attempts
    telegram = FlakyTelegram([DeliveryRetry("down") for _ in range(attempts + 3)])
    services.attach_notifier(telegram)
    for _ in range(attempts):
        await services.tick()
        manual(services).advance(timedelta(hours=2))
    final = await row(services)
    assert final.status == outbox.FAILED and final.attempts == attempts
    assert telegram.sent == []


async def test_refused_message_is_not_retried(services: Services) -> None:
    await person(services)
    telegram = FlakyTelegram([DeliveryFailed("can't parse entities")])
    services.attach_notifier(telegram)
    await services.tick()
    await services.tick()
    failed = await row(services)
    assert failed.status == outbox.FAILED and "parse" in (failed.last_error or "")


async def test_unexpected_error_is_retried_and_the_persons_next_row_waits_behind_it(
        services: Services) -> None:
    """The same person's next row must not overtake the one to be retried; other people's
    rows are not held up (tests/test_dispatcher_concurrency.py)."""
    staff_id = await person(services)
    now = services.clock.now()
    async with services.db.transaction() as s:
        await outbox.schedule(s, key="k2", recipient_id=staff_id, template="notify.registered",
                              params={"name": "王五", "department": "党政办"}, due_at=now,
                              now=now)
    telegram = FlakyTelegram([RuntimeError("a bug nobody mapped")])
    services.attach_notifier(telegram)
    await services.tick()
    assert telegram.sent == []
    first = await row(services)
    assert first.status == outbox.PENDING and first.attempts == 1
    assert "a bug nobody mapped" in (first.last_error or "")
    manual(services).advance(timedelta(seconds=31))
    await services.tick()
    assert telegram.sent == [(42, "李四（党政办）已完成注册。"), (42, "王五（党政办）已完成注册。")]


async def test_row_left_mid_send_by_a_dead_process_is_retried(services: Services) -> None:
    await person(services)
    clock = manual(services)
    async with services.db.transaction() as s:
        stuck = await s.scalar(select(Notification).where(Notification.key == "k1"))
        assert stuck is not None
        stuck.status, stuck.claimed_at, stuck.claim_token = outbox.SENDING, clock.now(), "dead"
    telegram = FlakyTelegram([])
    services.attach_notifier(telegram)
    await services.tick()
    assert telegram.sent == []  # still within the lease: maybe it is being sent right now
    clock.advance(timedelta(minutes=6))
    await services.tick()
    assert len(telegram.sent) == 1
    done = await row(services)
    assert done.status == outbox.SENT and done.attempts == 1


async def test_a_lost_database_is_retried_with_backoff_and_nothing_marked_sent(
        services: Services) -> None:
    """The database goes away while the bot runs: the scheduler's tick fails, waits longer
    after each failure, and picks up again when the database is back; the row that was due
    meanwhile is sent once, after."""
    import time
    import types

    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from bot.app import _tick
    from bot.i18n import t

    staff_id = await person(services)
    telegram = FlakyTelegram([])
    services.attach_notifier(telegram)
    now = services.clock.now()
    async with services.db.transaction() as s:
        await outbox.schedule(s, key="due:1", recipient_id=staff_id,
                              template="notify.calendar_missing", params={"year": 2099},
                              due_at=now, now=now)
    context = types.SimpleNamespace(bot_data={}, services=services)
    # The database out of reach: every connection fails, as when the server is down.
    real = (services.db.engine, services.db._sessions)
    broken = create_async_engine("sqlite+aiosqlite:////nonexistent-dir/x/office.db")
    services.db.engine, services.db._sessions = broken, async_sessionmaker(broken)
    try:
        await _tick(context)  # type: ignore[arg-type]
        state = context.bot_data["tick"]
        assert state["failures"] == 1 and state["resume_at"] > time.monotonic()
        first_wait = state["resume_at"]
        await _tick(context)  # type: ignore[arg-type]  # within the wait: not tried at all
        assert state["failures"] == 1 and state["resume_at"] == first_wait
        state["resume_at"] = 0.0
        await _tick(context)  # type: ignore[arg-type]
        assert state["failures"] == 2
        assert state["resume_at"] - time.monotonic() > 3  # 4 s after the second failure
    finally:
        await broken.dispose()
        services.db.engine, services.db._sessions = real
    assert telegram.sent == []
    state["resume_at"] = 0.0
    await _tick(context)  # type: ignore[arg-type]
    assert state["failures"] == 0
    assert [text for _, text in telegram.sent if "2099" in text] == [
        t("zh", "notify.calendar_missing", year=2099)]
    async with services.db.transaction() as s:
        row = await s.scalar(select(Notification).where(Notification.key == "due:1"))
        assert row is not None and row.status == outbox.SENT
