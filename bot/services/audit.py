"""The audit log: every state change appends who, what, when, before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    entity: str,
    entity_id: int | None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append within the caller's transaction, so the change and its record commit together."""
    entry = AuditEntry(
        at=at, actor_id=actor_id, action=action, entity=entity, entity_id=entity_id,
        before=before, after=after,
    )
    session.add(entry)
    return entry


async def history(session: AsyncSession, entity: str, entity_id: int) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id)
    )
    return list(rows)
