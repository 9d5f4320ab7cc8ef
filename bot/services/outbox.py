"""The outbox: every reminder, alert and escalation is a row with a unique key.

Domain code schedules, replaces and cancels rows inside its own transaction; the dispatcher
(bot/services/dispatcher.py) sends the due ones. So a restart loses nothing and nothing is
sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notification, Staff

PENDING, SENDING, SENT = "pending", "sending", "sent"
CANCELLED, DROPPED, FAILED = "cancelled", "dropped", "failed"


async def schedule(
    session: AsyncSession,
    *,
    key: str,
    recipient_id: int,
    template: str,
    due_at: datetime,
    now: datetime,
    params: dict[str, Any] | None = None,
    buttons: list[list[dict[str, Any]]] | None = None,
    urgent: bool = False,
    revive: bool = False,
) -> Notification | None:
    """Add the row, or replace a pending or cancelled one with the same key.

    A row already sent (or being sent) is kept as it is and None returned: a key names one
    message, so callers that need a second message use a new key. A row that failed or was
    dropped stays so unless the caller asks to `revive` it.
    """
    row = await session.scalar(select(Notification).where(Notification.key == key))
    if row is None:
        row = Notification(key=key, created_at=now, attempts=0)
        session.add(row)
    elif row.status in (SENT, SENDING) or (row.status in (FAILED, DROPPED) and not revive):
        return None
    row.recipient_id = recipient_id
    row.template = template
    row.params = params or {}
    row.buttons = buttons
    row.urgent = urgent
    row.due_at = due_at
    row.next_attempt_at = due_at
    row.status = PENDING
    row.attempts = 0
    row.last_error = None
    row.claimed_at = None
    row.claim_token = None
    await session.flush()
    return row


async def next_due(session: AsyncSession, after: datetime) -> datetime | None:
    """When the dispatcher will next have something to send (rows held for quiet hours count
    at their new time)."""
    due: datetime | None = await session.scalar(
        select(func.min(Notification.next_attempt_at)).where(
            Notification.status == PENDING, Notification.next_attempt_at > after))
    return due


async def cancel(session: AsyncSession, key: str) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.key == key, Notification.status == PENDING)
        .values(status=CANCELLED)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def _starts_with(session: AsyncSession, prefix: str) -> Any:
    """Keys that start with `prefix`. On SQLite also as a range on the key's unique index
    (its BINARY order is code-point order), which LIKE alone cannot use: without it every
    lookup reads the whole outbox, which only grows. PostgreSQL's collation does not order
    punctuation by code point, so there the range would be wrong: LIKE alone."""
    condition = Notification.key.startswith(prefix, autoescape=True)
    if prefix and session.bind.dialect.name == "sqlite":
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        condition = and_(Notification.key >= prefix, Notification.key < upper, condition)
    return condition


async def cancel_prefix(session: AsyncSession, prefix: str) -> int:
    """Cancel every pending row of one thing, e.g. all of 'meeting:42:'."""
    result = await session.execute(
        update(Notification)
        .where(_starts_with(session, prefix), Notification.status == PENDING)
        .values(status=CANCELLED)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def rows_with_prefix(session: AsyncSession, prefix: str) -> list[Notification]:
    """Every row of one thing, whatever its status, oldest first."""
    return list(await session.scalars(
        select(Notification).where(_starts_with(session, prefix)).order_by(Notification.id)))


@dataclass(frozen=True)
class SentCard:
    """A message sent from the outbox, as the dispatcher delivered it: enough to re-render
    it in its reader's language and edit it in place after a decision (who decided, when),
    even after a restart — the row keeps Telegram's message_id."""

    chat_id: int
    message_id: int
    language: str
    template: str
    params: dict[str, Any]


async def sent_cards(session: AsyncSession, prefix: str, default_language: str, *,
                     with_buttons: bool = True) -> list[SentCard]:
    """The delivered messages under a key prefix (with buttons only, by default)."""
    await session.flush()
    rows = await session.execute(
        select(Notification, Staff).join(Staff, Staff.id == Notification.recipient_id)
        .where(_starts_with(session, prefix), Notification.status == SENT,
               Notification.message_id.is_not(None))
        .order_by(Notification.id))
    return [SentCard(chat_id=person.telegram_user_id, message_id=int(row.message_id),
                     language=person.language or default_language, template=row.template,
                     params=dict(row.params))
            for row, person in rows
            if person.telegram_user_id is not None and (row.buttons or not with_buttons)]
