"""Answers to meeting notices end to end: invitees press the notice's buttons on the
emulator, the organiser reads the answers and reminds the slow ones, reminders follow the
answers as the clock moves, people check in; and presses that must change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from bot.sandbox import Sandbox
from bot.services.people import StaffDraft
from storage.models import Meeting, MeetingInvitee
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts

LI, ZHAO, YANG, ZHOU = 1002, 1003, 1007, 1009  # 李明华, 赵丽 (leaders); 杨静, 周敏 (staff)
STARTS = datetime(2026, 11, 28, 15, 0, tzinfo=SHANGHAI)  # "明天下午3点" from START
EVE = datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI)
BEFORE = STARTS - timedelta(hours=1)
INVITED = (LEADER, LI, ZHAO, STAFF, STAFF_EN)


async def call_meeting(sandbox: Sandbox, invitees: str = "班子成员、张伟、黄磊") -> int:
    """刘芳 (a clerk) calls 党委会 for tomorrow 15:00; the notices go out."""
    clerk = await sandbox.services.people.resolve_actor(CLERK_KEEPER, "", None)
    assert clerk is not None
    meetings = sandbox.services.meetings
    draft = await meetings.prepare(clerk, "党委会", "明天下午3点", "三楼会议室", invitees)
    meeting_id = (await meetings.create(clerk, draft)).id
    await sandbox.tick()
    return meeting_id


def last(sandbox: Sandbox, uid: int) -> dict[str, Any]:
    message = sandbox.emu.last_bot_message(uid)
    assert message is not None
    return message


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def data(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def notice(sandbox: Sandbox, uid: int) -> dict[str, Any]:
    """The person's newest meeting notice, as it stands (edits applied)."""
    found = [m for m in sandbox.emu.bot_messages(uid) if m.get("text", "").startswith("📢")]
    assert found, f"no notice for {uid}"
    return found[-1]


def answer_text(answer: dict[str, Any] | None) -> str:
    assert answer is not None
    return str(answer.get("text") or "")


def since(sandbox: Sandbox, uid: int, count: int) -> str:
    return texts(sandbox.emu.bot_messages(uid)[count:])


async def response(sandbox: Sandbox, meeting_id: int, uid: int) -> tuple[str, str, bool]:
    async with sandbox.db.transaction() as s:
        rows = await s.scalars(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting_id))
        for row in rows:
            if row.staff.telegram_user_id == uid:
                return row.response, row.reason, row.active
    raise AssertionError(f"{uid} has no row")


async def test_attend_leave_and_delegate_on_the_notice(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    card = notice(sandbox, LEADER)
    assert "党委会" in card["text"] and buttons(card)[:3] == ["参加", "请假", "委托参会"]

    # 参加: recorded at once; the card shows it and keeps its buttons to change it.
    assert answer_text(await sandbox.press(LEADER, "参加")) == "已回执：参加"
    card = notice(sandbox, LEADER)
    assert card["text"].endswith("✅ 已回执：参加（会前可更改）")
    assert "会议：党委会" in card["text"] and buttons(card)[:3] == ["参加", "请假", "委托参会"]
    assert answer_text(await sandbox.press(LEADER, "参加")) == "已回执：参加（无变化）"

    # 请假: the reason is asked for; /cancel changes nothing; an overlong reason is refused.
    await sandbox.press(LI, "请假")
    assert "请输入请假原因（200 字以内）" in last(sandbox, LI)["text"]
    assert "已取消" in texts(await sandbox.send(LI, "/cancel"))
    assert await response(sandbox, mid, LI) == ("none", "", True)
    await sandbox.press(LI, "请假")
    refused = texts(await sandbox.send(LI, "很" * 201))
    assert "请假原因最多 200 个字" in refused
    assert await response(sandbox, mid, LI) == ("none", "", True)
    done = texts(await sandbox.send(LI, "到县里参加培训"))
    assert "已请假：党委会" in done and "原因：到县里参加培训" in done
    assert "已告知组织者 刘芳" in done
    assert notice(sandbox, LI)["text"].endswith("✅ 已回执：请假（原因：到县里参加培训）")
    assert await response(sandbox, mid, LI) == ("leave", "到县里参加培训", True)

    # 委托参会: a colleague's name; oneself, someone invited, nobody known are refused.
    await sandbox.press(ZHAO, "委托参会")
    assert "请输入受委托参会同事的姓名" in last(sandbox, ZHAO)["text"]
    assert "不能委托本人参会" in texts(await sandbox.send(ZHAO, "赵丽"))
    assert "王建国 已在参会名单中" in texts(await sandbox.send(ZHAO, "王建国"))
    assert "未找到人员“马六”" in texts(await sandbox.send(ZHAO, "马六"))
    assert await response(sandbox, mid, ZHAO) == ("none", "", True)
    done = texts(await sandbox.send(ZHAO, "杨静"))
    assert "已委托 杨静 参加：党委会" in done
    assert notice(sandbox, ZHAO)["text"].endswith("✅ 已回执：委托 杨静 参会")

    # The delegate gets the notice in their own name, and answers it.
    await sandbox.tick()
    theirs = notice(sandbox, YANG)
    assert "（受 赵丽 委托参会）" in theirs["text"] and "会议：党委会" in theirs["text"]
    assert answer_text(await sandbox.press(YANG, "参加")) == "已回执：参加"
    assert await response(sandbox, mid, YANG) == ("attend", "", True)

    # The organiser is told of the leave and the delegation, with a way to the answers.
    told = texts(sandbox.emu.bot_messages(CLERK_KEEPER))
    assert "李明华 请假：党委会" in told and "原因：到县里参加培训" in told
    assert "赵丽 委托 杨静 参会：党委会" in told
    assert buttons(last(sandbox, CLERK_KEEPER)) == ["📋 查看回执"]

    # English, for the one who reads it.
    assert answer_text(await sandbox.press(STAFF_EN, "Attend")) == "Answered: attending"
    assert notice(sandbox, STAFF_EN)["text"].endswith(
        "✅ Answered: attending (may change before the start)")


async def test_the_organisers_view_and_what_invitees_see(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    await sandbox.press(LEADER, "参加")
    await sandbox.press(LI, "请假")
    await sandbox.send(LI, "到县里参加培训")
    await sandbox.press(ZHAO, "委托参会")
    await sandbox.send(ZHAO, "杨静")

    view = texts(await sandbox.send(CLERK_KEEPER, f"/meeting_status {mid}"))
    assert f"党委会（编号 {mid}）" in view and "地点：三楼会议室" in view
    assert "组织：刘芳 · 待召开" in view
    assert "回执：应到 5 人，参加 1，请假 1，委托 1，未回复 2" in view
    assert "✅ 参加：王建国" in view
    assert "🏖 请假：李明华（到县里参加培训）" in view
    assert "↪️ 委托：赵丽 → 杨静（未回复）" in view
    assert "⏳ 未回复：张伟、黄磊" in view
    assert buttons(last(sandbox, CLERK_KEEPER)) == ["🔔 提醒未回复", "🔄 刷新"]

    # The organiser's alert opens the same view; a refresh shows a new answer in place.
    await sandbox.press(STAFF, "参加")
    await sandbox.tick()
    alerts = [m for m in sandbox.emu.bot_messages(CLERK_KEEPER) if "📋 查看回执" in buttons(m)]
    shown = await sandbox.send(CLERK_KEEPER, "/meeting_status")  # a list of coming meetings
    assert buttons(shown[-1]) == ["党委会 11月28日（周六） 15:00"]
    await sandbox.press(CLERK_KEEPER, "📋 查看回执", alerts[0]["message_id"])
    fresh = last(sandbox, CLERK_KEEPER)
    assert "✅ 参加：王建国、张伟" in fresh["text"]
    await sandbox.press(STAFF_EN, "Attend")
    assert answer_text(await sandbox.press(CLERK_KEEPER, "🔄 刷新")) == "已更新。"
    fresh = sandbox.emu.message(CLERK_KEEPER, fresh["message_id"])
    assert fresh is not None and "✅ 参加：王建国、张伟、黄磊" in fresh["text"]

    # An invitee sees the meeting, the counts and their own answer — not others' reasons.
    theirs = texts(await sandbox.send(STAFF, f"/meeting_status {mid}"))
    assert "回执：应到 5 人" in theirs and "您的回执：参加" in theirs
    assert "到县里参加培训" not in theirs and "李明华" not in theirs
    assert buttons(last(sandbox, STAFF)) == ["参加", "请假", "委托参会", "🔄 刷新"]
    # ... and may change it there: the view and the notice both show the new answer.
    await sandbox.press(STAFF, "请假", last(sandbox, STAFF)["message_id"])
    await sandbox.send(STAFF, "值班")
    assert notice(sandbox, STAFF)["text"].endswith("✅ 已回执：请假（原因：值班）")
    delegate_view = texts(await sandbox.send(YANG, f"/meeting_status {mid}"))
    assert "您受 赵丽 委托参会，回执：未回复" in delegate_view
    assert buttons(last(sandbox, YANG)) == ["参加", "请假", "🔄 刷新"]

    # Someone not invited sees nothing; a bad id gets the usage.
    assert "您不在该会议的参会范围内" in texts(await sandbox.send(ZHOU, f"/meeting_status {mid}"))
    assert "用法：/meeting_status 会议编号" in texts(
        await sandbox.send(CLERK_KEEPER, "/meeting_status 党委会"))
    assert "找不到该会议" in texts(await sandbox.send(CLERK_KEEPER, "/meeting_status 999"))

    # English view for the English reader.
    english = texts(await sandbox.send(STAFF_EN, f"/meeting_status {mid}"))
    assert "Your answer: attending" in english


async def test_changing_the_answer_until_the_start(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    await sandbox.press(ZHAO, "委托参会")
    await sandbox.send(ZHAO, "杨静")
    await sandbox.tick()
    yang_card = notice(sandbox, YANG)

    # Back to attending: the delegate's invitation is taken back and they are told.
    await sandbox.press(ZHAO, "参加")
    assert notice(sandbox, ZHAO)["text"].endswith("✅ 已回执：参加（会前可更改）")
    assert await response(sandbox, mid, YANG) == ("none", "", False)
    await sandbox.tick()
    assert "赵丽 已撤回委托，您无需参加：党委会" in last(sandbox, YANG)["text"]
    refused = await sandbox.press(YANG, "参加", yang_card["message_id"])
    assert "您不在该会议的参会范围内" in answer_text(refused)

    # Leave, then attend after all: the reason goes.
    await sandbox.press(LEADER, "请假")
    await sandbox.send(LEADER, "出差")
    await sandbox.press(LEADER, "参加")
    assert await response(sandbox, mid, LEADER) == ("attend", "", True)

    # A question left open does not take the next message once the answer moved on.
    await sandbox.press(LI, "请假")
    await sandbox.press(LI, "参加")
    await sandbox.send(LI, "好的")
    assert await response(sandbox, mid, LI) == ("attend", "", True)
    # Pressing 委托参会 after 请假: the name goes to the delegation, not to the leave.
    await sandbox.press(STAFF, "请假")
    await sandbox.press(STAFF, "委托参会")
    assert "已委托 周敏 参加" in texts(await sandbox.send(STAFF, "周敏"))
    assert await response(sandbox, mid, STAFF) == ("delegate", "", True)
    assert await response(sandbox, mid, ZHOU) == ("none", "", True)

    # At the start answers close.
    sandbox.clock.set(STARTS)
    refused = await sandbox.press(LEADER, "请假")
    assert answer_text(refused) == "会议已开始，回执已截止。"
    assert await response(sandbox, mid, LEADER) == ("attend", "", True)


async def test_resend_to_those_who_have_not_replied(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    await sandbox.press(LEADER, "参加")
    await sandbox.press(LI, "请假")
    await sandbox.send(LI, "培训")
    await sandbox.press(ZHAO, "委托参会")
    await sandbox.send(ZHAO, "杨静")
    await sandbox.tick()
    counts = {uid: len(sandbox.emu.bot_messages(uid))
              for uid in (LEADER, LI, ZHAO, STAFF, STAFF_EN, YANG)}

    await sandbox.send(CLERK_KEEPER, f"/meeting_status {mid}")
    view_id = last(sandbox, CLERK_KEEPER)["message_id"]
    # Only the organiser or an admin: a forged press by an invitee changes nothing.
    refused = await sandbox.press_data(LEADER, notice(sandbox, LEADER)["message_id"],
                                       f"mtg:nudge:{mid}")
    assert "只有会议组织者或管理员可以进行此操作" in answer_text(refused)

    sent = await sandbox.press(CLERK_KEEPER, "🔔 提醒未回复", view_id)
    assert answer_text(sent) == "已向 3 位未回复人员再次发送会议通知。"
    await sandbox.tick()
    for uid in (STAFF, STAFF_EN, YANG):
        assert len(sandbox.emu.bot_messages(uid)) == counts[uid] + 1
    assert "会议通知" in last(sandbox, STAFF)["text"]
    assert "Meeting notice" in last(sandbox, STAFF_EN)["text"]
    assert "（受 赵丽 委托参会）" in last(sandbox, YANG)["text"]
    for uid in (LEADER, LI, ZHAO):
        assert len(sandbox.emu.bot_messages(uid)) == counts[uid]

    # Pressed again at once: it was just sent.
    sandbox.clock.advance(timedelta(minutes=1))
    again = await sandbox.press(CLERK_KEEPER, "🔔 提醒未回复", view_id)
    assert "10:00 已提醒过未回复人员，请 4 分钟后再试" in answer_text(again)
    await sandbox.tick()
    assert len(sandbox.emu.bot_messages(STAFF)) == counts[STAFF] + 1

    # The re-sent notice works like the first: its answer shows on both cards.
    await sandbox.press(STAFF, "参加")
    cards = [m for m in sandbox.emu.bot_messages(STAFF) if m["text"].startswith("📢")]
    assert len(cards) == 2 and all(c["text"].endswith("✅ 已回执：参加（会前可更改）")
                                   for c in cards)


async def test_reminders_follow_the_answers(sandbox: Sandbox) -> None:
    await call_meeting(sandbox)
    await sandbox.press(LEADER, "参加")
    await sandbox.press(LI, "请假")
    await sandbox.send(LI, "到县里参加培训")
    await sandbox.press(ZHAO, "委托参会")
    await sandbox.send(ZHAO, "杨静")
    await sandbox.tick()
    # 张伟 and 黄磊 do not reply.
    counts = {uid: len(sandbox.emu.bot_messages(uid)) for uid in (*INVITED, YANG)}

    await sandbox.advance_to(EVE)
    for uid in (LEADER, STAFF, YANG):
        assert "⏰ 明日会议提醒：党委会，11月28日（周六） 15:00" in since(sandbox, uid, counts[uid])
    assert "Meeting tomorrow: 党委会" in since(sandbox, STAFF_EN, counts[STAFF_EN])
    for uid in (LI, ZHAO):
        assert since(sandbox, uid, counts[uid]) == ""

    counts = {uid: len(sandbox.emu.bot_messages(uid)) for uid in (*INVITED, YANG)}
    await sandbox.advance_to(BEFORE)
    for uid in (LEADER, STAFF, YANG):
        assert "⏰ 会议即将开始：党委会，15:00" in since(sandbox, uid, counts[uid])
        assert buttons(last(sandbox, uid)) == ["✅ 会议签到"]
    assert "Meeting soon: 党委会" in since(sandbox, STAFF_EN, counts[STAFF_EN])
    for uid in (LI, ZHAO):
        assert since(sandbox, uid, counts[uid]) == ""


async def test_check_in(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    await sandbox.press(LEADER, "参加")
    await sandbox.press(LI, "请假")
    await sandbox.send(LI, "培训")
    await sandbox.press(ZHAO, "委托参会")
    await sandbox.send(ZHAO, "杨静")

    # Too early: the before-start reminder comes an hour ahead, check-in opens at 14:30.
    await sandbox.advance_to(BEFORE)
    reminder = last(sandbox, LEADER)
    early = await sandbox.press(LEADER, "✅ 会议签到", reminder["message_id"])
    assert "会议签到于 14:30 开始（会前 30 分钟）" in answer_text(early)
    assert "下一个会议：党委会，11月28日（周六） 15:00，14:30 起可签到" in texts(
        await sandbox.send(STAFF, "/checkin"))

    sandbox.clock.set(STARTS - timedelta(minutes=20))
    assert answer_text(await sandbox.press(LEADER, "✅ 会议签到", reminder["message_id"])) \
        == "✅ 已签到 14:40：党委会，地点：三楼会议室"
    assert "✅ 已签到 14:40：党委会" in last(sandbox, LEADER)["text"]
    assert buttons(sandbox.emu.message(LEADER, reminder["message_id"]) or {}) == []
    # Again, by the word: it says when.
    sandbox.clock.advance(timedelta(minutes=5))
    assert "您已于 14:40 签到：党委会，无需重复签到" in texts(
        await sandbox.send(LEADER, "会议签到"))

    # The delegate checks in; the one who sent them does not.
    assert "✅ 已签到 14:45：党委会" in texts(await sandbox.send(YANG, "/checkin"))
    assert "您目前没有可签到的会议" in texts(await sandbox.send(ZHAO, "/checkin"))
    forged = await sandbox.press_data(ZHAO, notice(sandbox, ZHAO)["message_id"],
                                      f"mtg:checkin:{mid}")
    assert "您已委托 杨静 参会，由其签到" in answer_text(forged)
    # Someone not invited, pressing a button they were never sent.
    await sandbox.send(ZHOU, "/checkin")
    forged = await sandbox.press_data(ZHOU, last(sandbox, ZHOU)["message_id"],
                                      f"mtg:checkin:{mid}")
    assert "您不在该会议的参会范围内" in answer_text(forged)

    # Late, after the start.
    sandbox.clock.set(STARTS + timedelta(minutes=7))
    assert "✅ Checked in at 15:07 (7 min late): 党委会, 三楼会议室" in texts(
        await sandbox.send(STAFF_EN, "/checkin"))

    view = texts(await sandbox.send(CLERK_KEEPER, f"/meeting_status {mid}"))
    assert "签到：已到 3，请假未到 1，未到（未请假）1" in view
    assert "已到：王建国 14:40、杨静 14:45、黄磊 15:07" in view
    assert "请假未到：李明华" in view and "未到（未请假）：张伟" in view
    assert "🔔 提醒未回复" not in buttons(last(sandbox, CLERK_KEEPER))  # started

    # After the end, check-in is closed.
    sandbox.clock.set(STARTS + timedelta(hours=1))
    assert "会议已结束，签到已关闭" in answer_text(
        await sandbox.press_data(STAFF, notice(sandbox, STAFF)["message_id"],
                                 f"mtg:checkin:{mid}"))
    assert "您目前没有可签到的会议" in texts(await sandbox.send(STAFF, "/checkin"))


async def test_several_meetings_to_check_in_at(sandbox: Sandbox) -> None:
    first = await call_meeting(sandbox, "张伟")
    clerk = await sandbox.services.people.resolve_actor(CLERK_KEEPER, "", None)
    assert clerk is not None
    draft = await sandbox.services.meetings.prepare(clerk, "安全生产专题会", "明天下午3点10分",
                                                    "二楼会议室", "张伟")
    second = (await sandbox.services.meetings.create(clerk, draft)).id
    sandbox.clock.set(STARTS - timedelta(minutes=10))
    listing = await sandbox.send(STAFF, "/checkin")
    assert "请选择要签到的会议" in texts(listing)
    assert data(listing[-1]) == [f"mtg:checkin:{first}", f"mtg:checkin:{second}"]
    await sandbox.press(STAFF, buttons(listing[-1])[1])
    assert "✅ 已签到 14:50：安全生产专题会" in last(sandbox, STAFF)["text"]
    # The list keeps its buttons: the other meeting may still be checked in at.
    still = sandbox.emu.message(STAFF, listing[-1]["message_id"])
    assert still is not None and len(buttons(still)) == 2


async def test_forged_and_stale_presses_change_nothing(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    card = notice(sandbox, LEADER)

    # Not invited: 周敏 forges every answer on a message of her own.
    await sandbox.send(ZHOU, "/checkin")
    own = last(sandbox, ZHOU)["message_id"]
    for action in ("attend", "leave", "delegate"):
        refused = await sandbox.press_data(ZHOU, own, f"mtg:{action}:{mid}")
        assert "您不在该会议的参会范围内" in answer_text(refused)
    assert "请输入" not in last(sandbox, ZHOU)["text"]  # no question was asked
    refused = await sandbox.press_data(LEADER, card["message_id"], "mtg:attend:999")
    assert "找不到该会议" in answer_text(refused)

    # A notice of a time since changed (the changes part bumps the revision and sends a new
    # notice): an answer on the old card could be meant for the old time.
    async with sandbox.db.transaction() as s:
        await s.execute(update(Meeting).where(Meeting.id == mid).values(revision=2))
    refused = await sandbox.press(LEADER, "参加", card["message_id"])
    assert answer_text(refused) == "会议时间已变更，请在最新的会议通知上回执。"
    assert await response(sandbox, mid, LEADER) == ("none", "", True)

    # Cancelled, then finished: refused, nothing recorded.
    async with sandbox.db.transaction() as s:
        await s.execute(update(Meeting).where(Meeting.id == mid).values(status="cancelled"))
    for label in ("参加", "请假", "委托参会"):
        refused = await sandbox.press(LEADER, label, card["message_id"])
        assert answer_text(refused) == "该会议已取消，无需回执或签到。"
    async with sandbox.db.transaction() as s:
        await s.execute(update(Meeting).where(Meeting.id == mid).values(status="finished"))
    refused = await sandbox.press(LEADER, "参加", card["message_id"])
    assert answer_text(refused) == "该会议已结束，回执已截止。"
    assert await response(sandbox, mid, LEADER) == ("none", "", True)
    assert sandbox.emu.message(LEADER, card["message_id"]) == card  # the card unchanged


async def test_delegation_to_people_who_cannot_stand_in(sandbox: Sandbox) -> None:
    mid = await call_meeting(sandbox)
    admin = await sandbox.services.people.resolve_actor(ADMIN, "", None)
    assert admin is not None
    await sandbox.services.people.invite(admin, StaffDraft(name="孙强", department="党政办"))
    await sandbox.send(ADMIN, "/deactivate 吴涛")

    await sandbox.press(ZHAO, "委托参会")
    assert "孙强 尚未注册" in texts(await sandbox.send(ZHAO, "孙强"))
    assert "吴涛 已停用" in texts(await sandbox.send(ZHAO, "吴涛"))
    # A menu label is its own action, not a name; the question stays open.
    await sandbox.send(ZHAO, "🗓 会议")
    assert await response(sandbox, mid, ZHAO) == ("none", "", True)
    assert "已委托 周敏 参加" in texts(await sandbox.send(ZHAO, "周敏"))
    # The same again is only confirmed.
    await sandbox.press(ZHAO, "委托参会")
    assert "您已委托 周敏 参会" in last(sandbox, ZHAO)["text"]
    assert "已委托 周敏 参会（无变化）" in texts(await sandbox.send(ZHAO, "周敏"))
    # The delegate cannot pass it on.
    await sandbox.tick()
    refused = await sandbox.press(ZHOU, "委托参会")
    assert "您是受 赵丽 委托参会，不能再转委托" in answer_text(refused)
