"""Starting the demo's sandbox: the same for the web page and the terminal front."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Config, DatabaseConfig
from bot.demo.seed import PERSONAS, STRANGER_ID, seed_demo
from bot.sandbox import Sandbox
from storage.db import ensure_sqlite_dir

STRANGER_NAME = "陌生人"


def remove_sqlite(url: str) -> None:
    if url.startswith("sqlite") and ":///" in url:
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def demo_start(config: Config) -> datetime:
    """Where the demo clock starts: `[demo] start` in the office's zone, else now."""
    if config.demo.start:
        return datetime.fromisoformat(config.demo.start).replace(tzinfo=config.tz)
    return datetime.now(UTC)


async def open_sandbox(config: Config, *, fresh: bool = True) -> Sandbox:
    """The real bot on the emulator with the demo office seeded (unless `fresh` is off and
    last time's database is kept), its scheduler running, and every persona's account."""
    url = config.demo.database_url
    if fresh:
        remove_sqlite(url)
    ensure_sqlite_dir(url)
    config = dataclasses.replace(config, database=DatabaseConfig(url=url))
    sandbox = Sandbox(config, start=demo_start(config), run_scheduler=True,
                      seed=seed_demo if fresh else None)
    await sandbox.start()
    for persona in PERSONAS:
        sandbox.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
    sandbox.emu.add_user(user_id=STRANGER_ID, first_name="Stranger", language_code="zh-hans")
    return sandbox
