"""Sign-in (签到), sign-out with handover (签退、交接班) and the duty log (值班日志).

A person signs in for their own shift, inside its window (from `signin_opens_before` the
start until the end); later than start + `late_grace` is recorded as late. With a geofence
configured, a sign-in needs a fresh (not forwarded) location within the radius. Signing in
cancels the shift's no-show chain. At sign-out the person writes a handover note; with the
shift's duty log it goes to the person of the next shift: at their sign-in, or through the
outbox at once if they are already on duty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config, Geofence
from bot.i18n import ref
from bot.services import audit, outbox
from bot.services.access import Actor
from bot.services.duty import ACTIVE, DutyService, ShiftView, running_between, view
from bot.services.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from storage.db import Database
from storage.models import DutyLogEntry, Notification, Shift

# A person who forgets to sign out at the end may still do it this long after; later the
# shift counts as closed without a handover.
SIGN_OUT_AFTER_END = timedelta(hours=12)
NOTE_MAX = 2000
LOG_MAX = 1000
EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
# Errors a person fixes by sending another location: the sign-in keeps waiting for one.
LOCATION_ERRORS = frozenset({"signin.location_forwarded", "signin.location_far",
                             "signin.location_needed"})


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): metres-accurate at office scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Position:
    """A location a person shared; `forwarded` when it came from someone else's message."""

    latitude: float
    longitude: float
    forwarded: bool = False


@dataclass(frozen=True)
class SignInResult:
    shift: ShiftView
    at: datetime
    late_minutes: int  # 0 when on time
    distance_m: int | None
    # Params of "signin.handover" from the previous shift, rendered in the reader's language.
    handover: dict[str, Any] | None
    # The previous person, still on duty: their handover follows when they sign out.
    handover_from: str | None


@dataclass(frozen=True)
class SignOutTarget:
    shift: ShiftView
    log_count: int


@dataclass(frozen=True)
class SignOutResult:
    shift: ShiftView
    at: datetime
    next_shift: ShiftView | None
    sent_now: bool  # the next person is already on duty and gets the handover at once


@dataclass(frozen=True)
class LogResult:
    at: datetime
    count: int


def is_location_error(error: DomainError) -> bool:
    return error.key in LOCATION_ERRORS


class SignInService:
    def __init__(self, db: Database, config: Config, clock: Clock, duty: DutyService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.duty = duty

    @property
    def geofence(self) -> Geofence | None:
        return self.config.duty.geofence

    async def next_opening(self, after: datetime) -> datetime | None:
        """When sign-in next opens for a shift after `after` (the moment its person can sign
        in and is reminded)."""
        opens = self.config.duty.signin_opens_before
        async with self.db.transaction() as s:
            start: datetime | None = await s.scalar(select(func.min(Shift.starts_at)).where(
                Shift.status == ACTIVE, Shift.starts_at > after + opens))
        return start - opens if start is not None else None

    def hhmm(self, when: datetime) -> str:
        return f"{when.astimezone(self.config.tz):%H:%M}"

    def duty_params(self, shift: ShiftView) -> dict[str, Any]:
        """The parameters every duty message takes, for a shift already read."""
        # params() reads only fields a ShiftView has too (day, kind, times, person, leader).
        return self.duty.params(shift)

    # --- sign-in -----------------------------------------------------------------------------

    async def prepare(self, actor: Actor, shift_id: int | None = None) -> ShiftView:
        """The shift a sign-in would be for, checked, before asking for a location."""
        async with self.db.transaction() as s:
            return view(await self._pick(s, actor, shift_id, self.clock.now()))

    async def sign_in(self, actor: Actor, shift_id: int | None = None,
                      position: Position | None = None) -> SignInResult:
        now = self.clock.now()
        fence = self.geofence
        async with self.db.transaction() as s:
            shift = await self._pick(s, actor, shift_id, now)
            distance: int | None = None
            if fence is not None:
                if position is None:
                    raise InvalidInput("signin.location_needed")
                if position.forwarded:
                    raise InvalidInput("signin.location_forwarded")
                distance = round(distance_m(position.latitude, position.longitude,
                                            fence.latitude, fence.longitude))
                if distance > fence.radius_m:
                    raise InvalidInput("signin.location_far", distance=distance,
                                       radius=round(fence.radius_m))
            late_by = now - shift.starts_at
            late = late_by > self.config.duty.late_grace
            shift.signed_in_at = now
            shift.sign_in_late = late
            shift.sign_in_distance_m = distance
            shift.updated_at = now
            await outbox.cancel_prefix(s, f"shift:{shift.id}:noshow:")
            # Already here: "please come and sign in" would only confuse (the leader keeps
            # theirs).
            await outbox.cancel(s, f"shift:{shift.id}:before:{shift.person_id}")
            await self._all_clear(s, shift, now)
            handover, handover_from = await self._handover_for(s, shift, now)
            audit.record(s, at=now, actor_id=actor.id, action="shift.signin", entity="shift",
                         entity_id=shift.id, before={"signed_in_at": None},
                         after={"signed_in_at": now.isoformat(), "late": late,
                                "distance_m": distance})
            return SignInResult(
                shift=view(shift), at=now,
                late_minutes=int(late_by.total_seconds() // 60) if late else 0,
                distance_m=distance, handover=handover, handover_from=handover_from)

    async def _pick(self, s: AsyncSession, actor: Actor, shift_id: int | None,
                    now: datetime) -> Shift:
        """The person's shift to sign in for now, or the reason there is none."""
        opens = self.config.duty.signin_opens_before
        if shift_id is not None:
            shift = await s.get(Shift, shift_id)
            if shift is None:
                raise NotFound("duty.shift_unknown")
            if shift.person_id != actor.id:
                raise PermissionDenied("signin.not_your_shift")
            if shift.status != ACTIVE:
                raise Conflict("duty.shift_cancelled")
            if shift.signed_in_at is not None:
                raise self._already(shift)
            if now < shift.starts_at - opens:
                raise self._too_early(shift)
            if now >= shift.ends_at:
                raise InvalidInput("signin.too_late", **self.duty.params(shift))
            return shift
        open_now = list(await s.scalars(select(Shift).where(
            Shift.status == ACTIVE, Shift.person_id == actor.id,
            Shift.starts_at <= now + opens, Shift.ends_at > now).order_by(Shift.starts_at)))
        for shift in open_now:
            if shift.signed_in_at is None:
                return shift
        if open_now:
            raise self._already(open_now[-1])
        mine_today = list(await s.scalars(select(Shift).where(
            Shift.status == ACTIVE, Shift.person_id == actor.id,
            running_between(*self.duty.local_day(self._today(now))))
            .order_by(Shift.starts_at)))
        coming = [x for x in mine_today if x.starts_at > now]
        if coming:
            raise self._too_early(coming[0])
        if mine_today:
            last = mine_today[-1]
            if last.signed_in_at is not None:
                raise self._already(last)
            raise InvalidInput("signin.too_late", **self.duty.params(last))
        raise await self._not_on_duty(s, now)

    def _today(self, now: datetime) -> date:
        return now.astimezone(self.config.tz).date()

    def _already(self, shift: Shift) -> Conflict:
        assert shift.signed_in_at is not None
        return Conflict("signin.already", **self.duty.params(shift),
                        at=self.hhmm(shift.signed_in_at))

    def _too_early(self, shift: Shift) -> InvalidInput:
        opens = shift.starts_at - self.config.duty.signin_opens_before
        return InvalidInput("signin.too_early", **self.duty.params(shift),
                            opens=self.hhmm(opens))

    async def _not_on_duty(self, s: AsyncSession, now: datetime) -> InvalidInput:
        """Who is on duty today instead: the shift running now, else the next, else the
        last one of the day."""
        today = await self.duty.running_on(s, self._today(now))
        if not today:
            return InvalidInput("signin.not_on_duty_none")
        running = [x for x in today if x.starts_at <= now < x.ends_at]
        coming = [x for x in today if x.starts_at > now]
        shown = (running or coming or today[-1:])[0]
        params = self.duty.params(shown)
        if shown.leader is None:
            params["leader"] = ref("signin.no_leader")
        return InvalidInput("signin.not_on_duty", **params)

    async def _all_clear(self, s: AsyncSession, shift: Shift, now: datetime) -> None:
        """Whoever was already alerted about this no-show hears that the person came."""
        alerted = await s.scalars(select(Notification.recipient_id).where(
            Notification.key.startswith(f"shift:{shift.id}:noshow:alert:", autoescape=True),
            Notification.status == outbox.SENT))
        params = self.duty.params(shift) | {"at": self.hhmm(now)}
        for staff_id in sorted(set(alerted)):
            await outbox.schedule(s, key=f"signin:{shift.id}:allclear:{staff_id}",
                                  recipient_id=staff_id, template="signin.after_alert",
                                  due_at=now, now=now, params=params, urgent=True)

    # --- handover ----------------------------------------------------------------------------

    async def _handover_for(self, s: AsyncSession, shift: Shift,
                            now: datetime) -> tuple[dict[str, Any] | None, str | None]:
        """The previous shift's handover for the person signing in, if it is written; else
        the name of the previous person if they may still sign out (it follows then)."""
        previous = await s.scalar(select(Shift).where(
            Shift.status == ACTIVE, Shift.id != shift.id, Shift.starts_at < shift.starts_at)
            .order_by(Shift.starts_at.desc()).limit(1))
        if previous is None or previous.signed_in_at is None:
            return None, None
        if previous.signed_out_at is not None:
            return await self._handover_params(s, previous), None
        if previous.ends_at + SIGN_OUT_AFTER_END > now:
            return None, previous.person.name
        return None, None

    async def _next_shift(self, s: AsyncSession, shift: Shift) -> Shift | None:
        return await s.scalar(select(Shift).where(
            Shift.status == ACTIVE, Shift.id != shift.id, Shift.starts_at > shift.starts_at)
            .order_by(Shift.starts_at).limit(1))

    async def _handover_params(self, s: AsyncSession, shift: Shift) -> dict[str, Any]:
        entries = list(await s.scalars(select(DutyLogEntry).where(
            DutyLogEntry.shift_id == shift.id).order_by(DutyLogEntry.at, DutyLogEntry.id)))
        log: Any = "\n".join(f"{self.hhmm(e.at)} {e.text}" for e in entries) \
            or ref("signin.log_empty")
        assert shift.signed_out_at is not None
        return self.duty.params(shift) | {
            "out_at": self.hhmm(shift.signed_out_at), "handover": shift.handover_note or "",
            "log": log, "count": len(entries)}

    # --- sign-out ----------------------------------------------------------------------------

    async def signout_target(self, actor: Actor) -> SignOutTarget:
        """The shift a sign-out would close, before asking for the handover note."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            shift = await self._open_shift(s, actor, now)
            if shift is None:
                raise await self._why_no_signout(s, actor, now)
            return SignOutTarget(view(shift), await self._log_count(s, shift.id))

    async def sign_out(self, actor: Actor, shift_id: int, note: str) -> SignOutResult:
        note = note.strip()
        if not note:
            raise InvalidInput("signout.note_empty")
        if len(note) > NOTE_MAX:
            raise InvalidInput("signout.note_too_long", limit=NOTE_MAX)
        now = self.clock.now()
        async with self.db.transaction() as s:
            shift = await s.get(Shift, shift_id)
            if shift is None:
                raise NotFound("duty.shift_unknown")
            if shift.person_id != actor.id:
                raise PermissionDenied("signout.not_your_shift")
            if shift.status != ACTIVE:
                raise Conflict("duty.shift_cancelled")
            if shift.signed_in_at is None:
                raise InvalidInput("signout.not_signed_in", **self.duty.params(shift))
            if shift.signed_out_at is not None:
                raise Conflict("signout.already", at=self.hhmm(shift.signed_out_at))
            if shift.ends_at + SIGN_OUT_AFTER_END <= now:
                raise InvalidInput("signout.no_shift")
            shift.signed_out_at = now
            shift.handover_note = note
            shift.updated_at = now
            audit.record(s, at=now, actor_id=actor.id, action="shift.signout", entity="shift",
                         entity_id=shift.id, before={"signed_out_at": None},
                         after={"signed_out_at": now.isoformat(), "handover_note": note})
            following = await self._next_shift(s, shift)
            sent_now = False
            if following is not None and following.signed_in_at is not None:
                # They signed in before this sign-out: their sign-in could not carry it.
                await outbox.schedule(
                    s, key=f"handover:{shift.id}:{following.id}",
                    recipient_id=following.person_id, template="signin.handover",
                    due_at=now, now=now, params=await self._handover_params(s, shift),
                    urgent=True)
                sent_now = True
            return SignOutResult(shift=view(shift), at=now,
                                 next_shift=view(following) if following else None,
                                 sent_now=sent_now)

    async def _open_shift(self, s: AsyncSession, actor: Actor, now: datetime) -> Shift | None:
        """The person's shift signed in and not yet signed out (still closable)."""
        shift: Shift | None = await s.scalar(select(Shift).where(
            Shift.status == ACTIVE, Shift.person_id == actor.id,
            Shift.signed_in_at.is_not(None), Shift.signed_out_at.is_(None),
            Shift.ends_at > now - SIGN_OUT_AFTER_END).order_by(Shift.starts_at.desc()).limit(1))
        return shift

    async def _unsigned_running(self, s: AsyncSession, actor: Actor,
                                now: datetime) -> Shift | None:
        shift: Shift | None = await s.scalar(select(Shift).where(
            Shift.status == ACTIVE, Shift.person_id == actor.id, Shift.signed_in_at.is_(None),
            Shift.starts_at <= now + self.config.duty.signin_opens_before,
            Shift.ends_at > now).order_by(Shift.starts_at).limit(1))
        return shift

    async def _why_no_signout(self, s: AsyncSession, actor: Actor,
                              now: datetime) -> DomainError:
        waiting = await self._unsigned_running(s, actor, now)
        if waiting is not None:
            return InvalidInput("signout.not_signed_in", **self.duty.params(waiting))
        closed = await s.scalar(select(Shift).where(
            Shift.status == ACTIVE, Shift.person_id == actor.id,
            Shift.signed_out_at.is_not(None), Shift.ends_at > now - SIGN_OUT_AFTER_END)
            .order_by(Shift.signed_out_at.desc()).limit(1))
        if closed is not None and closed.signed_out_at is not None:
            return Conflict("signout.already", at=self.hhmm(closed.signed_out_at))
        return InvalidInput("signout.no_shift")

    async def _log_count(self, s: AsyncSession, shift_id: int) -> int:
        return int(await s.scalar(select(func.count(DutyLogEntry.id)).where(
            DutyLogEntry.shift_id == shift_id)) or 0)

    # --- duty log ----------------------------------------------------------------------------

    async def add_log(self, actor: Actor, text: str) -> LogResult:
        """Append to the duty log of the shift the person is signed in to."""
        text = text.strip()
        if not text:
            raise InvalidInput("log.usage")
        if len(text) > LOG_MAX:
            raise InvalidInput("log.too_long", limit=LOG_MAX)
        now = self.clock.now()
        async with self.db.transaction() as s:
            shift = await self._open_shift(s, actor, now)
            if shift is None:
                if await self._unsigned_running(s, actor, now) is not None:
                    raise InvalidInput("log.sign_in_first")
                raise InvalidInput("log.not_on_duty")
            entry = DutyLogEntry(shift_id=shift.id, author_id=actor.id, at=now, text=text)
            s.add(entry)
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="duty_log.add", entity="shift",
                         entity_id=shift.id, after={"log_id": entry.id, "text": text})
            return LogResult(at=now, count=await self._log_count(s, shift.id))

    async def log_of(self, shift_id: int) -> list[tuple[datetime, str]]:
        async with self.db.transaction() as s:
            entries = await s.scalars(select(DutyLogEntry).where(
                DutyLogEntry.shift_id == shift_id).order_by(DutyLogEntry.at, DutyLogEntry.id))
            return [(e.at, e.text) for e in entries]
