"""Seal approvals end to end: approvers on the emulator press 批准 / 驳回 / 查看文件 on the
cards the bot sends, type a reason, and press buttons they should not; the clock moves for
the pending reminder. Requests are made through SealService (the /seal conversation has its
own tests)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.demo.seed_seals import seed_seals
from bot.sandbox import Sandbox
from bot.services.audit import history
from bot.services.seals import RequestView, SealDraft
from storage.models import ApprovalDecision, AuditEntry, Notification, SealRequest
from tests.conftest import SHANGHAI, texts

WANG, LI, ZHAO, CHEN, LIU, ZHANG, ZHOU = 1001, 1002, 1003, 1004, 1005, 1006, 1009
GOV, OFFICE = "示范镇人民政府印章", "党政办公室印章"
SEEDED = 1  # 周敏's request on 示范镇人民政府印章, waiting on 李明华 since Fri 10:00
APPROVE, REJECT, FILE = "✅ 批准", "❌ 驳回", "📎 查看文件"


@pytest.fixture
async def box(sandbox: Sandbox) -> Sandbox:
    await seed_seals(sandbox.services)
    await sandbox.tick()  # the seeded request's card reaches 李明华
    return sandbox


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


async def submit(box: Sandbox, applicant: int, seal: str, *, file: bytes | None = None,
                 title: str = "关于2026年度冬季防火工作的报告") -> RequestView:
    services = box.services
    actor = await services.people.resolve_actor(applicant, "", None)
    assert actor is not None
    seal_id = next(s.id for s in await services.seals.seals(actor) if s.name == seal)
    file_id, file_name = "", ""
    if file is not None:
        # As if the applicant had sent it to the bot: the emulator keeps the bytes.
        stored = box.emu.state.store_file("document", file, "防火工作报告.docx")
        file_id, file_name = stored.file_id, "防火工作报告.docx"
    return await services.seals.submit(actor, SealDraft(
        seal_id=seal_id, title=title, doc_type="report", copies=3, purpose="报县应急管理局",
        recipient="县应急管理局", file_id=file_id, file_name=file_name))


def cards(box: Sandbox, uid: int, request_id: int) -> list[dict[str, Any]]:
    """The approval cards and reminders of one request in a chat, as they look now."""
    return [m for m in box.emu.bot_messages(uid)
            if (f"用印审批 #{request_id}（" in (m.get("text") or "")
                or f"用印申请 #{request_id} 等待您审批" in (m.get("text") or ""))]


def card(box: Sandbox, uid: int, request_id: int) -> dict[str, Any]:
    found = cards(box, uid, request_id)
    assert len(found) == 1, (uid, [m.get("text") for m in box.emu.bot_messages(uid)])
    return found[0]


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def text_of(box: Sandbox, uid: int, message_id: int) -> str:
    message = box.emu.message(uid, message_id)
    assert message is not None
    return str(message.get("text"))


def popup(answer: dict[str, Any] | None) -> str:
    assert answer is not None
    return str(answer.get("text") or "")


async def status(box: Sandbox, request_id: int) -> str:
    async with box.db.transaction() as s:
        request = await s.get(SealRequest, request_id)
        assert request is not None
        return request.status


async def decisions(box: Sandbox) -> int:
    async with box.db.transaction() as s:
        return int(await s.scalar(select(func.count(ApprovalDecision.id))) or 0)


async def audits(box: Sandbox) -> int:
    async with box.db.transaction() as s:
        return int(await s.scalar(select(func.count(AuditEntry.id))) or 0)


async def approval_actions(box: Sandbox, request_id: int) -> list[str]:
    async with box.db.transaction() as s:
        state = await box.services.approvals.for_subject(s, "seal", request_id)
        assert state is not None
        return [e.action for e in await history(s, "approval", state.id)]


def notes(box: Sandbox, uid: int, request_id: int) -> list[str]:
    return [str(m.get("text")) for m in box.emu.bot_messages(uid)
            if f"用印申请 #{request_id}" in str(m.get("text"))]


# --- a two-step route, rejected at the second step ------------------------------------------------


async def test_two_steps_head_then_leader_rejected_with_a_reason(box: Sandbox) -> None:
    view = await submit(box, ZHANG, GOV, file=b"PK\x03\x04 report")
    await box.tick()
    first = card(box, CHEN, view.id)  # 张伟's department head
    assert "第 1/2 步" in first["text"] and "申请人：张伟（党政办）" in first["text"]
    assert "附件：防火工作报告.docx" in first["text"]
    assert buttons(first) == [APPROVE, REJECT, FILE]

    # The head opens the document, then approves.
    await box.press(CHEN, FILE, first["message_id"])
    sent = box.emu.bot_messages(CHEN)[-1]
    assert sent["document"]["file_name"] == "防火工作报告.docx"
    assert box.emu.file_bytes(sent["document"]["file_id"]) == b"PK\x03\x04 report"
    assert f"用印申请 #{view.id}「关于2026年度冬季防火工作的报告」附件" in sent["caption"]

    box.clock.advance(timedelta(minutes=4))
    assert popup(await box.press(CHEN, APPROVE, first["message_id"])) \
        == "已批准，已转 李明华 审批。"
    first = card(box, CHEN, view.id)
    assert "✅ 陈志强 已于 11-27 10:04 批准" in first["text"] and buttons(first) == []
    await box.tick()
    assert any("陈志强 已批准，转 李明华 审批" in n for n in notes(box, ZHANG, view.id))
    second = card(box, LI, view.id)
    assert "第 2/2 步" in second["text"] and "陈志强 11-27 10:04 批准" in second["text"]

    # 驳回 asks for the reason; a reason that says nothing is asked again; /cancel leaves
    # the request as it was.
    before = await audits(box)
    assert popup(await box.press(LI, REJECT, second["message_id"])) == ""
    assert "请输入驳回用印申请" in box.emu.bot_messages(LI)[-1]["text"]
    again = texts(await box.send(LI, "。"))
    assert "驳回时请填写理由" in again and "请重新输入驳回理由" in again
    # A menu button is its own action, never the reason.
    assert "驳回" not in texts(await box.send(LI, "👤 我的信息"))
    assert await status(box, view.id) == "pending"
    assert "已取消" in texts(await box.send(LI, "/cancel"))
    assert await status(box, view.id) == "pending" and await audits(box) == before
    assert buttons(card(box, LI, view.id)) == [APPROVE, REJECT, FILE]
    # The question is closed: a later message is not taken as a reason.
    await box.send(LI, "经费来源不明确")
    assert await status(box, view.id) == "pending"

    box.clock.advance(timedelta(minutes=6))
    await box.press(LI, REJECT, second["message_id"])
    done = texts(await box.send(LI, "经费来源不明确，请补充预算明细"))
    assert f"已驳回用印申请 #{view.id}「关于2026年度冬季防火工作的报告」，已通知申请人" in done
    second = card(box, LI, view.id)
    assert "❌ 李明华 已于 11-27 10:10 驳回：经费来源不明确，请补充预算明细" in second["text"]
    assert buttons(second) == []
    # The first step's card keeps its own decision.
    assert "✅ 陈志强 已于 11-27 10:04 批准" in card(box, CHEN, view.id)["text"]
    await box.tick()
    assert any("被 李明华 驳回。理由：经费来源不明确，请补充预算明细" in n
               for n in notes(box, ZHANG, view.id))
    assert await status(box, view.id) == "rejected"
    assert await approval_actions(box, view.id) == [
        "approval.open", "approval.submit", "approval.approve", "approval.reject"]
    # Rejected: no keeper is asked to stamp it.
    assert not any("待用印" in str(m.get("text")) and f"#{view.id}" in str(m.get("text"))
                   for m in box.emu.bot_messages(LIU))


# --- an any-of step -------------------------------------------------------------------------------


async def test_any_of_the_second_approver_sees_the_first_ones_decision(box: Sandbox) -> None:
    view = await submit(box, ZHANG, OFFICE)  # 陈志强 > 王建国/赵丽
    await box.tick()
    await box.press(CHEN, APPROVE, card(box, CHEN, view.id)["message_id"])
    await box.tick()
    wang, zhao = card(box, WANG, view.id), card(box, ZHAO, view.id)
    assert "或签" in wang["text"] and buttons(zhao) == [APPROVE, REJECT]

    # 赵丽 starts to reject; 王建国 approves while she types her reason.
    await box.press(ZHAO, REJECT, zhao["message_id"])
    box.clock.advance(timedelta(minutes=20))
    assert popup(await box.press(WANG, APPROVE, wang["message_id"])) \
        == "已批准，已通知申请人和印章保管人。"
    for uid in (WANG, ZHAO):
        edited = card(box, uid, view.id)
        assert "✅ 王建国 已于 11-27 10:20 批准" in edited["text"], uid
        assert buttons(edited) == [], uid
    late = texts(await box.send(ZHAO, "材料不全"))
    assert "这一步已由 王建国 于 11-27 10:20 批准，无需再处理。" in late

    # 赵丽 presses on her (now stale) card all the same: told who decided, nothing changed.
    count, logged = await decisions(box), await audits(box)
    refused = await box.press_data(ZHAO, zhao["message_id"], f"seal:approve:{view.id}")
    assert popup(refused) == "这一步已由 王建国 于 11-27 10:20 批准，无需再处理。"
    refused = await box.press_data(ZHAO, zhao["message_id"], f"seal:reject:{view.id}")
    assert "王建国" in popup(refused)
    assert await decisions(box) == count and await audits(box) == logged
    assert await status(box, view.id) == "approved"

    await box.tick()
    assert any("已批准（王建国）" in n for n in notes(box, ZHANG, view.id))
    for keeper in (LIU, CHEN):  # the keepers of 党政办公室印章
        assert any("待用印" in str(m.get("text")) and f"#{view.id}" in str(m.get("text"))
                   for m in box.emu.bot_messages(keeper)), keeper


# --- an all-of step (会签) ------------------------------------------------------------------------


async def test_all_of_the_first_approver_waits_for_the_second(box: Sandbox) -> None:
    admin = await box.services.people.resolve_actor(CHEN, "", None)
    assert admin is not None
    await box.services.seals.add_seal(admin, "财务专用章", "刘芳", "王建国+李明华 > 赵丽")
    view = await submit(box, ZHANG, "财务专用章")
    await box.tick()
    wang, li = card(box, WANG, view.id), card(box, LI, view.id)
    assert "会签" in wang["text"] and buttons(li) == [APPROVE, REJECT]

    # The first of the two: told the others still decide; the request waits at this step.
    assert popup(await box.press(WANG, APPROVE, wang["message_id"])) \
        == "已批准，待其他会签人审批。"
    assert buttons(card(box, WANG, view.id)) == []
    assert buttons(card(box, LI, view.id)) == [APPROVE, REJECT]
    await box.tick()
    assert cards(box, ZHAO, view.id) == [] and await status(box, view.id) == "pending"

    # The second: the step is done, the request moves on to 赵丽; both cards show both.
    box.clock.advance(timedelta(minutes=5))
    assert popup(await box.press(LI, APPROVE, li["message_id"])) == "已批准，已转 赵丽 审批。"
    for uid in (WANG, LI):
        closed = card(box, uid, view.id)
        assert "✅ 王建国 已于 11-27 10:00 批准\n✅ 李明华 已于 11-27 10:05 批准" \
            in closed["text"], uid
        assert buttons(closed) == [], uid
    await box.tick()
    assert "第 2/2 步" in card(box, ZHAO, view.id)["text"]
    assert await status(box, view.id) == "pending"

    # In English for an approver who reads English, first of the two again.
    await box.send(LI, "/lang en")
    other = await submit(box, ZHANG, "财务专用章", title="关于拨付防火物资经费的请示")
    await box.tick()
    english = box.emu.bot_messages(LI)[-1]
    assert f"Seal request #{other.id} (step 1/2" in english["text"]
    assert popup(await box.press(LI, "✅ Approve", english["message_id"])) \
        == "Approved; waiting for the other approvers of this step."
    assert popup(await box.press(WANG, APPROVE, card(box, WANG, other.id)["message_id"])) \
        == "已批准，已转 赵丽 审批。"
    await box.tick()
    assert len(cards(box, ZHAO, other.id)) == 1


# --- self-approval routed past --------------------------------------------------------------------


async def test_a_leader_and_a_head_are_routed_past_themselves(box: Sandbox) -> None:
    # 王建国 heads 镇党委 (the 部门负责人 step) and is on the leaders' step: only 赵丽 decides.
    mine = await submit(box, WANG, OFFICE, title="关于召开全镇安全生产会议的通知")
    await box.tick()
    assert cards(box, WANG, mine.id) == []
    only = card(box, ZHAO, mine.id)
    assert "第 1/1 步" in only["text"] and "申请人：王建国（镇党委）" in only["text"]
    assert popup(await box.press(ZHAO, APPROVE, only["message_id"])) \
        == "已批准，已通知申请人和印章保管人。"
    assert await status(box, mine.id) == "approved"

    # 陈志强, head of 党政办, applies on its seal: straight to the leaders.
    his = await submit(box, CHEN, OFFICE)
    await box.tick()
    assert cards(box, CHEN, his.id) == []
    assert "第 1/1 步" in card(box, WANG, his.id)["text"]
    assert "第 1/1 步" in card(box, ZHAO, his.id)["text"]


# --- forged, repeated and stale presses -----------------------------------------------------------


async def test_a_forged_approval_from_staff_changes_nothing(box: Sandbox) -> None:
    await box.send(ZHANG, "/whoami")
    own = box.emu.bot_messages(ZHANG)[-1]["message_id"]
    own_text = text_of(box, ZHANG, own)
    count, logged = await decisions(box), await audits(box)
    for data in (f"seal:approve:{SEEDED}", f"seal:reject:{SEEDED}"):
        refused = await box.press_data(ZHANG, own, data)
        assert popup(refused) == "您不是该申请的审批人，不能审批。"
    refused = await box.press_data(ZHANG, own, f"seal:file:{SEEDED}")
    assert popup(refused) == "您无权查看该用印申请。"
    # No question was opened by the forged 驳回: his next message is no reason.
    await box.send(ZHANG, "不同意")
    assert await decisions(box) == count and await audits(box) == logged
    assert await status(box, SEEDED) == "pending"
    assert buttons(card(box, LI, SEEDED)) == [APPROVE, REJECT]
    # The message the forged presses came from is left as it was.
    assert text_of(box, ZHANG, own) == own_text


async def test_a_double_press_is_recorded_once(box: Sandbox) -> None:
    seeded = card(box, LI, SEEDED)
    assert popup(await box.press(LI, APPROVE, seeded["message_id"])) \
        == "已批准，已通知申请人和印章保管人。"
    logged = await audits(box)
    again = await box.press_data(LI, seeded["message_id"], f"seal:approve:{SEEDED}")
    assert popup(again) == "您已于 11-27 10:00 批准，无需重复操作。"
    again = await box.press_data(LI, seeded["message_id"], f"seal:reject:{SEEDED}")
    assert popup(again) == "您已于 11-27 10:00 批准，无需重复操作。"
    assert await audits(box) == logged
    assert await approval_actions(box, SEEDED) == [
        "approval.open", "approval.submit", "approval.approve"]
    async with box.db.transaction() as s:
        keeper_rows = list(await s.scalars(select(Notification.key).where(
            Notification.key.startswith(f"seal:{SEEDED}:keeper:"))))
    assert len(keeper_rows) == 1  # 刘芳, once
    assert buttons(card(box, LI, SEEDED)) == []


async def test_a_press_on_a_withdrawn_request_redraws_the_card(box: Sandbox) -> None:
    view = await submit(box, ZHANG, GOV)
    await box.tick()
    stale = card(box, CHEN, view.id)
    applicant = await box.services.people.resolve_actor(ZHANG, "", None)
    assert applicant is not None
    box.clock.advance(timedelta(minutes=3))
    await box.services.seals.withdraw(applicant, view.id)  # the card is still as sent
    logged = await audits(box)
    refused = await box.press(CHEN, APPROVE, stale["message_id"])
    assert popup(refused) == "申请人已撤回该申请，无需审批。"
    redrawn = card(box, CHEN, view.id)
    assert "↩️ 张伟 已于 11-27 10:03 撤回申请" in redrawn["text"] and buttons(redrawn) == []
    assert await audits(box) == logged and await status(box, view.id) == "withdrawn"


# --- the pending reminder -------------------------------------------------------------------------


async def test_the_pending_reminder_comes_after_four_working_hours(box: Sandbox) -> None:
    await box.advance_to(local(11, 27, 13, 59))
    assert len(cards(box, LI, SEEDED)) == 1
    await box.advance_to(local(11, 27, 14))
    first, reminder = cards(box, LI, SEEDED)
    assert buttons(first) == [APPROVE, REJECT]
    assert "⏰ 用印申请 #1 等待您审批已超时：周敏（综合执法队）申请用 示范镇人民政府印章" \
        in reminder["text"]
    assert buttons(reminder) == [APPROVE, REJECT]

    # Deciding on the card closes the reminder too (and the other way round: both are the
    # step's delivered cards).
    box.clock.advance(timedelta(minutes=1))
    await box.press(LI, APPROVE, first["message_id"])
    for message in cards(box, LI, SEEDED):
        assert "✅ 李明华 已于 11-27 14:01 批准" in message["text"]
        assert buttons(message) == []
    await box.advance(timedelta(days=3))
    assert len(cards(box, LI, SEEDED)) == 2  # nothing more


async def test_no_reminder_once_decided(box: Sandbox) -> None:
    await box.press(LI, APPROVE, card(box, LI, SEEDED)["message_id"])
    await box.advance_to(local(11, 27, 14))
    await box.advance_to(local(11, 30, 10))
    assert len(cards(box, LI, SEEDED)) == 1


async def test_an_unanswered_reason_question_times_out_and_decides_nothing(box: Sandbox) -> None:
    """The reason question of 驳回 left unanswered: PTB runs the conversation's timeout
    handler (after CONVERSATION_TIMEOUT of real time; run here directly, with the person's
    last update, as PTB's job does). The approver is told nothing was decided; a reason
    typed afterwards is not taken as one."""
    from telegram import Update

    from handlers.common import OPEN_QUESTION, question_timed_out
    from handlers.context import BotContext
    from handlers.seals_approval import KIND

    await box.press(LI, REJECT)
    user_data = box.app.user_data[LI]
    assert str(user_data.get(OPEN_QUESTION, "")).startswith(f"{KIND}:{SEEDED}:")
    last = Update.de_json({"update_id": 90_001, "message": {
        "message_id": 90_001, "date": 0, "chat": {"id": LI, "type": "private"},
        "from": {"id": LI, "is_bot": False, "first_name": "李明华"}, "text": "x"}},
        box.app.bot)
    assert last is not None
    context = BotContext.from_update(last, box.app)
    await question_timed_out(KIND, "seal_approval.timeout")(last, context)
    assert box.emu.bot_messages(LI)[-1]["text"] == (
        f"未收到驳回理由，用印申请 #{SEEDED} 未作处理，仍待您审批。")
    assert OPEN_QUESTION not in box.app.user_data[LI]

    await box.send(LI, "材料不全")
    async with box.services.db.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(ApprovalDecision)) == 0
        request = await s.get(SealRequest, SEEDED)
        assert request is not None and request.status == "pending"
