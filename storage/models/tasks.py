"""Supervised tasks (督查督办): what a leader handed down, to whom, by when, and every step of
it — acceptance, objections, progress, extensions, completion — kept for the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.people import Staff


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    # leader (领导交办) | meeting (会议决定) | upper (上级来文) | other
    source: Mapped[str] = mapped_column(String(10), default="leader")
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_decisions.id"))
    # The leader the task comes from; a clerk may enter it on their behalf (created_by).
    assigner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    priority: Mapped[str] = mapped_column(String(10), default="normal")  # normal | urgent
    deadline: Mapped[datetime] = mapped_column(index=True)
    # assigned -> accepted -> submitted -> done; objected; cancelled
    status: Mapped[str] = mapped_column(String(12), default="assigned", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    attachment_file_id: Mapped[str | None] = mapped_column(String(300))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    result_note: Mapped[str | None] = mapped_column(Text)
    # Indexed for the weekly report's "new this week", a short range instead of every task.
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # done or cancelled

    owner: Mapped[Staff] = relationship(foreign_keys=[owner_id], lazy="joined")
    assigner: Mapped[Staff] = relationship(foreign_keys=[assigner_id], lazy="joined")

    __table_args__ = (
        # A leader's open tasks (the morning digest): by assigner alone the search would read
        # every task the leader ever gave, a list that only grows (bench/sweeps.py).
        Index("ix_tasks_assigner_id_status", "assigner_id", "status"),
        # The weekly report (督查通报): (status, closed_at) makes "closed this week" a short
        # range; with submitted_at and deadline too, the on-time count over every task done
        # since the start reads this index alone, not every row of the table (bench/sweeps.py).
        Index("ix_tasks_status_closed_at", "status", "closed_at", "submitted_at", "deadline"),
    )


class TaskCoOwner(Base):
    __tablename__ = "task_co_owners"
    __table_args__ = (UniqueConstraint("task_id", "staff_id", name="uq_task_co_owners_task_staff"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TaskEvent(Base):
    """One step in a task's history: progress, objection, extension asked or decided,
    completion submitted, confirmed or returned, reassignment, cancellation."""

    __tablename__ = "task_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    file_id: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    author: Mapped[Staff] = relationship(lazy="joined")


class TaskExtension(Base):
    """A request for a new deadline; the assigner approves or rejects it."""

    __tablename__ = "task_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    old_deadline: Mapped[datetime]
    new_deadline: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(12), default="pending")  # approved|rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
