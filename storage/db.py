"""Engine and sessions. SQLite gets WAL, foreign keys and a busy timeout on every connection."""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
import types
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import event, text
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 10_000
PG_RECYCLE_SECONDS = 300


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, foreign_keys: bool = True,
                    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _begin_immediate).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # First: sqlite3.connect leaves a busy timeout of 5 s, and setting the journal mode may
    # wait for a lock held by another process; with the in-loop driver that wait would hold
    # up the whole event loop (Database wants 0 and waits with asyncio.sleep instead).
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock when a unit of work begins, not at its first write.

    Otherwise the reads of a check-then-write (is this code unused? then spend it) run
    outside the transaction, and two of them at once both pass the check. Units of work are
    short: the other one waits (Database.transaction) instead of failing.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE")


class _InLoopConnection(aiosqlite.Connection):
    """aiosqlite, but each statement runs in the event loop's thread, not queued to the
    connection's worker thread.

    A statement on a local SQLite file takes microseconds; the hand-over to the worker
    thread and back cost about 30 µs each way, several per statement, and most of the bot's
    time per update went there (docs/performance.md, benchmark 1). The worker thread still
    opens the connection. Running in the loop is safe because Database serialises this
    process's units of work on SQLite (see Database.transaction), so a statement never waits
    on a lock held by this same process; and these connections have no busy timeout: when
    another process holds the write lock (`officebot db upgrade` against a running bot, an
    admin's sqlite3 shell), BEGIN fails at once and Database.transaction waits and tries
    again with asyncio.sleep, so the loop keeps serving meanwhile.
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


def make_engine(url: str, *, foreign_keys: bool = True,
                busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
                timeout: timedelta | None = None) -> AsyncEngine:
    """foreign_keys=False is for migrations only: SQLite alters a table by copying it and
    dropping the old one, which the rows pointing at it would forbid; the migration checks
    the keys itself afterwards. busy_timeout_ms=0 is for Database, which waits for a locked
    file itself without holding up the event loop. `timeout` bounds connecting to
    PostgreSQL and each statement there (not for migrations, which may run long)."""
    ensure_sqlite_dir(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        limits: dict[str, Any] = {}
        if timeout is not None and parsed.get_driver_name() == "asyncpg":
            # Without them a connection whose packets vanish (no reset) waits for ever: the
            # pre-ping, every statement, and a new connection (asyncpg's own limit, 60 s).
            seconds = timeout.total_seconds()
            limits = {"connect_args": {"timeout": seconds, "command_timeout": seconds},
                      "pool_timeout": seconds,
                      # A firewall or NAT between here and the server may forget an idle
                      # connection silently; one older than this is replaced before use
                      # instead of costing someone a wait of `timeout` at the pre-ping.
                      "pool_recycle": PG_RECYCLE_SECONDS}
        # A server can go away between two units of work: test a pooled connection first.
        return create_async_engine(url, pool_pre_ping=True, **limits)
    engine = create_async_engine(url, module=_in_loop_dbapi())
    event.listen(engine.sync_engine, "connect", functools.partial(
        _sqlite_pragmas, foreign_keys=foreign_keys, busy_timeout_ms=busy_timeout_ms))
    event.listen(engine.sync_engine, "begin", _begin_immediate)
    return engine


# One lock per SQLite file and event loop: every Database of this process on that file
# takes its turn through it (the tests and the demo open several on one file).
_turns: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Turn]] = \
    weakref.WeakKeyDictionary()
# Waiting with the file locked by another process starts here and doubles up to the last.
LOCKED_RETRY = (0.005, 0.1)


class _Turn:
    """Whose unit of work has the SQLite file now, in this process."""

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.owner: asyncio.Task[Any] | None = None


def _turn_for(key: str) -> _Turn:
    per_loop = _turns.setdefault(asyncio.get_running_loop(), {})
    turn = per_loop.get(key)
    if turn is None:
        turn = per_loop[key] = _Turn()
    return turn


def _sqlite_key(url: str) -> str:
    """The file, however the URL spells its path; in-memory databases share one key."""
    database = make_url(url).database or ":memory:"
    if database == ":memory:" or database.startswith("file:"):
        return database
    return os.path.realpath(database)


class NestedTransaction(RuntimeError):
    """A unit of work opened inside another in the same task: it would wait on itself."""


class DatabaseBusy(TimeoutError):
    """The SQLite file stayed locked for the whole busy timeout: by another unit of this
    process (its owner is named) or by another process (the driver's "database is locked"
    is its cause). A TimeoutError, as a wait too long for the database is elsewhere (the
    dispatcher counts it as the database lost for now, not as a statement refused)."""


class Database:
    def __init__(self, url: str, *, timeout: timedelta | None = None) -> None:
        self.url = url
        is_sqlite = make_url(url).get_backend_name() == "sqlite"
        # 0: no wait in SQLite's busy handler, which would hold up the loop (PostgreSQL
        # engines ignore it).
        self.engine = make_engine(url, busy_timeout_ms=0, timeout=timeout)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._key = _sqlite_key(url) if is_sqlite else ""

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends, rolled back if it raises.

        On SQLite the units of work of this process take turns (SQLite has one writer
        anyway, and every unit begins with the write lock): a unit waits for its turn here,
        in the loop, and for a file locked by another process with asyncio.sleep, never in
        SQLite's busy handler, which would hold up the whole loop. A unit opened inside
        another in the same task is refused at once, as it could only wait on itself; a
        wait longer than the busy timeout ends in DatabaseBusy."""
        if not self.is_sqlite:
            async with self._sessions() as session, session.begin():
                yield session
            return
        turn = _turn_for(self._key)
        task = asyncio.current_task()
        if turn.owner is not None and turn.owner is task:
            raise NestedTransaction("a unit of work was opened inside another in one task")
        loop = asyncio.get_running_loop()
        limit = SQLITE_BUSY_TIMEOUT_MS / 1000
        # One deadline for both waits, the turn and then a file locked by another process.
        deadline = loop.time() + limit
        try:
            async with asyncio.timeout_at(deadline):
                await turn.lock.acquire()
        except TimeoutError:
            owner = turn.owner.get_name() if turn.owner is not None else "?"
            raise DatabaseBusy(f"waited {limit:g} s for the database, held by task {owner}"
                               ) from None
        turn.owner = task
        try:
            delay, longest = LOCKED_RETRY
            while True:
                begun = False
                try:
                    async with self._sessions() as session, session.begin():
                        # BEGIN IMMEDIATE now, where a file locked by another process can
                        # be waited for and tried again; once begun, errors are the unit's.
                        await session.connection()
                        begun = True
                        yield session
                    return
                except OperationalError as exc:
                    if begun or "locked" not in str(exc.orig):
                        raise
                    if loop.time() + delay > deadline:
                        raise DatabaseBusy(f"waited {limit:g} s for the database, locked by "
                                           "another process") from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, longest)
        finally:
            turn.owner = None
            turn.lock.release()

    async def ping(self) -> None:
        """A round trip to the database (for /healthz), taking its turn like any unit."""
        async with self.transaction() as s:
            await s.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
