"""Backups of the SQLite database: an online copy while the bot writes, and a restore that
checks the file before it replaces anything."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.backup import BackupError, backup, check, restore, sqlite_path
from bot.clock import ManualClock
from bot.config import DatabaseConfig, parse_config
from bot.services import outbox
from bot.services.container import Services
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Notification, Staff
from tests.conftest import START


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count(path: Path, table: str) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    """Backups are of SQLite files, so these run on SQLite in every run of the suite."""
    config = dataclasses.replace(
        parse_config("", path="test"),
        database=DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'office.db'}"))
    await upgrade(config.database.url)
    db = Database(config.database.url)
    yield Services(config, db, ManualClock(START))
    await db.dispose()


async def write_rows(services: Services, n: int, start: int = 0) -> None:
    now = services.clock.now()
    for i in range(start, start + n):
        async with services.db.transaction() as s:
            await outbox.schedule(s, key=f"bench:{i}", recipient_id=1, template="x",
                                  due_at=now + timedelta(days=1), now=now)


async def committed(services: Services) -> int:
    async with services.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(Notification)) or 0)


def copied_keys(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [key for (key,) in conn.execute(
            "SELECT key FROM notifications WHERE key LIKE 'bench:%'")]
    finally:
        conn.close()


async def test_online_backup_while_the_bot_writes(services: Services,
                                                  tmp_path: Path) -> None:
    from bot.demo.seed import seed_office

    await seed_office(services)
    await write_rows(services, 50)
    writer = asyncio.create_task(write_rows(services, 200, start=50))
    await asyncio.sleep(0.05)  # the writer is under way
    before = await committed(services)
    made = await asyncio.to_thread(backup, services.config.database.url,
                                   tmp_path / "copy.db")
    after = await committed(services)
    await writer
    assert made.staff == 10 and made.revision
    # One moment of the database: the writer commits bench:0, 1, 2 ... one row a
    # transaction, so the copy holds exactly the first n of them, no gap and nothing
    # half-written, n somewhere between what was committed before and after the copy.
    keys = copied_keys(tmp_path / "copy.db")
    n = len(keys)
    assert sorted(keys) == sorted(f"bench:{i}" for i in range(n))
    assert 50 <= before <= n <= after <= 250, (before, n, after)
    assert before < 250  # the copy was made while the writer went on
    assert check(tmp_path / "copy.db").revision == made.revision
    assert await committed(services) == 250


async def test_backup_refuses_to_overwrite_or_copy_onto_itself(
        services: Services, tmp_path: Path) -> None:
    url = services.config.database.url
    backup(url, tmp_path / "a.db")
    with pytest.raises(BackupError, match="exists"):
        backup(url, tmp_path / "a.db")
    with pytest.raises(BackupError, match="itself"):
        backup(url, sqlite_path(url), overwrite=True)


async def test_restore_checks_the_file_before_replacing_anything(
        services: Services, tmp_path: Path) -> None:
    from bot.demo.seed import seed_office

    await seed_office(services)
    url = services.config.database.url
    live = sqlite_path(url)
    await services.db.dispose()
    before = digest(live)

    text = tmp_path / "notes.txt"
    text.write_text("值班表\n")
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    future = tmp_path / "future.db"
    backup(url, future)
    conn = sqlite3.connect(future)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    damaged = tmp_path / "damaged.db"
    backup(url, damaged)
    data = damaged.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])

    for bad, why in ((text, "not an SQLite database"), (foreign, "not an officebot"),
                     (future, "not one this officebot knows"), (damaged, "damaged|cannot"),
                     (tmp_path / "missing.db", "no such file")):
        with pytest.raises(BackupError, match=why):
            restore(url, bad)
        assert digest(live) == before, bad
    assert not list(live.parent.glob("*.before-restore-*"))


async def test_restore_brings_back_the_backup_and_keeps_what_it_replaced(
        services: Services, tmp_path: Path) -> None:
    from bot.demo.seed import seed_office

    await seed_office(services)
    url = services.config.database.url
    backup(url, tmp_path / "friday.db")
    async with services.db.transaction() as s:
        staff = (await s.scalars(select(Staff))).first()
        assert staff is not None
        staff.active = False
    await services.db.dispose()

    checked, kept = restore(url, tmp_path / "friday.db",
                            now=datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    assert checked.staff == 10
    assert kept is not None and kept.name.endswith(".before-restore-20261128-090000")
    live = sqlite_path(url)
    conn = sqlite3.connect(live)
    try:
        assert conn.execute("SELECT count(*) FROM staff WHERE active = 0").fetchone()[0] == 0
    finally:
        conn.close()
    conn = sqlite3.connect(kept)
    try:
        assert conn.execute("SELECT count(*) FROM staff WHERE active = 0").fetchone()[0] == 1
    finally:
        conn.close()


def test_backup_refuses_postgresql(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        backup("postgresql+asyncpg://u:p@127.0.0.1/officebot", tmp_path / "x.db")
