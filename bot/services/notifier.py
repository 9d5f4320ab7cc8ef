"""How services and jobs reach people, without knowing about Telegram.

The Telegram adapter (handlers/sender.py) implements this; tests and the demo use the same
adapter against the emulator, so there is one sending path.
"""

from __future__ import annotations

from typing import Any, Protocol

from bot.i18n import t

# Rows of (label, callback_data), labels already in the recipient's language.
Buttons = list[list[tuple[str, str]]]


class DeliveryError(Exception):
    pass


class DeliveryForbidden(DeliveryError):
    """The person blocked the bot or never started it: retrying will not help."""


class DeliveryRetry(DeliveryError):
    """A passing failure (network, flood control): try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeliveryFailed(DeliveryError):
    """Telegram refused the message itself; sending it again would fail the same way."""


class Notifier(Protocol):
    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        """Send HTML text (split if long); returns the id of the last message sent."""
        ...


def render_buttons(spec: Any, lang: str) -> Buttons | None:
    """Outbox rows keep buttons as [[{"key": catalog key | "text": literal, "data": ...}]] so
    each recipient sees them in their own language."""
    if not spec:
        return None
    rows: Buttons = []
    for row in spec:
        rows.append([(_label(b, lang), str(b["data"])) for b in row])
    return rows


def _label(button: dict[str, Any], lang: str) -> str:
    return str(button["text"]) if "text" in button else str(t(lang, button["key"]))
