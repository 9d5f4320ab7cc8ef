"""Meetings: the notice and who answered what, materials, venue preparation, minutes and the
decisions to follow up, and the rules of recurring meetings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.people import Staff


class MeetingSeries(Base):
    """A recurring meeting (例会): each occurrence is a Meeting of its own with its notices."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # "weekly:<weekday 0-6>:<HH:MM>" or "monthly_first_workday:<HH:MM>"
    rule: Mapped[str] = mapped_column(String(60))
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    place: Mapped[str] = mapped_column(String(200), default="")
    invitees: Mapped[str] = mapped_column(String(500))  # as the organiser wrote them
    notes: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    organiser_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    # scheduled | cancelled | finished
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    # Bumped whenever the time changes: reminders and RSVPs belong to one revision.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id"), index=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_file_id: Mapped[str | None] = mapped_column(String(300))
    minutes_at: Mapped[datetime | None]

    organiser: Mapped[Staff] = relationship(lazy="joined")

    __table_args__ = (
        # Meetings not over yet (someone's coming meetings, the digest): the scheduled ones
        # ending after now, rather than every meeting a person was ever asked to.
        Index("ix_meetings_status_ends_at", "status", "ends_at"),
    )


class MeetingInvitee(Base):
    """One person asked to a meeting and their answer (回执)."""

    __tablename__ = "meeting_invitees"
    __table_args__ = (UniqueConstraint("meeting_id", "staff_id",
                                       name="uq_meeting_invitees_meeting_staff"),
                      # "The meetings someone is asked to" (their coming meetings, the
                      # digest) read from the index alone: a person's invitations pile up
                      # over the years, and a row lookup for each one is what costs.
                      Index("ix_meeting_invitees_staff_id_active_meeting_id", "staff_id",
                            "active", "meeting_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    # none | attend | leave | delegate
    response: Mapped[str] = mapped_column(String(10), default="none")
    reason: Mapped[str] = mapped_column(String(200), default="")
    # On the row of a person who sent someone in their place (委托参会):
    delegate_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    # On the row of the person sent: whom they stand in for.
    delegated_from_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answered_at: Mapped[datetime | None]
    answered_revision: Mapped[int | None] = mapped_column(Integer)
    checked_in_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once uninvited
    created_at: Mapped[datetime]

    staff: Mapped[Staff] = relationship(foreign_keys=[staff_id], lazy="joined")


class MeetingMaterial(Base):
    __tablename__ = "meeting_materials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(300))  # Telegram's: the file stays there
    file_name: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100), default="")
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ChecklistItem(Base):
    """会场布置: one thing to prepare (会标, 桌签, 音响...), assigned to a clerk."""

    __tablename__ = "meeting_checklist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    due_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]


class MeetingDecision(Base):
    """决定事项: recorded with the minutes; may become a supervised task."""

    __tablename__ = "meeting_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    deadline: Mapped[datetime | None]
    task_id: Mapped[int | None] = mapped_column(Integer)  # set once tasks exist
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime]
    extra: Mapped[Any | None]
