"""The mechanisms' tables: audit log, outbox, calendar overrides, sweeps, uploads, PTB state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[Any | None]
    after: Mapped[Any | None]

    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)


class Notification(Base):
    """One outbox row: a message that must reach one person once, at or after due_at."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    template: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    buttons: Mapped[Any | None]
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime]
    # pending -> sending -> sent; or cancelled / dropped (stale) / failed (gave up)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_notifications_status_next", "status", "next_attempt_at"),
        # The dispatcher's claim asks, for each due row, whether its person has anything
        # still to go (pending or sending): a short range here, not their whole history.
        Index("ix_notifications_recipient_id_status", "recipient_id", "status"),
    )


class HolidayOverride(Base):
    """Admins' corrections to the holiday calendar: local days off, next year's 调休 workdays."""

    __tablename__ = "holiday_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # holiday | workday
    name: Mapped[str] = mapped_column(String(100), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class SweepRun(Base):
    """A daily sweep's run for one local day; the unique key makes it run once, even across
    restarts and instances."""

    __tablename__ = "sweep_runs"
    __table_args__ = (UniqueConstraint("name", "day", name="uq_sweep_runs_name_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class SheetUpload(Base):
    """An Excel sheet waiting for its uploader's confirmation, kept so a restart loses nothing."""

    __tablename__ = "sheet_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    uploader_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|applied|discarded
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class PersistedState(Base):
    """What PTB keeps in memory between updates (conversation states, user_data, chat_data),
    written here by bot/persistence.py so a restart does not drop a half-finished dialogue.

    kind is 'conversation' (name = handler name, key = JSON of the conversation key tuple),
    'user_data' or 'chat_data' (name = '', key = the id). data is JSON: a state or a dict.
    """

    __tablename__ = "persisted_state"
    __table_args__ = (
        UniqueConstraint("kind", "name", "key", name="uq_persisted_state_kind_name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100), default="")
    key: Mapped[str] = mapped_column(String(200))
    data: Mapped[Any]
    # When the row was last written: restored conversations older than the persistence's
    # max age are dropped at start-up instead of resuming a dialogue nobody remembers.
    updated_at: Mapped[datetime]
