"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout on every connection."""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import types
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, foreign_keys: bool = True) -> None:
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock when a unit of work begins, not at its first write.

    Otherwise the reads of a check-then-write (is this code unused? then spend it) run
    outside the transaction, and two of them at once both pass the check. Units of work are
    short, and busy_timeout makes the other one wait instead of failing.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class _InLoopConnection(aiosqlite.Connection):
    """aiosqlite, but each statement runs in the event loop's thread, not queued to the
    connection's worker thread.

    A statement on a local SQLite file takes microseconds; the hand-over to the worker
    thread and back cost about 30 µs each way, several per statement, and most of the bot's
    time per update went there (docs/performance.md, benchmark 1). The worker thread still
    opens and closes the connection. Running in the loop is safe because Database
    serialises this process's units of work on SQLite (see Database.transaction), so a
    statement never waits on a lock held by this same process; another process holding
    the write lock (there is none in normal running: `run` holds the instance lock, and
    `backup` only reads) would hold up the loop for at most busy_timeout.
    """

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def _in_loop_connect(database: str, **kwargs: Any) -> aiosqlite.Connection:
    # Opened by the worker thread, used by the loop's thread from then on.
    kwargs["check_same_thread"] = False

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, **kwargs)

    return _InLoopConnection(connector, 64)


def _in_loop_dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    driver = types.ModuleType("officebot_in_loop_aiosqlite")
    driver.__dict__.update({name: getattr(aiosqlite, name) for name in aiosqlite.__all__})
    driver.__dict__["connect"] = _in_loop_connect
    driver.__dict__["__version__"] = aiosqlite.__version__
    return AsyncAdapt_aiosqlite_dbapi(driver, sqlite3)


def ensure_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str, *, foreign_keys: bool = True) -> AsyncEngine:
    """foreign_keys=False is for migrations only: SQLite alters a table by copying it and
    dropping the old one, which the rows pointing at it would forbid; the migration checks
    the keys itself afterwards."""
    ensure_sqlite_dir(url)
    if make_url(url).get_backend_name() != "sqlite":
        # A server can go away between two units of work: test a pooled connection first.
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url, module=_in_loop_dbapi())
    event.listen(engine.sync_engine, "connect",
                 functools.partial(_sqlite_pragmas, foreign_keys=foreign_keys))
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


# One lock per SQLite file and event loop: every Database of this process on that file
# takes its turn through it (the tests and the demo open several on one file).
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Turn]] = \
    weakref.WeakKeyDictionary()


class _Turn:
    """Whose unit of work has the SQLite file now, in this process."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.owner: asyncio.Task[Any] | None = None


def _turn_for(url: str) -> _Turn:
    loop = asyncio.get_running_loop()
    per_loop = _turns.setdefault(loop, {})
    key = str(make_url(url).database)
    turn = per_loop.get(key)
    if turn is None:
        turn = per_loop[key] = _Turn()
    return turn


class NestedTransaction(RuntimeError):
    """A unit of work opened inside another in the same task: it would wait on itself."""


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises.

        On SQLite the units of work of this process take turns (SQLite has one writer
        anyway, and every unit begins with the write lock): a unit that waits for its turn
        waits here, in the loop, not in SQLite's busy handler. A unit opened inside another
        in the same task is refused at once, as it could only wait on itself."""
        if not self.is_sqlite:
            async with self._sessions() as session, session.begin():
                yield session
            return
        turn = _turn_for(self.url)
        task = asyncio.current_task()
        if turn.owner is not None and turn.owner is task:
            raise NestedTransaction("a unit of work was opened inside another in one task")
        async with turn.lock:
            turn.owner = task
            try:
                async with self._sessions() as session, session.begin():
                    yield session
            finally:
                turn.owner = None

    async def ping(self) -> None:
        """A round trip to the database (for /healthz), taking its turn like any unit."""
        async with self.transaction() as s:
            await s.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
