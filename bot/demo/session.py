"""Starting the demo's sandbox: the same for the web page and the terminal front."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import os
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from bot.config import Config, DatabaseConfig, DemoConfig
from bot.demo.seed import PERSONAS, STRANGER_ID, seed_demo
from bot.sandbox import Sandbox
from bot.services.calendar import HolidayCalendar
from storage.db import ensure_sqlite_dir

STRANGER_NAME = "陌生人"
# The default start: a working morning, when the day's chases and escalations have gone out
# and the office is at work.
START_TIME = time(10, 0)
# How far to look for a working day (the longest run of days off is a week or so).
_LOOK_AHEAD_DAYS = 30


class DemoInUse(Exception):
    """Another demo runs on the same database: starting would delete its files."""

    def __init__(self, path: Path, pid: str) -> None:
        super().__init__(f"{path} is in use by another demo"
                         + (f" (process {pid})" if pid else ""))
        self.path = path
        self.pid = pid


def remove_sqlite(url: str) -> None:
    path = sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not url.startswith("sqlite") or database in (None, "", ":memory:"):
        return None
    return Path(database)


def database_for_port(config: Config, port: int) -> Config:
    """One database per port: with the default `[demo] database_url`, the page on port 8081
    keeps its office in data/demo-8081.db, so a second demo started on another port (as the
    port-in-use message suggests) never touches the first one's files. A database named in
    the config is used as it is (and guarded by the lock in `open_sandbox`)."""
    if config.demo.database_url != DemoConfig.database_url:
        return config
    base = sqlite_path(DemoConfig.database_url)
    assert base is not None
    url = f"sqlite+aiosqlite:///{base.with_name(f'{base.stem}-{port}{base.suffix}')}"
    return dataclasses.replace(config, demo=dataclasses.replace(config.demo, database_url=url))


def demo_start(config: Config, now: datetime | None = None) -> datetime:
    """Where the demo clock starts: `[demo] start` in the office's zone, else 10:00 of today
    when today is a working day (even if that is already past: the clock is simulated), or of
    the next working day, so the seeded office is at work: the overdue task chased and
    escalated, tomorrow's meeting ahead. `now` is the real time (for tests)."""
    if config.demo.start:
        return datetime.fromisoformat(config.demo.start).replace(tzinfo=config.tz)
    today = (now or datetime.now(config.tz)).astimezone(config.tz).date()
    calendar = HolidayCalendar()
    day = today
    for _ in range(_LOOK_AHEAD_DAYS):
        if calendar.is_workday(day):
            break
        day += timedelta(days=1)
    else:
        day = today
    return datetime.combine(day, START_TIME, tzinfo=config.tz)


class _DatabaseLock:
    """An exclusive lock on `<database>.lock`, held while a demo runs on that database.
    The operating system lets go of it when the process ends, however it ends."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        handle = open(self.path, "a+", encoding="utf-8")  # held until release
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            pid = handle.read().strip()
            handle.close()
            raise DemoInUse(self.database, pid) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is not None:
            with contextlib.suppress(OSError):
                handle.truncate(0)
            handle.close()  # closing the file lets go of the lock


class DemoSandbox(Sandbox):
    """The sandbox of a demo: it lets go of its database when it stops."""

    lock: _DatabaseLock | None = None

    async def stop(self) -> None:
        try:
            await super().stop()
        finally:
            if self.lock is not None:
                self.lock.release()


async def open_sandbox(config: Config, *, fresh: bool = True) -> Sandbox:
    """The real bot on the emulator with the demo office seeded (unless `fresh` is off and
    last time's database is kept), its scheduler running, and every persona's account.
    Raises DemoInUse, before anything is deleted, when another demo runs on that database."""
    url = config.demo.database_url
    ensure_sqlite_dir(url)
    path = sqlite_path(url)
    lock = _DatabaseLock(path) if path is not None else None
    if lock is not None:
        lock.acquire()
    try:
        if fresh:
            remove_sqlite(url)
        config = dataclasses.replace(config, database=DatabaseConfig(url=url))
        sandbox = DemoSandbox(config, start=demo_start(config), run_scheduler=True,
                              seed=seed_demo if fresh else None)
        sandbox.lock = lock
        await sandbox.start()
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    for persona in PERSONAS:
        sandbox.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
    sandbox.emu.add_user(user_id=STRANGER_ID, first_name="Stranger", language_code="zh-hans")
    return sandbox
