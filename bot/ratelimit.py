"""Pacing the bot's messages to Telegram's flood limits, so that a broadcast gets no 429.

Telegram allows a bot about 30 messages a second overall, one a second in a private chat and
20 a minute in a group, and answers 429 (retry_after) beyond them. PTB's `AIORateLimiter`
uses leaky buckets: after a quiet spell it lets a full bucket out at once and keeps dripping,
so a sliding one-second window can see up to twice the budget and the server refuses the
excess. `SlidingWindowRateLimiter` counts in sliding windows instead, as the server does.

Exactness across the network: we cannot see when the server counts a message, only that it
is between our sending it and our reading the answer. So a message takes a place in every
window it belongs to from the moment it is sent, and keeps it until `period` after its answer
came back. Any `period`-long stretch of the server's own counting then holds at most `limit`
messages, whatever the network's delays and jitter (see `_Window`). The cost is one round
trip per window, small against a second.

Only messages are paced (send*, copy*, forward*, but not sendChatAction): those are what the
limits count. Edits, button answers and getUpdates go straight through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger(__name__)

Result = bool | dict[str, Any] | list[dict[str, Any]]
Callback = Callable[..., Coroutine[Any, Any, Result]]

# Methods that put a message in a chat; the flood limits count these.
_MESSAGE_PREFIXES = ("send", "copymessage", "forwardmessage")
_NOT_MESSAGES = frozenset({"sendchataction"})
# Per-chat windows kept for chats that have been quiet longer than their period are dropped
# once this many exist, so a bot that wrote to 100,000 people once does not keep 100,000.
_PRUNE_ABOVE = 512


def is_message(endpoint: str) -> bool:
    name = endpoint.lower()
    return name.startswith(_MESSAGE_PREFIXES) and name not in _NOT_MESSAGES


def retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns that retry_after will become a timedelta; either form is read here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Window:
    """At most `limit` messages in any `period` seconds, counting each message from the moment
    it is sent until `period` after its answer arrived.

    Why that is enough: take any `limit + 1` messages the server counted within one period,
    and the one of them we sent last, at time t. Each other one was counted after t - period
    (the server counted the last one no earlier than t) and answered after it was counted, so
    at t it was either in flight or answered less than `period` ago: we saw `limit` places
    taken and would not have sent. Admission is first come, first served (the lock is FIFO).
    """

    def __init__(self, limit: int, period: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.period = period
        self._clock = clock
        self._answered: deque[float] = deque()  # when answers came back, oldest first
        self.in_flight = 0
        self._admit = asyncio.Lock()
        self._changed = asyncio.Event()

    def _wait_time(self) -> float | None:
        """0 if a message may go now; else seconds until a place frees, or None when every
        place is held by a message still in flight (wait for an answer first)."""
        now = self._clock()
        while self._answered and self._answered[0] <= now - self.period:
            self._answered.popleft()
        excess = len(self._answered) + self.in_flight - self.limit
        if excess < 0:
            return 0.0
        if excess < len(self._answered):
            return self._answered[excess] + self.period - now
        return None

    async def acquire(self) -> None:
        async with self._admit:
            while (wait := self._wait_time()) != 0.0:
                self._changed.clear()
                # Woken early by an answer (it may turn "None" into a known time).
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._changed.wait()
            self.in_flight += 1

    def release(self) -> None:
        self.in_flight -= 1
        self._answered.append(self._clock())
        self._changed.set()

    def idle(self) -> bool:
        return self.in_flight == 0 and self._wait_time() == 0.0 and not self._answered


class SlidingWindowRateLimiter(BaseRateLimiter[int]):
    """Paces messages to ≤ `overall` per `overall_period` seconds for the bot, ≤ `private` per
    `private_period` in each private chat and ≤ `group` per `group_period` in each group or
    channel; a 429 that still comes (another process using the same token, say) is waited out
    and the message sent again, up to `max_retries` times (`rate_limit_args` overrides it per
    call).

    A chat's messages go one at a time and in the order they were asked for: two replies to
    one person never overtake each other, and waiting for one chat never holds up the rest.
    """

    def __init__(
        self,
        *,
        overall: int = 30,
        overall_period: float = 1.0,
        private: int = 1,
        private_period: float = 1.0,
        group: int = 20,
        group_period: float = 60.0,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._overall = _Window(overall, overall_period, clock)
        self._private = (private, private_period)
        self._group = (group, group_period)
        self._chats: dict[int | str, _Window] = {}
        self._chat_locks: dict[int | str, asyncio.Lock] = {}
        self._max_retries = max_retries
        self.retries = 0  # 429s waited out since start: a figure for logs and benchmarks

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def _chat_window(self, chat_id: int | str) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            if len(self._chats) > _PRUNE_ABOVE:
                self._prune()
            # Private chats have positive ids; groups negative ones, channels may be "@name".
            private = isinstance(chat_id, int) and chat_id > 0
            limit, period = self._private if private else self._group
            window = self._chats[chat_id] = _Window(limit, period, self._clock)
        return window

    def _prune(self) -> None:
        for key, window in list(self._chats.items()):
            lock = self._chat_locks.get(key)
            if window.idle() and (lock is None or not lock.locked()):
                del self._chats[key]
                self._chat_locks.pop(key, None)

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        if not is_message(endpoint) or data.get("chat_id") is None:
            return await callback(*args, **kwargs)
        chat_id: int | str = data["chat_id"]
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # PTB passes what the caller gave: "123" is chat 123
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        # Held through the call and any retries: the chat's next message waits its turn.
        async with lock:
            for attempt in range(retries + 1):
                try:
                    return await self._send(chat_id, callback, args, kwargs)
                except RetryAfter as exc:
                    if attempt == retries:
                        log.error("429 for chat %s after %d retries; giving up", chat_id,
                                  retries)
                        raise
                    self.retries += 1
                    wait = retry_after_seconds(exc)
                    log.warning("429 for chat %s: retrying in %.1f s", chat_id, wait)
                    await asyncio.sleep(wait)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _send(self, chat_id: int | str, callback: Callback, args: Any,
                    kwargs: dict[str, Any]) -> Result:
        chat = self._chat_window(chat_id)
        # The chat first: a message waiting for its chat must not hold an overall place that
        # another chat's message could use meanwhile.
        await chat.acquire()
        try:
            await self._overall.acquire()
        except BaseException:
            chat.release()
            raise
        try:
            return await callback(*args, **kwargs)
        finally:
            chat.release()
            self._overall.release()


class NoPacing(BaseRateLimiter[int]):
    """Sends at once. For a Bot API server without flood limits (the emulator the tests and
    the demo run on, where pacing would only cost time) and for benchmarks that measure the
    work per update rather than Telegram's budget."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Result:
        return await callback(*args, **kwargs)
