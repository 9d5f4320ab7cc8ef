"""The tables. Feature modules add theirs here; nothing is ever deleted, only closed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), Any: JSON()}


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    language: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    # False once Telegram says the person blocked the bot; reset when they write again.
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]

    department: Mapped[Department | None] = relationship(lazy="joined")
    roles: Mapped[list[StaffRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="StaffRole.role"
    )


class StaffRole(Base):
    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("staff_id", "role", name="uq_staff_roles_staff_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), index=True)


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    revoked_at: Mapped[datetime | None]


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
    recipient_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
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

    __table_args__ = (Index("ix_notifications_status_next", "status", "next_attempt_at"),)


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


class Shift(Base):
    """One dated duty slot (班次): who is on duty, which leader is in charge (带班领导), and
    what happened: sign-in, sign-out, the handover note for the next shift."""

    __tablename__ = "shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))  # day | night | full
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    person_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    note: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | cancelled
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    signed_in_at: Mapped[datetime | None]
    sign_in_late: Mapped[bool] = mapped_column(Boolean, default=False)
    sign_in_distance_m: Mapped[int | None] = mapped_column(Integer)
    signed_out_at: Mapped[datetime | None]
    handover_note: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Staff] = relationship(foreign_keys=[person_id], lazy="joined")
    leader: Mapped[Staff | None] = relationship(foreign_keys=[leader_id], lazy="joined")

    __table_args__ = (
        Index("ix_shifts_day_kind", "day", "kind"),
        # One active shift per day and kind; cancelled ones stay for the record.
        Index("uq_shifts_active_day_kind", "day", "kind", unique=True,
              sqlite_where=text("status = 'active'"),
              postgresql_where=text("status = 'active'")),
    )


class DutyLogEntry(Base):
    """值班日志: calls received and incidents during a shift; part of the handover."""

    __tablename__ = "duty_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)


class SwapRequest(Base):
    """A person asks a colleague to take their shift: the colleague accepts or declines, then
    a clerk or the duty leader approves or rejects."""

    __tablename__ = "swap_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    colleague_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    # asked -> accepted -> approved; or declined / rejected / withdrawn / expired
    status: Mapped[str] = mapped_column(String(12), default="asked")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(String(200), default="")
