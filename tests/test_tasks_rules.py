"""Rules that keep supervision honest: nobody decides on their own work, and a task waiting
for the assigner is not chased or reminded."""

from __future__ import annotations

import pytest

from bot.demo.seed import seed_office
from bot.services.container import Services
from bot.services.errors import InvalidInput, PermissionDenied
from tests.task_helpers import actor, make_task, outbox_rows


@pytest.fixture
async def office(services: Services) -> Services:
    await seed_office(services)
    return services


async def test_nobody_assigns_to_themselves(office: Services) -> None:
    wang = await actor(office, "王建国")
    with pytest.raises(InvalidInput) as caught:
        await office.tasks.prepare(wang, "自己的事", "王建国", "12月5日")
    assert caught.value.key == "task.self_assign"
    clerk = await actor(office, "刘芳")
    with pytest.raises(InvalidInput) as by_clerk:
        await office.tasks.prepare(clerk, "自己的事", "刘芳", "12月5日", assigner="王书记")
    assert by_clerk.value.key == "task.self_assign"
    admin = await actor(office, "陈志强")  # an admin, not a leader: names the leader too
    with pytest.raises(InvalidInput) as unnamed:
        await office.tasks.prepare(admin, "某事", "张伟", "12月5日")
    assert unnamed.value.key == "task.need_assigner"


async def test_an_owner_who_may_decide_still_cannot_decide_their_own(office: Services) -> None:
    # 刘芳 (a clerk) enters a task for 王建国 given to 陈志强, an admin.
    task = await make_task(office, by="刘芳", owner="陈志强", assigner="王书记", accept=True)
    chen = await actor(office, "陈志强")
    await office.task_progress.submit(chen, task.id, "已完成")
    with pytest.raises(PermissionDenied) as caught:
        await office.task_progress.confirm(chen, task.id)
    assert caught.value.key == "task.own_decision"


async def test_a_submitted_task_gets_no_reminders_until_returned(office: Services) -> None:
    task = await make_task(office, owner="张伟", accept=True)
    assert "pending" in (await outbox_rows(office, f"task:{task.id}:due:")).values()
    zhang = await actor(office, "张伟")
    await office.task_progress.submit(zhang, task.id, "已完成初稿")
    assert "pending" not in (await outbox_rows(office, f"task:{task.id}:due:")).values()
    await office.task_progress.return_task(await actor(office, "王建国"), task.id, "缺少台账")
    assert "pending" in (await outbox_rows(office, f"task:{task.id}:due:")).values()


async def test_an_extension_overtaken_by_events_lapses(office: Services) -> None:
    task = await make_task(office, owner="张伟", deadline="12月5日", accept=True)
    zhang, wang = await actor(office, "张伟"), await actor(office, "王建国")
    tenth = office.tasks.parse_deadline("12月10日")
    asked = await office.task_progress.request_extension(zhang, task.id, tenth, "材料未齐")
    await office.task_assign.change(wang, task.id, deadline="12月20日")
    decided = await office.task_progress.approve_extension(wang, asked.id)
    assert decided.extension.status == "expired"
    after = await office.tasks.get(wang, task.id)
    assert after.deadline.astimezone(office.config.tz).day == 20  # not moved back to the 10th


async def test_an_urgent_task_given_after_the_morning_sweep_is_chased_today(
        office: Services) -> None:
    # Friday 10:00; the 08:30 sweep has been. Due 10:30: four working hours later is 14:30.
    task = await make_task(office, owner="张伟", deadline="今天上午10点半", priority="紧急",
                           accept=True)
    rows = await outbox_rows(office, f"task:{task.id}:chase:")
    assert rows == {f"task:{task.id}:chase:2026-11-27T1430": "pending"}
