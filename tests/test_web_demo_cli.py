"""`officebot demo` as a command: its port, from config or --port, and a busy port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, parse_config

ROOT = Path(__file__).resolve().parents[1]


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
