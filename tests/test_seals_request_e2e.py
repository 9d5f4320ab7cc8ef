"""Seal requests end to end: people on the emulator ask for a seal step by step, make
mistakes on the way, take a seal out, give up, withdraw, and in English."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import Config
from bot.sandbox import Sandbox
from bot.services.errors import DomainError
from storage.models import ApprovalDecision, AuditEntry, Notification, SealRequest
from tests.conftest import ADMIN, LEADER, SHANGHAI, STAFF, STAFF_EN, texts
from tests.seal_helpers import (
    button_data,
    buttons,
    last,
    message,
    pending_card,
    popup,
    request_by_chat,
    seal_office,
    seal_requests,
)
from tests.task_helpers import actor

ZHOU = 1009  # 周敏, whose request (seeded) waits on 李明华
LI = 1002  # 李明华
PARTY_SEAL, GOV_SEAL, OFFICE_SEAL = "中共示范镇委员会印章", "示范镇人民政府印章", "党政办公室印章"


@pytest.fixture
def config(config: Config) -> Config:
    # A small file limit, so "too big" costs one megabyte, not twenty.
    return dataclasses.replace(config, seals=dataclasses.replace(config.seals, max_file_mb=1))


async def count(sandbox: Sandbox, model: Any) -> int:
    async with sandbox.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_request_with_a_document_reaches_the_approver(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    listing = await sandbox.send(STAFF, "/seal")
    assert len(listing) == 1  # 张伟 has nothing under way
    assert "请选择要使用的印章" in listing[0]["text"]
    assert buttons(listing[0]) == [PARTY_SEAL, GOV_SEAL, OFFICE_SEAL]

    await sandbox.press(STAFF, PARTY_SEAL)
    assert message(sandbox, STAFF, listing[0]["message_id"])["text"] == f"印章：{PARTY_SEAL}"
    assert "请输入文件名称" in last(sandbox, STAFF)["text"]
    doc_question = (await sandbox.send(STAFF, "关于申请冬季防火物资经费的请示"))[-1]
    assert buttons(doc_question) == ["请示", "报告", "合同", "证明", "函", "其他"]
    await sandbox.press(STAFF, "请示")
    assert message(sandbox, STAFF, doc_question["message_id"])["text"] == "文件类型：请示"
    assert buttons(last(sandbox, STAFF)) == ["1", "2", "3", "5"]
    assert "请输入用印事由" in texts(await sandbox.send(STAFF, "3"))
    assert "报送（出具）单位" in texts(await sandbox.send(STAFF, "报县财政局审批"))
    urgency = (await sandbox.send(STAFF, "县财政局"))[-1]
    assert buttons(urgency) == ["普通", "紧急"]
    await sandbox.press(STAFF, "紧急")
    assert buttons(last(sandbox, STAFF)) == ["🏢 在办公室用印", "🚗 外带用印"]
    await sandbox.press(STAFF, "🏢 在办公室用印")
    assert "请发送需用印的文件" in last(sandbox, STAFF)["text"]

    summary = (await sandbox.send_document(STAFF, "防火经费请示.pdf", b"%PDF-1.4 fire",
                                           "application/pdf"))[-1]
    assert "已收到文件：防火经费请示.pdf" in summary["text"]
    for line in (f"印章：{PARTY_SEAL}", "文件：关于申请冬季防火物资经费的请示（请示）",
                 "份数：3 份", "事由：报县财政局审批", "报送单位：县财政局",
                 "方式：在办公室用印", "紧急程度：紧急", "附件：防火经费请示.pdf"):
        assert line in summary["text"]
    assert buttons(summary) == ["✅ 提交", "✖ 取消"]
    assert len(await seal_requests(sandbox)) == 1  # only 周敏's: nothing saved before 提交

    await sandbox.press(STAFF, "✅ 提交")
    request = (await seal_requests(sandbox))[-1]
    done = last(sandbox, STAFF)
    assert done["text"] == (f"✅ 已提交用印申请 #{request.id}「关于申请冬季防火物资经费的请示」，"
                            "已送 王建国 审批，结果将通知您。")
    assert button_data(done) == [f"seal:withdraw:{request.id}"]
    assert buttons(message(sandbox, STAFF, summary["message_id"])) == []
    assert (request.status, request.copies, request.doc_type, request.urgent,
            request.takeout, request.file_name) == ("pending", 3, "request", True, False,
                                                     "防火经费请示.pdf")
    assert request.file_id is not None
    assert sandbox.emu.file_bytes(request.file_id) == b"%PDF-1.4 fire"

    await sandbox.tick()
    card = pending_card(sandbox, LEADER, "seal:approve:")
    assert "</b>" not in card["text"]  # HTML is rendered, not shown
    assert f"用印审批 #{request.id}（第 1/1 步" in card["text"]
    assert "申请人：张伟（党政办）" in card["text"]
    assert "文件：关于申请冬季防火物资经费的请示（请示）" in card["text"]
    assert "份数：3 份" in card["text"] and "附件：防火经费请示.pdf" in card["text"]
    assert button_data(card) == [f"seal:approve:{request.id}", f"seal:reject:{request.id}",
                                 f"seal:file:{request.id}"]

    # Pressing 提交 again (a second tap, or the old summary) creates nothing more.
    again = await sandbox.press_data(STAFF, summary["message_id"], "seal:new:submit")
    assert "已结束" in popup(again)
    assert len(await seal_requests(sandbox)) == 2


async def test_bad_answers_are_refused_one_by_one_and_nothing_is_kept(sandbox: Sandbox) -> None:
    ids = await seal_office(sandbox)
    before = (await count(sandbox, SealRequest), await count(sandbox, Notification),
              await count(sandbox, AuditEntry))
    admin = await actor(sandbox, ADMIN)

    # The seal is switched off between the list and the press: refused, the list again.
    listing = (await sandbox.send(STAFF, "用印"))[-1]
    await sandbox.services.seals.set_active(admin, OFFICE_SEAL, False)
    before = (before[0], before[1], await count(sandbox, AuditEntry))
    replies = await sandbox.send(STAFF, "/seal")  # (a fresh list still lists two)
    assert buttons(replies[-1]) == [PARTY_SEAL, GOV_SEAL]
    stale = await sandbox.press_data(STAFF, listing["message_id"], f"seal:pick:{ids[OFFICE_SEAL]}")
    assert popup(stale) == ""
    refused = sandbox.emu.bot_messages(STAFF)[-2:]
    assert refused[0]["text"] == f"{OFFICE_SEAL} 已停用，不能申请用印。如有需要请联系党政办。"
    assert buttons(refused[1]) == [PARTY_SEAL, GOV_SEAL]

    await sandbox.press(STAFF, GOV_SEAL)
    # An answer that shows as nothing (a zero-width space, a soft hyphen) is an empty title.
    for nothing in ("\u200b", "\u00ad"):
        again = await sandbox.send(STAFF, nothing)
        assert texts(again) == ("文件名称不能为空，请输入文件名称。\n"
                                "请输入文件名称，如：关于申请防汛物资经费的请示")
    await sandbox.send(STAFF, "关于开具居住证明的函")
    again = await sandbox.send(STAFF, "公文")
    assert "请选择文件类型：请示、报告、合同、证明、函、其他。" in texts(again)
    assert buttons(again[-1]) == ["请示", "报告", "合同", "证明", "函", "其他"]
    assert "请选择或输入用印份数" in texts(await sandbox.send(STAFF, "证明"))
    for bad in ("0", "-1", "2.5", "abc"):
        again = await sandbox.send(STAFF, bad)
        assert texts(again[:1]) == "份数应为正整数（1～50），如：3", bad
        assert buttons(again[-1]) == ["1", "2", "3", "5"]
    again = await sandbox.send(STAFF, "51")
    assert texts(again[:1]) == "一次用印最多 50 份，超出请分次申请或联系党政办。"
    # Typed with a character that shows as nothing (a soft hyphen pasted along): still 2.
    await sandbox.send(STAFF, "2\u00ad")
    assert "请输入用印事由" in last(sandbox, STAFF)["text"]
    # A menu button tapped while a question waits is that action, not the answer.
    assert "请输入用印事由" not in texts(await sandbox.send(STAFF, "👤 我的信息"))
    # The word that starts a request is an answer while one is being filled in.
    assert "报送（出具）单位" in texts(await sandbox.send(STAFF, "盖章"))
    await sandbox.send(STAFF, "县公安局")
    again = await sandbox.send(STAFF, "很急")
    assert texts(again[:1]) == "请按“普通”或“紧急”。"
    await sandbox.send(STAFF, "普通")  # typed words work as well as the buttons
    again = await sandbox.send(STAFF, "随便")
    assert texts(again[:1]) == "请选择“在办公室用印”或“外带用印”。"
    assert "请发送需用印的文件" in texts(await sandbox.send(STAFF, "办公室"))

    too_big = await sandbox.send_document(STAFF, "扫描件.pdf", b"%" * (1024 * 1024 + 1))
    assert texts(too_big[:1]) == (
        "文件超过 1 MB，机器人无法接收。请压缩后再发，或发送“跳过”并将纸质文件交党政办。")
    assert "请发送需用印的文件" in texts(too_big[1:])
    assert texts(await sandbox.send(STAFF, "好的")) == "请发送文件或照片，或按“跳过”。"
    summary = (await sandbox.send(STAFF, "跳过"))[-1]
    assert "附件：未附文件" in summary["text"]  # the refused file was not kept
    assert "文件：关于开具居住证明的函（证明）" in summary["text"]
    assert "事由：盖章" in summary["text"]
    assert "份数：2 份" in summary["text"] and "紧急程度：普通" in summary["text"]
    assert texts(await sandbox.send(STAFF, "可以")) == "请按“提交”或“取消”。"
    await sandbox.press(STAFF, "✖ 取消")
    assert message(sandbox, STAFF, summary["message_id"])["text"] == "已取消，本次用印申请未提交。"

    assert (await count(sandbox, SealRequest), await count(sandbox, Notification),
            await count(sandbox, AuditEntry)) == before


async def test_take_out_asks_place_and_return_time(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    await sandbox.send(STAFF, "/seal")
    await sandbox.press(STAFF, GOV_SEAL)
    await sandbox.send(STAFF, "镇村道路养护合同")
    await sandbox.press(STAFF, "合同")
    await sandbox.press(STAFF, "2")
    await sandbox.send(STAFF, "与养护公司签订合同")
    await sandbox.send(STAFF, "县交通运输局")
    await sandbox.press(STAFF, "普通")
    await sandbox.press(STAFF, "🚗 外带用印")
    assert "外带用印的地点" in last(sandbox, STAFF)["text"]
    assert "请填写外带用印地点。" in texts(await sandbox.send(STAFF, "\u200b"))
    assert "印章归还时间" in texts(await sandbox.send(STAFF, "县政务服务中心"))
    assert "已经过去了" in texts(await sandbox.send(STAFF, "今天上午9点"))
    assert "最长 30 天" in texts(await sandbox.send(STAFF, "明年3月1日"))
    asked = await sandbox.send(STAFF, "今天下午5点")
    assert asked[-1]["text"].startswith("归还时间：11月27日（周五） 17:00\n请发送需用印的文件")
    summary = (await sandbox.send(STAFF, "跳过"))[-1]
    assert "方式：外带用印：县政务服务中心，11-27 17:00 前归还" in summary["text"]
    await sandbox.press(STAFF, "✅ 提交")

    request = (await seal_requests(sandbox))[-1]
    assert (request.applicant.name, request.takeout, request.takeout_place, request.doc_type) \
        == ("张伟", True, "县政务服务中心", "contract")
    assert request.return_due == datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)
    # 张伟's department head (陈志强) decides first.
    assert "已送 陈志强 审批" in last(sandbox, STAFF)["text"]


async def test_cancel_midway_creates_nothing(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    before = await count(sandbox, SealRequest)
    await sandbox.send(STAFF, "/menu")
    assert any(b["text"] == "🔏 用印" for row in sandbox.emu.reply_keyboard(STAFF)["keyboard"]
               for b in row)
    assert "请选择要使用的印章" in texts(await sandbox.send(STAFF, "🔏 用印"))
    # Typed text while the seals are listed: the list again.
    assert buttons((await sandbox.send(STAFF, "党委的章"))[-1]) == [
        PARTY_SEAL, GOV_SEAL, OFFICE_SEAL]
    await sandbox.press(STAFF, PARTY_SEAL)
    await sandbox.send(STAFF, "关于召开安全生产会议的通知")
    doc_question = (await sandbox.send(STAFF, "/cancel"))
    assert "已取消" in texts(doc_question)
    # The form's old buttons and typed answers go nowhere now.
    old = pending_card(sandbox, STAFF, "seal:new:doc:")
    assert "已结束" in popup(await sandbox.press(STAFF, "请示", old["message_id"]))
    assert "请选择或输入用印份数" not in texts(await sandbox.send(STAFF, "请示"))
    assert await count(sandbox, SealRequest) == before
    assert sandbox.app.user_data[STAFF].get("seal_draft") is None


async def test_withdraw_closes_the_cards_and_a_later_decision_is_refused(
        sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    request_id = await request_by_chat(sandbox, STAFF, PARTY_SEAL)
    confirmation = pending_card(sandbox, STAFF, "seal:withdraw:")
    await sandbox.tick()
    card = pending_card(sandbox, LEADER, "seal:approve:")

    sandbox.clock.advance(timedelta(minutes=5))
    assert popup(await sandbox.press(STAFF, "↩️ 撤回申请")) == \
        "已撤回用印申请，审批人的卡片已同步更新。"
    closed = message(sandbox, LEADER, card["message_id"])
    assert closed["text"].endswith("↩️ 张伟 已于 11-27 10:05 撤回申请")
    assert f"用印审批 #{request_id}" in closed["text"] and buttons(closed) == []
    mine = message(sandbox, STAFF, confirmation["message_id"])
    assert mine["text"].endswith("↩️ 张伟 已于 11-27 10:05 撤回申请") and buttons(mine) == []
    assert (await seal_requests(sandbox))[-1].status == "withdrawn"
    audits = await count(sandbox, AuditEntry)

    # A second press, someone else's press, and the approver's (forged) decision: refused,
    # nothing changes.
    again = await sandbox.press_data(STAFF, confirmation["message_id"],
                                     f"seal:withdraw:{request_id}")
    assert popup(again) == "该申请已撤回，不能再操作。"
    await sandbox.send(ZHOU, "/seals")
    other = await sandbox.press_data(ZHOU, last(sandbox, ZHOU)["message_id"],
                                     f"seal:withdraw:{request_id}")
    assert popup(other) == "只有申请人本人可以操作该申请。"
    forged = await sandbox.press_data(LEADER, card["message_id"], f"seal:approve:{request_id}")
    assert popup(forged) == "申请人已撤回该申请，无需审批。"
    with pytest.raises(DomainError) as refused:
        await sandbox.services.seals.decide(await actor(sandbox, LEADER), request_id, True)
    assert refused.value.key == "approvals.withdrawn"
    assert (await seal_requests(sandbox))[-1].status == "withdrawn"
    assert await count(sandbox, ApprovalDecision) == 0
    assert await count(sandbox, AuditEntry) == audits


async def test_seal_lists_requests_under_way_and_withdraws_from_the_list(
        sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    await sandbox.tick()  # 李明华 gets the card of 周敏's request
    card = pending_card(sandbox, LI, "seal:approve:")
    (request,) = await seal_requests(sandbox)

    replies = await sandbox.send(ZHOU, "/seal")
    assert replies[0]["text"] == (
        f"您办理中的用印申请：\n#{request.id} {GOV_SEAL}「关于申请综合执法车辆维修经费的请示」"
        "2 份：审批中，等待 李明华")
    assert button_data(replies[0]) == [f"seal:withdraw:{request.id}"]
    assert "请选择要使用的印章" in replies[1]["text"]
    await sandbox.press(ZHOU, f"↩️ 撤回 #{request.id}")
    assert message(sandbox, ZHOU, replies[0]["message_id"])["text"].endswith(
        "↩️ 周敏 已于 11-27 10:00 撤回申请")
    assert "撤回申请" in message(sandbox, LI, card["message_id"])["text"]
    # The conversation is still there: the seal list still works after the withdrawal.
    await sandbox.press(ZHOU, PARTY_SEAL)
    assert "请输入文件名称" in last(sandbox, ZHOU)["text"]
    assert "您办理中的用印申请" not in texts(await sandbox.send(ZHOU, "/seal"))


async def test_english_applicant(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    listing = (await sandbox.send(STAFF_EN, "seal"))[-1]
    assert listing["text"].startswith("🔏 Seal request\nWhich seal?")
    await sandbox.press(STAFF_EN, PARTY_SEAL)
    assert last(sandbox, STAFF_EN)["text"].startswith("Type the document's title")
    await sandbox.send(STAFF_EN, "Certificate of residence for 李四")
    assert buttons(last(sandbox, STAFF_EN)) == [
        "request", "report", "contract", "certificate", "letter", "other"]
    await sandbox.press(STAFF_EN, "certificate")
    again = await sandbox.send(STAFF_EN, "abc")
    assert texts(again[:1]) == "The number of copies must be a whole number from 1 to 50, e.g. 3"
    await sandbox.send(STAFF_EN, "1 copy")
    await sandbox.send(STAFF_EN, "for the residence permit")
    await sandbox.send(STAFF_EN, "county police bureau")
    await sandbox.press(STAFF_EN, "urgent")
    await sandbox.press(STAFF_EN, "🏢 In the office")
    summary = (await sandbox.send(STAFF_EN, "skip"))[-1]
    assert "Copies: 1\n" in summary["text"] and "Urgency: urgent" in summary["text"]
    assert "Use: in the office" in summary["text"] and "File: no file" in summary["text"]
    await sandbox.press(STAFF_EN, "✅ Submit")
    request = (await seal_requests(sandbox))[-1]
    assert last(sandbox, STAFF_EN)["text"] == (
        f"✅ Seal request #{request.id} \"Certificate of residence for 李四\" submitted to "
        "王建国; you will be told the result.")
    assert buttons(last(sandbox, STAFF_EN)) == ["↩️ Withdraw"]
    assert popup(await sandbox.press(STAFF_EN, "↩️ Withdraw")) == (
        "Seal request withdrawn; the approvers' cards now show it.")
    assert last(sandbox, STAFF_EN)["text"].endswith("↩️ Withdrawn by 黄磊 at 11-27 10:00")


async def test_submit_refused_when_the_seal_goes_off_meanwhile(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    await sandbox.send(STAFF, "/seal")
    await sandbox.press(STAFF, PARTY_SEAL)
    await sandbox.send(STAFF, "关于表彰先进个人的报告")
    await sandbox.press(STAFF, "报告")
    await sandbox.press(STAFF, "1")
    await sandbox.send(STAFF, "报县委")
    await sandbox.send(STAFF, "县委办")
    await sandbox.press(STAFF, "普通")
    await sandbox.press(STAFF, "🏢 在办公室用印")
    await sandbox.press(STAFF, "跳过")
    summary = pending_card(sandbox, STAFF, "✅ 提交")
    before = (await count(sandbox, SealRequest), await count(sandbox, Notification))
    await sandbox.services.seals.set_active(await actor(sandbox, ADMIN), PARTY_SEAL, False)
    await sandbox.press(STAFF, "✅ 提交")
    assert last(sandbox, STAFF)["text"] == (
        f"{PARTY_SEAL} 已停用，不能申请用印。如有需要请联系党政办。\n本次用印申请未提交。")
    assert (await count(sandbox, SealRequest), await count(sandbox, Notification)) == before
    assert buttons(message(sandbox, STAFF, summary["message_id"])) == []
    again = await sandbox.press_data(STAFF, summary["message_id"], "seal:new:submit")
    assert "已结束" in popup(again)
