"""`officebot demo` as a command: its port, from config or --port, and a busy port; when its
clock starts; two demos at once."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config
from bot.demo.session import demo_start

ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 60


def test_config_port_is_checked() -> None:
    assert parse_config("[demo]\nport = 9000\n").demo.port == 9000
    assert parse_config("").demo.port == 8080
    with pytest.raises(ConfigError, match=r"demo\.port"):
        parse_config("[demo]\nport = 70000\n")


def test_a_busy_port_is_named_with_the_way_to_change_it(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = tmp_path / "config.toml"
        config.write_text(f'[demo]\ndatabase_url = "sqlite+aiosqlite:///{tmp_path / "d.db"}"\n',
                          encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "OFFICEBOT_TOKEN"}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "demo", "--config", str(config), "--port", str(port)],
            capture_output=True, text=True, timeout=60, cwd=ROOT, env=env, check=False)
    assert result.returncode == 4
    assert f"port {port} is already in use" in result.stderr
    assert "--port" in result.stderr and "[demo]" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "d.db").exists()  # refused before anything started


# --- when the demo's clock starts -------------------------------------------------------------


@pytest.mark.parametrize(("real_now", "start"), [
    # A Saturday afternoon: Monday morning, so chases, escalations and the meeting show.
    ("2026-11-28T15:30", "2026-11-30T10:00"),
    # Friday evening in UTC is already Saturday morning in the office's zone.
    ("2026-11-27T20:00+00:00", "2026-11-30T10:00"),
    # A working day: its own 10:00, before it or (a simulated clock may be behind) after.
    ("2026-12-02T07:00", "2026-12-02T10:00"),
    ("2026-12-02T16:45", "2026-12-02T10:00"),
    # In the National Day holiday: the first working day after it.
    ("2026-10-03T11:00", "2026-10-08T10:00"),
    # A 调休 make-up Saturday is a working day.
    ("2026-10-10T09:00", "2026-10-10T10:00"),
])
def test_the_demo_starts_on_a_working_morning(real_now: str, start: str) -> None:
    config = parse_config("")
    now = datetime.fromisoformat(real_now)
    if now.tzinfo is None:
        now = now.replace(tzinfo=config.tz)
    assert demo_start(config, now=now) == datetime.fromisoformat(start).replace(tzinfo=config.tz)
    assert demo_start(config, now=now).tzinfo == config.tz


def test_a_start_in_the_config_is_kept() -> None:
    config = parse_config('[demo]\nstart = "2026-11-28T22:15"\n')
    assert demo_start(config, now=datetime(2026, 12, 2, 9, 0, tzinfo=config.tz)) == \
        datetime(2026, 11, 28, 22, 15, tzinfo=config.tz)


# --- two demos --------------------------------------------------------------------------------


def _start(config: Path, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """`officebot demo --port 0`; returns the process and the line it printed."""
    env = {k: v for k, v in os.environ.items() if k != "OFFICEBOT_TOKEN"}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--config", str(config), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd, env=env)
    assert proc.stdout is not None
    # The address, once the demo is up ("" if it died first).
    ready, _, _ = select.select([proc.stdout], [], [], START_SECONDS)
    line = proc.stdout.readline() if ready else ""
    if "open http" not in line:
        proc.kill()
        _, err = proc.communicate(timeout=30)
        raise AssertionError(f"the demo did not start: {line!r} {err}")
    return proc, line


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, err


def _state(line: str) -> dict[str, object]:
    address = re.search(r"open (http://127\.0\.0\.1:\d+/)", line)
    assert address, line
    with urllib.request.urlopen(address.group(1) + "api/state", timeout=30) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_two_demos_on_two_ports_keep_two_databases(tmp_path: Path) -> None:
    # No database in the config: each port has its own under data/, next to where it runs.
    config = tmp_path / "config.toml"
    config.write_text('[demo]\nstart = "2026-11-27T10:00"\n', encoding="utf-8")
    first, first_line = _start(config, tmp_path)
    try:
        second, second_line = _start(config, tmp_path)
        try:
            ports = [re.search(r":(\d+)/", line).group(1)  # type: ignore[union-attr]
                     for line in (first_line, second_line)]
            for port, line in zip(ports, (first_line, second_line), strict=True):
                assert f"database data/demo-{port}.db" in line
                assert (tmp_path / "data" / f"demo-{port}.db").exists()
                assert len(_state(line)["personas"]) == 11  # type: ignore[arg-type]
        finally:
            _stop(second)
        # The first one's office outlived the second demo.
        assert len(_state(first_line)["personas"]) == 11  # type: ignore[arg-type]
    finally:
        _stop(first)


def test_a_second_demo_on_the_same_database_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    config = tmp_path / "config.toml"
    config.write_text(f'[demo]\ndatabase_url = "sqlite+aiosqlite:///{database}"\n'
                      'start = "2026-11-27T10:00"\n', encoding="utf-8")
    first, line = _start(config, ROOT)
    try:
        env = {k: v for k, v in os.environ.items() if k != "OFFICEBOT_TOKEN"}
        result = subprocess.run(
            [sys.executable, "-m", "bot", "demo", "--config", str(config), "--port", "0"],
            capture_output=True, text=True, timeout=60, cwd=ROOT, env=env, check=False)
        assert result.returncode == 7, result.stderr
        assert f"the demo database {database} is in use by another demo (process {first.pid})" \
            in result.stderr
        assert "database_url" in result.stderr and "Traceback" not in result.stderr
        # Nothing of the first one's was deleted: it still answers, from its database.
        assert database.exists()
        assert len(_state(line)["personas"]) == 11  # type: ignore[arg-type]
    finally:
        _stop(first)
