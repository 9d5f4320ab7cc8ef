"""The duty roster: shifts, the duty log, swap requests."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.people import Staff


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
        # A duty leader's coming shifts (swaps waiting for them, in the digest), not all
        # their shifts since the roster began (bench/sweeps.py). No index leads with status
        # here: without statistics SQLite takes "status = 'active'" for a selective match
        # and would read every active shift ever for the handover and roster lookups.
        Index("ix_shifts_leader_id_starts_at", "leader_id", "starts_at"),
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
