"""The tables, one module per area; nothing is ever deleted, only closed or cancelled.

Everything is re-exported here, so `from storage.models import Staff` works wherever a table
lives, and Alembic sees every table through Base.metadata.
"""

from storage.models.approvals import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStep,
    ApprovalStepApprover,
)
from storage.models.base import NAMING, Base
from storage.models.duty import DutyLogEntry, Shift, SwapRequest
from storage.models.meetings import (
    ChecklistItem,
    Meeting,
    MeetingDecision,
    MeetingInvitee,
    MeetingMaterial,
    MeetingSeries,
)
from storage.models.people import Department, Invite, Staff, StaffRole
from storage.models.seals import Seal, SealKeeper, SealLedgerEntry, SealRequest
from storage.models.system import (
    AuditEntry,
    HolidayOverride,
    Notification,
    PersistedState,
    SheetUpload,
    SweepRun,
)
from storage.models.tasks import Task, TaskCoOwner, TaskEvent, TaskExtension

__all__ = [
    "NAMING",
    "ApprovalDecision",
    "ApprovalRequest",
    "ApprovalStep",
    "ApprovalStepApprover",
    "AuditEntry",
    "Base",
    "ChecklistItem",
    "Department",
    "DutyLogEntry",
    "HolidayOverride",
    "Invite",
    "Meeting",
    "MeetingDecision",
    "MeetingInvitee",
    "MeetingMaterial",
    "MeetingSeries",
    "Notification",
    "PersistedState",
    "Seal",
    "SealKeeper",
    "SealLedgerEntry",
    "SealRequest",
    "SheetUpload",
    "Shift",
    "Staff",
    "StaffRole",
    "SwapRequest",
    "SweepRun",
    "Task",
    "TaskCoOwner",
    "TaskEvent",
    "TaskExtension",
]
