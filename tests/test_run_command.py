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
        config = tmp_path / "config.toml"
        config.write_text(
            "admins = [7001]\n"
            "[telegram]\n"
            'token = "424242:RUNtest"\n'
            f'api_base_url = "{emu.base_url}"\n'
            f'file_base_url = "{emu.base_file_url}"\n'
            "[database]\n"
            f'url = "sqlite+aiosqlite:///{tmp_path / "data" / "office.db"}"\n',
            encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("OFFICEBOT_TOKEN",
                                                                "OFFICEBOT_CONFIG")}
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
