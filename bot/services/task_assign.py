"""Handing tasks down: objections, reassignment, changes, cancellation; decisions as tasks.

Creating and accepting are TaskService's (tasks.py); this service adds what happens around
them. Every decision on a task is the assigner's (or the clerk who entered it, or an admin's)
and is checked here against the presser and the task's state now, so a forged or stale
button press changes nothing.

Outbox keys of this module, besides TaskService's:
  task:<id>:objection:<round>:<staff>   the assigner's card with 改派 / 修改 / 坚持
A cancelled task has every pending row under task:<id>: cancelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, short_time
from bot.config import Config
from bot.i18n import ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.meeting_minutes import OPEN as DECISION_OPEN
from bot.services.people import is_leader, resolve_leader
from bot.services.tasks import (
    ACCEPTED,
    ASSIGNED,
    CANCELLED,
    END_OF_DAY,
    OBJECTED,
    OPEN,
    URGENT,
    URGENT_WORDS,
    TaskDraft,
    TaskService,
    TaskView,
)
from storage.db import Database
from storage.models import (
    Meeting,
    MeetingDecision,
    Staff,
    Task,
    TaskCoOwner,
    TaskEvent,
)

MAX_REASON = 300
# The TaskEvent kinds this module writes (with the core's assign and accept).
HISTORY_KINDS = ("assign", "accept", "objection", "insist", "reassign", "change", "cancel")
MAX_DETAILS = 1000
# Reassigning or changing a task that is waiting for the assigner's confirmation of
# completion would pull it from under that decision: confirm or return it first.
CHANGEABLE = (ASSIGNED, ACCEPTED, OBJECTED)

# One-line /task: the first three fields are title | owner | deadline; after them each field
# says what it is by its first word (or is the priority word itself, or else the details).
_KEYWORDS: dict[str, str] = {
    "详情": "details", "要求": "details", "说明": "details", "details": "details",
    "协办": "co_owners", "协办人": "co_owners", "co": "co_owners", "with": "co_owners",
    "交办": "assigner", "交办领导": "assigner", "from": "assigner", "by": "assigner",
    "来源": "source", "source": "source",
}
_PRIORITY_WORDS = (*URGENT_WORDS, "普通", "normal")
_SPLIT = re.compile(r"\s*[|｜]\s*")
_KEYWORD = re.compile(r"^(\S+?)(?:[\s:：]+|$)(.*)$", re.DOTALL)


@dataclass(frozen=True)
class TaskLine:
    """What /task title | owner | deadline | ... says, as typed (prepare() checks it)."""

    title: str
    owner: str
    deadline: str
    details: str = ""
    source: str = ""
    priority: str = ""
    co_owners: str = ""
    assigner: str = ""


def parse_task_line(text: str) -> TaskLine:
    parts = [p.strip() for p in _SPLIT.split(text.strip())]
    if len(parts) < 3 or not all(parts[:3]):
        raise InvalidInput("task_assign.usage")
    fields: dict[str, str] = {}
    for part in parts[3:]:
        if not part:
            continue
        if part.lower() in _PRIORITY_WORDS:
            fields["priority"] = part
            continue
        match = _KEYWORD.match(part)
        name = _KEYWORDS.get(match.group(1).lower()) if match else None
        if match is None or name is None:
            name, value = "details", part
        else:
            value = match.group(2).strip()
        if not value:
            raise InvalidInput("task_assign.field_empty", field=part)
        if name in fields:
            raise InvalidInput("task_assign.field_twice", field=match.group(1) if match else part)
        fields[name] = value
    return TaskLine(title=parts[0], owner=parts[1], deadline=parts[2], **fields)


def deadline_ref(when: datetime, tz: Any, *, full: bool = True) -> dict[str, object]:
    """A deadline as a card shows it: with the year and weekday where it is confirmed."""
    local = when.astimezone(tz)
    day = local.date()
    weekday = ref(f"weekday.{day.weekday()}")
    date_ref = ref("date.full", year=day.year, month=day.month, day=day.day, weekday=weekday) \
        if full else ref("date.day", month=day.month, day=day.day, weekday=weekday)
    return ref("task.deadline_fmt", date=date_ref, time=f"{local:%H:%M}")


CardRef = outbox.SentCard


@dataclass(frozen=True)
class Outcome:
    task: TaskView
    action: str  # insist | reassign | change | cancel
    by: str
    at: datetime
    # The open objection's cards, closed by this decision (empty if there was none).
    cards: list[CardRef]
    before: dict[str, Any]


@dataclass(frozen=True)
class DecisionInfo:
    """A meeting decision about to become a task: what it already says, what must be asked."""

    id: int
    meeting_id: int
    meeting_title: str
    text: str
    owner: str  # the decision's owner's name, "" if none
    deadline: str  # a deadline text for prepare(), "" if none or already past
    assigner: str  # a leader's name when the actor is a clerk and the organiser leads
    needs_assigner: bool


class TaskAssignService:
    def __init__(self, db: Database, config: Config, clock: Clock, tasks: TaskService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.tasks = tasks

    # --- rendering help (plain JSON, for the catalog) ----------------------------------------

    def view_params(self, view: TaskView) -> dict[str, Any]:
        """The parameters TaskService.params() gives, from a view, plus the status."""
        tz = self.config.tz
        return {"id": view.id, "title": view.title, "details": view.details or "—",
                "owner": view.owner.name, "assigner": view.assigner.name,
                "deadline": deadline_ref(view.deadline, tz, full=False),
                "deadline_full": deadline_ref(view.deadline, tz),
                "priority": ref(f"task.priority.{view.priority}"),
                "source": ref(f"task.source.{view.source}"), "progress": view.progress,
                "status": ref(f"task.status.{view.status}"),
                "co_owners": "、".join(c.name for c in view.co_owners) or "—"}

    # --- checking one answer at a time (the step-by-step /task) -------------------------------

    async def check_owner(self, text: str) -> str:
        """The owner's name (a department gives its head); refused like prepare() would."""
        if not text.strip():
            raise InvalidInput("task_assign.owner_missing")
        async with self.db.transaction() as s:
            return (await self.tasks.resolve_owner(s, text)).name

    async def check_leader(self, text: str) -> str:
        if not text.strip():
            raise InvalidInput("task.need_assigner")
        async with self.db.transaction() as s:
            return (await resolve_leader(s, text, "task_assign.not_a_leader")).name

    def check_deadline(self, text: str) -> datetime:
        when = self.tasks.parse_deadline(text)
        if when <= self.clock.now():
            raise InvalidInput("time.past", text=text)
        return when

    def needs_leader(self, actor: Actor) -> bool:
        """A clerk enters a task on a leader's behalf and must say whose."""
        self.tasks.require_assigner_role(actor)
        return not (actor.has(Role.LEADER) or actor.is_admin)

    async def prepare_line(self, actor: Actor, text: str) -> TaskDraft:
        line = parse_task_line(text)
        self.check_deadline(line.deadline)
        if line.assigner:
            await self.check_leader(line.assigner)  # refused in the words of tasks
        return await self.tasks.prepare(
            actor, line.title, line.owner, line.deadline, details=line.details,
            source=line.source, priority=line.priority, co_owners=line.co_owners,
            assigner=line.assigner)

    async def prepare(self, actor: Actor, title: str, owner: str, deadline: str, *,
                      details: str = "", priority: str = "", assigner: str = "",
                      decision_id: int | None = None) -> TaskDraft:
        """The step-by-step answers (or a decision's) checked together, as one line is."""
        self.check_deadline(deadline)
        if assigner:
            await self.check_leader(assigner)
        if len(details) > MAX_DETAILS:
            raise InvalidInput("error.too_long", field=details[:10] + "…", limit=MAX_DETAILS)
        if decision_id is None:
            return await self.tasks.prepare(actor, title, owner, deadline, details=details,
                                            priority=priority, assigner=assigner)
        info = await self.decision_info(actor, decision_id)
        return await self.tasks.prepare(actor, title, owner, deadline, details=details,
                                        priority=priority, assigner=assigner,
                                        source="meeting", meeting_id=info.meeting_id,
                                        decision_id=info.id)

    async def create(self, actor: Actor, draft: TaskDraft) -> TaskView:
        """TaskService.create(), and for a meeting decision the link back to it."""
        if draft.decision_id is None:
            return await self.tasks.create(actor, draft)
        await self.decision_info(actor, draft.decision_id)  # still unlinked, still allowed
        view = await self.tasks.create(actor, draft)
        now = self.clock.now()
        async with self.db.transaction() as s:
            linked = await s.execute(
                update(MeetingDecision)
                .where(MeetingDecision.id == draft.decision_id,
                       MeetingDecision.task_id.is_(None))
                .values(task_id=view.id))
            if linked.rowcount:  # type: ignore[attr-defined]
                audit.record(s, at=now, actor_id=actor.id, action="meeting.decision_task",
                             entity="meeting_decision", entity_id=draft.decision_id,
                             before={"task_id": None}, after={"task_id": view.id})
                return view
        # Someone else turned the decision into a task meanwhile: theirs stands, ours goes.
        await self.cancel(actor, view.id, "duplicate", quiet=True)
        raise Conflict("task_assign.decision_linked", id=draft.decision_id)

    # --- meeting decisions -------------------------------------------------------------------

    async def decision_info(self, actor: Actor, decision_id: int) -> DecisionInfo:
        """The meeting's organiser, a leader or a clerk (or an admin) may make a decision a
        task, once."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            decision = await s.get(MeetingDecision, decision_id)
            if decision is None:
                raise NotFound("meeting_minutes.decision_unknown", id=decision_id)
            meeting = await s.get(Meeting, decision.meeting_id)
            assert meeting is not None
            if not (actor.is_admin or actor.id == meeting.organiser_id
                    or actor.has(Role.LEADER, Role.CLERK)):
                raise PermissionDenied("task_assign.decision_not_allowed")
            if decision.task_id is not None:
                raise Conflict("task_assign.decision_linked", id=decision.id,
                               task=decision.task_id)
            if decision.status != DECISION_OPEN:
                raise Conflict("meeting_minutes.decision_already_done", id=decision.id)
            owner = await s.get(Staff, decision.owner_id) if decision.owner_id else None
            deadline = ""
            if decision.deadline is not None:
                day = decision.deadline.astimezone(self.config.tz).date()
                if datetime.combine(day, END_OF_DAY, tzinfo=self.config.tz) > now:
                    deadline = day.isoformat()
            organiser = meeting.organiser
            organiser_leads = organiser.active and await is_leader(organiser)
            clerk = not (actor.has(Role.LEADER) or actor.is_admin)
            return DecisionInfo(
                id=decision.id, meeting_id=meeting.id, meeting_title=meeting.title,
                text=decision.text, owner=owner.name if owner is not None else "",
                deadline=deadline,
                assigner=organiser.name if clerk and organiser_leads else "",
                needs_assigner=clerk and not organiser_leads)

    # --- objection ---------------------------------------------------------------------------

    async def check_object(self, actor: Actor, task_id: int) -> TaskView:
        """Refuses now, before the owner types a reason, what object() would refuse."""
        async with self.db.transaction() as s:
            task = await self.tasks.load(s, task_id)
            self._require_objectable(actor, task)
            return await self.tasks.view_of(s, task)

    def _require_objectable(self, actor: Actor, task: Task) -> None:
        if actor.id != task.owner_id:
            raise PermissionDenied("task.not_owner")
        if task.status == OBJECTED:
            raise Conflict("task_assign.already_objected")
        if task.status != ASSIGNED:
            raise Conflict(f"task.already_{task.status}")

    async def object(self, actor: Actor, task_id: int, reason: str) -> TaskView:
        reason = self._reason(reason)
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self.tasks.load(s, task_id)
            self._require_objectable(actor, task)
            task.status, task.updated_at = OBJECTED, now
            await self.tasks.stop_chasing(s, task)
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="objection", text=reason,
                            created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.object", entity="task",
                         entity_id=task.id, before={"status": ASSIGNED},
                         after={"status": OBJECTED, "reason": reason})
            prefix = f"task:{task.id}:objection:"
            rows = await outbox.rows_with_prefix(s, prefix)
            round_no = 1 + max((int(r.key.split(":")[3]) for r in rows), default=0)
            buttons = [[{"key": "btn.task_assign_reassign", "data": f"task:reassign:{task.id}"},
                        {"key": "btn.task_assign_change", "data": f"task:change:{task.id}"},
                        {"key": "btn.task_assign_insist", "data": f"task:insist:{task.id}"}]]
            for staff_id in sorted({task.assigner_id, task.created_by_id}):
                await outbox.schedule(
                    s, key=f"{prefix}{round_no}:{staff_id}", recipient_id=staff_id,
                    template="task_assign.objection_card", due_at=now, now=now,
                    params=self.tasks.params(task) | {"reason": reason}, buttons=buttons,
                    urgent=task.priority == URGENT)
            return await self.tasks.view_of(s, task)

    # --- the assigner's decisions ------------------------------------------------------------

    async def check_decision(self, actor: Actor, task_id: int) -> TaskView:
        """Refuses now, before the assigner types a name or a deadline, what reassign() and
        change() would refuse."""
        async with self.db.transaction() as s:
            task = await self.tasks.load(s, task_id)
            self._require_changeable(actor, task)
            return await self.tasks.view_of(s, task)

    def _require_changeable(self, actor: Actor, task: Task) -> None:
        self.tasks.require_assigner(actor, task)
        if task.status not in CHANGEABLE:
            raise Conflict(f"task.already_{task.status}")

    async def insist(self, actor: Actor, task_id: int) -> Outcome:
        """The task stands as it was: back to the owner to accept."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self.tasks.load(s, task_id)
            self.tasks.require_assigner(actor, task)
            if task.status != OBJECTED:
                raise Conflict("task_assign.not_objected",
                               status=ref(f"task.status.{task.status}"))
            task.status, task.updated_at = ASSIGNED, now
            await self.tasks.schedule_reminders(s, task)  # back with the owner
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="insist", created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.insist", entity="task",
                         entity_id=task.id, before={"status": OBJECTED},
                         after={"status": ASSIGNED})
            await self.tasks.tell(s, task, "task_assign.insisted_notice", [task.owner_id], now,
                                  {"by": actor.name})
            await self._fresh_card(s, task, now)
            return await self._outcome(s, task, actor, "insist", now, {"status": OBJECTED})

    async def reassign(self, actor: Actor, task_id: int, owner: str,
                       reason: str = "") -> Outcome:
        reason = reason.strip()
        if len(reason) > MAX_REASON:
            raise InvalidInput("error.too_long", field=reason[:10] + "…", limit=MAX_REASON)
        if not owner.strip():
            raise InvalidInput("task_assign.owner_missing")
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self.tasks.load(s, task_id)
            self._require_changeable(actor, task)
            new_owner = await self.tasks.resolve_owner(s, owner)
            if new_owner.id == task.owner_id:
                raise InvalidInput("task_assign.same_owner", name=new_owner.name)
            self.tasks.refuse_self_assignment(new_owner.id, task.assigner_id, task.created_by_id)
            old_owner_id, old_name, old_status = task.owner_id, task.owner.name, task.status
            before = {"owner_id": old_owner_id, "owner": old_name, "status": old_status}
            # The new owner is no longer a co-owner of the same task.
            await s.execute(update(TaskCoOwner).where(
                TaskCoOwner.task_id == task.id, TaskCoOwner.staff_id == new_owner.id)
                .values(active=False))
            task.owner_id, task.status, task.accepted_at, task.updated_at = \
                new_owner.id, ASSIGNED, None, now
            await s.flush()
            await s.refresh(task, ["owner"])
            text = f"{old_name} → {new_owner.name}" + (f"：{reason}" if reason else "")
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="reassign", text=text,
                            created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.reassign", entity="task",
                         entity_id=task.id, before=before,
                         after={"owner_id": new_owner.id, "owner": new_owner.name,
                                "status": ASSIGNED, "reason": reason})
            await self.tasks.tell(s, task, "task_assign.reassigned_notice", [old_owner_id], now,
                                  {"old_owner": old_name, "by": actor.name,
                                   "reason": reason or "—"})
            await self._fresh_card(s, task, now)
            # The chasing of the old owner stops; the new owner's reminders start.
            await self.tasks.cancel_reminders(s, task)
            await self.tasks.schedule_reminders(s, task)
            return await self._outcome(s, task, actor, "reassign", now, before)

    async def change(self, actor: Actor, task_id: int, deadline: str = "",
                     details: str | None = None) -> Outcome:
        """A new deadline and/or new details. After an objection the owner gets the changed
        task to accept again; otherwise the owner is told old → new."""
        if not deadline.strip() and details is None:
            raise InvalidInput("task_assign.change_usage")
        new_deadline = self.check_deadline(deadline) if deadline.strip() else None
        if details is not None:
            details = details.strip()
            if len(details) > MAX_DETAILS:
                raise InvalidInput("error.too_long", field=details[:10] + "…",
                                   limit=MAX_DETAILS)
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self.tasks.load(s, task_id)
            self._require_changeable(actor, task)
            if (new_deadline is None or new_deadline == task.deadline) and \
                    (details is None or details == task.details):
                raise InvalidInput("task_assign.nothing_changed")
            before = {"deadline": task.deadline.isoformat(), "details": task.details,
                      "status": task.status}
            old_params = self.tasks.params(task)
            if new_deadline is not None:
                task.deadline = new_deadline
            if details is not None:
                task.details = details
            objected = task.status == OBJECTED
            if objected:
                task.status = ASSIGNED
            task.updated_at = now
            after = {"deadline": task.deadline.isoformat(), "details": task.details,
                     "status": task.status}
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="change",
                            text=self._change_text(before, after), created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.change", entity="task",
                         entity_id=task.id, before=before, after=after)
            co = sorted(await self.tasks.co_owner_ids(s, task.id))
            await self.tasks.tell(s, task, "task_assign.changed_notice", [task.owner_id, *co],
                                  now, {"old_deadline": old_params["deadline"],
                                        "old_details": old_params["details"],
                                        "by": actor.name})
            if objected:
                await self._fresh_card(s, task, now)
            if new_deadline is not None:
                # Chasing for the old deadline stops; reminders for the new one start.
                await self.tasks.cancel_reminders(s, task)
            await self.tasks.schedule_reminders(s, task)
            return await self._outcome(s, task, actor, "change", now, before)

    def _change_text(self, before: dict[str, Any], after: dict[str, Any]) -> str:
        """For the history: the deadline old -> new (local time), and the new details."""
        parts = []
        if before["deadline"] != after["deadline"]:
            old, new = (short_time(datetime.fromisoformat(d["deadline"]), self.config.tz)
                        for d in (before, after))
            parts.append(f"{old} → {new}")
        if before["details"] != after["details"]:
            parts.append(after["details"] or "—")
        return " | ".join(parts)

    async def cancel(self, actor: Actor, task_id: int, reason: str, *,
                     quiet: bool = False) -> Outcome:
        """撤销: closed for good; nothing about it is sent any more."""
        reason = self._reason(reason, key="task_assign.cancel_usage")
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self.tasks.load(s, task_id)
            self.tasks.require_assigner(actor, task)
            if task.status not in OPEN:
                raise Conflict(f"task.already_{task.status}")
            before = {"status": task.status}
            task.status, task.closed_at, task.updated_at = CANCELLED, now, now
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="cancel", text=reason,
                            created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.cancel", entity="task",
                         entity_id=task.id, before=before,
                         after={"status": CANCELLED, "reason": reason})
            await self.tasks.closed(s, task, now, actor)
            # Also cards and co-owner notices not delivered yet (quiet hours, a retry).
            await outbox.cancel_prefix(s, f"task:{task.id}:")
            if not quiet:
                co = sorted(await self.tasks.co_owner_ids(s, task.id))
                await self.tasks.tell(s, task, "task_assign.cancelled_notice",
                                      [task.owner_id, *co], now,
                                      {"by": actor.name, "reason": reason})
            return await self._outcome(s, task, actor, "cancel", now, before)

    # --- shared ------------------------------------------------------------------------------

    @staticmethod
    def _reason(text: str, key: str = "task_assign.reason_missing") -> str:
        reason = " ".join(text.split())
        if not reason:
            raise InvalidInput(key)
        if len(reason) > MAX_REASON:
            raise InvalidInput("error.too_long", field=reason[:10] + "…", limit=MAX_REASON)
        return reason

    async def _fresh_card(self, s: AsyncSession, task: Task, now: datetime) -> None:
        """The owner's card to accept, as the task is now; an older one not yet delivered
        would show what no longer holds."""
        await outbox.cancel_prefix(s, f"task:{task.id}:card:")
        await self.tasks.send_card(s, task, task.owner_id, now)

    async def _outcome(self, s: AsyncSession, task: Task, actor: Actor, action: str,
                       now: datetime, before: dict[str, Any]) -> Outcome:
        # Only a decision on an open objection settles its cards; a later change must not
        # rewrite a card that was settled before.
        cards = await self._objection_cards(s, task.id) \
            if before.get("status") == OBJECTED else []
        return Outcome(task=await self.tasks.view_of(s, task), action=action, by=actor.name,
                       at=now, cards=cards, before=before)

    async def _objection_cards(self, s: AsyncSession, task_id: int) -> list[CardRef]:
        """The latest objection's cards: sent ones to close, pending ones no longer needed."""
        prefix = f"task:{task_id}:objection:"
        rows = await outbox.rows_with_prefix(s, prefix)
        if not rows:
            return []
        latest = max(int(r.key.split(":")[3]) for r in rows)
        await outbox.cancel_prefix(s, f"{prefix}{latest}:")
        return await outbox.sent_cards(s, f"{prefix}{latest}:", self.config.language,
                                       with_buttons=False)

    async def history(self, actor: Actor, task_id: int, limit: int = 6) -> list[
            tuple[datetime, str, str, str]]:
        """The latest steps of handing the task down (when, who, kind, text), for whoever may
        read it; progress and completion are the progress feature's to show."""
        await self.tasks.get(actor, task_id)
        async with self.db.transaction() as s:
            events = list(await s.scalars(select(TaskEvent).where(
                TaskEvent.task_id == task_id, TaskEvent.kind.in_(HISTORY_KINDS))
                .order_by(TaskEvent.id.desc()).limit(limit)))
            return [(e.created_at, e.author.name, e.kind, e.text) for e in reversed(events)]
