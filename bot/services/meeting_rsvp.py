"""Answers to a meeting notice (回执), the organiser's view, check-in.

An invitee answers on their notice card: attend (参加), leave with a reason (请假), or send a
colleague in their place (委托参会). The delegate becomes an invitee of their own (a row with
`delegated_from_id`), gets the notice in their own name and answers it like anyone else; the
delegator's row keeps `delegate` + `delegate_id`. The answer may change until the start;
changing away from a delegation takes the delegate's invitation back and tells them.

Each answer keeps that person's reminders in step (MeetingService.person_reminders: those on
leave or who sent a delegate get none), tells the organiser of a leave or a delegation, and
is audited. Every rule is checked here against the current state and the person pressing,
so a forged or stale press changes nothing.

Who sees what: the organiser, admins and clerks (党政办, who keep meetings on the leaders'
behalf) see every answer with names and leave reasons; an invitee sees the meeting, the
counts and their own answer only, since a leave reason is between that person and the
organiser. Re-sending the notice to those who have not replied is for the organiser or an
admin, at most once every few minutes.

Check-in is open from `meetings.checkin_opens_before` before the start until the end, to
every active invitee but a delegator (their delegate checks in); someone on leave who comes
after all may check in and is counted present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.errors import Conflict, InvalidInput, PermissionDenied
from bot.services.meetings import (
    ATTEND,
    CANCELLED,
    DELEGATE,
    FINISHED,
    LEAVE,
    NONE,
    InviteeView,
    MeetingService,
    MeetingView,
)
from bot.services.people import resolve_person
from storage.db import Database
from storage.models import Meeting, MeetingInvitee, Notification, Staff

REASON_LIMIT = 200
NUDGE_COOLDOWN = timedelta(minutes=5)
DELEGATED_NOTICE = "meeting_rsvp.notice_delegated"
# Errors about the typed reason or name: the conversation asks again instead of ending.
REASON_ERRORS = frozenset({"meeting_rsvp.reason_missing", "meeting_rsvp.reason_too_long"})
NAME_ERRORS = frozenset({
    "meeting_rsvp.name_missing", "people.unknown_name", "people.ambiguous_name",
    "meeting_rsvp.delegate_self", "meeting_rsvp.delegate_invited",
    "meeting_rsvp.delegate_unregistered", "meeting_rsvp.delegate_inactive"})


@dataclass(frozen=True)
class NoticeCard:
    """A notice as the dispatcher delivered it: enough to re-render it in its reader's
    language and edit it in place to show their answer."""

    chat_id: int
    message_id: int
    language: str
    template: str
    params: dict[str, Any]
    buttons: Any


@dataclass(frozen=True)
class Answer:
    meeting: MeetingView
    params: dict[str, Any]  # MeetingService.params(): what every meeting message says
    mine: InviteeView  # the person's answer as it stands now
    changed: bool  # False: the same answer again (a second press), nothing was written
    cards: list[NoticeCard]  # the person's delivered notices of the current revision


@dataclass(frozen=True)
class DelegatedSeat:
    principal: InviteeView  # who was invited and sent someone
    delegate: InviteeView | None  # whom they sent (None only if that row is gone)


@dataclass(frozen=True)
class Overview:
    meeting: MeetingView
    params: dict[str, Any]
    full: bool  # names and reasons of everyone, not only the asker's own answer
    can_nudge: bool
    answerable: bool  # scheduled and not started: answers may still change
    checkin_open: bool  # check-in has opened (attendance is shown from then on)
    mine: InviteeView | None
    can_check_in: bool  # the asker may check in now (and has not yet)
    waiting: int  # invitees, delegates included, who have not answered: whom a nudge reaches
    attending: list[InviteeView] = field(default_factory=list)
    on_leave: list[InviteeView] = field(default_factory=list)
    delegated: list[DelegatedSeat] = field(default_factory=list)
    no_reply: list[InviteeView] = field(default_factory=list)
    present: list[InviteeView] = field(default_factory=list)
    absent_with_leave: list[InviteeView] = field(default_factory=list)
    absent: list[InviteeView] = field(default_factory=list)

    @property
    def invited(self) -> int:
        """Seats: the people invited by the organiser (a delegate fills a seat, not adds)."""
        return (len(self.attending) + len(self.on_leave) + len(self.delegated)
                + len(self.no_reply))


@dataclass(frozen=True)
class CheckIn:
    params: dict[str, Any]
    at: datetime
    already: bool  # checked in before: `at` is the first time
    late_minutes: int


@dataclass(frozen=True)
class CheckInChoice:
    meeting_id: int
    params: dict[str, Any]


@dataclass(frozen=True)
class CheckInTargets:
    open: list[CheckInChoice]  # meetings the person may check in at now
    next: CheckInChoice | None  # otherwise their next meeting, to say when check-in opens
    next_opens: datetime | None


class RsvpService:
    def __init__(self, db: Database, config: Config, clock: Clock,
                 meetings: MeetingService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.meetings = meetings

    # --- answering ----------------------------------------------------------------------------

    async def current(self, actor: Actor, meeting_id: int, card: int | None = None, *,
                      delegating: bool = False) -> Answer:
        """The person's answer, if they may still answer (and, `delegating`, send someone):
        checked before a leave reason or a delegate's name is asked for, so nobody types
        into a question that will be refused."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting, row = await self._answerable(s, actor, meeting_id, card, now)
            if delegating:
                await self._require_not_delegate(s, row)
            return await self._answer(s, meeting, row, changed=False)

    async def attend(self, actor: Actor, meeting_id: int, card: int | None = None) -> Answer:
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting, row = await self._answerable(s, actor, meeting_id, card, now, lock=True)
            if row.response == ATTEND:
                return await self._answer(s, meeting, row, changed=False)
            before = self._snapshot(row)
            await self._withdraw_delegate(s, actor, meeting, row, now)
            self._set(row, meeting, ATTEND, now)
            await self.meetings.person_reminders(s, meeting, row)
            self._audit(s, actor, meeting, row, before, now)
            return await self._answer(s, meeting, row, changed=True)

    async def leave(self, actor: Actor, meeting_id: int, reason: str,
                    card: int | None = None) -> Answer:
        now = self.clock.now()
        reason = " ".join(reason.split())
        if not reason:
            raise InvalidInput("meeting_rsvp.reason_missing")
        if len(reason) > REASON_LIMIT:
            raise InvalidInput("meeting_rsvp.reason_too_long", limit=REASON_LIMIT)
        async with self.db.transaction() as s:
            meeting, row = await self._answerable(s, actor, meeting_id, card, now, lock=True)
            if row.response == LEAVE and row.reason == reason:
                return await self._answer(s, meeting, row, changed=False)
            before = self._snapshot(row)
            await self._withdraw_delegate(s, actor, meeting, row, now)
            self._set(row, meeting, LEAVE, now, reason=reason)
            await self.meetings.person_reminders(s, meeting, row)
            self._audit(s, actor, meeting, row, before, now)
            params = self.meetings.params(meeting) | {"name": actor.name, "reason": reason}
            if row.delegated_from_id is not None:
                # The person who sent this delegate has nobody at the meeting now.
                await self._tell(s, meeting, "leave", row.delegated_from_id,
                                 "meeting_rsvp.told_delegate_leave", params, now)
            if meeting.organiser_id not in (actor.id, row.delegated_from_id):
                await self._tell(s, meeting, "leave", meeting.organiser_id,
                                 "meeting_rsvp.told_leave", params, now, view_button=True)
            return await self._answer(s, meeting, row, changed=True)

    async def delegate(self, actor: Actor, meeting_id: int, name: str,
                       card: int | None = None) -> Answer:
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting, row = await self._answerable(s, actor, meeting_id, card, now, lock=True)
            await self._require_not_delegate(s, row)
            if not name.strip():
                raise InvalidInput("meeting_rsvp.name_missing")
            try:
                person = await resolve_person(s, name)
            except InvalidInput as exc:
                if exc.key == "duty.person_inactive":  # that text speaks of duty rosters
                    raise InvalidInput("meeting_rsvp.delegate_inactive", **exc.params) from exc
                raise
            if person.id == actor.id:
                raise InvalidInput("meeting_rsvp.delegate_self")
            if row.response == DELEGATE and row.delegate_id == person.id:
                return await self._answer(s, meeting, row, changed=False)
            if person.telegram_user_id is None:
                raise InvalidInput("meeting_rsvp.delegate_unregistered", name=person.name)
            theirs = await self._row(s, meeting.id, person.id)
            if theirs is not None and theirs.active:
                raise InvalidInput("meeting_rsvp.delegate_invited", name=person.name)
            before = self._snapshot(row)
            await self._withdraw_delegate(s, actor, meeting, row, now)
            if theirs is None:
                theirs = MeetingInvitee(meeting_id=meeting.id, staff_id=person.id,
                                        created_at=now)
                s.add(theirs)
            # A row left from an earlier invitation starts afresh: a new person's answer.
            theirs.active = True
            theirs.response = NONE
            theirs.reason = ""
            theirs.delegate_id = None
            theirs.delegated_from_id = actor.id
            theirs.answered_at = None
            theirs.answered_revision = None
            theirs.checked_in_at = None
            await s.flush()
            self._set(row, meeting, DELEGATE, now)
            row.delegate_id = person.id
            await self.meetings.person_reminders(s, meeting, row)
            await self.meetings.person_reminders(s, meeting, theirs)
            await self.meetings.send_notice(s, meeting, person.id, now,
                                            template=DELEGATED_NOTICE,
                                            extra={"delegator": actor.name})
            self._audit(s, actor, meeting, row, before, now)
            audit.record(s, at=now, actor_id=actor.id, action="meeting.delegate_invited",
                         entity="meeting", entity_id=meeting.id,
                         after={"staff_id": person.id, "delegated_from_id": actor.id})
            if meeting.organiser_id != actor.id:
                params = self.meetings.params(meeting) | {"name": actor.name,
                                                          "delegate": person.name}
                await self._tell(s, meeting, "delegate", meeting.organiser_id,
                                 "meeting_rsvp.told_delegate", params, now, view_button=True)
            return await self._answer(s, meeting, row, changed=True)

    # --- the organiser's view ----------------------------------------------------------------

    async def overview(self, actor: Actor, meeting_id: int) -> Overview:
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            view = await self.meetings.view_of(s, meeting)
            params = self.meetings.params(meeting)
        mine = view.invitee(actor.id)
        full = actor.is_admin or actor.has(Role.CLERK) or actor.id == view.organiser_id
        if not full and mine is None:
            raise PermissionDenied("meeting.not_invited")
        answerable = view.status not in (CANCELLED, FINISHED) and now < view.starts_at
        opens = view.starts_at - self.config.meetings.checkin_opens_before
        # A delegate fills the seat of the person who sent them: counted with that seat.
        principals = [i for i in view.invitees if not i.delegated_from]
        delegated = [DelegatedSeat(seat, next(
            (d for d in view.invitees if d.delegated_from == seat.name
             and d.name == seat.delegate), None))
            for seat in principals if seat.response == DELEGATE]
        # At the meeting a delegator is represented by their delegate, who checks in.
        expected = [i for i in view.invitees if i.response != DELEGATE]
        present = [i for i in expected if i.checked_in_at is not None]
        return Overview(
            meeting=view, params=params, full=full,
            can_nudge=(actor.is_admin or actor.id == view.organiser_id) and answerable,
            answerable=answerable, checkin_open=view.status != CANCELLED and now >= opens,
            mine=mine,
            can_check_in=(mine is not None and mine.checked_in_at is None
                          and mine.response != DELEGATE and view.status not in (
                              CANCELLED, FINISHED) and opens <= now < view.ends_at),
            waiting=sum(1 for i in view.invitees if i.response == NONE),
            attending=[i for i in principals if i.response == ATTEND],
            on_leave=[i for i in principals if i.response == LEAVE],
            delegated=delegated,
            no_reply=[i for i in principals if i.response == NONE],
            present=sorted(present, key=lambda i: i.checked_in_at or now),
            absent_with_leave=[i for i in expected
                               if i.checked_in_at is None and i.response == LEAVE],
            absent=[i for i in expected if i.checked_in_at is None and i.response != LEAVE])

    async def nudge(self, actor: Actor, meeting_id: int) -> int:
        """Send the notice again to those who have not answered (delegates too, in their own
        name). Returns how many; refuses a second nudge within a few minutes."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            self.meetings.require_organiser(actor, meeting)
            self._require_open(meeting, now)
            nudges = [e for e in await audit.history(s, "meeting", meeting.id)
                      if e.action == "meeting.nudge"]
            if nudges and now - nudges[-1].at < NUDGE_COOLDOWN:
                last = nudges[-1].at
                wait = NUDGE_COOLDOWN - (now - last)
                raise Conflict("meeting_rsvp.nudge_recent",
                               at=f"{last.astimezone(self.config.tz):%H:%M}",
                               minutes=max(1, -(-int(wait.total_seconds()) // 60)))
            waiting = list(await s.scalars(select(MeetingInvitee).where(
                MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.active.is_(True),
                MeetingInvitee.response == NONE).order_by(MeetingInvitee.id)))
            if not waiting:
                raise Conflict("meeting_rsvp.nudge_nobody")
            for row in waiting:
                extra = None
                template = "meeting.notice"
                if row.delegated_from_id is not None:
                    principal = await s.get(Staff, row.delegated_from_id)
                    template = DELEGATED_NOTICE
                    extra = {"delegator": principal.name if principal else "—"}
                await self.meetings.send_notice(s, meeting, row.staff_id, now,
                                                template=template, extra=extra)
            audit.record(s, at=now, actor_id=actor.id, action="meeting.nudge",
                         entity="meeting", entity_id=meeting.id,
                         after={"staff_ids": [r.staff_id for r in waiting]})
            return len(waiting)

    # --- check-in -----------------------------------------------------------------------------

    async def check_in(self, actor: Actor, meeting_id: int) -> CheckIn:
        now = self.clock.now()
        async with self.db.transaction() as s:
            meeting = await self.meetings.load(s, meeting_id)
            row = await self._row(s, meeting.id, actor.id, lock=True)
            if row is None or not row.active:
                raise PermissionDenied("meeting.not_invited")
            if meeting.status == CANCELLED:
                raise Conflict("meeting_rsvp.cancelled")
            params = self.meetings.params(meeting)
            if row.checked_in_at is not None:
                return CheckIn(params, row.checked_in_at, True,
                               self._late(meeting, row.checked_in_at))
            if meeting.status == FINISHED or now >= meeting.ends_at:
                raise Conflict("meeting_rsvp.checkin_closed")
            opens = meeting.starts_at - self.config.meetings.checkin_opens_before
            if now < opens:
                raise Conflict("meeting_rsvp.checkin_not_open", **self._opens(meeting))
            if row.response == DELEGATE:
                delegate = await s.get(Staff, row.delegate_id) if row.delegate_id else None
                raise Conflict("meeting_rsvp.checkin_delegated",
                               name=delegate.name if delegate else "—")
            row.checked_in_at = now
            audit.record(s, at=now, actor_id=actor.id, action="meeting.checkin",
                         entity="meeting", entity_id=meeting.id,
                         after={"staff_id": actor.id, "checked_in_at": now.isoformat(),
                                "response": row.response})
            return CheckIn(params, now, False, self._late(meeting, now))

    async def check_in_targets(self, actor: Actor) -> CheckInTargets:
        """For /checkin: the person's meetings open for check-in now, or else the next one."""
        now = self.clock.now()
        opens_before = self.config.meetings.checkin_opens_before
        async with self.db.transaction() as s:
            rows = await s.execute(
                select(Meeting).join(MeetingInvitee).where(
                    MeetingInvitee.staff_id == actor.id, MeetingInvitee.active.is_(True),
                    MeetingInvitee.response != DELEGATE,
                    Meeting.status.not_in((CANCELLED, FINISHED)), Meeting.ends_at > now)
                .order_by(Meeting.starts_at))
            meetings = list(rows.scalars())
            open_now = [CheckInChoice(m.id, self.meetings.params(m)) for m in meetings
                        if m.starts_at - opens_before <= now]
            later = next((m for m in meetings if m.starts_at - opens_before > now), None)
            if later is None:
                return CheckInTargets(open=open_now, next=None, next_opens=None)
            return CheckInTargets(open=open_now,
                                  next=CheckInChoice(later.id, self.meetings.params(later)),
                                  next_opens=later.starts_at - opens_before)

    def opens_params(self, opens: datetime) -> dict[str, Any]:
        local = opens.astimezone(self.config.tz)
        return {"opens": f"{local:%H:%M}",
                "minutes": int(self.config.meetings.checkin_opens_before.total_seconds() // 60)}

    # --- rules ----------------------------------------------------------------------------------

    async def _answerable(self, s: AsyncSession, actor: Actor, meeting_id: int,
                          card: int | None, now: datetime, *,
                          lock: bool = False) -> tuple[Meeting, MeetingInvitee]:
        meeting = await self.meetings.load(s, meeting_id)
        row = await self._row(s, meeting.id, actor.id, lock=lock)
        # Not invited first: a forged press learns nothing about the meeting.
        if row is None or not row.active:
            raise PermissionDenied("meeting.not_invited")
        self._require_open(meeting, now)
        if card is not None:
            pressed = await s.scalar(select(Notification).where(
                Notification.recipient_id == actor.id, Notification.message_id == card,
                Notification.key.startswith(f"meeting:{meeting.id}:notice:", autoescape=True)))
            current = f"meeting:{meeting.id}:notice:r{meeting.revision}:"
            if pressed is not None and not pressed.key.startswith(current):
                # A notice of a time since changed: an answer there may be for the old time.
                raise Conflict("meeting_rsvp.stale_card")
        return meeting, row

    @staticmethod
    async def _require_not_delegate(s: AsyncSession, row: MeetingInvitee) -> None:
        """A delegate answers for themselves but does not pass the seat on again."""
        if row.delegated_from_id is not None:
            principal = await s.get(Staff, row.delegated_from_id)
            raise InvalidInput("meeting_rsvp.delegate_chain",
                               name=principal.name if principal else "—")

    def _require_open(self, meeting: Meeting, now: datetime) -> None:
        if meeting.status == CANCELLED:
            raise Conflict("meeting_rsvp.cancelled")
        if meeting.status == FINISHED:
            raise Conflict("meeting_rsvp.finished")
        if now >= meeting.starts_at:
            raise Conflict("meeting_rsvp.started")

    # --- changes --------------------------------------------------------------------------------

    @staticmethod
    def _set(row: MeetingInvitee, meeting: Meeting, response: str, now: datetime, *,
             reason: str = "") -> None:
        row.response = response
        row.reason = reason
        row.answered_at = now
        row.answered_revision = meeting.revision
        if response != DELEGATE:
            row.delegate_id = None

    async def _withdraw_delegate(self, s: AsyncSession, actor: Actor, meeting: Meeting,
                                 row: MeetingInvitee, now: datetime) -> None:
        """The person no longer sends their delegate: take the delegate's invitation back,
        with its reminders and any notice not yet sent, and tell them if they had it."""
        if row.response != DELEGATE or row.delegate_id is None:
            return
        theirs = await self._row(s, meeting.id, row.delegate_id)
        row.delegate_id = None
        if theirs is None or not theirs.active or theirs.delegated_from_id != row.staff_id:
            return
        theirs.active = False
        theirs.delegated_from_id = None
        await self.meetings.person_reminders(s, meeting, theirs)
        notices = f"meeting:{meeting.id}:notice:r{meeting.revision}:{theirs.staff_id}:"
        seen = any(n.status in (outbox.SENT, outbox.SENDING)
                   for n in await outbox.rows_with_prefix(s, notices))
        await outbox.cancel_prefix(s, notices)
        audit.record(s, at=now, actor_id=actor.id, action="meeting.delegate_withdrawn",
                     entity="meeting", entity_id=meeting.id,
                     before={"staff_id": theirs.staff_id, "delegated_from_id": row.staff_id,
                             "response": theirs.response})
        if seen:
            params = self.meetings.params(meeting) | {"name": actor.name}
            await self._tell(s, meeting, "withdrawn", theirs.staff_id,
                             "meeting_rsvp.told_withdrawn", params, now)

    async def _tell(self, s: AsyncSession, meeting: Meeting, event: str, staff_id: int,
                    template: str, params: dict[str, Any], now: datetime, *,
                    view_button: bool = False) -> None:
        # Numbered: the same person may be told of several answers about one meeting.
        prefix = f"meeting:{meeting.id}:rsvp:{event}:{staff_id}:"
        count = len(await outbox.rows_with_prefix(s, prefix))
        buttons = [[{"key": "btn.mtg_answers", "data": f"mtg:answers:{meeting.id}"}]] \
            if view_button else None
        await outbox.schedule(s, key=f"{prefix}{count}", recipient_id=staff_id,
                              template=template, due_at=now, now=now, params=params,
                              buttons=buttons)

    def _audit(self, s: AsyncSession, actor: Actor, meeting: Meeting, row: MeetingInvitee,
               before: dict[str, Any], now: datetime) -> None:
        audit.record(s, at=now, actor_id=actor.id, action="meeting.rsvp", entity="meeting",
                     entity_id=meeting.id, before=before, after=self._snapshot(row))

    @staticmethod
    def _snapshot(row: MeetingInvitee) -> dict[str, Any]:
        return {"staff_id": row.staff_id, "response": row.response, "reason": row.reason,
                "delegate_id": row.delegate_id, "revision": row.answered_revision}

    # --- reading --------------------------------------------------------------------------------

    async def _row(self, s: AsyncSession, meeting_id: int, staff_id: int, *,
                   lock: bool = False) -> MeetingInvitee | None:
        # FOR UPDATE on PostgreSQL: two presses of one person are decided one after the other.
        query = select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting_id,
                                             MeetingInvitee.staff_id == staff_id)
        if lock:
            query = query.with_for_update(of=MeetingInvitee)
        return await s.scalar(query)

    async def _answer(self, s: AsyncSession, meeting: Meeting, row: MeetingInvitee, *,
                      changed: bool) -> Answer:
        await s.flush()
        view = await self.meetings.view_of(s, meeting)
        mine = view.invitee(row.staff_id)
        assert mine is not None
        # Every delivered card of this meeting that carries this person's answer buttons (the
        # notice, a resend, a changed-meeting card) but a notice of an earlier time.
        notices = f"meeting:{meeting.id}:notice:"
        current = f"{notices}r{meeting.revision}:"
        attend = f"mtg:attend:{meeting.id}"
        found = await s.execute(
            select(Notification, Staff).join(Staff, Staff.id == Notification.recipient_id)
            .where(Notification.key.startswith(f"meeting:{meeting.id}:", autoescape=True),
                   Notification.recipient_id == row.staff_id,
                   Notification.status == outbox.SENT, Notification.message_id.is_not(None))
            .order_by(Notification.id))
        # Redrawn with the meeting as it is now (a new place since the card was sent).
        now_params = self.meetings.params(meeting)
        cards = [NoticeCard(chat_id=person.telegram_user_id, message_id=int(n.message_id),
                            language=person.language or self.config.language,
                            template=n.template, params=dict(n.params) | now_params,
                            buttons=n.buttons)
                 for n, person in found
                 if person.telegram_user_id is not None and _has_button(n.buttons, attend)
                 and (n.key.startswith(current) or not n.key.startswith(notices))]
        return Answer(meeting=view, params=self.meetings.params(meeting), mine=mine,
                      changed=changed, cards=cards)

    def _late(self, meeting: Meeting, at: datetime) -> int:
        late = at - meeting.starts_at
        return int(late.total_seconds() // 60) if late > timedelta(0) else 0

    def _opens(self, meeting: Meeting) -> dict[str, Any]:
        return self.opens_params(meeting.starts_at - self.config.meetings.checkin_opens_before)



def _has_button(buttons: Any, data: str) -> bool:
    return any(b.get("data") == data for row in buttons or () for b in row)
