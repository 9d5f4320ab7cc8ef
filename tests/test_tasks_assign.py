"""Handing tasks down against a real database: the one-line form, who may assign, the
owner's objection and the assigner's decisions on it, reassignment, changes, cancellation,
and meeting decisions turned into tasks."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.demo.seed import seed_office
from bot.services.container import Services
from bot.services.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from bot.services.task_assign import parse_task_line
from bot.services.tasks import ACCEPTED, ASSIGNED, CANCELLED, OBJECTED, URGENT
from storage.models import MeetingDecision, Notification, Staff, TaskCoOwner
from tests.conftest import SHANGHAI
from tests.task_helpers import (
    actor,
    audit_actions,
    event_kinds,
    load_task,
    make_task,
    outbox_rows,
)


@pytest.fixture
async def office(services: Services) -> Services:
    await seed_office(services)
    return services


async def refused(coro: object, kind: type[DomainError] = DomainError) -> str:
    with pytest.raises(kind) as caught:
        await coro  # type: ignore[misc]
    return caught.value.key


async def staff_id(services: Services, name: str) -> int:
    return (await actor(services, name)).id


# --- the one line ----------------------------------------------------------------------------

def test_one_line_fields_by_position_and_keyword() -> None:
    line = parse_task_line("编制冬季防火方案 | 张伟 | 12月5日 | 紧急 | 协办 杨静、周敏 "
                           "| 交办 王书记 | 来源 上级来文 | 含消防通道检查")
    assert (line.title, line.owner, line.deadline, line.priority) == (
        "编制冬季防火方案", "张伟", "12月5日", "紧急")
    assert (line.co_owners, line.assigner, line.source, line.details) == (
        "杨静、周敏", "王书记", "上级来文", "含消防通道检查")
    assert parse_task_line("报表｜张伟｜明天｜详情：按县里模板").details == "按县里模板"
    for bad, key in (("编制方案 | 张伟", "task_assign.usage"),
                     ("编制方案 | | 明天", "task_assign.usage"),
                     ("编制方案 | 张伟 | 明天 | 协办", "task_assign.field_empty"),
                     ("a | 张伟 | 明天 | 详情 x | 详情 y", "task_assign.field_twice")):
        with pytest.raises(InvalidInput) as caught:
            parse_task_line(bad)
        assert caught.value.key == key


async def test_a_leader_and_a_clerk_for_a_leader_hand_down_tasks(office: Services) -> None:
    service = office.task_assign
    wang, liu = await actor(office, "王建国"), await actor(office, "刘芳")
    draft = await service.prepare_line(
        wang, "编制冬季防火方案 | 张伟 | 12月5日 | 紧急 | 协办 杨静、周敏 | 来源 上级来文")
    assert (draft.owner_name, draft.assigner_name, draft.priority, draft.source) == (
        "张伟", "王建国", URGENT, "upper")
    assert draft.co_owner_names == ("杨静", "周敏") and not draft.on_behalf
    assert draft.deadline == datetime(2026, 12, 5, 17, 30, tzinfo=SHANGHAI)

    # A department means its head; a clerk names the leader and is recorded as entering it.
    draft = await service.prepare_line(liu, "招商数据统计 | 经济发展办 | 下周五 | 交办 李镇长")
    assert (draft.owner_name, draft.assigner_name, draft.on_behalf) == ("杨静", "李明华", True)
    view = await service.create(liu, draft)
    task = await load_task(office, view.id)
    assert (task.assigner_id, task.created_by_id) == (
        await staff_id(office, "李明华"), liu.id)
    assert list(await outbox_rows(office, f"task:{view.id}:card:")) == [
        f"task:{view.id}:card:0:{await staff_id(office, '杨静')}"]


async def test_bad_assignments_are_refused_and_nothing_is_made(office: Services) -> None:
    service = office.task_assign
    wang, liu, zhang = [await actor(office, n) for n in ("王建国", "刘芳", "张伟")]
    async with office.db.transaction() as s:
        s.add(Staff(name="孙强", title="干事", created_at=office.clock.now()))
    await office.people.deactivate(await actor(office, "陈志强"), "吴涛")
    cases = [
        (wang, "方案 | 张伟 | 昨天", "time.past"),
        (wang, "方案 | 张伟 | 今天上午9点", "time.past"),
        (wang, "方案 | 张伟 | 过几天再说", "time.unparsed"),
        (wang, "方案 | 赵六 | 明天", "people.unknown_name"),
        (wang, "方案 | 吴涛 | 明天", "duty.person_inactive"),
        (wang, "方案 | 孙强 | 明天", "task.owner_unregistered"),
        (wang, "方案 | 综合执法队 | 明天", "task.no_department_head"),
        (wang, "方案 | 张伟 | 明天 | 来源 网上", "task.bad_source"),
        (liu, "方案 | 张伟 | 明天", "task.need_assigner"),
        (liu, "方案 | 张伟 | 明天 | 交办 张伟", "task_assign.not_a_leader"),
        (zhang, "方案 | 杨静 | 明天", "error.forbidden"),
    ]
    for who, line, key in cases:
        assert await refused(service.prepare_line(who, line)) == key, line
    assert await refused(office.task_assign.check_owner("综合执法队")) == \
        "task.no_department_head"
    # TaskService itself refuses a non-leader named as the assigner (a forged or direct call).
    assert await refused(office.tasks.prepare(liu, "方案", "张伟", "明天", assigner="张伟")) \
        == "task_assign.not_a_leader"
    with pytest.raises(PermissionDenied):
        service.needs_leader(zhang)
    assert service.needs_leader(liu) and not service.needs_leader(wang)
    async with office.db.transaction() as s:
        assert await s.scalar(select(Notification.id)) is None


# --- objection and the assigner's decisions ----------------------------------------------------

async def test_objection_goes_to_the_assigner_and_the_entering_clerk(office: Services) -> None:
    service = office.task_assign
    liu, zhang, yang = [await actor(office, n) for n in ("刘芳", "张伟", "杨静")]
    view = await make_task(office, by="刘芳", assigner="王书记")
    wang_id = await staff_id(office, "王建国")

    assert await refused(service.object(yang, view.id, "不归我管"), PermissionDenied) == \
        "task.not_owner"
    assert await refused(service.object(zhang, view.id, "  "), InvalidInput) == \
        "task_assign.reason_missing"
    assert (await load_task(office, view.id)).status == ASSIGNED

    objected = await service.object(zhang, view.id, "该事项属综合执法队职责")
    assert objected.status == OBJECTED
    assert await refused(service.object(zhang, view.id, "再说一次"), Conflict) == \
        "task_assign.already_objected"
    rows = await outbox_rows(office, f"task:{view.id}:objection:")
    assert rows == {f"task:{view.id}:objection:1:{wang_id}": "pending",
                    f"task:{view.id}:objection:1:{liu.id}": "pending"}
    async with office.db.transaction() as s:
        card = await s.scalar(select(Notification).where(
            Notification.key == f"task:{view.id}:objection:1:{wang_id}"))
        assert card is not None and card.params["reason"] == "该事项属综合执法队职责"
        assert [b["data"] for b in card.buttons[0]] == [
            f"task:reassign:{view.id}", f"task:change:{view.id}", f"task:insist:{view.id}"]
    assert await event_kinds(office, view.id) == ["assign", "objection"]
    assert await audit_actions(office, view.id) == ["task.create", "task.object"]


async def test_forged_decisions_by_others_change_nothing(office: Services) -> None:
    service = office.task_assign
    zhang = await actor(office, "张伟")
    view = await make_task(office)
    await service.object(zhang, view.id, "人手不足")
    for name in ("张伟", "杨静", "李明华", "刘芳"):  # owner, staff, another leader, a clerk
        who = await actor(office, name)
        for attempt in (service.insist(who, view.id), service.reassign(who, view.id, "杨静"),
                        service.change(who, view.id, "12月10日"),
                        service.cancel(who, view.id, "不办了"),
                        service.check_decision(who, view.id)):
            assert await refused(attempt, PermissionDenied) == "task.not_assigner"
    task = await load_task(office, view.id)
    assert (task.status, task.owner.name) == (OBJECTED, "张伟")
    assert task.deadline == view.deadline
    assert await audit_actions(office, view.id) == ["task.create", "task.object"]


async def test_insist_sends_the_task_back_to_accept(office: Services) -> None:
    service = office.task_assign
    wang, zhang = await actor(office, "王建国"), await actor(office, "张伟")
    view = await make_task(office)
    assert await refused(service.insist(wang, view.id), Conflict) == "task_assign.not_objected"
    await service.object(zhang, view.id, "人手不足")

    outcome = await service.insist(wang, view.id)
    assert outcome.task.status == ASSIGNED and outcome.action == "insist"
    assert await refused(service.insist(wang, view.id), Conflict) == "task_assign.not_objected"
    cards = await outbox_rows(office, f"task:{view.id}:card:")
    assert cards == {f"task:{view.id}:card:0:{zhang.id}": "cancelled",
                     f"task:{view.id}:card:1:{zhang.id}": "pending"}
    # The objection card not yet delivered is no longer needed.
    assert set((await outbox_rows(office, f"task:{view.id}:objection:")).values()) == {
        "cancelled"}
    notes = await outbox_rows(office, f"tasknote:{view.id}:")
    assert any(k.endswith(f"task_assign.insisted_notice:{zhang.id}") for k in notes)
    accepted = await office.tasks.accept(zhang, view.id)
    assert accepted.status == ACCEPTED
    assert await event_kinds(office, view.id) == ["assign", "objection", "insist", "accept"]


async def test_reassign_moves_owner_card_and_reminders(office: Services) -> None:
    service = office.task_assign
    wang, zhang, yang = [await actor(office, n) for n in ("王建国", "张伟", "杨静")]
    view = await make_task(office, co_owners="杨静、周敏")
    await service.object(zhang, view.id, "该事项属经济发展办职责")
    assert await refused(service.reassign(wang, view.id, "张伟"), InvalidInput) == \
        "task_assign.same_owner"
    assert await refused(service.reassign(wang, view.id, "赵六"), NotFound) == \
        "people.unknown_name"

    outcome = await service.reassign(wang, view.id, "杨静", "熟悉招商情况")
    assert (outcome.task.owner.name, outcome.task.status) == ("杨静", ASSIGNED)
    assert outcome.before == {"owner_id": zhang.id, "owner": "张伟", "status": OBJECTED}
    assert [c.name for c in outcome.task.co_owners] == ["周敏"]  # no longer her own co-owner
    due = await outbox_rows(office, f"task:{view.id}:due:")
    assert due and all(
        status == ("pending" if key.endswith(f":{yang.id}") else "cancelled")
        for key, status in due.items())
    assert any(k.endswith(f":{yang.id}") for k in due)
    assert f"task:{view.id}:card:1:{yang.id}" in await outbox_rows(office, f"task:{view.id}:card:")
    notes = await outbox_rows(office, f"tasknote:{view.id}:")
    assert any(k.endswith(f"task_assign.reassigned_notice:{zhang.id}") for k in notes)
    async with office.db.transaction() as s:
        co = await s.scalar(select(TaskCoOwner).where(TaskCoOwner.task_id == view.id,
                                                      TaskCoOwner.staff_id == yang.id))
        assert co is not None and not co.active
    # The old owner's card is stale: only the new owner accepts.
    assert await refused(office.tasks.accept(zhang, view.id), PermissionDenied) == \
        "task.not_owner"
    assert (await office.tasks.accept(yang, view.id)).status == ACCEPTED
    assert await audit_actions(office, view.id) == [
        "task.create", "task.object", "task.reassign", "task.accept"]


async def test_change_after_objection_and_a_new_deadline(office: Services) -> None:
    service = office.task_assign
    wang, zhang = await actor(office, "王建国"), await actor(office, "张伟")
    view = await make_task(office)
    await service.object(zhang, view.id, "时间太紧")
    assert await refused(service.change(wang, view.id, "昨天"), InvalidInput) == "time.past"
    assert await refused(service.change(wang, view.id), InvalidInput) == \
        "task_assign.change_usage"
    assert await refused(service.change(wang, view.id, "12月5日"), InvalidInput) == \
        "task_assign.nothing_changed"

    outcome = await service.change(wang, view.id, "12月10日", "增加消防通道检查")
    task = await load_task(office, view.id)
    assert (task.status, task.details) == (ASSIGNED, "增加消防通道检查")
    assert task.deadline == datetime(2026, 12, 10, 17, 30, tzinfo=SHANGHAI)
    assert datetime.fromisoformat(outcome.before["deadline"]) == datetime(
        2026, 12, 5, 17, 30, tzinfo=SHANGHAI)
    assert f"task:{view.id}:card:1:{zhang.id}" in await outbox_rows(office, f"task:{view.id}:")
    due = await outbox_rows(office, f"task:{view.id}:due:")
    assert {k for k, v in due.items() if v == "pending"} == {
        f"task:{view.id}:due:202612100930:{label}:{zhang.id}" for label in ("3d", "1d", "day")}

    # Once accepted, a new deadline is told old -> new and the task stays accepted.
    await office.tasks.accept(zhang, view.id)
    outcome = await service.change(wang, view.id, "12月8日 12:00")
    assert outcome.task.status == ACCEPTED
    notes = await outbox_rows(office, f"tasknote:{view.id}:")
    assert sum(k.endswith(f"task_assign.changed_notice:{zhang.id}") for k in notes) == 2
    assert await event_kinds(office, view.id) == [
        "assign", "objection", "change", "accept", "change"]


async def test_cancel_stops_every_reminder_and_tells_the_owners(office: Services) -> None:
    service = office.task_assign
    wang, zhang = await actor(office, "王建国"), await actor(office, "张伟")
    zhou = await staff_id(office, "周敏")
    view = await make_task(office, co_owners="周敏")
    assert await refused(service.cancel(wang, view.id, " "), InvalidInput) == \
        "task_assign.cancel_usage"
    before = await outbox_rows(office, f"task:{view.id}:")
    assert "pending" in before.values()

    outcome = await service.cancel(wang, view.id, "上级已取消该项工作")
    task = await load_task(office, view.id)
    assert (task.status, task.closed_at) == (CANCELLED, office.clock.now())
    assert outcome.task.status == CANCELLED
    assert set((await outbox_rows(office, f"task:{view.id}:")).values()) == {"cancelled"}
    notes = await outbox_rows(office, f"tasknote:{view.id}:")
    assert {k.rsplit(":", 1)[-1] for k in notes if "cancelled_notice" in k} == {
        str(zhang.id), str(zhou)}
    assert await refused(service.cancel(wang, view.id, "再撤一次"), Conflict) == \
        "task.already_cancelled"
    assert await refused(office.tasks.accept(zhang, view.id), InvalidInput) == \
        "task.already_cancelled"
    assert await refused(service.reassign(wang, view.id, "杨静"), Conflict) == \
        "task.already_cancelled"


# --- meeting decisions --------------------------------------------------------------------------

async def decision(office: Services, organiser: str = "刘芳", owner: str = "张伟",
                   deadline: str = "12月15日") -> MeetingDecision:
    who = await actor(office, organiser)
    draft = await office.meetings.prepare(who, "党委会", "明天下午3点", "三楼会议室", "班子成员")
    meeting = await office.meetings.create(who, draft)
    office.clock.set(meeting.starts_at + timedelta(minutes=90))  # type: ignore[attr-defined]
    made = await office.minutes.add_decision(who, meeting.id, "完成村道修缮方案", owner,
                                             deadline)
    async with office.db.transaction() as s:
        stored = await s.get(MeetingDecision, made.id)
        assert stored is not None
        return stored


async def test_a_decision_becomes_a_task_linked_to_its_meeting(office: Services) -> None:
    service = office.task_assign
    wang, zhang = await actor(office, "王建国"), await actor(office, "张伟")
    made = await decision(office)
    assert await refused(service.decision_info(zhang, made.id), PermissionDenied) == \
        "task_assign.decision_not_allowed"
    info = await service.decision_info(wang, made.id)
    assert (info.owner, info.deadline, info.needs_assigner) == ("张伟", "2026-12-15", False)

    draft = await service.prepare(wang, info.text, info.owner, info.deadline,
                                  decision_id=made.id)
    assert (draft.source, draft.meeting_id, draft.decision_id) == ("meeting", made.meeting_id,
                                                                   made.id)
    view = await service.create(wang, draft)
    assert (view.meeting_id, view.decision_id, view.owner.name) == (made.meeting_id, made.id,
                                                                    "张伟")
    async with office.db.transaction() as s:
        stored = await s.get(MeetingDecision, made.id)
        assert stored is not None and stored.task_id == view.id
    assert await refused(service.decision_info(wang, made.id), Conflict) == \
        "task_assign.decision_linked"
    # A second confirmation card pressed later makes no second task.
    assert await refused(service.create(wang, draft), Conflict) == "task_assign.decision_linked"
    assert await refused(service.decision_info(wang, 999), NotFound) == \
        "meeting_minutes.decision_unknown"


async def test_a_clerks_decision_task_names_the_leader(office: Services) -> None:
    service = office.task_assign
    liu, chen = await actor(office, "刘芳"), await actor(office, "陈志强")
    made = await decision(office, owner="", deadline="")
    info = await service.decision_info(liu, made.id)
    # 刘芳 organised it (a clerk): the leader must be named; owner and deadline asked.
    assert (info.owner, info.deadline, info.needs_assigner, info.assigner) == ("", "", True, "")
    assert await refused(service.prepare(liu, info.text, "张伟", "12月20日",
                                         decision_id=made.id)) == "task.need_assigner"
    # A leader's meeting: the organiser is the one handing it down.
    led = await decision(office, organiser="王建国", deadline="明天")
    info = await service.decision_info(liu, led.id)
    assert (info.assigner, info.needs_assigner) == ("王建国", False)
    assert info.deadline == "2026-11-30"
    assert (await service.decision_info(chen, led.id)).assigner == ""  # an admin assigns
    # Past the end of the decision's working day, a new deadline is asked.
    office.clock.set(datetime(2026, 11, 30, 17, 31, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    assert (await service.decision_info(liu, led.id)).deadline == ""


async def test_clock_is_respected_by_deadlines(office: Services) -> None:
    wang = await actor(office, "王建国")
    office.clock.advance(timedelta(hours=8))  # type: ignore[attr-defined]
    assert await refused(office.task_assign.prepare_line(wang, "方案 | 张伟 | 今天")) == \
        "time.past"
