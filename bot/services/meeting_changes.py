"""Changing a meeting after its notice went out (move, place, invitees, cancel), and the
venue preparation (会场布置) checklist with its alert to the organiser.

Only the organiser or an admin changes a meeting; the checklist is kept by the organiser,
the clerks and admins. Every change is re-checked here against the current meeting, so a
forged or stale press changes nothing, and every change writes an audit row.

What the outbox holds for a meeting is kept in step with it (keys `meeting:<id>:...`):

* a move bumps `Meeting.revision`: every answer is asked again (a delegation too: it was an
  answer for the old time, so the delegate's seat lapses), the old revision's unsent notices
  are cancelled, everyone gets the change (old -> new) on a fresh notice card, and the
  reminders of the new revision replace the old ones;
* a new place keeps the answers; unsent notices and pending reminders are re-rendered with
  it, and those who already read the notice are told old -> new;
* invited people get the notice and their reminders; removed ones lose both and are told;
* a cancelled meeting has every pending row cancelled, then everyone who knew is told;
* the venue alert `meeting:<id>:venue:r<revision>` goes to the organiser
  `venue_alert_before` the start listing the unticked items as they are when it is sent: it
  is rescheduled after every tick, untick, added item, move and place change, and cancelled
  once everything is ticked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.i18n import lines, ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.meetings import (
    CANCELLED,
    FINISHED,
    NONE,
    SCHEDULED,
    SEPARATORS,
    Clash,
    MeetingService,
    MeetingView,
    parse_duration,
)
from bot.services.people import resolve_person
from bot.services.when import user_time
from storage.db import Database
from storage.models import ChecklistItem, Meeting, MeetingInvitee, Staff, StaffRole

PLACE_LIMIT = 200
REASON_LIMIT = 200
ITEM_LIMIT = 100
URGENT_WITHIN = timedelta(days=1)
MAX_LENGTH = timedelta(days=1)  # as parse_duration allows
# An end time earlier than the start is read as the next morning only up to this length.
PAST_MIDNIGHT = timedelta(hours=12)
# "12月1日 14:30 至 16:00", "周五下午3点到5点", "明天15:00 | 2小时": a new start with an end or a
# length. A bare "-" only with spaces round it, so "2026-12-01" stays one date.
RANGE = re.compile(r"\s*(?:至|到|~|～|—|–|\|)\s*|\s+-\s+")


@dataclass(frozen=True)
class MoveDraft:
    """A move checked and echoed back before it is applied; `revision` makes the card stale
    once the meeting changes under it."""

    meeting_id: int
    revision: int
    title: str
    starts_at: datetime
    ends_at: datetime
    params: dict[str, Any]  # title, old, new (catalog parameters)
    clashes: tuple[Clash, ...]


@dataclass(frozen=True)
class CancelDraft:
    meeting_id: int
    reason: str
    params: dict[str, Any]  # MeetingService.params() + reason


@dataclass(frozen=True)
class ChangeResult:
    meeting: MeetingView
    params: dict[str, Any]  # for the organiser's confirmation: title, old, new, count ...
    told: int  # how many people hear of the change
    names: tuple[str, ...] = ()  # invited / removed
    skipped: tuple[str, ...] = ()  # already invited / delegates removed along
    clashes: tuple[Clash, ...] = ()


@dataclass(frozen=True)
class ItemView:
    id: int
    title: str
    assignee_id: int | None
    assignee: str
    due_at: datetime | None
    done_at: datetime | None
    done_by: str


@dataclass(frozen=True)
class VenueView:
    meeting_id: int
    status: str
    params: dict[str, Any]  # MeetingService.params()
    items: list[ItemView]

    @property
    def open_items(self) -> list[ItemView]:
        return [i for i in self.items if i.done_at is None]


@dataclass(frozen=True)
class TickResult:
    venue: VenueView
    item: ItemView
    changed: bool  # False: the item was already so (a second press or a stale card)


def joined(names: list[str]) -> dict[str, str]:
    """A list of names as each language writes one (张伟、杨静 / 张伟, 杨静)."""
    return {"zh": "、".join(names), "en": ", ".join(names)}


def _urgent(starts_at: datetime, now: datetime) -> bool:
    """A change to a meeting within a day is sent even in quiet hours (as duty changes are)."""
    return starts_at - now < URGENT_WITHIN


def _clean(text: str) -> str:
    return " ".join(text.split())


def _split_range(text: str) -> tuple[str, str]:
    parts = RANGE.split(text.strip(), maxsplit=1)
    return parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")


class MeetingChangeService:
    def __init__(self, db: Database, config: Config, clock: Clock,
                 meetings: MeetingService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.meetings = meetings
        # Every new meeting gets its venue alert as it is created.
        meetings.after_create.append(self._venue_on_create)

    async def _venue_on_create(self, s: AsyncSession, meeting: Meeting, now: datetime) -> None:
        await schedule_venue_alert(s, self.meetings, meeting, now)

    # --- moving --------------------------------------------------------------------------

    async def prepare_move(self, actor: Actor, meeting_id: int, text: str) -> MoveDraft:
        """Read the new time and show it against the old one; nothing is saved."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now, not_started=True)
            if not text.strip():
                raise InvalidInput("mchg.move_usage")
            starts_at, ends_at = self._new_times(meeting, text, now)
            self._check_new_times(meeting, starts_at, ends_at, now)
            people = [r.staff for r in await self._invitees(s, meeting, active=True)]
            clashes = await self.meetings.clashes(s, people, starts_at, ends_at,
                                                  exclude=meeting.id)
            return MoveDraft(
                meeting_id=meeting.id, revision=meeting.revision, title=meeting.title,
                starts_at=starts_at, ends_at=ends_at,
                params={"title": meeting.title,
                        "old": self.when(meeting.starts_at, meeting.ends_at),
                        "new": self.when(starts_at, ends_at)},
                clashes=tuple(clashes))

    async def move(self, actor: Actor, meeting_id: int, starts_at: datetime,
                   ends_at: datetime, revision: int) -> ChangeResult:
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now, not_started=True)
            if meeting.revision != revision:
                raise Conflict("mchg.stale")
            self._check_new_times(meeting, starts_at, ends_at, now)
            before = self._snapshot(meeting)
            old = self.when(meeting.starts_at, meeting.ends_at)
            shift = starts_at - meeting.starts_at
            # The old time's notices still waiting must not arrive after the new one.
            await outbox.cancel_prefix(s, f"meeting:{meeting.id}:notice:r{meeting.revision}:")
            meeting.starts_at, meeting.ends_at = starts_at, ends_at
            meeting.revision += 1
            meeting.updated_at = now
            rows = await self._invitees(s, meeting, active=True)
            dropped: list[tuple[MeetingInvitee, str]] = []
            names = {r.staff_id: r.staff.name for r in rows}
            for row in rows:
                if row.delegated_from_id is not None:
                    # Sent in someone's place for the old time; that person is asked again.
                    dropped.append((row, names.get(row.delegated_from_id, "—")))
                    row.active = False
                    row.delegated_from_id = None
                self._reset_answer(row)
            items = await self._items(s, meeting.id)
            for item in items:
                if item.due_at is not None:
                    item.due_at += shift
            entry = audit.record(
                s, at=now, actor_id=actor.id, action="meeting.move", entity="meeting",
                entity_id=meeting.id, before=before,
                after=self._snapshot(meeting) | {
                    "answers_reset": [r.staff_id for r in rows],
                    "delegates_dropped": [r.staff_id for r, _ in dropped]})
            await s.flush()
            new = self.when(starts_at, ends_at)
            params = self.meetings.params(meeting)
            why = ref("mchg.why_moved", old=old, new=new)
            staying = [r for r in rows if r.active]
            for row in staying:
                await self.meetings.send_notice(
                    s, meeting, row.staff_id, now, template="mchg.notice_again",
                    extra={"why": why, "notice": ref("meeting.notice", **params)})
            # Near either the old time or the new one, the change cannot wait for the morning.
            soon = _urgent(min(starts_at, starts_at - shift), now)
            if soon:
                for notice in await outbox.rows_with_prefix(
                        s, f"meeting:{meeting.id}:notice:r{meeting.revision}:"):
                    notice.urgent = True
            # Everyone's old reminders go, the new revision's come (none for the dropped).
            await self.meetings.schedule_reminders(s, meeting)
            told = {r.staff_id for r in staying}
            for row, delegator in dropped:
                await self._tell(s, meeting, entry.id, row.staff_id, "mchg.delegate_dropped",
                                 params | {"old": old, "new": new, "delegator": delegator},
                                 now, soon)
                told.add(row.staff_id)
            info = params | {"old": old, "new": new, "by": actor.name}
            for item in items:
                if item.assignee_id is not None and item.done_at is None:
                    await self._assignment(s, meeting, item, "venue.assign_moved", now)
                    told.add(item.assignee_id)
            for staff_id in {meeting.organiser_id} - told - {actor.id}:
                await self._tell(s, meeting, entry.id, staff_id, "mchg.moved_info", info, now,
                                 soon)
                told.add(staff_id)
            await schedule_venue_alert(s, self.meetings, meeting, now)
            clashes = await self.meetings.clashes(s, [r.staff for r in staying], starts_at,
                                                  ends_at, exclude=meeting.id)
            return ChangeResult(
                meeting=await self.meetings.view_of(s, meeting),
                params={"title": meeting.title, "old": old, "new": new,
                        "count": len(staying)},
                told=len(told), skipped=tuple(r.staff.name for r, _ in dropped),
                clashes=tuple(clashes))

    def _new_times(self, meeting: Meeting, text: str,
                   now: datetime) -> tuple[datetime, datetime]:
        """The new start, and the end: as written ("至 17:00", "| 2小时"), else the same
        length as before."""
        start_text, end_text = _split_range(text)
        if not start_text:
            raise InvalidInput("mchg.move_usage")
        tz = self.config.tz
        start = user_time(start_text, now=now, tz=tz)
        if not start.has_time:
            raise InvalidInput("meeting.need_time", text=start_text)
        if not end_text:
            return start.when, start.when + (meeting.ends_at - meeting.starts_at)
        try:
            return start.when, start.when + parse_duration(end_text)
        except InvalidInput:
            pass  # not a length: an end time then
        # Read against the new start, so "17:00" is that day's and "14:00" comes out before it.
        end = user_time(end_text, now=start.when, tz=tz, allow_past=True)
        if end.when - start.when > MAX_LENGTH:
            # A relative date in the end too ("后天9点至后天11点") counts from today, as the
            # start's does.
            again = user_time(end_text, now=now, tz=tz, allow_past=True)
            if again.when - start.when <= MAX_LENGTH:
                end = again
        if not end.has_time:
            raise InvalidInput("meeting.need_time", text=end_text)
        ends_at = end.when
        if ends_at <= start.when and ends_at + timedelta(days=1) - start.when <= PAST_MIDNIGHT:
            # "23:00 至 01:00" runs past midnight; "15:00 至 14:00" stays a mistake.
            ends_at += timedelta(days=1)
        if ends_at <= start.when:
            raise InvalidInput("meeting.end_before_start")
        if ends_at - start.when > MAX_LENGTH:
            raise InvalidInput("meeting.bad_duration", text=end_text)
        return start.when, ends_at

    @staticmethod
    def _check_new_times(meeting: Meeting, starts_at: datetime, ends_at: datetime,
                         now: datetime) -> None:
        if starts_at <= now:
            raise InvalidInput("mchg.move_past")
        if ends_at <= starts_at:
            raise InvalidInput("meeting.end_before_start")
        if (starts_at, ends_at) == (meeting.starts_at, meeting.ends_at):
            raise InvalidInput("mchg.same_time")

    # --- place -----------------------------------------------------------------------------

    async def change_place(self, actor: Actor, meeting_id: int, place: str) -> ChangeResult:
        now = self.clock.now()
        place = _clean(place)
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now)
            if not place:
                raise InvalidInput("mchg.place_usage")
            if len(place) > PLACE_LIMIT:
                raise InvalidInput("error.too_long", field=place[:10] + "…", limit=PLACE_LIMIT)
            if place == meeting.place:
                raise InvalidInput("mchg.same_place", place=place)
            old = meeting.place or "—"
            before = self._snapshot(meeting)
            meeting.place = place
            meeting.updated_at = now
            entry = audit.record(s, at=now, actor_id=actor.id, action="meeting.place",
                                 entity="meeting", entity_id=meeting.id, before=before,
                                 after=self._snapshot(meeting))
            await s.flush()
            params = self.meetings.params(meeting)
            await self._rerender_notices(s, meeting, params)
            await self.meetings.schedule_reminders(s, meeting)
            # Who has not read the notice yet reads the new place in it.
            seen = await self._seen(s, meeting)
            rows = await self._invitees(s, meeting, active=True)
            told = {r.staff_id for r in rows if r.staff_id in seen}
            told |= {i.assignee_id for i in await self._items(s, meeting.id)
                     if i.assignee_id is not None}
            told |= {meeting.organiser_id} - {actor.id}
            for staff_id in sorted(told):
                await self._tell(s, meeting, entry.id, staff_id, "mchg.place_changed",
                                 params | {"old": old, "new": place}, now)
            await schedule_venue_alert(s, self.meetings, meeting, now)
            return ChangeResult(meeting=await self.meetings.view_of(s, meeting),
                                params={"title": meeting.title, "old": old, "new": place,
                                        "count": len(told)},
                                told=len(told))

    # --- invitees --------------------------------------------------------------------------

    async def invite(self, actor: Actor, meeting_id: int, text: str) -> ChangeResult:
        """Add people (names, departments, role groups). People already invited are named
        back; if nobody is new, nothing changes."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now)
            if not text.strip():
                raise InvalidInput("mchg.invite_usage")
            people = await self._resolve(s, text, "mchg.person_inactive")
            rows = {r.staff_id: r for r in await self._invitees(s, meeting)}
            already = [p for p in people if p.id in rows and rows[p.id].active]
            new = [p for p in people if not (p.id in rows and rows[p.id].active)]
            if not new:
                raise InvalidInput("mchg.already_invited", names=self._names(already))
            added: list[MeetingInvitee] = []
            for person in new:
                row = rows.get(person.id)
                if row is None:
                    row = MeetingInvitee(meeting_id=meeting.id, staff_id=person.id,
                                         created_at=now)
                    s.add(row)
                else:  # uninvited earlier (or a lapsed delegate): asked afresh
                    row.active = True
                    row.delegated_from_id = None
                    row.answered_revision = None
                    row.answered_at = None
                    self._reset_answer(row)
                added.append(row)
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="meeting.invite",
                         entity="meeting", entity_id=meeting.id,
                         after={"invited": [p.id for p in new],
                                "already": [p.id for p in already]})
            for row in added:
                await self.meetings.send_notice(s, meeting, row.staff_id, now)
                await self.meetings.person_reminders(s, meeting, row)
            clashes = await self.meetings.clashes(s, new, meeting.starts_at, meeting.ends_at,
                                                  exclude=meeting.id)
            return ChangeResult(
                meeting=await self.meetings.view_of(s, meeting),
                params={"title": meeting.title}, told=len(new),
                names=tuple(p.name for p in new), skipped=tuple(p.name for p in already),
                clashes=tuple(clashes))

    async def uninvite(self, actor: Actor, meeting_id: int, text: str) -> ChangeResult:
        """Remove people; whoever stands in for one of them goes too, and whoever had sent
        one of them in their place is asked to answer again."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now)
            if not text.strip():
                raise InvalidInput("mchg.uninvite_usage")
            active = {r.staff_id: r for r in await self._invitees(s, meeting, active=True)}
            people = await self._people_to_remove(s, text, list(active.values()))
            missing = [p for p in people if p.id not in active]
            if missing:
                raise InvalidInput("mchg.not_invited", names=self._names(missing))
            named = {p.id for p in people}
            along = {r.staff_id for r in active.values()
                     if r.delegated_from_id in named and r.staff_id not in named}
            removing = named | along
            if len(active) <= len(removing):
                raise InvalidInput("mchg.last_invitee")
            seen = await self._seen(s, meeting)
            delegators = [r for r in active.values()
                          if r.staff_id not in removing and r.delegate_id in removing]
            # Read before the answers are reset: whom each of them had sent.
            lapsed = {r.staff_id: active[r.delegate_id or 0].staff.name for r in delegators}
            for staff_id in removing:
                row = active[staff_id]
                row.active = False
                row.delegated_from_id = None
                self._reset_answer(row)
            for row in delegators:
                self._reset_answer(row)
            entry = audit.record(s, at=now, actor_id=actor.id, action="meeting.uninvite",
                                 entity="meeting", entity_id=meeting.id,
                                 after={"removed": sorted(named), "delegates": sorted(along),
                                        "asked_again": sorted(lapsed)})
            await s.flush()
            params = self.meetings.params(meeting)
            for staff_id in sorted(removing):
                await outbox.cancel_prefix(
                    s, f"meeting:{meeting.id}:notice:r{meeting.revision}:{staff_id}:")
                await self.meetings.person_reminders(s, meeting, active[staff_id])
                if staff_id in seen:
                    await self._tell(s, meeting, entry.id, staff_id, "mchg.uninvited",
                                     params, now)
            for row in delegators:
                await self.meetings.send_notice(
                    s, meeting, row.staff_id, now, template="mchg.notice_again",
                    extra={"why": ref("mchg.why_delegate_removed", name=lapsed[row.staff_id]),
                           "notice": ref("meeting.notice", **params)})
                await self.meetings.person_reminders(s, meeting, row)
            return ChangeResult(
                meeting=await self.meetings.view_of(s, meeting),
                params={"title": meeting.title},
                told=len(removing & seen) + len(delegators),
                names=tuple(active[i].staff.name for i in sorted(named)),
                skipped=tuple(active[i].staff.name for i in sorted(along)))

    async def _resolve(self, s: AsyncSession, text: str, inactive_key: str) -> list[Staff]:
        """resolve_invitees, with the refusal of a deactivated person worded for meetings
        (the shared one speaks of duty rosters)."""
        try:
            return await self.meetings.resolve_invitees(s, text)
        except InvalidInput as exc:
            if exc.key == "duty.person_inactive":
                raise InvalidInput(inactive_key, **exc.params) from exc
            raise

    async def _people_to_remove(self, s: AsyncSession, text: str,
                                active: list[MeetingInvitee]) -> list[Staff]:
        """Names on the meeting's list first — so someone deactivated since can still be
        taken off it — then anything resolve_invitees knows (王书记, 党政办, 班子成员)."""
        listed = {r.staff.name: r.staff for r in active}
        found: dict[int, Staff] = {}
        for word in SEPARATORS.split(text.strip()):
            if not word:
                continue
            person = listed.get(word)
            chosen = [person] if person is not None else await self._resolve(
                s, word, "mchg.person_inactive")
            found.update({p.id: p for p in chosen})
        return sorted(found.values(), key=lambda p: p.id)

    # --- cancelling ------------------------------------------------------------------------

    async def prepare_cancel(self, actor: Actor, meeting_id: int, reason: str) -> CancelDraft:
        now = self.clock.now()
        reason = self._reason(reason)
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now, not_started=True)
            return CancelDraft(meeting_id=meeting.id, reason=reason,
                               params=self.meetings.params(meeting) | {"reason": reason or "—"})

    async def cancel(self, actor: Actor, meeting_id: int, reason: str) -> ChangeResult:
        now = self.clock.now()
        reason = self._reason(reason)
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now, not_started=True)
            seen = await self._seen(s, meeting)
            before = self._snapshot(meeting)
            meeting.status = CANCELLED
            meeting.updated_at = now
            audit.record(s, at=now, actor_id=actor.id, action="meeting.cancel",
                         entity="meeting", entity_id=meeting.id, before=before,
                         after=self._snapshot(meeting) | {"reason": reason})
            # Reminders, venue alert, and notices not yet delivered: none of it goes out now.
            await outbox.cancel_prefix(s, f"meeting:{meeting.id}:")
            params = self.meetings.params(meeting) | {"reason": reason or "—"}
            rows = await self._invitees(s, meeting, active=True)
            told = {r.staff_id for r in rows if r.staff_id in seen}
            told |= {i.assignee_id for i in await self._items(s, meeting.id)
                     if i.assignee_id is not None}
            told |= {meeting.organiser_id} - {actor.id}
            for staff_id in sorted(told):
                await outbox.schedule(s, key=f"meeting:{meeting.id}:cancelled:{staff_id}",
                                      recipient_id=staff_id, template="mchg.cancelled",
                                      due_at=now, now=now, params=params,
                                      urgent=_urgent(meeting.starts_at, now))
            return ChangeResult(meeting=await self.meetings.view_of(s, meeting),
                                params=params | {"count": len(told)}, told=len(told))

    @staticmethod
    def _reason(reason: str) -> str:
        reason = _clean(reason)
        if len(reason) > REASON_LIMIT:
            raise InvalidInput("mchg.reason_too_long", limit=REASON_LIMIT)
        return reason

    # --- venue preparation (会场布置) -------------------------------------------------------

    def _require_venue_keeper(self, actor: Actor, meeting: Meeting) -> None:
        if not (actor.is_admin or actor.has(Role.CLERK) or actor.id == meeting.organiser_id):
            raise PermissionDenied("venue.not_allowed")

    async def venue(self, actor: Actor, meeting_id: int) -> VenueView:
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            self._require_venue_keeper(actor, meeting)
            return await self._venue_view(s, meeting)

    async def tick(self, actor: Actor, item_id: int, done: bool) -> TickResult:
        """Tick (done=True) or untick an item. The button says which, so a second press or
        an old card leaves the item as it is."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            item = await s.get(ChecklistItem, item_id, with_for_update={"of": ChecklistItem})
            if item is None:
                raise NotFound("venue.item_gone")
            meeting = await self._meeting(s, item.meeting_id)
            self._require_venue_keeper(actor, meeting)
            self._require_open(meeting, now)
            changed = (item.done_at is None) == done
            if changed:
                before = self._item_snapshot(item)
                item.done_at = now if done else None
                item.done_by_id = actor.id if done else None
                audit.record(s, at=now, actor_id=actor.id,
                             action="venue.tick" if done else "venue.untick",
                             entity="checklist_item", entity_id=item.id, before=before,
                             after=self._item_snapshot(item))
                await s.flush()
                await schedule_venue_alert(s, self.meetings, meeting, now)
            venue = await self._venue_view(s, meeting)
            return TickResult(venue=venue, item=next(i for i in venue.items if i.id == item.id),
                              changed=changed)

    async def assign(self, actor: Actor, meeting_id: int, item_ref: str,
                     name: str, due: str = "") -> tuple[VenueView, ItemView]:
        """Give an item to a clerk (by its title or its number on the card), optionally with
        its own due time (before the start); the clerk is told what, for which meeting and
        by when."""
        now = self.clock.now()
        due_at = user_time(due, now=now, tz=self.config.tz).when if due else None
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self._require_venue_keeper(actor, meeting)
            self._require_open(meeting, now)
            item = await self._find_item(s, meeting, item_ref)
            try:
                person = await resolve_person(s, name)
            except InvalidInput as exc:
                if exc.key == "duty.person_inactive":
                    raise InvalidInput("venue.person_inactive", **exc.params) from exc
                raise
            clerk = await s.scalar(select(StaffRole.id).where(
                StaffRole.staff_id == person.id, StaffRole.role == Role.CLERK.value))
            if clerk is None:
                raise InvalidInput("venue.not_clerk", name=person.name)
            if item.assignee_id == person.id:
                raise InvalidInput("venue.same_assignee", title=item.title, name=person.name)
            if due_at is not None and due_at > meeting.starts_at:
                raise InvalidInput("venue.due_after_start")
            before = self._item_snapshot(item)
            item.assignee_id = person.id
            if due_at is not None:
                item.due_at = due_at
            audit.record(s, at=now, actor_id=actor.id, action="venue.assign",
                         entity="checklist_item", entity_id=item.id, before=before,
                         after=self._item_snapshot(item))
            await s.flush()
            await self._assignment(s, meeting, item, "venue.assigned", now)
            await schedule_venue_alert(s, self.meetings, meeting, now)
            venue = await self._venue_view(s, meeting)
            return venue, next(i for i in venue.items if i.id == item.id)

    async def add_item(self, actor: Actor, meeting_id: int,
                       title: str) -> tuple[VenueView, ItemView]:
        now = self.clock.now()
        title = _clean(title)
        async with self.db.transaction() as s:
            meeting = await self._meeting(s, meeting_id)
            self._require_venue_keeper(actor, meeting)
            self._require_open(meeting, now)
            if not title:
                raise InvalidInput("venue.item_empty", id=meeting.id)
            if len(title) > ITEM_LIMIT:
                raise InvalidInput("error.too_long", field=title[:10] + "…", limit=ITEM_LIMIT)
            if any(i.title.lower() == title.lower() for i in await self._items(s, meeting.id)):
                raise InvalidInput("venue.duplicate", title=title)
            item = ChecklistItem(
                meeting_id=meeting.id, title=title, created_at=now,
                due_at=meeting.starts_at - self.config.meetings.checklist_due_before)
            s.add(item)
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="venue.add",
                         entity="checklist_item", entity_id=item.id,
                         after=self._item_snapshot(item))
            await schedule_venue_alert(s, self.meetings, meeting, now)
            venue = await self._venue_view(s, meeting)
            return venue, next(i for i in venue.items if i.id == item.id)

    async def refresh_venue_alert(self, meeting_id: int) -> None:
        """Schedule (or cancel) the venue alert of one meeting as it stands now."""
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            await schedule_venue_alert(s, self.meetings, meeting, self.clock.now())

    async def _find_item(self, s: AsyncSession, meeting: Meeting,
                         item_ref: str) -> ChecklistItem:
        items = await self._items(s, meeting.id)
        wanted = _clean(item_ref)
        if wanted.isdigit() and 1 <= int(wanted) <= len(items):
            return items[int(wanted) - 1]
        for item in items:
            if item.title.lower() == wanted.lower():
                return item
        raise InvalidInput("venue.item_unknown", item=wanted,
                           items=joined([i.title for i in items]) if items else "—")

    async def _assignment(self, s: AsyncSession, meeting: Meeting, item: ChecklistItem,
                          template: str, now: datetime) -> None:
        """The assignee's message: what, for which meeting, by when. One per assignment and
        revision (a reassignment or a move writes a new one)."""
        assert item.assignee_id is not None
        prefix = f"meeting:{meeting.id}:vassign:{item.id}:r{meeting.revision}:"
        count = len(await outbox.rows_with_prefix(s, prefix))
        params = self.meetings.params(meeting) | {
            "item": item.title, "due": self.at(item.due_at) if item.due_at else "—"}
        await outbox.schedule(
            s, key=f"{prefix}{count}", recipient_id=item.assignee_id, template=template,
            due_at=now, now=now, params=params,
            buttons=[[{"key": "btn.venue_open", "data": f"venue:show:{meeting.id}"}]])

    async def _venue_view(self, s: AsyncSession, meeting: Meeting) -> VenueView:
        items = await self._items(s, meeting.id)
        ids = {i.assignee_id for i in items} | {i.done_by_id for i in items}
        names: dict[int, str] = {}
        for staff_id in ids - {None}:
            person = await s.get(Staff, staff_id)
            if person is not None:
                names[person.id] = person.name
        return VenueView(
            meeting_id=meeting.id, status=meeting.status, params=self.meetings.params(meeting),
            items=[ItemView(id=i.id, title=i.title, assignee_id=i.assignee_id,
                            assignee=names.get(i.assignee_id or 0, ""), due_at=i.due_at,
                            done_at=i.done_at, done_by=names.get(i.done_by_id or 0, ""))
                   for i in items])

    @staticmethod
    async def _items(s: AsyncSession, meeting_id: int) -> list[ChecklistItem]:
        return list(await s.scalars(select(ChecklistItem).where(
            ChecklistItem.meeting_id == meeting_id).order_by(ChecklistItem.id)))

    @staticmethod
    def _item_snapshot(item: ChecklistItem) -> dict[str, Any]:
        return {"meeting_id": item.meeting_id, "title": item.title,
                "assignee_id": item.assignee_id,
                "due_at": item.due_at.isoformat() if item.due_at else None,
                "done_at": item.done_at.isoformat() if item.done_at else None,
                "done_by_id": item.done_by_id}

    # --- shared --------------------------------------------------------------------------------

    def when(self, start: datetime, end: datetime) -> dict[str, Any]:
        """'11月28日（周六）15:00–16:00', in the reader's language."""
        tz = self.config.tz
        local_start, local_end = start.astimezone(tz), end.astimezone(tz)
        day = local_start.date()
        return ref("mchg.when", date=ref("date.day", month=day.month, day=day.day,
                                         weekday=ref(f"weekday.{day.weekday()}")),
                   start=f"{local_start:%H:%M}", end=f"{local_end:%H:%M}")

    def at(self, moment: datetime) -> dict[str, Any]:
        local = moment.astimezone(self.config.tz)
        day = local.date()
        return ref("mchg.at", date=ref("date.day", month=day.month, day=day.day,
                                       weekday=ref(f"weekday.{day.weekday()}")),
                   time=f"{local:%H:%M}")

    async def _meeting(self, s: AsyncSession, meeting_id: int) -> Meeting:
        # FOR UPDATE OF meetings (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises):
        # two changes at once are applied one after the other, the second sees the first.
        meeting = await s.get(Meeting, meeting_id, with_for_update={"of": Meeting})
        if meeting is None:
            raise NotFound("meeting.unknown")
        return meeting

    @staticmethod
    def _require_open(meeting: Meeting, now: datetime, *, not_started: bool = False) -> None:
        if meeting.status != SCHEDULED:
            raise Conflict("mchg.closed", status=ref(f"meeting.status.{meeting.status}"))
        if meeting.ends_at <= now:
            raise Conflict("mchg.closed", status=ref(f"meeting.status.{FINISHED}"))
        if not_started and meeting.starts_at <= now:
            raise Conflict("mchg.started")

    @staticmethod
    async def _invitees(s: AsyncSession, meeting: Meeting,
                        active: bool | None = None) -> list[MeetingInvitee]:
        query = select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id)
        if active is not None:
            query = query.where(MeetingInvitee.active.is_(active))
        return list(await s.scalars(query.order_by(MeetingInvitee.id)))

    @staticmethod
    def _reset_answer(row: MeetingInvitee) -> None:
        row.response = NONE
        row.reason = ""
        row.delegate_id = None
        row.checked_in_at = None

    @staticmethod
    async def _seen(s: AsyncSession, meeting: Meeting) -> set[int]:
        """Who has had a notice of this meeting delivered (any revision)."""
        rows = await outbox.rows_with_prefix(s, f"meeting:{meeting.id}:notice:")
        return {r.recipient_id for r in rows if r.status in (outbox.SENT, outbox.SENDING)}

    async def _rerender_notices(self, s: AsyncSession, meeting: Meeting,
                                params: dict[str, Any]) -> None:
        """Notices still waiting carry the meeting as it was when they were written."""
        for row in await outbox.rows_with_prefix(
                s, f"meeting:{meeting.id}:notice:r{meeting.revision}:"):
            if row.status != outbox.PENDING:
                continue
            fresh = {**row.params, **params}
            if "notice" in fresh:
                fresh["notice"] = ref("meeting.notice", **params)
            row.params = fresh

    @staticmethod
    async def _tell(s: AsyncSession, meeting: Meeting, change_id: int, staff_id: int,
                    template: str, params: dict[str, Any], now: datetime,
                    urgent: bool | None = None) -> None:
        """One message about one change (keyed by its audit row) to one person."""
        await outbox.schedule(
            s, key=f"meeting:{meeting.id}:chg{change_id}:{staff_id}", recipient_id=staff_id,
            template=template, due_at=now, now=now, params=params,
            urgent=_urgent(meeting.starts_at, now) if urgent is None else urgent)

    @staticmethod
    def _names(people: list[Staff]) -> dict[str, str]:
        return joined([p.name for p in people])

    @staticmethod
    def _snapshot(meeting: Meeting) -> dict[str, Any]:
        return {"title": meeting.title, "starts_at": meeting.starts_at.isoformat(),
                "ends_at": meeting.ends_at.isoformat(), "place": meeting.place,
                "status": meeting.status, "revision": meeting.revision}


async def schedule_venue_alert(s: AsyncSession, meetings: MeetingService, meeting: Meeting,
                               now: datetime) -> None:
    """The organiser's alert about unticked venue items, `venue_alert_before` the start, as
    the checklist stands now. Call it whenever the checklist, the time or the place changes
    (and once at creation): a pending alert is rewritten under the same key, an earlier
    revision's is cancelled, and none is left when everything is ticked."""
    key = f"meeting:{meeting.id}:venue:r{meeting.revision}"
    for row in await outbox.rows_with_prefix(s, f"meeting:{meeting.id}:venue:"):
        if row.key != key:
            await outbox.cancel(s, row.key)
    items = list(await s.scalars(select(ChecklistItem).where(
        ChecklistItem.meeting_id == meeting.id, ChecklistItem.done_at.is_(None))
        .order_by(ChecklistItem.id)))
    if meeting.status != SCHEDULED or not items or meeting.starts_at <= now:
        await outbox.cancel(s, key)
        return
    names: dict[int, str] = {}
    for staff_id in {i.assignee_id for i in items} - {None}:
        person = await s.get(Staff, staff_id)
        if person is not None:
            names[person.id] = person.name
    listed = [ref("venue.alert_item", item=i.title,
                  assignee=names[i.assignee_id] if i.assignee_id in names
                  else ref("venue.unassigned"))
              for i in items]
    # Set up late (less than the alert's lead before the start): the organiser hears now.
    due = max(meeting.starts_at - meetings.config.meetings.venue_alert_before, now)
    await outbox.schedule(
        s, key=key, recipient_id=meeting.organiser_id, template="venue.alert", due_at=due,
        now=now, params=meetings.params(meeting) | {"count": len(items), "items": lines(listed)},
        buttons=[[{"key": "btn.venue_open", "data": f"venue:show:{meeting.id}"}]])
