"""Handing tasks down end to end: leaders and clerks on the emulator assign by one line and
step by step, owners accept and object, assigners reassign, change, insist and cancel, a
meeting decision becomes a task — and presses by the wrong people change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.sandbox import Sandbox
from bot.services.tasks import ACCEPTED, ASSIGNED, CANCELLED, OBJECTED
from storage.models import MeetingDecision
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts
from tests.task_helpers import actor, event_kinds, load_task, make_task, outbox_rows

LI, YANG, ZHOU = 1002, 1007, 1009  # 李明华 (another leader), 杨静, 周敏


def last(sandbox: Sandbox, uid: int) -> dict[str, Any]:
    message = sandbox.emu.last_bot_message(uid)
    assert message is not None
    return message


def buttons(message: dict[str, Any] | None) -> list[str]:
    markup = (message or {}).get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def popup(answer: dict[str, Any] | None) -> str:
    assert answer is not None
    return str(answer.get("text") or "")


async def objected(sandbox: Sandbox, reason: str = "该事项属综合执法队职责") -> tuple[int, int]:
    """王建国 hands a task to 张伟, who objects; returns the task id and the id of 王建国's
    objection card."""
    view = await make_task(sandbox)
    await sandbox.tick()
    await sandbox.press(STAFF, "有异议")
    await sandbox.send(STAFF, reason)
    await sandbox.tick()
    card = last(sandbox, LEADER)
    assert "交办事项有异议" in card["text"] and f"理由：{reason}" in card["text"]
    assert buttons(card) == ["改派", "修改", "坚持"]
    return view.id, card["message_id"]


async def test_one_line_then_the_owner_accepts(sandbox: Sandbox) -> None:
    card = await sandbox.send(
        LEADER, "/task 编制冬季防火方案 | 张伟 | 12月5日 | 紧急 | 协办 杨静、周敏 | 来源 上级来文")
    text = texts(card)
    assert "请确认交办事项" in text and "代" not in text.splitlines()[0]
    assert "办结时限：2026年12月5日（周六） 17:30" in text
    assert "⚠ 办结时限为休息日" in text
    assert "协办：杨静、周敏" in text and "紧急程度：紧急" in text and "来源：上级来文" in text
    assert buttons(card[-1]) == ["✅ 交办", "✖ 取消"]
    assert popup(await sandbox.press(LEADER, "✅ 交办")) == "已交办"
    assert "✅ 已交办 #1「编制冬季防火方案」" in last(sandbox, LEADER)["text"]
    # The confirmation pressed again (a forged replay of its token) makes no second task.
    again = await sandbox.press_data(LEADER, card[-1]["message_id"],
                                     card[-1]["reply_markup"]["inline_keyboard"][0][0][
                                         "callback_data"])
    assert "已失效" in popup(again)

    await sandbox.tick()
    owner_card = last(sandbox, STAFF)
    assert "交办事项</b>" not in owner_card["text"] and "编制冬季防火方案" in owner_card["text"]
    assert buttons(owner_card) == ["接收", "有异议"]
    assert "协办人" in last(sandbox, YANG)["text"] and "协办人" in last(sandbox, ZHOU)["text"]

    # Someone else pressing the owner's button is refused by the service.
    forged = await sandbox.press_data(YANG, last(sandbox, YANG)["message_id"], "task:accept:1")
    assert "只有该事项的责任人" in popup(forged)
    assert popup(await sandbox.press(STAFF, "接收")) == "已接收"
    edited = sandbox.emu.message(STAFF, owner_card["message_id"])
    assert edited is not None and edited["text"].startswith("✅ 已接收 #1「编制冬季防火方案」")
    assert buttons(edited) == ["📈 报告进度", "⏳ 申请延期", "✅ 提交办结"]  # what comes next
    repeat = await sandbox.press_data(STAFF, owner_card["message_id"], "task:accept:1")
    assert popup(repeat) == "该事项已接收。"
    await sandbox.tick()
    assert "张伟 已接收交办事项 #1" in last(sandbox, LEADER)["text"]

    shown = texts(await sandbox.send(STAFF, "/task 1"))
    assert "状态：办理中" in shown and "责任人：张伟" in shown and "交办记录：" in shown
    assert texts(await sandbox.send(STAFF_EN, "/task 1")) == "You cannot see that task."


async def test_step_by_step_by_a_clerk_for_a_leader(sandbox: Sandbox) -> None:
    assert "请输入事项名称" in texts(await sandbox.send(CLERK_KEEPER, "/task"))
    assert "交办领导" in texts(await sandbox.send(CLERK_KEEPER, "报送招商数据统计表"))
    # A name that is no leader is refused and asked again.
    again = texts(await sandbox.send(CLERK_KEEPER, "张伟"))
    assert "张伟 不是镇领导，不能作为交办领导。" in again and "请输入交办领导" in again
    assert "责任人" in texts(await sandbox.send(CLERK_KEEPER, "王书记"))
    assert "未设负责人" in texts(await sandbox.send(CLERK_KEEPER, "综合执法队"))
    assert "办结时限" in texts(await sandbox.send(CLERK_KEEPER, "经济发展办"))
    assert "已经过去了" in texts(await sandbox.send(CLERK_KEEPER, "昨天"))
    assert "无法识别时间" in texts(await sandbox.send(CLERK_KEEPER, "过几天"))
    assert "紧急程度" in texts(await sandbox.send(CLERK_KEEPER, "下周三"))
    await sandbox.press(CLERK_KEEPER, "普通")
    assert "具体要求" in last(sandbox, CLERK_KEEPER)["text"]
    card = texts(await sandbox.send(CLERK_KEEPER, "按县商务局模板"))
    assert "请确认交办事项（代 王建国 交办）" in card
    assert "责任人：杨静" in card and "办结时限：2026年12月2日（周三） 17:30" in card
    assert "要求：按县商务局模板" in card
    await sandbox.press(CLERK_KEEPER, "✅ 交办")

    await sandbox.tick()
    assert "报送招商数据统计表" in last(sandbox, YANG)["text"]
    await sandbox.press(YANG, "接收")
    task = await load_task(sandbox, 1)
    assert (task.status, task.owner.name, task.assigner.name) == (ACCEPTED, "杨静", "王建国")
    await sandbox.tick()
    assert "杨静 已接收" in last(sandbox, LEADER)["text"]


async def test_bad_input_in_the_chat(sandbox: Sandbox) -> None:
    assert "没有权限" in texts(await sandbox.send(STAFF, "/task"))
    assert "没有权限" in texts(await sandbox.send(STAFF, "/task 方案 | 杨静 | 明天"))
    assert "请写明交办领导" in texts(await sandbox.send(CLERK_KEEPER, "/task 方案 | 张伟 | 明天"))
    assert "未找到人员“赵六”" in texts(await sandbox.send(LEADER, "/task 方案 | 赵六 | 明天"))
    assert "交办格式" in texts(await sandbox.send(LEADER, "/task 方案 | 张伟"))
    assert "找不到该事项" in texts(await sandbox.send(LEADER, "/task 42"))
    # A step-by-step /task gives way to another command and to /cancel.
    await sandbox.send(LEADER, "/task")
    assert "未做任何修改" in texts(await sandbox.send(LEADER, "/cancel"))
    assert "用法" in texts(await sandbox.send(LEADER, "/task_cancel 1"))
    assert await outbox_rows(sandbox, "task:") == {}


async def test_objection_then_reassignment_and_a_forged_decision(sandbox: Sandbox) -> None:
    task_id, card_id = await objected(sandbox)
    owner_card = sandbox.emu.bot_messages(STAFF)[-3]
    assert "提出异议：该事项属综合执法队职责" in owner_card["text"] and buttons(owner_card) == []
    assert (await load_task(sandbox, task_id)).status == OBJECTED

    # Another leader, the owner and a clerk press forged decisions: nothing changes.
    for uid in (LI, STAFF, CLERK_KEEPER):
        await sandbox.send(uid, "/whoami")
        for data in (f"task:insist:{task_id}", f"task:reassign:{task_id}",
                     f"task:change:{task_id}"):
            refused = await sandbox.press_data(uid, last(sandbox, uid)["message_id"], data)
            assert "只有交办领导" in popup(refused), (uid, data)
    task = await load_task(sandbox, task_id)
    assert (task.status, task.owner.name) == (OBJECTED, "张伟")
    assert await event_kinds(sandbox, task_id) == ["assign", "objection"]

    # A step-by-step /task left half done does not take the answer meant for 改派.
    await sandbox.send(LEADER, "/task")
    assert "责任人" in texts(await sandbox.send(LEADER, "临时事项"))
    await sandbox.press(LEADER, "改派", message_id=card_id)
    assert "新责任人" in last(sandbox, LEADER)["text"]
    assert "未找到人员" in texts(await sandbox.send(LEADER, "赵六"))
    done = texts(await sandbox.send(LEADER, "杨静 熟悉情况"))
    assert "已改派：#1「编制冬季防火方案」张伟 → 杨静" in done
    closed = sandbox.emu.message(LEADER, card_id)
    assert closed is not None and "王建国" in closed["text"] and "改派给 杨静" in closed["text"]
    assert buttons(closed) == []
    # The old card's button pressed again: a polite answer, nothing changes.
    stale = await sandbox.press_data(LEADER, card_id, f"task:insist:{task_id}")
    assert "无需再作决定" in popup(stale)

    await sandbox.tick()
    assert "改派给 杨静，您无需再办理" in last(sandbox, STAFF)["text"]
    assert buttons(last(sandbox, YANG)) == ["接收", "有异议"]
    await sandbox.press(YANG, "接收")
    task = await load_task(sandbox, task_id)
    assert (task.status, task.owner.name) == (ACCEPTED, "杨静")
    due = await outbox_rows(sandbox, f"task:{task_id}:due:")
    yang = (await actor(sandbox, YANG)).id
    assert {k.rsplit(":", 1)[-1] for k, v in due.items() if v == "pending"} == {str(yang)}


async def test_insist_sends_it_back_to_the_owner(sandbox: Sandbox) -> None:
    task_id, card_id = await objected(sandbox, "人手不足")
    assert popup(await sandbox.press(LEADER, "坚持")) == "已坚持原交办"
    assert "已退回 张伟 接收" in last(sandbox, LEADER)["text"]
    assert "坚持原交办" in (sandbox.emu.message(LEADER, card_id) or {})["text"]
    assert (await load_task(sandbox, task_id)).status == ASSIGNED
    again = await sandbox.press_data(LEADER, card_id, f"task:insist:{task_id}")
    assert "无需再作决定" in popup(again)

    await sandbox.tick()
    notice, card = sandbox.emu.bot_messages(STAFF)[-2:]
    assert "王建国 坚持原交办" in notice["text"]
    assert buttons(card) == ["接收", "有异议"]
    await sandbox.press(STAFF, "接收", message_id=card["message_id"])
    assert (await load_task(sandbox, task_id)).status == ACCEPTED


async def test_change_after_objection_and_a_new_deadline_by_command(sandbox: Sandbox) -> None:
    task_id, _ = await objected(sandbox, "时间太紧")
    await sandbox.press(LEADER, "修改")
    assert "新办结时限" in last(sandbox, LEADER)["text"]
    assert "已经过去了" in texts(await sandbox.send(LEADER, "昨天"))
    done = texts(await sandbox.send(LEADER, "12月10日 | 详情 增加消防通道检查"))
    assert "办结时限 2026年12月5日（周六） 17:30 → 2026年12月10日（周四） 17:30" in done
    await sandbox.tick()
    notice, card = sandbox.emu.bot_messages(STAFF)[-2:]
    assert "办结时限：12月5日（周六） 17:30 → 12月10日（周四） 17:30" in notice["text"]
    assert "增加消防通道检查" in card["text"] and buttons(card) == ["接收", "有异议"]
    await sandbox.press(STAFF, "接收", message_id=card["message_id"])

    assert "只有交办领导" in texts(await sandbox.send(STAFF, "/task_deadline 1 12月20日"))
    assert "无法识别时间" in texts(await sandbox.send(LEADER, "/task_deadline 1 改天"))
    done = texts(await sandbox.send(LEADER, "/task_deadline 1 12月8日 12:00"))
    assert "→ 2026年12月8日（周二） 12:00" in done
    await sandbox.tick()
    assert "12月10日（周四） 17:30 → 12月8日（周二） 12:00" in last(sandbox, STAFF)["text"]
    task = await load_task(sandbox, task_id)
    assert task.status == ACCEPTED
    assert task.deadline == datetime(2026, 12, 8, 12, 0, tzinfo=SHANGHAI)
    pending = {k for k, v in (await outbox_rows(sandbox, f"task:{task_id}:due:")).items()
               if v == "pending"}
    assert pending and all(":202612080400:" in k for k in pending)

    done = texts(await sandbox.send(LEADER, "/task_reassign 1 周敏 人员调整"))
    assert "已改派：#1「编制冬季防火方案」张伟 → 周敏" in done
    await sandbox.tick()
    assert buttons(last(sandbox, ZHOU)) == ["接收", "有异议"]
    assert (await load_task(sandbox, task_id)).status == ASSIGNED


async def test_cancel_stops_the_reminders(sandbox: Sandbox) -> None:
    view = await make_task(sandbox, co_owners="周敏", accept=True)
    await sandbox.tick()
    assert "Only the assigning leader" in texts(
        await sandbox.send(STAFF_EN, f"/task_cancel {view.id} no"))
    done = texts(await sandbox.send(LEADER, f"/task_cancel {view.id} 上级已取消该项工作"))
    assert "已撤销 #1「编制冬季防火方案」" in done
    rows = await outbox_rows(sandbox, f"task:{view.id}:")
    assert rows and set(rows.values()) <= {"cancelled", "sent"}
    assert any(k.startswith(f"task:{view.id}:due:") and v == "cancelled"
               for k, v in rows.items())
    await sandbox.tick()
    for uid in (STAFF, ZHOU):
        assert "已由 王建国 撤销，无需再办理。理由：上级已取消该项工作" in \
            last(sandbox, uid)["text"]
    task = await load_task(sandbox, view.id)
    assert task.status == CANCELLED and task.closed_at is not None

    before = len(sandbox.emu.bot_messages(STAFF))
    await sandbox.advance(timedelta(days=9))  # past every reminder and the deadline
    assert len(sandbox.emu.bot_messages(STAFF)) == before
    again = texts(await sandbox.send(LEADER, f"/task_cancel {view.id} 再撤一次"))
    assert "该事项已撤销" in again


async def test_accepting_a_cancelled_task_is_refused(sandbox: Sandbox) -> None:
    view = await make_task(sandbox)
    await sandbox.tick()
    card = last(sandbox, STAFF)
    await sandbox.send(LEADER, f"/task_cancel {view.id} 重复交办")
    assert popup(await sandbox.press(STAFF, "接收", message_id=card["message_id"])) == \
        "该事项已撤销。"
    refused = await sandbox.press_data(STAFF, card["message_id"], f"task:object:{view.id}")
    assert popup(refused) == "该事项已撤销。"
    assert (await load_task(sandbox, view.id)).status == CANCELLED


async def test_a_meeting_decision_becomes_a_linked_task(sandbox: Sandbox) -> None:
    services = sandbox.services
    wang = await actor(sandbox, LEADER)
    draft = await services.meetings.prepare(wang, "党委会", "明天下午3点", "三楼会议室",
                                            "班子成员")
    meeting = await services.meetings.create(wang, draft)
    sandbox.clock.set(meeting.starts_at + timedelta(hours=2))
    decision = await services.minutes.add_decision(wang, meeting.id, "完成村道修缮方案",
                                                   "张伟", "12月15日")

    assert "组织人、镇领导或办公室人员" in texts(
        await sandbox.send(STAFF, f"/decision_task {decision.id}"))
    # A clerk: the organiser leads, so the task comes from him; nothing more to ask.
    card = texts(await sandbox.send(CLERK_KEEPER, f"/decision_task {decision.id}"))
    assert "完成村道修缮方案" in card and "（代 王建国 交办）" in card
    assert "来源：会议决定" in card and f"会议决定事项 #{decision.id}（会议 #{meeting.id}）" in card
    assert "办结时限：2026年12月15日（周二） 17:30" in card
    await sandbox.press(CLERK_KEEPER, "✅ 交办")
    task = await load_task(sandbox, 1)
    assert (task.source, task.meeting_id, task.decision_id, task.owner.name) == (
        "meeting", meeting.id, decision.id, "张伟")
    async with sandbox.db.transaction() as s:
        stored = await s.get(MeetingDecision, decision.id)
        assert stored is not None and stored.task_id == task.id
    assert "已转为督办事项" in texts(await sandbox.send(ADMIN, f"/decision_task {decision.id}"))
    shown = texts(await sandbox.send(LEADER, "/task 1"))
    assert f"会议决定事项 #{decision.id}" in shown

    # A decision without owner or deadline: both are asked.
    bare = await services.minutes.add_decision(wang, meeting.id, "加强秋冬季防火宣传")
    assert "责任人" in texts(await sandbox.send(LEADER, f"/decision_task {bare.id}"))
    assert "办结时限" in texts(await sandbox.send(LEADER, "周敏"))
    card = texts(await sandbox.send(LEADER, "12月20日"))
    assert "责任人：周敏" in card and "加强秋冬季防火宣传" in card
