"""The seal keeper's side end to end, as people do it on the emulator: a request with a
document approved in one step and stamped through the keeper's buttons; a take-out handed
over, reminded, chased and returned; the unstamped reminder at the end of the day; forged
and repeated presses refused with nothing changed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from storage.models import AuditEntry, Seal, SealLedgerEntry
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, texts
from tests.seal_helpers import (
    approved_by_button,
    buttons,
    last,
    message,
    pending_card,
    popup,
    request_by_chat,
    request_row,
    seal_office,
    submit_request,
)

ZHOU = 1009  # 周敏, 综合执法队 (no head): her requests on 党政办公室印章 go to 王建国/赵丽
ZHAO = 1003
OFFICE_SEAL, PARTY_SEAL = "党政办公室印章", "中共示范镇委员会印章"
LIU, CHEN = CLERK_KEEPER, ADMIN  # the keepers of 党政办公室印章


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


async def ledger(sandbox: Sandbox) -> list[SealLedgerEntry]:
    async with sandbox.db.transaction() as s:
        return list(await s.scalars(select(SealLedgerEntry).order_by(SealLedgerEntry.id)))


async def audit_count(sandbox: Sandbox, action: str) -> int:
    async with sandbox.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action)) or 0)


async def test_request_with_document_approved_in_one_step_and_stamped(
        sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    pdf = b"%PDF-1.4 letter about residence"
    # 周敏 asks through /seal and sends the document; 综合执法队 has no head, so the route is
    # one step (王建国 or 赵丽), and her confirmation says the head step was skipped.
    request_id = await request_by_chat(
        sandbox, ZHOU, OFFICE_SEAL, title="关于开具居住证明的函", doc="函", copies="3",
        purpose="办理户籍迁移", recipient="县公安局", file=("居住证明.pdf", pdf))
    confirmation = last(sandbox, ZHOU)["text"]
    assert f"✅ 已提交用印申请 #{request_id}「关于开具居住证明的函」，已送 王建国、赵丽 审批" \
        in confirmation
    assert "⚠️ 本部门未设负责人，已略过该步（部门负责人审批）。" in confirmation
    sandbox.clock.advance(timedelta(minutes=5))
    await sandbox.tick()
    approval = pending_card(sandbox, LEADER, f"seal:approve:{request_id}")
    assert "第 1/1 步" in approval["text"] and "附件：居住证明.pdf" in approval["text"]
    assert "已略过该步" in approval["text"]
    assert "已批准" in popup(await sandbox.press(LEADER, "✅ 批准", approval["message_id"]))
    await sandbox.tick()  # 王建国, 10:05

    cards = {uid: pending_card(sandbox, uid, f"seal:stamp:{request_id}") for uid in (LIU, CHEN)}
    for keeper_card in cards.values():
        assert "待用印" in keeper_card["text"] and "关于开具居住证明的函" in keeper_card["text"]
        assert "王建国" in keeper_card["text"]
        assert buttons(keeper_card) == ["🔏 登记用印", "📎 查看文件", "🚫 作废"]
    assert "请持文件到党政办，由印章保管人登记用印" in last(sandbox, ZHOU)["text"]

    # The keeper opens the document from the card: the very file 周敏 sent.
    await sandbox.press(LIU, "📎 查看文件", cards[LIU]["message_id"])
    sent = last(sandbox, LIU)
    assert sent["document"]["file_name"] == "居住证明.pdf"
    assert sandbox.emu.file_bytes(sent["document"]["file_id"]) == pdf
    assert f"用印申请 #{request_id}「关于开具居住证明的函」附件" in sent["caption"]

    # A forged press by staff, and by a leader: refused, nothing changed.
    for uid in (STAFF, LEADER):
        if sandbox.emu.last_bot_message(uid) is None:
            await sandbox.send(uid, "/whoami")
        refused = await sandbox.press_data(uid, last(sandbox, uid)["message_id"],
                                           f"seal:stamp:{request_id}")
        assert popup(refused) == f"您不是 {OFFICE_SEAL} 的保管人，不能登记用印。"
    assert (await request_row(sandbox, request_id)).status == "approved"

    sandbox.clock.advance(timedelta(minutes=10))  # 10:15
    await sandbox.press(LIU, "🔏 登记用印", cards[LIU]["message_id"])
    asked = last(sandbox, LIU)
    assert "🔏 登记用印 #" in asked["text"] and "批准 3 份" in asked["text"]
    assert buttons(asked) == ["3 份"]
    for bad, why in (("0", "实际用印份数应为正整数（1～3）"), ("-1", "应为正整数"),
                     ("abc", "应为正整数"), ("4", "不能超过批准的 3 份")):
        assert why in texts(await sandbox.send(LIU, bad))
    assert "用印时间？" in texts(await sandbox.send(LIU, "2"))
    assert "还未到" in texts(await sandbox.send(LIU, "11:00"))  # the future
    assert "早于批准时间 11-27 10:05" in texts(await sandbox.send(LIU, "今天上午10点"))
    assert "无法识别时间" in texts(await sandbox.send(LIU, "随便"))
    asked = texts(await sandbox.send(LIU, "10:10"))
    assert "时间：11-27 10:10" in asked
    photo = sandbox.emu.state.store_file("document", b"\xff\xd8\xff page", "盖章页.jpg")
    done = texts(await sandbox.send_document(LIU, "盖章页.jpg", photo.data))
    assert "✅ 已登记用印 #" in done and "2 份，11-27 10:10" in done
    assert "用印登记簿第 2026-1 号" in done and "已留存盖章页照片" in done

    request = await request_row(sandbox, request_id)
    assert (request.status, request.stamped_copies, request.stamped_at) == (
        "stamped", 2, local(27, 10, 10))
    assert request.stamp_photo_id and request.file_name == "居住证明.pdf"
    (entry,) = await ledger(sandbox)
    assert (entry.year, entry.serial, entry.request_id, entry.copies) == (2026, 1, request.id,
                                                                          2)
    assert (entry.title, entry.purpose, entry.applicant, entry.keeper) == (
        "关于开具居住证明的函", "办理户籍迁移", "周敏", "刘芳")
    assert entry.approvers == "王建国 11-27 10:05"

    # Both keepers' cards say who recorded it and when, with no button left.
    for uid, keeper_card in cards.items():
        edited = message(sandbox, uid, keeper_card["message_id"])
        assert "🔏 已用印：刘芳 11-27 10:10 登记，实际用印 2 份（登记簿第 2026-1 号）" \
            in edited["text"]
        assert buttons(edited) == []
    # A press on the old card (as a stale client would send it): polite, nothing more.
    again = await sandbox.press_data(CHEN, cards[CHEN]["message_id"], f"seal:stamp:{request.id}")
    assert "已于 11-27 10:10 由 刘芳 登记，无需重复登记" in popup(again)
    assert len(await ledger(sandbox)) == 1 and await audit_count(sandbox, "seal.stamp") == 1

    await sandbox.tick()
    assert "已用印：党政办公室印章 2 份，11-27 10:10，保管人 刘芳" in last(sandbox, ZHOU)["text"]
    assert "目前没有待用印或待归还的事项" in texts(await sandbox.send(LIU, "/seals queue"))
    assert "您不是印章保管人" in texts(await sandbox.send(STAFF, "/seals queue"))


async def test_take_out_handed_over_reminded_chased_and_returned(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    back = local(27, 16, 0)
    first = await submit_request(sandbox, ZHOU, OFFICE_SEAL, title="土地确权协议",
                                 doc_type="contract", copies=4, purpose="现场签订协议",
                                 recipient="各村委会", takeout=True, place="东村村委会",
                                 return_due=back.isoformat())
    second = await submit_request(sandbox, ZHOU, OFFICE_SEAL, title="补充协议", copies=1,
                                  takeout=True, place="西村村委会",
                                  return_due=datetime(2026, 12, 1, 17, 0,
                                                      tzinfo=SHANGHAI).isoformat())
    await approved_by_button(sandbox, first.id, LEADER)
    await approved_by_button(sandbox, second.id, ZHAO)
    first_cards = {uid: pending_card(sandbox, uid, f"seal:handover:{first.id}")
                   for uid in (LIU, CHEN)}
    second_card = pending_card(sandbox, CHEN, f"seal:handover:{second.id}")
    assert buttons(first_cards[LIU]) == ["📤 登记借出", "🚫 作废"]
    assert "📤 <b>待借出</b>" not in first_cards[LIU]["text"]  # the HTML is rendered
    assert first_cards[LIU]["text"].startswith("📤 待借出 #")
    assert "交出印章时请按“登记借出”" in first_cards[LIU]["text"]
    assert "外带用印：东村村委会，11-27 16:00 前归还" in first_cards[LIU]["text"]
    await sandbox.tick()
    assert (f"✅ 用印申请 #{first.id}「土地确权协议」已批准（王建国）。"
            "请到党政办领取 党政办公室印章，由印章保管人登记借出，并于 11-27 16:00 前归还。") \
        in texts(sandbox.emu.bot_messages(ZHOU))

    sandbox.clock.advance(timedelta(minutes=20))  # 10:20
    handed = await sandbox.press(LIU, "📤 登记借出", first_cards[LIU]["message_id"])
    assert popup(handed) == "已登记借出。"
    for uid, keeper_card in first_cards.items():
        edited = message(sandbox, uid, keeper_card["message_id"])
        assert ("📤 已借出：刘芳 11-27 10:20 交 周敏 带出，"
                "应于 11-27 16:00 归还（登记簿第 2026-1 号）") in edited["text"]
        assert buttons(edited) == ["📥 登记归还"]
    async with sandbox.db.transaction() as s:
        seal = await s.scalar(select(Seal).where(Seal.name == OFFICE_SEAL))
        assert seal is not None and seal.out_request_id == first.id
    assert "借出（周敏，应还 11-27 16:00）" in texts(await sandbox.send(ZHOU, "/seals"))
    await sandbox.tick()
    assert "请于 11-27 16:00 前归还党政办" in last(sandbox, ZHOU)["text"]
    # In the ledger from the hand-over on, not returned yet.
    book = texts(await sandbox.send(CHEN, "/seals ledger 2026-11"))
    assert "1. 2026-11-27 10:20｜土地确权协议｜现场签订协议｜份数待归还后登记｜申请人 周敏" in book
    assert "｜外带：东村村委会｜未归还" in book

    # A second take-out of the seal that is out, and a second press on the first: refused.
    refused = await sandbox.press(CHEN, "📤 登记借出", second_card["message_id"])
    assert popup(refused) == ("党政办公室印章 已借出（周敏，应于 11-27 16:00 归还），"
                               "归还后才能再次借出。")
    assert len(await ledger(sandbox)) == 1
    again = await sandbox.press_data(CHEN, first_cards[CHEN]["message_id"],
                                     f"seal:handover:{first.id}")
    assert "已于 11-27 10:20 由 刘芳 登记借出" in popup(again)
    assert (await request_row(sandbox, second.id)).status == "approved"
    assert await audit_count(sandbox, "seal.handover") == 1

    queue = await sandbox.send(CHEN, "/seals queue")
    assert "已借出：周敏 11-27 10:20 带出，应于 11-27 16:00 归还" in texts(queue)
    assert buttons(queue[-1]) == [f"📥 登记归还 #{first.id}", f"📤 登记借出 #{second.id}"]

    # An hour before the return time the borrower is reminded; at it, both are told.
    await sandbox.advance_to(local(27, 14, 59))
    assert "请于 11-27 16:00 前将 党政办公室印章 归还" not in last(sandbox, ZHOU)["text"]
    await sandbox.advance_to(local(27, 15, 0))
    assert "⏰ 请于 11-27 16:00 前将 党政办公室印章 归还党政办" in last(sandbox, ZHOU)["text"]
    await sandbox.advance_to(local(27, 16, 0))
    assert "应于 11-27 16:00 归还，现已超时" in last(sandbox, ZHOU)["text"]
    assert "周敏 借出的 党政办公室印章" in last(sandbox, LIU)["text"]
    # The weekend: no chase. Monday at 09:00: the borrower chased, the keeper copied.
    before = len(sandbox.emu.bot_messages(ZHOU))
    await sandbox.advance_to(local(28, 9, 30))
    await sandbox.advance_to(local(29, 9, 30))
    assert len(sandbox.emu.bot_messages(ZHOU)) == before
    await sandbox.advance_to(local(30, 9, 0))
    assert "催还：党政办公室印章 应于 11-27 16:00 归还，已超期 1 个工作日" \
        in last(sandbox, ZHOU)["text"]
    chase_copy = last(sandbox, LIU)
    assert "催还（抄送）：周敏 借出的 党政办公室印章" in chase_copy["text"]
    assert buttons(chase_copy) == ["📥 登记归还"]

    # 陈志强 records the return from his card: copies, the time, no photo.
    await sandbox.press(CHEN, "📥 登记归还", first_cards[CHEN]["message_id"])
    assert "📥 登记归还 #" in last(sandbox, CHEN)["text"]
    await sandbox.press(CHEN, "4 份")
    assert "早于借出时间" in texts(await sandbox.send(CHEN, "11月27日 10:00"))
    await sandbox.send(CHEN, "8:40")
    done = texts(await sandbox.send(CHEN, "跳过"))
    assert "✅ 已登记归还 #" in done and "已于 11-30 08:40 归还，实际用印 4 份" in done
    stored = await request_row(sandbox, first.id)
    assert (stored.status, stored.returned_at, stored.handed_at) == (
        "stamped", local(30, 8, 40), local(27, 10, 20))
    (entry,) = await ledger(sandbox)
    assert (entry.serial, entry.used_at, entry.takeout_place, entry.copies, entry.keeper) == (
        1, local(27, 10, 20), "东村村委会", 4, "刘芳、陈志强")
    book = texts(await sandbox.send(CHEN, "/seals ledger 2026-11"))
    assert "1. 2026-11-27 10:20｜土地确权协议｜现场签订协议｜4 份｜申请人 周敏" in book
    assert "｜外带：东村村委会｜11-30 08:40 归还" in book
    for uid, keeper_card in first_cards.items():
        edited = message(sandbox, uid, keeper_card["message_id"])
        assert "📥 已归还：陈志强 11-30 08:40 登记" in edited["text"]
        assert buttons(edited) == []
    assert buttons(message(sandbox, LIU, chase_copy["message_id"])) == []
    assert "在库" in texts(await sandbox.send(ZHOU, "/seals"))

    # Back: no more chasing; the second take-out may go now.
    await sandbox.tick()
    assert "已于 11-30 08:40 归还" in last(sandbox, ZHOU)["text"]
    before = len(sandbox.emu.bot_messages(ZHOU))
    await sandbox.advance_to(datetime(2026, 12, 1, 9, 30, tzinfo=SHANGHAI))
    assert len(sandbox.emu.bot_messages(ZHOU)) == before
    # From the queue this time: the confirmation comes with the return button.
    queue = await sandbox.send(CHEN, "/seals queue")
    assert buttons(queue[-1]) == [f"📤 登记借出 #{second.id}"]
    handed = await sandbox.press(CHEN, f"📤 登记借出 #{second.id}", queue[-1]["message_id"])
    assert popup(handed) == "已登记借出。"
    confirmation = last(sandbox, CHEN)
    assert "📤 已登记借出 #" in confirmation["text"] and "应于 12-01 17:00 前归还" \
        in confirmation["text"] and "用印登记簿第 2026-2 号" in confirmation["text"]
    assert buttons(confirmation) == ["📥 登记归还"]
    assert "📤 已借出：陈志强" in message(sandbox, CHEN, second_card["message_id"])["text"]


async def test_unstamped_reminder_at_the_end_of_the_working_day(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    request = await submit_request(sandbox, STAFF, PARTY_SEAL, title="年度工作总结", copies=1)
    await approved_by_button(sandbox, request.id, LEADER)
    keeper_card = pending_card(sandbox, LIU, f"seal:stamp:{request.id}")

    await sandbox.advance_to(local(27, 17, 29))
    assert last(sandbox, LIU)["message_id"] == keeper_card["message_id"]
    await sandbox.advance_to(local(27, 17, 30))
    reminder = last(sandbox, LIU)
    assert "⏰ 用印申请 #" in reminder["text"] and "尚未登记用印" in reminder["text"]
    assert "年度工作总结" in reminder["text"]
    assert buttons(reminder) == ["🔏 登记用印", "🚫 作废"]
    # Once a day: later ticks add nothing; the weekend neither.
    await sandbox.advance_to(local(27, 20, 0))
    await sandbox.advance_to(local(28, 17, 45))
    assert last(sandbox, LIU)["message_id"] == reminder["message_id"]

    # Recorded from the reminder on Monday morning: the reminder and the card show it.
    await sandbox.advance_to(local(30, 8, 45))
    await sandbox.press(LIU, "🔏 登记用印", reminder["message_id"])
    await sandbox.press(LIU, "1 份")
    await sandbox.press(LIU, "现在")
    assert "登记簿第 2026-1 号" in texts(await sandbox.send(LIU, "跳过"))
    for message_id in (reminder["message_id"], keeper_card["message_id"]):
        edited = message(sandbox, LIU, message_id)
        assert "🔏 已用印：刘芳 11-30 08:45 登记" in edited["text"]
        assert buttons(edited) == []
    await sandbox.advance_to(local(30, 17, 30))
    assert "尚未登记用印" not in last(sandbox, LIU)["text"]


async def test_cancel_mid_way_records_nothing(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    request = await submit_request(sandbox, STAFF, PARTY_SEAL, copies=2)
    await approved_by_button(sandbox, request.id, LEADER)
    await sandbox.press(LIU, "🔏 登记用印")
    await sandbox.send(LIU, "2")
    await sandbox.send(LIU, "/cancel")
    assert (await request_row(sandbox, request.id)).status == "approved"
    assert await ledger(sandbox) == []
    # The next words are not taken as an answer.
    assert "已登记用印" not in texts(await sandbox.send(LIU, "跳过"))
    assert (await request_row(sandbox, request.id)).status == "approved"


async def test_a_record_that_fails_to_save_is_kept_to_press_again(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    request = await submit_request(sandbox, STAFF, PARTY_SEAL, title="年度工作总结", copies=1)
    await approved_by_button(sandbox, request.id, LEADER)
    # A stray ledger row already names this request (as a damaged database might): the
    # record fails when it is written — a real database error, not a refusal.
    async with sandbox.db.transaction() as s:
        stray = SealLedgerEntry(
            year=2025, serial=1, request_id=request.id, seal_id=request.seal_id,
            used_at=local(27, 9, 0), seal_name=PARTY_SEAL, title="?", doc_type="other",
            purpose="?", copies=1, applicant="?", approvers="", keeper="?",
            created_at=local(27, 9, 0))
        s.add(stray)
    await sandbox.press(LIU, "🔏 登记用印")
    await sandbox.press(LIU, "1 份")
    await sandbox.press(LIU, "现在")
    failed = await sandbox.send(LIU, "跳过")
    assert "⚠️ 登记未能保存（系统出错），尚未记录。请按“重试”再试一次" in texts(failed)
    assert buttons(failed[-1]) == ["🔁 重试"]
    assert (await request_row(sandbox, request.id)).status == "approved"
    assert await audit_count(sandbox, "seal.stamp") == 0

    # The stray row is cleared; the keeper presses 重试 and nothing has to be typed again.
    async with sandbox.db.transaction() as s:
        await s.delete(await s.get(SealLedgerEntry, stray.id))
    await sandbox.press(LIU, "🔁 重试", failed[-1]["message_id"])
    assert "✅ 已登记用印 #" in last(sandbox, LIU)["text"]
    assert "用印登记簿第 2026-1 号" in last(sandbox, LIU)["text"]
    stored = await request_row(sandbox, request.id)
    assert (stored.status, stored.stamped_copies) == ("stamped", 1)
    assert [e.request_id for e in await ledger(sandbox)] == [request.id]
