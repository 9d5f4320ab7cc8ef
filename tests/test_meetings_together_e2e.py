"""Meetings as they mix in a real day: a leave reason typed while calling another meeting,
a meeting called at night for the same night, decisions shown on the meeting's card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.sandbox import Sandbox
from storage.models import MeetingInvitee
from tests.conftest import CLERK_KEEPER, LEADER, SHANGHAI, STAFF, texts
from tests.task_helpers import load_task, make_task
from tests.test_meetings_rsvp_e2e import call_meeting


async def test_a_leave_reason_is_not_taken_by_another_conversation(sandbox: Sandbox) -> None:
    meeting_id = await call_meeting(sandbox)
    # 王建国 starts calling a meeting of his own and is asked for the place...
    await sandbox.send(LEADER, "/meeting")
    await sandbox.send(LEADER, "专题会")
    await sandbox.send(LEADER, "明天上午10点")
    # ...then answers the other notice: 请假, with a reason.
    notice = next(m for m in reversed(sandbox.emu.bot_messages(LEADER))
                  if "会议通知" in (m.get("text") or ""))
    await sandbox.press(LEADER, "请假", notice["message_id"])
    await sandbox.send(LEADER, "到县里参加培训")
    async with sandbox.db.transaction() as s:
        mine = await s.scalar(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting_id, MeetingInvitee.staff_id == 1))
    assert mine is not None and mine.response == "leave" and mine.reason == "到县里参加培训"


async def test_a_meeting_called_at_night_for_that_night_reaches_people(
        sandbox: Sandbox) -> None:
    await sandbox.advance_to(datetime(2026, 11, 27, 22, 10, tzinfo=SHANGHAI))
    clerk = await sandbox.services.people.resolve_actor(CLERK_KEEPER, "", None)
    assert clerk is not None
    draft = await sandbox.services.meetings.prepare(
        clerk, "防汛紧急会", "今晚11点", "值班室", "张伟")
    await sandbox.services.meetings.create(clerk, draft)
    await sandbox.tick()  # inside quiet hours (22:00-07:00): still sent, it cannot wait
    got = texts(sandbox.emu.bot_messages(STAFF))
    assert "防汛紧急会" in got and "会议通知" in got
    assert "会议即将开始：防汛紧急会，23:00" in got  # the hour-before reminder, at once


async def test_the_meeting_card_shows_its_decisions(sandbox: Sandbox) -> None:
    meeting_id = await call_meeting(sandbox)
    await sandbox.advance_to(datetime(2026, 11, 28, 15, 30, tzinfo=SHANGHAI))
    await sandbox.send(CLERK_KEEPER, f"/decision {meeting_id} 完成村道修缮方案 | 张伟 | 12月15日")
    card = texts(await sandbox.send(CLERK_KEEPER, f"/meeting {meeting_id}"))
    assert "完成村道修缮方案" in card and "张伟" in card


async def test_the_newest_question_gets_the_answer(sandbox: Sandbox) -> None:
    """请假 on a meeting notice, then 有异议 on a task card: the typed reason answers the
    task (the newest question), and the meeting answer is left as it was."""
    meeting_id = await call_meeting(sandbox)
    task_id = (await make_task(sandbox.services, owner="张伟")).id
    await sandbox.tick()
    notice = next(m for m in sandbox.emu.bot_messages(STAFF)
                  if "会议通知" in (m.get("text") or ""))
    card = next(m for m in sandbox.emu.bot_messages(STAFF)
                if "交办事项" in (m.get("text") or ""))
    await sandbox.press(STAFF, "请假", notice["message_id"])
    await sandbox.press(STAFF, "有异议", card["message_id"])
    await sandbox.send(STAFF, "不属于本人职责")
    assert (await load_task(sandbox.services, task_id)).status == "objected"
    async with sandbox.db.transaction() as s:
        zhang = await s.scalar(select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting_id, MeetingInvitee.staff_id == 6))
    assert zhang is not None and zhang.response == "none"
    # And /cancel forgets every open question: the next text answers nothing.
    await sandbox.press(STAFF, "请假", notice["message_id"])
    await sandbox.send(STAFF, "/cancel")
    assert "未能识别" in texts(await sandbox.send(STAFF, "家中有事"))


async def test_the_organisers_list_counts_seats(sandbox: Sandbox) -> None:
    meeting_id = await call_meeting(sandbox)  # 班子成员、张伟、黄磊: five seats
    wang = await sandbox.services.people.resolve_actor(LEADER, "", None)
    assert wang is not None
    await sandbox.services.rsvp.delegate(wang, meeting_id, "杨静")
    listed = texts(await sandbox.send(CLERK_KEEPER, "/meetings"))
    assert "参加 0 · 请假 0 · 委托 1 · 未回复 4" in listed


async def test_answering_after_a_place_change_shows_the_new_place(sandbox: Sandbox) -> None:
    meeting_id = await call_meeting(sandbox)
    notice = next(m for m in sandbox.emu.bot_messages(STAFF)
                  if "会议通知" in (m.get("text") or ""))
    await sandbox.send(CLERK_KEEPER, f"/meeting_place {meeting_id} 二楼会议室")
    await sandbox.press(STAFF, "参加", notice["message_id"])
    redrawn = sandbox.emu.message(STAFF, notice["message_id"])
    assert redrawn is not None and "二楼会议室" in redrawn["text"]
    assert "三楼会议室" not in redrawn["text"]
