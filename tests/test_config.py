"""Config validation and the CLI around it: bad config names key and line, exits non-zero,
and never touches the database."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.cli import EXIT_CONFIG, EXIT_NO_TOKEN, main
from bot.config import ConfigError, QuietHours, load_config, parse_config

ROOT = Path(__file__).resolve().parents[1]


def test_example_config_is_valid_and_documents_every_key() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    config = parse_config(text, "config.example.toml")
    assert config.timezone == "Asia/Shanghai" and config.language == "zh"
    assert config.quiet_hours == QuietHours(time(22, 0), time(7, 0))
    assert config.outbox.stale_after == timedelta(hours=24)
    # Every key sits in a block of keys under a comment explaining it.
    lines = text.splitlines()

    def is_key(line: str) -> bool:
        return "=" in line and not line.lstrip().startswith("#")

    for number, line in enumerate(lines):
        if is_key(line):
            above = number - 1
            while is_key(lines[above]):
                above -= 1
            assert lines[above].lstrip().startswith("#"), f"undocumented: {line}"


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ('timezone = "Mars/Olympus"', "timezone", 1),
        ('language = "fr"', "language", 1),
        ('\n\nquiet_hours = "22:00-25:00"', "quiet_hours", 3),
        ("admins = [\"abc\"]", "admins", 1),
        ('[telegram]\ntoken = "not a token"', "telegram.token", 2),
        ('[database]\n# c\nurl = "mysql://x"', "database.url", 3),
        ("[database]\ntimeout_seconds = 0", "database.timeout_seconds", 2),
        ('[database]\ntimeout_seconds = "15s"', "database.timeout_seconds", 2),
        ("[outbox]\nbatch_size = 0", "outbox.batch_size", 2),
        ("[outbox]\ndispatch_interval_seconds = \"often\"", "outbox.dispatch_interval_seconds", 2),
        ("[invites]\nttl_hour = 5", "invites.ttl_hour", 2),
        ("[invites]\nttl_hours = 1e9", "invites.ttl_hours", 2),
        ("[outbox]\nstale_after_hours = inf", "outbox.stale_after_hours", 2),
        ("[outbox]\ndispatch_interval_seconds = nan", "outbox.dispatch_interval_seconds", 2),
        ('[demo]\nstart = "garbage"', "demo.start", 2),
        ('[demo]\ndatabase_url = "postgresql+asyncpg://x/y"', "demo.database_url", 2),
        ("[outbx]\n", "[outbx]", 1),
    ],
)
def test_bad_values_name_key_and_line(text: str, key: str, line: int) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "office.toml")
    message = str(info.value)
    assert f"office.toml, line {line}: {key}:" in message, message


def test_broken_toml_is_reported() -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_config("timezone = ", "office.toml")


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OFFICEBOT_TOKEN", "12345:abcDEF")
    assert parse_config("").telegram.token == "12345:abcDEF"


def test_missing_named_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "config.toml"
    db = tmp_path / "data" / "bot.db"
    path.write_text(f'{body}\n[database]\nurl = "sqlite+aiosqlite:///{db}"\n', encoding="utf-8")
    return path


def test_cli_bad_config_exits_nonzero_without_touching_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, 'timezone = "Nowhere/City"\n')
    for command in (["run"], ["db", "upgrade"], ["check-config"]):
        with pytest.raises(SystemExit) as info:
            main([*command, "--config", str(path)])
        assert info.value.code == EXIT_CONFIG
        assert "line 1: timezone" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_cli_run_without_token_points_to_demo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OFFICEBOT_TOKEN", raising=False)
    path = _write(tmp_path, "")
    assert main(["run", "--config", str(path)]) == EXIT_NO_TOKEN
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "officebot demo" in err
    assert not (tmp_path / "data").exists()


def test_cli_db_upgrade_and_check_config(tmp_path: Path) -> None:
    path = _write(tmp_path, "")
    env = {k: v for k, v in os.environ.items() if k != "OFFICEBOT_TOKEN"}
    checked = subprocess.run([sys.executable, "-m", "bot", "check-config", "--config", str(path)],
                             capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert checked.returncode == 0 and "OK" in checked.stdout
    upgraded = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--config",
                               str(path)], capture_output=True, text=True, env=env, cwd=ROOT,
                              check=False)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "data" / "bot.db").exists()


def test_database_timeout_is_read_in_seconds() -> None:
    assert parse_config("").database.timeout == timedelta(seconds=15)
    assert parse_config("[database]\ntimeout_seconds = 2.5").database.timeout == \
        timedelta(seconds=2.5)
