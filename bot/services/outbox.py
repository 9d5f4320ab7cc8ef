"""The outbox: every reminder, alert and escalation is a row with a unique key.

Domain code schedules, replaces and cancels rows inside its own transaction; the dispatcher
(bot/services/dispatcher.py) sends the due ones. So a restart loses nothing and nothing is
sent twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Notification

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


async def cancel(session: AsyncSession, key: str) -> int:
    result = await session.execute(
        update(Notification)
        .where(Notification.key == key, Notification.status == PENDING)
        .values(status=CANCELLED)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def _starts_with(prefix: str) -> Any:
    return Notification.key.startswith(prefix, autoescape=True)


async def cancel_prefix(session: AsyncSession, prefix: str) -> int:
    """Cancel every pending row of one thing, e.g. all of 'meeting:42:'."""
    result = await session.execute(
        update(Notification)
        .where(_starts_with(prefix), Notification.status == PENDING)
        .values(status=CANCELLED)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def rows_with_prefix(session: AsyncSession, prefix: str) -> list[Notification]:
    """Every row of one thing, whatever its status, oldest first."""
    return list(await session.scalars(
        select(Notification).where(_starts_with(prefix)).order_by(Notification.id)))
