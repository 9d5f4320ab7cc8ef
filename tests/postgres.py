"""The database of the PostgreSQL run of the suite: migrated once, emptied before each
test (much faster than a database per test)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any

from sqlalchemy.engine import make_url

from storage.models import Base


def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to the end from sync code, also where an event loop is running (a
    fixture called from inside pytest-asyncio's loop)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = asyncio.run(coroutine)
        except BaseException as exc:  # handed to the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")


async def _connect(url: str, database: str | None = None) -> Any:
    import asyncpg

    u = make_url(url)
    return await asyncpg.connect(host=u.host, port=u.port or 5432, user=u.username,
                                 password=u.password, database=database or u.database)


async def recreate(url: str) -> None:
    name = make_url(url).database
    conn = await _connect(url, "postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop(url: str) -> None:
    conn = await _connect(url, "postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await conn.close()


async def empty(url: str) -> None:
    """Every table of ours emptied and its ids restarted; connections a test left open are
    ended first, so nothing holds a lock."""
    conn = await _connect(url)
    try:
        await conn.execute(
            # Only our own client connections: autovacuum workers belong to no role, and
            # ending them needs a superuser, which CI's role is not.
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND usename = current_user AND backend_type = 'client backend'")
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()
