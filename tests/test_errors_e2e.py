"""The last line of defence (handlers/errors.py): when an update cannot be handled the
person gets one apology with an incident number, nothing else, and the bot goes on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from bot.sandbox import Sandbox
from handlers import errors
from tests.conftest import STAFF, texts

APOLOGY = "系统处理出错"
WHOAMI = "姓名：张伟"


async def rename(sandbox: Sandbox, old: str, new: str) -> None:
    async with sandbox.db.transaction() as s:
        await s.execute(text(f"ALTER TABLE {old} RENAME TO {new}"))


async def test_a_failed_access_check_gets_one_apology_and_runs_no_feature(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The access gate cannot read who is asking (its table is gone, as when a database is
    lost): the person is told once, with the number the log has. The command itself must not
    run behind the failed gate (it used to, failed again for want of the person, and
    apologised a second time)."""
    await rename(sandbox, "staff_roles", "staff_roles_away")
    try:
        replies = await sandbox.send(STAFF, "/whoami")
    finally:
        await rename(sandbox, "staff_roles_away", "staff_roles")
    said = texts(replies)
    assert said.count(APOLOGY) == 1 and WHOAMI not in said, said
    incident = re.search(r"事件编号 ([0-9a-f]{8})", said)
    assert incident is not None, said
    assert any(incident.group(1) in r.getMessage() for r in caplog.records)

    # The bot goes on: the next command is answered as usual.
    assert WHOAMI in texts(await sandbox.send(STAFF, "/whoami"))


async def test_an_apology_that_fails_still_stops_the_update(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The apology itself fails (the network went with the database, say): the update
    still ends there; no feature runs behind the failed gate to fail and apologise again."""
    attempts: list[str] = []

    async def failing(update: object, context: object, incident: str) -> None:
        attempts.append(incident)
        raise RuntimeError("network down")

    monkeypatch.setattr(errors, "_apologise", failing)
    await rename(sandbox, "staff_roles", "staff_roles_away")
    try:
        replies = await sandbox.send(STAFF, "/whoami")
    finally:
        await rename(sandbox, "staff_roles_away", "staff_roles")
    assert len(attempts) == 1, attempts
    assert WHOAMI not in texts(replies)
