"""Approvers on the phone beyond the cards: `/seals pending` (待我审批) lists what waits on
someone who gets no leaders' digest, with the same 批准 / 驳回; an approver who is deactivated
leaves a request the admins are told about, and `/seals reassign` hands it on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.demo.seed_seals import seed_seals
from bot.sandbox import Sandbox
from bot.services import outbox
from bot.services.audit import history
from storage.models import SealRequest, Staff
from tests.conftest import texts
from tests.seal_helpers import buttons, last, message, pending_card, submit_request
from tests.task_helpers import actor

WANG, LI, ZHAO, CHEN, LIU, ZHANG, ZHOU = 1001, 1002, 1003, 1004, 1005, 1006, 1009
GOV, OFFICE = "示范镇人民政府印章", "党政办公室印章"
SEEDED = 1  # 周敏's request on 示范镇人民政府印章 (no head: vacant > 李明华), waiting on 李明华


@pytest.fixture
async def box(sandbox: Sandbox) -> Sandbox:
    await seed_seals(sandbox.services)
    await sandbox.tick()
    return sandbox


async def staff_id(s: AsyncSession, name: str) -> int:
    found = await s.scalar(select(Staff.id).where(Staff.name == name))
    assert found is not None
    return int(found)


async def status(box: Sandbox, request_id: int) -> str:
    async with box.db.transaction() as s:
        request = await s.get(SealRequest, request_id)
        assert request is not None
        return request.status


async def test_seals_pending_lists_what_waits_on_me_with_the_buttons(box: Sandbox) -> None:
    # 陈志强 heads 党政办 (an admin and clerk, not a leader): 张伟's two requests wait on him.
    gov = await submit_request(box, ZHANG, GOV, title="村道硬化工程施工合同")
    office = await submit_request(box, ZHANG, OFFICE, title="关于开具工作证明的函")
    assert "目前没有待您审批的用印申请。" in texts(await box.send(ZHANG, "/seals pending"))

    listed = await box.send(CHEN, "/seals pending")
    assert listed[0]["text"] == "📝 待我审批的用印申请（2 件）"
    assert [m["text"].split("\n")[0] for m in listed[1:]] == [
        f"🔏 用印审批 #{gov.id}（第 1/2 步）", f"🔏 用印审批 #{office.id}（第 1/2 步）"]
    assert "村道硬化工程施工合同" in listed[1]["text"]
    for card in listed[1:]:
        assert buttons(card) == ["✅ 批准", "❌ 驳回"]
    # The same list by its Chinese word.
    assert "待我审批的用印申请（2 件）" in texts(await box.send(CHEN, "/seals 待我审批"))

    box.clock.advance(timedelta(minutes=5))
    await box.tick()  # the cards the bot sent him too
    original = pending_card(box, CHEN, f"seal:approve:{gov.id}")
    assert original["message_id"] not in {m["message_id"] for m in listed}
    done = await box.press(CHEN, "✅ 批准", listed[1]["message_id"])
    assert done is not None and done["text"] == "已批准，已转 李明华 审批。"
    line = "✅ 陈志强 已于 11-27 10:05 批准"
    for message_id in (listed[1]["message_id"], original["message_id"]):
        edited = message(box, CHEN, message_id)
        assert line in edited["text"] and buttons(edited) == []

    await box.press(CHEN, "❌ 驳回", listed[2]["message_id"])
    assert "请输入驳回用印申请" in last(box, CHEN)["text"]
    await box.send(CHEN, "请附上证明对象的身份信息")
    assert await status(box, office.id) == "rejected"
    assert buttons(message(box, CHEN, listed[2]["message_id"])) == []
    assert "目前没有待您审批的用印申请。" in texts(await box.send(CHEN, "/seals pending"))

    # 李明华 has the seeded one and now 张伟's second step, oldest first.
    listed = await box.send(LI, "/seals pending")
    assert "（2 件）" in listed[0]["text"]
    assert f"#{SEEDED}（第 1/1 步）" in listed[1]["text"]
    assert "⚠️ 申请人所在部门未设负责人，已略过该步（部门负责人审批）。" in listed[1]["text"]
    assert f"#{gov.id}（第 2/2 步）" in listed[2]["text"]
    assert "陈志强 11-27 10:05 批准" in listed[2]["text"]


async def test_a_deactivated_approver_is_reported_and_reassigned(box: Sandbox) -> None:
    services = box.services
    chen = await actor(services, CHEN)
    # A request 李明华 shares with 赵丽 (或签): not stuck when he goes.
    await services.seals.add_seal(chen, "经济发展办公室印章", "刘芳", "李明华/赵丽")
    shared = await submit_request(box, ZHANG, "经济发展办公室印章", title="招商协议")
    await box.tick()
    pending_card(box, LI, f"seal:approve:{SEEDED}")
    async with box.db.transaction() as s:
        old_card_staff = await staff_id(s, "李明华")

    assert "已停用 李明华" in texts(await box.send(CHEN, "/deactivate 李明华"))
    await box.tick()
    alert = last(box, CHEN)["text"]
    assert alert == (
        f"⚠️ 用印申请 #{SEEDED}「关于申请综合执法车辆维修经费的请示」（周敏，示范镇人民政府印章）"
        "停在第 1 步：审批人 李明华 已停用，这一步没有其他人可以审批。\n"
        f"请发送 /seals reassign {SEEDED} 新审批人姓名，改由他人审批。")
    assert not [m for m in box.emu.bot_messages(CHEN)
                if f"#{shared.id}" in (m.get("text") or "") and "停在" in m["text"]]

    # Refused, nothing changed: not an admin; the applicant; someone deactivated; no name.
    assert "只有管理员可以改派审批人。" in texts(
        await box.send(LIU, f"/seals reassign {SEEDED} 王建国"))
    assert "周敏 是申请人，不能审批自己的申请。" in texts(
        await box.send(CHEN, f"/seals reassign {SEEDED} 周敏"))
    assert "李明华 已停用" in texts(await box.send(CHEN, f"/seals reassign {SEEDED} 李明华"))
    assert "/seals reassign 编号 新审批人" in texts(
        await box.send(CHEN, f"/seals reassign {SEEDED}"))
    assert "刘芳 不是当前这一步的审批人" in texts(
        await box.send(CHEN, f"/seals reassign {SEEDED} 刘芳 王建国"))
    async with box.db.transaction() as s:
        state = await services.approvals.for_subject(s, "seal", SEEDED)
        assert state is not None and [p.name for p in state.waiting_on] == ["李明华"]

    box.clock.advance(timedelta(minutes=10))
    done = texts(await box.send(CHEN, f"/seals reassign {SEEDED} 王建国"))
    assert done == (f"✅ 用印申请 #{SEEDED}「关于申请综合执法车辆维修经费的请示」已由 李明华 "
                    "改派给 王建国 审批，审批卡片已发给 王建国。")
    await box.tick()
    card = pending_card(box, WANG, f"seal:approve:{SEEDED}")
    assert card["text"].startswith(f"🔏 用印审批 #{SEEDED}（第 1/1 步）")
    assert buttons(card) == ["✅ 批准", "❌ 驳回"]
    assert "审批人已由 李明华 改为 王建国" in last(box, ZHOU)["text"]
    # 李明华's reminder went with him; 王建国 has his own.
    async with box.db.transaction() as s:
        reminders = await outbox.rows_with_prefix(s, f"seal:{SEEDED}:remind:")
        assert {(n.recipient_id, n.status) for n in reminders} == {
            (old_card_staff, "cancelled"), (await staff_id(s, "王建国"), "pending")}

    assert "已批准" in str((await box.press(WANG, "✅ 批准", card["message_id"]) or {})["text"])
    assert await status(box, SEEDED) == "approved"
    await box.tick()
    pending_card(box, LIU, f"seal:stamp:{SEEDED}")
    async with box.db.transaction() as s:
        state = await services.approvals.for_subject(s, "seal", SEEDED)
        assert state is not None
        approval_actions = [e.action for e in await history(s, "approval", state.id)]
        seal_actions = [e.action for e in await history(s, "seal_request", SEEDED)]
        assert approval_actions[-2:] == ["approval.replace", "approval.approve"]
        assert "seal.reassign" in seal_actions
        shared_row = await s.scalar(select(SealRequest).where(SealRequest.id == shared.id))
        assert shared_row is not None and shared_row.status == "pending"
