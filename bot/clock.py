"""The one clock of the bot.

Everything that asks "what time is it" goes through a Clock so tests and the demo can move time.
Times are UTC-aware; they are shown in the configured zone by the caller.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol


def short_time(when: datetime | None, tz: tzinfo) -> str:
    """A moment as cards, ledgers and decision lines show it: "11-27 10:05" in the office's
    zone, "—" for none."""
    return f"{when.astimezone(tz):%m-%d %H:%M}" if when else "—"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, UTC-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to (tests, demo)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now
