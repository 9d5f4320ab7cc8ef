"""Supervision (督查督办): chasing, escalation, the lists, the weekly report, the digest.

Chasing. Once a day, in the morning (the earlier of `chase_at` and `workday_start`), the
"task-chase" sweep looks at every task still in the owner's hands (assigned or accepted)
whose deadline has passed or passes before the end of today's working hours, and puts
today's messages in the outbox:

- a normal task: one chase (催办) to the owner at `chase_at`, if it is overdue by then;
- an urgent task: a chase at every `urgent_chase_hours` working hours after the deadline,
  counted in working time (`workday_start`..`workday_end` on working days only). The sweep
  schedules the slots of today ahead, rather than a sweep per slot, because the slots are
  anchored on each task's own deadline: a task due at 10:00 is chased at 14:00 and then
  09:00 the next working day, one due at 17:30 at 12:30 the next working day. Rows
  scheduled ahead are cancelled with the task (TaskService.cancel_reminders), and the next
  morning's sweep derives the day again from the task as it is then;
- after `escalate_after_workdays` full working days overdue (the working days wholly
  after the deadline: due Wednesday 17:30, Thursday and Friday are the two, so Monday is
  the first day of escalation), an escalation to the assigner and the owner's department
  head, once each working day, urgent.

Nothing is sent on days off (weekends, statutory holidays), and a 调休 make-up Saturday is
a working day: both come from the holiday calendar. Keys are `task:<id>:chase:<day>`,
`task:<id>:chase:<day>T<HHMM>` and `task:<id>:escalate:<day>:<staff>`: a restart or a
second run of the sweep repeats nothing. Objected and submitted tasks are not chased: they
wait for the assigner, and the digest tells the assigner so.

The lists (/tasks) show open tasks only (assigned, accepted, objected, submitted), the
nearest deadline first; a closed task is looked up by its number (/task). The supervision
colour of a task (督办颜色) is `supervision_colour`, a pure function.

The leaders' digest goes at `digest_at` on working days, one message per leader
(`digest:<day>:<leader>`), even when nothing waits: the duty of the day is always in it,
and a short "nothing waits for you" says the rest. A digest the bot was down for is not
sent once the working day is an hour old. The weekly report goes on `report_weekday`, or
on the first working day after it that week when that day is a holiday.

The on-time completion rate of the report counts every task completed since the start:
on time when the owner submitted it (or, if it was closed without a submission, when it
was closed) no later than its deadline as it stood — an extension granted moves the
deadline. The time of submission is used rather than the time of the assigner's
confirmation, so a leader confirming late does not make the owner late. The report's list
of meeting decisions (tasks from meetings) holds those still open and those closed within
the report's week, not every one ever decided; the Excel ledger keeps every task.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.clock import Clock
from bot.config import Config
from bot.i18n import lines, ref, t
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.calendar import HolidayCalendar
from bot.services.duty import ACTIVE as SHIFT_ACTIVE
from bot.services.duty import DutyService, day_ref
from bot.services.duty_swaps import ACCEPTED as SWAP_ACCEPTED
from bot.services.errors import InvalidInput, NotFound, PermissionDenied
from bot.services.meetings import MeetingService
from bot.services.people import actor_of, holders
from bot.services.sheets import write_table
from bot.services.sweeps import Sweep
from bot.services.task_progress import ProgressService
from bot.services.tasks import (
    ACCEPTED,
    ASSIGNED,
    CANCELLED,
    DONE,
    OBJECTED,
    OPEN,
    SUBMITTED,
    URGENT,
    TaskService,
)
from storage.db import Database
from storage.models import (
    Department,
    Meeting,
    Shift,
    Staff,
    SwapRequest,
    Task,
    TaskCoOwner,
    TaskEvent,
    TaskExtension,
)
from storage.types import UTCDateTime

# Colours, most pressing first.
RED, YELLOW, BLUE, WHITE = "red", "yellow", "blue", "white"
DOTS = {RED: "🔴", YELLOW: "🟡", BLUE: "🔵", WHITE: "⚪"}
# Progress may trail the share of time elapsed by this many points before it counts as
# lagging: reports come in steps (10%, 30%...), not continuously.
LAG_MARGIN = 10
# The owner's turn: chased when late. Objected and submitted tasks wait for the assigner.
CHASED = (ASSIGNED, ACCEPTED)
# Late for the lists and reports: still to be delivered by the owner (or blocked by an
# objection); a submitted task is delivered and waits for confirmation.
OVERDUE_STATUSES = (ASSIGNED, ACCEPTED, OBJECTED)
STATUSES = (ASSIGNED, ACCEPTED, OBJECTED, SUBMITTED, DONE, CANCELLED)
KINDS = ("mine", "assigned", "overdue", "dept")
PAGE_SIZE = 8
SHORT_TEXT = 20  # characters of the last progress note shown in a list
REPORT_WEEK = timedelta(days=7)
DIGEST_GRACE = timedelta(hours=1)
SUPERVISORS = (Role.LEADER, Role.CLERK)  # with admins: see every task


# --- pure rules ------------------------------------------------------------------------------


def is_overdue(status: str, deadline: datetime, now: datetime) -> bool:
    return status in OVERDUE_STATUSES and deadline < now


def elapsed_share(created_at: datetime, deadline: datetime, now: datetime) -> float:
    """How much of the time given (created -> deadline) has passed, in percent, 0..100."""
    span = (deadline - created_at).total_seconds()
    if span <= 0:
        return 100.0
    return min(100.0, max(0.0, (now - created_at).total_seconds() * 100 / span))


def supervision_colour(*, status: str, deadline: datetime, created_at: datetime,
                       progress: int, now: datetime, near_days: int, tz: tzinfo,
                       return_open: bool = False) -> str:
    """The colour offices mark a supervised item with; the first rule that holds wins.

    red: overdue (still with the owner, or objected, after the deadline);
    yellow: an objection open, a completion returned and not yet resubmitted, or progress
      lagging: reported progress below the share of time elapsed (created -> deadline)
      minus LAG_MARGIN points (only while the owner is working on it);
    blue: the deadline day is `near_days` calendar days away or less (local days, as the
      lists say "剩 3 天");
    white: on track, or closed.
    """
    if status not in OPEN:
        return WHITE
    if is_overdue(status, deadline, now):
        return RED
    if status == OBJECTED or (return_open and status != SUBMITTED):
        return YELLOW
    if status in CHASED and progress < elapsed_share(created_at, deadline, now) - LAG_MARGIN:
        return YELLOW
    days_left = (deadline.astimezone(tz).date() - now.astimezone(tz).date()).days
    if status != SUBMITTED and days_left <= near_days:
        return BLUE
    return WHITE


def full_overdue_workdays(calendar: HolidayCalendar, deadline_day: date, deadline_time: time,
                          day_start: time, today: date) -> int:
    """Working days wholly after the deadline and before `today`. A deadline before the
    working day begins leaves that whole day overdue too."""
    first = deadline_day - timedelta(days=1) if deadline_time <= day_start else deadline_day
    yesterday = today - timedelta(days=1)
    return max(0, calendar.working_days_between(first, yesterday))


def shorten(text: str, limit: int = SHORT_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def percent(part: int, whole: int) -> str:
    """66.7, 50, 100: one decimal where it says something."""
    value = f"{part * 100 / whole:.1f}"
    return value[:-2] if value.endswith(".0") else value


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskLine:
    id: int
    title: str
    owner: str
    status: str
    priority: str
    deadline: datetime
    colour: str
    days_left: int  # local calendar days to the deadline day; negative once past it
    overdue: bool
    progress: int
    last_percent: int | None  # the last progress report, if any
    last_text: str

    @property
    def dot(self) -> str:
        return DOTS[self.colour]


@dataclass(frozen=True)
class TaskPage:
    kind: str
    page: int
    pages: int
    total: int
    lines: list[TaskLine]
    dept_id: int | None = None
    dept_name: str = ""


@dataclass(frozen=True)
class ReportItem:
    id: int
    title: str
    owner: str
    department: str
    status: str
    deadline: datetime
    days_overdue: int
    meeting: str = ""
    meeting_day: date | None = None


@dataclass(frozen=True)
class SupervisionReport:
    as_of: datetime
    total: int
    by_status: dict[str, int]
    new_this_week: int
    done_this_week: int
    done: int
    on_time: int
    overdue: list[ReportItem]  # by department, then owner
    from_meetings: list[ReportItem]
    sheet: bytes = b""
    file_name: str = ""

    @property
    def rate(self) -> str | None:
        return percent(self.on_time, self.done) if self.done else None


@dataclass
class _Digest:
    leader_id: int
    body: list[object] = field(default_factory=list)


# A weekly report that could not go on its day is still sent within this many working days.
CATCH_UP_WORKDAYS = 2
# Another feature's requests waiting on one person's decision, as digest lines (refs), read
# inside the digest's transaction: SealService.digest_lines.
WaitingLines = Callable[[AsyncSession, int], Awaitable[list[object]]]


class SupervisionService:
    def __init__(self, db: Database, config: Config, clock: Clock, tasks: TaskService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.tasks = tasks
        # A task created or changed after this morning's sweep gets today's chases too.
        tasks.on_plan.append(self.plan_today)
        self._calendar: HolidayCalendar | None = None
        self._duty: DutyService | None = None
        self._meetings: MeetingService | None = None
        self._waiting: list[WaitingLines] = []

    # --- wiring ------------------------------------------------------------------------------

    def use_calendar(self, calendar: HolidayCalendar) -> None:
        self._calendar = calendar

    def use_office(self, duty: DutyService, meetings: MeetingService) -> None:
        """The digest tells leaders today's duty and meetings."""
        self._duty = duty
        self._meetings = meetings

    def use_decisions(self, source: WaitingLines) -> None:
        """Requests of another feature (seal approvals) that wait on a leader join the
        digest's "waiting for your decision" list; the feature writes its own lines."""
        self._waiting.append(source)

    @property
    def calendar(self) -> HolidayCalendar:
        if self._calendar is None:
            raise RuntimeError("SupervisionService needs use_calendar() before chasing")
        return self._calendar

    def sweeps(self) -> list[Sweep]:
        """The daily jobs to register with the sweep runner."""
        cfg = self.config.tasks
        return [Sweep("task-chase", min(cfg.chase_at, cfg.workday_start), self.chase),
                Sweep("task-digest", cfg.digest_at, self.digest),
                Sweep("task-report", cfg.report_at, self.weekly_report)]

    def _at(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.config.tz)

    # --- chasing -----------------------------------------------------------------------------

    async def chase(self, today: date, now: datetime) -> None:
        """The morning sweep: today's chases and escalations (see the module docstring)."""
        if not self.calendar.is_workday(today):
            return
        cfg = self.config.tasks
        if now >= self._at(today, cfg.workday_end):
            # Back up after office hours (the bot was down this morning): nobody is chased
            # at night; tomorrow's sweep takes over.
            return
        horizon = max(self._at(today, cfg.workday_end), self._at(today, cfg.chase_at), now)
        async with self.db.transaction() as s:
            rows = list(await s.scalars(select(Task).where(
                Task.status.in_(CHASED), Task.deadline < horizon).order_by(Task.id)))
            for task in rows:
                await self._plan_task(s, task, today, now)

    async def _plan_task(self, s: AsyncSession, task: Task, today: date,
                         now: datetime) -> None:
        """One task's chases and escalation for today (keys per day: planning twice adds
        nothing)."""
        cfg = self.config.tasks
        chase_at = max(self._at(today, cfg.chase_at), now)
        if task.priority == URGENT:
            await self._urgent_chases(s, task, today, now)
        elif task.deadline < chase_at:
            await self._chase(s, task, f"task:{task.id}:chase:{today}",
                              "task_sup.chase", chase_at, now, today)
        if task.deadline < chase_at and self.overdue_workdays(task, today) \
                >= cfg.escalate_after_workdays:
            await self._escalate(s, task, today, chase_at, now)

    async def plan_today(self, s: AsyncSession, task: Task, now: datetime) -> None:
        """Called when a task is created or changes (new deadline, owner, back in the owner's
        hands): if this morning's sweep has already run, plan what is still due today."""
        cfg = self.config.tasks
        today = now.astimezone(self.config.tz).date()
        swept = self._at(today, min(cfg.chase_at, cfg.workday_start))
        if (task.status not in CHASED or not self.calendar.is_workday(today)
                or not swept <= now < self._at(today, cfg.workday_end)):
            return
        if task.deadline < max(self._at(today, cfg.workday_end), now):
            await self._plan_task(s, task, today, now)

    def overdue_workdays(self, task: Task, today: date) -> int:
        local = task.deadline.astimezone(self.config.tz)
        return full_overdue_workdays(self.calendar, local.date(), local.time(),
                                     self.config.tasks.workday_start, today)

    def _chase_params(self, task: Task, today: date) -> dict[str, Any]:
        late = (today - task.deadline.astimezone(self.config.tz).date()).days
        return self.tasks.params(task) | {
            "late": ref("task_sup.late_days", days=late) if late > 0
            else ref("task_sup.late_today")}

    async def _chase(self, s: AsyncSession, task: Task, key: str, template: str,
                     due: datetime, now: datetime, today: date) -> None:
        # The chase carries what the owner can do about it: accept (or object) a task not
        # accepted yet; report progress, ask for an extension or submit an accepted one.
        buttons = ProgressService.owner_buttons(task.id) if task.status == ACCEPTED \
            else self.tasks.card_buttons(task)
        await outbox.schedule(s, key=key, recipient_id=task.owner_id, template=template,
                              due_at=due, now=now, params=self._chase_params(task, today),
                              buttons=buttons, urgent=task.priority == URGENT)

    def urgent_slots(self, deadline: datetime, today: date) -> list[datetime]:
        """Today's moments that are a whole multiple of `urgent_chase_hours` working hours
        after the deadline (working time: workday_start..workday_end on working days)."""
        cfg = self.config.tasks
        if not self.calendar.is_workday(today):
            return []
        start, end = self._at(today, cfg.workday_start), self._at(today, cfg.workday_end)
        length = (end - start).total_seconds() / 60
        step = cfg.urgent_chase_hours * 60
        if length <= 0 or step <= 0 or deadline >= end:
            return []
        local = deadline.astimezone(self.config.tz)
        if local.date() == today:
            # Due today: -offset is the working time from the day's start to the deadline.
            offset = -max(0.0, (deadline - start).total_seconds() / 60)
        else:
            # Working time from the deadline to the start of today.
            day_start = self._at(local.date(), cfg.workday_start)
            day_end = self._at(local.date(), cfg.workday_end)
            partial = 0.0
            if self.calendar.is_workday(local.date()):
                partial = max(0.0, (day_end - max(deadline, day_start)).total_seconds() / 60)
            whole = max(0, self.calendar.working_days_between(
                local.date(), today - timedelta(days=1)))
            offset = partial + whole * length
        # A slot exactly at the start of today is the previous working day's last one.
        k = max(1, math.floor(offset / step) + 1)
        slots = []
        while (x := k * step - offset) <= length:
            slots.append(start + timedelta(minutes=x))
            k += 1
        return slots

    async def _urgent_chases(self, s: AsyncSession, task: Task, today: date,
                             now: datetime) -> None:
        tz = self.config.tz
        for slot in self.urgent_slots(task.deadline, today):
            if slot < now - timedelta(minutes=1):
                continue  # a slot the bot slept through is not replayed
            await self._chase(s, task, f"task:{task.id}:chase:{today}T{slot.astimezone(tz):%H%M}",
                              "task_sup.chase_urgent", max(slot, now), now, today)

    async def escalation_recipients(self, s: AsyncSession, task: Task) -> list[int]:
        """The assigner and the owner's department head, each once; never the owner."""
        found = [task.assigner_id]
        owner = task.owner
        if owner.department is not None:
            try:
                head = await self.tasks.department_head(s, owner.department)
            except InvalidInput:
                head = None  # a department without a head: the assigner alone
            if head is not None and head.id not in found:
                found.append(head.id)
        return [r for r in found if r != task.owner_id]

    async def _escalate(self, s: AsyncSession, task: Task, today: date, due: datetime,
                        now: datetime) -> None:
        recipients = await self.escalation_recipients(s, task)
        prefix = f"task:{task.id}:escalate:{today}:"
        first = not await outbox.rows_with_prefix(s, prefix)
        params = self._chase_params(task, today) | {
            "workdays": self.overdue_workdays(task, today)}
        for staff_id in recipients:
            await outbox.schedule(s, key=f"{prefix}{staff_id}", recipient_id=staff_id,
                                  template="task_sup.escalate", due_at=due, now=now,
                                  params=params, urgent=True)
        if first and recipients:
            audit.record(s, at=now, actor_id=None, action="task.escalate", entity="task",
                         entity_id=task.id, after={"day": today.isoformat(),
                                                   "to": recipients,
                                                   "workdays": params["workdays"]})

    # --- lists -------------------------------------------------------------------------------

    def _supervisor(self, actor: Actor) -> bool:
        return actor.is_admin or actor.has(*SUPERVISORS)

    async def department(self, actor: Actor, name: str) -> tuple[int, str]:
        """A department named in `/tasks dept <name>`, for those who may look at one."""
        if not self._supervisor(actor):
            raise PermissionDenied("task_sup.dept_forbidden")
        name = " ".join(name.split())
        if not name:
            raise InvalidInput("task_sup.dept_usage")
        async with self.db.transaction() as s:
            dept = await s.scalar(select(Department).where(Department.name == name))
            if dept is None:
                known = list(await s.scalars(select(Department.name).where(
                    Department.active.is_(True)).order_by(Department.id)))
                raise NotFound("task_sup.unknown_department", name=name,
                               known=str(t(actor.language, "list.sep")).join(known) or "—")
            return dept.id, dept.name

    async def list_tasks(self, actor: Actor, kind: str, page: int = 1,
                         dept_id: int | None = None) -> TaskPage:
        """One page of a list; each kind checks who may see it."""
        now = self.clock.now()
        if kind not in KINDS:
            raise InvalidInput("task_sup.list_usage")
        async with self.db.transaction() as s:
            mine = or_(Task.owner_id == actor.id, Task.id.in_(
                select(TaskCoOwner.task_id).where(TaskCoOwner.staff_id == actor.id,
                                                  TaskCoOwner.active.is_(True))))
            query = select(Task).where(Task.status.in_(OPEN))
            dept_name = ""
            if kind == "mine":
                query = query.where(mine)
            elif kind == "assigned":
                query = query.where(or_(Task.assigner_id == actor.id,
                                        Task.created_by_id == actor.id))
            elif kind == "overdue":
                query = query.where(Task.status.in_(OVERDUE_STATUSES), Task.deadline < now)
                if not self._supervisor(actor):
                    query = query.where(mine)
            else:
                if not self._supervisor(actor):
                    raise PermissionDenied("task_sup.dept_forbidden")
                dept = await s.get(Department, dept_id) if dept_id is not None else None
                if dept is None:
                    raise NotFound("task_sup.dept_gone")
                dept_name = dept.name
                query = query.where(Task.owner_id.in_(
                    select(Staff.id).where(Staff.department_id == dept.id)))
            rows = list(await s.scalars(query.order_by(Task.deadline, Task.id)))
            pages = max(1, -(-len(rows) // PAGE_SIZE))
            page = min(max(1, page), pages)
            chosen = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
            lines_ = await self._lines(s, chosen, now)
        return TaskPage(kind, page, pages, len(rows), lines_,
                        dept_id if kind == "dept" else None, dept_name)

    async def _lines(self, s: AsyncSession, tasks: list[Task], now: datetime) -> list[TaskLine]:
        facts = await self._facts(s, [task.id for task in tasks])
        today = now.astimezone(self.config.tz).date()
        found = []
        for task in tasks:
            last, return_open = facts.get(task.id, (None, False))
            found.append(TaskLine(
                id=task.id, title=task.title, owner=task.owner.name, status=task.status,
                priority=task.priority, deadline=task.deadline,
                colour=self.colour_of(task, now, return_open),
                days_left=(task.deadline.astimezone(self.config.tz).date() - today).days,
                overdue=is_overdue(task.status, task.deadline, now), progress=task.progress,
                last_percent=last.percent if last else None,
                last_text=shorten(last.text) if last else ""))
        return found

    def colour_of(self, task: Task, now: datetime, return_open: bool) -> str:
        return supervision_colour(
            status=task.status, deadline=task.deadline, created_at=task.created_at,
            progress=task.progress, now=now, near_days=self.config.tasks.near_days,
            tz=self.config.tz, return_open=return_open)

    async def _facts(self, s: AsyncSession,
                     task_ids: Iterable[int]) -> dict[int, tuple[TaskEvent | None, bool]]:
        """Per task: its last progress report, and whether a return is open (the last
        "return" came after the last "submit")."""
        ids = list(task_ids)
        if not ids:
            return {}
        events = await s.scalars(select(TaskEvent).where(
            TaskEvent.task_id.in_(ids), TaskEvent.kind.in_(("progress", "submit", "return")))
            .order_by(TaskEvent.id))
        last_progress: dict[int, TaskEvent] = {}
        last_step: dict[int, str] = {}
        for event in events:
            if event.kind == "progress":
                last_progress[event.task_id] = event
            else:
                last_step[event.task_id] = event.kind
        return {i: (last_progress.get(i), last_step.get(i) == "return") for i in ids}

    # --- the weekly report (督查通报) ---------------------------------------------------------

    async def report(self, actor: Actor) -> SupervisionReport:
        """The supervision report as of now, with its sheet in the asker's language."""
        if not self._supervisor(actor):
            raise PermissionDenied("task_sup.report_forbidden")
        found = await self.build_report()
        if found is None:
            raise NotFound("task_sup.report_empty")
        sheet, name = await self._report_sheet(actor.language, found)
        return replace(found, sheet=sheet, file_name=name)

    async def build_report(self) -> SupervisionReport | None:
        """The report's figures, counted by the database, and as rows only the tasks it
        lists. The counts since the start read indexes alone (ix_tasks_status; the done
        tasks' entries in ix_tasks_status_closed_at), the week's figures are short ranges.
        A count with its own WHERE each: cheaper than one pass of SUM(CASE ...) over the
        widest index (bench/sweeps.py at 100k tasks)."""
        now = self.clock.now()
        week_ago = now - REPORT_WEEK
        # As the owner delivered it: submitted, else closed (a task closed without a
        # submission), else not yet; compared with the deadline as it stands.
        finished = func.coalesce(Task.submitted_at, Task.closed_at, literal(now, UTCDateTime()))

        def count(*where: ColumnElement[bool]) -> Select[tuple[int]]:
            return select(func.count()).select_from(Task).where(*where)

        async with self.db.transaction() as s:
            by_status: dict[str, int] = {
                status: int(n) for status, n in await s.execute(
                    select(Task.status, func.count()).group_by(Task.status))}
            total = sum(by_status.values())
            if not total:
                return None
            new_this_week = await s.scalar(count(Task.created_at > week_ago)) or 0
            done_this_week = await s.scalar(count(Task.status == DONE,
                                                  Task.closed_at > week_ago)) or 0
            on_time = await s.scalar(count(Task.status == DONE, finished <= Task.deadline)) or 0
            overdue = await self._report_items(s, now, Task.status.in_(OVERDUE_STATUSES),
                                               Task.deadline < now)
            # A 督查通报 reports what is still being chased: the meeting decisions still
            # open, and those closed within the report's week (the week's outcome). Older
            # closed ones are in the ledger (Excel), not in every week's message forever.
            from_meetings = await self._report_items(
                s, now, or_(Task.source == "meeting", Task.meeting_id.is_not(None)),
                or_(Task.status.in_(OPEN),
                    and_(Task.status.in_((DONE, CANCELLED)), Task.closed_at > week_ago)))
        overdue.sort(key=lambda i: (i.department or "\uffff", i.owner, i.deadline, i.id))
        return SupervisionReport(
            as_of=now, total=total,
            by_status={status: by_status.get(status, 0) for status in STATUSES},
            new_this_week=new_this_week, done_this_week=done_this_week,
            done=by_status.get(DONE, 0), on_time=on_time, overdue=overdue,
            from_meetings=from_meetings)

    async def _report_items(self, s: AsyncSession, now: datetime,
                            *where: ColumnElement[bool]) -> list[ReportItem]:
        """The tasks matching `where` as report lines, in task order: only the columns a
        line shows, the owner, department and meeting joined in the same query."""
        tz = self.config.tz
        today = now.astimezone(tz).date()
        rows = await s.execute(
            select(Task.id, Task.title, Task.status, Task.deadline,
                   Staff.name.label("owner"), Department.name.label("department"),
                   Meeting.title.label("meeting"), Meeting.starts_at.label("meeting_at"))
            .join(Staff, Staff.id == Task.owner_id)
            .outerjoin(Department, Department.id == Staff.department_id)
            .outerjoin(Meeting, Meeting.id == Task.meeting_id)
            .where(*where).order_by(Task.id))
        items = []
        for row in rows:
            late = (today - row.deadline.astimezone(tz).date()).days
            items.append(ReportItem(
                id=row.id, title=row.title, owner=row.owner, department=row.department or "",
                status=row.status, deadline=row.deadline,
                days_overdue=max(0, late) if is_overdue(row.status, row.deadline, now) else 0,
                meeting=row.meeting or "",
                meeting_day=row.meeting_at.astimezone(tz).date()
                if row.meeting_at is not None else None))
        return items

    def report_params(self, report: SupervisionReport) -> dict[str, Any]:
        """The report as catalog parameters: rendered in each reader's language, whether
        now (/task_report) or from the outbox (the weekly one)."""
        tz = self.config.tz
        overdue: list[object] = []
        by_dept: dict[str, list[ReportItem]] = defaultdict(list)
        for entry in report.overdue:
            by_dept[entry.department].append(entry)
        for dept, items in by_dept.items():
            overdue.append(ref("task_sup.report_dept", count=len(items),
                               department=dept or ref("task_sup.no_department")))
            by_owner: dict[str, list[ReportItem]] = defaultdict(list)
            for entry in items:
                by_owner[entry.owner].append(entry)
            for owner, theirs in by_owner.items():
                overdue.append(ref("task_sup.report_owner", owner=owner, count=len(theirs)))
                overdue += [ref("task_sup.report_overdue_line", id=e.id, title=e.title,
                                deadline=day_ref(e.deadline.astimezone(tz).date()),
                                late=self._late(e.days_overdue)) for e in theirs]
        meetings: list[object] = [
            ref("task_sup.report_meeting_line", id=e.id, title=e.title, owner=e.owner,
                meeting=ref("task_sup.report_meeting_of", title=e.meeting,
                            date=day_ref(e.meeting_day)) if e.meeting and e.meeting_day
                else ref("task_sup.report_meeting_unnamed"),
                status=ref(f"task.status.{e.status}"),
                late=ref("task_sup.report_late_mark", late=self._late(e.days_overdue))
                if is_overdue(e.status, e.deadline, report.as_of) else "")
            for e in report.from_meetings]
        counts = {status: report.by_status.get(status, 0) for status in STATUSES}
        return {
            "as_of": f"{report.as_of.astimezone(tz):%Y-%m-%d %H:%M}",
            "total": report.total, **counts,
            "new": report.new_this_week, "closed": report.done_this_week,
            "rate": ref("task_sup.report_rate", rate=report.rate, on_time=report.on_time,
                        done=report.done) if report.rate is not None
            else ref("task_sup.report_rate_none"),
            "overdue_count": len(report.overdue),
            "overdue": lines(overdue) if overdue else ref("task_sup.report_no_overdue"),
            "meetings": lines(meetings) if meetings else ref("task_sup.report_no_meetings"),
        }

    @staticmethod
    def _late(days: int) -> dict[str, object]:
        return ref("task_sup.late_days", days=days) if days > 0 else ref("task_sup.late_today")

    async def _report_sheet(self, lang: str, report: SupervisionReport) -> tuple[bytes, str]:
        """Every task as a row (the office's 督办台账), the figures in the notes line."""
        tz = self.config.tz
        now = report.as_of
        today = now.astimezone(tz).date()
        async with self.db.transaction() as s:
            rows = list(await s.scalars(select(Task).order_by(Task.id)))
            facts = await self._facts(s, [r.id for r in rows])
            meetings = {m.id: m.title for m in await s.scalars(select(Meeting).where(
                Meeting.id.in_({r.meeting_id for r in rows if r.meeting_id})))}
        yes, no = str(t(lang, "task_sup.xlsx_yes")), str(t(lang, "task_sup.xlsx_no"))
        table: list[list[Any]] = []
        for task in rows:
            last, _ = facts.get(task.id, (None, False))
            late = (today - task.deadline.astimezone(tz).date()).days
            finished = task.submitted_at or task.closed_at
            table.append([
                task.id, task.title, str(t(lang, f"task.source.{task.source}")),
                meetings.get(task.meeting_id, "") if task.meeting_id else "",
                task.assigner.name, task.owner.name,
                task.owner.department.name if task.owner.department else "",
                str(t(lang, f"task.priority.{task.priority}")),
                str(t(lang, f"task.status.{task.status}")),
                f"{task.deadline.astimezone(tz):%Y-%m-%d %H:%M}", f"{task.progress}%",
                shorten(last.text, 60) if last else "",
                max(0, late) if is_overdue(task.status, task.deadline, now) else "",
                f"{task.closed_at.astimezone(tz):%Y-%m-%d %H:%M}"
                if task.status == DONE and task.closed_at else "",
                (yes if finished and finished <= task.deadline else no)
                if task.status == DONE else ""])
        as_of = f"{now.astimezone(tz):%Y-%m-%d %H:%M}"
        note = str(t(lang, "task_sup.xlsx_note", as_of=as_of, total=report.total,
                     done=report.done, on_time=report.on_time,
                     rate=f"{report.rate}%" if report.rate is not None else "—",
                     overdue=len(report.overdue)))
        content = write_table(str(t(lang, "task_sup.xlsx_title", day=today.isoformat())),
                              str(t(lang, "task_sup.xlsx_headers")).split("|"), table,
                              note=note)
        return content, str(t(lang, "task_sup.xlsx_filename", day=today.isoformat()))

    async def weekly_report(self, today: date, now: datetime) -> None:
        """The 督查通报 to every leader on the report weekday, or when it could not go then
        (a Monday in a holiday, the bot down) on one of the next two working days of that
        week; later in the week the next report is nearer. Once a week."""
        target = today - timedelta(days=today.weekday() - self.config.tasks.report_weekday)
        if today < target or not self.calendar.is_workday(today):
            return
        missed_days = sum(self.calendar.is_workday(target + timedelta(days=n))
                          for n in range((today - target).days))
        if missed_days >= CATCH_UP_WORKDAYS:
            return
        week = today.isocalendar()
        prefix = f"task-report:{week.year}w{week.week:02d}:"
        async with self.db.transaction() as s:
            if await outbox.rows_with_prefix(s, prefix):
                return
        found = await self.build_report()
        if found is None:
            return  # nothing handed down yet: nothing to report
        params = self.report_params(found)
        async with self.db.transaction() as s:
            for leader in await holders(s, Role.LEADER):
                await outbox.schedule(
                    s, key=f"{prefix}{leader}", recipient_id=leader, template="task_sup.report",
                    due_at=now, now=now, params=params,
                    buttons=[[{"key": "btn.task_sup_xlsx", "data": "tasks:report:xlsx"}]])

    # --- the leaders' daily digest -----------------------------------------------------------

    async def digest(self, today: date, now: datetime) -> None:
        """One message a working day to each leader: duty, meetings, their overdue tasks,
        what waits for their decision, and the progress reported since the last digest."""
        # A digest is for the start of the day: one the bot was down for is not sent once
        # the working day is an hour old; by then the cards themselves have reached people.
        cfg = self.config.tasks
        too_late = self._at(today, max(cfg.digest_at, cfg.workday_start)) + DIGEST_GRACE
        if not self.calendar.is_workday(today) or now > too_late:
            return
        if self._duty is None or self._meetings is None:
            raise RuntimeError("SupervisionService needs use_office() before the digest")
        tz = self.config.tz
        duty_lines: list[object] = [
            ref("task_sup.digest_duty_line", kind=ref(f"duty.kind.{sh.kind}"),
                start=f"{sh.starts_at.astimezone(tz):%H:%M}",
                end=f"{sh.ends_at.astimezone(tz):%H:%M}", person=sh.person.name,
                phone=sh.person.phone or "—", leader=sh.leader.name if sh.leader else "—")
            for sh in await self._duty.shifts_on(today)]
        since = self._at(self.calendar.add_working_days(today, -1), self.config.tasks.digest_at)
        async with self.db.transaction() as s:
            leaders = list(await s.scalars(select(Staff).where(Staff.id.in_(
                await holders(s, Role.LEADER))).order_by(Staff.id)
                .options(selectinload(Staff.roles))))
            actors = [await actor_of(leader, self.config.language) for leader in leaders]
        digests = []
        for actor in actors:
            meetings = [m for m in await self._meetings.upcoming(actor, days=2)
                        if m.starts_at.astimezone(tz).date() == today]
            body: list[object] = [ref("task_sup.digest_duty_head")]
            body += duty_lines or [ref("task_sup.digest_no_duty")]
            if meetings:
                body.append(ref("task_sup.digest_meetings_head"))
                body += [ref("task_sup.digest_meeting_line",
                             start=f"{m.starts_at.astimezone(tz):%H:%M}", title=m.title,
                             place=m.place or "—") for m in meetings]
            digests.append(_Digest(actor.id, body))
        async with self.db.transaction() as s:
            for entry in digests:
                entry.body += await self._digest_tasks(s, entry.leader_id, now, since)
                await outbox.schedule(
                    s, key=f"digest:{today}:{entry.leader_id}", recipient_id=entry.leader_id,
                    template="task_sup.digest", due_at=now, now=now,
                    params={"date": day_ref(today), "body": lines(entry.body)})

    async def _digest_tasks(self, s: AsyncSession, leader_id: int, now: datetime,
                            since: datetime) -> list[object]:
        tz = self.config.tz
        today = now.astimezone(tz).date()
        theirs = list(await s.scalars(select(Task).where(
            Task.assigner_id == leader_id, Task.status.in_(OPEN)).order_by(Task.deadline)))
        body: list[object] = []
        overdue = [task for task in theirs if is_overdue(task.status, task.deadline, now)]
        if overdue:
            body.append(ref("task_sup.digest_overdue_head", count=len(overdue)))
            body += [ref("task_sup.digest_overdue_line", id=task.id, title=task.title,
                         owner=task.owner.name, late=self._late(
                             (today - task.deadline.astimezone(tz).date()).days))
                     for task in overdue]
        decisions: list[object] = []
        ids = [task.id for task in theirs]
        by_id = {task.id: task for task in theirs}
        for ext in await s.scalars(select(TaskExtension).where(
                TaskExtension.task_id.in_(ids), TaskExtension.status == "pending")
                .order_by(TaskExtension.id)):
            task = by_id[ext.task_id]
            new = ext.new_deadline.astimezone(tz)
            decisions.append(ref("task_sup.digest_extension_line", id=task.id,
                                 title=task.title, owner=task.owner.name,
                                 deadline=ref("task.deadline_fmt", date=day_ref(new.date()),
                                              time=f"{new:%H:%M}")))
        decisions += [ref("task_sup.digest_submitted_line", id=task.id, title=task.title,
                          owner=task.owner.name) for task in theirs if task.status == SUBMITTED]
        decisions += [ref("task_sup.digest_objected_line", id=task.id, title=task.title,
                          owner=task.owner.name) for task in theirs if task.status == OBJECTED]
        swaps = await s.execute(select(SwapRequest, Shift).join(
            Shift, Shift.id == SwapRequest.shift_id).where(
            SwapRequest.status == SWAP_ACCEPTED, Shift.leader_id == leader_id,
            Shift.status == SHIFT_ACTIVE, Shift.starts_at > now,
            SwapRequest.requester_id != leader_id, SwapRequest.colleague_id != leader_id)
            .order_by(SwapRequest.id))
        for swap, shift in swaps:
            requester = await s.get(Staff, swap.requester_id)
            colleague = await s.get(Staff, swap.colleague_id)
            assert requester is not None and colleague is not None
            decisions.append(ref("task_sup.digest_swap_line", id=swap.id,
                                 date=day_ref(shift.day), kind=ref(f"duty.kind.{shift.kind}"),
                                 requester=requester.name, colleague=colleague.name))
        for source in self._waiting:
            decisions += await source(s, leader_id)
        if decisions:
            body.append(ref("task_sup.digest_decisions_head", count=len(decisions)))
            body += decisions
        # Urgent tasks' progress reached the assigner at once; the rest is told here.
        normal = [task.id for task in theirs if task.priority != URGENT]
        reports = list(await s.scalars(select(TaskEvent).where(
            TaskEvent.task_id.in_(normal), TaskEvent.kind == "progress",
            TaskEvent.created_at > since, TaskEvent.created_at <= now).order_by(TaskEvent.id)))
        if reports:
            body.append(ref("task_sup.digest_progress_head", count=len(reports)))
            body += [ref("task_sup.digest_progress_line", id=e.task_id,
                         title=by_id[e.task_id].title, owner=e.author.name,
                         percent=f"{e.percent}%" if e.percent is not None else "",
                         text=shorten(e.text, 40) or "—") for e in reports]
        if not body:
            body.append(ref("task_sup.digest_nothing"))
        return body
