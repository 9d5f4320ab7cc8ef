"""Supervision services on a real database: the colour rule, working-day counting, the
chasing plan (chases, urgent slots, escalations), the lists and their permissions, the
supervision report and its sheet, and the digest's quiet days."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.demo.seed import seed_office
from bot.services.calendar import HolidayCalendar
from bot.services.container import Services
from bot.services.errors import NotFound, PermissionDenied
from bot.services.task_supervision import (
    BLUE,
    RED,
    WHITE,
    YELLOW,
    full_overdue_workdays,
    supervision_colour,
)
from bot.services.tasks import ACCEPTED, ASSIGNED, CANCELLED, DONE, OBJECTED, SUBMITTED
from storage.models import AuditEntry, Notification
from tests.conftest import SHANGHAI
from tests.task_helpers import actor, make_task, outbox_rows

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def wire(services: Services) -> Services:
    services.supervision.use_calendar(services.calendar)
    services.supervision.use_office(services.duty, services.meetings)
    return services


@pytest.fixture
async def services(services: Services) -> Services:
    """The conftest's services with the seeded office (bot/demo/seed.py)."""
    await seed_office(services)
    return services


# --- the colour rule ---------------------------------------------------------------------------


def colour(status: str = ACCEPTED, *, days_given: float = 10, elapsed: float = 1,
           progress: int = 0, near: int = 3, return_open: bool = False) -> str:
    return supervision_colour(
        status=status, deadline=T0 + timedelta(days=days_given), created_at=T0,
        progress=progress, now=T0 + timedelta(days=elapsed), near_days=near, tz=SHANGHAI,
        return_open=return_open)


def test_overdue_is_red_whatever_else_holds() -> None:
    assert colour(elapsed=10.1, progress=90) == RED
    assert colour(ASSIGNED, elapsed=11) == RED
    assert colour(OBJECTED, elapsed=11) == RED


def test_objection_and_open_return_are_yellow() -> None:
    assert colour(OBJECTED, elapsed=0.1) == YELLOW
    assert colour(elapsed=0.1, progress=80, return_open=True) == YELLOW


def test_progress_lagging_time_by_more_than_the_margin_is_yellow() -> None:
    # Half the time gone: 40% is within the 10-point margin, 39% is not.
    assert colour(elapsed=5, progress=40) == WHITE
    assert colour(elapsed=5, progress=39) == YELLOW
    # Just given: nothing is expected yet.
    assert colour(elapsed=0.5, progress=0) == WHITE


def test_near_deadline_is_blue_and_on_track_is_white() -> None:
    # Counted in local calendar days, as the lists show them: due 12-11 09:00.
    assert colour(elapsed=7.5, progress=80) == BLUE  # 12-08 21:00: 3 days left
    assert colour(elapsed=6.5, progress=80) == WHITE  # 12-07 21:00: 4 days left
    assert colour(elapsed=9, progress=95, near=0) == WHITE


def test_submitted_and_closed_tasks_are_not_flagged() -> None:
    # Submitted: the owner delivered; it waits for the assigner, late or not.
    assert colour(SUBMITTED, elapsed=9.5, progress=50) == WHITE
    assert colour(SUBMITTED, elapsed=12) == WHITE
    assert colour(DONE, elapsed=12) == WHITE
    assert colour(CANCELLED, elapsed=12) == WHITE


# --- working days ------------------------------------------------------------------------------


def test_full_overdue_working_days_skip_weekends_and_holidays() -> None:
    cal = HolidayCalendar()
    end = datetime(2026, 1, 1, 17, 30).time()
    start = datetime(2026, 1, 1, 8, 30).time()
    # Due Tue 12-01 17:30: Wed and Thu are the two whole working days; Mon 12-07 has three.
    assert [full_overdue_workdays(cal, date(2026, 12, 1), end, start, date(2026, 12, d))
            for d in (1, 2, 3, 4, 5, 7, 8)] == [0, 0, 1, 2, 3, 3, 4]
    # Due 09-30, across National Day: 10-08 and 10-09 are the first two; 10-10 (Saturday,
    # a make-up workday) is the third, seen on 10-11.
    assert [full_overdue_workdays(cal, date(2026, 9, 30), end, start, date(2026, 10, d))
            for d in (7, 8, 9, 10, 12)] == [0, 0, 1, 2, 3]
    # A deadline before the working day begins leaves that whole day overdue.
    early = datetime(2026, 1, 1, 8, 0).time()
    assert full_overdue_workdays(cal, date(2026, 12, 1), early, start, date(2026, 12, 2)) == 1


def test_urgent_slots_every_four_working_hours(services: Services) -> None:
    sup = wire(services).supervision
    deadline = local(2026, 12, 1, 10, 0)  # Tuesday 10:00
    assert sup.urgent_slots(deadline, date(2026, 12, 1)) == [local(2026, 12, 1, 14, 0)]
    assert sup.urgent_slots(deadline, date(2026, 12, 2)) == [
        local(2026, 12, 2, 9, 0), local(2026, 12, 2, 13, 0), local(2026, 12, 2, 17, 0)]
    # 17:00 + 0.5 h that evening + 3.5 h next morning.
    assert sup.urgent_slots(deadline, date(2026, 12, 3))[0] == local(2026, 12, 3, 12, 0)
    assert sup.urgent_slots(deadline, date(2026, 12, 5)) == []  # Saturday
    # Friday 17:30 -> the next working day is Monday: 12:30 and 16:30.
    assert sup.urgent_slots(local(2026, 12, 4, 17, 30), date(2026, 12, 7)) == [
        local(2026, 12, 7, 12, 30), local(2026, 12, 7, 16, 30)]
    # A slot at the end of one day is not repeated at the start of the next.
    at_end = sup.urgent_slots(local(2026, 12, 1, 8, 30), date(2026, 12, 1))
    assert at_end == [local(2026, 12, 1, 12, 30), local(2026, 12, 1, 16, 30)]
    third = sup.urgent_slots(local(2026, 12, 1, 9, 30), date(2026, 12, 1))
    assert third[-1] == local(2026, 12, 1, 17, 30)
    assert local(2026, 12, 2, 8, 30) not in sup.urgent_slots(local(2026, 12, 1, 9, 30),
                                                            date(2026, 12, 2))


# --- the chasing plan --------------------------------------------------------------------------


async def run_chase(services: Services, when: datetime) -> None:
    services.clock.set(when)  # type: ignore[attr-defined]
    await services.supervision.chase(when.date(), when)


async def due_times(services: Services, prefix: str) -> dict[str, datetime]:
    async with services.db.transaction() as s:
        rows = await s.scalars(select(Notification).where(
            Notification.key.startswith(prefix), Notification.status == "pending"))
        return {r.key: r.due_at.astimezone(SHANGHAI) for r in rows}


async def test_daily_chase_from_the_first_working_day_after_the_deadline(
        services: Services) -> None:
    wire(services)
    task = await make_task(services, deadline="12月1日", accept=True)  # Tue 17:30
    # Not on the deadline day itself: it is not overdue at 09:00.
    await run_chase(services, local(2026, 12, 1, 8, 30))
    assert await outbox_rows(services, f"task:{task.id}:chase:") == {}
    await run_chase(services, local(2026, 12, 2, 8, 30))
    assert await due_times(services, f"task:{task.id}:chase:") == {
        f"task:{task.id}:chase:2026-12-02": local(2026, 12, 2, 9, 0)}
    assert await outbox_rows(services, f"task:{task.id}:escalate:") == {}
    await run_chase(services, local(2026, 12, 5, 8, 30))  # Saturday: nothing
    await run_chase(services, local(2026, 12, 6, 8, 30))  # Sunday: nothing
    assert set(await outbox_rows(services, f"task:{task.id}:chase:")) == {
        f"task:{task.id}:chase:2026-12-02"}


async def test_escalation_to_assigner_and_department_head_once_a_day(
        services: Services) -> None:
    wire(services)
    wang, chen = await actor(services, 1001), await actor(services, 1004)
    task = await make_task(services, deadline="12月1日", accept=True)  # 张伟, 党政办
    await run_chase(services, local(2026, 12, 3, 8, 30))
    assert await outbox_rows(services, f"task:{task.id}:escalate:") == {}
    await run_chase(services, local(2026, 12, 4, 8, 30))
    await services.supervision.chase(date(2026, 12, 4), local(2026, 12, 4, 8, 31))  # again
    escalations = await due_times(services, f"task:{task.id}:escalate:")
    assert escalations == {f"task:{task.id}:escalate:2026-12-04:{wang.id}": local(2026, 12, 4, 9),
                           f"task:{task.id}:escalate:2026-12-04:{chen.id}": local(2026, 12, 4, 9)}
    async with services.db.transaction() as s:
        rows = list(await s.scalars(select(Notification).where(
            Notification.key.startswith(f"task:{task.id}:escalate:"))))
        assert all(r.urgent and r.params["workdays"] == 2 for r in rows)
        audits = list(await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "task.escalate", AuditEntry.entity_id == task.id)))
    assert len(audits) == 1 and audits[0].after["to"] == [wang.id, chen.id]
    await run_chase(services, local(2026, 12, 7, 8, 30))  # Monday: again, three days now
    assert f"task:{task.id}:escalate:2026-12-07:{wang.id}" in await outbox_rows(
        services, f"task:{task.id}:escalate:")


async def test_escalation_skips_a_missing_head_and_an_owner_who_is_the_head(
        services: Services) -> None:
    sup = wire(services).supervision
    wang = await actor(services, 1001)
    # 周敏's 综合执法队 has no head; 杨静 heads 经济发展办 herself.
    no_head = await make_task(services, owner="周敏", deadline="12月1日")
    is_head = await make_task(services, owner="杨静", deadline="12月1日")
    by_li = await make_task(services, by=1002, owner="张伟", deadline="12月1日")
    li, chen = await actor(services, 1002), await actor(services, 1004)
    tasks = services.tasks
    async with services.db.transaction() as s:
        assert await sup.escalation_recipients(s, await tasks.load(s, no_head.id)) == [wang.id]
        assert await sup.escalation_recipients(s, await tasks.load(s, is_head.id)) == [wang.id]
        assert await sup.escalation_recipients(s, await tasks.load(s, by_li.id)) == [
            li.id, chen.id]


async def test_objected_submitted_and_closed_tasks_are_not_chased(services: Services) -> None:
    wire(services)
    zhang = await actor(services, 1006)
    wang = await actor(services, 1001)
    objected = await make_task(services, title="整改台账", deadline="11月30日")
    await services.task_assign.object(zhang, objected.id, "不属于本人职责")
    submitted = await make_task(services, title="防火检查", deadline="11月30日", accept=True)
    await services.task_progress.submit(zhang, submitted.id, "已完成检查")
    cancelled = await make_task(services, title="村道修缮", deadline="11月30日", accept=True)
    chased = await make_task(services, title="冬季用电", deadline="11月30日", accept=True)
    await run_chase(services, local(2026, 12, 1, 8, 30))
    assert set(await outbox_rows(services, "task:")) >= {
        f"task:{cancelled.id}:chase:2026-12-01", f"task:{chased.id}:chase:2026-12-01"}
    for quiet in (objected, submitted):
        assert await outbox_rows(services, f"task:{quiet.id}:chase:") == {}
    # Closing cancels what was planned for the day.
    await services.task_assign.cancel(wang, cancelled.id, "已另行安排")
    assert await outbox_rows(services, f"task:{cancelled.id}:chase:") == {
        f"task:{cancelled.id}:chase:2026-12-01": "cancelled"}


async def test_urgent_task_slots_are_planned_in_the_morning(services: Services) -> None:
    wire(services)
    services.clock.set(local(2026, 11, 30, 9, 0))  # type: ignore[attr-defined]
    task = await make_task(services, deadline="12月1日 10:00", priority="紧急", accept=True)
    await run_chase(services, local(2026, 12, 1, 8, 30))
    assert await due_times(services, f"task:{task.id}:chase:") == {
        f"task:{task.id}:chase:2026-12-01T1400": local(2026, 12, 1, 14, 0)}
    await run_chase(services, local(2026, 12, 2, 8, 30))
    planned = await due_times(services, f"task:{task.id}:chase:2026-12-02")
    assert sorted(planned.values()) == [local(2026, 12, 2, 9), local(2026, 12, 2, 13),
                                        local(2026, 12, 2, 17)]
    # No separate daily chase for an urgent task: its slots are the chase.
    assert f"task:{task.id}:chase:2026-12-02" not in planned


# --- lists -------------------------------------------------------------------------------------


async def test_lists_show_the_right_tasks_to_the_right_people(services: Services) -> None:
    sup = wire(services).supervision
    zhang, wang, li = [await actor(services, u) for u in (1006, 1001, 1002)]
    clerk, staff_yang = await actor(services, 1005), await actor(services, 1007)
    mine = await make_task(services, title="编制冬季防火方案", deadline="12月10日",
                           co_owners="杨静")
    by_clerk = await make_task(services, by=1005, title="整理档案", owner="黄磊",
                               deadline="12月9日", assigner="李镇长")
    late = await make_task(services, title="报送统计表", owner="吴涛", deadline="11月28日",
                           accept=True)
    services.clock.set(local(2026, 11, 30, 10, 0))  # type: ignore[attr-defined]

    assert [x.id for x in (await sup.list_tasks(zhang, "mine")).lines] == [mine.id]
    # A co-owner sees it among theirs too.
    assert [x.id for x in (await sup.list_tasks(staff_yang, "mine")).lines] == [mine.id]
    assert {x.id for x in (await sup.list_tasks(wang, "assigned")).lines} == {mine.id, late.id}
    # Entered by the clerk on 李镇长's behalf: both see it as given by them.
    assert [x.id for x in (await sup.list_tasks(li, "assigned")).lines] == [by_clerk.id]
    assert [x.id for x in (await sup.list_tasks(clerk, "assigned")).lines] == [by_clerk.id]
    overdue = await sup.list_tasks(clerk, "overdue")
    assert [(x.id, x.colour, x.days_left, x.overdue) for x in overdue.lines] == [
        (late.id, RED, -2, True)]
    assert (await sup.list_tasks(zhang, "overdue")).lines == []  # staff: their own only
    dept_id, name = await sup.department(wang, "社会事务办")
    in_dept = await sup.list_tasks(wang, "dept", 1, dept_id)
    assert name == "社会事务办" and {x.id for x in in_dept.lines} == {by_clerk.id, late.id}


async def test_list_refusals(services: Services) -> None:
    sup = wire(services).supervision
    zhang, wang = await actor(services, 1006), await actor(services, 1001)
    with pytest.raises(PermissionDenied):
        await sup.department(zhang, "党政办")
    with pytest.raises(PermissionDenied):
        await sup.list_tasks(zhang, "dept", 1, 1)
    with pytest.raises(NotFound) as unknown:
        await sup.department(wang, "宣传办")
    assert unknown.value.params["name"] == "宣传办" and "党政办" in str(
        unknown.value.params["known"])
    with pytest.raises(NotFound):
        await sup.list_tasks(wang, "dept", 1, 999)


async def test_list_colours_and_last_progress_from_real_steps(services: Services) -> None:
    sup = wire(services).supervision
    zhang, wang = await actor(services, 1006), await actor(services, 1001)
    near = await make_task(services, title="近期事项", deadline="11月30日", accept=True)
    lagging = await make_task(services, title="滞后事项", deadline="12月7日", accept=True)
    objected = await make_task(services, title="异议事项", deadline="12月20日")
    returned = await make_task(services, title="退回事项", deadline="12月20日", accept=True)
    fine = await make_task(services, title="正常事项", deadline="12月20日", accept=True)
    await services.task_assign.object(zhang, objected.id, "需要其他部门配合")
    await services.task_progress.submit(zhang, returned.id, "已完成")
    await services.task_progress.return_task(wang, returned.id, "材料不全")
    services.clock.set(local(2026, 12, 3, 10, 0))  # type: ignore[attr-defined]
    await services.task_progress.report(zhang, lagging.id, 20,
                                        "已召开部署会议，正在收集各村上报的数据和材料")
    await services.task_progress.report(zhang, fine.id, 60, "进展顺利")
    page = await sup.list_tasks(wang, "assigned")
    by_id = {x.id: x for x in page.lines}
    assert by_id[near.id].colour == RED and by_id[near.id].days_left == -3
    assert by_id[lagging.id].colour == YELLOW  # 80% of the time gone, 20% done
    assert by_id[lagging.id].last_percent == 20
    assert by_id[lagging.id].last_text == "已召开部署会议，正在收集各村上报的数据…"
    assert by_id[objected.id].colour == YELLOW
    assert by_id[returned.id].colour == YELLOW
    assert by_id[fine.id].colour == WHITE and by_id[fine.id].last_percent == 60
    # Deadline first.
    assert [x.id for x in page.lines][:2] == [near.id, lagging.id]


async def test_pages_are_clamped(services: Services) -> None:
    sup = wire(services).supervision
    wang = await actor(services, 1001)
    for n in range(10):
        await make_task(services, title=f"事项{n}", deadline=f"12月{n + 1}日")
    last = await sup.list_tasks(wang, "assigned", 99)
    assert (last.page, last.pages, last.total, len(last.lines)) == (2, 2, 10, 2)
    assert (await sup.list_tasks(wang, "assigned", -3)).page == 1


# --- the report --------------------------------------------------------------------------------


async def test_report_figures_and_sheet(services: Services) -> None:
    sup = wire(services).supervision
    zhang, wang = await actor(services, 1006), await actor(services, 1001)
    yang = await actor(services, 1007)
    on_time = await make_task(services, title="按时事项", deadline="11月30日", accept=True)
    late_done = await make_task(services, title="延迟办结", owner="杨静", deadline="11月28日",
                                accept=True)
    overdue = await make_task(services, title="逾期事项", deadline="11月29日", accept=True)
    cancelled = await make_task(services, title="撤销事项", deadline="12月20日")
    meeting = await make_task(services, title="会议事项", owner="吴涛", deadline="12月20日",
                              source="会议决定")
    await services.task_progress.submit(zhang, on_time.id, "已完成")
    await services.task_progress.confirm(wang, on_time.id)
    await services.task_assign.cancel(wang, cancelled.id, "不再需要")
    services.clock.set(local(2026, 12, 2, 10, 0))  # type: ignore[attr-defined]
    await services.task_progress.submit(yang, late_done.id, "已完成")
    await services.task_progress.confirm(wang, late_done.id)

    report = await sup.report(wang)
    assert report.total == 5
    assert report.by_status == {ASSIGNED: 1, ACCEPTED: 1, OBJECTED: 0, SUBMITTED: 0,
                                DONE: 2, CANCELLED: 1}
    assert (report.done, report.on_time, report.rate) == (2, 1, "50")
    assert [(x.id, x.department, x.owner, x.days_overdue) for x in report.overdue] == [
        (overdue.id, "党政办", "张伟", 3)]
    assert [(x.id, x.status) for x in report.from_meetings] == [(meeting.id, ASSIGNED)]

    sheet = load_workbook(io.BytesIO(report.sheet)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("编号", "事项") and rows[1][-1] == "是否按时"
    body = {r[0]: r for r in rows[2:7]}
    assert body[on_time.id][8] == "已办结" and body[on_time.id][-1] == "是"
    assert body[late_done.id][-1] == "否"
    assert body[overdue.id][12] == 3 and body[meeting.id][2] == "会议决定"
    assert "按时办结率 50%" in str(rows[-1][0])
    assert report.file_name == "督查通报_2026-12-02.xlsx"


async def test_report_refusals(services: Services) -> None:
    sup = wire(services).supervision
    with pytest.raises(NotFound):
        await sup.report(await actor(services, 1001))
    await make_task(services)
    with pytest.raises(PermissionDenied):
        await sup.report(await actor(services, 1006))
    assert (await sup.report(await actor(services, 1005))).total == 1  # a clerk may


async def test_weekly_report_on_its_weekday_or_the_first_working_day_after(
        services: Services) -> None:
    sup = wire(services).supervision
    await make_task(services)
    await sup.weekly_report(date(2026, 11, 27), local(2026, 11, 27, 10))  # a Friday
    assert await outbox_rows(services, "task-report:") == {}
    await sup.weekly_report(date(2026, 11, 30), local(2026, 11, 30, 8, 30))  # Monday
    sent = await outbox_rows(services, "task-report:2026w49:")
    assert len(sent) == 3  # the three leaders
    await sup.weekly_report(date(2026, 12, 1), local(2026, 12, 1, 8, 30))  # once a week
    assert len(await outbox_rows(services, "task-report:")) == 3
    # National Day week 2026: Monday 10-05 is a holiday; Thursday 10-08 is its first
    # working day, so the report goes then, and not again on Friday.
    await sup.weekly_report(date(2026, 10, 5), local(2026, 10, 5, 8, 30))
    assert await outbox_rows(services, "task-report:2026w41:") == {}
    await sup.weekly_report(date(2026, 10, 8), local(2026, 10, 8, 8, 30))
    assert len(await outbox_rows(services, "task-report:2026w41:")) == 3
    await sup.weekly_report(date(2026, 10, 9), local(2026, 10, 9, 8, 30))
    assert len(await outbox_rows(services, "task-report:2026w41:")) == 3
    # The bot was down all Monday 12-07: the report goes on Tuesday instead of not at all.
    await sup.weekly_report(date(2026, 12, 8), local(2026, 12, 8, 8, 30))
    assert len(await outbox_rows(services, "task-report:2026w50:")) == 3


# --- the digest --------------------------------------------------------------------------------


async def test_digest_on_working_days_only_and_briefly_when_nothing_waits(
        services: Services) -> None:
    sup = wire(services).supervision
    await sup.digest(date(2026, 11, 28), local(2026, 11, 28, 8))  # Saturday
    assert await outbox_rows(services, "digest:") == {}
    # The bot was down all morning: no digest once the working day is an hour old.
    await sup.digest(date(2026, 11, 30), local(2026, 11, 30, 9, 31))
    assert await outbox_rows(services, "digest:") == {}
    services.clock.set(local(2026, 11, 30, 8))  # type: ignore[attr-defined]
    await sup.digest(date(2026, 11, 30), local(2026, 11, 30, 8))
    wang = await actor(services, 1001)
    async with services.db.transaction() as s:
        row = await s.scalar(select(Notification).where(
            Notification.key == f"digest:2026-11-30:{wang.id}"))
    assert row is not None and not row.urgent
    from bot.i18n import t
    text = str(t("zh", row.template, **row.params))
    assert "今日无值班安排。" in text and "今日无待您处理的事项。" in text
    assert len(await outbox_rows(services, "digest:2026-11-30:")) == 3
