"""Seals (印章) and their use (用印): the registry, the requests, and the ledger (用印登记簿).

A request's approval lives in the approvals engine (kind "seal", subject_id = the request's
id); the request row holds what was asked and what the keeper recorded. A ledger row is
written only when a keeper records the use of an approved request, and keeps the names as
they were that day, so the book still reads right after people move on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.models.people import Department, Staff


class Seal(Base):
    __tablename__ = "seals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The approval route: [{"mode": "one"|"any"|"all", "who": [staff id | "head"]}, ...];
    # "head" is the applicant's department head (部门负责人), resolved at submission.
    route: Mapped[Any] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The take-out request the seal is out on (借出), if any.
    out_request_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SealKeeper(Base):
    __tablename__ = "seal_keepers"
    __table_args__ = (UniqueConstraint("seal_id", "staff_id", name="uq_seal_keepers_seal_staff"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seal_id: Mapped[int] = mapped_column(ForeignKey("seals.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)

    staff: Mapped[Staff] = relationship(lazy="joined")


class SealRequest(Base):
    __tablename__ = "seal_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seal_id: Mapped[int] = mapped_column(ForeignKey("seals.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # request 请示 | report 报告 | contract 合同 | certificate 证明 | letter 函 | other 其他
    doc_type: Mapped[str] = mapped_column(String(12))
    copies: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # 外带用印: the seal leaves the office with the applicant.
    takeout: Mapped[bool] = mapped_column(Boolean, default=False)
    takeout_place: Mapped[str] = mapped_column(String(200), default="")
    return_due: Mapped[datetime | None]
    file_id: Mapped[str | None] = mapped_column(String(300))
    file_name: Mapped[str | None] = mapped_column(String(200))
    # pending -> approved -> stamped; approved -> out -> stamped (returned);
    # rejected | withdrawn
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[datetime]
    approved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]  # stamped, rejected or withdrawn
    keeper_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    handed_at: Mapped[datetime | None]  # take-out: the seal left the office
    returned_at: Mapped[datetime | None]
    stamped_at: Mapped[datetime | None]
    stamped_copies: Mapped[int | None] = mapped_column(Integer)
    stamp_photo_id: Mapped[str | None] = mapped_column(String(300))

    seal: Mapped[Seal] = relationship(lazy="joined")
    applicant: Mapped[Staff] = relationship(foreign_keys=[applicant_id], lazy="joined")
    department: Mapped[Department | None] = relationship(lazy="joined")


class SealLedgerEntry(Base):
    """One line of the 用印登记簿, numbered within its year."""

    __tablename__ = "seal_ledger"
    __table_args__ = (
        UniqueConstraint("year", "serial", name="uq_seal_ledger_year_serial"),
        UniqueConstraint("request_id", name="uq_seal_ledger_request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[int] = mapped_column(ForeignKey("seal_requests.id"))
    seal_id: Mapped[int] = mapped_column(ForeignKey("seals.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    used_at: Mapped[datetime] = mapped_column(index=True)
    seal_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    doc_type: Mapped[str] = mapped_column(String(12))
    purpose: Mapped[str] = mapped_column(String(300))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    copies: Mapped[int] = mapped_column(Integer)
    applicant: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(String(100), default="")
    approvers: Mapped[str] = mapped_column(Text)  # "陈志强 11-27 10:05；王建国 11-27 10:30"
    keeper: Mapped[str] = mapped_column(String(50))
    takeout_place: Mapped[str] = mapped_column(String(200), default="")
    photo_id: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
