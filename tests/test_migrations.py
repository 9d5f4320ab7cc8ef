"""Alembic migrations produce exactly the schema the models describe."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from bot.config import Config, DatabaseConfig, parse_config
from storage.db import Database
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Base


async def test_migrations_match_models(config: Config) -> None:
    await upgrade(config.database.url)
    db = Database(config.database.url)
    try:
        assert await current_revision(db.engine) == head_revision()
        # Server defaults too (alembic leaves them out unless asked): a default given in a
        # migration and not the model, or the other way, is a difference in the schema.
        options = {"compare_server_default": True}
        async with db.engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts=options), Base.metadata))
        assert diff == []
    finally:
        await db.dispose()


@pytest.fixture
def sqlite_config(tmp_path: Path) -> Config:
    """SQLite's own behaviour, checked in the PostgreSQL run of the suite too."""
    return dataclasses.replace(parse_config("", path="test"), database=DatabaseConfig(
        url=f"sqlite+aiosqlite:///{tmp_path / 'office.db'}"))


async def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_config: Config) -> None:
    config = sqlite_config
    await upgrade(config.database.url)
    db = Database(config.database.url)
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            # No busy handler in the event loop: Database waits for a locked file itself
            # (tests/test_db.py), with asyncio.sleep, so the loop keeps serving.
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 0
    finally:
        await db.dispose()


async def test_upgrading_a_database_in_use_keeps_its_rows(sqlite_config: Config) -> None:
    """An office upgrades a database full of people: SQLite rebuilds tables to alter them,
    which must neither fail on the rows pointing at them nor lose any."""
    config = sqlite_config
    await upgrade(config.database.url, "0001")
    db = Database(config.database.url)
    async with db.transaction() as s:
        await s.execute(text("INSERT INTO departments (name, active, created_at) "
                             "VALUES ('党政办', 1, '2026-01-01 00:00:00')"))
        await s.execute(text("INSERT INTO staff (name, department_id, title, phone, active, "
                             "reachable, created_at) VALUES ('张伟', 1, '干事', '', 1, 1, "
                             "'2026-01-01 00:00:00')"))
    await db.dispose()
    await upgrade(config.database.url)
    db = Database(config.database.url)
    try:
        async with db.transaction() as s:
            assert (await s.execute(text("SELECT name, department_id FROM staff"))).all() == [
                ("张伟", 1)]
            assert (await s.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert await current_revision(db.engine) == head_revision()
    finally:
        await db.dispose()
