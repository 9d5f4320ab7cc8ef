"""`officebot run`, the production path, against the emulator instead of Telegram: it applies
the migrations, polls, registers its commands and answers a config admin."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.emulator import BotApiEmulator

ROOT = Path(__file__).resolve().parents[1]


async def test_run_polls_and_serves(tmp_path: Path) -> None:
    async with BotApiEmulator(token="424242:RUNtest", bot_username="office_run_bot") as emu:
        config = _config(tmp_path, emu, tmp_path / "data" / "office.db")
        env = _env()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            await emu.wait_for(lambda: emu.is_polling, timeout=60)
            emu.add_user(user_id=7001, first_name="主任", language_code="zh-hans")
            emu.add_user(user_id=7002, first_name="路人", language_code="zh-hans")
            emu.send_text(7001, "/start")
            welcome = await emu.wait_for_bot_message(7001, timeout=30)
            assert "主任，您好" in welcome["text"]
            emu.send_text(7002, "/whoami")
            refusal = await emu.wait_for_bot_message(7002, timeout=30)
            assert "尚未登记" in refusal["text"]
            assert emu.commands[("all_private_chats", "en")]
        finally:
            process.send_signal(signal.SIGINT)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, output.decode()
        assert (tmp_path / "data" / "office.db").exists()


def _config(tmp_path: Path, emu: BotApiEmulator, database: Path, more: str = "") -> Path:
    """A config file for `officebot run` against the emulator, config admin 7001."""
    config = tmp_path / "config.toml"
    config.write_text(
        "admins = [7001]\n"
        "[telegram]\n"
        'token = "424242:RUNtest"\n'
        f'api_base_url = "{emu.base_url}"\n'
        f'file_base_url = "{emu.base_file_url}"\n'
        "[database]\n"
        f'url = "sqlite+aiosqlite:///{database}"\n' + more,
        encoding="utf-8")
    return config


def _env() -> dict[str, str]:
    """This environment without a token or config path of its own (the files say)."""
    return {k: v for k, v in os.environ.items() if k not in ("OFFICEBOT_TOKEN",
                                                            "OFFICEBOT_CONFIG")}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_run_webhook_serves_with_the_secret_and_stops_on_sigterm(tmp_path: Path) -> None:
    import json

    import httpx

    port = _free_port()
    secret = "webhook-secret-for-the-run-test"
    async with BotApiEmulator(token="424242:RUNtest", bot_username="office_run_bot") as emu:
        config = _config(tmp_path, emu, tmp_path / "office.db",
                         '[webhook]\nurl = "https://bot.example.test/telegram"\n'
                         f"port = {port}\n")
        env = _env()
        env["OFFICEBOT_WEBHOOK_SECRET"] = secret
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--webhook", "--config", str(config), cwd=ROOT,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            await emu.wait_for(lambda: bool(emu.state.webhook.get("url")), timeout=60)
            assert emu.state.webhook["secret_token"] == secret
            emu.add_user(user_id=7001, first_name="主任", language_code="zh-hans")
            emu.send_text(7001, "/start")
            update = emu.state.updates.pending.pop()
            async with httpx.AsyncClient() as client:
                url = f"http://127.0.0.1:{port}"
                for _ in range(200):  # the server starts listening just after set_webhook
                    try:
                        await client.get(url + "/healthz")
                        break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
                refused = await client.post(url + "/telegram", content=json.dumps(update))
                taken = await client.post(url + "/telegram", content=json.dumps(update),
                                          headers={"X-Telegram-Bot-Api-Secret-Token": secret})
            assert (refused.status_code, taken.status_code) == (403, 200)
            welcome = await emu.wait_for_bot_message(7001, timeout=30)
            assert "主任，您好" in welcome["text"]
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode == 0, output.decode()
        assert "refused a request" in output.decode()


async def test_run_with_the_database_down_says_so_and_exits(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    port = _free_port()  # nothing listens there
    config.write_text(
        "[telegram]\n"
        'token = "424242:RUNtest"\n'
        "[database]\n"
        f'url = "postgresql+asyncpg://officebot:secret@127.0.0.1:{port}/officebot"\n',
        encoding="utf-8")
    env = _env()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 5, text
    assert f"cannot reach the database at postgresql+asyncpg://officebot:***@127.0.0.1:{port}" \
        in text
    assert "secret" not in text and "Traceback" not in text


async def test_run_beside_a_running_bot_leaves_the_schema_alone(tmp_path: Path) -> None:
    """A newer version started while the old bot runs on the same file is refused before it
    migrates anything: the running bot's schema stays as it was."""
    import sqlite3

    from bot.backup import known_revisions, running_lock
    from storage.migrate import upgrade

    database = tmp_path / "office.db"
    url = f"sqlite+aiosqlite:///{database}"
    oldest = known_revisions()[0]
    await upgrade(url, oldest)
    config = tmp_path / "config.toml"
    config.write_text('[telegram]\ntoken = "424242:RUNtest"\n'
                      f'[database]\nurl = "{url}"\n', encoding="utf-8")

    def revision() -> str:
        with sqlite3.connect(database) as conn:
            return str(conn.execute("SELECT version_num FROM alembic_version").fetchone()[0])

    with running_lock(url):  # as the running `officebot run` holds it
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT, env=_env(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    text = output.decode()
    assert process.returncode == 7 and "another officebot is running" in text, text
    assert revision() == oldest


async def test_backup_and_restore_commands(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite+aiosqlite:///{tmp_path / "office.db"}"\n', encoding="utf-8")
    env = _env()

    async def officebot(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, "--config", str(config), cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return process.returncode, output.decode()

    assert (await officebot("db", "upgrade"))[0] == 0
    code, text = await officebot("backup", str(tmp_path / "copy.db"))
    assert code == 0 and "backed up to" in text
    code, text = await officebot("backup", str(tmp_path / "copy.db"))
    assert code == 6 and "exists" in text
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all")
    code, text = await officebot("restore", str(junk))
    assert code == 6 and "nothing replaced" in text
    from bot.backup import running_lock

    url = f"sqlite+aiosqlite:///{tmp_path / 'office.db'}"
    with running_lock(url):  # as `officebot run` holds it
        code, text = await officebot("restore", str(tmp_path / "copy.db"))
        assert code == 6 and "another officebot is running" in text
        # Nor is the schema upgraded beneath a running bot.
        code, text = await officebot("db", "upgrade")
        assert code == 7 and "another officebot is running" in text
    code, text = await officebot("restore", str(tmp_path / "copy.db"))
    assert code == 0 and "before-restore" in text
    names = [p.name for p in await asyncio.to_thread(lambda: list(tmp_path.iterdir()))]
    leftovers = [n for n in names if "partial" in n or "restoring" in n
                 or n.startswith("copy.db-")]
    assert leftovers == []
