"""作废 (void) end to end: an approved request that will not be used is closed by a keeper
from the card, by the applicant from /seal, or with /seals void — with a reason, the keepers'
cards edited, the others told, the reminders stopped — and refused with nothing changed when
it is not theirs, not approved, or already used."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import AuditEntry, Notification, SealLedgerEntry
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, texts
from tests.seal_helpers import (
    approved_by_button,
    buttons,
    last,
    message,
    pending_card,
    popup,
    request_row,
    seal_office,
    submit_request,
)

LIU, CHEN, ZHOU = CLERK_KEEPER, ADMIN, 1009  # 刘芳 and 陈志强 keep 党政办公室印章
OFFICE_SEAL, PARTY_SEAL = "党政办公室印章", "中共示范镇委员会印章"


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


async def void_audits(sandbox: Sandbox) -> list[AuditEntry]:
    async with sandbox.db.transaction() as s:
        return list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "seal.void")))


async def test_a_keeper_voids_from_the_card(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    request = await submit_request(sandbox, ZHOU, OFFICE_SEAL, title="关于开具居住证明的函",
                                   urgent=True)
    await approved_by_button(sandbox, request.id, LEADER)
    cards = {uid: pending_card(sandbox, uid, f"seal:void:{request.id}") for uid in (LIU, CHEN)}
    assert buttons(cards[LIU]) == ["🔏 登记用印", "🚫 作废"]

    # Someone who is neither applicant, keeper nor admin: refused, nothing asked.
    await sandbox.send(STAFF, "/whoami")
    forged = await sandbox.press_data(STAFF, last(sandbox, STAFF)["message_id"],
                                      f"seal:void:{request.id}")
    assert popup(forged) == "只有申请人、该印章的保管人或管理员可以作废用印申请。"

    sandbox.clock.advance(timedelta(minutes=30))  # 10:30
    await sandbox.press(LIU, "🚫 作废", cards[LIU]["message_id"])
    assert "请输入作废用印申请 #" in last(sandbox, LIU)["text"]
    again = texts(await sandbox.send(LIU, "。"))
    assert "请填写作废原因" in again and "请重新输入作废原因" in again
    assert (await request_row(sandbox, request.id)).status == "approved"
    done = texts(await sandbox.send(LIU, "申请人告知文件作废，不再用印"))
    assert f"🚫 已作废用印申请 #{request.id}「关于开具居住证明的函」" in done

    stored = await request_row(sandbox, request.id)
    assert (stored.status, stored.closed_at) == ("voided", local(27, 10, 30))
    (entry,) = await void_audits(sandbox)
    assert entry.after == {"status": "voided", "reason": "申请人告知文件作废，不再用印"}
    line = "🚫 已作废：刘芳 11-27 10:30，原因：申请人告知文件作废，不再用印"
    for uid, card in cards.items():
        edited = message(sandbox, uid, card["message_id"])
        assert line in edited["text"] and buttons(edited) == []
    # The applicant and the other keeper are told.
    await sandbox.tick()
    told = "已由 刘芳 于 11-27 10:30 作废。原因：申请人告知文件作废，不再用印"
    assert told in last(sandbox, ZHOU)["text"] and told in last(sandbox, CHEN)["text"]
    assert told not in texts(sandbox.emu.bot_messages(LIU))

    # Nothing more on it: no stamping (a stale card), no second void, no reminder at 17:30.
    stale = await sandbox.press_data(CHEN, cards[CHEN]["message_id"],
                                     f"seal:stamp:{request.id}")
    assert popup(stale) == (f"用印申请 #{request.id} 已于 11-27 10:30 由 刘芳 作废"
                            "（申请人告知文件作废，不再用印），不能再用印。")
    twice = await sandbox.press_data(CHEN, cards[CHEN]["message_id"], f"seal:void:{request.id}")
    assert "已于 11-27 10:30 由 刘芳 作废" in popup(twice)
    before = len(sandbox.emu.bot_messages(LIU))
    await sandbox.advance_to(local(27, 17, 30))
    assert len(sandbox.emu.bot_messages(LIU)) == before
    assert "目前没有待用印或待归还的事项" in texts(await sandbox.send(LIU, "/seals queue"))
    assert len(await void_audits(sandbox)) == 1
    async with sandbox.db.transaction() as s:
        assert list(await s.scalars(select(SealLedgerEntry))) == []
        unstamped = list(await s.scalars(select(Notification).where(
            Notification.key.like(f"seal:{request.id}:unstamped:%"))))
        assert unstamped == []


async def test_the_applicant_voids_from_seal_and_the_admin_by_command(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    first = await submit_request(sandbox, STAFF, PARTY_SEAL, title="年度工作总结", copies=1)
    second = await submit_request(sandbox, STAFF, PARTY_SEAL, title="补充说明", copies=1)
    pending = await submit_request(sandbox, STAFF, PARTY_SEAL, title="尚在审批", copies=1)
    await approved_by_button(sandbox, first.id, LEADER)
    await approved_by_button(sandbox, second.id, LEADER)

    # /seal lists them: the approved ones with 作废, the pending one with 撤回.
    listing = await sandbox.send(STAFF, "/seal")
    assert buttons(listing[0]) == [f"🚫 作废 #{first.id}"]
    assert buttons(listing[1]) == [f"🚫 作废 #{second.id}"]
    assert buttons(listing[2]) == [f"↩️ 撤回 #{pending.id}"]
    await sandbox.press(STAFF, f"🚫 作废 #{first.id}", listing[0]["message_id"])
    assert "请输入作废用印申请 #" in last(sandbox, STAFF)["text"]
    # The reason is taken by the void question, not by the /seal form that was open.
    done = texts(await sandbox.send(STAFF, "领导要求暂缓报送"))
    assert f"🚫 已作废用印申请 #{first.id}「年度工作总结」" in done
    assert buttons(message(sandbox, STAFF, listing[0]["message_id"])) == []
    assert (await request_row(sandbox, first.id)).status == "voided"
    await sandbox.tick()
    assert "已由 张伟 于 11-27 10:00 作废。原因：领导要求暂缓报送" in last(sandbox, LIU)["text"]
    keeper_card = pending_card(sandbox, LIU, f"seal:stamp:{second.id}")
    line = "🚫 已作废：张伟 11-27 10:00，原因：领导要求暂缓报送"
    voided_card = [m for m in sandbox.emu.bot_messages(LIU) if line in (m.get("text") or "")]
    assert len(voided_card) == 1 and buttons(voided_card[0]) == []

    # /seals void: the usage without a reason; refusals change nothing.
    assert "/seals void 编号 原因" in texts(await sandbox.send(CHEN, f"/seals void {second.id}"))
    assert "尚在审批中，无需作废" in texts(await sandbox.send(
        STAFF, f"/seals void {pending.id} 不要了"))
    assert "只有申请人、该印章的保管人或管理员" in texts(await sandbox.send(
        ZHOU, f"/seals void {second.id} 不要了"))
    assert "由 张伟 作废（领导要求暂缓报送）" in texts(await sandbox.send(
        CHEN, f"/seals void {first.id} 再作废"))
    assert "找不到该用印申请" in texts(await sandbox.send(CHEN, "/seals void 999 不要了"))
    assert (await request_row(sandbox, second.id)).status == "approved"
    assert len(await void_audits(sandbox)) == 1

    # The admin (not a keeper of this seal) voids it in one line.
    done = texts(await sandbox.send(CHEN, f"/seals void {second.id} 重复申请"))
    assert f"🚫 已作废用印申请 #{second.id}「补充说明」" in done
    edited = message(sandbox, LIU, keeper_card["message_id"])
    assert "🚫 已作废：陈志强 11-27 10:00，原因：重复申请" in edited["text"]
    await sandbox.tick()
    assert "已由 陈志强 于 11-27 10:00 作废。原因：重复申请" in last(sandbox, STAFF)["text"]
    # A stamped request cannot be voided.
    third = await submit_request(sandbox, STAFF, PARTY_SEAL, title="已用印的", copies=1)
    await approved_by_button(sandbox, third.id, LEADER)
    liu = await sandbox.services.people.resolve_actor(LIU, "", None)
    assert liu is not None
    await sandbox.services.seal_keeping.stamp(liu, third.id, 1)
    assert "已用印，不能作废" in texts(await sandbox.send(STAFF, f"/seals void {third.id} 不要了"))
