"""Progress, extensions and completion against a real database: who may, what is kept,
what each step leaves in the outbox and the audit log, and the input that changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.demo.seed import seed_office
from bot.i18n import t
from bot.services.container import Services
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.notifier import render_buttons
from bot.services.task_progress import FileRef, open_return, parse_percent
from bot.services.tasks import ACCEPTED, CANCELLED, DONE, SUBMITTED
from handlers.tasks_progress import task_detail_buttons, task_detail_lines
from storage.models import Notification, Task, TaskExtension
from tests.conftest import SHANGHAI
from tests.task_helpers import (
    actor,
    audit_actions,
    event_kinds,
    load_task,
    make_task,
    outbox_rows,
)

DEADLINE = datetime(2026, 12, 5, 17, 30, tzinfo=SHANGHAI)  # "12月5日" from START
NEW_DEADLINE = datetime(2026, 12, 20, 17, 30, tzinfo=SHANGHAI)


@pytest.fixture
async def services(services: Services) -> Services:
    await seed_office(services)
    return services


async def notes(services: Services, task_id: int) -> list[Notification]:
    async with services.db.transaction() as s:
        return list(await s.scalars(select(Notification).where(
            Notification.key.startswith(f"tasknote:{task_id}:")).order_by(Notification.id)))


async def set_status(services: Services, task_id: int, status: str) -> None:
    """What the core's cancel does to a task (not this part's concern)."""
    async with services.db.transaction() as s:
        await s.execute(update(Task).where(Task.id == task_id).values(status=status))


async def render_all(services: Services) -> set[str]:
    """Every message this part left in the outbox renders in both languages (the dispatcher
    would fail a row that does not); returns the templates seen."""
    async with services.db.transaction() as s:
        rows = list(await s.scalars(select(Notification).where(
            Notification.template.startswith("task_progress."))))
    for row in rows:
        for lang in ("zh", "en"):
            assert t(lang, row.template, **row.params)
            for line in render_buttons(row.buttons, lang) or []:
                assert all(label for label, _ in line)
    return {row.template for row in rows}


async def extensions(services: Services, task_id: int) -> list[TaskExtension]:
    async with services.db.transaction() as s:
        return list(await s.scalars(select(TaskExtension).where(
            TaskExtension.task_id == task_id).order_by(TaskExtension.id)))


# --- progress ------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "value"), [("60", 60), ("60%", 60), ("６０％", 60),
                                              (" 0 ", 0), ("100", 100)])
def test_percent_forms(typed: str, value: int) -> None:
    assert parse_percent(typed) == value


@pytest.mark.parametrize("typed", ["101", "-5", "abc", "", "六十", "60.5", "1000"])
def test_bad_percent(typed: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_percent(typed)
    assert err.value.key == "task_progress.bad_percent"


async def test_progress_normal_waits_for_the_digest_urgent_told_at_once(
        services: Services) -> None:
    zhang = await actor(services, "张伟")
    normal = await make_task(services, accept=True)
    urgent = await make_task(services, title="排查液化气隐患", priority="紧急", accept=True)
    progress = services.task_progress

    result = await progress.report(zhang, normal.id, "60", "已完成初稿")
    assert (result.percent, result.previous, result.told_now) == (60, 0, False)
    assert (await load_task(services, normal.id)).progress == 60
    assert "task_progress.notice" not in {n.template for n in await notes(services, normal.id)}

    photo = FileRef("photo-1", None)
    result = await progress.report(zhang, urgent.id, 30, "已排查 3 个村", photo)
    assert result.told_now
    told = [n for n in await notes(services, urgent.id) if n.template == "task_progress.notice"]
    wang = await actor(services, "王建国")
    assert [(n.recipient_id, n.urgent, n.params["percent"]) for n in told] == [
        (wang.id, True, 30)]
    assert told[0].buttons == [[{"key": "btn.taskp_files", "data": f"taskp:files:{urgent.id}"}]]

    # Down is allowed, and said.
    result = await progress.report(zhang, normal.id, 40, "数据需重新核对")
    assert result.went_down and (await load_task(services, normal.id)).progress == 40
    assert (await event_kinds(services, normal.id))[-2:] == ["progress", "progress"]
    assert (await audit_actions(services, normal.id))[-2:] == ["task.progress"] * 2

    since = await progress.progress_since(wang.id, datetime(2026, 11, 27, 9, 0,
                                                            tzinfo=SHANGHAI))
    assert [(n.task_id, n.percent, n.has_file, n.urgent) for n in since] == [
        (normal.id, 60, False, False), (urgent.id, 30, True, True),
        (normal.id, 40, False, False)]
    assert await progress.progress_since((await actor(services, "李明华")).id,
                                         datetime(2026, 11, 1, tzinfo=SHANGHAI)) == []


async def test_progress_refused_changes_nothing(services: Services) -> None:
    zhang, yang = await actor(services, "张伟"), await actor(services, "杨静")
    wang = await actor(services, "王建国")
    progress = services.task_progress
    waiting = await make_task(services)  # not accepted yet
    task = await make_task(services, title="整理档案", co_owners="黄磊", accept=True)

    async def refused(who: object, task_id: int, percent: object, text: str) -> str:
        before = await event_kinds(services, task_id)
        with pytest.raises((InvalidInput, PermissionDenied, Conflict, NotFound)) as err:
            await progress.report(who, task_id, percent, text)  # type: ignore[arg-type]
        assert await event_kinds(services, task_id) == before
        return err.value.key

    assert await refused(zhang, task.id, "120", "x") == "task_progress.bad_percent"
    assert await refused(zhang, task.id, "多半", "x") == "task_progress.bad_percent"
    assert await refused(zhang, task.id, 101, "x") == "task_progress.bad_percent"
    assert await refused(zhang, task.id, 50, "  ") == "task_progress.no_text"
    assert await refused(zhang, task.id, 50, "很" * 501) == "task_progress.too_long"
    assert await refused(yang, task.id, 50, "我来报") == "task.not_owner"
    assert await refused(wang, task.id, 50, "领导代报") == "task.not_owner"
    assert await refused(zhang, waiting.id, 50, "未接收") == "task_progress.accept_first"
    assert await refused(zhang, 999, 50, "无此事项") == "task.unknown"
    assert (await load_task(services, task.id)).progress == 0

    # A co-owner reports progress; only the owner asks for time or submits.
    huang = await actor(services, "黄磊")
    assert (await progress.report(huang, task.id, 20, "已收集资料")).percent == 20
    with pytest.raises(PermissionDenied):
        await progress.check_extend(huang, task.id)
    with pytest.raises(PermissionDenied):
        await progress.submit(huang, task.id, "已办结")

    await set_status(services, task.id, CANCELLED)
    assert await refused(zhang, task.id, 50, "已撤销") == "task.already_cancelled"
    await set_status(services, task.id, DONE)
    assert await refused(huang, task.id, 50, "已办结") == "task.already_done"


async def test_history_lines_and_files(services: Services) -> None:
    zhang = await actor(services, "张伟")
    task = await make_task(services, accept=True)
    progress = services.task_progress
    services.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    await progress.report(zhang, task.id, 30, "已完成调研", FileRef("doc-1", "调研.docx"))
    services.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    await progress.report(zhang, task.id, 60, "<b>初稿</b>已完成")
    lines = await task_detail_lines(services, task.id, "zh")
    assert lines == ["进度记录：", "11-27 10:05 30% 已完成调研 — 张伟 📎",
                     "11-27 11:05 60% &lt;b&gt;初稿&lt;/b&gt;已完成 — 张伟"]
    assert (await task_detail_lines(services, task.id, "en"))[0] == "Progress:"

    # Files: the parties, leaders, clerks and admins; not an unrelated colleague.
    for who in ("张伟", "王建国", "李明华", "刘芳", "陈志强"):
        _, files = await progress.files(await actor(services, who), task.id)
        assert files == [FileRef("doc-1", "调研.docx")]
    with pytest.raises(PermissionDenied):
        await progress.files(await actor(services, "杨静"), task.id)

    # The buttons under /task: the owner's actions and 📎; the assigner's decisions later.
    rows = await task_detail_buttons(services, zhang, task.id, "zh")
    assert [data for row in rows for _, data in row] == [
        f"taskp:report:{task.id}", f"taskp:extend:{task.id}", f"taskp:submit:{task.id}",
        f"taskp:files:{task.id}"]
    wang = await actor(services, "王建国")
    assert await task_detail_buttons(services, wang, task.id, "en") == [
        [("📎 Files", f"taskp:files:{task.id}")]]
    await progress.submit(zhang, task.id, "已完成")
    rows = await task_detail_buttons(services, wang, task.id, "zh")
    assert rows[0] == [("确认办结", f"taskp:confirm:{task.id}"),
                       ("退回", f"taskp:return:{task.id}")]
    assert (await task_detail_buttons(services, zhang, task.id, "zh"))[:1] == [
        [("📎 查看附件", f"taskp:files:{task.id}")]]

    empty = await make_task(services, title="空白事项")
    assert await task_detail_lines(services, empty.id, "zh") == ["进度记录：暂无。"]


# --- extensions ------------------------------------------------------------------------------


async def test_extension_approved_moves_the_deadline_and_its_reminders(
        services: Services) -> None:
    zhang, wang = await actor(services, "张伟"), await actor(services, "王建国")
    task = await make_task(services, accept=True, co_owners="杨静")
    progress = services.task_progress
    due = await outbox_rows(services, f"task:{task.id}:due:")
    assert set(due.values()) == {"pending"} and len(due) == 3

    when = await progress.parse_extension(zhang, task.id, "12月20日")
    assert when == NEW_DEADLINE
    ext = await progress.request_extension(zhang, task.id, when, "需等待县里批复")
    assert ext.status == "pending" and ext.old_deadline == DEADLINE
    card = await outbox_rows(services, f"taskp:{task.id}:ext:{ext.id}:card:")
    assert card == {f"taskp:{task.id}:ext:{ext.id}:card:{wang.id}": "pending"}

    # A second request while one waits, and decisions by anyone but the assigner: refused.
    with pytest.raises(Conflict) as err:
        await progress.split_extension(zhang, task.id, "12月25日 再延")
    assert err.value.key == "task_progress.ext_pending"
    for who in ("张伟", "李明华", "刘芳", "杨静"):
        with pytest.raises(PermissionDenied):
            await progress.approve_extension(await actor(services, who), ext.id)
        with pytest.raises(PermissionDenied):
            await progress.reject_extension(await actor(services, who), ext.id)
    assert (await load_task(services, task.id)).deadline == DEADLINE

    outcome = await progress.approve_extension(wang, ext.id)
    assert outcome.extension.status == "approved" and outcome.extension.decided_by == "王建国"
    assert (await load_task(services, task.id)).deadline == NEW_DEADLINE
    due = await outbox_rows(services, f"task:{task.id}:due:")
    assert sorted(due.values()) == ["cancelled"] * 3 + ["pending"] * 3
    assert all("202612200930" in k for k, v in due.items() if v == "pending")
    told = [n for n in await notes(services, task.id)
            if n.template == "task_progress.ext_approved_notice"]
    yang = await actor(services, "杨静")
    assert sorted(n.recipient_id for n in told) == sorted([zhang.id, yang.id])

    # First decision wins: a second press, either way, changes nothing.
    with pytest.raises(Conflict) as err:
        await progress.reject_extension(wang, ext.id, "不行")
    assert err.value.key == "task_progress.ext_already"
    assert [e.status for e in await extensions(services, task.id)] == ["approved"]
    assert (await event_kinds(services, task.id))[-2:] == ["extend_ask", "extend_ok"]
    assert (await audit_actions(services, task.id))[-3:] == [
        "task.extend_ask", "task.extend_approve", "task.deadline"]


async def test_extension_rejected_and_bad_dates(services: Services) -> None:
    zhang, wang = await actor(services, "张伟"), await actor(services, "王建国")
    task = await make_task(services, accept=True)
    progress = services.task_progress

    async def refused(text: str) -> str:
        with pytest.raises(InvalidInput) as err:
            await progress.split_extension(zhang, task.id, text)
        return err.value.key

    assert await refused("12月3日 提前") == "task_progress.ext_not_later"  # before 12月5日
    assert await refused("昨天 理由") == "time.past"
    assert await refused("改天 再说") == "time.unparsed"
    assert await refused("11月20日 理由") == "task_progress.ext_far"  # next year's, unasked
    with pytest.raises(InvalidInput):
        await progress.request_extension(zhang, task.id, NEW_DEADLINE, "  ")
    assert await extensions(services, task.id) == []

    when, reason = await progress.split_extension(zhang, task.id, "12月20日 17:00 需等待批复")
    assert (when, reason) == (NEW_DEADLINE - timedelta(minutes=30), "需等待批复")
    ext = await progress.request_extension(zhang, task.id, when, reason)
    outcome = await progress.reject_extension(wang, ext.id, "请按原时限完成")
    assert (outcome.extension.status, outcome.extension.comment) == ("rejected", "请按原时限完成")
    assert (await load_task(services, task.id)).deadline == DEADLINE
    told = [n for n in await notes(services, task.id)
            if n.template == "task_progress.ext_rejected_notice"]
    assert [n.recipient_id for n in told] == [zhang.id]
    assert await outbox_rows(services, f"taskp:{task.id}:ext:") == {
        f"taskp:{task.id}:ext:{ext.id}:card:{wang.id}": "cancelled"}  # never delivered

    # A request left undecided past its day lapses, and does not block a new one.
    later = await progress.request_extension(zhang, task.id, datetime(
        2026, 12, 10, 17, 30, tzinfo=SHANGHAI), "人手不足")
    services.clock.set(datetime(2026, 12, 11, 9, 0, tzinfo=SHANGHAI))  # type: ignore[attr-defined]
    outcome = await progress.approve_extension(wang, later.id)
    assert outcome.extension.status == "expired"
    assert (await load_task(services, task.id)).deadline == DEADLINE
    again = await progress.request_extension(zhang, task.id, NEW_DEADLINE, "人手不足")
    assert [e.status for e in await extensions(services, task.id)] == [
        "rejected", "expired", "pending"]
    # An admin may decide; a task closed meanwhile cannot be extended.
    await set_status(services, task.id, CANCELLED)
    with pytest.raises(Conflict):
        await progress.approve_extension(await actor(services, "陈志强"), again.id)
    assert await render_all(services) == {
        "task_progress.ext_card", "task_progress.ext_rejected_notice",
        "task_progress.ext_expired_notice"}


# --- completion ------------------------------------------------------------------------------


async def test_completion_returned_then_confirmed(services: Services) -> None:
    zhang, wang = await actor(services, "张伟"), await actor(services, "王建国")
    task = await make_task(services, accept=True, co_owners="杨静")
    progress = services.task_progress
    await progress.report(zhang, task.id, 90, "基本完成")

    view = await progress.submit(zhang, task.id, "方案已印发",
                                 [FileRef("f-1", "方案.pdf"), FileRef("p-1", None)])
    assert view.status == SUBMITTED and view.submitted_at is not None
    stored = await load_task(services, task.id)
    assert stored.result_note == "方案已印发"
    assert await outbox_rows(services, f"taskp:{task.id}:submit:") == {
        f"taskp:{task.id}:submit:0:{wang.id}": "pending"}
    with pytest.raises(Conflict) as err:
        await progress.report(zhang, task.id, 95, "再报")
    assert err.value.key == "task.already_submitted"

    # Not the assigner: refused. A return needs a reason.
    for who in ("张伟", "李明华", "刘芳", "杨静"):
        with pytest.raises(PermissionDenied):
            await progress.confirm(await actor(services, who), task.id)
        with pytest.raises(PermissionDenied):
            await progress.return_task(await actor(services, who), task.id, "理由")
    with pytest.raises(InvalidInput):
        await progress.return_task(wang, task.id, " ")
    assert (await load_task(services, task.id)).status == SUBMITTED

    async with services.db.transaction() as s:
        assert not await open_return(s, task.id)
    outcome = await progress.return_task(wang, task.id, "缺少村级台账")
    assert outcome.state == "returned" and outcome.task.status == ACCEPTED
    async with services.db.transaction() as s:
        assert await open_return(s, task.id)
    with pytest.raises(Conflict) as err:
        await progress.confirm(wang, task.id)
    assert err.value.key == "task_progress.not_submitted"
    history = await task_detail_lines(services, task.id, "zh")
    assert history[-1] == "↩️ 已退回待重新提交：缺少村级台账"

    await progress.submit(zhang, task.id, "已补充台账")
    async with services.db.transaction() as s:
        assert not await open_return(s, task.id)
    outcome = await progress.confirm(wang, task.id)
    stored = await load_task(services, task.id)
    assert (stored.status, stored.progress) == (DONE, 100) and stored.closed_at is not None
    assert set((await outbox_rows(services, f"task:{task.id}:due:")).values()) == {"cancelled"}
    told = [n.recipient_id for n in await notes(services, task.id)
            if n.template == "task_progress.confirmed_notice"]
    assert sorted(told) == sorted([zhang.id, (await actor(services, "杨静")).id])

    with pytest.raises(Conflict) as err:
        await progress.confirm(wang, task.id)
    assert err.value.key == "task.already_done"
    with pytest.raises(Conflict):
        await progress.return_task(wang, task.id, "再退")
    with pytest.raises(Conflict):
        await progress.report(zhang, task.id, 100, "已办结")
    assert await event_kinds(services, task.id) == [
        "assign", "accept", "progress", "submit", "file", "return", "submit", "confirm"]
    assert (await audit_actions(services, task.id))[-5:] == [
        "task.progress", "task.submit", "task.return", "task.submit", "task.confirm"]
    _, files = await progress.files(wang, task.id)
    assert files == [FileRef("f-1", "方案.pdf"), FileRef("p-1", None)]
    assert await render_all(services) == {
        "task_progress.submit_card", "task_progress.returned_notice",
        "task_progress.confirmed_notice"}


async def test_completion_refusals(services: Services) -> None:
    zhang = await actor(services, "张伟")
    task = await make_task(services, accept=True)
    progress = services.task_progress
    with pytest.raises(InvalidInput):
        await progress.submit(zhang, task.id, "")
    with pytest.raises(InvalidInput):
        await progress.submit(zhang, task.id, "完成", [FileRef(str(n), "a.pdf")
                                                     for n in range(6)])
    with pytest.raises(PermissionDenied):
        await progress.submit(await actor(services, "王建国"), task.id, "代为提交")
    assert (await load_task(services, task.id)).status == ACCEPTED

    # A pending extension lapses when the task is confirmed: nothing waits on a closed task.
    ext = await progress.request_extension(zhang, task.id, NEW_DEADLINE, "需要时间")
    await progress.submit(zhang, task.id, "已完成")
    await progress.confirm(await actor(services, "陈志强"), task.id)  # an admin may
    assert [e.status for e in await extensions(services, task.id)] == ["expired"]
    with pytest.raises(Conflict):
        await progress.approve_extension(await actor(services, "王建国"), ext.id)
    with pytest.raises(Conflict):
        await progress.check_extend(zhang, task.id)
