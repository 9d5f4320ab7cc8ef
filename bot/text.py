"""Text for Telegram's HTML parse mode: escaping user text and splitting long messages.

Every message the bot sends goes through here, so a name with "<" in it can never break a
message and nothing is lost to the 4,096-character limit.
"""

from __future__ import annotations

import html

TELEGRAM_LIMIT = 4096


class Markup(str):
    """Text that is already valid Telegram HTML and must not be escaped again."""

    __slots__ = ()


def h(value: object) -> Markup:
    """Escape anything for Telegram HTML, leaving Markup untouched."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=False))


def split_message(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at line breaks so each part fits; a single overlong line is cut at the limit,
    stepping back so an HTML entity or tag is never cut in half."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            cut = _safe_cut(line, limit)
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]


def _safe_cut(line: str, limit: int) -> int:
    cut = limit
    amp, lt = line.rfind("&", 0, cut), line.rfind("<", 0, cut)
    if amp > line.rfind(";", 0, cut) and amp > 0:
        cut = amp
    if lt > line.rfind(">", 0, cut) and lt > 0:
        cut = min(cut, lt)
    return cut
