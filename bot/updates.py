"""Concurrent update processing that keeps each chat's and each person's updates in order.

PTB's plain concurrent_updates would let a person's second message overtake their first and
break conversations; this processor runs different chats at once but, within one chat (and
for one person), one update after the other, in the order they came.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

Listener = Callable[[object], None]


def order_keys(update: object) -> tuple[int, ...]:
    """What an update must keep its place in: its chat and its sender (the same in a
    private chat; in a group, a person's updates stay in order across chats too)."""
    if not isinstance(update, Update):
        return ()
    keys: list[int] = []
    if update.effective_chat is not None:
        keys.append(update.effective_chat.id)
    if update.effective_user is not None and update.effective_user.id not in keys:
        keys.append(update.effective_user.id)
    return tuple(keys)


class OrderedUpdateProcessor(BaseUpdateProcessor):
    """Each update waits for the updates that came before it in the same chat or from the
    same person, and for nothing else.

    An update takes its place when it arrives: PTB starts one task per update in arrival
    order, and the place is taken before the task's first await, so places are in arrival
    order. Each key remembers the last update that took a place in it; an update waits for
    the finish of its keys' previous holders. Waiting only ever goes to earlier arrivals, so
    it cannot deadlock.
    """

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Future[None]] = {}
        self.listeners: list[Listener] = []
        self.in_flight = 0  # updates taken and not finished: lets the sandbox wait for quiet

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        self.in_flight += 1
        keys = order_keys(update)
        before = [self._last[key] for key in keys if key in self._last]
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._last[key] = finished
        try:
            for earlier in before:
                # shield: this update being cancelled must not cancel the earlier one.
                await asyncio.shield(earlier)
            await super().process_update(update, coroutine)
        finally:
            finished.set_result(None)
            for key in keys:
                if self._last.get(key) is finished:
                    del self._last[key]
            self.in_flight -= 1
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
