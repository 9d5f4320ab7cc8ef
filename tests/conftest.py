"""Fixtures: a real database per test (SQLite; PostgreSQL too when OFFICEBOT_TEST_POSTGRES
is set), and the real bot on the emulator."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.config import Config, DatabaseConfig, parse_config
from bot.demo.seed import PERSONAS, STRANGER_ID, seed_office
from bot.sandbox import Sandbox, Setup
from bot.services.container import Services
from storage.db import Database
from storage.migrate import upgrade
from tests import postgres as pg

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Friday morning in the office; tests move the clock from here, never the dates of samples.
START = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"

ADMIN = 1004  # 陈志强, admin + clerk
CLERK_KEEPER = 1005  # 刘芳
STAFF = 1006  # 张伟
STAFF_EN = 1008  # 黄磊, English
LEADER = 1001  # 王建国
STRANGER = STRANGER_ID


def sample(name: str) -> Path:
    path = SAMPLES / name
    if not path.exists():
        pytest.fail(f"sample file missing: {path} (shared/samples sits beside the repo)")
    return path


# Set (e.g. by .ci/run) to run the suite on PostgreSQL as well: the server's URL without a
# database name, e.g. postgresql+asyncpg://officebot:officebot@127.0.0.1:5432
POSTGRES = os.environ.get("OFFICEBOT_TEST_POSTGRES", "").rstrip("/")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """One migrated database for the whole run, emptied before each test; or None."""
    if not POSTGRES:
        yield None
        return
    url = f"{POSTGRES}/officebot_test_{os.getpid()}"
    pg.run(pg.recreate(url))
    pg.run(upgrade(url))
    yield url
    pg.run(pg.drop(url))


@pytest.fixture
def config(tmp_path: Path, postgres_database: str | None) -> Config:
    base = parse_config("", path="test")
    if postgres_database is None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    else:
        pg.run(pg.empty(postgres_database))
        url = postgres_database
    return dataclasses.replace(base, database=DatabaseConfig(url=url))


@pytest.fixture
async def services(config: Config) -> AsyncIterator[Services]:
    await upgrade(config.database.url)
    db = Database(config.database.url)
    yield Services(config, db, ManualClock(START))
    await db.dispose()


@pytest.fixture
def sandbox_setup() -> Setup | None:
    """Override in a test module to add handlers before the bot starts."""
    return None


@pytest.fixture
async def sandbox(config: Config, sandbox_setup: Setup | None) -> AsyncIterator[Sandbox]:
    """The real bot on the emulator with the seeded office (everyone registered)."""
    async with Sandbox(config, start=START, setup=sandbox_setup, seed=seed_office) as box:
        for persona in PERSONAS:
            box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
        box.emu.add_user(user_id=STRANGER, first_name="Stranger", language_code="zh-hans")
        yield box


def texts(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text") or m.get("caption") or "") for m in messages)
