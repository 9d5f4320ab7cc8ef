"""`officebot demo --terminal`: chat with the real bot as any seeded person.

    @张伟 /whoami      send as 张伟 (and make 张伟 the current person)
    /help              send as the current person
    1                  press button 1 of the current person's newest card
    :+1h  :+1d  :+30m  move the clock forward (reminders fire)
    :who  :time  :quit
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta
from typing import Any

from bot.config import Config
from bot.demo.clock import ClockRefusal, DemoClock
from bot.demo.seed import PERSONAS, STRANGER_ID
from bot.demo.session import STRANGER_NAME, open_sandbox
from bot.sandbox import Sandbox

STEP = re.compile(r"^:\+(\d+)([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def plain(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


class TerminalDemo:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.clock = DemoClock(sandbox)
        self.names = {p.telegram_id: p.name for p in PERSONAS}
        self.names[STRANGER_ID] = STRANGER_NAME
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
            print(self.clock.label(self.clock.now()))
            return True
        step = STEP.match(line)
        if step:
            delta = timedelta(**{UNITS[step.group(2)]: int(step.group(1))})
            try:
                await self.clock.advance(delta)
            except ClockRefusal as exc:
                print(exc)
                return True
            print(f"clock: {self.clock.label(self.clock.now())}")
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
    sandbox = await open_sandbox(config, fresh=fresh)
    try:
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
