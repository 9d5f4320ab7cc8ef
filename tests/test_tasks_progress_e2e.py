"""Progress, extensions and completion end to end: the owner and the assigner on the emulator
press the buttons and type the answers; forged and repeated presses change nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import TaskExtension
from tests.conftest import LEADER, SHANGHAI, STAFF, texts
from tests.task_helpers import (
    actor,
    audit_actions,
    event_kinds,
    load_task,
    make_task,
    outbox_rows,
)

LI, YANG = 1002, 1007  # 李明华 (another leader), 杨静 (staff, not on the task)
NEW_DEADLINE = datetime(2026, 12, 20, 17, 30, tzinfo=SHANGHAI)


def last(sandbox: Sandbox, uid: int) -> dict[str, Any]:
    message = sandbox.emu.last_bot_message(uid)
    assert message is not None
    return message


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def answer_text(answer: dict[str, Any] | None) -> str:
    assert answer is not None
    return str(answer.get("text") or "")


def card(sandbox: Sandbox, uid: int, start: str) -> dict[str, Any]:
    """The person's newest message starting with `start`, as it stands (edits applied)."""
    found = [m for m in sandbox.emu.bot_messages(uid) if m.get("text", "").startswith(start)]
    assert found, f"no {start!r} message for {uid}"
    return found[-1]


def since(sandbox: Sandbox, uid: int, count: int) -> list[dict[str, Any]]:
    return sandbox.emu.bot_messages(uid)[count:]


async def own_message(sandbox: Sandbox, uid: int) -> int:
    """A message in the person's chat to forge a press from."""
    await sandbox.send(uid, "/whoami")
    return last(sandbox, uid)["message_id"]


async def test_progress_with_a_file_urgent_at_once_normal_in_the_digest(
        sandbox: Sandbox) -> None:
    normal = await make_task(sandbox.services, accept=True)
    urgent = await make_task(sandbox.services, title="排查液化气隐患", priority="紧急",
                             accept=True)
    await sandbox.tick()
    seen_by_leader = len(sandbox.emu.bot_messages(LEADER))

    # /progress lists the tasks; a button starts the conversation.
    listing = await sandbox.send(STAFF, "/progress")
    assert "请选择要报告进度的事项" in texts(listing)
    assert buttons(listing[-1]) == [f"#{normal.id} 编制冬季防火方案（0%）",
                                    f"#{urgent.id} 排查液化气隐患（0%）"]
    # /cancel leaves the conversation with nothing saved; the list's button starts again.
    await sandbox.press(STAFF, f"#{urgent.id} 排查液化气隐患（0%）")
    await sandbox.press(STAFF, "90%")
    assert "已取消" in texts(await sandbox.send(STAFF, "/cancel"))
    assert await event_kinds(sandbox.services, urgent.id) == ["assign", "accept"]
    await sandbox.press(STAFF, f"#{urgent.id} 排查液化气隐患（0%）",
                        message_id=listing[-1]["message_id"])
    asked = last(sandbox, STAFF)
    assert "当前 0%" in asked["text"] and buttons(asked) == [
        "10%", "30%", "50%", "70%", "90%", "100%"]
    # Bad percentages are refused and asked again; a menu label is not an answer.
    assert "“150”不是有效进度" in texts(await sandbox.send(STAFF, "150"))
    assert "“大半”不是有效进度" in texts(await sandbox.send(STAFF, "大半"))
    await sandbox.press(STAFF, "50%")
    assert "进度 50%。请简要说明进展情况" in last(sandbox, STAFF)["text"]
    asked_file = await sandbox.send(STAFF, "已排查 5 个村，发现隐患 3 处")
    assert "如有照片或文件" in texts(asked_file) and buttons(asked_file[-1]) == ["跳过"]
    saved = texts(await sandbox.send_document(STAFF, "隐患清单.xlsx", b"PK\x03\x04 list"))
    assert f"✅ 已报告进度：#{urgent.id}「排查液化气隐患」50%" in saved
    assert "📎 附件：隐患清单.xlsx" in saved and "紧急事项，已即时报告 王建国" in saved
    assert (await load_task(sandbox.services, urgent.id)).progress == 50

    # The assigner of the urgent task has it at once, with the file a press away.
    await sandbox.tick()
    notice = card(sandbox, LEADER, "📈")
    assert "张伟：50%（原 0%）" in notice["text"]
    assert "已排查 5 个村，发现隐患 3 处" in notice["text"]
    assert "📎 附件：隐患清单.xlsx" in notice["text"]
    assert buttons(notice) == ["📎 查看附件"]
    before = len(sandbox.emu.bot_messages(LEADER))
    await sandbox.press(LEADER, "📎 查看附件")
    got = since(sandbox, LEADER, before)
    assert "附件 1 个" in got[0]["text"]
    assert got[1]["document"]["file_name"] == "隐患清单.xlsx"
    # Someone not on the task cannot fetch them, even with a forged press.
    refused = await sandbox.press_data(YANG, await own_message(sandbox, YANG),
                                       f"taskp:files:{urgent.id}")
    assert "您无权查看该事项" in answer_text(refused)
    assert not any("document" in m for m in sandbox.emu.bot_messages(YANG))

    # A normal task's progress (one line, going down later) waits for the daily digest.
    done = texts(await sandbox.send(STAFF, f"/progress {normal.id} 60 已完成初稿"))
    assert "60%" in done and "将在每日汇总中报 王建国" in done
    down = texts(await sandbox.send(STAFF, f"/progress {normal.id} 40 数据需重新核对"))
    assert "进度由 60% 下调为 40%" in down
    refused_text = texts(await sandbox.send(STAFF, f"/progress {normal.id} 170 超额"))
    assert "“170”不是有效进度" in refused_text
    await sandbox.tick()
    assert [m["text"] for m in since(sandbox, LEADER, seen_by_leader)
            if m.get("text", "").startswith("📈")] == [notice["text"]]
    assert (await load_task(sandbox.services, normal.id)).progress == 40
    # /task shows the history (its lines come from this part).
    shown = texts(await sandbox.send(LEADER, f"/task {normal.id}"))
    assert "进度记录：" in shown and "11-27 10:00 60% 已完成初稿 — 张伟" in shown
    assert "11-27 10:00 50% 已排查 5 个村，发现隐患 3 处 — 张伟 📎" in texts(
        await sandbox.send(LEADER, f"/task {urgent.id}"))

    # Not the owner: refused with a reason, nothing recorded.
    assert "只有该事项的责任人" in texts(await sandbox.send(YANG, f"/progress {normal.id} 90 代报"))
    assert (await event_kinds(sandbox.services, normal.id)).count("progress") == 2


async def test_extension_approved_and_one_rejected(sandbox: Sandbox) -> None:
    task = await make_task(sandbox.services, accept=True)
    await sandbox.tick()

    # One line: the request goes to the assigner as a card.
    sent = texts(await sandbox.send(STAFF, f"/extend {task.id} 12月20日 需等待县里批复"))
    assert "已提交延期申请" in sent and "12月20日（周日） 17:30" in sent
    assert "等待 王建国 审批" in sent
    again = texts(await sandbox.send(STAFF, f"/extend {task.id} 12月30日 再延"))
    assert "已有延期申请" in again
    await sandbox.tick()
    ext_card = card(sandbox, LEADER, "⏳")
    assert "申请延至：12月20日（周日） 17:30" in ext_card["text"]
    assert "原因：需等待县里批复" in ext_card["text"] and buttons(ext_card) == ["同意", "不同意"]

    # Another leader forging the approval: refused, nothing changes.
    async with sandbox.db.transaction() as s:
        ext_id = (await s.scalars(select(TaskExtension.id))).one()
    forged = await sandbox.press_data(LI, await own_message(sandbox, LI),
                                      f"taskp:ext_ok:{ext_id}")
    assert "只有交办领导" in answer_text(forged)
    assert (await load_task(sandbox.services, task.id)).deadline != NEW_DEADLINE

    assert answer_text(await sandbox.press(LEADER, "同意")) == "已同意延期"
    decided = card(sandbox, LEADER, "⏳")
    assert buttons(decided) == [] and "✅ 王建国 已同意 · 11-27 10:00" in decided["text"]
    assert (await load_task(sandbox.services, task.id)).deadline == NEW_DEADLINE
    # A second press on the (stale) card: a polite answer, nothing changed.
    repeat = await sandbox.press_data(LEADER, decided["message_id"], f"taskp:ext_ok:{ext_id}")
    assert "该延期申请已处理：已同意" in answer_text(repeat)
    await sandbox.tick()
    told = card(sandbox, STAFF, "✅ 延期申请已同意")
    assert "新时限 12月20日（周日） 17:30" in told["text"]
    pending = await outbox_rows(sandbox.services, f"task:{task.id}:due:")
    assert {k.split(":")[3] for k, v in pending.items() if v == "pending"} == {"202612200930"}

    # Step by step: a date that will not do is asked again; then the reason.
    await sandbox.send(STAFF, f"/extend {task.id}")
    assert "当前时限 12月20日（周日） 17:30" in last(sandbox, STAFF)["text"]
    assert "须晚于当前时限" in texts(await sandbox.send(STAFF, "12月10日"))
    assert "无法识别时间" in texts(await sandbox.send(STAFF, "过几天"))
    assert "请说明延期原因" in texts(await sandbox.send(STAFF, "12月25日"))
    assert "已提交延期申请" in texts(await sandbox.send(STAFF, "春节前人手不足"))
    await sandbox.tick()
    await sandbox.press(LEADER, "不同意")
    assert "请输入意见" in last(sandbox, LEADER)["text"]
    assert "已不同意延期" in texts(await sandbox.send(LEADER, "请按期完成"))
    decided = card(sandbox, LEADER, "⏳")
    assert "❌ 王建国 不同意" in decided["text"] and "意见：请按期完成" in decided["text"]
    assert buttons(decided) == []
    await sandbox.tick()
    told = card(sandbox, STAFF, "❌ 延期申请未获同意")
    assert "办结时限仍为 12月20日（周日） 17:30" in told["text"]
    assert "意见：请按期完成" in told["text"]
    assert (await load_task(sandbox.services, task.id)).deadline == NEW_DEADLINE
    actions = await audit_actions(sandbox.services, task.id)
    assert [a for a in actions if a.startswith("task.extend")] == [
        "task.extend_ask", "task.extend_approve", "task.extend_ask", "task.extend_reject"]


async def test_completion_returned_then_confirmed(sandbox: Sandbox) -> None:
    task = await make_task(sandbox.services, accept=True, co_owners="杨静")
    await sandbox.tick()
    assert any(v == "pending" for v in (await outbox_rows(
        sandbox.services, f"task:{task.id}:")).values())

    listing = await sandbox.send(STAFF, "/done")
    await sandbox.press(STAFF, buttons(listing[-1])[0])
    assert "请填写办结情况" in last(sandbox, STAFF)["text"]
    asked = await sandbox.send(STAFF, "方案已印发各村")
    assert buttons(asked[-1]) == ["提交"]
    added = texts(await sandbox.send_document(STAFF, "防火方案.pdf", b"%PDF-1.4 plan"))
    assert "已收到 防火方案.pdf（共 1 个）" in added
    await sandbox.press(STAFF, "提交")
    assert "已提交办结" in last(sandbox, STAFF)["text"]
    await sandbox.tick()
    first = card(sandbox, LEADER, "✅ 办结申请")
    assert "办结情况：方案已印发各村" in first["text"] and "📎 附件 1 个" in first["text"]
    assert buttons(first) == ["确认办结", "退回", "📎 查看附件"]

    # The owner forging the confirmation of their own work: refused.
    forged = await sandbox.press_data(STAFF, await own_message(sandbox, STAFF),
                                      f"taskp:confirm:{task.id}")
    assert "只有交办领导" in answer_text(forged)
    assert (await load_task(sandbox.services, task.id)).status == "submitted"

    # Returned with a reason; the card shows it, the owner is told and carries on.
    await sandbox.press(LEADER, "退回", message_id=first["message_id"])
    assert "请输入退回理由" in last(sandbox, LEADER)["text"]
    assert "退回须说明理由" in texts(await sandbox.send(LEADER, "跳过"))
    assert "已退回" in texts(await sandbox.send(LEADER, "缺少村级台账"))
    returned = card(sandbox, LEADER, "✅ 办结申请")
    assert "↩️ 王建国 已退回" in returned["text"] and "理由：缺少村级台账" in returned["text"]
    assert buttons(returned) == []
    assert (await load_task(sandbox.services, task.id)).status == "accepted"
    await sandbox.tick()
    told = card(sandbox, STAFF, "↩️")
    assert "理由：缺少村级台账（王建国）" in told["text"]
    assert buttons(told) == ["📈 报告进度", "⏳ 申请延期", "✅ 提交办结"]

    # Submitted again from the notice, without files this time.
    await sandbox.press(STAFF, "✅ 提交办结", message_id=told["message_id"])
    await sandbox.send(STAFF, "已补充村级台账")
    await sandbox.send(STAFF, "提交")
    await sandbox.tick()
    second = card(sandbox, LEADER, "✅ 办结申请")
    assert second["message_id"] != first["message_id"]
    # The returned card, forged back to life, cannot decide the new submission.
    stale = await sandbox.press_data(LEADER, first["message_id"], f"taskp:confirm:{task.id}")
    assert "这张卡片已过时" in answer_text(stale)
    assert (await load_task(sandbox.services, task.id)).status == "submitted"

    assert answer_text(await sandbox.press(LEADER, "确认办结")) == "已确认办结"
    confirmed = card(sandbox, LEADER, "✅ 办结申请")
    assert "✅ 王建国 已确认办结 · 11-27 10:00" in confirmed["text"]
    stored = await load_task(sandbox.services, task.id)
    assert (stored.status, stored.progress) == ("done", 100)
    rows = await outbox_rows(sandbox.services, f"task:{task.id}:")
    assert rows and "pending" not in rows.values()
    await sandbox.tick()
    assert "已确认办结（王建国）" in card(sandbox, STAFF, "🎉")["text"]
    assert "已确认办结（王建国）" in card(sandbox, YANG, "🎉")["text"]
    repeat = await sandbox.press_data(LEADER, confirmed["message_id"], f"taskp:confirm:{task.id}")
    assert "该事项已办结" in answer_text(repeat)
    assert "该事项已办结" in texts(await sandbox.send(STAFF, f"/progress {task.id} 100 再报"))
    assert (await event_kinds(sandbox.services, task.id))[-4:] == [
        "submit", "return", "submit", "confirm"]


async def test_forged_presses_change_nothing(sandbox: Sandbox) -> None:
    task = await make_task(sandbox.services, accept=True)
    services = sandbox.services
    zhang = await actor(sandbox, STAFF)
    ext = await services.task_progress.request_extension(zhang, task.id, NEW_DEADLINE, "人手不足")
    await services.task_progress.submit(zhang, task.id, "已完成")
    await sandbox.tick()
    actions = await audit_actions(services, task.id)
    for uid in (LI, YANG, STAFF):
        where = await own_message(sandbox, uid)
        for data in (f"taskp:ext_ok:{ext.id}", f"taskp:ext_no:{ext.id}",
                     f"taskp:confirm:{task.id}", f"taskp:return:{task.id}"):
            answer = await sandbox.press_data(uid, where, data)
            assert "只有交办领导" in answer_text(answer), (uid, data)
    # No question was opened either: the next text is no reason for anything.
    assert "退回" not in texts(await sandbox.send(LI, "同意"))
    stored = await load_task(services, task.id)
    assert (stored.status, stored.deadline) == ("submitted", task.deadline)
    assert await audit_actions(services, task.id) == actions
    async with sandbox.db.transaction() as s:
        assert (await s.get(TaskExtension, ext.id)).status == "pending"  # type: ignore[union-attr]
