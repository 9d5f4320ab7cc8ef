"""The outbox through the real bot and emulator: once, never when cancelled, late rows after
downtime, stale rows dropped, quiet hours, and a person who blocked the bot."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.demo.seed import PERSONAS
from bot.sandbox import Sandbox
from bot.services import outbox
from bot.services.container import Services
from handlers.sender import TelegramNotifier
from storage.models import Notification, Staff
from tests.conftest import ADMIN, SHANGHAI, STAFF, texts


async def staff_id(sandbox: Sandbox, telegram_id: int) -> int:
    async with sandbox.db.transaction() as s:
        found = await s.scalar(select(Staff.id).where(Staff.telegram_user_id == telegram_id))
        assert found is not None
        return found


async def schedule(sandbox: Sandbox, key: str, telegram_id: int, due: datetime,
                   urgent: bool = False) -> None:
    recipient = await staff_id(sandbox, telegram_id)
    async with sandbox.db.transaction() as s:
        await outbox.schedule(
            s, key=key, recipient_id=recipient, template="notify.registered",
            params={"name": key, "department": "测试"}, due_at=due, now=sandbox.clock.now(),
            urgent=urgent,
        )


def received(sandbox: Sandbox, telegram_id: int, key: str) -> int:
    return sum(key in (m.get("text") or "") for m in sandbox.emu.bot_messages(telegram_id))


async def status(sandbox: Sandbox, key: str) -> str:
    async with sandbox.db.transaction() as s:
        row = await s.scalar(select(Notification).where(Notification.key == key))
        assert row is not None
        return row.status


async def test_sent_once_across_a_dispatcher_restart(sandbox: Sandbox) -> None:
    now = sandbox.clock.now()
    await schedule(sandbox, "t:now", STAFF, now)
    await schedule(sandbox, "t:later", STAFF, now + timedelta(hours=1))

    await sandbox.tick()
    assert received(sandbox, STAFF, "t:now") == 1 and received(sandbox, STAFF, "t:later") == 0

    # A second dispatcher over the same database (the bot restarted) sends nothing again...
    restarted = Services(sandbox.config, sandbox.db, sandbox.clock)
    restarted.attach_notifier(TelegramNotifier(sandbox.app.bot))
    assert (await restarted.tick()).sent == []
    # ...and sends the later one when it is due, once, whichever dispatcher runs.
    sandbox.clock.advance(timedelta(hours=1))
    await restarted.tick()
    assert (await sandbox.tick()).sent == []
    assert received(sandbox, STAFF, "t:now") == 1 and received(sandbox, STAFF, "t:later") == 1


async def test_cancelled_row_is_never_sent(sandbox: Sandbox) -> None:
    now = sandbox.clock.now()
    await schedule(sandbox, "meeting:42:remind:1h", STAFF, now + timedelta(minutes=30))
    await schedule(sandbox, "meeting:42:remind:1d", ADMIN, now + timedelta(minutes=30))
    await schedule(sandbox, "meeting:420:remind:1h", ADMIN, now + timedelta(minutes=30))
    async with sandbox.db.transaction() as s:
        assert await outbox.cancel_prefix(s, "meeting:42:") == 2
    await sandbox.advance(timedelta(hours=2))
    assert received(sandbox, STAFF, "meeting:42:") == 0
    assert received(sandbox, ADMIN, "meeting:42:remind") == 0
    assert received(sandbox, ADMIN, "meeting:420:") == 1
    assert await status(sandbox, "meeting:42:remind:1h") == outbox.CANCELLED

    # Replacing a cancelled key revives it with the new time (a meeting moved back).
    recipient = await staff_id(sandbox, STAFF)
    async with sandbox.db.transaction() as s:
        await outbox.schedule(s, key="meeting:42:remind:1h", recipient_id=recipient,
                              template="notify.registered",
                              params={"name": "meeting:42:moved", "department": "x"},
                              due_at=sandbox.clock.now(), now=sandbox.clock.now())
    await sandbox.tick()
    assert received(sandbox, STAFF, "meeting:42:moved") == 1


async def test_rows_due_while_down_are_sent_on_start_and_stale_dropped(
    config: Config, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    now = sandbox.clock.now()
    await schedule(sandbox, "down:recent", STAFF, now + timedelta(hours=1))
    await schedule(sandbox, "down:ancient", STAFF, now - timedelta(hours=30))
    await sandbox.stop()

    # The bot comes back two hours later on the same database.
    later = now + timedelta(hours=2)
    async with Sandbox(config, start=later) as again:
        for persona in PERSONAS:
            again.emu.add_user(user_id=persona.telegram_id, first_name=persona.name)
        with caplog.at_level(logging.WARNING, logger="bot.services.dispatcher"):
            report = await again.tick()
        assert len(report.dropped) == 1
        assert received(again, STAFF, "down:recent") == 1
        assert received(again, STAFF, "down:ancient") == 0
        assert await status(again, "down:ancient") == outbox.DROPPED
        assert any("down:ancient" in r.getMessage() for r in caplog.records)
    await sandbox.start()  # the fixture stops it again


async def test_quiet_hours_hold_non_urgent_rows(sandbox: Sandbox) -> None:
    night = datetime(2026, 11, 27, 23, 0, tzinfo=SHANGHAI)
    await schedule(sandbox, "quiet:normal", STAFF, night)
    await schedule(sandbox, "quiet:urgent", STAFF, night, urgent=True)
    await sandbox.advance_to(night)
    assert received(sandbox, STAFF, "quiet:urgent") == 1
    assert received(sandbox, STAFF, "quiet:normal") == 0

    await sandbox.advance_to(datetime(2026, 11, 28, 6, 59, tzinfo=SHANGHAI))
    assert received(sandbox, STAFF, "quiet:normal") == 0
    await sandbox.advance_to(datetime(2026, 11, 28, 7, 0, tzinfo=SHANGHAI))
    assert received(sandbox, STAFF, "quiet:normal") == 1


async def test_blocked_person_marked_unreachable_and_admins_told(sandbox: Sandbox) -> None:
    # Telegram answers 403 when the bot writes; it has not yet told the bot of the block.
    sandbox.emu.block(STAFF)
    await schedule(sandbox, "blocked:1", STAFF, sandbox.clock.now())
    report = await sandbox.tick()
    assert report.failed and await status(sandbox, "blocked:1") == outbox.FAILED
    async with sandbox.db.transaction() as s:
        person = await s.scalar(select(Staff).where(Staff.telegram_user_id == STAFF))
        assert person is not None and person.reachable is False
    await sandbox.tick()
    alert = texts(sandbox.emu.bot_messages(ADMIN))
    assert "无法向 张伟（电话 13800000006）发送消息" in alert
    people = texts(await sandbox.send(ADMIN, "/people"))
    assert "张伟 · 党政办 · 干事 · 工作人员 · 无法送达" in people



async def test_block_and_unblock_updates_are_tracked(sandbox: Sandbox) -> None:
    update_id = sandbox.emu.block(STAFF)
    assert update_id is not None
    await sandbox.processed(update_id)
    async with sandbox.db.transaction() as s:
        person = await s.scalar(select(Staff).where(Staff.telegram_user_id == STAFF))
        assert person is not None and person.reachable is False
    await sandbox.tick()
    assert "无法向 张伟（电话 13800000006）发送消息" in texts(sandbox.emu.bot_messages(ADMIN))

    update_id = sandbox.emu.unblock(STAFF)
    assert update_id is not None
    await sandbox.processed(update_id)
    async with sandbox.db.transaction() as s:
        person = await s.scalar(select(Staff).where(Staff.telegram_user_id == STAFF))
        assert person is not None and person.reachable is True


async def test_a_prefix_finds_exactly_its_own_rows(services: Services) -> None:
    """Prefix lookups (cancel a meeting's reminders, find a decision's cards) take neither a
    neighbour's rows ("m:1:" is not "m:10:") nor treat % or _ as wildcards."""
    from bot.demo.seed import seed_office

    await seed_office(services)
    now = services.clock.now()
    keys = ["m:1:a", "m:1:b", "m:10:a", "m:1;x", "m:1", "p%:1", "p_:1", "px:1", "m:1:é"]
    async with services.db.transaction() as s:
        person = await s.scalar(select(Staff.id))
        assert person is not None
        for key in keys:
            await outbox.schedule(s, key=key, recipient_id=person, template="x",
                                  due_at=now + timedelta(days=1), now=now)
    async with services.db.transaction() as s:
        found = {p: sorted(r.key for r in await outbox.rows_with_prefix(s, p))
                 for p in ("m:1:", "p%", "p_", "m:1")}
        cancelled = await outbox.cancel_prefix(s, "m:1:")
    assert found == {"m:1:": ["m:1:a", "m:1:b", "m:1:é"], "p%": ["p%:1"], "p_": ["p_:1"],
                     "m:1": sorted(["m:1:a", "m:1:b", "m:10:a", "m:1;x", "m:1", "m:1:é"])}
    assert cancelled == 3
