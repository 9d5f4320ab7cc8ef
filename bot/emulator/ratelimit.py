"""Flood control like Telegram's: a global and a per-chat budget of messages per time window.

Sliding windows over real (monotonic) time, deliberately not the injectable `now` clock: tests
move the bot's clock by hours while rate limits are about wall-clock throughput.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable


class SlidingWindow:
    """At most `limit` events per `window` seconds for each key."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[Hashable, deque[float]] = {}

    def wait_time(self, key: Hashable) -> float:
        """Seconds until one more event for `key` would be allowed (0.0 if allowed now)."""
        now = self._clock()
        events = self._events.get(key)
        if events is None:
            return 0.0
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) < self.limit:
            return 0.0
        return events[0] + self.window - now

    def record(self, key: Hashable) -> None:
        self._events.setdefault(key, deque()).append(self._clock())


class RateLimiter:
    """Telegram's documented budgets: ~30 messages/s overall and 1 message/s per chat."""

    def __init__(
        self,
        per_bot: int = 30,
        per_chat: int = 1,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bot = SlidingWindow(per_bot, window, clock)
        self._chat = SlidingWindow(per_chat, window, clock)

    def acquire(self, chat_id: int) -> int | None:
        """Count one message to `chat_id`; if over budget count nothing and return retry_after.

        Telegram's retry_after is a whole number of seconds, at least 1.
        """
        wait = max(self._bot.wait_time("bot"), self._chat.wait_time(chat_id))
        if wait > 0:
            return max(1, math.ceil(wait))
        self._bot.record("bot")
        self._chat.record(chat_id)
        return None


class CountingLimits(RateLimiter):
    """The same limits, keeping a tally of what they let through and what they answered with
    429: for the rate limiter's tests and the broadcast benchmark."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = 0
        self.accepted: list[tuple[float, int]] = []  # (monotonic time, chat id)

    def acquire(self, chat_id: int) -> int | None:
        retry_after = super().acquire(chat_id)
        if retry_after is None:
            self.accepted.append((time.monotonic(), chat_id))
        else:
            self.refused += 1
        return retry_after

    def busiest_second(self) -> int:
        """The most messages the server let through within any one second."""
        times = [at for at, _ in self.accepted]
        most, start = 0, 0
        for end, at in enumerate(times):
            while times[start] <= at - 1.0:
                start += 1
            most = max(most, end - start + 1)
        return most

    def closest_in_a_chat(self) -> float | None:
        """The shortest gap between two messages to one chat (None: no chat got two)."""
        last: dict[int, float] = {}
        gap: float | None = None
        for at, chat in self.accepted:
            if chat in last:
                gap = at - last[chat] if gap is None else min(gap, at - last[chat])
            last[chat] = at
        return gap
