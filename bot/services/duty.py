"""The duty roster (值班表): shifts with a person on duty and a duty leader (带班领导).

The roster is the single source of truth: every way of changing it (command, conversation,
Excel import, swap) goes through `create_shift` / `change_shift` / `cancel_shift` here, which
check the rules, write the audit log, tell the people affected and keep each shift's
reminders in the outbox in step with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config, ShiftTimes
from bot.i18n import ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.errors import Conflict, InvalidInput, NotFound
from bot.services.people import holders, resolve_leader, resolve_person
from storage.db import Database
from storage.models import Shift, Staff

DAY, NIGHT, FULL = "day", "night", "full"
KINDS = (DAY, NIGHT, FULL)
ACTIVE, CANCELLED = "active", "cancelled"
# What offices write in the 班次 column or type after a date.
KIND_WORDS: dict[str, str] = {
    "白班": DAY, "日班": DAY, "白天": DAY, "day": DAY,
    "夜班": NIGHT, "晚班": NIGHT, "夜间": NIGHT, "night": NIGHT,
    "全天": FULL, "全日": FULL, "24小时": FULL, "full": FULL, "全天班": FULL,
}
ROSTER_ROLES = (Role.CLERK,)  # with admins, who may do everything
# The longest a shift may last. window() ends a shift on its own day or the next, so 24 hours
# on the wall clock at most (a 全天 shift, 08:30 to 08:30); a daylight-saving change that
# night adds at most two in UTC (one in nearly every zone; China has none). Queries for the
# shifts running at some moment bound starts_at from below with it: without that lower
# bound SQLite walks ix_shifts_starts_at back over every shift ever rostered.
MAX_SHIFT = timedelta(hours=26)


def running_between(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Shifts running at some time in [start, end). No shift lasts longer than MAX_SHIFT
    (window() refuses one), so the lower bound on starts_at drops nothing and lets the
    index on starts_at narrow the scan to a day or so."""
    return and_(Shift.starts_at < end, Shift.starts_at > start - MAX_SHIFT,
                Shift.ends_at > start)


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    phone: str


@dataclass(frozen=True)
class ShiftView:
    id: int
    day: date
    kind: str
    starts_at: datetime
    ends_at: datetime
    person: PersonRef
    leader: PersonRef | None
    note: str
    status: str
    signed_in_at: datetime | None
    sign_in_late: bool
    signed_out_at: datetime | None


def view(shift: Shift) -> ShiftView:
    return ShiftView(
        id=shift.id, day=shift.day, kind=shift.kind, starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        person=PersonRef(shift.person.id, shift.person.name, shift.person.phone),
        leader=PersonRef(shift.leader.id, shift.leader.name, shift.leader.phone)
        if shift.leader else None,
        note=shift.note, status=shift.status, signed_in_at=shift.signed_in_at,
        sign_in_late=shift.sign_in_late, signed_out_at=shift.signed_out_at,
    )


def snapshot(shift: Shift) -> dict[str, Any]:
    return {"day": shift.day.isoformat(), "kind": shift.kind, "person_id": shift.person_id,
            "leader_id": shift.leader_id, "note": shift.note, "status": shift.status}


@dataclass(frozen=True)
class ShiftDraft:
    """A shift as a clerk describes it, resolved and checked, not yet saved."""

    day: date
    kind: str
    person_id: int
    person_name: str
    leader_id: int | None
    leader_name: str
    note: str = ""


class DutyService:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    # --- time ----------------------------------------------------------------------------

    def today(self) -> date:
        return self.clock.now().astimezone(self.config.tz).date()

    def times(self, kind: str) -> ShiftTimes:
        duty = self.config.duty
        return {DAY: duty.day, NIGHT: duty.night, FULL: duty.full}[kind]

    def window(self, day: date, kind: str) -> tuple[datetime, datetime]:
        """A shift's start and end as UTC; an end at or before the start is the next day."""
        span = self.times(kind)
        tz = self.config.tz
        start = datetime.combine(day, span.start, tzinfo=tz)
        end_day = day if span.end > span.start else day + timedelta(days=1)
        end = datetime.combine(end_day, span.end, tzinfo=tz)
        return start, end

    def local_at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.config.tz)

    # --- people ----------------------------------------------------------------------------

    async def resolve_person(self, s: AsyncSession, text: str, *,
                             leader: bool = False) -> Staff:
        return await resolve_person(s, text, leader=leader)

    async def find_person(self, text: str, *, leader: bool = False) -> PersonRef:
        async with self.db.transaction() as s:
            found = await self.resolve_person(s, text, leader=leader)
            return PersonRef(found.id, found.name, found.phone)

    # --- reading the roster ---------------------------------------------------------------

    async def shifts_between(self, start: date, end: date) -> list[ShiftView]:
        """Active shifts on days start..end inclusive, in order (anyone registered may read)."""
        async with self.db.transaction() as s:
            rows = await s.scalars(
                select(Shift).where(Shift.status == ACTIVE, Shift.day >= start,
                                    Shift.day <= end).order_by(Shift.starts_at))
            return [view(r) for r in rows]

    def local_day(self, day: date) -> tuple[datetime, datetime]:
        """The local day's start and the next day's start, in the office's zone."""
        start = datetime.combine(day, time(0, 0), tzinfo=self.config.tz)
        return start, start + timedelta(days=1)

    async def shifts_on(self, day: date) -> list[ShiftView]:
        """Every active shift running at some time on that local day."""
        async with self.db.transaction() as s:
            return [view(r) for r in await self.running_on(s, day)]

    async def running_on(self, s: AsyncSession, day: date) -> list[Shift]:
        """The active shifts running at some time on that local day, in order of start."""
        return list(await s.scalars(
            select(Shift).where(Shift.status == ACTIVE, running_between(*self.local_day(day)))
            .order_by(Shift.starts_at)))

    async def shifts_of(self, person_id: int, start: date, end: date) -> list[ShiftView]:
        async with self.db.transaction() as s:
            rows = await s.scalars(
                select(Shift).where(Shift.status == ACTIVE, Shift.person_id == person_id,
                                    Shift.day >= start, Shift.day <= end)
                .order_by(Shift.starts_at))
            return [view(r) for r in rows]

    async def get(self, shift_id: int) -> ShiftView:
        async with self.db.transaction() as s:
            shift = await s.get(Shift, shift_id)
            if shift is None:
                raise NotFound("duty.shift_unknown")
            return view(shift)

    async def current_or_next(self, person_id: int, at: datetime,
                              before: timedelta) -> ShiftView | None:
        """The person's shift running at `at`, or starting within `before` of it."""
        async with self.db.transaction() as s:
            row = await s.scalar(
                select(Shift).where(
                    Shift.status == ACTIVE, Shift.person_id == person_id,
                    Shift.starts_at <= at + before, Shift.ends_at > at,
                ).order_by(Shift.starts_at))
            return view(row) if row else None

    # --- changing the roster ----------------------------------------------------------------

    def require_roster_keeper(self, actor: Actor) -> None:
        actor.require(*ROSTER_ROLES)

    async def refuse_clash(self, s: AsyncSession, day: date, kind: str) -> None:
        """One shift of a kind per day, and a 24-hour shift leaves no room for another."""
        clashing = (Shift.kind == kind) if kind != FULL else Shift.kind.in_(KINDS)
        taken = await s.scalar(select(Shift).where(
            Shift.day == day, Shift.status == ACTIVE,
            clashing | (Shift.kind == FULL)))
        if taken is not None:
            raise Conflict("duty.duplicate", day=day_ref(day), kind=ref(f"duty.kind.{kind}"),
                           name=taken.person.name)

    async def draft(self, actor: Actor, day: date, kind: str, person: str, leader: str,
                    note: str = "") -> ShiftDraft:
        """Check a shift before the clerk confirms it; nothing is saved."""
        self.require_roster_keeper(actor)
        async with self.db.transaction() as s:
            return await self.check_draft(s, day, kind, person, leader, note)

    async def check_draft(self, s: AsyncSession, day: date, kind: str, person: str,
                          leader: str, note: str = "", *,
                          allow_past: bool = False) -> ShiftDraft:
        if kind not in KINDS:
            raise InvalidInput("duty.kind_unknown", kind=kind)
        start, _ = self.window(day, kind)
        if not allow_past and start <= self.clock.now():
            raise InvalidInput("duty.in_past", day=day_ref(day))
        on_duty = await self.resolve_person(s, person)
        in_charge = await resolve_leader(s, leader, "duty.not_a_leader") \
            if leader.strip() else None
        if in_charge is not None and in_charge.id == on_duty.id:
            raise InvalidInput("duty.same_person", name=on_duty.name)
        await self.refuse_clash(s, day, kind)
        return ShiftDraft(day=day, kind=kind, person_id=on_duty.id, person_name=on_duty.name,
                          leader_id=in_charge.id if in_charge else None,
                          leader_name=in_charge.name if in_charge else "",
                          note=note.strip()[:100])

    async def create_shift(self, actor: Actor, draft: ShiftDraft) -> ShiftView:
        """Save a confirmed draft, checked again (the roster may have changed meanwhile)."""
        self.require_roster_keeper(actor)
        async with self.db.transaction() as s:
            shift = await self.add_checked(s, actor, draft)
            return view(shift)

    async def add_checked(self, s: AsyncSession, actor: Actor, draft: ShiftDraft, *,
                          notify: bool = True) -> Shift:
        """Within the caller's transaction (an import adds many at once, all or none)."""
        now = self.clock.now()
        person = await s.get(Staff, draft.person_id)
        leader = await s.get(Staff, draft.leader_id) if draft.leader_id else None
        if person is None or not person.active or (leader is not None and not leader.active):
            raise Conflict("duty.changed_meanwhile")
        await self.refuse_clash(s, draft.day, draft.kind)
        start, end = self.window(draft.day, draft.kind)
        if start <= now:
            raise InvalidInput("duty.in_past", day=day_ref(draft.day))
        length = end.astimezone(UTC) - start.astimezone(UTC)  # real time, not the wall's
        if length > MAX_SHIFT:
            # Not a user's mistake: window() cannot make one. A longer shift would be missed
            # by the queries bounded with MAX_SHIFT (shifts_on), so it is refused here.
            raise RuntimeError(f"a shift of {length} is longer than MAX_SHIFT")
        shift = Shift(day=draft.day, kind=draft.kind, starts_at=start, ends_at=end,
                      person_id=person.id, leader_id=leader.id if leader else None,
                      note=draft.note, status=ACTIVE, created_by_id=actor.id, created_at=now,
                      updated_at=now)
        s.add(shift)
        await s.flush()
        await s.refresh(shift)
        audit.record(s, at=now, actor_id=actor.id, action="shift.create", entity="shift",
                     entity_id=shift.id, after=snapshot(shift))
        await self.schedule_reminders(s, shift)
        if notify:
            await self.tell(s, shift, "duty.notice_assigned", [shift.person_id], now)
            if shift.leader_id is not None:
                await self.tell(s, shift, "duty.notice_leading", [shift.leader_id], now)
        return shift

    async def change_shift(self, s: AsyncSession, actor: Actor, shift: Shift, *,
                           person: Staff | None = None, leader: Staff | None = None,
                           note: str | None = None, action: str = "shift.change") -> Shift:
        """Change who is on a shift; everyone affected (old and new) is told."""
        now = self.clock.now()
        if shift.status != ACTIVE:
            raise Conflict("duty.shift_cancelled")
        before = snapshot(shift)
        old_person, old_leader = shift.person_id, shift.leader_id
        if person is not None:
            shift.person_id = person.id
        if leader is not None:
            shift.leader_id = leader.id
        if note is not None:
            shift.note = note[:100]
        shift.updated_at = now
        await s.flush()
        await s.refresh(shift)
        audit.record(s, at=now, actor_id=actor.id, action=action, entity="shift",
                     entity_id=shift.id, before=before, after=snapshot(shift))
        await self.schedule_reminders(s, shift)
        affected = {old_person, shift.person_id, old_leader, shift.leader_id} - {None}
        await self.tell(s, shift, "duty.notice_changed", sorted(affected), now,  # type: ignore[arg-type]
                        extra={"before": before})
        return shift

    async def reassign(self, actor: Actor, shift_id: int, role: str, name: str) -> ShiftView:
        """/roster set: put someone else on a shift (值班) or in charge of it (带班)."""
        self.require_roster_keeper(actor)
        async with self.db.transaction() as s:
            shift = await s.get(Shift, shift_id)
            if shift is None:
                raise NotFound("duty.shift_unknown")
            if shift.ends_at <= self.clock.now():
                raise InvalidInput("duty.in_past", day=day_ref(shift.day))
            if role != "leader" and shift.starts_at <= self.clock.now():
                # The person on duty has (or should have) signed in: a new one would inherit
                # their sign-in. The leader can still change.
                raise InvalidInput("duty.already_started")
            if role == "leader":
                leader = await resolve_leader(s, name, "duty.not_a_leader")
                if leader.id == shift.person_id:
                    raise InvalidInput("duty.same_person", name=leader.name)
                shift = await self.change_shift(s, actor, shift, leader=leader)
            else:
                person = await self.resolve_person(s, name)
                if person.id == shift.leader_id:
                    raise InvalidInput("duty.same_person", name=person.name)
                shift = await self.change_shift(s, actor, shift, person=person)
            return view(shift)

    async def cancel_shift(self, actor: Actor, shift_id: int) -> ShiftView:
        self.require_roster_keeper(actor)
        now = self.clock.now()
        async with self.db.transaction() as s:
            shift = await s.get(Shift, shift_id)
            if shift is None:
                raise NotFound("duty.shift_unknown")
            if shift.status != ACTIVE:
                raise Conflict("duty.shift_cancelled")
            before = snapshot(shift)
            shift.status = CANCELLED
            shift.updated_at = now
            audit.record(s, at=now, actor_id=actor.id, action="shift.cancel", entity="shift",
                         entity_id=shift.id, before=before, after=snapshot(shift))
            await outbox.cancel_prefix(s, f"shift:{shift.id}:")
            affected = sorted({shift.person_id, shift.leader_id} - {None})  # type: ignore[type-var]
            await self.tell(s, shift, "duty.notice_cancelled", affected, now)
            return view(shift)

    # --- notifications ----------------------------------------------------------------------

    def params(self, shift: Shift | ShiftView) -> dict[str, Any]:
        """What every duty message says about a shift: rendered by the recipient's catalog."""
        start = shift.starts_at.astimezone(self.config.tz)
        end = shift.ends_at.astimezone(self.config.tz)
        return {"date": f"{shift.day:%Y-%m-%d}", "month": shift.day.month, "day": shift.day.day,
                "weekday": ref(f"weekday.{shift.day.weekday()}"),
                "kind": ref(f"duty.kind.{shift.kind}"),
                "start": f"{start:%H:%M}", "end": f"{end:%H:%M}",
                "person": shift.person.name, "phone": shift.person.phone or "—",
                "leader": shift.leader.name if shift.leader else "—",
                "note": shift.note or "", "shift_id": shift.id}

    async def tell(self, s: AsyncSession, shift: Shift, template: str, recipients: list[int],
                   now: datetime, extra: dict[str, Any] | None = None) -> None:
        """Tell people about a change at once, each change its own message (numbered in the
        key); a change to a shift starting within a day is urgent, even at night."""
        prefix = f"shiftnote:{shift.id}:"
        number = len(await outbox.rows_with_prefix(s, prefix))
        urgent = shift.starts_at - now < timedelta(days=1)
        for staff_id in recipients:
            await outbox.schedule(
                s, key=f"{prefix}{number}:{template}:{staff_id}", urgent=urgent,
                recipient_id=staff_id, template=template, due_at=now, now=now,
                params=self.params(shift) | {k: v for k, v in (extra or {}).items()
                                             if k != "before"},
            )

    async def schedule_reminders(self, s: AsyncSession, shift: Shift) -> None:
        """The evening-before and before-start reminders, and the no-show chain, for the
        shift as it is now; whatever was scheduled for it before is replaced."""
        now = self.clock.now()
        await outbox.cancel_prefix(s, f"shift:{shift.id}:")
        duty = self.config.duty
        params = self.params(shift)
        eve = self.local_at(shift.day - timedelta(days=1), duty.eve_reminder_at)
        on_duty = sorted({shift.person_id, shift.leader_id} - {None})  # type: ignore[type-var]
        for staff_id in on_duty:
            if eve > now:
                await outbox.schedule(s, key=f"shift:{shift.id}:eve:{staff_id}",
                                      recipient_id=staff_id, template="duty.remind_eve",
                                      due_at=eve, now=now, params=params)
            before = shift.starts_at - duty.before_shift
            if before > now:
                template = ("duty.remind_before" if staff_id == shift.person_id
                            else "duty.remind_before_leader")
                await outbox.schedule(s, key=f"shift:{shift.id}:before:{staff_id}",
                                      recipient_id=staff_id, template=template,
                                      due_at=before, now=now, params=params, urgent=True)
        if shift.signed_in_at is None:
            await self.schedule_no_show(s, shift, now)

    async def schedule_no_show(self, s: AsyncSession, shift: Shift, now: datetime) -> None:
        """Not signed in by start + grace: remind the person; by start + the alert delay:
        alert the duty leader and the clerks. Signing in cancels both (prefix
        shift:<id>:noshow:)."""
        duty = self.config.duty
        params = self.params(shift)
        await outbox.schedule(
            s, key=f"shift:{shift.id}:noshow:remind:{shift.person_id}",
            recipient_id=shift.person_id,
            template="duty.noshow_remind", due_at=shift.starts_at + duty.late_grace, now=now,
            params=params, urgent=True,
            buttons=[[{"key": "btn.signin", "data": f"duty:signin:{shift.id}"}]])
        clerks = await holders(s, Role.CLERK)
        alerted = sorted(({shift.leader_id} - {None}) | set(clerks))  # type: ignore[arg-type]
        for staff_id in alerted:
            await outbox.schedule(
                s, key=f"shift:{shift.id}:noshow:alert:{shift.person_id}:{staff_id}",
                recipient_id=staff_id,
                template="duty.noshow_alert",
                due_at=shift.starts_at + duty.no_show_alert_after, now=now, params=params,
                urgent=True)


MONTH = re.compile(r"^(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})月?$")
WEEK_WORDS = ("week", "本周", "一周", "七天", "7天")


def parse_period(text: str, today: date) -> tuple[str, date, date]:
    """'' -> today; 'week' -> seven days from today; '10月', '2026-10' -> that month (the
    coming one when no year is given and the month is over)."""
    text = text.strip().lower()
    if not text or text in ("today", "今天", "今日"):
        return "today", today, today
    if text in WEEK_WORDS:
        return "week", today, today + timedelta(days=6)
    match = MONTH.match(text)
    if match and 1 <= int(match.group("m")) <= 12:
        month = int(match.group("m"))
        year = int(match.group("y")) if match.group("y") else today.year
        if not match.group("y") and month < today.month:
            year += 1
        first = date(year, month, 1)
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))
        return "month", first, last
    raise InvalidInput("duty.view_usage")


def day_ref(d: date) -> dict[str, object]:
    """A date as "10月1日（周四）" / "Thu 10/1", rendered in the reader's language."""
    return ref("date.day", month=d.month, day=d.day, weekday=ref(f"weekday.{d.weekday()}"))


def parse_kind(word: str) -> str | None:
    return KIND_WORDS.get(word.strip().lower())


@dataclass(frozen=True)
class RosterLine:
    when: str
    kind: str
    person: str
    leader: str
    note: str


LEADER_WORDS = ("带班领导", "带班", "leader")
NOTE_WORDS = ("备注", "note")


def parse_roster_line(text: str) -> RosterLine:
    """'10月1日 张三 带班 李书记 夜班 备注 国庆值班' -> its parts. The kind defaults to the day
    shift; it may also stick to the date ('10月1日夜班')."""
    note = ""
    for word in NOTE_WORDS:
        if f" {word} " in f" {text} ":
            text, note = (f" {text} ").split(f" {word} ", 1)
            break
    tokens = text.split()
    if len(tokens) < 2:
        raise InvalidInput("duty.add_usage")
    kind = ""
    rest: list[str] = []
    for token in tokens:
        found = parse_kind(token)
        if found and not kind:
            kind = found
            continue
        for word, code in KIND_WORDS.items():
            if not kind and len(token) > len(word) and token.endswith(word):
                token, kind = token[: -len(word)], code
                break
        rest.append(token)
    leader = ""
    for index, token in enumerate(rest):
        if token.lower() in LEADER_WORDS:
            if index + 1 >= len(rest):
                raise InvalidInput("duty.add_usage")
            leader = rest[index + 1]
            rest = rest[:index] + rest[index + 2:]
            break
    if len(rest) != 2:
        raise InvalidInput("duty.add_usage")
    return RosterLine(when=rest[0], kind=kind or DAY, person=rest[1], leader=leader,
                      note=note.strip())

