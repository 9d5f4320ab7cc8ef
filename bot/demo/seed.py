"""A small township office for the demo: departments and ten people covering every role,
all registered with emulator accounts, and work in every feature: a roster around the next
holiday, a meeting tomorrow, tasks (one overdue) and the seal registry."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.clock import ManualClock
from bot.demo.seed_seals import seed_seals
from bot.services import audit
from bot.services.access import Actor, Role
from bot.services.container import Services
from bot.services.errors import DomainError
from bot.services.task_supervision import full_overdue_workdays
from storage.models import Department, Staff, StaffRole

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Persona:
    telegram_id: int
    name: str
    department: str
    title: str
    phone: str
    roles: tuple[Role, ...]
    language: str = "zh"


PERSONAS: tuple[Persona, ...] = (
    Persona(1001, "王建国", "镇党委", "党委书记", "13800000001", (Role.LEADER,)),
    Persona(1002, "李明华", "镇政府", "镇长", "13800000002", (Role.LEADER,)),
    Persona(1003, "赵丽", "镇党委", "党委副书记", "13800000003", (Role.LEADER,)),
    Persona(1004, "陈志强", "党政办", "党政办主任", "13800000004", (Role.ADMIN, Role.CLERK)),
    Persona(1005, "刘芳", "党政办", "文秘", "13800000005", (Role.CLERK, Role.SEAL_KEEPER)),
    Persona(1006, "张伟", "党政办", "干事", "13800000006", (Role.STAFF,)),
    Persona(1007, "杨静", "经济发展办", "主任", "13800000007", (Role.STAFF,)),
    Persona(1008, "黄磊", "社会事务办", "干事", "13800000008", (Role.STAFF,), "en"),
    Persona(1009, "周敏", "综合执法队", "队员", "13800000009", (Role.STAFF,)),
    Persona(1010, "吴涛", "社会事务办", "主任", "13800000010", (Role.STAFF,)),
)
STRANGER_ID = 9999  # a Telegram user nobody registered


async def seed_office(services: Services) -> dict[str, int]:
    """Create the office; returns staff ids by name."""
    now = services.clock.now()
    ids: dict[str, int] = {}
    async with services.db.transaction() as s:
        departments: dict[str, Department] = {}
        for persona in PERSONAS:
            if persona.department not in departments:
                dept = Department(name=persona.department, created_at=now)
                s.add(dept)
                departments[persona.department] = dept
        await s.flush()
        for persona in PERSONAS:
            staff = Staff(
                name=persona.name, department_id=departments[persona.department].id,
                title=persona.title, phone=persona.phone, language=persona.language,
                telegram_user_id=persona.telegram_id, created_at=now,
                roles=[StaffRole(role=r.value) for r in persona.roles],
            )
            s.add(staff)
            await s.flush()
            ids[persona.name] = staff.id
            audit.record(s, at=now, actor_id=None, action="staff.seed", entity="staff",
                         entity_id=staff.id, after={"name": persona.name})
    return ids


async def seed_roster(services: Services) -> int:
    """A roster that shows the duty features: today's and tomorrow's shifts, and the next
    statutory holiday covered but for one day (so the coverage check has something to say).
    Returns how many shifts were made."""
    clerk = await services.people.resolve_actor(1005, "刘芳", "zh")
    assert isinstance(clerk, Actor)
    duty = services.duty
    today = duty.today()
    plan: list[tuple[date, str, str, str]] = [
        (today, "day", "张伟", "王建国"), (today, "night", "杨静", "王建国"),
        (today + timedelta(days=1), "day", "黄磊", "李明华"),
        (today + timedelta(days=1), "night", "周敏", "李明华"),
    ]
    holidays = services.calendar.next_periods(today, count=1)
    if holidays:
        period = holidays[0]
        leaders = ("王建国", "李明华", "赵丽")
        people = ("吴涛", "张伟", "杨静", "黄磊", "周敏")
        days = (period.end - period.start).days + 1
        for n in range(days):
            if n == 1:
                continue  # left uncovered on purpose
            plan.append((period.start + timedelta(days=n), "day", people[n % len(people)],
                         leaders[n % len(leaders)]))
    made = 0
    for day, kind, person, leader in plan:
        start, _ = duty.window(day, kind)
        if start <= services.clock.now():
            continue
        try:
            draft = await duty.draft(clerk, day, kind, person, leader, "")
        except DomainError:
            continue  # e.g. the holiday overlaps tomorrow
        await duty.create_shift(clerk, draft)
        made += 1
    return made


async def seed_meeting(services: Services) -> int | None:
    """A leaders' meeting tomorrow afternoon with mixed answers: one attending, one on
    leave, one not yet answered."""
    clerk = await services.people.resolve_actor(1005, "刘芳", "zh")
    wang = await services.people.resolve_actor(1001, "王建国", "zh")
    li = await services.people.resolve_actor(1002, "李明华", "zh")
    assert clerk is not None and wang is not None and li is not None
    try:
        draft = await services.meetings.prepare(clerk, "党政班子联席会", "明天下午3点",
                                                "三楼会议室", "班子成员、张伟", "1小时",
                                                "研究年终工作安排")
        meeting = await services.meetings.create(clerk, draft)
    except DomainError:
        return None
    await services.rsvp.attend(wang, meeting.id)
    await services.rsvp.leave(li, meeting.id, "赴县里参加培训")
    return meeting.id


@dataclass(frozen=True)
class TaskPlan:
    assigner_id: int  # who enters it (a leader, or a clerk naming the leader)
    title: str
    owner: str  # a person, or a department meaning its head
    deadline_days: int  # from the demo's start
    priority: str = ""
    leader: str = ""  # the leader a clerk enters the task for
    accepted_by: int | None = None


TASKS: tuple[TaskPlan, ...] = (
    TaskPlan(1002, "编制冬季森林防火工作方案", "杨静", 7),
    TaskPlan(1003, "核实低保户冬季救助名单", "社会事务办", 3, priority="紧急"),
    TaskPlan(1005, "准备年终工作总结材料", "张伟", 5, leader="王建国"),
)
# Given some working days before the demo starts and due far enough back that, on the demo's
# first day, it is overdue by more working days than the escalation waits for: the daily chase
# to its owner and the escalation to the leader both show at once (see `overdue_dates`).
# Its deadline_days is only a placeholder: overdue_dates picks the day from the calendar.
OVERDUE = TaskPlan(1001, "报送三季度安全生产检查台账", "张伟", -4, accepted_by=1006)
OVERDUE_GIVEN_WORKDAYS = 3
_LATEST_DEADLINE = time(23, 59)


def overdue_dates(services: Services, start: datetime) -> tuple[date, date]:
    """(given on, due on) for the overdue task: due on a working day with at least
    `escalate_after_workdays` working days wholly between it and the start day, given a few
    working days before that. Days off in between (a weekend, a holiday) are skipped."""
    calendar = services.calendar
    cfg = services.config.tasks
    today = start.astimezone(services.config.tz).date()
    due = today - timedelta(days=1)
    while not (calendar.is_workday(due) and full_overdue_workdays(
            calendar, due, _LATEST_DEADLINE, cfg.workday_start, today)
            >= cfg.escalate_after_workdays):
        due -= timedelta(days=1)
    given = due
    for _ in range(OVERDUE_GIVEN_WORKDAYS):
        given -= timedelta(days=1)
        while not calendar.is_workday(given):
            given -= timedelta(days=1)
    return given, due


def _deadline_text(when: datetime, services: Services) -> str:
    day = when.astimezone(services.config.tz).date()
    return f"{day.year}年{day.month}月{day.day}日"


async def _assign(services: Services, plan: TaskPlan, start: datetime) -> int | None:
    people = services.people
    names = {p.telegram_id: p.name for p in PERSONAS}
    assigner = await people.resolve_actor(plan.assigner_id, names[plan.assigner_id], "zh")
    assert assigner is not None
    try:
        draft = await services.task_assign.prepare(
            assigner, plan.title, plan.owner,
            _deadline_text(start + timedelta(days=plan.deadline_days), services),
            priority=plan.priority, assigner=plan.leader)
        view = await services.task_assign.create(assigner, draft)
        if plan.accepted_by is not None:
            owner = await people.resolve_actor(plan.accepted_by, names[plan.accepted_by], "zh")
            assert owner is not None
            await services.tasks.accept(owner, view.id)
    except DomainError as exc:
        # E.g. a deadline that falls in the past for the chosen start time of day.
        log.info("demo task %r not seeded: %s", plan.title, exc.key)
        return None
    return view.id


async def seed_tasks(services: Services) -> list[int]:
    """Tasks through the tasks service as people would give them; the overdue one is given
    with the clock set back a week or so, since the service (rightly) refuses a past
    deadline."""
    clock = services.clock
    start = clock.now()
    made: list[int] = []
    if isinstance(clock, ManualClock):
        given, due = overdue_dates(services, start)
        today = start.astimezone(services.config.tz).date()
        clock.set(start - timedelta(days=(today - given).days))
        try:
            plan = dataclasses.replace(OVERDUE, deadline_days=(due - today).days)
            overdue = await _assign(services, plan, start)
        finally:
            clock.set(start)
        if overdue is not None:
            made.append(overdue)
    for plan in TASKS:
        task_id = await _assign(services, plan, start)
        if task_id is not None:
            made.append(task_id)
    return made


async def seed_demo(services: Services) -> None:
    await seed_office(services)
    await seed_roster(services)
    await seed_meeting(services)
    await seed_tasks(services)
    await seed_seals(services)
