"""The approvals engine (审批): a request goes through a route of steps, one after the other.

A step is decided by one named approver (`one`), by any one of several (`any`, 或签: the
first approval completes it) or by all of several (`all`, 会签: every one must approve). Any
rejection rejects the whole request. States: draft -> pending -> approved | rejected |
withdrawn; the applicant may withdraw until the final decision.

Nobody approves their own request: the applicant is taken out of every step's approvers,
and a step left with nobody is skipped, so a leader who applies goes straight to the next
approver. A route with nobody but the applicant is refused. A feature may also name a step
nobody holds now (`StepSpec.vacant()`, e.g. a department with no head): it is kept in the
route as "vacant" and passed over, so the feature can say so on its cards.

An admin may hand the current step of a pending request from one approver to another
(`replace_approver`, e.g. when an approver leaves): audited like every other change.

The engine is generic: a request has a `kind` ("seal", "swap", ...) and the `subject_id` of
the feature's own row, and it knows nothing else about it. Every method works inside the
caller's transaction (`s`), so a feature creates its row and the approval together, and
changes its row in the same transaction as a decision. The engine sends nothing: `decide`
says who must be told next, and the feature schedules its own cards and messages.

Every decision is re-checked against the current state and the presser: a decision by
someone who is not an approver of the current step (a forged button), a repeated press, or a
press on a decided or withdrawn request raises a DomainError before anything is written.
Two presses at once are serialised by the row lock on the request (SQLite's BEGIN IMMEDIATE
already serialises whole transactions) and, on top, every change is an update conditional on
the request's version, so only one of them can ever be written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, short_time
from bot.config import Config
from bot.i18n import ref
from bot.services import audit
from bot.services.access import Actor
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from storage.db import Database
from storage.models import (
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStep,
    ApprovalStepApprover,
    Staff,
)

Mode = Literal["one", "any", "all"]
MODES: tuple[str, ...] = ("one", "any", "all")

DRAFT, PENDING, APPROVED, REJECTED, WITHDRAWN = (
    "draft", "pending", "approved", "rejected", "withdrawn")
OPEN = (DRAFT, PENDING)
FINAL = (APPROVED, REJECTED, WITHDRAWN)
# Step states. "vacant": the route named a step that nobody holds now; passed over.
WAITING, SKIPPED, CLOSED, VACANT = "waiting", "skipped", "closed", "vacant"
PASSED_OVER = (SKIPPED, VACANT)

COMMENT_LIMIT = 300
KIND_LIMIT = 20


@dataclass(frozen=True)
class StepSpec:
    """One step of a route as a feature describes it: the mode and the approvers' staff ids
    in the order they should be listed."""

    mode: Mode
    approvers: tuple[int, ...]

    @classmethod
    def one(cls, staff_id: int) -> StepSpec:
        return cls("one", (staff_id,))

    @classmethod
    def any_of(cls, *staff_ids: int) -> StepSpec:
        return cls("any", tuple(staff_ids))

    @classmethod
    def all_of(cls, *staff_ids: int) -> StepSpec:
        return cls("all", tuple(staff_ids))

    @classmethod
    def vacant(cls) -> StepSpec:
        """A step the route names but nobody holds now: kept in the record, passed over."""
        return cls("one", ())


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class DecisionView:
    step: int  # the step's position
    approver_id: int
    name: str
    approve: bool
    comment: str
    at: datetime  # UTC-aware


@dataclass(frozen=True)
class StepView:
    position: int
    mode: str
    status: str  # waiting | pending | approved | rejected | skipped | vacant | closed
    approvers: tuple[Person, ...]
    decisions: tuple[DecisionView, ...]
    started_at: datetime | None
    decided_at: datetime | None

    @property
    def undecided(self) -> tuple[Person, ...]:
        """The approvers who have not decided this step (yet)."""
        done = {d.approver_id for d in self.decisions}
        return tuple(p for p in self.approvers if p.id not in done)


@dataclass(frozen=True)
class ApprovalState:
    id: int
    kind: str
    subject_id: int
    applicant: Person
    status: str
    current_step: int | None  # position of the step waiting for a decision
    steps: tuple[StepView, ...]
    created_at: datetime
    submitted_at: datetime | None
    closed_at: datetime | None
    decisions: tuple[DecisionView, ...] = field(default=())  # all, in the order made

    @property
    def final(self) -> bool:
        return self.status in FINAL

    @property
    def current(self) -> StepView | None:
        if self.current_step is None:
            return None
        return self.steps[self.current_step]

    @property
    def waiting_on(self) -> tuple[Person, ...]:
        """Who may decide now: the current step's approvers who have not decided."""
        step = self.current
        return step.undecided if step is not None else ()


@dataclass(frozen=True)
class Decided:
    """What one decision changed, for the feature to tell people and edit cards."""

    decision: DecisionView
    step: int  # position of the step decided on
    step_completed: bool  # the step is approved or rejected now (its cards are stale)
    status: str  # the request's status now
    final: bool  # approved or rejected: the route is done
    next_step: int | None  # the step that has just started, if any
    notify: tuple[int, ...]  # the approvers of the step that has just started
    state: ApprovalState


@dataclass(frozen=True)
class PendingApproval:
    request_id: int
    kind: str
    subject_id: int
    applicant_id: int
    applicant: str
    step: int
    mode: str
    since: datetime  # when the step started waiting for this person


class ApprovalService:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock

    # --- opening --------------------------------------------------------------------------

    async def open(self, s: AsyncSession, *, kind: str, subject_id: int, applicant_id: int,
                   route: Sequence[StepSpec], now: datetime | None = None,
                   submit: bool = True) -> ApprovalState:
        """Create the approval of a feature's row. Submitted at once unless submit=False
        (then a draft, until `submit`). The applicant is routed past themselves."""
        now = now or self.clock.now()
        if not kind or len(kind) > KIND_LIMIT:
            raise ValueError(f"approval kind {kind!r}")
        if not route:
            raise InvalidInput("approvals.route_empty")
        applicant = await s.get(Staff, applicant_id)
        if applicant is None:
            raise ValueError(f"no staff {applicant_id} to apply")
        taken = await s.scalar(select(ApprovalRequest.id).where(
            ApprovalRequest.kind == kind, ApprovalRequest.subject_id == subject_id))
        if taken is not None:
            raise Conflict("approvals.exists")
        resolved: list[tuple[str, list[int]]] = []
        vacant: set[int] = set()
        for number, spec in enumerate(route, start=1):
            ids = list(dict.fromkeys(spec.approvers))
            if spec == StepSpec.vacant():
                vacant.add(number - 1)
                resolved.append((spec.mode, []))
                continue
            if spec.mode not in MODES or not ids or (spec.mode == "one" and len(ids) != 1):
                raise InvalidInput("approvals.route_invalid", step=number)
            for staff_id in ids:
                person = await s.get(Staff, staff_id)
                if person is None:
                    raise InvalidInput("approvals.route_invalid", step=number)
                if not person.active:
                    raise InvalidInput("approvals.approver_inactive", name=person.name)
            resolved.append((spec.mode, [i for i in ids if i != applicant_id]))
        if not any(ids for _, ids in resolved):
            raise InvalidInput("approvals.no_approver")

        request = ApprovalRequest(kind=kind, subject_id=subject_id, applicant_id=applicant_id,
                                  status=DRAFT, version=0, created_at=now)
        s.add(request)
        await s.flush()
        for position, (mode, ids) in enumerate(resolved):
            step = ApprovalStep(request_id=request.id, position=position, mode=mode,
                                status=VACANT if position in vacant
                                else WAITING if ids else SKIPPED)
            s.add(step)
            await s.flush()
            for order, staff_id in enumerate(ids):
                s.add(ApprovalStepApprover(step_id=step.id, staff_id=staff_id, position=order))
        await s.flush()
        audit.record(s, at=now, actor_id=applicant_id, action="approval.open",
                     entity="approval", entity_id=request.id,
                     after={"kind": kind, "subject_id": subject_id,
                            "route": [{"mode": spec.mode, "approvers": list(spec.approvers)}
                                      for spec in route],
                            "resolved": [{"mode": m, "approvers": ids} for m, ids in resolved]})
        if submit:
            await self._start(s, request, now)
        return await self._state(s, request)

    async def submit(self, s: AsyncSession, *, request_id: int, actor: Actor,
                     now: datetime | None = None) -> ApprovalState:
        """A draft goes to its first approver."""
        now = now or self.clock.now()
        request = await self._request(s, request_id, lock=True)
        if actor.id != request.applicant_id:
            raise PermissionDenied("approvals.not_applicant")
        if request.status != DRAFT:
            raise Conflict("approvals.closed", state=ref(f"approvals.status.{request.status}"))
        await self._start(s, request, now)
        return await self._state(s, request)

    async def _start(self, s: AsyncSession, request: ApprovalRequest, now: datetime) -> None:
        await self._bump(s, request, status=PENDING, submitted_at=now)
        steps = await self._steps(s, request.id)
        first = self._next_open(steps, -1)
        assert first is not None  # open() refuses a route with nobody to decide
        first.status, first.started_at = PENDING, now
        request.current_step = first.position
        audit.record(s, at=now, actor_id=request.applicant_id, action="approval.submit",
                     entity="approval", entity_id=request.id, before={"status": DRAFT},
                     after={"status": PENDING, "step": first.position})

    # --- deciding -------------------------------------------------------------------------

    async def check_decider(self, s: AsyncSession, *, request_id: int,
                            actor: Actor) -> ApprovalState:
        """Refuse now what `decide` would refuse: before asking a rejecting approver for
        the reason, say at once if the card is stale or not theirs."""
        request = await self._request(s, request_id)
        await self._current_step_for(s, request, actor)
        return await self._state(s, request)

    async def decide(self, s: AsyncSession, *, request_id: int, actor: Actor, approve: bool,
                     comment: str = "", now: datetime | None = None) -> Decided:
        now = now or self.clock.now()
        comment = " ".join(comment.split())
        request = await self._request(s, request_id, lock=True)
        step = await self._current_step_for(s, request, actor)
        if len(comment) > COMMENT_LIMIT:
            raise InvalidInput("approvals.comment_too_long", limit=COMMENT_LIMIT)
        if not approve and not comment:
            raise InvalidInput("approvals.reason_required")
        before = {"status": request.status, "step": request.current_step}
        # Claim the request first: if another decision got in meanwhile, nothing is written.
        await self._bump(s, request)

        s.add(ApprovalDecision(request_id=request.id, step_id=step.id, approver_id=actor.id,
                               approve=approve, comment=comment, decided_at=now))
        await s.flush()
        step_completed = False
        next_step: int | None = None
        notify: tuple[int, ...] = ()
        steps = await self._steps(s, request.id)
        if not approve:
            step.status, step.decided_at = REJECTED, now
            step_completed = True
            self._close(request, steps, REJECTED, now)
        else:
            approvals = set(await s.scalars(select(ApprovalDecision.approver_id).where(
                ApprovalDecision.step_id == step.id, ApprovalDecision.approve.is_(True))))
            if step.mode != "all" or set(await self._approver_ids(s, step.id)) <= approvals:
                step.status, step.decided_at = APPROVED, now
                step_completed = True
                following = self._next_open(steps, step.position)
                if following is None:
                    self._close(request, steps, APPROVED, now)
                else:
                    following.status, following.started_at = PENDING, now
                    request.current_step = next_step = following.position
                    notify = tuple(await self._approver_ids(s, following.id))
        await s.flush()
        audit.record(s, at=now, actor_id=actor.id,
                     action="approval.approve" if approve else "approval.reject",
                     entity="approval", entity_id=request.id, before=before,
                     after={"status": request.status, "step": request.current_step,
                            "decided_step": step.position, "comment": comment})
        state = await self._state(s, request)
        return Decided(
            decision=DecisionView(step.position, actor.id, actor.name, approve, comment, now),
            step=step.position, step_completed=step_completed, status=request.status,
            final=request.status in FINAL, next_step=next_step, notify=notify, state=state)

    # --- withdrawing ----------------------------------------------------------------------

    async def withdraw(self, s: AsyncSession, *, request_id: int, actor: Actor,
                       now: datetime | None = None) -> ApprovalState:
        """The applicant takes the request back before the final decision. The approvers
        who were waiting are `state.waiting_on` from before: read it first to tell them."""
        now = now or self.clock.now()
        request = await self._request(s, request_id, lock=True)
        if actor.id != request.applicant_id:
            raise PermissionDenied("approvals.not_applicant")
        if request.status not in OPEN:
            raise Conflict("approvals.closed", state=ref(f"approvals.status.{request.status}"))
        before = {"status": request.status, "step": request.current_step}
        await self._bump(s, request)
        self._close(request, await self._steps(s, request.id), WITHDRAWN, now)
        await s.flush()
        audit.record(s, at=now, actor_id=actor.id, action="approval.withdraw",
                     entity="approval", entity_id=request.id, before=before,
                     after={"status": WITHDRAWN})
        return await self._state(s, request)

    # --- handing a step to someone else ---------------------------------------------------

    async def replace_approver(self, s: AsyncSession, request_id: int, old_staff_id: int,
                               new_staff_id: int, actor: Actor,
                               now: datetime | None = None) -> ApprovalState:
        """An admin hands the current step from one approver, who has not decided it, to
        another (e.g. the first has left). Only the step waiting now: later steps start
        with whoever the route names then. The new approver must be active, not the
        applicant, and not already on this step."""
        now = now or self.clock.now()
        if not actor.is_admin:
            raise PermissionDenied("approvals.replace_forbidden")
        request = await self._request(s, request_id, lock=True)
        if request.status != PENDING:
            raise Conflict("approvals.closed", state=ref(f"approvals.status.{request.status}"))
        steps = await self._steps(s, request.id)
        step = next(st for st in steps if st.position == request.current_step)
        old = await s.get(Staff, old_staff_id)
        new = await s.get(Staff, new_staff_id)
        if old is None or new is None:
            raise NotFound("approvals.unknown_person")
        row = await s.scalar(select(ApprovalStepApprover).where(
            ApprovalStepApprover.step_id == step.id,
            ApprovalStepApprover.staff_id == old.id))
        if row is None:
            raise InvalidInput("approvals.replace_not_current", name=old.name)
        if await self._own_decision(s, request.id, old.id, [step.id]) is not None:
            raise Conflict("approvals.replace_decided", name=old.name)
        if new.id == request.applicant_id:
            raise InvalidInput("approvals.replace_applicant", name=new.name)
        if not new.active:
            raise InvalidInput("approvals.approver_inactive", name=new.name)
        if new.id in await self._approver_ids(s, step.id):
            raise InvalidInput("approvals.replace_already", name=new.name)
        await self._bump(s, request)
        row.staff_id = new.id
        await s.flush()
        await s.refresh(row)  # its `staff` relationship still names the old approver
        audit.record(s, at=now, actor_id=actor.id, action="approval.replace",
                     entity="approval", entity_id=request.id,
                     before={"step": step.position, "approver": old.id},
                     after={"step": step.position, "approver": new.id})
        return await self._state(s, request)

    # --- reading --------------------------------------------------------------------------

    async def state(self, s: AsyncSession, request_id: int) -> ApprovalState:
        return await self._state(s, await self._request(s, request_id))

    async def for_subject(self, s: AsyncSession, kind: str,
                          subject_id: int) -> ApprovalState | None:
        request = await s.scalar(select(ApprovalRequest).where(
            ApprovalRequest.kind == kind, ApprovalRequest.subject_id == subject_id))
        return await self._state(s, request) if request is not None else None

    async def pending_for(self, s: AsyncSession, staff_id: int,
                          kind: str | None = None) -> list[PendingApproval]:
        """Requests waiting on this person's decision, oldest first (digest, reminders)."""
        decided = select(ApprovalDecision.id).where(
            ApprovalDecision.step_id == ApprovalStep.id,
            ApprovalDecision.approver_id == staff_id).exists()
        query = (
            select(ApprovalRequest, ApprovalStep)
            .join(ApprovalStep, (ApprovalStep.request_id == ApprovalRequest.id)
                  & (ApprovalStep.position == ApprovalRequest.current_step))
            .join(ApprovalStepApprover, ApprovalStepApprover.step_id == ApprovalStep.id)
            .where(ApprovalRequest.status == PENDING, ApprovalStep.status == PENDING,
                   ApprovalStepApprover.staff_id == staff_id, ~decided)
            .order_by(ApprovalStep.started_at, ApprovalRequest.id))
        if kind is not None:
            query = query.where(ApprovalRequest.kind == kind)
        rows = (await s.execute(query)).all()
        return [PendingApproval(
            request_id=r.id, kind=r.kind, subject_id=r.subject_id,
            applicant_id=r.applicant_id, applicant=r.applicant.name, step=st.position,
            mode=st.mode, since=st.started_at or r.submitted_at or r.created_at)
            for r, st in rows]

    # --- checks ---------------------------------------------------------------------------

    async def _current_step_for(self, s: AsyncSession, request: ApprovalRequest,
                                actor: Actor) -> ApprovalStep:
        """The step the actor may decide now, or the reason they may not."""
        steps = await self._steps(s, request.id)
        mine = [st for st in steps if actor.id in await self._approver_ids(s, st.id)]
        if not mine:
            # Nobody outside the route learns anything about the request.
            raise PermissionDenied("approvals.not_approver")
        if request.status == WITHDRAWN:
            raise Conflict("approvals.withdrawn")
        if request.status == DRAFT:
            raise Conflict("approvals.not_submitted")
        current = next((st for st in steps if st.position == request.current_step), None)
        if current is not None and current in mine:
            own = await self._own_decision(s, request.id, actor.id, [current.id])
            if own is None:
                return current
        else:
            own = await self._own_decision(s, request.id, actor.id, [st.id for st in mine])
        if own is not None:
            raise Conflict("approvals.already_you", **self._when(own))
        # A step of theirs that someone else completed (或签) or rejected: name who and when.
        for st in reversed(mine):
            other = await s.scalar(select(ApprovalDecision).where(
                ApprovalDecision.step_id == st.id).order_by(ApprovalDecision.id.desc()))
            if other is not None:
                raise Conflict("approvals.step_decided", name=other.approver.name,
                               **self._when(other))
        if current is not None:
            raise Conflict("approvals.not_your_turn")
        raise Conflict("approvals.closed", state=ref(f"approvals.status.{request.status}"))

    async def _own_decision(self, s: AsyncSession, request_id: int, staff_id: int,
                            step_ids: list[int]) -> ApprovalDecision | None:
        return await s.scalar(select(ApprovalDecision).where(
            ApprovalDecision.request_id == request_id, ApprovalDecision.approver_id == staff_id,
            ApprovalDecision.step_id.in_(step_ids)).order_by(ApprovalDecision.id.desc()))

    def _when(self, decision: ApprovalDecision) -> dict[str, Any]:
        return {"at": short_time(decision.decided_at, self.config.tz),
                "verdict": ref("approvals.verdict.approve" if decision.approve
                               else "approvals.verdict.reject")}

    # --- changes --------------------------------------------------------------------------

    async def _bump(self, s: AsyncSession, request: ApprovalRequest, **values: Any) -> None:
        """Move the request on, conditional on nobody having moved it since it was read."""
        result = await s.execute(
            update(ApprovalRequest)
            .where(ApprovalRequest.id == request.id,
                   ApprovalRequest.version == request.version)
            .values(version=ApprovalRequest.version + 1, **values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("approvals.stale")
        await s.refresh(request)

    @staticmethod
    def _close(request: ApprovalRequest, steps: list[ApprovalStep], status: str,
               now: datetime) -> None:
        request.status, request.closed_at, request.current_step = status, now, None
        for st in steps:
            if st.status in (WAITING, PENDING):
                st.status = CLOSED

    @staticmethod
    def _next_open(steps: list[ApprovalStep], after: int) -> ApprovalStep | None:
        return next((st for st in steps if st.position > after and st.status == WAITING), None)

    # --- loading and views ----------------------------------------------------------------

    async def _request(self, s: AsyncSession, request_id: int, *,
                       lock: bool = False) -> ApprovalRequest:
        # FOR UPDATE on PostgreSQL; on SQLite BEGIN IMMEDIATE already serialises.
        request = await s.get(ApprovalRequest, request_id,
                              with_for_update={"of": ApprovalRequest} if lock else None,
                              populate_existing=lock)
        if request is None:
            raise NotFound("approvals.unknown")
        return request

    @staticmethod
    async def _steps(s: AsyncSession, request_id: int) -> list[ApprovalStep]:
        return list(await s.scalars(select(ApprovalStep).where(
            ApprovalStep.request_id == request_id).order_by(ApprovalStep.position)))

    @staticmethod
    async def _approver_ids(s: AsyncSession, step_id: int) -> list[int]:
        return list(await s.scalars(select(ApprovalStepApprover.staff_id).where(
            ApprovalStepApprover.step_id == step_id).order_by(ApprovalStepApprover.position)))

    async def _state(self, s: AsyncSession, request: ApprovalRequest) -> ApprovalState:
        await s.flush()
        steps = await self._steps(s, request.id)
        step_ids = [st.id for st in steps]
        approvers = list(await s.scalars(select(ApprovalStepApprover).where(
            ApprovalStepApprover.step_id.in_(step_ids))
            .order_by(ApprovalStepApprover.step_id, ApprovalStepApprover.position)))
        decisions = list(await s.scalars(select(ApprovalDecision).where(
            ApprovalDecision.request_id == request.id).order_by(ApprovalDecision.id)))
        position = {st.id: st.position for st in steps}
        views = [DecisionView(position[d.step_id], d.approver_id, d.approver.name, d.approve,
                              d.comment, d.decided_at) for d in decisions]
        step_views = tuple(
            StepView(
                position=st.position, mode=st.mode, status=st.status,
                approvers=tuple(Person(a.staff_id, a.staff.name)
                                for a in approvers if a.step_id == st.id),
                decisions=tuple(v for v in views if v.step == st.position),
                started_at=st.started_at, decided_at=st.decided_at)
            for st in steps)
        applicant_name = await s.scalar(
            select(Staff.name).where(Staff.id == request.applicant_id))
        return ApprovalState(
            id=request.id, kind=request.kind, subject_id=request.subject_id,
            applicant=Person(request.applicant_id, applicant_name or ""),
            status=request.status, current_step=request.current_step, steps=step_views,
            created_at=request.created_at, submitted_at=request.submitted_at,
            closed_at=request.closed_at, decisions=tuple(views))

