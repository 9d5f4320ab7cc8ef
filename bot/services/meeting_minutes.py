"""After the meeting (会后落实): minutes (会议纪要), the decisions to follow up (决定事项), and
recurring meetings (例会) whose occurrences are created by a daily sweep.

Minutes and decisions belong to the organiser (or an admin) once the meeting has started;
everyone who may see the meeting may read them. A decision may name an owner and a deadline:
the owner is told, and its state (open, done, overdue by the clock) is what the office checks
when it supervises the execution of meeting decisions (督查会议决定事项执行情况). Turning a
decision into a supervised task waits for the tasks feature: until then the decision itself
carries the owner and the deadline.

A series keeps a rule ("weekly:0:08:30", "monthly_first_workday:09:00"); every day the sweep
creates, through MeetingService.create, each occurrence that falls within the horizon, once per
date, so every occurrence sends its own notices and reminders. Weekly occurrences that fall on
a statutory holiday are skipped (the organiser is told); the monthly rule means the first
working day by the holiday calendar, 调休 included.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.i18n import ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.calendar import HolidayCalendar
from bot.services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from bot.services.meetings import (
    CANCELLED,
    FINISHED,
    MAX_TITLE,
    SCHEDULED,
    MeetingDraft,
    MeetingService,
    MeetingView,
    parse_duration,
)
from bot.services.people import actor_of, holders, resolve_person
from bot.services.when import user_date, user_time
from storage.db import Database
from storage.models import Meeting, MeetingDecision, MeetingInvitee, MeetingSeries, Staff

log = logging.getLogger(__name__)

OPEN, DONE, OVERDUE = "open", "done", "overdue"
MAX_DECISION = 500
MAX_MINUTES = 20_000
# Roles that may see every open decision of the office (督查): the rest see their own.
SUPERVISOR_ROLES = (Role.CLERK, Role.LEADER)

WEEKLY, MONTHLY = "weekly", "monthly_first_workday"
_WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
                "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6}
_WEEKDAYS_EN = {"mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2,
                "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4,
                "friday": 4, "sat": 5, "saturday": 5, "sun": 6, "sunday": 6}
_WEEKLY_ZH = re.compile(r"^每(?:个|逢)?(?:周|星期|礼拜)([一二三四五六日天1-7])\s*(.*)$")
_WEEKLY_EN = re.compile(
    r"^(?:every|each|weekly\s+on)\s+(" + "|".join(sorted(_WEEKDAYS_EN, key=len, reverse=True))
    + r")\b\s*(?:at\s+)?(.*)$", re.IGNORECASE)
_MONTHLY_ZH = re.compile(r"^每(?:个)?月(?:的)?(?:第一个|第1个|首个|第一|头一个)工作日\s*(.*)$")
_MONTHLY_EN = re.compile(
    r"^(?:first\s+(?:workday|working\s+day|work\s+day)\s+(?:monthly|of\s+(?:each|every|the)"
    r"\s+month|each\s+month|every\s+month)|monthly\s+(?:on\s+the\s+)?first\s+"
    r"(?:workday|working\s+day))\b\s*(?:at\s+)?(.*)$", re.IGNORECASE)
_RULE = re.compile(
    r"^(?:weekly:(?P<weekday>[0-6])|monthly_first_workday):(?P<h>\d{2}):(?P<m>\d{2})$")


# --- what callers get ---------------------------------------------------------------------


@dataclass(frozen=True)
class MinutesView:
    meeting_id: int
    title: str
    params: dict[str, Any]  # MeetingService.params(): id, title, date, start, end, place ...
    status: str
    text: str | None
    file_id: str | None
    recorded_at: datetime | None
    recorded_now: tuple[str, ...] = ()  # what the last record() stored: "text", "file"
    told: int = 0  # invitees told that the minutes are there (first recording only)


@dataclass(frozen=True)
class DecisionView:
    id: int
    meeting_id: int
    meeting_title: str
    text: str
    owner_id: int | None
    owner: str
    deadline: date | None  # local date; the decision is due by the end of it
    state: str  # open | done | overdue (open past its deadline, by the clock)
    done_at: datetime | None
    done_by: str
    organiser_id: int

    @property
    def params(self) -> dict[str, Any]:
        return {"id": self.id, "meeting_id": self.meeting_id, "title": self.meeting_title,
                "text": self.text, "owner": self.owner or "—",
                "deadline": day_ref(self.deadline) if self.deadline else "—",
                # With the year where a typed deadline is confirmed: "11月20日" said after
                # November 20 is next year's.
                "deadline_full": day_ref(self.deadline, full=True) if self.deadline else "—"}


@dataclass(frozen=True)
class Rule:
    kind: str  # weekly | monthly_first_workday
    at: time
    weekday: int | None = None  # 0 = Monday, for weekly rules

    def encode(self) -> str:
        hhmm = f"{self.at:%H:%M}"
        return f"{WEEKLY}:{self.weekday}:{hhmm}" if self.kind == WEEKLY else f"{MONTHLY}:{hhmm}"

    def label(self) -> dict[str, object]:
        """The rule as people read it, in the reader's language."""
        hhmm = f"{self.at:%H:%M}"
        if self.kind == WEEKLY:
            return ref("meeting_minutes.rule.weekly", weekday=ref(f"weekday.{self.weekday}"),
                       time=hhmm)
        return ref("meeting_minutes.rule.monthly", time=hhmm)

    @classmethod
    def decode(cls, raw: str) -> Rule:
        match = _RULE.match(raw)
        if match is None:
            raise ValueError(f"bad series rule {raw!r}")
        at = time(int(match.group("h")), int(match.group("m")))
        if match.group("weekday") is not None:
            return cls(WEEKLY, at, int(match.group("weekday")))
        return cls(MONTHLY, at)


@dataclass(frozen=True)
class SeriesDraft:
    title: str
    rule: Rule
    place: str
    invitees: str
    invitee_names: tuple[str, ...]
    duration_minutes: int
    next_dates: tuple[date, ...]  # the coming occurrences, holidays skipped (a preview)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "rule": self.rule.encode(), "place": self.place,
                "invitees": self.invitees, "duration_minutes": self.duration_minutes}


@dataclass(frozen=True)
class SeriesView:
    id: int
    title: str
    rule: Rule
    place: str
    invitees: str
    duration_minutes: int
    organiser_id: int
    organiser: str
    active: bool
    created: tuple[date, ...] = ()  # occurrences created by the last generation
    skipped: tuple[date, ...] = ()  # holidays skipped by it

    @property
    def params(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "rule": self.rule.label(),
                "place": self.place or "—", "invitees": self.invitees,
                "organiser": self.organiser}


@dataclass
class Generated:
    """What one run of the generation did, for the sweep's log and the tests."""

    created: list[tuple[int, date, int]] = field(default_factory=list)  # series, day, meeting
    skipped: list[tuple[int, date]] = field(default_factory=list)
    failed: list[tuple[int, date, str]] = field(default_factory=list)


def day_ref(day: date, *, full: bool = False) -> dict[str, object]:
    weekday = ref(f"weekday.{day.weekday()}")
    if full:
        return ref("date.full", year=day.year, month=day.month, day=day.day, weekday=weekday)
    return ref("date.day", month=day.month, day=day.day, weekday=weekday)


def parse_rule(text: str, *, now: datetime, tz: Any) -> Rule:
    """'每周一 08:30', '每月第一个工作日 09:00', 'every monday 08:30',
    'first workday monthly 09:00'. The time of day goes through the one time parser."""
    raw = " ".join(text.split())
    weekday: int | None = None
    rest: str | None = None
    if (m := _WEEKLY_ZH.match(raw)) is not None:
        weekday, rest = _WEEKDAYS_ZH[m.group(1)], m.group(2)
        kind = WEEKLY
    elif (m := _WEEKLY_EN.match(raw)) is not None:
        weekday, rest = _WEEKDAYS_EN[m.group(1).lower()], m.group(2)
        kind = WEEKLY
    elif (m := _MONTHLY_ZH.match(raw) or _MONTHLY_EN.match(raw)) is not None:
        rest, kind = m.group(1), MONTHLY
    if rest is None or not rest.strip():
        raise InvalidInput("meeting_minutes.series_bad_rule", text=text)
    try:
        parsed = user_time(rest.strip(), now=now, tz=tz, allow_past=True)
    except InvalidInput as exc:
        raise InvalidInput("meeting_minutes.series_bad_rule", text=text) from exc
    if not parsed.has_time:
        raise InvalidInput("meeting_minutes.series_bad_rule", text=text)
    local = parsed.when.astimezone(tz)
    return Rule(kind, time(local.hour, local.minute), weekday)


def first_workday(calendar: HolidayCalendar, year: int, month: int) -> date | None:
    """The month's first working day by the office calendar (调休 Saturdays count)."""
    day = date(year, month, 1)
    while day.month == month:
        if calendar.is_workday(day):
            return day
        day += timedelta(days=1)
    return None


def _months(start: date, end: date) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


class MinutesService:
    def __init__(self, db: Database, config: Config, clock: Clock,
                 meetings: MeetingService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.meetings = meetings
        # Replaced by the container's calendar (use_calendar), which carries the admins'
        # overrides; this one knows only the statutory days, so nothing breaks without it.
        self.calendar = HolidayCalendar()

    def use_calendar(self, calendar: HolidayCalendar) -> None:
        self.calendar = calendar

    # --- shared checks --------------------------------------------------------------------

    @staticmethod
    def _may_see(actor: Actor, view: MeetingView) -> bool:
        return (actor.is_admin or actor.has(Role.CLERK) or actor.id == view.organiser_id
                or view.invitee(actor.id) is not None)

    def _require_after_start(self, actor: Actor, meeting: Meeting, now: datetime) -> None:
        """Minutes and decisions: the organiser (or an admin), once the meeting has begun,
        never on a cancelled one."""
        self.meetings.require_organiser(actor, meeting)
        if meeting.status == CANCELLED:
            raise Conflict("meeting_minutes.cancelled", title=meeting.title)
        if now < meeting.starts_at:
            raise InvalidInput("meeting_minutes.not_started", title=meeting.title,
                               **self._start(meeting))

    def _start(self, meeting: Meeting) -> dict[str, Any]:
        params = self.meetings.params(meeting)
        return {"date": params["date"], "start": params["start"]}

    def _minutes_view(self, meeting: Meeting, recorded_now: tuple[str, ...] = (),
                      told: int = 0) -> MinutesView:
        return MinutesView(
            meeting_id=meeting.id, title=meeting.title, params=self.meetings.params(meeting),
            status=meeting.status, text=meeting.minutes, file_id=meeting.minutes_file_id,
            recorded_at=meeting.minutes_at, recorded_now=recorded_now, told=told)

    # --- minutes ----------------------------------------------------------------------------

    async def read(self, actor: Actor, meeting_id: int) -> MinutesView:
        """Whoever may see the meeting may read its minutes."""
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            if not self._may_see(actor, await self.meetings.view_of(s, meeting)):
                raise PermissionDenied("meeting.not_invited")
            return self._minutes_view(meeting)

    async def may_record(self, actor: Actor, meeting_id: int) -> bool:
        """Whether /minutes should ask this person for the minutes rather than show them."""
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
        return actor.is_admin or actor.id == meeting.organiser_id

    async def check_record(self, actor: Actor, meeting_id: int) -> MinutesView:
        """Refuses now, before the organiser types the minutes, what record() would refuse."""
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            self._require_after_start(actor, meeting, self.clock.now())
            return self._minutes_view(meeting)

    async def record(self, actor: Actor, meeting_id: int, *, text: str | None = None,
                     file_id: str | None = None) -> MinutesView:
        """Store the minutes' text and/or document; what is not given is kept. A meeting
        that has ended is finished by it. Invitees are told once, at the first recording."""
        text = text.strip() if text else None
        if not text and not file_id:
            raise InvalidInput("meeting_minutes.minutes_empty")
        if text and len(text) > MAX_MINUTES:
            raise InvalidInput("error.too_long", field=text[:10] + "…", limit=MAX_MINUTES)
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            self._require_after_start(actor, meeting, now)
            first = meeting.minutes_at is None
            before = {"minutes": meeting.minutes, "minutes_file_id": meeting.minutes_file_id,
                      "status": meeting.status}
            stored: list[str] = []
            if text:
                meeting.minutes = text
                stored.append("text")
            if file_id:
                meeting.minutes_file_id = file_id
                stored.append("file")
            meeting.minutes_at = now
            if meeting.status == SCHEDULED and now >= meeting.ends_at:
                meeting.status = FINISHED
            meeting.updated_at = now
            audit.record(s, at=now, actor_id=actor.id, action="meeting.minutes",
                         entity="meeting", entity_id=meeting.id, before=before,
                         after={"minutes": meeting.minutes,
                                "minutes_file_id": meeting.minutes_file_id,
                                "status": meeting.status})
            told = await self._tell_minutes(s, meeting, actor, now) if first else 0
            return self._minutes_view(meeting, tuple(stored), told)

    async def _tell_minutes(self, s: AsyncSession, meeting: Meeting, actor: Actor,
                            now: datetime) -> int:
        invitees = list(await s.scalars(select(MeetingInvitee.staff_id).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.active.is_(True),
            MeetingInvitee.staff_id != actor.id)))
        for staff_id in invitees:
            await outbox.schedule(
                s, key=f"meeting:{meeting.id}:minutes:{staff_id}", recipient_id=staff_id,
                template="meeting_minutes.minutes_ready", due_at=now, now=now,
                params=self.meetings.params(meeting))
        return len(invitees)

    # --- decisions --------------------------------------------------------------------------

    async def add_decision(self, actor: Actor, meeting_id: int, text: str, owner: str = "",
                           deadline: str = "") -> DecisionView:
        text = " ".join(text.split())
        if not text:
            raise InvalidInput("meeting_minutes.decision_usage")
        if len(text) > MAX_DECISION:
            raise InvalidInput("error.too_long", field=text[:10] + "…", limit=MAX_DECISION)
        now = self.clock.now()
        tz = self.config.tz
        due: datetime | None = None
        if deadline.strip():
            # user_date refuses a day behind today: a deadline is in the future.
            day = user_date(deadline.strip(), now=now, tz=tz)
            due = datetime.combine(day, time(23, 59), tzinfo=tz)
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            self._require_after_start(actor, meeting, now)
            person: Staff | None = await resolve_person(s, owner) if owner.strip() else None
            decision = MeetingDecision(
                meeting_id=meeting.id, text=text, owner_id=person.id if person else None,
                deadline=due, status=OPEN, created_by_id=actor.id, created_at=now)
            s.add(decision)
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="meeting.decision",
                         entity="meeting_decision", entity_id=decision.id,
                         after={"meeting_id": meeting.id, "text": text,
                                "owner_id": decision.owner_id,
                                "deadline": due.isoformat() if due else None})
            view = await self._decision_view(s, decision, now)
            if person is not None:
                await outbox.schedule(
                    s, key=f"meeting:{meeting.id}:decision:{decision.id}:owner:{person.id}",
                    recipient_id=person.id, template="meeting_minutes.decision_assigned",
                    due_at=now, now=now, params=self.meetings.params(meeting) | view.params,
                    buttons=[[{"key": "btn.mtg_decision_done",
                               "data": f"mtgdec:done:{decision.id}"}]])
            return view

    async def _decision_view(self, s: AsyncSession, decision: MeetingDecision,
                             now: datetime) -> DecisionView:
        meeting = await self.meetings.load(s, decision.meeting_id)
        owner = await s.get(Staff, decision.owner_id) if decision.owner_id else None
        extra = decision.extra or {}
        done_by = await s.get(Staff, extra["done_by_id"]) if extra.get("done_by_id") else None
        state = decision.status
        if state == OPEN and decision.deadline is not None and now > decision.deadline:
            state = OVERDUE
        return DecisionView(
            id=decision.id, meeting_id=meeting.id, meeting_title=meeting.title,
            text=decision.text, owner_id=decision.owner_id, owner=owner.name if owner else "",
            deadline=decision.deadline.astimezone(self.config.tz).date()
            if decision.deadline else None,
            state=state,
            done_at=datetime.fromisoformat(extra["done_at"]) if extra.get("done_at") else None,
            done_by=done_by.name if done_by else "", organiser_id=meeting.organiser_id)

    async def decisions_of(self, meeting_id: int) -> list[DecisionView]:
        """A meeting's decisions with their state now; no permission check: for a view the
        caller has already checked (the /meeting card)."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            rows = await s.scalars(select(MeetingDecision).where(
                MeetingDecision.meeting_id == meeting_id).order_by(MeetingDecision.id))
            return [await self._decision_view(s, d, now) for d in rows]

    async def decisions(self, actor: Actor, meeting_id: int) -> tuple[MeetingView,
                                                                      list[DecisionView]]:
        """A meeting's decisions, for whoever may see the meeting or owns one of them."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            view = await self.meetings.view_of(s, meeting)
            rows = list(await s.scalars(select(MeetingDecision).where(
                MeetingDecision.meeting_id == meeting_id).order_by(MeetingDecision.id)))
            if not (self._may_see(actor, view) or any(d.owner_id == actor.id for d in rows)):
                raise PermissionDenied("meeting.not_invited")
            return view, [await self._decision_view(s, d, now) for d in rows]

    async def open_decisions(self, actor: Actor) -> list[DecisionView]:
        """Decisions not yet done, overdue first: every one for clerks, leaders and admins
        (督查), one's own for everyone else."""
        now = self.clock.now()
        query = select(MeetingDecision).where(MeetingDecision.status == OPEN)
        if not (actor.is_admin or actor.has(*SUPERVISOR_ROLES)):
            query = query.where(MeetingDecision.owner_id == actor.id)
        async with self.db.transaction() as s:
            found = [await self._decision_view(s, d, now) for d in await s.scalars(
                query.order_by(MeetingDecision.deadline, MeetingDecision.id))]
        # Overdue first, then by deadline (none last), then as recorded.
        return sorted(found, key=lambda d: (d.state != OVERDUE, d.deadline is None,
                                            d.deadline or date.max, d.id))

    async def decision_done(self, actor: Actor, decision_id: int) -> DecisionView:
        """The owner, the meeting's organiser or an admin closes a decision (办结)."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            decision = await s.get(MeetingDecision, decision_id)
            if decision is None:
                raise NotFound("meeting_minutes.decision_unknown", id=decision_id)
            meeting = await self.meetings.load(s, decision.meeting_id)
            if not (actor.is_admin or actor.id in (decision.owner_id, meeting.organiser_id)):
                raise PermissionDenied("meeting_minutes.decision_not_owner")
            if decision.status != OPEN:
                raise Conflict("meeting_minutes.decision_already_done", id=decision.id)
            decision.status = DONE
            decision.extra = {**(decision.extra or {}), "done_at": now.isoformat(),
                              "done_by_id": actor.id}
            audit.record(s, at=now, actor_id=actor.id, action="meeting.decision_done",
                         entity="meeting_decision", entity_id=decision.id,
                         before={"status": OPEN}, after={"status": DONE})
            view = await self._decision_view(s, decision, now)
            # Whoever did not close it themselves hears of it: the organiser, or the owner.
            for staff_id in {meeting.organiser_id, decision.owner_id} - {actor.id, None}:
                assert staff_id is not None
                await outbox.schedule(
                    s, key=f"meeting:{meeting.id}:decision:{decision.id}:done:{staff_id}",
                    recipient_id=staff_id, template="meeting_minutes.decision_closed",
                    due_at=now, now=now, params=view.params | {"by": actor.name})
            return view

    # TODO(tasks, issue 5): decision_to_task() belongs here once the tasks table exists; a
    # decision already carries the owner and deadline a task needs, and task_id the link.

    # --- recurring meetings -----------------------------------------------------------------

    async def prepare_series(self, actor: Actor, title: str, rule: str, place: str,
                             invitees: str, duration: str = "") -> SeriesDraft:
        """Check a series as the organiser wrote it; nothing is saved (a card confirms)."""
        self.meetings.require_organiser_role(actor)
        title = " ".join(title.split())
        if not title:
            raise InvalidInput("meeting.no_title")
        if len(title) > MAX_TITLE:
            raise InvalidInput("error.too_long", field=title[:10] + "…", limit=MAX_TITLE)
        now = self.clock.now()
        parsed = parse_rule(rule, now=now, tz=self.config.tz)
        length = parse_duration(duration) if duration.strip() else \
            self.config.meetings.default_duration
        async with self.db.transaction() as s:
            people = await self.meetings.resolve_invitees(s, invitees)
        today = now.astimezone(self.config.tz).date()
        coming = [d for d, skip in self._dates(parsed, today, today + timedelta(days=100))
                  if not skip and datetime.combine(d, parsed.at, tzinfo=self.config.tz) > now]
        return SeriesDraft(
            title=title, rule=parsed, place=" ".join(place.split())[:200],
            invitees=invitees.strip()[:500], invitee_names=tuple(p.name for p in people),
            duration_minutes=int(length.total_seconds() // 60), next_dates=tuple(coming[:3]))

    async def create_series(self, actor: Actor, draft: dict[str, Any]) -> SeriesView:
        """Save a series from a confirmed draft (to_json()) and create its coming
        occurrences at once: the first may be due before tomorrow's sweep."""
        self.meetings.require_organiser_role(actor)
        rule = Rule.decode(str(draft["rule"]))
        now = self.clock.now()
        async with self.db.transaction() as s:
            await self.meetings.resolve_invitees(s, str(draft["invitees"]))
            series = MeetingSeries(
                title=str(draft["title"])[:MAX_TITLE], rule=rule.encode(),
                duration_minutes=int(draft["duration_minutes"]),
                place=str(draft["place"])[:200], invitees=str(draft["invitees"])[:500],
                notes="", organiser_id=actor.id, active=True, created_at=now)
            s.add(series)
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="meeting_series.create",
                         entity="meeting_series", entity_id=series.id,
                         after={"title": series.title, "rule": series.rule,
                                "place": series.place, "invitees": series.invitees,
                                "duration_minutes": series.duration_minutes})
            series_id = series.id
        done = Generated()
        today = now.astimezone(self.config.tz).date()
        await self._generate(series_id, today, now, done)
        return await self._series_view(series_id, done)

    async def _series_view(self, series_id: int, done: Generated | None = None) -> SeriesView:
        async with self.db.transaction() as s:
            series = await s.get(MeetingSeries, series_id)
            if series is None:
                raise NotFound("meeting_minutes.series_unknown", id=series_id)
            organiser = await s.get(Staff, series.organiser_id)
            return SeriesView(
                id=series.id, title=series.title, rule=Rule.decode(series.rule),
                place=series.place, invitees=series.invitees,
                duration_minutes=series.duration_minutes, organiser_id=series.organiser_id,
                organiser=organiser.name if organiser else "", active=series.active,
                created=tuple(d for sid, d, _ in done.created if sid == series_id)
                if done else (),
                skipped=tuple(d for sid, d in done.skipped if sid == series_id)
                if done else ())

    async def list_series(self, actor: Actor) -> list[SeriesView]:
        """The office's active series: everyone registered may know its regular meetings."""
        async with self.db.transaction() as s:
            ids = list(await s.scalars(select(MeetingSeries.id).where(
                MeetingSeries.active.is_(True)).order_by(MeetingSeries.id)))
        return [await self._series_view(i) for i in ids]

    async def stop_series(self, actor: Actor, series_id: int) -> SeriesView:
        """No more occurrences; the ones already announced stay as they are."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            series = await s.get(MeetingSeries, series_id)
            if series is None:
                raise NotFound("meeting_minutes.series_unknown", id=series_id)
            if not (actor.is_admin or actor.id == series.organiser_id):
                raise PermissionDenied("meeting.not_organiser")
            if not series.active:
                raise Conflict("meeting_minutes.series_already_stopped", id=series.id)
            series.active = False
            audit.record(s, at=now, actor_id=actor.id, action="meeting_series.stop",
                         entity="meeting_series", entity_id=series.id,
                         before={"active": True}, after={"active": False})
        return await self._series_view(series_id)

    def _dates(self, rule: Rule, start: date, end: date) -> list[tuple[date, bool]]:
        """The rule's dates in [start, end], each with whether it is skipped (a weekly date
        on a statutory holiday)."""
        found: list[tuple[date, bool]] = []
        if rule.kind == WEEKLY:
            day = start + timedelta(days=(int(rule.weekday or 0) - start.weekday()) % 7)
            while day <= end:
                found.append((day, self.calendar.is_holiday(day)))
                day += timedelta(days=7)
        else:
            for year, month in _months(start, end):
                day_ = first_workday(self.calendar, year, month)
                if day_ is not None and start <= day_ <= end:
                    found.append((day_, False))
        return found

    async def generate_occurrences(self, today: date, now: datetime) -> None:
        """The daily sweep (bot/services/sweeps.py): see generate()."""
        await self.generate(today, now)

    async def generate(self, today: date, now: datetime) -> Generated:
        """Every active series' occurrences within the horizon, once each."""
        async with self.db.transaction() as s:
            ids = list(await s.scalars(select(MeetingSeries.id).where(
                MeetingSeries.active.is_(True)).order_by(MeetingSeries.id)))
        done = Generated()
        broken: list[int] = []
        for series_id in ids:
            try:
                await self._generate(series_id, today, now, done)
            except Exception:
                # One series' trouble must not hold back the others' notices.
                log.exception("meeting series %d: generation failed", series_id)
                broken.append(series_id)
        if broken:
            # The sweep gives the day back and tries again; what was made is not made twice.
            raise RuntimeError(f"meeting series {broken} not generated")
        if done.created or done.skipped or done.failed:
            log.info("meeting series: %d created, %d skipped, %d failed", len(done.created),
                     len(done.skipped), len(done.failed))
        return done

    async def _generate(self, series_id: int, today: date, now: datetime,
                        done: Generated) -> None:
        tz = self.config.tz
        horizon = today + timedelta(days=self.config.meetings.series_horizon_days)
        async with self.db.transaction() as s:
            series = await s.get(MeetingSeries, series_id)
            if series is None or not series.active:
                return
            organiser = await s.get(Staff, series.organiser_id)
            assert organiser is not None
            if not organiser.active:
                # Nobody may call meetings in the name of someone who has left: the admins
                # are asked (once) to stop the series and set it up again.
                for admin_id in await holders(s, Role.ADMIN):
                    await outbox.schedule(
                        s, key=f"series:{series.id}:orphaned:{admin_id}",
                        recipient_id=admin_id, template="meeting_minutes.series_orphaned",
                        due_at=now, now=now, params={
                            "id": series.id, "title": series.title,
                            "organiser": organiser.name})
                done.failed.append((series_id, today, "meeting_minutes.series_orphaned"))
                return
            actor = await actor_of(organiser, self.config.language)
            rule = Rule.decode(series.rule)
            made = await self._occurrence_days(s, series.id)
            title, place, invitees = series.title, series.place, series.invitees
            length = timedelta(minutes=series.duration_minutes)
        for day, skip in self._dates(rule, today, horizon):
            starts_at = datetime.combine(day, rule.at, tzinfo=tz)
            if starts_at <= now or day in made:
                continue
            if skip:
                await self._tell_skipped(series_id, actor.id, day, now)
                done.skipped.append((series_id, day))
                continue
            try:
                async with self.db.transaction() as s:
                    people = await self.meetings.resolve_invitees(s, invitees)
                    draft = MeetingDraft(
                        title=title, starts_at=starts_at, ends_at=starts_at + length,
                        place=place, invitees=invitees,
                        invitee_ids=tuple(p.id for p in people),
                        invitee_names=tuple(p.name for p in people))
                view = await self.meetings.create(actor, draft, series_id=series_id)
            except DomainError as exc:
                # The organiser lost the role, or an invitee named in the series left: tell
                # them once for that day; the other series go on.
                log.warning("series %d: occurrence %s not created: %r", series_id, day, exc)
                await self._tell_failed(series_id, actor.id, day, now, exc)
                done.failed.append((series_id, day, exc.key))
                continue
            async with self.db.transaction() as s:
                audit.record(s, at=now, actor_id=None, action="meeting_series.occurrence",
                             entity="meeting_series", entity_id=series_id,
                             after={"day": day.isoformat(), "meeting_id": view.id})
            done.created.append((series_id, day, view.id))

    async def _occurrence_days(self, s: AsyncSession, series_id: int) -> set[date]:
        """The days this series already has a meeting for. Kept by the audit row of each
        creation too, so an occurrence moved or cancelled by its organiser is not made again."""
        tz = self.config.tz
        starts = await s.scalars(select(Meeting.starts_at).where(Meeting.series_id == series_id))
        found = {start.astimezone(tz).date() for start in starts}
        for entry in await audit.history(s, "meeting_series", series_id):
            if entry.action == "meeting_series.occurrence" and isinstance(entry.after, dict):
                found.add(date.fromisoformat(str(entry.after["day"])))
        return found

    async def _tell_skipped(self, series_id: int, organiser_id: int, day: date,
                            now: datetime) -> None:
        view = await self._series_view(series_id)
        async with self.db.transaction() as s:
            await outbox.schedule(
                s, key=f"series:{series_id}:skip:{day.isoformat()}", recipient_id=organiser_id,
                template="meeting_minutes.series_skipped", due_at=now, now=now,
                params=view.params | {
                    "date": day_ref(day),
                    "holiday": {lang: self.calendar.holiday_name(day, lang) or ""
                                for lang in ("zh", "en")}})

    async def _tell_failed(self, series_id: int, organiser_id: int, day: date, now: datetime,
                           exc: DomainError) -> None:
        view = await self._series_view(series_id)
        async with self.db.transaction() as s:
            await outbox.schedule(
                s, key=f"series:{series_id}:failed:{day.isoformat()}",
                recipient_id=organiser_id, template="meeting_minutes.series_failed",
                due_at=now, now=now, params=view.params | {
                    "date": day_ref(day),
                    "reason": ref(exc.key, **{k: v for k, v in exc.params.items()
                                              if isinstance(v, str | int | float)})})
