"""Units of work (storage/db.py): on SQLite this process's units take turns in the event
loop, so none waits in SQLite's busy handler on another of ours; a unit opened inside
another in one task is refused at once instead of waiting on itself."""

from __future__ import annotations

import asyncio
import math
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

import storage.db
from bot.config import Config
from storage.db import Database, DatabaseBusy, NestedTransaction
from storage.migrate import upgrade
from storage.models import Department
from tests.conftest import START


@pytest.fixture
async def db(config: Config) -> Database:
    await upgrade(config.database.url)
    database = Database(config.database.url)
    yield database  # type: ignore[misc]
    await database.dispose()


@pytest.fixture
def locked_is_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit that finds the file locked fails at once instead of waiting and trying again.
    That wait is for other processes; without it, a test of this process's turns fails when
    two of our units reach the file together, instead of passing for the retry's sake."""
    monkeypatch.setattr(storage.db, "LOCKED_RETRY", (math.inf, math.inf))


def department(name: str) -> Department:
    return Department(name=name, created_at=START)


async def departments(db: Database) -> int:
    async with db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(Department)) or 0)


async def test_a_unit_opened_inside_another_in_one_task_is_refused_at_once(db: Database) -> None:
    if not db.is_sqlite:
        pytest.skip("PostgreSQL gives each unit its own connection; nesting there is allowed")
    async with db.transaction() as s:
        s.add(department("党政办"))
        with pytest.raises(NestedTransaction):
            async with db.transaction():
                pass  # pragma: no cover - never entered
    # The outer unit was not spoiled by the refusal: it committed.
    assert await departments(db) == 1


async def test_units_that_wait_mid_way_take_turns_and_lose_nothing(
        db: Database, locked_is_fatal: None) -> None:
    """Forty units, each reading, yielding to the loop, then writing: on SQLite with the
    write lock taken at BEGIN, a unit that started while another was mid-way used to wait
    in SQLite's busy handler; now it waits for its turn, and every write lands once."""
    order: list[tuple[int, str]] = []

    async def unit(n: int) -> None:
        async with db.transaction() as s:
            order.append((n, "begin"))
            before = await s.scalar(select(func.count()).select_from(Department))
            await asyncio.sleep(0.001)  # something else runs meanwhile
            s.add(department(f"部门{n:02d}"))
            await s.flush()
            after = await s.scalar(select(func.count()).select_from(Department))
            if db.is_sqlite:
                # Nobody else's write came in between: this unit had the file to itself.
                assert after == (before or 0) + 1
            order.append((n, "end"))

    await asyncio.wait_for(asyncio.gather(*(unit(n) for n in range(40))), timeout=30)
    assert await departments(db) == 40
    if db.is_sqlite:
        # Strict turns: every unit ended before the next one began.
        assert all(order[i][0] == order[i + 1][0] for i in range(0, len(order), 2))


async def test_two_databases_on_one_file_share_the_turns(config: Config,
                                                        locked_is_fatal: None) -> None:
    if not config.database.url.startswith("sqlite"):
        pytest.skip("turns are for SQLite's single writer; PostgreSQL locks rows")
    await upgrade(config.database.url)
    first, second = Database(config.database.url), Database(config.database.url)
    try:
        started = asyncio.Event()
        release = asyncio.Event()

        async def holder() -> None:
            async with first.transaction() as s:
                s.add(department("经济发展办"))
                await s.flush()
                started.set()
                await release.wait()

        holding = asyncio.create_task(holder())
        await asyncio.wait_for(started.wait(), 10)
        waiting = asyncio.create_task(departments(second))
        await asyncio.sleep(0.05)
        # The second unit waits its turn without holding up the loop (this line ran).
        assert not waiting.done()
        release.set()
        await asyncio.wait_for(holding, 10)
        assert await asyncio.wait_for(waiting, 10) == 1
    finally:
        await first.dispose()
        await second.dispose()


async def test_statements_run_in_the_loops_thread(db: Database) -> None:
    """The point of the in-loop driver (benchmark 1): no hand-over to a worker thread per
    statement. A SQL function records the thread it was called from."""
    if not db.is_sqlite:
        pytest.skip("asyncpg has no worker threads to avoid")
    seen: list[int] = []
    async with db.transaction() as s:
        raw = await s.connection()
        driver = (await raw.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.create_function("where_am_i", 0, lambda: seen.append(
            threading.get_ident()) or 1)
        assert await s.scalar(text("SELECT where_am_i()")) == 1
    assert seen == [threading.get_ident()]


async def test_a_file_locked_by_another_process_is_waited_for_without_holding_up_the_loop(
        db: Database, config: Config) -> None:
    """Another connection (as another process would: `officebot db upgrade`, an admin's
    sqlite3 shell) holds the write lock for a moment: the unit waits for it and then does
    its work, and meanwhile the bot's other work goes on."""
    if not db.is_sqlite:
        pytest.skip("the write lock of a file is SQLite's")
    other = sqlite3.connect(str(make_url(config.database.url).database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    beats = 0

    async def heartbeat() -> None:
        nonlocal beats
        while True:
            beats += 1
            await asyncio.sleep(0.01)

    beating = asyncio.create_task(heartbeat())
    asyncio.get_running_loop().call_later(0.3, other.commit)
    try:
        async with db.transaction() as s:
            s.add(department("社会事务办"))
        waited_beats = beats
    finally:
        beating.cancel()
        other.close()
    assert await departments(db) == 1
    # The loop ran all along (about 30 beats in 0.3 s; a blocked loop gives one or two).
    assert waited_beats >= 10, waited_beats


class Heartbeat:
    """Counts the loop's turns while it runs: a loop held up by a blocking wait barely
    beats."""

    def __init__(self) -> None:
        self.beats = 0
        self._task = asyncio.create_task(self._beat())

    async def _beat(self) -> None:
        while True:
            self.beats += 1
            await asyncio.sleep(0.01)

    def stop(self) -> int:
        self._task.cancel()
        return self.beats


async def test_a_file_locked_by_another_process_for_too_long_ends_in_database_busy(
        db: Database, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """As a turn held too long does: DatabaseBusy, with the driver's error as its cause,
    counted by the dispatcher as the database lost for now (its rows kept for later)."""
    if not db.is_sqlite:
        pytest.skip("the write lock of a file is SQLite's")
    from bot.services.dispatcher import database_lost

    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    other = sqlite3.connect(str(make_url(config.database.url).database), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    heart = Heartbeat()
    try:
        with pytest.raises(DatabaseBusy, match=r"waited 0.3 s .* another process") as caught:
            async with db.transaction():
                pass  # pragma: no cover - never begins
    finally:
        beats = heart.stop()
        other.close()
    assert isinstance(caught.value.__cause__, sqlalchemy.exc.OperationalError)
    assert "locked" in str(caught.value.__cause__)
    assert database_lost(caught.value)
    assert beats >= 10, beats


async def test_the_turn_and_the_locked_file_share_one_deadline(
        db: Database, config: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit that waited most of the busy timeout for its turn, then finds the file locked
    by another process, gives up when the busy timeout ends, not a whole timeout later."""
    if not db.is_sqlite:
        pytest.skip("the write lock of a file is SQLite's")
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 1000)
    other = sqlite3.connect(str(make_url(config.database.url).database), isolation_level=None)
    clock = asyncio.get_running_loop().time
    began = asyncio.Event()

    async def first() -> None:
        async with db.transaction() as s:
            await s.execute(text("SELECT 1"))
            began.set()
            await asyncio.sleep(0.8)
        # Before the waiting unit runs again: another process takes the file.
        other.execute("BEGIN IMMEDIATE")

    holding = asyncio.create_task(first())
    try:
        await began.wait()
        start = clock()
        with pytest.raises(DatabaseBusy):
            async with db.transaction():
                pass  # pragma: no cover - never begins
        waited = clock() - start
        await holding
    finally:
        other.close()
    # One deadline: about 1 s in all (a fresh one after the turn: about 1.8 s).
    assert 0.8 <= waited < 1.4, waited


async def test_opening_a_connection_to_a_locked_file_does_not_hold_up_the_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new connection sets WAL, which waits for another process's lock on a file still in
    rollback mode: in the loop's thread that wait must not be SQLite's busy handler (5 s by
    sqlite3.connect's default) but Database's, with the loop serving meanwhile."""
    path = tmp_path / "rollback.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (x INTEGER)")
    setup.close()
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 300)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # in rollback mode even readers wait
    database = Database(f"sqlite+aiosqlite:///{path}")
    heart = Heartbeat()
    start = asyncio.get_running_loop().time()
    try:
        with pytest.raises(DatabaseBusy):
            async with database.transaction():
                pass  # pragma: no cover - never begins
        waited = asyncio.get_running_loop().time() - start
    finally:
        beats = heart.stop()
        other.close()
        await database.dispose()
    assert waited < 2, waited
    assert beats >= 10, beats


async def test_a_busy_turn_ends_in_a_clear_error_not_a_hang(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A unit that waits on another that never ends (a mistake: a unit awaiting a task that
    needs a unit) fails with DatabaseBusy naming the holder, instead of hanging."""
    if not db.is_sqlite:
        pytest.skip("turns are SQLite's")
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)

    async def inner() -> None:
        async with db.transaction():
            pass  # pragma: no cover - never gets its turn

    async with db.transaction() as s:
        await s.execute(text("SELECT 1"))
        with pytest.raises(DatabaseBusy, match=r"waited 0.2 s .* held by task "):
            await asyncio.create_task(inner())


async def test_one_file_spelled_two_ways_is_one_turn(config: Config, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    locked_is_fatal: None) -> None:
    if not config.database.url.startswith("sqlite"):
        pytest.skip("turns are SQLite's")
    await upgrade(config.database.url)
    absolute = Path(str(make_url(config.database.url).database))
    monkeypatch.chdir(absolute.parent)
    first = Database(config.database.url)
    second = Database(f"sqlite+aiosqlite:///{absolute.name}")
    try:
        async with first.transaction() as s:
            s.add(department("财政所"))
            await s.flush()
            waiting = asyncio.create_task(departments(second))
            await asyncio.sleep(0.05)
            assert not waiting.done()  # it waits for its turn (it did not take the file)
        assert await asyncio.wait_for(waiting, 10) == 1
    finally:
        await first.dispose()
        await second.dispose()
