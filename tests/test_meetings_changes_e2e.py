"""Meeting changes and venue preparation end to end: the organiser moves, re-places,
re-invites and cancels on the emulator, keeps the venue checklist with buttons, the clock
moves and the reminders that should (and only those) arrive; forged presses are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import ChecklistItem, MeetingInvitee
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts

MAYOR, DEPUTY = 1002, 1003  # 李明华, 赵丽: leaders, invited with 班子成员
LEADERS = (LEADER, MAYOR, DEPUTY)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


async def call_meeting(sandbox: Sandbox, invitees: str = "班子成员") -> int:
    """刘芳 (a clerk) calls 党委会 for tomorrow 15:00 (Sat 28 Nov); the notices go out."""
    clerk = await sandbox.services.people.resolve_actor(CLERK_KEEPER, "", None)
    assert clerk is not None
    meetings = sandbox.services.meetings
    draft = await meetings.prepare(clerk, "党委会", "明天下午3点", "三楼会议室", invitees)
    view = await meetings.create(clerk, draft)
    await sandbox.tick()
    return view.id


def last(sandbox: Sandbox, uid: int) -> dict[str, Any]:
    message = sandbox.emu.last_bot_message(uid)
    assert message is not None
    return message


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def data_of(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def count(sandbox: Sandbox, uid: int) -> int:
    return len(sandbox.emu.bot_messages(uid))


def new_since(sandbox: Sandbox, uid: int, before: int) -> str:
    return texts(sandbox.emu.bot_messages(uid)[before:])


def answer_text(answer: dict[str, Any] | None) -> str:
    assert answer is not None
    return str(answer.get("text") or "")


async def invitee(sandbox: Sandbox, meeting_id: int, telegram_id: int) -> MeetingInvitee:
    async with sandbox.db.transaction() as s:
        found = await s.scalar(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting_id,
            MeetingInvitee.staff.has(telegram_user_id=telegram_id)))
        assert found is not None
        return found


async def test_move_renotifies_asks_again_and_replaces_reminders(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    assert "时间：11月28日（周六） 15:00–16:00" in last(sandbox, LEADER)["text"]
    await sandbox.press(LEADER, "参加")
    assert (await invitee(sandbox, mid, LEADER)).response == "attend"

    # Someone who is not the organiser cannot move it.
    refused = texts(await sandbox.send(MAYOR, f"/meeting_move {mid} 后天上午9点"))
    assert "只有会议组织者或管理员可以进行此操作" in refused
    assert "无法识别时间" in texts(await sandbox.send(CLERK_KEEPER, f"/meeting_move {mid} 下辈子"))
    assert "已经过去" in texts(await sandbox.send(CLERK_KEEPER, f"/meeting_move {mid} 今天上午9点"))
    assert "用法" in texts(await sandbox.send(CLERK_KEEPER, "/meeting_move"))

    (card,) = await sandbox.send(CLERK_KEEPER, f"/meeting_move {mid} 后天上午9点")
    assert "原定：11月28日（周六） 15:00–16:00" in card["text"]
    assert "改为：11月29日（周日） 09:00–10:00" in card["text"]
    assert buttons(card) == ["✅ 确认改期", "✖ 放弃"]
    before = {uid: count(sandbox, uid) for uid in LEADERS}
    await sandbox.press(CLERK_KEEPER, "✅ 确认改期")
    done = sandbox.emu.message(CLERK_KEEPER, card["message_id"])
    assert done is not None and "已改期：党委会" in done["text"] and buttons(done) == []
    assert "已通知 3 人重新回执" in done["text"]

    await sandbox.tick()
    for uid in LEADERS:
        notice = new_since(sandbox, uid, before[uid])
        assert "会议时间变更：11月28日（周六） 15:00–16:00 → 11月29日（周日） 09:00–10:00" in notice
        assert "时间：11月29日（周日） 09:00–10:00" in notice
        assert buttons(last(sandbox, uid))[:3] == ["参加", "请假", "委托参会"]
    assert (await invitee(sandbox, mid, LEADER)).response == "none"  # asked again

    # The old times fire nothing: Fri 17:00 (old eve), Sat 14:00 (old "one hour before").
    before = {uid: count(sandbox, uid) for uid in LEADERS}
    await sandbox.advance_to(at(27, 17))
    await sandbox.advance_to(at(28, 14))
    assert {uid: count(sandbox, uid) for uid in LEADERS} == before
    # The new ones do: Sat 17:00 (eve of Sunday) and Sun 08:00.
    await sandbox.advance_to(at(28, 17))
    assert "明日会议提醒：党委会，11月29日（周日） 09:00" in last(sandbox, LEADER)["text"]
    await sandbox.advance_to(at(29, 8))
    assert "会议即将开始：党委会，09:00" in last(sandbox, MAYOR)["text"]


async def test_cancelled_meeting_sends_no_reminder(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    (card,) = await sandbox.send(CLERK_KEEPER, f"/meeting_cancel {mid} 与县里会议冲突")
    assert "请确认取消会议" in card["text"] and "原因：与县里会议冲突" in card["text"]
    await sandbox.press(CLERK_KEEPER, "✅ 确认取消会议")
    done = sandbox.emu.message(CLERK_KEEPER, card["message_id"])
    assert done is not None and "已取消会议：党委会" in done["text"]
    # A second press on the same card changes nothing.
    again = await sandbox.press_data(CLERK_KEEPER, card["message_id"], data_of(card)[0])
    assert "该确认已失效" in answer_text(again)

    await sandbox.tick()
    told = last(sandbox, MAYOR)["text"]
    assert "会议取消" in told and "原因：与县里会议冲突" in told
    before = {uid: count(sandbox, uid) for uid in (*LEADERS, CLERK_KEEPER)}
    for moment in (at(27, 17), at(28, 13), at(28, 14), at(28, 15)):
        await sandbox.advance_to(moment)
    assert {uid: count(sandbox, uid) for uid in (*LEADERS, CLERK_KEEPER)} == before
    # Answers are refused now, and so are further changes.
    refused = await sandbox.press(LEADER, "参加", message_id=sandbox.emu.bot_messages(
        LEADER)[-2]["message_id"])
    assert "取消" in answer_text(refused)
    assert "已取消，不能再修改" in texts(
        await sandbox.send(CLERK_KEEPER, f"/meeting_place {mid} 二楼会议室"))


async def test_place_change_tells_old_and_new(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    await sandbox.press(LEADER, "参加")
    done = texts(await sandbox.send(CLERK_KEEPER, f"/meeting_place {mid} 二楼会议室"))
    assert "已更改地点：党委会" in done and "三楼会议室 → 二楼会议室" in done
    await sandbox.tick()
    told = last(sandbox, MAYOR)["text"]
    assert "会议地点变更" in told and "地点：三楼会议室 → 二楼会议室" in told
    assert (await invitee(sandbox, mid, LEADER)).response == "attend"  # answers kept
    await sandbox.advance_to(at(28, 14))
    assert "会议即将开始：党委会，15:00，地点：二楼会议室" in last(sandbox, LEADER)["text"]
    # An English reader who has the notice hears of the change in English.
    await sandbox.send(CLERK_KEEPER, f"/meeting_invite {mid} 黄磊")
    await sandbox.tick()
    await sandbox.send(CLERK_KEEPER, f"/meeting_place {mid} 一楼大厅")
    await sandbox.tick()
    assert "Place: 二楼会议室 → 一楼大厅" in last(sandbox, STAFF_EN)["text"]


async def test_invite_and_uninvite(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    invited = texts(await sandbox.send(CLERK_KEEPER, f"/meeting_invite {mid} 张伟"))
    assert "已邀请 张伟 参加：党委会" in invited
    await sandbox.tick()
    notice = last(sandbox, STAFF)
    assert "会议通知" in notice["text"] and buttons(notice)[:3] == ["参加", "请假", "委托参会"]
    assert "张伟 已在参会名单中" in texts(
        await sandbox.send(CLERK_KEEPER, f"/meeting_invite {mid} 张伟"))
    assert "只有会议组织者或管理员" in texts(
        await sandbox.send(LEADER, f"/meeting_invite {mid} 杨静"))

    removed = texts(await sandbox.send(CLERK_KEEPER, f"/meeting_uninvite {mid} 张伟"))
    assert "已将 张伟 移出：党委会" in removed
    await sandbox.tick()
    assert "您已无需参加会议：党委会" in last(sandbox, STAFF)["text"]
    assert "张伟 不在参会名单中" in texts(
        await sandbox.send(CLERK_KEEPER, f"/meeting_uninvite {mid} 张伟"))
    # No reminder reaches the person removed; the others get theirs.
    before = count(sandbox, STAFF)
    await sandbox.advance_to(at(27, 17))
    assert count(sandbox, STAFF) == before
    assert "明日会议提醒：党委会" in last(sandbox, LEADER)["text"]
    # An admin may change another's meeting; the last invitee cannot be removed.
    await sandbox.send(ADMIN, f"/meeting_uninvite {mid} 李明华、赵丽")
    assert "不能移出全部参会人员" in texts(
        await sandbox.send(ADMIN, f"/meeting_uninvite {mid} 王建国"))


async def ticked(sandbox: Sandbox, meeting_id: int) -> dict[str, bool]:
    async with sandbox.db.transaction() as s:
        items = await s.scalars(select(ChecklistItem).where(
            ChecklistItem.meeting_id == meeting_id).order_by(ChecklistItem.id))
        return {i.title: i.done_at is not None for i in items}


async def test_venue_checklist_and_its_alert(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    (card,) = await sandbox.send(CLERK_KEEPER, f"/venue {mid}")
    assert "会场布置：党委会" in card["text"] and "已完成 0/4" in card["text"]
    assert buttons(card) == ["⬜ 会标", "⬜ 桌签", "⬜ 音响", "⬜ 材料印制"]

    # Assignment: to a clerk only; the clerk is told what, for which meeting, by when.
    assert "张伟 不是办公室人员" in texts(
        await sandbox.send(CLERK_KEEPER, f"/venue {mid} assign 会标 张伟"))
    done = texts(await sandbox.send(CLERK_KEEPER, f"/venue {mid} assign 会标 陈志强"))
    assert "已将“会标”分派给 陈志强" in done and "会标 · 陈志强" in done
    await sandbox.tick()
    task = last(sandbox, ADMIN)
    assert "会场布置任务" in task["text"] and "事项：会标" in task["text"]
    assert "完成时限：11月28日（周六） 12:00" in task["text"]
    # An item can have its own due time, but not after the start.
    assert "不能晚于会议开始时间" in texts(await sandbox.send(
        CLERK_KEEPER, f"/venue {mid} assign 桌签 刘芳 | 明天下午5点"))
    timed = texts(await sandbox.send(CLERK_KEEPER, f"/venue {mid} assign 桌签 刘芳 | 明天上午10点"))
    assert "已将“桌签”分派给 刘芳，时限 11-28 10:00" in timed
    assert "桌签 · 刘芳 · 时限 11-28 10:00" in timed
    added = texts(await sandbox.send(CLERK_KEEPER, f"/venue {mid} add 茶水"))
    assert "已增加布置事项“茶水”" in added

    # The assignee opens the checklist from the message and ticks; the card changes in place.
    await sandbox.press(ADMIN, "📋 会场布置")
    mine = last(sandbox, ADMIN)
    answer = await sandbox.press(ADMIN, "⬜ 会标", message_id=mine["message_id"])
    assert answer_text(answer) == "已勾选：会标"
    mine = sandbox.emu.message(ADMIN, mine["message_id"])
    assert mine is not None and "✅ 会标" in buttons(mine)
    assert "会标 · 陈志强 11-27 10:00 已完成" in mine["text"]
    # The organiser's older card is stale: pressing 会标 there leaves it ticked.
    stale = await sandbox.press(CLERK_KEEPER, "⬜ 会标", message_id=card["message_id"])
    assert answer_text(stale) == "“会标”已勾选，无需重复操作。"
    refreshed = sandbox.emu.message(CLERK_KEEPER, card["message_id"])
    assert refreshed is not None and "✅ 会标" in buttons(refreshed)
    for label in ("⬜ 桌签", "⬜ 材料印制", "⬜ 茶水"):
        await sandbox.press(CLERK_KEEPER, label, message_id=card["message_id"])
    assert await ticked(sandbox, mid) == {"会标": True, "桌签": True, "音响": False,
                                          "材料印制": True, "茶水": True}

    # Two hours before the start the organiser hears what is still open — and only that.
    await sandbox.advance_to(at(28, 12, 59))
    assert "会场布置提醒" not in texts(sandbox.emu.bot_messages(CLERK_KEEPER))
    await sandbox.advance_to(at(28, 13))
    alert = last(sandbox, CLERK_KEEPER)["text"]
    assert "会场布置提醒" in alert and "尚有 1 项未完成" in alert and "· 音响（未分派）" in alert
    assert "会标" not in alert


async def test_no_venue_alert_when_all_is_ticked(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    (card,) = await sandbox.send(ADMIN, f"/venue {mid}")
    for label in ("⬜ 会标", "⬜ 桌签", "⬜ 音响", "⬜ 材料印制"):
        await sandbox.press(ADMIN, label, message_id=card["message_id"])
    final = sandbox.emu.message(ADMIN, card["message_id"])
    assert final is not None and "已完成 4/4" in final["text"]
    await sandbox.advance_to(at(28, 13))
    assert "会场布置提醒" not in texts(sandbox.emu.bot_messages(CLERK_KEEPER))


async def test_forged_presses_are_refused(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    (card,) = await sandbox.send(CLERK_KEEPER, f"/meeting_cancel {mid}")
    token_data = data_of(card)[0]
    (staff_card,) = await sandbox.send(STAFF, f"/venue {mid}")
    assert "只有会议组织者、办公室人员或管理员可以办理会场布置" in staff_card["text"]
    # Someone else presses the organiser's confirmation (its data copied): nothing happens.
    forged = await sandbox.press_data(STAFF, staff_card["message_id"], token_data)
    assert "该确认已失效" in answer_text(forged)
    async with sandbox.db.transaction() as s:
        first = await s.scalar(select(ChecklistItem.id).where(
            ChecklistItem.meeting_id == mid).order_by(ChecklistItem.id))
    forged = await sandbox.press_data(STAFF, staff_card["message_id"], f"venue:tick:{first}")
    assert "只有会议组织者、办公室人员或管理员" in answer_text(forged)
    forged = await sandbox.press_data(STAFF, staff_card["message_id"], f"venue:show:{mid}")
    assert "只有会议组织者、办公室人员或管理员" in answer_text(forged)
    assert not any((await ticked(sandbox, mid)).values())
    # The organiser's own card still works, and drops cleanly.
    await sandbox.press(CLERK_KEEPER, "✖ 放弃")
    dropped = sandbox.emu.message(CLERK_KEEPER, card["message_id"])
    assert dropped is not None and "已放弃" in dropped["text"]
    assert (await invitee(sandbox, mid, LEADER)).active


async def test_stale_move_card_is_refused_and_retired(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    (mine,) = await sandbox.send(CLERK_KEEPER, f"/meeting_move {mid} 后天上午9点")
    (admins,) = await sandbox.send(ADMIN, f"/meeting_move {mid} 后天下午2点")
    await sandbox.press(ADMIN, "✅ 确认改期", message_id=admins["message_id"])
    stale = await sandbox.press(CLERK_KEEPER, "✅ 确认改期", message_id=mine["message_id"])
    assert "会议信息已有变动" in answer_text(stale)
    retired = sandbox.emu.message(CLERK_KEEPER, mine["message_id"])
    assert retired is not None and buttons(retired) == []
    assert "会议信息已有变动" in retired["text"]
    await sandbox.tick()
    # The organiser hears of the admin's move; the meeting is at the admin's time.
    assert "11月29日（周日） 14:00–15:00（陈志强 修改）" in last(sandbox, CLERK_KEEPER)["text"]
