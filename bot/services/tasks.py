"""Supervised tasks (督查督办): a leader hands something down, it has an owner and a deadline,
and it is chased until it is closed.

Everything that creates or closes a task goes through this service, which checks who may,
writes the audit log and keeps the task's reminders in the outbox in step with it. Progress,
extensions and completion (tasks_progress.py), supervision, lists and reports
(tasks_supervision.py) build on what is here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.i18n import ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.duty import day_ref
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.people import find_department_head, resolve_leader, resolve_person
from bot.services.when import user_time
from storage.db import Database
from storage.models import Department, Staff, Task, TaskCoOwner, TaskEvent

ASSIGNED, ACCEPTED, OBJECTED, SUBMITTED = "assigned", "accepted", "objected", "submitted"
DONE, CANCELLED = "done", "cancelled"
OPEN = (ASSIGNED, ACCEPTED, OBJECTED, SUBMITTED)
NORMAL, URGENT = "normal", "urgent"
SOURCES = ("leader", "meeting", "upper", "other")
SOURCE_WORDS = {"领导交办": "leader", "交办": "leader", "会议决定": "meeting", "会议": "meeting",
                "上级来文": "upper", "来文": "upper", "其他": "other", "leader": "leader",
                "meeting": "meeting", "upper": "upper", "other": "other"}
URGENT_WORDS = ("紧急", "急", "加急", "urgent")
# A deadline given as a day only means the end of that working day.
END_OF_DAY = time(17, 30)


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str


@dataclass(frozen=True)
class TaskDraft:
    title: str
    owner_id: int
    owner_name: str
    assigner_id: int
    assigner_name: str
    deadline: datetime
    details: str = ""
    source: str = "leader"
    priority: str = NORMAL
    co_owner_ids: tuple[int, ...] = ()
    co_owner_names: tuple[str, ...] = ()
    meeting_id: int | None = None
    decision_id: int | None = None
    on_behalf: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "owner_id": self.owner_id, "owner_name": self.owner_name,
                "assigner_id": self.assigner_id, "assigner_name": self.assigner_name,
                "deadline": self.deadline.isoformat(), "details": self.details,
                "source": self.source, "priority": self.priority,
                "co_owner_ids": list(self.co_owner_ids),
                "co_owner_names": list(self.co_owner_names), "meeting_id": self.meeting_id,
                "decision_id": self.decision_id, "on_behalf": self.on_behalf}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TaskDraft:
        return cls(**{**data, "deadline": datetime.fromisoformat(data["deadline"]),
                      "co_owner_ids": tuple(data["co_owner_ids"]),
                      "co_owner_names": tuple(data["co_owner_names"])})


@dataclass(frozen=True)
class TaskView:
    id: int
    title: str
    details: str
    source: str
    priority: str
    status: str
    progress: int
    deadline: datetime
    owner: PersonRef
    assigner: PersonRef
    created_by_id: int
    co_owners: list[PersonRef] = field(default_factory=list)
    meeting_id: int | None = None
    decision_id: int | None = None
    created_at: datetime | None = None
    accepted_at: datetime | None = None
    submitted_at: datetime | None = None
    closed_at: datetime | None = None
    attachment: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def owner_buttons(task_id: int) -> list[list[dict[str, Any]]]:
    """The owner's actions as outbox buttons (report progress, ask for more time, submit
    completion): on the accepted card, the reminders and the chases."""
    return [[{"key": "btn.taskp_report", "data": f"taskp:report:{task_id}"}],
            [{"key": "btn.taskp_extend", "data": f"taskp:extend:{task_id}"},
             {"key": "btn.taskp_submit", "data": f"taskp:submit:{task_id}"}]]


Closer = Callable[[AsyncSession, Task, datetime, Actor | None], Awaitable[None]]


class TaskService:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        # What other task services settle when a task closes (a pending extension lapses),
        # within the closing transaction.
        self.on_close: list[Closer] = []
        # What supervision plans when a task's reminders are (re)planned: today's chases.
        self.on_plan: list[Callable[[AsyncSession, Task, datetime], Awaitable[None]]] = []

    async def closed(self, s: AsyncSession, task: Task, now: datetime,
                     actor: Actor | None) -> None:
        await self.cancel_reminders(s, task)
        for hook in self.on_close:
            await hook(s, task, now, actor)

    # --- who may -----------------------------------------------------------------------------

    def require_assigner_role(self, actor: Actor) -> None:
        """Leaders hand tasks down; clerks enter them on a leader's behalf; admins may all."""
        actor.require(Role.LEADER, Role.CLERK)

    def is_party(self, actor: Actor, task: Task, co_owner_ids: set[int]) -> bool:
        return actor.id in {task.owner_id, task.assigner_id, task.created_by_id} | co_owner_ids

    def require_assigner(self, actor: Actor, task: Task) -> None:
        """Decisions on a task (confirm, return, extend, reassign, cancel) are the assigner's,
        or an admin's; a clerk who entered it on the leader's behalf may act for them too.
        Nobody decides on their own work."""
        if not (actor.is_admin or actor.id in (task.assigner_id, task.created_by_id)):
            raise PermissionDenied("task.not_assigner")
        if actor.id == task.owner_id:
            raise PermissionDenied("task.own_decision")

    @staticmethod
    def refuse_self_assignment(owner_id: int, assigner_id: int, creator_id: int) -> None:
        """The one who decides on a task (the assigner, or the clerk entering it) cannot
        also own it: nobody would confirm their work but themselves."""
        if owner_id in (assigner_id, creator_id):
            raise InvalidInput("task.self_assign")

    def require_owner(self, actor: Actor, task: Task, co_owner_ids: set[int]) -> None:
        if actor.id != task.owner_id and actor.id not in co_owner_ids:
            raise PermissionDenied("task.not_owner")

    # --- people ------------------------------------------------------------------------------

    async def department_head(self, s: AsyncSession, dept: Department) -> Staff:
        head = await find_department_head(s, dept)
        if head is None:
            raise InvalidInput("task.no_department_head", department=dept.name)
        return head

    async def resolve_owner(self, s: AsyncSession, text: str) -> Staff:
        """A person, or a department meaning its head (负责人)."""
        name = text.strip()
        dept = await s.scalar(select(Department).where(Department.name == name))
        person = await self.department_head(s, dept) if dept is not None \
            else await resolve_person(s, name)
        if person.telegram_user_id is None:
            raise InvalidInput("task.owner_unregistered", name=person.name)
        return person

    # --- creating ----------------------------------------------------------------------------

    def parse_deadline(self, text: str) -> datetime:
        parsed = user_time(text, now=self.clock.now(), tz=self.config.tz,
                           default_time=END_OF_DAY)
        return parsed.when

    async def prepare(self, actor: Actor, title: str, owner: str, deadline: str, *,
                      details: str = "", source: str = "", priority: str = "",
                      co_owners: str = "", assigner: str = "",
                      meeting_id: int | None = None,
                      decision_id: int | None = None) -> TaskDraft:
        """Check everything; nothing is saved. The deadline is echoed back in a card."""
        self.require_assigner_role(actor)
        title = " ".join(title.split())
        if not title:
            raise InvalidInput("task.no_title")
        if len(title) > 200:
            raise InvalidInput("error.too_long", field=title[:10] + "…", limit=200)
        when = self.parse_deadline(deadline)
        source_code = SOURCE_WORDS.get(source.strip().lower(), "") if source.strip() else (
            "meeting" if meeting_id else "leader")
        if not source_code:
            raise InvalidInput("task.bad_source", text=source)
        urgent = priority.strip().lower() in URGENT_WORDS
        if priority.strip() and not urgent and priority.strip() not in ("普通", "normal"):
            raise InvalidInput("task.bad_priority", text=priority)
        async with self.db.transaction() as s:
            owner_row = await self.resolve_owner(s, owner)
            if assigner.strip():
                leader = await resolve_leader(s, assigner, "task_assign.not_a_leader")
            elif actor.has(Role.LEADER):
                leader = await s.get(Staff, actor.id)  # type: ignore[assignment]
                assert leader is not None
            else:
                raise InvalidInput("task.need_assigner")  # a clerk (or admin) names the leader
            self.refuse_self_assignment(owner_row.id, leader.id, actor.id)
            co: list[Staff] = []
            for word in [w for w in re.split(r"[,，、;；\s]+", co_owners.strip()) if w]:
                person = await resolve_person(s, word)
                if person.id != owner_row.id and person.id not in {c.id for c in co}:
                    co.append(person)
        return TaskDraft(
            title=title, owner_id=owner_row.id, owner_name=owner_row.name,
            assigner_id=leader.id, assigner_name=leader.name, deadline=when,
            details=details.strip(), source=source_code, priority=URGENT if urgent else NORMAL,
            co_owner_ids=tuple(c.id for c in co), co_owner_names=tuple(c.name for c in co),
            meeting_id=meeting_id, decision_id=decision_id, on_behalf=leader.id != actor.id)

    async def create(self, actor: Actor, draft: TaskDraft) -> TaskView:
        self.require_assigner_role(actor)
        now = self.clock.now()
        if draft.deadline <= now:
            deadline = draft.deadline.astimezone(self.config.tz)
            raise InvalidInput("time.past", text=f"{deadline:%Y-%m-%d %H:%M}")
        async with self.db.transaction() as s:
            owner = await s.get(Staff, draft.owner_id)
            if owner is None or not owner.active:
                raise InvalidInput("duty.person_inactive", name=draft.owner_name)
            task = Task(
                title=draft.title, details=draft.details, source=draft.source,
                meeting_id=draft.meeting_id, decision_id=draft.decision_id,
                assigner_id=draft.assigner_id, created_by_id=actor.id, owner_id=owner.id,
                priority=draft.priority, deadline=draft.deadline, status=ASSIGNED, progress=0,
                created_at=now, updated_at=now)
            s.add(task)
            await s.flush()
            await s.refresh(task, ["owner", "assigner"])
            for staff_id in draft.co_owner_ids:
                s.add(TaskCoOwner(task_id=task.id, staff_id=staff_id))
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="assign",
                            text=draft.details, created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.create", entity="task",
                         entity_id=task.id, after=draft.to_json())
            await self.send_card(s, task, task.owner_id, now)
            for staff_id in draft.co_owner_ids:
                await outbox.schedule(
                    s, key=f"task:{task.id}:co:{staff_id}", recipient_id=staff_id,
                    template="task.co_owner_notice", due_at=now, now=now,
                    params=self.params(task), urgent=task.priority == URGENT)
            await self.schedule_reminders(s, task)
            return await self.view_of(s, task)

    # --- reading -----------------------------------------------------------------------------

    async def load(self, s: AsyncSession, task_id: int) -> Task:
        task = await s.get(Task, task_id)
        if task is None:
            raise NotFound("task.unknown")
        return task

    async def co_owner_ids(self, s: AsyncSession, task_id: int) -> set[int]:
        return set(await s.scalars(select(TaskCoOwner.staff_id).where(
            TaskCoOwner.task_id == task_id, TaskCoOwner.active.is_(True))))

    async def view_of(self, s: AsyncSession, task: Task) -> TaskView:
        co = (await s.execute(select(Staff.id, Staff.name).join(
            TaskCoOwner, TaskCoOwner.staff_id == Staff.id).where(
            TaskCoOwner.task_id == task.id, TaskCoOwner.active.is_(True))
            .order_by(TaskCoOwner.id))).all()
        return TaskView(
            id=task.id, title=task.title, details=task.details, source=task.source,
            priority=task.priority, status=task.status, progress=task.progress,
            deadline=task.deadline, owner=PersonRef(task.owner.id, task.owner.name),
            assigner=PersonRef(task.assigner.id, task.assigner.name),
            created_by_id=task.created_by_id, co_owners=[PersonRef(c.id, c.name) for c in co],
            meeting_id=task.meeting_id, decision_id=task.decision_id,
            created_at=task.created_at, accepted_at=task.accepted_at,
            submitted_at=task.submitted_at, closed_at=task.closed_at,
            attachment=task.attachment_name)

    async def get(self, actor: Actor, task_id: int) -> TaskView:
        """The people on the task, leaders, clerks and admins may read it."""
        async with self.db.transaction() as s:
            task = await self.load(s, task_id)
            co = await self.co_owner_ids(s, task.id)
            if not (self.is_party(actor, task, co) or actor.is_admin
                    or actor.has(Role.LEADER, Role.CLERK)):
                raise PermissionDenied("task.not_yours")
            return await self.view_of(s, task)

    # --- accepting ---------------------------------------------------------------------------

    async def accept(self, actor: Actor, task_id: int) -> TaskView:
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self.load(s, task_id)
            if actor.id != task.owner_id:
                raise PermissionDenied("task.not_owner")
            if task.status not in (ASSIGNED, OBJECTED):
                raise InvalidInput(f"task.already_{task.status}")
            before = {"status": task.status}
            task.status, task.accepted_at, task.updated_at = ACCEPTED, now, now
            await self.schedule_reminders(s, task)  # with the owner's work buttons now
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="accept", created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.accept", entity="task",
                         entity_id=task.id, before=before, after={"status": ACCEPTED})
            await self.tell(s, task, "task.accepted_notice", [task.assigner_id], now)
            return await self.view_of(s, task)

    # --- attachment ----------------------------------------------------------------------------

    async def attach(self, actor: Actor, task_id: int, file_id: str, file_name: str) -> TaskView:
        """The assigner adds the document the task is about (a 上级来文, a plan to follow);
        the owner is told with a button to fetch it."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self.load(s, task_id)
            self.require_assigner(actor, task)
            if task.status not in OPEN:
                raise InvalidInput(f"task.already_{task.status}")
            before = {"attachment": task.attachment_name}
            task.attachment_file_id, task.attachment_name = file_id, file_name[:200]
            task.updated_at = now
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="attach", text=file_name,
                            file_id=file_id, file_name=file_name[:200], created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.attach", entity="task",
                         entity_id=task.id, before=before, after={"attachment": file_name})
            prefix = f"tasknote:{task.id}:"
            number = len(await outbox.rows_with_prefix(s, prefix))
            await outbox.schedule(
                s, key=f"{prefix}{number}:task.attached_notice:{task.owner_id}",
                recipient_id=task.owner_id, template="task.attached_notice", due_at=now,
                now=now, params=self.params(task) | {"file": file_name},
                buttons=[[{"key": "btn.task_file", "data": f"taskfile:get:{task.id}"}]],
                urgent=task.priority == URGENT)
            return await self.view_of(s, task)

    async def attachment(self, actor: Actor, task_id: int) -> tuple[str, str] | None:
        """The task's document for whoever may read the task, or None."""
        await self.get(actor, task_id)  # checks who is asking
        async with self.db.transaction() as s:
            task = await self.load(s, task_id)
            if task.attachment_file_id is None:
                return None
            return task.attachment_file_id, task.attachment_name or "file"

    # --- notifications -----------------------------------------------------------------------

    def params(self, task: Task) -> dict[str, Any]:
        """What task messages say about a task; rendered in the reader's language."""
        deadline = task.deadline.astimezone(self.config.tz)
        return {"id": task.id, "title": task.title, "details": task.details or "—",
                "owner": task.owner.name, "assigner": task.assigner.name,
                "deadline": ref("task.deadline_fmt", date=day_ref(deadline.date()),
                                time=f"{deadline:%H:%M}"),
                "priority": ref(f"task.priority.{task.priority}"),
                "source": ref(f"task.source.{task.source}"), "progress": task.progress}

    def card_buttons(self, task: Task) -> list[list[dict[str, Any]]]:
        return [[{"key": "btn.task_accept", "data": f"task:accept:{task.id}"},
                 {"key": "btn.task_object", "data": f"task:object:{task.id}"}]]

    async def send_card(self, s: AsyncSession, task: Task, staff_id: int,
                        now: datetime) -> None:
        """The owner's card with 接收 / 有异议; numbered so a reassignment sends a new one."""
        prefix = f"task:{task.id}:card:"
        number = len(await outbox.rows_with_prefix(s, prefix))
        await outbox.schedule(
            s, key=f"{prefix}{number}:{staff_id}", recipient_id=staff_id,
            template="task.card", due_at=now, now=now, params=self.params(task),
            buttons=self.card_buttons(task), urgent=task.priority == URGENT)

    async def tell(self, s: AsyncSession, task: Task, template: str, recipients: list[int],
                   now: datetime, extra: dict[str, Any] | None = None) -> None:
        """Tell people of a step at once; each step its own message (numbered in the key)."""
        prefix = f"tasknote:{task.id}:"
        number = len(await outbox.rows_with_prefix(s, prefix))
        for staff_id in recipients:
            await outbox.schedule(
                s, key=f"{prefix}{number}:{template}:{staff_id}", recipient_id=staff_id,
                template=template, due_at=now, now=now,
                params=self.params(task) | (extra or {}), urgent=task.priority == URGENT)

    async def schedule_reminders(self, s: AsyncSession, task: Task) -> None:
        """Before-deadline reminders to the owner (N days before and the deadline morning),
        for the deadline as it is now; closing the task cancels them (cancel_reminders)."""
        now = self.clock.now()
        await outbox.cancel_prefix(s, f"task:{task.id}:due:")
        if task.status not in OPEN:
            return
        cfg = self.config.tasks
        tz = self.config.tz
        deadline_day = task.deadline.astimezone(tz).date()
        rev = f"{task.deadline:%Y%m%d%H%M}"  # a new deadline is a new set of reminders
        moments = [(f"{n}d", datetime.combine(deadline_day - timedelta(days=n), cfg.remind_at,
                                              tzinfo=tz), n) for n in cfg.remind_days_before]
        moments.append(("day", datetime.combine(deadline_day, cfg.remind_at, tzinfo=tz), 0))
        for label, when, days in moments:
            if now < when < task.deadline:
                await outbox.schedule(
                    s, key=f"task:{task.id}:due:{rev}:{label}:{task.owner_id}",
                    recipient_id=task.owner_id, due_at=when,
                    template="task.remind_due" if days else "task.remind_due_today",
                    now=now, params=self.params(task) | {"days": days},
                    urgent=task.priority == URGENT,
                    buttons=self.card_buttons(task) if task.status == ASSIGNED
                    else owner_buttons(task.id))
        for hook in self.on_plan:
            await hook(s, task, now)

    async def stop_chasing(self, s: AsyncSession, task: Task) -> None:
        """The ball is in the assigner's court (an objection, a submission): reminders, and
        chases and escalations already planned for today, are not sent. When the task comes
        back to the owner, schedule_reminders plans the reminders again."""
        for prefix in (f"task:{task.id}:due:", f"task:{task.id}:chase:",
                       f"task:{task.id}:escalate:"):
            await outbox.cancel_prefix(s, prefix)

    async def cancel_reminders(self, s: AsyncSession, task: Task) -> None:
        """A closed or cancelled task is chased no more."""
        for prefix in (f"task:{task.id}:due:", f"task:{task.id}:chase:",
                       f"task:{task.id}:escalate:"):
            await outbox.cancel_prefix(s, prefix)

