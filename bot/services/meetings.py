"""Meetings (会议): the notice, who is invited and what they answered, the reminders.

Every way of creating or changing a meeting goes through this service, which checks the
rules, writes the audit log and keeps each invitee's notice and reminders in the outbox in
step with the meeting. Answers (RSVP), changes, venue preparation, check-in and minutes are
in the modules beside it (meetings_*.py) and use what is here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.i18n import ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.duty import ACTIVE as SHIFT_ACTIVE
from bot.services.duty import running_between
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.people import resolve_person
from bot.services.when import user_time
from storage.db import Database
from storage.models import (
    ChecklistItem,
    Department,
    Meeting,
    MeetingInvitee,
    MeetingMaterial,
    Shift,
    Staff,
    StaffRole,
)

SCHEDULED, CANCELLED, FINISHED = "scheduled", "cancelled", "finished"
NONE, ATTEND, LEAVE, DELEGATE = "none", "attend", "leave", "delegate"
ORGANISER_ROLES = (Role.CLERK, Role.LEADER)
MAX_TITLE = 200

EVERYONE_WORDS = ("全体", "全体人员", "所有人", "全体干部", "全体干部职工", "everyone", "all")
ROLE_GROUPS: dict[str, Role] = {
    "班子成员": Role.LEADER, "领导": Role.LEADER, "镇领导": Role.LEADER, "领导班子": Role.LEADER,
    "leaders": Role.LEADER, "办公室人员": Role.CLERK, "clerks": Role.CLERK,
}
SEPARATORS = re.compile(r"[,，、;；/\s]+")
DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|个小时|h|hours?)\s*)?"
    r"(?:(?P<m>\d+)\s*(?:分钟|分|min|minutes?))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Clash:
    """An invitee already busy then: another meeting or a duty shift."""

    name: str
    what: str  # meeting | duty
    label: str  # the other meeting's title, or the shift kind
    starts_at: datetime


@dataclass(frozen=True)
class MeetingDraft:
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    invitees: str  # as the organiser wrote them
    invitee_ids: tuple[int, ...]
    invitee_names: tuple[str, ...]
    notes: str = ""
    clashes: tuple[Clash, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "starts_at": self.starts_at.isoformat(),
                "ends_at": self.ends_at.isoformat(), "place": self.place,
                "invitees": self.invitees, "notes": self.notes}


@dataclass(frozen=True)
class InviteeView:
    staff_id: int
    name: str
    department: str
    response: str
    reason: str
    delegate: str
    delegated_from: str
    checked_in_at: datetime | None
    registered: bool


@dataclass(frozen=True)
class MeetingView:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    notes: str
    organiser_id: int
    organiser: str
    status: str
    revision: int
    series_id: int | None
    invitees: list[InviteeView] = field(default_factory=list)
    materials: list[tuple[int, str]] = field(default_factory=list)

    def invitee(self, staff_id: int) -> InviteeView | None:
        return next((i for i in self.invitees if i.staff_id == staff_id), None)


def parse_duration(text: str) -> timedelta:
    """'1小时', '90分钟', '1.5小时', '1小时30分', '半小时', '90' (minutes)."""
    raw = text.strip().replace(" ", "")
    if raw in ("半小时", "半个小时"):
        return timedelta(minutes=30)
    if raw.isdigit():
        minutes = int(raw)
    else:
        match = DURATION.match(raw)
        if not raw or not match or not (match.group("h") or match.group("m")):
            raise InvalidInput("meeting.bad_duration", text=text)
        minutes = round(float(match.group("h") or 0) * 60) + int(match.group("m") or 0)
    if not 5 <= minutes <= 24 * 60:
        raise InvalidInput("meeting.bad_duration", text=text)
    return timedelta(minutes=minutes)


class MeetingService:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        # Other meeting services add what a new meeting needs from them (the venue alert),
        # within the creating transaction.
        self.after_create: list[Callable[[AsyncSession, Meeting, datetime],
                                         Awaitable[None]]] = []

    # --- who may --------------------------------------------------------------------------

    def require_organiser_role(self, actor: Actor) -> None:
        """Clerks and leaders call meetings (admins may do everything)."""
        actor.require(*ORGANISER_ROLES)

    def require_organiser(self, actor: Actor, meeting: Meeting) -> None:
        """Changing a meeting is for its organiser, or an admin."""
        if not (actor.is_admin or actor.id == meeting.organiser_id):
            raise PermissionDenied("meeting.not_organiser")

    # --- invitees ---------------------------------------------------------------------------

    async def resolve_invitees(self, s: AsyncSession, text: str) -> list[Staff]:
        """'班子成员、党政办、张伟' -> the people: everyone, a role group, a department (its
        active members), or a person. Unknown words are refused, naming the word."""
        chosen: dict[int, Staff] = {}
        words = [w for w in SEPARATORS.split(text.strip()) if w]
        if not words:
            raise InvalidInput("meeting.no_invitees")
        for word in words:
            found: list[Staff]
            if word.lower() in EVERYONE_WORDS:
                found = list(await s.scalars(select(Staff).where(Staff.active.is_(True))))
            elif (dept := await s.scalar(select(Department).where(
                    Department.name == word))) is not None:
                found = list(await s.scalars(select(Staff).where(
                    Staff.active.is_(True), Staff.department_id == dept.id)))
            elif word.lower() in ROLE_GROUPS or word in ROLE_GROUPS:
                role = ROLE_GROUPS.get(word, ROLE_GROUPS.get(word.lower()))
                assert role is not None
                found = list(await s.scalars(select(Staff).join(StaffRole).where(
                    Staff.active.is_(True), StaffRole.role == role.value)))
            else:
                found = [await resolve_person(s, word)]
            for person in found:
                chosen[person.id] = person
        if not chosen:
            raise InvalidInput("meeting.no_invitees")
        return sorted(chosen.values(), key=lambda p: p.id)

    async def clashes(self, s: AsyncSession, people: list[Staff], starts_at: datetime,
                      ends_at: datetime, exclude: int | None = None) -> list[Clash]:
        """Invitees who already have a meeting or a duty shift at that time: a warning for
        the organiser, not a refusal (the office decides)."""
        ids = [p.id for p in people]
        found: list[Clash] = []
        rows = await s.execute(
            select(MeetingInvitee.staff_id, Meeting).join(Meeting).where(
                MeetingInvitee.staff_id.in_(ids), MeetingInvitee.active.is_(True),
                MeetingInvitee.response.not_in((LEAVE, DELEGATE)), Meeting.status == SCHEDULED,
                Meeting.starts_at < ends_at, Meeting.ends_at > starts_at,
                Meeting.id != (exclude or 0)))
        names = {p.id: p.name for p in people}
        for staff_id, other in rows.all():
            found.append(Clash(names[staff_id], "meeting", other.title, other.starts_at))
        shifts = await s.scalars(select(Shift).where(
            Shift.status == SHIFT_ACTIVE, running_between(starts_at, ends_at),
            (Shift.person_id.in_(ids)) | (Shift.leader_id.in_(ids))))
        for shift in shifts:
            for staff_id in {shift.person_id, shift.leader_id} & set(ids):
                found.append(Clash(names[staff_id], "duty", shift.kind, shift.starts_at))
        return found

    # --- creating ---------------------------------------------------------------------------

    async def prepare(self, actor: Actor, title: str, when: str, place: str, invitees: str,
                      duration: str = "", notes: str = "") -> MeetingDraft:
        """Check everything the organiser gave; nothing is saved. The time is echoed back in
        a confirmation card before the meeting is created."""
        self.require_organiser_role(actor)
        title = " ".join(title.split())
        if not title:
            raise InvalidInput("meeting.no_title")
        if len(title) > MAX_TITLE:
            raise InvalidInput("error.too_long", field=title[:10] + "…", limit=MAX_TITLE)
        parsed = user_time(when, now=self.clock.now(), tz=self.config.tz)
        if not parsed.has_time:
            raise InvalidInput("meeting.need_time", text=when)
        length = parse_duration(duration) if duration.strip() else \
            self.config.meetings.default_duration
        async with self.db.transaction() as s:
            people = await self.resolve_invitees(s, invitees)
            clashes = await self.clashes(s, people, parsed.when, parsed.when + length)
        return MeetingDraft(
            title=title, starts_at=parsed.when, ends_at=parsed.when + length,
            place=" ".join(place.split())[:200], invitees=invitees.strip()[:500],
            invitee_ids=tuple(p.id for p in people), invitee_names=tuple(p.name for p in people),
            notes=notes.strip(), clashes=tuple(clashes))

    async def create(self, actor: Actor, draft: MeetingDraft,
                     series_id: int | None = None) -> MeetingView:
        self.require_organiser_role(actor)
        now = self.clock.now()
        if draft.starts_at <= now:
            raise InvalidInput("time.past", text=draft.title)
        if draft.ends_at <= draft.starts_at:
            raise InvalidInput("meeting.end_before_start")
        async with self.db.transaction() as s:
            # The people as they are now: someone may have left since the card was shown.
            people = await self.resolve_invitees(s, draft.invitees)
            meeting = Meeting(title=draft.title, starts_at=draft.starts_at,
                              ends_at=draft.ends_at, place=draft.place, notes=draft.notes,
                              organiser_id=actor.id, status=SCHEDULED, revision=1,
                              series_id=series_id, created_at=now, updated_at=now)
            s.add(meeting)
            await s.flush()
            await s.refresh(meeting, ["organiser"])  # params() reads it: load it now
            for person in people:
                s.add(MeetingInvitee(meeting_id=meeting.id, staff_id=person.id, created_at=now))
            due = draft.starts_at - self.config.meetings.checklist_due_before
            for item in self.config.meetings.checklist:
                s.add(ChecklistItem(meeting_id=meeting.id, title=item, due_at=due,
                                    created_at=now))
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="meeting.create",
                         entity="meeting", entity_id=meeting.id,
                         after={**draft.to_json(), "invitee_ids": [p.id for p in people]})
            await self.notify_all(s, meeting, now)
            for hook in self.after_create:
                await hook(s, meeting, now)
            return await self.view_of(s, meeting)

    # --- reading ----------------------------------------------------------------------------

    async def load(self, s: AsyncSession, meeting_id: int) -> Meeting:
        meeting = await s.get(Meeting, meeting_id)
        if meeting is None:
            raise NotFound("meeting.unknown")
        return meeting

    async def view_of(self, s: AsyncSession, meeting: Meeting) -> MeetingView:
        rows = list(await s.scalars(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.active.is_(True))
            .order_by(MeetingInvitee.id)))
        names = {r.staff_id: r.staff.name for r in rows}
        extra_ids = {r.delegate_id for r in rows} | {r.delegated_from_id for r in rows}
        for staff_id in extra_ids - set(names) - {None}:
            person = await s.get(Staff, staff_id)
            if person is not None:
                names[person.id] = person.name
        materials = list(await s.scalars(select(MeetingMaterial).where(
            MeetingMaterial.meeting_id == meeting.id, MeetingMaterial.active.is_(True))
            .order_by(MeetingMaterial.id)))
        return MeetingView(
            id=meeting.id, title=meeting.title, starts_at=meeting.starts_at,
            ends_at=meeting.ends_at, place=meeting.place, notes=meeting.notes,
            organiser_id=meeting.organiser_id, organiser=meeting.organiser.name,
            status=meeting.status, revision=meeting.revision, series_id=meeting.series_id,
            invitees=[InviteeView(
                staff_id=r.staff_id, name=r.staff.name,
                department=r.staff.department.name if r.staff.department else "",
                response=r.response, reason=r.reason,
                delegate=names.get(r.delegate_id, "") if r.delegate_id else "",
                delegated_from=names.get(r.delegated_from_id, "") if r.delegated_from_id else "",
                checked_in_at=r.checked_in_at, registered=r.staff.telegram_user_id is not None)
                for r in rows],
            materials=[(m.id, m.file_name) for m in materials])

    async def get(self, actor: Actor, meeting_id: int) -> MeetingView:
        """The organiser, admins and clerks see a meeting; so does everyone invited."""
        async with self.db.transaction() as s:
            meeting = await self.load(s, meeting_id)
            view = await self.view_of(s, meeting)
        if not (actor.is_admin or actor.has(Role.CLERK) or actor.id == view.organiser_id
                or view.invitee(actor.id) is not None):
            raise PermissionDenied("meeting.not_invited")
        return view

    async def upcoming(self, actor: Actor, days: int = 60) -> list[MeetingView]:
        """The asker's coming meetings: those they are invited to or organise."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            # EXISTS per coming meeting, not IN over every invitation the person ever had.
            invited = select(MeetingInvitee.id).where(
                MeetingInvitee.meeting_id == Meeting.id, MeetingInvitee.staff_id == actor.id,
                MeetingInvitee.active.is_(True)).exists()
            rows = await s.scalars(select(Meeting).where(
                Meeting.status == SCHEDULED, Meeting.ends_at > now,
                Meeting.starts_at < now + timedelta(days=days),
                (Meeting.organiser_id == actor.id) | invited)
                .order_by(Meeting.starts_at))
            return [await self.view_of(s, m) for m in rows]

    # --- notices and reminders ---------------------------------------------------------------

    def params(self, meeting: Meeting) -> dict[str, Any]:
        """What every meeting message says about it; rendered in the reader's language."""
        tz = self.config.tz
        start, end = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
        day: date = start.date()
        return {"id": meeting.id, "title": meeting.title,
                "date": ref("date.day", month=day.month, day=day.day,
                            weekday=ref(f"weekday.{day.weekday()}")),
                "start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
                "place": meeting.place or "—", "organiser": meeting.organiser.name,
                "notes": meeting.notes or "—"}

    def notice_buttons(self, meeting: Meeting) -> list[list[dict[str, Any]]]:
        return [
            [{"key": "btn.mtg_attend", "data": f"mtg:attend:{meeting.id}"},
             {"key": "btn.mtg_leave", "data": f"mtg:leave:{meeting.id}"},
             {"key": "btn.mtg_delegate", "data": f"mtg:delegate:{meeting.id}"}],
            [{"key": "btn.mtg_ics", "data": f"mtg:ics:{meeting.id}"},
             {"key": "btn.mtg_files", "data": f"mtg:files:{meeting.id}"}],
        ]

    async def send_notice(self, s: AsyncSession, meeting: Meeting, staff_id: int,
                          now: datetime, *, template: str = "meeting.notice",
                          extra: dict[str, Any] | None = None) -> None:
        """The notice card with the answer buttons. One per person and revision: a moved
        meeting asks again, a resend reuses the key's next number."""
        count = len(await outbox.rows_with_prefix(
            s, f"meeting:{meeting.id}:notice:r{meeting.revision}:{staff_id}:"))
        await outbox.schedule(
            s, key=f"meeting:{meeting.id}:notice:r{meeting.revision}:{staff_id}:{count}",
            recipient_id=staff_id, template=template, due_at=now, now=now,
            params=self.params(meeting) | (extra or {}),
            buttons=self.notice_buttons(meeting), urgent=self.short_notice(meeting, now))

    @staticmethod
    def short_notice(meeting: Meeting, now: datetime) -> bool:
        """A meeting within a day cannot wait for the end of quiet hours."""
        return meeting.starts_at - now < timedelta(days=1)

    async def notify_all(self, s: AsyncSession, meeting: Meeting, now: datetime) -> None:
        invitees = list(await s.scalars(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.active.is_(True))))
        for invitee in invitees:
            await self.send_notice(s, meeting, invitee.staff_id, now)
        await self.schedule_reminders(s, meeting)

    async def schedule_reminders(self, s: AsyncSession, meeting: Meeting) -> None:
        """The day-before and the before-start reminders of the current revision, for those
        attending or not yet answered — never those on leave or who sent a delegate."""
        invitees = list(await s.scalars(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id)))
        for invitee in invitees:
            await self.person_reminders(s, meeting, invitee)

    async def person_reminders(self, s: AsyncSession, meeting: Meeting,
                               invitee: MeetingInvitee) -> None:
        now = self.clock.now()
        prefix = f"meeting:{meeting.id}:remind:"
        mine = f":{invitee.staff_id}"
        # Earlier revisions' rows and this person's current ones are replaced together.
        for row in await outbox.rows_with_prefix(s, prefix):
            if row.key.endswith(mine):
                await outbox.cancel(s, row.key)
        wanted = (meeting.status == SCHEDULED and invitee.active
                  and invitee.response in (NONE, ATTEND))
        if not wanted:
            return
        tz = self.config.tz
        cfg = self.config.meetings
        day_before = meeting.starts_at.astimezone(tz).date() - timedelta(days=1)
        eve = datetime.combine(day_before, cfg.eve_reminder_at, tzinfo=tz)
        params = self.params(meeting)
        rev = f"r{meeting.revision}"
        if eve > now:
            await outbox.schedule(s, key=f"{prefix}{rev}:eve:{invitee.staff_id}",
                                  recipient_id=invitee.staff_id, template="meeting.remind_eve",
                                  due_at=eve, now=now, params=params)
        # Created (or moved) inside the reminder's window: remind at once instead of never.
        before = max(meeting.starts_at - cfg.before_start, now)
        if before < meeting.starts_at:
            await outbox.schedule(
                s, key=f"{prefix}{rev}:before:{invitee.staff_id}",
                recipient_id=invitee.staff_id, template="meeting.remind_before", due_at=before,
                now=now, params=params, urgent=True,
                buttons=[[{"key": "btn.mtg_checkin", "data": f"mtg:checkin:{meeting.id}"}]])

