"""Meeting materials and the calendar (.ics) file.

A material is a document the organiser sent to the bot: Telegram keeps the file, we keep its
file_id and hand it out again to those who may see the meeting. Adding one after the notices
went out tells the invitees through the outbox.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.clock import Clock
from bot.config import Config
from bot.i18n import t
from bot.services import audit, ics, outbox
from bot.services.access import Actor
from bot.services.errors import Conflict, InvalidInput
from bot.services.meetings import (
    DELEGATE,
    LEAVE,
    SCHEDULED,
    MeetingService,
    MeetingView,
)
from storage.db import Database
from storage.models import Department, MeetingInvitee, MeetingMaterial, Staff

# Telegram lets a bot download files up to 20 MB; a larger one could not be fetched again
# through a self-hosted Bot API or checked later, so it is refused at the door.
MAX_MATERIAL_BYTES = 20 * 1024 * 1024
UNSAFE_FILE_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class Upload:
    """A document as Telegram described it when the organiser sent it."""

    file_id: str
    file_name: str
    mime_type: str = ""
    file_size: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_name": self.file_name,
                "mime_type": self.mime_type, "file_size": self.file_size}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Upload:
        return cls(file_id=str(data["file_id"]), file_name=str(data["file_name"]),
                   mime_type=str(data.get("mime_type") or ""),
                   file_size=int(data.get("file_size") or 0))


@dataclass(frozen=True)
class Material:
    id: int
    file_id: str
    file_name: str
    mime_type: str
    file_size: int


@dataclass(frozen=True)
class Added:
    meeting: MeetingView
    material: Material
    told: int  # invitees told about it now (those whose notice had already gone out)


@dataclass(frozen=True)
class CalendarFile:
    file_name: str
    content: bytes
    title: str


def _check_size(upload: Upload) -> None:
    if upload.file_size > MAX_MATERIAL_BYTES:
        raise InvalidInput("meeting_material.too_large", name=upload.file_name or "—",
                           limit_mb=MAX_MATERIAL_BYTES // (1024 * 1024))


def _material(row: MeetingMaterial) -> Material:
    return Material(id=row.id, file_id=row.file_id, file_name=row.file_name,
                    mime_type=row.mime_type, file_size=row.file_size)


class MaterialService:
    def __init__(self, db: Database, config: Config, clock: Clock,
                 meetings: MeetingService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.meetings = meetings

    # --- adding ------------------------------------------------------------------------------

    def check_upload(self, actor: Actor, upload: Upload) -> None:
        """Before a meeting exists (the step-by-step creation keeps files in the draft): only
        someone who may call meetings, and only a file Telegram lets us fetch again."""
        self.meetings.require_organiser_role(actor)
        _check_size(upload)

    async def may_attach(self, actor: Actor, meeting_id: int) -> MeetingView:
        """The organiser (or an admin) of a meeting still to be held."""
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            if meeting.status != SCHEDULED:
                raise Conflict("meeting_material.closed", id=meeting.id)
            return await self.meetings.view_of(s, meeting)

    async def add(self, actor: Actor, meeting_id: int, upload: Upload) -> Added:
        _check_size(upload)
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            if meeting.status != SCHEDULED:
                raise Conflict("meeting_material.closed", id=meeting.id)
            row = MeetingMaterial(
                meeting_id=meeting.id, file_id=upload.file_id[:300],
                file_name=(upload.file_name.strip() or "file")[:200],
                mime_type=upload.mime_type[:100], file_size=max(upload.file_size, 0),
                uploaded_by_id=actor.id, created_at=now)
            s.add(row)
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="meeting.material_add",
                         entity="meeting", entity_id=meeting.id,
                         after={"material_id": row.id, "file_name": row.file_name,
                                "mime_type": row.mime_type, "file_size": row.file_size})
            # Only those who already hold the notice need telling; a notice still waiting in
            # the outbox is read later, when the material is already behind its button.
            sent = {row_.recipient_id for row_ in await outbox.rows_with_prefix(
                s, f"meeting:{meeting.id}:notice:r{meeting.revision}:")
                if row_.status in (outbox.SENT, outbox.SENDING)}
            invitees = await s.scalars(select(MeetingInvitee).where(
                MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.active.is_(True)))
            told = 0
            params = self.meetings.params(meeting) | {"file": row.file_name}
            for invitee in invitees:
                if invitee.staff_id == actor.id or invitee.staff_id not in sent \
                        or invitee.response in (LEAVE, DELEGATE):
                    continue
                await outbox.schedule(
                    s, key=f"meeting:{meeting.id}:material:{row.id}:{invitee.staff_id}",
                    recipient_id=invitee.staff_id, template="meeting_material.added_notice",
                    due_at=now, now=now, params=params,
                    buttons=[[{"key": "btn.mtg_files", "data": f"mtg:files:{meeting.id}"}]])
                told += 1
            view = await self.meetings.view_of(s, meeting)
            return Added(meeting=view, material=_material(row), told=told)

    # --- handing out -------------------------------------------------------------------------

    async def materials(self, actor: Actor, meeting_id: int) -> tuple[MeetingView, list[Material]]:
        """For those who may see the meeting (MeetingService.get checks the presser)."""
        view = await self.meetings.get(actor, meeting_id)
        async with self.db.transaction() as s:
            rows = await s.scalars(select(MeetingMaterial).where(
                MeetingMaterial.meeting_id == meeting_id, MeetingMaterial.active.is_(True))
                .order_by(MeetingMaterial.id))
            return view, [_material(r) for r in rows]

    async def calendar_file(self, actor: Actor, meeting_id: int) -> CalendarFile:
        view = await self.meetings.get(actor, meeting_id)
        if view.status != SCHEDULED:
            raise Conflict("meeting_ics.not_scheduled", id=view.id,
                           status=t(actor.language, f"meeting.status.{view.status}"))
        # Plain text in the file: the catalog is HTML, so its escaping is undone here.
        description = html.unescape(str(t(
            actor.language, "meeting_ics.description", id=view.id, organiser=view.organiser,
            notes=view.notes or "—")))
        event = ics.Event(
            uid=f"officebot-meeting-{view.id}@officebot", sequence=view.revision - 1,
            starts_at=view.starts_at, ends_at=view.ends_at, summary=view.title,
            location=view.place, description=description)
        content = ics.calendar(event, stamp=self.clock.now()).encode("utf-8")
        name = UNSAFE_FILE_CHARS.sub(" ", view.title).strip()[:60] or f"meeting-{view.id}"
        return CalendarFile(file_name=f"{name}.ics", content=content, title=view.title)

    # --- what can be typed as attendees ------------------------------------------------------

    async def departments(self) -> list[str]:
        """Departments with someone active in them, for the attendee hint."""
        async with self.db.transaction() as s:
            rows = await s.scalars(select(Department.name).join(
                Staff, Staff.department_id == Department.id).where(
                Department.active.is_(True), Staff.active.is_(True))
                .group_by(Department.id, Department.name).order_by(Department.id))
            return list(rows)
