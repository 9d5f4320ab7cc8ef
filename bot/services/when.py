"""Times and dates people type, turned into values or into a hint — never a silent guess.

Every feature asks here, so every bad time gets the same kind of answer with examples.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.services.errors import InvalidInput
from bot.timeparse import ParsedTime, TimeParseError, parse_date, parse_time


def _refusal(exc: TimeParseError, text: str) -> InvalidInput:
    key = {"past": "time.past", "ambiguous": "time.ambiguous"}.get(exc.reason, "time.unparsed")
    return InvalidInput(key, text=text)


def user_time(text: str, *, now: datetime, tz: ZoneInfo, default_time: time | None = None,
              allow_past: bool = False) -> ParsedTime:
    try:
        return parse_time(text, now=now, tz=tz, default_time=default_time,
                          allow_past=allow_past)
    except TimeParseError as exc:
        raise _refusal(exc, text) from exc


def user_date(text: str, *, now: datetime, tz: ZoneInfo, allow_past: bool = False) -> date:
    try:
        return parse_date(text, now=now, tz=tz, allow_past=allow_past)
    except TimeParseError as exc:
        raise _refusal(exc, text) from exc
