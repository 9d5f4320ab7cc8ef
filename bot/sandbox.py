"""The real bot against the project's Bot API emulator, on a clock that can be moved.

Tests, the demo and benchmarks use this: the same PTB Application, handlers and services as
production, only the endpoint and the clock differ.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.app import ALLOWED_UPDATES, build_application, prepare
from bot.clock import ManualClock
from bot.config import Config, TelegramConfig
from bot.emulator import BotApiEmulator
from bot.ratelimit import NoPacing
from bot.services.container import Services
from bot.services.dispatcher import DispatchReport
from bot.updates import OrderedUpdateProcessor
from storage.db import Database
from storage.migrate import upgrade

Setup = Callable[[Application[Any, Any, Any, Any, Any, Any]], None]
Seed = Callable[[Services], Awaitable[object]]
SANDBOX_TOKEN = "123456789:SANDBOX-token"
SANDBOX_USERNAME = "officebot_sandbox_bot"
WAIT_SECONDS = 20.0


class Sandbox:
    def __init__(self, config: Config, *, start: datetime, run_scheduler: bool = False,
                 port: int = 0, setup: Setup | None = None,
                 seed: Seed | None = None) -> None:
        self.config = dataclasses.replace(
            config, telegram=TelegramConfig(token=SANDBOX_TOKEN))
        self.clock = ManualClock(start)
        self.run_scheduler = run_scheduler
        self.port = port
        # Called with the built Application before initialize(), when PTB loads persisted
        # conversations: the place to add handlers a test or demo needs.
        self.setup = setup
        # Data to put in before the bot takes its first update or runs its first tick.
        self.seed = seed
        self._done: set[int] = set()
        self._waiters: dict[int, asyncio.Future[None]] = {}

    async def start(self) -> None:
        await upgrade(self.config.database.url)
        self.db = Database(self.config.database.url, timeout=self.config.database.timeout)
        self.services = Services(self.config, self.db, self.clock)
        if self.seed is not None:
            await self.seed(self.services)
            self.seed = None  # once: a restarted sandbox keeps its data
        self.emu = BotApiEmulator(token=SANDBOX_TOKEN, bot_username=SANDBOX_USERNAME,
                                  port=self.port, now=self.clock.now)
        await self.emu.start()
        self.processor = OrderedUpdateProcessor()
        self.processor.listeners.append(self._finished)
        self.app = build_application(
            self.config, self.services, base_url=self.emu.base_url,
            base_file_url=self.emu.base_file_url, run_scheduler=self.run_scheduler,
            processor=self.processor,
            # The emulator here enforces no flood limits: pacing would only cost time.
            rate_limiter=NoPacing(),
        )
        if self.setup is not None:
            self.setup(self.app)
        await self.app.initialize()
        await prepare(self.app)
        await self.app.start()
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0, timeout=10,
                                             allowed_updates=ALLOWED_UPDATES)

    async def stop(self) -> None:
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.db.dispose()
        await self.emu.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- waiting for the bot ------------------------------------------------------------

    def _finished(self, update: object) -> None:
        if not isinstance(update, Update):
            return
        self._done.add(update.update_id)
        waiter = self._waiters.pop(update.update_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def processed(self, update_id: int) -> None:
        """Wait until the bot has fully handled one update (replies included), and whatever
        that update put back in the queue (a command that ended a conversation)."""
        if update_id not in self._done:
            waiter = self._waiters.setdefault(update_id,
                                              asyncio.get_running_loop().create_future())
            await asyncio.wait_for(waiter, WAIT_SECONDS)
        await self.settle()

    async def settle(self) -> None:
        """Until no update is queued or being handled. Polled, because an update taken from
        the queue is briefly in neither place (between the queue and its task): two quiet
        looks in a row cover that gap."""
        quiet = 0
        async with asyncio.timeout(WAIT_SECONDS):
            while quiet < 2:
                busy = not self.app.update_queue.empty() or self.processor.in_flight
                quiet = 0 if busy else quiet + 1
                await asyncio.sleep(0.005)

    async def _replies(self, chat_id: int, act: Any) -> list[dict[str, Any]]:
        """Do one user action and return the bot's new messages in that chat."""
        before = {m["message_id"] for m in self.emu.bot_messages(chat_id)}
        await self.processed(act())
        return [m for m in self.emu.bot_messages(chat_id) if m["message_id"] not in before]

    # --- acting as a person ---------------------------------------------------------------

    async def send(self, user_id: int, text: str) -> list[dict[str, Any]]:
        """The person types text; returns the bot's new messages in their chat."""
        return await self._replies(user_id, lambda: self.emu.send_text(user_id, text))

    async def press(self, user_id: int, label: str,
                    message_id: int | None = None) -> dict[str, Any] | None:
        """The person presses an inline button by its label; returns the callback answer."""
        update_id = self.emu.press_button(user_id, label, message_id=message_id)
        await self.processed(update_id)
        return self.emu.answer_for(update_id)

    async def press_data(self, user_id: int, message_id: int,
                         data: str) -> dict[str, Any] | None:
        """A forged press: any callback data, as a tampered client could send."""
        update_id = self.emu.press_callback(user_id, message_id, data)
        await self.processed(update_id)
        return self.emu.answer_for(update_id)

    async def send_document(self, user_id: int, file_name: str, data: bytes,
                            mime_type: str | None = None) -> list[dict[str, Any]]:
        kwargs = {"mime_type": mime_type} if mime_type else {}
        return await self._replies(
            user_id, lambda: self.emu.send_document(user_id, file_name, data, **kwargs))

    async def share_location(self, user_id: int, latitude: float, longitude: float,
                             forwarded: bool = False) -> list[dict[str, Any]]:
        return await self._replies(user_id, lambda: self.emu.share_location(
            user_id, latitude, longitude, forwarded=forwarded))

    # --- time -----------------------------------------------------------------------------

    async def tick(self) -> DispatchReport:
        """What the scheduler job does: due sweeps, then due notifications."""
        return await self.services.tick()

    async def advance(self, delta: timedelta) -> DispatchReport:
        self.clock.advance(delta)
        return await self.tick()

    async def advance_to(self, when: datetime) -> DispatchReport:
        self.clock.set(when)
        return await self.tick()
