"""The weekly supervision report (督查通报) counted by the database, on an office with a
history: tasks done on time and late long ago, cancelled, closed last month, this week, and
still open. Every figure is checked against a count made by hand from the story below.

Also the leaders' digest's duty of the day: DutyService.shifts_on, bounded by MAX_SHIFT.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from bot.demo.seed import seed_office
from bot.i18n import ref
from bot.services.container import Services
from bot.services.task_supervision import ReportItem
from bot.services.tasks import ACCEPTED, ASSIGNED, CANCELLED, DONE, OBJECTED, SUBMITTED
from tests.conftest import SHANGHAI
from tests.task_helpers import actor, make_task


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
async def services(services: Services) -> Services:
    """The conftest's services with the seeded office (bot/demo/seed.py)."""
    await seed_office(services)
    services.supervision.use_calendar(services.calendar)
    services.supervision.use_office(services.duty, services.meetings)
    return services


def at(services: Services, when: datetime) -> None:
    services.clock.set(when)  # type: ignore[attr-defined]


async def done(services: Services, task_id: int, owner: str) -> None:
    """Submitted by the owner and confirmed by 王建国, both now."""
    await services.task_progress.submit(await actor(services, owner), task_id, "已完成")
    await services.task_progress.confirm(await actor(services, "王建国"), task_id)


async def test_report_counts_over_an_office_history(services: Services) -> None:
    wang = await actor(services, "王建国")
    clerk = await actor(services, "刘芳")

    # June: a, done on time; b, done late; c, cancelled; d, a meeting's task done on time.
    at(services, local(2026, 6, 1))
    a = await make_task(services, title="a 半年前按时", deadline="6月10日", accept=True)
    b = await make_task(services, title="b 半年前逾期办结", owner="杨静", deadline="6月10日",
                        accept=True)
    c = await make_task(services, title="c 半年前撤销", deadline="6月20日")
    d = await make_task(services, title="d 半年前会议事项", owner="周敏", deadline="6月20日",
                        source="会议决定", accept=True)
    await services.task_assign.cancel(wang, c.id, "不再需要")
    at(services, local(2026, 6, 5))
    await done(services, a.id, "张伟")
    await done(services, d.id, "周敏")
    at(services, local(2026, 6, 15))
    await done(services, b.id, "杨静")  # submitted five days after its deadline

    # November: a meeting, and tasks from it or typed as 会议决定; others, still open.
    at(services, local(2026, 11, 2))
    meeting = await services.meetings.create(clerk, await services.meetings.prepare(
        clerk, "党委会", "11月5日下午3点", "三楼会议室", "班子成员"))
    e = await make_task(services, title="e 上月办结的会议事项", owner="吴涛",
                        deadline="11月20日", source="会议决定", accept=True)
    f = await make_task(services, title="f 上月撤销的会议事项", deadline="11月25日",
                        meeting_id=meeting.id)
    g = await make_task(services, title="g 本周办结的会议事项", owner="周敏",
                        deadline="12月15日", meeting_id=meeting.id, accept=True)
    i = await make_task(services, title="i 本周逾期办结", deadline="12月10日", accept=True)
    j = await make_task(services, title="j 按时提交、本周确认", owner="杨静",
                        deadline="12月12日", accept=True)
    k = await make_task(services, title="k 逾期办理中", deadline="12月10日", accept=True)
    m = await make_task(services, title="m 逾期未接收的会议事项", owner="吴涛",
                        deadline="11月30日", source="会议决定")
    at(services, local(2026, 11, 10))
    await services.task_assign.cancel(wang, f.id, "并入其他事项")
    at(services, local(2026, 11, 18))
    await done(services, e.id, "吴涛")

    # The report's week runs from Wednesday 12-09 10:00 to Wednesday 12-16 10:00.
    at(services, local(2026, 12, 10))
    h = await make_task(services, title="h 本周撤销的会议事项", owner="黄磊",
                        deadline="12月20日", source="会议决定")
    l_ = await make_task(services, title="l 有异议且逾期", owner="黄磊", deadline="12月11日")
    o = await make_task(services, title="o 逾期后提交待确认", owner="周敏", deadline="12月12日",
                        accept=True)
    await services.task_assign.object(await actor(services, "黄磊"), l_.id, "不属于本部门职责")
    at(services, local(2026, 12, 11))
    await services.task_progress.submit(await actor(services, "张伟"), i.id, "已完成")
    await services.task_progress.submit(await actor(services, "杨静"), j.id, "已完成")
    at(services, local(2026, 12, 14))
    await done(services, g.id, "周敏")
    await services.task_progress.confirm(wang, i.id)
    await services.task_assign.cancel(wang, h.id, "会议决定调整")
    await services.task_progress.submit(await actor(services, "周敏"), o.id, "已完成")
    at(services, local(2026, 12, 15))
    await services.task_progress.confirm(wang, j.id)  # confirmed late: j is still on time
    n = await make_task(services, title="n 本周新交办", owner="周敏", deadline="12月25日")

    at(services, local(2026, 12, 16))
    report = await services.supervision.build_report()
    assert report is not None
    assert report.total == 15
    assert report.by_status == {ASSIGNED: 2, ACCEPTED: 1, OBJECTED: 1, SUBMITTED: 1,
                                DONE: 7, CANCELLED: 3}  # m n / k / l / o / a b d e g i j / c f h
    # Done on time, by the submission against the deadline: a d e g j; late: b i.
    assert (report.done, report.on_time, report.rate) == (7, 5, "71.4")
    assert report.new_this_week == 4  # h l o n
    assert report.done_this_week == 3  # g i j (h was cancelled, not done)
    # Overdue: still with the owner (or objected) after the deadline; o was submitted.
    # By department (党政办 before 社会事务办, as the code points go), then owner.
    assert [(x.id, x.department, x.owner, x.status, x.days_overdue)
            for x in report.overdue] == [
        (k.id, "党政办", "张伟", ACCEPTED, 6),
        (m.id, "社会事务办", "吴涛", ASSIGNED, 16),
        (l_.id, "社会事务办", "黄磊", OBJECTED, 5)]
    # From meetings: still open (m) or closed within the week (g done, h cancelled); d, e
    # and f were closed before the week and are no longer reported.
    assert report.from_meetings == [
        ReportItem(id=g.id, title="g 本周办结的会议事项", owner="周敏", department="综合执法队",
                   status=DONE, deadline=local(2026, 12, 15, 17, 30), days_overdue=0,
                   meeting="党委会", meeting_day=date(2026, 11, 5)),
        ReportItem(id=m.id, title="m 逾期未接收的会议事项", owner="吴涛",
                   department="社会事务办", status=ASSIGNED,
                   deadline=local(2026, 11, 30, 17, 30), days_overdue=16),
        ReportItem(id=h.id, title="h 本周撤销的会议事项", owner="黄磊", department="社会事务办",
                   status=CANCELLED, deadline=local(2026, 12, 20, 17, 30), days_overdue=0)]
    assert {d.id, e.id, f.id}.isdisjoint(x.id for x in report.from_meetings)

    params = services.supervision.report_params(report)
    assert (params["total"], params["done"], params["cancelled"], params["new"],
            params["closed"], params["overdue_count"]) == (15, 7, 3, 4, 3, 3)
    assert params["rate"] == ref("task_sup.report_rate", rate="71.4", on_time=5, done=7)
    assert len(params["meetings"]["lines"]) == 3

    # The ledger (Excel) still has every task, with the same figures in its note.
    sheet = load_workbook(io.BytesIO((await services.supervision.report(wang)).sheet)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    ids = {r[0] for r in rows[2:] if isinstance(r[0], int)}
    assert ids == {x.id for x in (a, b, c, d, e, f, g, h, i, j, k, l_, m, n, o)}
    assert "按时办结率 71.4%" in str(rows[-1][0])


async def test_on_time_is_against_the_deadline_as_extended(services: Services) -> None:
    zhang, wang = await actor(services, "张伟"), await actor(services, "王建国")
    at(services, local(2026, 11, 27))
    extended = await make_task(services, title="延期后按时", deadline="12月1日", accept=True)
    plain = await make_task(services, title="未延期逾期", deadline="12月1日", accept=True)
    asked = await services.task_progress.request_extension(
        zhang, extended.id, local(2026, 12, 10, 17, 30), "需要补充材料")
    await services.task_progress.approve_extension(wang, asked.id)
    at(services, local(2026, 12, 4))
    await done(services, extended.id, "张伟")
    await done(services, plain.id, "张伟")
    report = await services.supervision.build_report()
    assert report is not None
    # Both made exactly a week before the report: the week is what came after that moment.
    assert (report.done, report.on_time, report.done_this_week, report.new_this_week) == \
        (2, 1, 2, 0)
    assert report.overdue == [] and report.from_meetings == []


async def test_no_tasks_no_report(services: Services) -> None:
    assert await services.supervision.build_report() is None


# --- the digest's duty of the day ----------------------------------------------------------


async def test_shifts_on_a_day_include_those_begun_the_day_before(services: Services) -> None:
    """A night shift and a 24-hour shift begun the day before still run in the morning
    (the lower bound on starts_at, MAX_SHIFT, must not cut them off); one that ended
    before the day began does not."""
    clerk = await actor(services, "刘芳")
    duty = services.duty
    made = {}
    for day, kind in ((date(2026, 11, 29), "night"), (date(2026, 11, 30), "full"),
                      (date(2026, 12, 1), "day"), (date(2026, 12, 1), "night")):
        made[day, kind] = (await duty.create_shift(
            clerk, await duty.draft(clerk, day, kind, "张伟", "王建国"))).id
    assert [x.id for x in await duty.shifts_on(date(2026, 11, 30))] == [
        made[date(2026, 11, 29), "night"], made[date(2026, 11, 30), "full"]]
    assert [x.id for x in await duty.shifts_on(date(2026, 12, 1))] == [
        made[date(2026, 11, 30), "full"], made[date(2026, 12, 1), "day"],
        made[date(2026, 12, 1), "night"]]
    assert [x.id for x in await duty.shifts_on(date(2026, 12, 2))] == [
        made[date(2026, 12, 1), "night"]]
