"""Seal request cards after a decision or a withdrawal: every delivered card of the step is
edited to show the request's state (who, when) and loses its buttons, so nobody acts on a
stale card. Shared by the request side (withdraw) and the approval side (approve/reject)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import Message
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot.i18n import render, t
from bot.services.outbox import SentCard
from bot.text import Markup
from handlers.context import BotContext
from handlers.sender import edit_text

log = logging.getLogger(__name__)


def line_text(lang: str, line: dict[str, object]) -> Markup:
    """A state line (a catalog ref such as seal.line.withdrawn, or a 会签 step's decisions as
    lines of them) in one reader's language."""
    return render(lang, line)


def card_text(card: SentCard, line: dict[str, object]) -> str:
    """The card as its reader got it, in their language, with the state line under it."""
    body = t(card.language, card.template, **card.params)
    return f"{body}\n\n{line_text(card.language, line)}"


def _among(chat_id: int, message_id: int, cards: Sequence[SentCard]) -> bool:
    return any((c.chat_id, c.message_id) == (chat_id, message_id) for c in cards)


def is_card(pressed: Message | None, cards: Sequence[SentCard]) -> bool:
    """Whether the pressed message is one of the delivered cards."""
    return pressed is not None and _among(pressed.chat_id, pressed.message_id, cards)


async def take_buttons_off(context: BotContext, chat_id: int | None, message_id: int | None,
                           cards: Sequence[SentCard], request_id: int) -> None:
    """After a decision reached through a question (the reason for 驳回 or 作废), when only
    the pressed message's id was kept: if it is not one of the delivered cards (which
    close_cards closes), it loses its buttons, so it is not pressed again."""
    if not message_id or chat_id is None or _among(chat_id, message_id, cards):
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id,
                                                    reply_markup=None)
    except TelegramError as exc:  # deleted by its reader: the decision stands
        log.info("seal %d: pressed message %s not closed: %s", request_id, message_id, exc)


async def close_cards(context: BotContext, cards: Sequence[SentCard],
                      line: dict[str, object], pressed: Message | None = None) -> None:
    """Edit each card to its closed form, without buttons. A pressed message that is not one
    of them (a reminder, a card the bot sent directly) is closed too: its own text with the
    line in the presser's language, so no button is left to press on it."""
    for card in cards:
        try:
            await context.bot.edit_message_text(
                card_text(card, line), chat_id=card.chat_id, message_id=card.message_id,
                parse_mode=ParseMode.HTML, reply_markup=None)
        except TelegramError as exc:
            # Deleted by its reader, or unchanged: the decision stands either way.
            log.info("seal card %s/%s not edited: %s", card.chat_id, card.message_id, exc)
    if pressed is not None and not is_card(pressed, cards):
        try:
            await edit_text(pressed, f"{pressed.text_html or ''}\n\n"
                                     f"{line_text(context.lang, line)}")
        except TelegramError as exc:
            log.info("seal message %s/%s not edited: %s", pressed.chat_id,
                     pressed.message_id, exc)
