"""Seals (印章) and seal requests (用印申请) on the approvals engine.

The registry: admins add seals with their keepers (保管人) and approval route, and switch a
seal off (停用). A route is a list of steps, each one person, any one of several (或签) or
all of several (会签); "部门负责人" stands for the applicant's department head, looked up at
submission (a step with nobody left — the applicant themselves, or no head known — is
skipped, so a leader who applies goes straight to the next approver).

A "部门负责人" step of an applicant whose department has no known head is kept in the
approval as a vacant step and passed over; the approvers' cards and the applicant's
confirmation say so (`RequestView.head_skipped`), so nobody takes the route for complete.

A request is validated field by field as the applicant answers (`clean_*`, `parse_*`), and
once more as a whole at `submit`, which creates the request and its approval in one
transaction and sends the first step's cards. Each approver's card is an outbox row keyed
`seal:<id>:card:<step>:<staff>`. A step waiting `pending_remind_hours` working hours
reminds its approvers once (`seal:<id>:remind:<step>:<staff>`, with the same buttons).
After a step is decided (or the request withdrawn) every delivered card and reminder of that
step is handed back in the outcome for the handler to edit, and the undelivered ones are
cancelled; `card_state` gives the same for a press on a stale card. What waits on a leader
goes into their daily digest (`digest_lines`). On the final approval the seal's
keepers get a card (`seal:<id>:keeper:<staff>`): the stamping record, the take-out and
voiding (作废) an approved request live in bot/services/seal_keeping.py, which writes the
ledger.

An approver who is deactivated (PeopleService.on_deactivate -> `approver_left`) may leave a
step nobody else can decide: the admins are told (`seal:<id>:stuck:<step>:<staff>:<admin>`)
and hand it to someone else with `reassign`, which sends the new approver the card. The same
alert goes out when a later step starts with an approver who has left meanwhile.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, short_time
from bot.config import Config
from bot.i18n import lines, ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.approvals import APPROVED as APPROVAL_APPROVED
from bot.services.approvals import (
    PASSED_OVER,
    VACANT,
    ApprovalService,
    ApprovalState,
    Person,
    StepSpec,
    StepView,
)
from bot.services.calendar import HolidayCalendar
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.people import find_department_head, holders, resolve_person
from bot.services.when import user_time
from storage.db import Database
from storage.models import Department, Seal, SealKeeper, SealRequest, Staff

KIND = "seal"
DOC_TYPES = ("request", "report", "contract", "certificate", "letter", "other")
# What people type for each document type.
DOC_TYPE_WORDS = {"请示": "request", "报告": "report", "合同": "contract", "协议": "contract",
                  "证明": "certificate", "函": "letter", "公函": "letter", "其他": "other",
                  "其它": "other"} | {t: t for t in DOC_TYPES}
# Request states (the approval's own state is in the engine).
PENDING, APPROVED, OUT, STAMPED = "pending", "approved", "out", "stamped"
# voided (作废): approved, then closed without any use of the seal.
REJECTED, WITHDRAWN, VOIDED = "rejected", "withdrawn", "voided"
OPEN = (PENDING, APPROVED, OUT)
HEAD = "head"
HEAD_WORDS = ("部门负责人", "科室负责人", "部门领导", "负责人", "head")
NAME_LIMIT = 100
TITLE_LIMIT = 200
PURPOSE_LIMIT = 300
RECIPIENT_LIMIT = 200
PLACE_LIMIT = 200
STEP_SPLIT = re.compile(r"\s*(?:>|＞|→|->)\s*")
ANY_SPLIT = re.compile(r"\s*[/／]\s*|\s+或\s+")
ALL_SPLIT = re.compile(r"\s*[+＋&]\s*")
PEOPLE_SPLIT = re.compile(r"[\s,，、;；]+")
DIGITS = re.compile(r"^\s*(\d{1,6})\s*(?:份|copies|copy)?\s*$", re.IGNORECASE)


# Invisible characters a phone keyboard can send alone (an "empty" answer in disguise).
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def one_line(text: str) -> str:
    return " ".join((text or "").translate(INVISIBLE).split())


@dataclass(frozen=True)
class SealChoice:
    """A seal as the applicant picks it: no keepers or route, which the picker never shows."""

    id: int
    name: str


@dataclass(frozen=True)
class SealView:
    id: int
    name: str
    active: bool
    keepers: tuple[str, ...]
    keeper_ids: tuple[int, ...]
    route: dict[str, object]  # a ref, rendered in the reader's language
    out: bool
    out_with: str  # who has it out
    return_due: datetime | None

    @property
    def params(self) -> dict[str, Any]:
        return {"seal_id": self.id, "seal": self.name,
                "keepers": "、".join(self.keepers) or "—", "route": self.route}


@dataclass
class SealDraft:
    """The request as the applicant builds it step by step (JSON-safe for persistence)."""

    seal_id: int
    title: str = ""
    doc_type: str = ""
    copies: int = 0
    purpose: str = ""
    recipient: str = ""
    urgent: bool = False
    takeout: bool = False
    place: str = ""
    return_due: str = ""  # ISO, UTC
    file_id: str = ""
    file_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SealDraft:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def return_at(self) -> datetime | None:
        return datetime.fromisoformat(self.return_due) if self.return_due else None


@dataclass(frozen=True)
class RequestView:
    id: int
    seal_id: int
    seal: str
    status: str
    applicant_id: int
    applicant: str
    department: str
    title: str
    doc_type: str
    copies: int
    purpose: str
    recipient: str
    urgent: bool
    takeout: bool
    place: str
    return_due: datetime | None
    file_id: str | None
    file_name: str | None
    created_at: datetime
    approval: ApprovalState
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def waiting_on(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.approval.waiting_on)

    @property
    def head_skipped(self) -> bool:
        """The route's 部门负责人 step was passed over: the department has no known head."""
        return any(st.status == VACANT for st in self.approval.steps)


@dataclass(frozen=True)
class Outcome:
    """What one decision or withdrawal did, for the handler: the request now, the line that
    tells the state (a ref, or for a 会签 step its decisions as lines of refs), and the
    delivered cards that must be edited to show it."""

    request: RequestView
    line: dict[str, object]
    cards: tuple[outbox.SentCard, ...]
    final: bool


# What a decision did: "approved" / "rejected" (the request), "step" (on to the next step),
# "partial" (a 会签 step still waits for the others). Each names a seal_approval.done.* text.
DecisionResult = Literal["approved", "rejected", "step", "partial"]


@dataclass(frozen=True)
class DecisionOutcome(Outcome):
    """An Outcome of `decide`, with what the decision did for the decider's reply."""

    result: DecisionResult


@dataclass(frozen=True)
class Reassigned:
    """What `reassign` did: the old approver's delivered cards to edit, and who was
    replaced by whom."""

    outcome: Outcome
    old: str
    new: str


class SealService:
    def __init__(self, db: Database, config: Config, clock: Clock,
                 approvals: ApprovalService, calendar: HolidayCalendar) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.approvals = approvals
        self.calendar = calendar

    # --- the registry -----------------------------------------------------------------------

    async def seals(self, actor: Actor) -> list[SealView]:
        async with self.db.transaction() as s:
            return [await self.view_of_seal(s, seal)
                    for seal in await s.scalars(select(Seal).order_by(Seal.id))]

    async def choices(self, actor: Actor) -> list[SealChoice]:
        """The seals that take requests now, for the applicant's picker: one statement, where
        `seals()` reads each seal's keepers and route."""
        async with self.db.transaction() as s:
            rows = await s.execute(select(Seal.id, Seal.name).where(Seal.active.is_(True))
                                   .order_by(Seal.id))
            return [SealChoice(id=row.id, name=row.name) for row in rows]

    async def view_of_seal(self, s: AsyncSession, seal: Seal) -> SealView:
        keepers = list(await s.scalars(select(SealKeeper).where(
            SealKeeper.seal_id == seal.id).order_by(SealKeeper.id)))
        out_with, return_due = "", None
        if seal.out_request_id is not None:
            out = await s.get(SealRequest, seal.out_request_id)
            if out is not None:
                out_with, return_due = out.applicant.name, out.return_due
        return SealView(
            id=seal.id, name=seal.name, active=seal.active,
            keepers=tuple(k.staff.name for k in keepers if k.staff.active),
            keeper_ids=tuple(k.staff_id for k in keepers if k.staff.active),
            route=await self.route_ref(s, seal.route), out=seal.out_request_id is not None,
            out_with=out_with, return_due=return_due)

    async def route_ref(self, s: AsyncSession, route: list[dict[str, Any]]) -> dict[str, object]:
        parts: list[object] = []
        for step in route:
            names: list[object] = []
            for who in step["who"]:
                if who == HEAD:
                    names.append(ref("seal.route_head"))
                else:
                    person = await s.get(Staff, who)
                    names.append(person.name if person is not None else "?")
            parts.append(ref(f"seal.route_step.{step['mode']}",
                             names=lines(names, ref("list.sep"))))
        return lines(parts, " → ") if parts else ref("seal.route_none")

    async def parse_route(self, s: AsyncSession, text: str) -> list[dict[str, Any]]:
        """'部门负责人 > 王建国/李明华' (one after the other; / any one of, + all of)."""
        route: list[dict[str, Any]] = []
        for number, chunk in enumerate(STEP_SPLIT.split(text.strip()), start=1):
            chunk = chunk.strip()
            if not chunk:
                raise InvalidInput("seal.route_usage")
            if ALL_SPLIT.search(chunk):
                mode, words = "all", ALL_SPLIT.split(chunk)
            elif ANY_SPLIT.search(chunk):
                mode, words = "any", ANY_SPLIT.split(chunk)
            else:
                mode, words = "one", [chunk]
            who: list[int | str] = []
            for word in (w.strip() for w in words):
                if not word:
                    raise InvalidInput("seal.route_usage")
                if word.lower() in HEAD_WORDS:
                    entry: int | str = HEAD
                else:
                    person = await resolve_person(s, word)
                    if not person.active:
                        raise InvalidInput("seal.person_inactive", name=person.name)
                    entry = person.id
                if entry in who:
                    raise InvalidInput("seal.route_repeated", step=number)
                who.append(entry)
            route.append({"mode": mode, "who": who})
        if len(route) > 5:
            raise InvalidInput("seal.route_too_long", limit=5)
        return route

    async def _keepers(self, s: AsyncSession, text: str) -> list[Staff]:
        people: list[Staff] = []
        for word in PEOPLE_SPLIT.split(text.strip()):
            if not word:
                continue
            person = await resolve_person(s, word)
            if not person.active:
                raise InvalidInput("seal.person_inactive", name=person.name)
            if person not in people:
                people.append(person)
        if not people:
            raise InvalidInput("seal.keepers_empty")
        return people

    async def _seal_named(self, s: AsyncSession, name: str) -> Seal:
        name = one_line(name)
        seal = await s.scalar(select(Seal).where(Seal.name == name))
        if seal is None:
            raise NotFound("seal.unknown_name", name=name)
        return seal

    async def add_seal(self, actor: Actor, name: str, keepers: str, route: str) -> SealView:
        actor.require(Role.ADMIN)
        name = one_line(name)
        if not name:
            raise InvalidInput("seal.name_empty")
        if len(name) > NAME_LIMIT:
            raise InvalidInput("seal.name_too_long", limit=NAME_LIMIT)
        now = self.clock.now()
        async with self.db.transaction() as s:
            if await s.scalar(select(Seal.id).where(Seal.name == name)) is not None:
                raise Conflict("seal.name_taken", name=name)
            people = await self._keepers(s, keepers)
            steps = await self.parse_route(s, route)
            seal = Seal(name=name, route=steps, active=True, created_at=now, updated_at=now)
            s.add(seal)
            await s.flush()
            for person in people:
                s.add(SealKeeper(seal_id=seal.id, staff_id=person.id))
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="seal.add", entity="seal",
                         entity_id=seal.id, after={"name": name, "route": steps,
                                                   "keepers": [p.id for p in people]})
            return await self.view_of_seal(s, seal)

    async def set_keepers(self, actor: Actor, name: str, keepers: str) -> SealView:
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            seal = await self._seal_named(s, name)
            people = await self._keepers(s, keepers)
            old = list(await s.scalars(select(SealKeeper).where(SealKeeper.seal_id == seal.id)))
            before = [k.staff_id for k in old]
            for keeper in old:
                await s.delete(keeper)
            await s.flush()
            for person in people:
                s.add(SealKeeper(seal_id=seal.id, staff_id=person.id))
            seal.updated_at = now
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="seal.keepers", entity="seal",
                         entity_id=seal.id, before={"keepers": before},
                         after={"keepers": [p.id for p in people]})
            return await self.view_of_seal(s, seal)

    async def set_route(self, actor: Actor, name: str, route: str) -> SealView:
        """A new route applies to requests submitted from now on."""
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            seal = await self._seal_named(s, name)
            steps = await self.parse_route(s, route)
            before = seal.route
            seal.route, seal.updated_at = steps, now
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="seal.route", entity="seal",
                         entity_id=seal.id, before={"route": before}, after={"route": steps})
            return await self.view_of_seal(s, seal)

    async def set_active(self, actor: Actor, name: str, active: bool) -> SealView:
        """A seal switched off takes no new requests; those already under way go on."""
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            seal = await self._seal_named(s, name)
            if seal.active == active:
                raise Conflict("seal.already_on" if active else "seal.already_off",
                               name=seal.name)
            seal.active, seal.updated_at = active, now
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="seal.active", entity="seal",
                         entity_id=seal.id, before={"active": not active},
                         after={"active": active})
            return await self.view_of_seal(s, seal)

    # --- building a request -----------------------------------------------------------------

    async def check_seal(self, actor: Actor, seal_id: int) -> SealChoice:
        """The seal the applicant picked, if it takes requests now."""
        async with self.db.transaction() as s:
            row = (await s.execute(select(Seal.name, Seal.active)
                                   .where(Seal.id == seal_id))).one_or_none()
            if row is None:
                raise NotFound("seal.unknown")
            if not row.active:
                raise InvalidInput("seal.inactive", seal=row.name)
            return SealChoice(id=seal_id, name=row.name)

    @staticmethod
    def clean_title(text: str) -> str:
        title = one_line(text)
        if not title:
            raise InvalidInput("seal.title_empty")
        if len(title) > TITLE_LIMIT:
            raise InvalidInput("seal.title_too_long", limit=TITLE_LIMIT)
        return title

    @staticmethod
    def parse_doc_type(text: str) -> str:
        kind = DOC_TYPE_WORDS.get(one_line(text).lower())
        if kind is None:
            raise InvalidInput("seal.doc_type_unknown")
        return kind

    def parse_copies(self, text: str) -> int:
        match = DIGITS.match(str(text))
        limit = self.config.seals.max_copies
        if match is None or int(match.group(1)) < 1:
            raise InvalidInput("seal.copies_invalid", limit=limit)
        copies = int(match.group(1))
        if copies > limit:
            raise InvalidInput("seal.copies_too_many", limit=limit)
        return copies

    @staticmethod
    def clean_purpose(text: str) -> str:
        purpose = one_line(text)
        if not purpose:
            raise InvalidInput("seal.purpose_empty")
        if len(purpose) > PURPOSE_LIMIT:
            raise InvalidInput("seal.purpose_too_long", limit=PURPOSE_LIMIT)
        return purpose

    @staticmethod
    def clean_recipient(text: str) -> str:
        recipient = one_line(text)
        if not recipient:
            raise InvalidInput("seal.recipient_empty")
        if len(recipient) > RECIPIENT_LIMIT:
            raise InvalidInput("seal.recipient_too_long", limit=RECIPIENT_LIMIT)
        return recipient

    @staticmethod
    def clean_place(text: str) -> str:
        place = one_line(text)
        if not place:
            raise InvalidInput("seal.place_empty")
        if len(place) > PLACE_LIMIT:
            raise InvalidInput("seal.place_too_long", limit=PLACE_LIMIT)
        return place

    def parse_return(self, text: str) -> datetime:
        """When the borrowed seal comes back: a time after now (echoed before saving)."""
        now = self.clock.now()
        parsed = user_time(text, now=now, tz=self.config.tz,
                           default_time=self.config.tasks.workday_end)
        if parsed.when <= now:
            raise InvalidInput("seal.return_past")
        if parsed.when > now + timedelta(days=30):
            raise InvalidInput("seal.return_too_far", days=30)
        return parsed.when

    def check_file(self, size: int | None) -> None:
        """Telegram gives bots files up to 20 MB; a bigger document could never be opened
        by the approvers or the keeper."""
        limit = self.config.seals.max_file_mb
        if size is not None and size > limit * 1024 * 1024:
            raise InvalidInput("seal.file_too_big", limit=limit)
        if size == 0:
            raise InvalidInput("seal.file_empty")

    def draft_params(self, draft: SealDraft, seal_name: str) -> dict[str, Any]:
        return self._params(seal=seal_name, title=draft.title, doc_type=draft.doc_type,
                            copies=draft.copies, purpose=draft.purpose,
                            recipient=draft.recipient, urgent=draft.urgent,
                            takeout=draft.takeout, place=draft.place,
                            return_due=draft.return_at, file_name=draft.file_name or None)

    def _params(self, *, seal: str, title: str, doc_type: str, copies: int, purpose: str,
                recipient: str, urgent: bool, takeout: bool, place: str,
                return_due: datetime | None, file_name: str | None) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "seal": seal, "title": title,
            "doc_type": ref(f"seal.doc.{doc_type}") if doc_type else "—",
            "copies": copies, "purpose": purpose or "—", "recipient": recipient or "—",
            "urgency": ref("seal.urgency.urgent" if urgent else "seal.urgency.normal"),
            "use": ref("seal.use.takeout", place=place, back=short_time(return_due, self.config.tz))
            if takeout and return_due else ref("seal.use.office"),
            "file": file_name or ref("seal.no_file"),
        }
        return fields | {"details": ref("seal.details", **fields)}

    # --- submitting -------------------------------------------------------------------------

    async def resolve_route(self, s: AsyncSession, seal: Seal,
                            applicant: Staff) -> list[StepSpec]:
        specs: list[StepSpec] = []
        for step in seal.route:
            ids: list[int] = []
            for who in step["who"]:
                if who == HEAD:
                    dept = await s.get(Department, applicant.department_id) \
                        if applicant.department_id is not None else None
                    head = await find_department_head(s, dept) if dept is not None else None
                    if head is not None and head.id not in ids:
                        ids.append(head.id)
                elif who not in ids:
                    ids.append(int(who))
            if ids:
                mode = step["mode"] if len(ids) > 1 else "one"
                specs.append(StepSpec(mode, tuple(ids)))  # type: ignore[arg-type]
            else:
                # Nobody: no head known. Kept as a vacant step (passed over), so the cards
                # can say the step was skipped and why; the engine also takes the applicant
                # out of every step.
                specs.append(StepSpec.vacant())
        if all(spec == StepSpec.vacant() for spec in specs):
            raise InvalidInput("approvals.route_empty")
        return specs

    async def submit(self, actor: Actor, draft: SealDraft) -> RequestView:
        """Check everything again (the draft may be old), then create the request and its
        approval, and send the first step's cards."""
        title = self.clean_title(draft.title)
        kind = self.parse_doc_type(draft.doc_type)
        copies = self.parse_copies(str(draft.copies))
        purpose = self.clean_purpose(draft.purpose)
        recipient = self.clean_recipient(draft.recipient)
        place, back = "", None
        if draft.takeout:
            place = self.clean_place(draft.place)
            back = draft.return_at
            if back is None or back <= self.clock.now():
                raise InvalidInput("seal.return_past")
        now = self.clock.now()
        async with self.db.transaction() as s:
            seal = await s.get(Seal, draft.seal_id)
            if seal is None:
                raise NotFound("seal.unknown")
            if not seal.active:
                raise InvalidInput("seal.inactive", seal=seal.name)
            applicant = await s.get(Staff, actor.id)
            assert applicant is not None
            route = await self.resolve_route(s, seal, applicant)
            request = SealRequest(
                seal_id=seal.id, applicant_id=actor.id, department_id=applicant.department_id,
                title=title, doc_type=kind, copies=copies, purpose=purpose,
                recipient=recipient, urgent=draft.urgent, takeout=draft.takeout,
                takeout_place=place, return_due=back, file_id=draft.file_id or None,
                file_name=(draft.file_name or None) if draft.file_id else None,
                status=PENDING, created_at=now)
            s.add(request)
            await s.flush()
            state = await self.approvals.open(s, kind=KIND, subject_id=request.id,
                                              applicant_id=actor.id, route=route, now=now)
            audit.record(s, at=now, actor_id=actor.id, action="seal.request",
                         entity="seal_request", entity_id=request.id,
                         after={"seal": seal.name, "title": title, "copies": copies,
                                "takeout": draft.takeout})
            view = await self._view(s, request, state)
            await self._start_step(s, view, now)
            return view

    # --- deciding ---------------------------------------------------------------------------

    async def check_decider(self, actor: Actor, request_id: int) -> RequestView:
        """Before a rejecting approver is asked for the reason: refuse a stale or foreign
        card at once."""
        async with self.db.transaction() as s:
            request = await self._request(s, request_id)
            state = await self.approvals.check_decider(
                s, request_id=await self._approval_id(s, request), actor=actor)
            return await self._view(s, request, state)

    async def decide(self, actor: Actor, request_id: int, approve: bool,
                     comment: str = "") -> DecisionOutcome:
        """One approver's decision. The outcome's cards are every delivered card and
        reminder of the step that is now decided (or, in a 会签 step still waiting for
        others, the decider's own), for the handler to edit."""
        if not approve and not any(ch.isalnum() for ch in comment):
            # "。" or "-" is no reason: the engine asks for one (after checking the presser).
            comment = ""
        now = self.clock.now()
        async with self.db.transaction() as s:
            request = await self._request(s, request_id)
            decided = await self.approvals.decide(
                s, request_id=await self._approval_id(s, request), actor=actor,
                approve=approve, comment=comment, now=now)
            d = decided.decision
            if decided.step_completed:
                await outbox.cancel_prefix(s, f"seal:{request.id}:card:{decided.step}:")
                await outbox.cancel_prefix(s, f"seal:{request.id}:remind:{decided.step}:")
                cards = await self._step_cards(s, request.id, decided.step)
            else:  # 会签: this approver is done, the others still decide
                await outbox.cancel(s, f"seal:{request.id}:remind:{decided.step}:{actor.id}")
                cards = [c for c in await self._step_cards(s, request.id, decided.step)
                         if c.chat_id == actor.telegram_user_id]
            if decided.final:
                before = request.status
                request.status = APPROVED if decided.status == APPROVAL_APPROVED else REJECTED
                if request.status == APPROVED:
                    request.approved_at = now
                else:
                    request.closed_at = now
                await s.flush()
                audit.record(s, at=now, actor_id=actor.id, action=f"seal.{request.status}",
                             entity="seal_request", entity_id=request.id,
                             before={"status": before},
                             after={"status": request.status, "comment": d.comment})
            view = await self._view(s, request, decided.state)
            line = self._decision_line(d.name, d.at, d.approve, d.comment)
            if decided.step_completed:
                line = self._step_line(decided.state.steps[decided.step])
            if decided.step_completed and not decided.final:
                await self.tell(s, view, "seal.note_step", [view.applicant_id], now,
                                 name=d.name, next=lines(list(view.waiting_on), ref("list.sep")))
                await self._start_step(s, view, now)
            elif decided.final and approve:
                if view.takeout:
                    await self.tell(s, view, "seal.note_approved_takeout", [view.applicant_id],
                                    now, name=d.name,
                                    back=short_time(view.return_due, self.config.tz))
                else:
                    await self.tell(s, view, "seal.note_approved", [view.applicant_id], now,
                                    name=d.name)
                await self._send_keeper_cards(s, view, now)
            elif decided.final:
                await self.tell(s, view, "seal.note_rejected", [view.applicant_id], now,
                                 name=d.name, reason=d.comment)
            result: DecisionResult = (
                ("approved" if request.status == APPROVED else "rejected") if decided.final
                else "step" if decided.step_completed else "partial")
            return DecisionOutcome(view, line, tuple(cards), decided.final, result)

    async def withdraw(self, actor: Actor, request_id: int) -> Outcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            request = await self._request(s, request_id)
            approval_id = await self._approval_id(s, request)
            before = await self.approvals.state(s, approval_id)
            state = await self.approvals.withdraw(s, request_id=approval_id, actor=actor,
                                                  now=now)
            step = before.current_step
            await outbox.cancel_prefix(s, f"seal:{request.id}:card:")
            await outbox.cancel_prefix(s, f"seal:{request.id}:remind:")
            cards = await self._step_cards(s, request.id, step) if step is not None else []
            request.status, request.closed_at = WITHDRAWN, now
            await s.flush()
            audit.record(s, at=now, actor_id=actor.id, action="seal.withdraw",
                         entity="seal_request", entity_id=request.id,
                         before={"status": PENDING}, after={"status": WITHDRAWN})
            view = await self._view(s, request, state)
            line = ref("seal.line.withdrawn", name=actor.name,
                       at=short_time(now, self.config.tz))
            return Outcome(view, line, tuple(cards), True)

    async def card_state(self, actor: Actor, request_id: int) -> Outcome | None:
        """For a press on a stale card (a repeated press, a card still in flight at the
        decision, a withdrawn request): the line that tells how the presser's step ended,
        and that step's delivered cards, to redraw them as decided. None while the step is
        still the presser's to decide, or when it never started."""
        async with self.db.transaction() as s:
            request = await self._request(s, request_id)
            view = await self._view(s, request)
            await self.require_reader(s, actor, view)
            state = view.approval
            mine = [st for st in state.steps if any(p.id == actor.id for p in st.approvers)]
            for step in reversed(mine):
                if not step.decisions:
                    continue
                own = [d for d in step.decisions if d.approver_id == actor.id]
                if step.decided_at is None:  # 会签 still open: only the presser's cards
                    if not own:
                        return None
                    d = own[-1]
                    cards = [c for c in await self._step_cards(s, request.id, step.position)
                             if c.chat_id == actor.telegram_user_id]
                else:
                    # The decision that closed the step: for 或签 the approval, for a
                    # rejection the rejection, for 会签 the last one.
                    cards = await self._step_cards(s, request.id, step.position)
                    return Outcome(view, self._step_line(step), tuple(cards), state.final)
                line = self._decision_line(d.name, d.at, d.approve, d.comment)
                return Outcome(view, line, tuple(cards), state.final)
            if request.status == WITHDRAWN and request.closed_at is not None:
                started = [st for st in mine if st.started_at is not None]
                if not started:
                    return None
                line = ref("seal.line.withdrawn", name=view.applicant,
                           at=short_time(request.closed_at, self.config.tz))
                cards = await self._step_cards(s, request.id, started[-1].position)
                return Outcome(view, line, tuple(cards), True)
            return None

    def _step_line(self, step: StepView) -> dict[str, object]:
        """How a decided step ended: the decision that closed it (或签: the approval; a
        rejection: the rejection); for 会签, every approver's decision, one per line."""
        decisions = step.decisions if step.mode == "all" and step.status == "approved" \
            else step.decisions[-1:]
        made = [self._decision_line(d.name, d.at, d.approve, d.comment) for d in decisions]
        return made[0] if len(made) == 1 else lines(list(made))

    def _decision_line(self, name: str, at: datetime, approve: bool,
                       comment: str) -> dict[str, object]:
        local = short_time(at, self.config.tz)
        if approve:
            return ref("seal.line.approved", name=name, at=local)
        return ref("seal.line.rejected", name=name, at=local, reason=comment)

    async def _step_cards(self, s: AsyncSession, request_id: int,
                          step: int) -> list[outbox.SentCard]:
        """The delivered cards of one step with buttons on them: the approvers' cards and
        the reminders (which carry the same buttons)."""
        cards = await outbox.sent_cards(s, f"seal:{request_id}:card:{step}:",
                                        self.config.language)
        return cards + await outbox.sent_cards(s, f"seal:{request_id}:remind:{step}:",
                                               self.config.language)

    async def digest_lines(self, s: AsyncSession, staff_id: int) -> list[object]:
        """Seal requests waiting on this person's decision, oldest first, one line each
        (for the leaders' daily digest, inside its transaction)."""
        found: list[object] = []
        for pending in await self.approvals.pending_for(s, staff_id, kind=KIND):
            request = await s.get(SealRequest, pending.subject_id)
            if request is None:
                continue
            found.append(ref("seal_approval.digest_line", id=request.id, title=request.title,
                             applicant=pending.applicant, seal=request.seal.name,
                             since=short_time(pending.since, self.config.tz)))
        return found

    # --- approvers who have left -------------------------------------------------------------

    @staticmethod
    async def _active(s: AsyncSession, staff_ids: list[int]) -> set[int]:
        return set(await s.scalars(select(Staff.id).where(
            Staff.id.in_(staff_ids), Staff.active.is_(True))))

    async def _alert_if_stuck(self, s: AsyncSession, view: RequestView, step: StepView,
                              now: datetime) -> None:
        """A step nobody can complete any more — its only undecided approvers have left, or
        one of a 会签 has — is told to the admins, once per approver who left, with the
        command that hands it to someone else."""
        undecided = step.undecided
        active = await self._active(s, [p.id for p in undecided])
        gone = [p for p in undecided if p.id not in active]
        if not gone or (step.mode != "all" and active):
            return
        number, _ = self.step_number(view, step)
        for person in gone:
            await outbox.cancel(s, f"seal:{view.id}:card:{step.position}:{person.id}")
            await outbox.cancel(s, f"seal:{view.id}:remind:{step.position}:{person.id}")
            for admin_id in await holders(s, Role.ADMIN):
                await outbox.schedule(
                    s, key=f"seal:{view.id}:stuck:{step.position}:{person.id}:{admin_id}",
                    recipient_id=admin_id, template="seal.stuck", due_at=now, now=now,
                    params=view.params | {"step": number, "name": person.name},
                    urgent=view.urgent)

    async def approver_left(self, s: AsyncSession, staff: Staff, actor: Actor,
                            now: datetime) -> None:
        """PeopleService.on_deactivate, inside the deactivation: every seal request whose
        current step waits on this person, and that nobody else can decide, is told to the
        admins; their card and reminder of it are cancelled."""
        for pending in await self.approvals.pending_for(s, staff.id, kind=KIND):
            request = await s.get(SealRequest, pending.subject_id)
            if request is None:
                continue
            view = await self._view(s, request)
            step = view.approval.current
            if step is None:
                continue
            await outbox.cancel(s, f"seal:{request.id}:card:{step.position}:{staff.id}")
            await outbox.cancel(s, f"seal:{request.id}:remind:{step.position}:{staff.id}")
            await self._alert_if_stuck(s, view, step, now)

    async def reassign(self, actor: Actor, request_id: int, new_name: str,
                       old_name: str | None = None) -> Reassigned:
        """An admin hands the current step from one approver to another: by default the
        one who has left (or the step's only undecided approver). The new approver gets the
        card; the old one's undelivered card and reminder are cancelled, and the delivered
        ones handed back to edit."""
        if not actor.is_admin:
            raise PermissionDenied("approvals.replace_forbidden")
        now = self.clock.now()
        async with self.db.transaction() as s:
            request = await self._request(s, request_id)
            approval_id = await self._approval_id(s, request)
            before = await self.approvals.state(s, approval_id)
            step = before.current
            if step is None:
                raise Conflict("approvals.closed",
                               state=ref(f"approvals.status.{before.status}"))
            old = await self._replaced(s, request, step, old_name)
            new = await resolve_person(s, new_name)
            state = await self.approvals.replace_approver(s, approval_id, old.id, new.id,
                                                          actor, now)
            await outbox.cancel(s, f"seal:{request.id}:card:{step.position}:{old.id}")
            await outbox.cancel(s, f"seal:{request.id}:remind:{step.position}:{old.id}")
            old_chat = await s.scalar(select(Staff.telegram_user_id).where(Staff.id == old.id))
            cards = [c for c in await self._step_cards(s, request.id, step.position)
                     if old_chat is not None and c.chat_id == old_chat]
            audit.record(s, at=now, actor_id=actor.id, action="seal.reassign",
                         entity="seal_request", entity_id=request.id,
                         before={"step": step.position, "approver": old.id},
                         after={"step": step.position, "approver": new.id})
            view = await self._view(s, request, state)
            current = state.current
            assert current is not None
            await self._send_card(s, view, current, new.id, now)
            await self.tell(s, view, "seal.note_reassigned", [view.applicant_id], now,
                            old=old.name, new=new.name)
            line = ref("seal.line.reassigned", name=actor.name, at=short_time(now, self.config.tz),
                       new=new.name)
            return Reassigned(Outcome(view, line, tuple(cards), False), old.name, new.name)

    async def _replaced(self, s: AsyncSession, request: SealRequest, step: StepView,
                        old_name: str | None) -> Person:
        """Whom `reassign` replaces: the one named, else the one who has left, else the
        step's only undecided approver; otherwise the admin is asked to name them."""
        undecided = step.undecided
        if old_name is not None:
            found = [p for p in undecided if p.name == one_line(old_name)]
            if not found:
                raise InvalidInput("approvals.replace_not_current", name=one_line(old_name))
            return found[0]
        active = await self._active(s, [p.id for p in undecided])
        gone = [p for p in undecided if p.id not in active]
        if len(gone) == 1:
            return gone[0]
        if len(undecided) == 1:
            return undecided[0]
        raise InvalidInput("seal.reassign_which", id=request.id,
                           names=lines(list(p.name for p in undecided), ref("list.sep")))

    # --- reading ----------------------------------------------------------------------------

    async def pending(self, actor: Actor) -> list[RequestView]:
        """The seal requests waiting on this person's decision now, oldest first."""
        async with self.db.transaction() as s:
            views: list[RequestView] = []
            for pending in await self.approvals.pending_for(s, actor.id, kind=KIND):
                request = await s.get(SealRequest, pending.subject_id)
                if request is not None:
                    views.append(await self._view(s, request))
            return views

    async def get(self, actor: Actor, request_id: int) -> RequestView:
        async with self.db.transaction() as s:
            request = await self._request(s, request_id)
            view = await self._view(s, request)
            await self.require_reader(s, actor, view)
            return view

    async def require_reader(self, s: AsyncSession, actor: Actor, view: RequestView) -> None:
        """The applicant, anyone on the route, the seal's keepers, and the office's clerks
        and leaders may see a request; nobody else learns anything about it."""
        if actor.id == view.applicant_id or actor.has(Role.CLERK, Role.LEADER, Role.ADMIN):
            return
        if any(actor.id == p.id for st in view.approval.steps for p in st.approvers):
            return
        keeper = await s.scalar(select(SealKeeper.id).where(
            SealKeeper.seal_id == view.seal_id, SealKeeper.staff_id == actor.id))
        if keeper is None:
            raise PermissionDenied("seal.not_yours")

    async def file_of(self, actor: Actor, request_id: int) -> tuple[str, str]:
        view = await self.get(actor, request_id)
        if not view.file_id:
            raise NotFound("seal.no_file_attached")
        return view.file_id, view.file_name or "document"

    async def mine(self, actor: Actor) -> list[RequestView]:
        """The applicant's requests still under way (pending, approved, out)."""
        async with self.db.transaction() as s:
            rows = await s.scalars(select(SealRequest).where(
                SealRequest.applicant_id == actor.id, SealRequest.status.in_(OPEN))
                .order_by(SealRequest.id))
            return [await self._view(s, r) for r in rows]

    async def keeper_ids(self, s: AsyncSession, seal_id: int) -> list[int]:
        return list(await s.scalars(
            select(SealKeeper.staff_id).join(Staff, Staff.id == SealKeeper.staff_id)
            .where(SealKeeper.seal_id == seal_id, Staff.active.is_(True))
            .order_by(SealKeeper.id)))

    # --- cards and messages -----------------------------------------------------------------

    def decision_buttons(self, view: RequestView) -> list[list[dict[str, Any]]]:
        rows = [[{"key": "btn.seal_approve", "data": f"seal:approve:{view.id}"},
                 {"key": "btn.seal_reject", "data": f"seal:reject:{view.id}"}]]
        if view.file_id:
            rows.append([{"key": "btn.seal_file", "data": f"seal:file:{view.id}"}])
        return rows

    def keeper_buttons(self, view: RequestView) -> list[list[dict[str, Any]]]:
        action = "handover" if view.takeout else "stamp"
        rows = [[{"key": f"btn.seal_{action}", "data": f"seal:{action}:{view.id}"}]]
        if view.file_id:
            rows.append([{"key": "btn.seal_file", "data": f"seal:file:{view.id}"}])
        rows.append([{"key": "btn.seal_void", "data": f"seal:void:{view.id}"}])
        return rows

    @staticmethod
    def step_number(view: RequestView, step: StepView) -> tuple[int, int]:
        """The step's number and the number of steps, as people count them: the steps
        passed over (the applicant's own, a vacant head) are not counted."""
        counted = [st for st in view.approval.steps if st.status not in PASSED_OVER]
        return 1 + len([st for st in counted if st.position < step.position]), len(counted)

    def card_params(self, view: RequestView, step: StepView) -> dict[str, Any]:
        """What an approver's card of this step shows (seal.card)."""
        number, total = self.step_number(view, step)
        return view.params | {"step": number, "steps": total,
                              "mode": ref(f"seal.step_mode.{step.mode}"),
                              "history": self.history_ref(view),
                              "note": ref("seal.card_head_skipped") if view.head_skipped
                              else ""}

    async def _start_step(self, s: AsyncSession, view: RequestView, now: datetime) -> None:
        """Cards to the approvers of the step that has just started, and their reminder."""
        step = view.approval.current
        if step is None:
            return
        active = await self._active(s, [p.id for p in step.undecided])
        for person in step.undecided:
            if person.id in active:
                await self._send_card(s, view, step, person.id, now)
        await self._alert_if_stuck(s, view, step, now)

    async def _send_card(self, s: AsyncSession, view: RequestView, step: StepView,
                         staff_id: int, now: datetime) -> None:
        params = self.card_params(view, step)
        cfg = self.config
        remind_at = self.calendar.add_working_time(
            now, timedelta(hours=cfg.seals.pending_remind_hours), cfg.tasks.workday_start,
            cfg.tasks.workday_end, cfg.tz)
        await outbox.schedule(
            s, key=f"seal:{view.id}:card:{step.position}:{staff_id}",
            recipient_id=staff_id, template="seal.card", due_at=now, now=now,
            params=params, buttons=self.decision_buttons(view), urgent=view.urgent)
        await outbox.schedule(
            s, key=f"seal:{view.id}:remind:{step.position}:{staff_id}",
            recipient_id=staff_id, template="seal.remind_pending", due_at=remind_at,
            now=now, params=params, buttons=self.decision_buttons(view), urgent=view.urgent)

    async def _send_keeper_cards(self, s: AsyncSession, view: RequestView,
                                 now: datetime) -> None:
        params = view.params | {"history": self.history_ref(view)}
        template = "seal.keeper_card_takeout" if view.takeout else "seal.keeper_card"
        for keeper_id in await self.keeper_ids(s, view.seal_id):
            await outbox.schedule(
                s, key=f"seal:{view.id}:keeper:{keeper_id}", recipient_id=keeper_id,
                template=template, due_at=now, now=now, params=params,
                buttons=self.keeper_buttons(view), urgent=view.urgent)

    async def tell(self, s: AsyncSession, view: RequestView, template: str,
                    recipients: list[int], now: datetime, **extra: Any) -> None:
        """A notice about one request; each its own message (numbered in the key)."""
        prefix = f"sealnote:{view.id}:"
        number = len(await outbox.rows_with_prefix(s, prefix))
        for staff_id in recipients:
            await outbox.schedule(
                s, key=f"{prefix}{number}:{staff_id}", recipient_id=staff_id,
                template=template, due_at=now, now=now, params=view.params | extra,
                urgent=view.urgent)

    def history_ref(self, view: RequestView) -> dict[str, object]:
        """The decisions so far, one line each ("陈志强 11-27 10:05 批准")."""
        items: list[object] = []
        for d in view.approval.decisions:
            at = short_time(d.at, self.config.tz)
            items.append(ref("seal.history_line", name=d.name, at=at,
                             verdict=ref("approvals.verdict.approve" if d.approve
                                         else "approvals.verdict.reject"),
                             comment=d.comment or ""))
        return lines(items) if items else ref("seal.history_none")

    # --- loading ----------------------------------------------------------------------------

    async def _request(self, s: AsyncSession, request_id: int) -> SealRequest:
        request = await s.get(SealRequest, request_id, populate_existing=True)
        if request is None:
            raise NotFound("seal.unknown_request")
        return request

    async def _approval_id(self, s: AsyncSession, request: SealRequest) -> int:
        found = await self.approvals.for_subject(s, KIND, request.id)
        if found is None:
            raise NotFound("seal.unknown_request")
        return found.id

    async def view(self, s: AsyncSession, request: SealRequest) -> RequestView:
        return await self._view(s, request)

    async def _view(self, s: AsyncSession, request: SealRequest,
                    state: ApprovalState | None = None) -> RequestView:
        if state is None:
            found = await self.approvals.for_subject(s, KIND, request.id)
            assert found is not None
            state = found
        params = self._params(
            seal=request.seal.name, title=request.title, doc_type=request.doc_type,
            copies=request.copies, purpose=request.purpose, recipient=request.recipient,
            urgent=request.urgent, takeout=request.takeout, place=request.takeout_place,
            return_due=request.return_due, file_name=request.file_name)
        params |= {"id": request.id, "applicant": request.applicant.name,
                   "department": request.department.name if request.department else "—",
                   "status": ref(f"seal.status.{request.status}")}
        return RequestView(
            id=request.id, seal_id=request.seal_id, seal=request.seal.name,
            status=request.status, applicant_id=request.applicant_id,
            applicant=request.applicant.name,
            department=request.department.name if request.department else "",
            title=request.title, doc_type=request.doc_type, copies=request.copies,
            purpose=request.purpose, recipient=request.recipient, urgent=request.urgent,
            takeout=request.takeout, place=request.takeout_place,
            return_due=request.return_due, file_id=request.file_id,
            file_name=request.file_name, created_at=request.created_at, approval=state,
            params=params)

