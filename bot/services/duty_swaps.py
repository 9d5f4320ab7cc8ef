"""Shift swaps (换班): a person hands one of their coming shifts to a colleague.

The flow: the person on duty asks (picks the shift, names the colleague, optionally a
reason) -> the colleague accepts or declines -> a clerk or the shift's duty leader approves
or rejects -> on approval the roster changes through DutyService.change_shift, in the same
transaction as the swap's status, so the shift's reminders move to the colleague and
everyone affected is told. The requester may withdraw until the final decision.

It is a hand-over (替班): the colleague takes the shift, nothing is given back in return;
a two-way exchange is two requests.

Every step is re-checked against the current state and the presser, so a forged or a stale
button changes nothing. Messages to people other than the presser are outbox rows keyed
`swap:<id>:<event>:<staff_id>`. The cards that carry buttons are outbox rows too, and the
dispatcher keeps the message id of each one it sends: that is how every card of a swap is
found again after a decision (even after a restart) and edited to show who decided and when,
without a column or table of our own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.duty import ACTIVE, DutyService, ShiftView, running_between, view
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from storage.db import Database
from storage.models import Notification, Shift, Staff, StaffRole, SwapRequest

ASKED, ACCEPTED, APPROVED = "asked", "accepted", "approved"
DECLINED, REJECTED, WITHDRAWN, EXPIRED = "declined", "rejected", "withdrawn", "expired"
OPEN = (ASKED, ACCEPTED)
# How far ahead /swap lists a person's shifts: the roster is rarely planned further.
HORIZON = timedelta(days=62)
REASON_LIMIT = 100


Card = outbox.SentCard


@dataclass(frozen=True)
class SwapView:
    id: int
    status: str
    shift_id: int
    requester_id: int
    requester: str
    colleague_id: int
    colleague: str
    reason: str
    answered_at: datetime | None
    decided_by: str
    decided_at: datetime | None
    # The shift as the swap's messages describe it (DutyService.params + the two names).
    params: dict[str, Any]


@dataclass(frozen=True)
class SwapOutcome:
    swap: SwapView
    # Every card of this swap that was delivered with buttons: the handler edits each one to
    # show the state the swap is now in.
    cards: list[Card]


@dataclass(frozen=True)
class ComingShift:
    shift: ShiftView
    pending: bool  # a swap of it is already waiting for an answer or an approval
    params: dict[str, Any]  # DutyService.params(), for the catalog


class SwapService:
    def __init__(self, db: Database, config: Config, clock: Clock, duty: DutyService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.duty = duty

    # --- reading --------------------------------------------------------------------------

    async def coming(self, actor: Actor) -> list[ComingShift]:
        """The asker's shifts that have not started yet: the ones they could swap."""
        now = self.clock.now()
        today = self.duty.today()
        async with self.db.transaction() as s:
            rows = list(await s.scalars(
                select(Shift).where(Shift.status == ACTIVE, Shift.person_id == actor.id,
                                    Shift.starts_at > now, Shift.day <= today + HORIZON)
                .order_by(Shift.starts_at)))
            pending = set(await s.scalars(
                select(SwapRequest.shift_id).where(
                    SwapRequest.shift_id.in_([r.id for r in rows]),
                    SwapRequest.requester_id == actor.id,
                    SwapRequest.status.in_(OPEN))))
            return [ComingShift(view(r), r.id in pending, self.duty.params(r)) for r in rows]

    async def open_requests(self, actor: Actor) -> list[SwapView]:
        """The asker's own requests still waiting, so they can be withdrawn from /swap."""
        async with self.db.transaction() as s:
            rows = await s.scalars(
                select(SwapRequest).where(SwapRequest.requester_id == actor.id,
                                          SwapRequest.status.in_(OPEN))
                .order_by(SwapRequest.id))
            return [await self._view(s, r) for r in rows]

    async def status(self, actor: Actor, swap_id: int) -> SwapOutcome:
        """A swap as it stands, for someone it concerns (e.g. who pressed a stale card)."""
        async with self.db.transaction() as s:
            swap = await self._swap(s, swap_id)
            shift = await self._shift(s, swap)
            involved = actor.id in (swap.requester_id, swap.colleague_id, shift.leader_id)
            if not (involved or actor.has(Role.CLERK) or actor.is_admin):
                raise PermissionDenied()
            return await self._outcome(s, swap)

    # --- asking -----------------------------------------------------------------------------

    async def check_pick(self, actor: Actor, shift_id: int) -> ComingShift:
        """The shift the person picked may be swapped (it is theirs, coming, not pending)."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            shift = await s.get(Shift, shift_id)
            if shift is None:
                raise NotFound("duty.shift_unknown")
            await self._check_own_shift(s, actor, shift, now)
            return ComingShift(view(shift), False, self.duty.params(shift))

    async def ask(self, actor: Actor, shift_id: int, colleague_name: str,
                  reason: str = "") -> SwapView:
        now = self.clock.now()
        reason = " ".join(reason.split())
        if len(reason) > REASON_LIMIT:
            raise InvalidInput("swap.reason_too_long", limit=REASON_LIMIT)
        async with self.db.transaction() as s:
            shift = await s.get(Shift, shift_id)
            if shift is None:
                raise NotFound("duty.shift_unknown")
            await self._check_own_shift(s, actor, shift, now)
            colleague = await self.duty.resolve_person(s, colleague_name)
            if colleague.id == actor.id:
                raise InvalidInput("swap.self")
            await self._check_colleague(s, shift, colleague)
            swap = SwapRequest(shift_id=shift.id, requester_id=actor.id,
                               colleague_id=colleague.id, status=ASKED, reason=reason,
                               created_at=now)
            s.add(swap)
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="swap.ask", entity="swap",
                         entity_id=swap.id, after=self._snapshot(swap))
            result = await self._view(s, swap)
            await outbox.schedule(
                s, key=f"swap:{swap.id}:asked:{colleague.id}", recipient_id=colleague.id,
                template="swap.ask_card", due_at=now, now=now, params=result.params,
                buttons=[[{"key": "btn.swap_accept", "data": f"swap:accept:{swap.id}"},
                          {"key": "btn.swap_decline", "data": f"swap:decline:{swap.id}"}]])
            return result

    # --- the colleague answers --------------------------------------------------------------

    async def accept(self, actor: Actor, swap_id: int) -> SwapOutcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            swap = await self._swap(s, swap_id, lock=True)
            if actor.id != swap.colleague_id:
                raise PermissionDenied("swap.not_colleague")
            self._require_status(swap, ASKED)
            shift = await self._shift(s, swap)
            if not await self._still_valid(s, swap, shift, now):
                return await self._expire(s, actor, swap, now)
            colleague = await s.get(Staff, swap.colleague_id)
            assert colleague is not None
            await self._check_colleague(s, shift, colleague)
            before = self._snapshot(swap)
            swap.status = ACCEPTED
            swap.answered_at = now
            audit.record(s, at=now, actor_id=actor.id, action="swap.accept", entity="swap",
                         entity_id=swap.id, before=before, after=self._snapshot(swap))
            result = await self._view(s, swap)
            await outbox.schedule(
                s, key=f"swap:{swap.id}:accepted:{swap.requester_id}",
                recipient_id=swap.requester_id, template="swap.told_accepted", due_at=now,
                now=now, params=result.params,
                buttons=[[{"key": "btn.swap_withdraw", "data": f"swap:withdraw:{swap.id}"}]])
            for staff_id in await self._approvers(s, swap, shift):
                await outbox.schedule(
                    s, key=f"swap:{swap.id}:approve:{staff_id}", recipient_id=staff_id,
                    template="swap.approve_card", due_at=now, now=now, params=result.params,
                    buttons=[[{"key": "btn.swap_approve", "data": f"swap:approve:{swap.id}"},
                              {"key": "btn.swap_reject", "data": f"swap:reject:{swap.id}"}]])
            return await self._outcome(s, swap)

    async def decline(self, actor: Actor, swap_id: int) -> SwapOutcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            swap = await self._swap(s, swap_id, lock=True)
            if actor.id != swap.colleague_id:
                raise PermissionDenied("swap.not_colleague")
            self._require_status(swap, ASKED)
            await self._close(s, actor, swap, DECLINED, now, "swap.decline")
            swap.answered_at = now
            result = await self._view(s, swap)
            await self._tell(s, swap, "declined", [swap.requester_id], "swap.told_declined",
                             result.params, now)
            return await self._outcome(s, swap)

    # --- the clerk or the duty leader decides -----------------------------------------------

    async def approve(self, actor: Actor, swap_id: int) -> SwapOutcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            swap = await self._swap(s, swap_id, lock=True)
            shift = await self._shift(s, swap)
            self._require_approver(actor, swap, shift)
            self._require_decidable(swap)
            if not await self._still_valid(s, swap, shift, now):
                return await self._expire(s, actor, swap, now)
            colleague = await s.get(Staff, swap.colleague_id)
            assert colleague is not None
            await self._check_colleague(s, shift, colleague)
            await self._close(s, actor, swap, APPROVED, now, "swap.approve")
            # The roster change tells the requester, the colleague and the duty leader, and
            # moves the shift's reminders to the colleague.
            await self.duty.change_shift(s, actor, shift, person=colleague, action="shift.swap")
            return await self._outcome(s, swap)

    async def reject(self, actor: Actor, swap_id: int) -> SwapOutcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            swap = await self._swap(s, swap_id, lock=True)
            shift = await self._shift(s, swap)
            self._require_approver(actor, swap, shift)
            self._require_decidable(swap)
            await self._close(s, actor, swap, REJECTED, now, "swap.reject")
            result = await self._view(s, swap)
            await self._tell(s, swap, "rejected", [swap.requester_id, swap.colleague_id],
                             "swap.told_rejected", result.params, now)
            return await self._outcome(s, swap)

    # --- the requester changes their mind ----------------------------------------------------

    async def withdraw(self, actor: Actor, swap_id: int) -> SwapOutcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            swap = await self._swap(s, swap_id, lock=True)
            if actor.id != swap.requester_id:
                raise PermissionDenied("swap.not_requester")
            if swap.status not in OPEN:
                raise Conflict("swap.already", state={"t": f"swap.status.{swap.status}"})
            ask_seen = await self._delivered(s, f"swap:{swap.id}:asked:{swap.colleague_id}")
            await self._close(s, actor, swap, WITHDRAWN, now, "swap.withdraw")
            # A colleague who never saw the request need not hear it was withdrawn.
            if ask_seen:
                result = await self._view(s, swap)
                await self._tell(s, swap, "withdrawn", [swap.colleague_id],
                                 "swap.told_withdrawn", result.params, now)
            return await self._outcome(s, swap)

    # --- checks -------------------------------------------------------------------------------

    async def _check_own_shift(self, s: AsyncSession, actor: Actor, shift: Shift,
                               now: datetime) -> None:
        if shift.person_id != actor.id:
            raise PermissionDenied("swap.not_your_shift")
        if shift.status != ACTIVE:
            raise Conflict("duty.shift_cancelled")
        if shift.starts_at <= now:
            raise Conflict("swap.shift_started")
        for waiting in await s.scalars(select(SwapRequest).where(
                SwapRequest.shift_id == shift.id, SwapRequest.status.in_(OPEN))):
            if await self._still_valid(s, waiting, shift, now):
                colleague = await s.get(Staff, waiting.colleague_id)
                raise Conflict("swap.pending_exists",
                               name=colleague.name if colleague else "—")
            # Left over from before the shift changed hands: it can never be decided now.
            await self._expire(s, None, waiting, now)

    async def _check_colleague(self, s: AsyncSession, shift: Shift, colleague: Staff) -> None:
        if not colleague.active:
            raise InvalidInput("duty.person_inactive", name=colleague.name)
        if colleague.telegram_user_id is None:
            raise InvalidInput("swap.colleague_unregistered", name=colleague.name)
        if colleague.id == shift.leader_id:
            raise InvalidInput("swap.colleague_is_leader", name=colleague.name)
        busy = await s.scalar(select(Shift).where(
            Shift.status == ACTIVE, Shift.person_id == colleague.id, Shift.id != shift.id,
            running_between(shift.starts_at, shift.ends_at)))
        if busy is not None:
            raise InvalidInput("swap.colleague_busy", name=colleague.name,
                               **{k: v for k, v in self.duty.params(busy).items()
                                  if k in ("month", "day", "kind")})

    def _require_approver(self, actor: Actor, swap: SwapRequest, shift: Shift) -> None:
        if not (actor.has(Role.CLERK) or actor.is_admin or actor.id == shift.leader_id):
            raise PermissionDenied("swap.not_approver")
        if actor.id in (swap.requester_id, swap.colleague_id):
            raise PermissionDenied("swap.party_cannot_approve")

    @staticmethod
    def _require_status(swap: SwapRequest, wanted: str) -> None:
        if swap.status != wanted:
            raise Conflict("swap.already", state={"t": f"swap.status.{swap.status}"})

    @staticmethod
    def _require_decidable(swap: SwapRequest) -> None:
        if swap.status == ASKED:
            raise Conflict("swap.not_accepted_yet")
        SwapService._require_status(swap, ACCEPTED)

    async def _still_valid(self, s: AsyncSession, swap: SwapRequest, shift: Shift,
                           now: datetime) -> bool:
        """The request still describes the roster: the shift is on, not started, and still
        the requester's (a clerk may have changed or cancelled it meanwhile)."""
        return (shift.status == ACTIVE and shift.person_id == swap.requester_id
                and shift.starts_at > now)

    # --- changes ------------------------------------------------------------------------------

    async def _close(self, s: AsyncSession, actor: Actor | None, swap: SwapRequest,
                     status: str, now: datetime, action: str) -> None:
        """End the swap in `status`; its cards not yet delivered are never sent."""
        before = self._snapshot(swap)
        swap.status = status
        swap.decided_at = now
        # decided_by names the clerk or leader who decided; a decline or withdrawal is
        # already tied to the colleague or the requester, and the audit row has the actor.
        if status in (APPROVED, REJECTED) and actor is not None:
            swap.decided_by_id = actor.id
        await outbox.cancel_prefix(s, f"swap:{swap.id}:")
        audit.record(s, at=now, actor_id=actor.id if actor else None, action=action,
                     entity="swap", entity_id=swap.id, before=before,
                     after=self._snapshot(swap))

    async def _expire(self, s: AsyncSession, actor: Actor | None, swap: SwapRequest,
                      now: datetime) -> SwapOutcome:
        """The shift changed under the request: close it and tell both people, except the
        one pressing (who sees it on the spot)."""
        await self._close(s, None, swap, EXPIRED, now, "swap.expire")
        result = await self._view(s, swap)
        told = [p for p in (swap.requester_id, swap.colleague_id)
                if actor is None or p != actor.id]
        await self._tell(s, swap, "expired", told, "swap.told_expired", result.params, now)
        return await self._outcome(s, swap)

    async def _tell(self, s: AsyncSession, swap: SwapRequest, event: str,
                    recipients: list[int], template: str, params: dict[str, Any],
                    now: datetime) -> None:
        for staff_id in recipients:
            await outbox.schedule(s, key=f"swap:{swap.id}:{event}:{staff_id}",
                                  recipient_id=staff_id, template=template, due_at=now,
                                  now=now, params=params)

    async def _approvers(self, s: AsyncSession, swap: SwapRequest, shift: Shift) -> list[int]:
        """The shift's duty leader and the clerks, never a party to the swap; admins only if
        nobody else can decide."""
        parties = {swap.requester_id, swap.colleague_id}

        async def holders(role: Role) -> set[int]:
            return set(await s.scalars(select(Staff.id).join(StaffRole).where(
                StaffRole.role == role.value, Staff.active.is_(True))))

        chosen = await holders(Role.CLERK)
        if shift.leader is not None and shift.leader.active:
            chosen.add(shift.leader.id)
        chosen -= parties
        if not chosen:
            chosen = await holders(Role.ADMIN) - parties
        return sorted(chosen)

    # --- loading and views --------------------------------------------------------------------

    async def _swap(self, s: AsyncSession, swap_id: int, *, lock: bool = False) -> SwapRequest:
        # FOR UPDATE on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises): two
        # approvers pressing at once are decided one after the other, the second one sees
        # the first decision.
        swap = await s.get(SwapRequest, swap_id,
                           with_for_update={"of": SwapRequest} if lock else None)
        if swap is None:
            raise NotFound("swap.unknown")
        return swap

    async def _shift(self, s: AsyncSession, swap: SwapRequest) -> Shift:
        shift = await s.get(Shift, swap.shift_id)
        assert shift is not None  # shifts are never deleted
        return shift

    async def _delivered(self, s: AsyncSession, key: str) -> bool:
        row = await s.scalar(select(Notification).where(Notification.key == key))
        return row is not None and row.status in (outbox.SENT, outbox.SENDING)

    @staticmethod
    def _snapshot(swap: SwapRequest) -> dict[str, Any]:
        return {"shift_id": swap.shift_id, "requester_id": swap.requester_id,
                "colleague_id": swap.colleague_id, "status": swap.status,
                "reason": swap.reason}

    async def _view(self, s: AsyncSession, swap: SwapRequest) -> SwapView:
        shift = await self._shift(s, swap)
        requester = await s.get(Staff, swap.requester_id)
        colleague = await s.get(Staff, swap.colleague_id)
        decider = await s.get(Staff, swap.decided_by_id) if swap.decided_by_id else None
        assert requester is not None and colleague is not None
        params = self.duty.params(shift) | {
            "requester": requester.name, "colleague": colleague.name,
            "reason": swap.reason or "—", "swap_id": swap.id}
        return SwapView(
            id=swap.id, status=swap.status, shift_id=swap.shift_id,
            requester_id=requester.id, requester=requester.name, colleague_id=colleague.id,
            colleague=colleague.name, reason=swap.reason, answered_at=swap.answered_at,
            decided_by=decider.name if decider else "", decided_at=swap.decided_at,
            params=params)

    async def _outcome(self, s: AsyncSession, swap: SwapRequest) -> SwapOutcome:
        """The swap with its delivered cards that are done with: the colleague's once they
        answered, all of them once the swap is closed; approval cards stay live while it
        waits for approval."""
        await s.flush()
        if swap.status == ASKED:
            done = None
        elif swap.status == ACCEPTED:
            done = f"swap:{swap.id}:asked:"
        else:
            done = f"swap:{swap.id}:"
        cards: list[Card] = []
        if done is not None:
            cards = await outbox.sent_cards(s, done, self.config.language)
        return SwapOutcome(swap=await self._view(s, swap), cards=cards)
