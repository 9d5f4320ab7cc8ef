"""Benchmark 2: what the daily sweeps cost as the database grows.

For 1k, 10k and 100k tasks, shifts and meetings (bulk-inserted with SQLAlchemy core), each
daily sweep registered in bot/services/container.py is timed on its own (median of --runs),
then the whole scheduler tick at 09:01 (every morning sweep due, then the dispatcher sending
what they made through a notifier that only counts) and the tick the bot runs every five
seconds the rest of the day (nothing due). Every SELECT the sweeps make is passed through
EXPLAIN QUERY PLAN and those that read a whole big table, or an index range reaching back
over all history, are listed.

The data is an office's history: the live part (open tasks, this week's roster, the coming
meetings, the seal requests under way) is what a township has at any one time and is the same
at every size; what grows is the past (closed tasks and their progress reports, old shifts,
held meetings and their invitations, sent notifications, stamped seal requests). Tasks come
at five a day, so 100k tasks are decades of an office, or a county's towns together. The
sweeps that look only at live work should then cost about the same at every size: the target
is 100k under 200 ms and at most 3x the 10k figure.

    .venv/bin/python -m bench.sweeps [--sizes 1000,10000,100000] [--runs 3]
        [--revision head|0007] [--plans]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.common import bench_config, header, median, out
from bot.clock import ManualClock
from bot.services.access import Actor
from bot.services.container import Services
from bot.services.notifier import Buttons
from bot.services.people import actor_of
from bot.services.seals import SealDraft
from bot.services.sweeps import Sweep
from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    AuditEntry,
    Department,
    Meeting,
    MeetingInvitee,
    Notification,
    SealRequest,
    Shift,
    Staff,
    StaffRole,
    SweepRun,
    Task,
    TaskEvent,
)

MODULE = "bench.sweeps"
TZ = ZoneInfo("Asia/Shanghai")
# A Monday three days before National Day: every sweep has work (the weekly report, holiday
# coverage and duty schedules, chases, digests, seals out and unstamped).
TODAY = date(2026, 9, 28)
TASKS_PER_DAY = 5
LIVE_DAYS = 60  # tasks due within the last 60 days may still be open; older ones are closed
ROSTER_AHEAD = 30  # days of roster planned ahead
MEETINGS_AHEAD = 14
UNCOVERED = date(2026, 10, 3)  # a holiday day with nobody on duty: the coverage check speaks
TARGET_MS = 200.0
TARGET_GROWTH = 3.0
BIG_TABLES = ("tasks", "task_events", "notifications", "shifts", "meetings",
              "meeting_invitees", "seal_requests", "audit_log", "approval_requests")
DEPARTMENTS = ("党政办", "经济发展办", "社会事务办", "综合执法队", "财政所", "自然资源所",
               "农业农村办", "应急管理办", "党建办", "退役军人服务站")
LEADERS, CLERKS, PEOPLE = 8, 4, 200


def local(day: date, at: clock_time) -> datetime:
    return datetime.combine(day, at, tzinfo=TZ)


class CountingNotifier:
    """Stands in for Telegram: the tick's cost is the database's, not the network's."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        self.sent += 1
        return self.sent


@dataclass
class Office:
    leaders: list[int] = field(default_factory=list)
    clerks: list[int] = field(default_factory=list)
    admin: int = 0
    keepers: list[int] = field(default_factory=list)
    staff: list[int] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


# --- the data --------------------------------------------------------------------------------


async def _people(services: Services, rng: random.Random) -> Office:
    now = local(TODAY, clock_time(7, 0)) - timedelta(days=3650)
    office = Office()
    async with services.db.transaction() as s:
        await s.execute(insert(Department), [{"name": n, "active": True, "created_at": now}
                                             for n in DEPARTMENTS])
        depts = list(await s.scalars(select(Department.id).order_by(Department.id)))
        rows = []
        for n in range(PEOPLE):
            if n < LEADERS:
                name, title = f"领导{n + 1:02d}", "镇领导"
            elif n < LEADERS + CLERKS:
                name, title = f"文书{n - LEADERS + 1:02d}", "文秘"
            else:
                name, title = f"干部{n + 1:03d}", "干事"
            rows.append({"name": name, "department_id": depts[n % len(depts)], "title": title,
                         "phone": f"1380000{n:04d}", "language": "zh", "active": True,
                         "reachable": True, "telegram_user_id": 800_000 + n, "created_at": now})
        await s.execute(insert(Staff), rows)
        ids = list(await s.scalars(select(Staff.id).order_by(Staff.id)))
        roles = []
        for n, staff_id in enumerate(ids):
            office.names[staff_id] = rows[n]["name"]
            if n < LEADERS:
                office.leaders.append(staff_id)
                roles.append({"staff_id": staff_id, "role": "leader"})
            elif n < LEADERS + CLERKS:
                office.clerks.append(staff_id)
                roles.append({"staff_id": staff_id, "role": "clerk"})
                if n == LEADERS:
                    office.admin = staff_id
                    roles.append({"staff_id": staff_id, "role": "admin"})
                if n == LEADERS + 1:
                    office.keepers.append(staff_id)
                    roles.append({"staff_id": staff_id, "role": "seal_keeper"})
            else:
                office.staff.append(staff_id)
                roles.append({"staff_id": staff_id, "role": "staff"})
        await s.execute(insert(StaffRole), roles)
        # Each department's head: its first non-leader member.
        for dept in depts:
            head = next(i for n, i in enumerate(ids)
                        if n >= LEADERS and depts[n % len(depts)] == dept)
            await s.execute(update(Department).where(Department.id == dept)
                            .values(head_id=head))
    rng.shuffle(office.staff)
    return office


def _task_status(rng: random.Random, deadline: datetime, now: datetime) -> str:
    r = rng.random()
    if deadline < now - timedelta(days=LIVE_DAYS):
        return "done" if r < 0.95 else "cancelled"
    if deadline < now:  # due lately: most delivered, a few late ones still with the owner
        for status, share in (("done", 0.80), ("cancelled", 0.05), ("submitted", 0.05),
                              ("accepted", 0.06), ("assigned", 0.02)):
            if r < share:
                return status
            r -= share
        return "objected"
    for status, share in (("accepted", 0.60), ("assigned", 0.20), ("submitted", 0.10),
                          ("done", 0.07)):
        if r < share:
            return status
        r -= share
    return "objected"


async def _chunked(s: Any, model: Any, rows: list[dict[str, Any]], size: int = 20_000) -> None:
    # Core on the table, not the ORM entity: an executemany without the ORM's bookkeeping.
    for start in range(0, len(rows), size):
        await s.execute(insert(model.__table__), rows[start:start + size])


async def _history(services: Services, office: Office, n: int, rng: random.Random) -> None:
    now = local(TODAY, clock_time(7, 0))
    span = max(n / TASKS_PER_DAY, LIVE_DAYS + 30)  # days of history
    owners = office.staff
    # Tasks, their progress reports and the reminders once sent for them.
    tasks = []
    for i in range(n):
        created = now - timedelta(days=rng.uniform(0, span))
        deadline = local((created + timedelta(days=rng.uniform(3, 30))).astimezone(TZ).date(),
                         clock_time(17, 30))
        status = _task_status(rng, deadline, now)
        closed = None
        submitted = None
        if status in ("done", "cancelled"):
            closed = min(deadline + timedelta(days=rng.uniform(-5, 2)), now)
            closed = max(closed, created + timedelta(hours=1))
            submitted = closed - timedelta(hours=4) if status == "done" else None
        elif status == "submitted":
            submitted = min(deadline, now) - timedelta(hours=rng.uniform(1, 48))
        assigner = rng.choice(office.leaders)
        tasks.append({
            "title": f"督办事项{i + 1}", "details": "", "source": rng.choice(
                ("leader", "leader", "upper", "other")), "meeting_id": None,
            "decision_id": None, "assigner_id": assigner,
            "created_by_id": assigner if rng.random() < 0.7 else rng.choice(office.clerks),
            "owner_id": rng.choice(owners),
            "priority": "urgent" if rng.random() < 0.1 else "normal", "deadline": deadline,
            "status": status, "progress": 100 if status == "done" else rng.choice(
                (0, 20, 50, 80)), "attachment_file_id": None, "attachment_name": None,
            "result_note": None, "created_at": created, "updated_at": closed or created,
            "accepted_at": None if status == "assigned" else created + timedelta(hours=2),
            "submitted_at": submitted, "closed_at": closed})
    async with services.db.transaction() as s:
        await _chunked(s, Task, tasks)
        task_ids = list(await s.scalars(select(Task.id).order_by(Task.id)))
        events, notes = [], []
        for task_id, task in zip(task_ids, tasks, strict=True):
            start, end = task["created_at"], min(task["deadline"], now)
            for k, percent in enumerate((30, 70)):
                at = start + (end - start) * (k + 1) / 3
                events.append({"task_id": task_id, "author_id": task["owner_id"],
                               "kind": "progress", "percent": percent, "text": "按计划推进",
                               "file_id": None, "file_name": None, "created_at": at})
            for days in (3, 1):
                due = task["deadline"] - timedelta(days=days, hours=8, minutes=30)
                notes.append(_sent(f"task:{task_id}:remind:{days}d", task["owner_id"], due,
                                   now))
        await _chunked(s, TaskEvent, events)
        del events
        # Shifts: a day and a night shift every day, back from a month ahead.
        shifts = []
        first = TODAY + timedelta(days=ROSTER_AHEAD) - timedelta(days=n // 2)
        for i in range(n):
            day = first + timedelta(days=i // 2)
            kind = ("day", "night")[i % 2]
            if day == UNCOVERED:
                continue
            start = local(day, clock_time(8, 30) if kind == "day" else clock_time(17, 30))
            end = start + timedelta(hours=9 if kind == "day" else 15)
            past = end < now
            shifts.append({"day": day, "kind": kind, "starts_at": start, "ends_at": end,
                           "person_id": rng.choice(owners), "leader_id": rng.choice(
                               office.leaders), "note": "", "status": "active",
                           "created_by_id": office.clerks[0],
                           "created_at": start - timedelta(days=20),
                           "updated_at": start - timedelta(days=20),
                           "signed_in_at": start if past else None, "sign_in_late": False,
                           "sign_in_distance_m": None,
                           "signed_out_at": end if past else None, "handover_note": None})
        await _chunked(s, Shift, shifts)
        del shifts
        # Meetings at the same pace as tasks, each with four invitees and its notices.
        meetings = []
        for i in range(n):
            day = (now + timedelta(days=MEETINGS_AHEAD) - timedelta(days=rng.uniform(0, span))
                   ).astimezone(TZ).date()
            start = local(day, rng.choice((clock_time(9, 0), clock_time(14, 30),
                                           clock_time(15, 0))))
            past = start < now
            status = "cancelled" if rng.random() < 0.05 else (
                "finished" if past else "scheduled")
            meetings.append({
                "title": f"工作会议{i + 1}", "starts_at": start,
                "ends_at": start + timedelta(hours=rng.choice((1, 2))), "place": "三楼会议室",
                "notes": "", "organiser_id": rng.choice(office.clerks + office.leaders),
                "status": status, "revision": 1, "series_id": None,
                "created_at": start - timedelta(days=3), "updated_at": start - timedelta(days=3),
                "minutes": None, "minutes_file_id": None, "minutes_at": None})
        await _chunked(s, Meeting, meetings)
        meeting_ids = list(await s.scalars(select(Meeting.id).order_by(Meeting.id)))
        invitees = []
        for meeting_id, meeting in zip(meeting_ids, meetings, strict=True):
            for staff_id in rng.sample(office.leaders + owners[:40], 4):
                answered = meeting["status"] != "scheduled" or rng.random() < 0.5
                invitees.append({
                    "meeting_id": meeting_id, "staff_id": staff_id,
                    "response": rng.choice(("attend", "attend", "leave")) if answered
                    else "none", "reason": "", "delegate_id": None,
                    "delegated_from_id": None, "answered_at": meeting["created_at"]
                    if answered else None, "answered_revision": 1 if answered else None,
                    "checked_in_at": None, "active": True,
                    "created_at": meeting["created_at"]})
                notes.append(_sent(f"meeting:{meeting_id}:notice:{staff_id}", staff_id,
                                   meeting["created_at"], now))
        await _chunked(s, MeetingInvitee, invitees)
        del invitees, meetings
        await _chunked(s, Notification, notes)
        del notes


def _sent(key: str, recipient: int, due: datetime, now: datetime) -> dict[str, Any]:
    if due < now:
        status, sent_at = "sent", due
    else:
        status, sent_at = "pending", None
    # One template that renders for every row: those coming due this morning get sent.
    return {"key": key, "recipient_id": recipient, "template": "notify.calendar_missing",
            "params": {"year": 2027},
            "buttons": None, "urgent": False, "due_at": due, "status": status, "attempts": 0,
            "next_attempt_at": due, "claimed_at": None, "claim_token": None,
            "sent_at": sent_at, "message_id": 1 if sent_at else None, "last_error": None,
            "created_at": due - timedelta(days=1)}


async def _actor(services: Services, staff_id: int) -> Actor:
    async with services.db.transaction() as s:
        staff = await s.get(Staff, staff_id)
        assert staff is not None
        return await actor_of(staff, "zh")


async def _live(services: Services, office: Office, n: int, rng: random.Random) -> None:
    """The live work the services make themselves: seals and requests under way, weekly
    meeting series. Made through the services so every row is as the bot writes it."""
    clock = services.clock
    assert isinstance(clock, ManualClock)
    names = office.names
    admin = await _actor(services, office.admin)
    seals = []
    for k, route in enumerate((names[office.leaders[0]],
                               f"部门负责人 > {names[office.leaders[1]]}",
                               f"{names[office.leaders[2]]}/{names[office.leaders[3]]}")):
        seal = await services.seals.add_seal(admin, f"示范镇印章{k + 1}",
                                             names[office.keepers[0]], route)
        seals.append(seal.id)
    # History: stamped, rejected and withdrawn requests, one per ten tasks.
    past = local(TODAY, clock_time(7, 0))
    async with services.db.transaction() as s:
        await _chunked(s, SealRequest, [{
            "seal_id": rng.choice(seals), "applicant_id": rng.choice(office.staff),
            "department_id": None, "title": f"用印申请{i}", "doc_type": "request",
            "copies": 2, "purpose": "报送", "recipient": "县政府", "urgent": False,
            "takeout": False, "takeout_place": "", "return_due": None, "file_id": None,
            "file_name": None, "status": rng.choice(("stamped",) * 8 + ("rejected",
                                                                       "withdrawn")),
            "created_at": (at := past - timedelta(days=rng.uniform(3, n / TASKS_PER_DAY))),
            "approved_at": at + timedelta(hours=2), "closed_at": at + timedelta(hours=5),
            "keeper_id": office.keepers[0], "handed_at": None, "returned_at": None,
            "stamped_at": at + timedelta(hours=5), "stamped_copies": 2,
            "stamp_photo_id": None} for i in range(n // 10)])
    # Under way: approved and waiting for the stamp, waiting for a decision, one seal out
    # past its return day (handed over three days ago).
    start = clock.now()
    clock.set(start - timedelta(days=3))
    try:
        for k in range(8):
            applicant = await _actor(services, office.staff[k])
            takeout = k == 0
            draft = SealDraft(seal_id=seals[k % 3], title=f"关于申请经费的请示{k}",
                              doc_type="request", copies=2, purpose="报县财政局",
                              recipient="县财政局", takeout=takeout,
                              place="县档案馆" if takeout else "",
                              return_due=(clock.now() + timedelta(days=1)).isoformat()
                              if takeout else "")
            view = await services.seals.submit(applicant, draft)
            if k >= 6:
                continue  # left waiting for a decision: the digest lists it
            while view.status == "pending":
                who = await _actor(services, view.approval.waiting_on[0].id)
                view = (await services.seals.decide(who, view.id, True)).request
            if takeout:
                keeper = await _actor(services, office.keepers[0])
                await services.seal_keeping.handover(keeper, view.id)
    finally:
        clock.set(start)
    # Two weekly meeting series, their coming occurrences made as the bot makes them.
    clerk = await _actor(services, office.clerks[0])
    for title, rule in (("党政班子例会", "weekly:0:08:30"), ("工作调度会", "weekly:3:15:00")):
        await services.minutes.create_series(clerk, {
            "title": title, "rule": rule, "place": "三楼会议室",
            "invitees": " ".join(names[i] for i in office.leaders[:4]),
            "duration_minutes": 60})


async def build(n: int, path: Path, revision: str = "head") -> tuple[Services, Office, float]:
    rng = random.Random(n)
    config = bench_config(path)
    # An older revision measures the schema as it was (--revision 0007: before the indexes
    # this benchmark asked for); the models' extra indexes are simply absent then.
    await upgrade(config.database.url, revision)
    clock = ManualClock(local(TODAY, clock_time(7, 0)))
    services = Services(config, Database(config.database.url), clock)
    started = time.monotonic()
    office = await _people(services, rng)
    await _history(services, office, n, rng)
    await _live(services, office, n, rng)
    return services, office, time.monotonic() - started


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Baseline:
    notifications: int
    audit: int
    meetings: int
    invitees: int


async def _max_ids(services: Services) -> Baseline:
    async with services.db.transaction() as s:
        async def top(column: Any) -> int:
            return int(await s.scalar(select(func.max(column))) or 0)
        return Baseline(await top(Notification.id), await top(AuditEntry.id),
                        await top(Meeting.id), await top(MeetingInvitee.id))


async def _restore(services: Services, base: Baseline) -> None:
    """Back to the state before the sweeps: what they wrote is taken out again, so every
    run does the first run of the day's work, not a repeat that finds it done."""
    async with services.db.transaction() as s:
        await s.execute(delete(Notification).where(Notification.id > base.notifications))
        await s.execute(delete(AuditEntry).where(AuditEntry.id > base.audit))
        await s.execute(delete(MeetingInvitee).where(MeetingInvitee.id > base.invitees))
        await s.execute(delete(Meeting).where(Meeting.id > base.meetings))
        await s.execute(delete(SweepRun))
    # Fold the write-ahead log back into the database now, or the sweep's first commit may
    # do it and be charged for the clean-up's pages.
    # Through the driver: SQLAlchemy would open a transaction, inside which SQLite refuses.
    async with services.db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        await raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def _timed(services: Services, base: Baseline, runs: int,
                 work: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(runs):
        await _restore(services, base)
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    return median(times)


class QueryLog:
    """The SELECTs a piece of work makes, to explain afterwards."""

    def __init__(self, db: Database) -> None:
        self.on = False
        self.seen: dict[str, tuple[Any, ...]] = {}
        event.listen(db.engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any,
                context: Any, executemany: bool) -> None:
        if self.on and statement.lstrip().upper().startswith("SELECT"):
            self.seen.setdefault(statement, tuple(parameters or ()))


# EXPLAIN QUERY PLAN lines: "SCAN t" reads the whole table (or the whole of an index);
# "SEARCH t USING INDEX i (col<?)" with only an upper bound reads back over all of history.
_SCAN = re.compile(r"^SCAN (\w+)")
_OPEN_RANGE = re.compile(r"^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \((\w+)<\?\)$")


async def _explain(conn: AsyncConnection, statement: str,
                   params: tuple[Any, ...]) -> tuple[list[str], list[str]]:
    """(every line of the plan, the lines that read all of a big table or its history)."""
    rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
    plan, found = [], []
    for row in rows:
        detail = str(row[-1])
        plan.append(detail)
        scan, open_range = _SCAN.match(detail), _OPEN_RANGE.match(detail)
        if scan and scan.group(1) in BIG_TABLES:
            found.append(detail)
        elif open_range and open_range.group(1) in BIG_TABLES:
            found.append(detail + "  <- open range: all of history")
    return plan, found


def _short(statement: str) -> str:
    one = " ".join(statement.split())
    where = one.find(" FROM ")
    return (one[where + 1:] if where >= 0 else one)[:160]


@dataclass
class SizeResult:
    size: int
    build_s: float
    live_tasks: int
    sweeps: dict[str, float]
    tick_sweeps_ms: float  # the tick's run_due(): every sweep due at 09:01
    tick_dispatch_ms: float  # the tick's dispatch_due(): sending what they made
    tick_sent: int
    steady_ms: float
    scans: dict[str, list[tuple[str, list[str]]]]

    @property
    def tick_ms(self) -> float:
        return self.tick_sweeps_ms + self.tick_dispatch_ms


def _at(sweep: Sweep) -> datetime:
    return local(TODAY, sweep.at) + timedelta(minutes=1)


async def measure(n: int, workdir: Path, runs: int, plans: bool = False,
                  revision: str = "head") -> SizeResult:
    services, _office, build_s = await build(n, workdir / f"sweeps-{n}.db", revision)
    notifier = CountingNotifier()
    services.attach_notifier(notifier)
    dispatcher = services.dispatcher
    assert dispatcher is not None
    clock = services.clock
    assert isinstance(clock, ManualClock)
    db = services.db
    async with db.transaction() as s:
        live = int(await s.scalar(select(func.count()).select_from(Task).where(
            Task.status.in_(("assigned", "accepted", "objected", "submitted")))) or 0)
    base = await _max_ids(services)
    services.calendar.is_workday(TODAY)  # the holiday tables load once, at start-up
    log = QueryLog(db)
    sweeps: dict[str, float] = {}
    scans: dict[str, list[tuple[str, list[str]]]] = {}
    for sweep in services.sweeps.sweeps:
        when = _at(sweep)
        clock.set(when)
        day = when.date()
        # The statements of one run, explained; then the timed runs.
        log.on, log.seen = True, {}
        await _restore(services, base)
        await sweep.run(day, when)
        log.on = False
        found = []
        async with db.engine.connect() as conn:
            for statement, params in log.seen.items():
                plan, lines = await _explain(conn, statement, params)
                if lines:
                    found.append((statement, lines))
                if plans:
                    out(f"[{n} {sweep.name}] {_short(statement)}")
                    for line in plan:
                        out(f"      {line}")
        if found:
            scans[sweep.name] = found
        sweeps[sweep.name] = await _timed(services, base, runs,
                                          lambda sweep=sweep, day=day, when=when:
                                          sweep.run(day, when))
    # The whole tick at 09:01, as Services.tick() does it: every sweep due by then (all but
    # the evening one), then the dispatcher sending what they made; the two parts timed.
    clock.set(local(TODAY, clock_time(9, 1)))
    parts: list[tuple[float, float]] = []
    sent_before = notifier.sent
    for _ in range(runs):
        await _restore(services, base)
        started = time.perf_counter()
        await services.sweeps.run_due()
        swept = time.perf_counter()
        await dispatcher.dispatch_due()
        parts.append(((swept - started) * 1000, (time.perf_counter() - swept) * 1000))
    tick_sent = (notifier.sent - sent_before) // runs
    # The tick every five seconds after that: each sweep already taken for the day.
    await _restore(services, base)
    await services.tick()
    steady = []
    for _ in range(runs):
        clock.advance(timedelta(seconds=5))
        started = time.perf_counter()
        await services.tick()
        steady.append((time.perf_counter() - started) * 1000)
    await db.dispose()
    return SizeResult(n, build_s, live, sweeps, median([a for a, _ in parts]),
                      median([b for _, b in parts]), tick_sent, median(steady), scans)


def report(results: list[SizeResult]) -> None:
    sizes = [r.size for r in results]
    names = list(results[0].sweeps)
    rows: list[tuple[str, Callable[[SizeResult], float]]] = [
        *((name, lambda r, name=name: r.sweeps[name]) for name in names),
        ("tick 09:01: sweeps", lambda r: r.tick_sweeps_ms),
        ("tick 09:01: dispatch", lambda r: r.tick_dispatch_ms),
        ("tick 09:01: whole", lambda r: r.tick_ms),
        ("tick, nothing due", lambda r: r.steady_ms)]
    out()
    out("median ms (each sweep: one day's first run; the ticks: Services.tick's two parts)")
    out(f"{'':24}" + "".join(f"{s:>12,}" for s in sizes))
    for name, figure in rows:
        out(f"{name:24}" + "".join(f"{figure(r):12.1f}" for r in results))
    out(f"{'  messages dispatched':24}" + "".join(f"{r.tick_sent:12d}" for r in results))
    out(f"{'open tasks (live)':24}" + "".join(f"{r.live_tasks:12d}" for r in results))
    out(f"{'build seconds':24}" + "".join(f"{r.build_s:12.1f}" for r in results))
    out()
    biggest = results[-1]
    previous = results[-2] if len(results) > 1 else None
    out(f"targets at {biggest.size:,}: < {TARGET_MS:.0f} ms"
        + (f" and <= {TARGET_GROWTH:.0f}x the {previous.size:,} figure" if previous else ""))
    for name, figure in rows:
        value = figure(biggest)
        growth = value / figure(previous) if previous and figure(previous) > 0 else None
        met = value < TARGET_MS and (growth is None or growth <= TARGET_GROWTH)
        out(f"  {name:24} {value:8.1f} ms" + (f"  {growth:6.2f}x" if growth else " " * 9)
            + f"  {'met' if met else 'MISSED'}")
    out()
    out("full scans and open ranges (EXPLAIN QUERY PLAN) at the largest size:")
    if not biggest.scans:
        out("  none")
    for name, found in biggest.scans.items():
        for statement, lines in found:
            out(f"  [{name}] {_short(statement)}")
            for line in lines:
                out(f"      {line}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plans", action="store_true",
                        help="print the query plan of every SELECT of every sweep")
    parser.add_argument("--revision", default="head",
                        help="the schema to measure, e.g. 0007 for before the indexes")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    header("daily sweeps against data size (tasks, shifts and meetings each)", MODULE)
    out(f"schema: migrations up to {args.revision}")
    sizes = [int(x) for x in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="officebot-bench-") as tmp:
        for n in sizes:
            results.append(await measure(n, Path(tmp), args.runs, args.plans,
                                         args.revision))
            out(f"size {n:,}: built in {results[-1].build_s:.1f} s, measured")
    report(results)


if __name__ == "__main__":
    asyncio.run(main())
