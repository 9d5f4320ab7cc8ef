"""The one way the bot sends text: HTML, split at line breaks past Telegram's limit, and the
notifier that services and jobs use."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.services.notifier import (
    Buttons,
    DeliveryFailed,
    DeliveryForbidden,
    DeliveryRetry,
)
from bot.text import split_message

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup


def inline_keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in buttons]
    )


async def send_text(bot: Any, chat_id: int, text: str,
                    reply_markup: Markup | None = None) -> Message:
    """Send HTML text; the keyboard goes with the last part so buttons sit under the end."""
    parts = split_message(text)
    message: Message | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        message = await bot.send_message(
            chat_id=chat_id, text=part, parse_mode=ParseMode.HTML,
            reply_markup=reply_markup if last else None,
            link_preview_options=None,
        )
    assert message is not None
    return message


async def edit_text(message: Any, text: str, buttons: Buttons | None = None) -> None:
    """Edit a card in place; an unchanged card is not an error."""
    try:
        await message.edit_text(
            split_message(text)[0], parse_mode=ParseMode.HTML,
            reply_markup=inline_keyboard(buttons),
        )
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


class TelegramNotifier:
    """Implements bot.services.notifier.Notifier over PTB's bot (with its rate limiter)."""

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        try:
            message = await send_text(self.bot, chat_id, text, inline_keyboard(buttons))
        except Forbidden as exc:
            raise DeliveryForbidden(str(exc)) from exc
        except RetryAfter as exc:
            raise DeliveryRetry(str(exc), retry_after=_seconds(exc.retry_after)) from exc
        except BadRequest as exc:  # before NetworkError, which it subclasses
            if "chat not found" in str(exc).lower():
                raise DeliveryForbidden(str(exc)) from exc
            raise DeliveryFailed(str(exc)) from exc
        except (TimedOut, NetworkError) as exc:
            raise DeliveryRetry(str(exc)) from exc
        return message.message_id


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)
