"""Approvals (审批): a request of some kind (a seal request, later a swap, an extension...)
goes through a route of steps; each step is decided by one named approver, by any one of
several (或签) or by all of several (会签). The feature's own data lives in its own table; an
approval points at it by `kind` and `subject_id`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.people import Staff


class ApprovalRequest(Base):
    __tablename__ = "approval_requests"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id", name="uq_approval_requests_kind_subject"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # seal | swap | extension | vehicle ...
    subject_id: Mapped[int] = mapped_column(Integer)  # the id in the feature's own table
    applicant_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    # draft -> pending -> approved | rejected | withdrawn
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    # The position of the step waiting for a decision; None unless pending.
    current_step: Mapped[int | None] = mapped_column(Integer)
    # Bumped by every change, and every change is conditional on it: two presses at once
    # give one decision even where the row lock is not taken.
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # approved, rejected or withdrawn

    applicant: Mapped[Staff] = relationship(lazy="joined")


class ApprovalStep(Base):
    __tablename__ = "approval_steps"
    __table_args__ = (
        UniqueConstraint("request_id", "position", name="uq_approval_steps_request_position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 0, 1, 2 ... in route order
    mode: Mapped[str] = mapped_column(String(3))  # one | any (或签) | all (会签)
    # waiting -> pending -> approved | rejected; skipped (nobody but the applicant);
    # closed (the request ended before this step was decided)
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    started_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]


class ApprovalStepApprover(Base):
    """Who may decide a step: the route's approvers, never the applicant."""

    __tablename__ = "approval_step_approvers"
    __table_args__ = (
        UniqueConstraint("step_id", "staff_id", name="uq_approval_step_approvers_step_staff"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("approval_steps.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order as the route lists them

    staff: Mapped[Staff] = relationship(lazy="joined")


class ApprovalDecision(Base):
    """One approver's decision on one step; at most one each (a repeated press finds it)."""

    __tablename__ = "approval_decisions"
    __table_args__ = (
        UniqueConstraint("step_id", "approver_id", name="uq_approval_decisions_step_approver"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id"), index=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("approval_steps.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    approve: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(String(300), default="")
    decided_at: Mapped[datetime]

    approver: Mapped[Staff] = relationship(lazy="joined")
