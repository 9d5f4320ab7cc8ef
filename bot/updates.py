"""Concurrent update processing that keeps each chat's updates in order.

PTB's plain concurrent_updates would let a person's second message overtake their first and
break conversations; this processor runs different chats at once but one chat at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Listener = Callable[[object], None]


def order_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class OrderedUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.listeners: list[Listener] = []
        self.in_flight = 0  # updates taken and not finished: lets the sandbox wait for quiet

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.in_flight += 1
        try:
            await self._ordered(update, coroutine)
        finally:
            self.in_flight -= 1

    async def _ordered(self, update: object, coroutine: Awaitable[Any]) -> None:
        # The per-chat lock is taken before the shared semaphore: asyncio.Lock is FIFO and
        # the tasks start in arrival order, so a chat's updates run in the order they came.
        key = order_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            self._done(update)
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                await super().process_update(update, coroutine)
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]
            self._done(update)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    def _done(self, update: object) -> None:
        for listener in self.listeners:
            listener(update)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
