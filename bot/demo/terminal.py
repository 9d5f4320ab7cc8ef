"""`officebot demo` in a terminal: chat with the real bot as any seeded person.

    @张伟 /whoami      send as 张伟 (and make 张伟 the current person)
    /help              send as the current person
    1                  press button 1 of the current person's newest card
    :+1h  :+1d  :+30m  move the clock forward (reminders fire)
    :who  :time  :quit
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import Config, DatabaseConfig
from bot.demo.seed import PERSONAS, STRANGER_ID, seed_demo
from bot.sandbox import Sandbox
from storage.db import ensure_sqlite_dir

STEP = re.compile(r"^:\+(\d+)([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _remove_sqlite(url: str) -> None:
    if url.startswith("sqlite") and ":///" in url:
        path = Path(url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class TerminalDemo:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.names = {p.telegram_id: p.name for p in PERSONAS}
        self.names[STRANGER_ID] = "陌生人"
        self.ids = {name: uid for uid, name in self.names.items()}
        self.current = PERSONAS[3].telegram_id  # the office director: an admin

    def show(self, event: dict[str, Any]) -> None:
        if event.get("type") not in ("message", "edit"):
            return
        message = event.get("message") or {}
        who = self.names.get(event.get("chat_id", 0), str(event.get("chat_id")))
        mark = "✎" if event["type"] == "edit" else "→"
        body = plain(message.get("text") or message.get("caption") or "")
        if "document" in message:
            body += f"\n  📎 {message['document'].get('file_name')}"
        print(f"\n[{mark} {who}] {body}")
        markup = message.get("reply_markup") or {}
        buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
        for number, button in enumerate(buttons, start=1):
            print(f"   ({number}) {button.get('text')}")

    def personas(self) -> None:
        for p in PERSONAS:
            roles = ",".join(r.value for r in p.roles)
            print(f"  @{p.name:<4} {p.department} {p.title} [{roles}]")
        print("  @陌生人  an unregistered Telegram user")

    async def handle(self, line: str) -> bool:
        line = line.strip()
        if not line:
            return True
        if line in (":quit", ":q", ":exit"):
            return False
        if line == ":who":
            self.personas()
            return True
        if line == ":time":
            print(self.sandbox.clock.now().astimezone(self.sandbox.config.tz))
            return True
        step = STEP.match(line)
        if step:
            delta = timedelta(**{UNITS[step.group(2)]: int(step.group(1))})
            await self.sandbox.advance(delta)
            print(f"clock: {self.sandbox.clock.now().astimezone(self.sandbox.config.tz)}")
            return True
        if line.startswith("@"):
            name, _, rest = line[1:].partition(" ")
            if name not in self.ids:
                print(f"no such person: {name} (try :who)")
                return True
            self.current = self.ids[name]
            line = rest.strip()
            if not line:
                return True
        if line.isdigit():
            await self.press(int(line))
            return True
        await self.sandbox.send(self.current, line)
        return True

    async def press(self, number: int) -> None:
        for message in reversed(self.sandbox.emu.bot_messages(self.current)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            buttons = [b for row in rows for b in row]
            if buttons:
                if not 1 <= number <= len(buttons):
                    print(f"no button {number}: the card has {len(buttons)}")
                    return
                answer = await self.sandbox.press(self.current, buttons[number - 1]["text"],
                                                  message_id=message["message_id"])
                if answer and answer.get("text"):
                    print(f"   [toast] {answer['text']}")
                return
        print("no card with buttons in this chat")


async def run_terminal_demo(config: Config, *, fresh: bool = True) -> int:
    url = config.demo.database_url
    if fresh:
        _remove_sqlite(url)
    ensure_sqlite_dir(url)
    config = dataclasses.replace(config, database=DatabaseConfig(url=url))
    start = (datetime.fromisoformat(config.demo.start).replace(tzinfo=config.tz)
             if config.demo.start else datetime.now(UTC))
    sandbox = Sandbox(config, start=start, run_scheduler=True,
                      seed=seed_demo if fresh else None)
    await sandbox.start()
    try:
        for persona in PERSONAS:
            sandbox.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                                 language_code="en" if persona.language == "en" else "zh-hans")
        sandbox.emu.add_user(user_id=STRANGER_ID, first_name="Stranger", language_code="zh-hans")
        demo = TerminalDemo(sandbox)
        sandbox.emu.subscribe(demo.show)
        print(__doc__)
        print(f"bot API emulator on {sandbox.emu.base_url}; people:")
        demo.personas()
        loop = asyncio.get_running_loop()
        while True:
            who = demo.names[demo.current]
            try:
                line = await loop.run_in_executor(None, input, f"{who}> ")
            except (EOFError, KeyboardInterrupt):
                print()
                break
            if not await demo.handle(line):
                break
    finally:
        await sandbox.stop()
    return 0
