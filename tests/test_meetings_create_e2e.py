"""Calling a meeting through the emulator: one line and step by step, the confirmation card,
notices reaching exactly the picked people, materials and the calendar file from the notice,
the clash warnings, /meetings, and bad input that changes nothing."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from bot.services.access import Actor
from storage.models import Meeting, MeetingMaterial
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, STAFF, STAFF_EN, texts

CLERK = CLERK_KEEPER  # 刘芳
MAYOR, DEPUTY = 1002, 1003  # 李明华, 赵丽
YANG, ZHOU = 1007, 1009  # 杨静, 周敏
EVERYONE = (1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010)
ONE_LINE = "/meeting 党委会 | 周五下午3点 | 三楼会议室 | 班子成员"


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def notices(sandbox: Sandbox, user_id: int) -> list[dict[str, Any]]:
    return [m for m in sandbox.emu.bot_messages(user_id)
            if (m.get("text") or "").startswith("📢")]


async def meeting_count(sandbox: Sandbox) -> int:
    async with sandbox.db.transaction() as s:
        return int(await s.scalar(select(func.count(Meeting.id))) or 0)


async def call(sandbox: Sandbox, who: int, line: str) -> int:
    """A meeting by one line, confirmed; returns its id."""
    await sandbox.send(who, line)
    await sandbox.press(who, "✅ 发出通知")
    done = sandbox.emu.bot_messages(who)[-1]["text"]
    found = re.search(r"已发出会议通知（#(\d+)）", done)
    assert found is not None, done
    return int(found.group(1))


def unfold(ics: bytes) -> dict[str, str]:
    text = ics.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")
    lines = [line for line in re.sub(r"\r\n[ \t]", "", text).split("\r\n") if line]
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    return dict(line.partition(":")[::2] for line in lines)


async def test_one_line_notice_reaches_exactly_the_leaders(sandbox: Sandbox) -> None:
    card = (await sandbox.send(CLERK, ONE_LINE))[-1]
    text = card["text"]
    assert "请确认会议通知" in text and "会议：党委会" in text
    assert "时间：11月27日（周五） 15:00–16:00（1小时）" in text
    assert "地点：三楼会议室" in text and "参会：3 人（王建国、李明华、赵丽）" in text
    assert "⚠️" not in text
    assert buttons(card) == ["✅ 发出通知", "✖ 取消"]
    assert await meeting_count(sandbox) == 0  # nothing before the confirmation

    await sandbox.press(CLERK, "✅ 发出通知")
    done = sandbox.emu.bot_messages(CLERK)[-1]
    assert "已发出会议通知（#1），共 3 人" in done["text"] and "reply_markup" not in done
    await sandbox.tick()
    for leader in (LEADER, MAYOR, DEPUTY):
        [notice] = notices(sandbox, leader)
        assert "党委会" in notice["text"] and "11月27日（周五） 15:00–16:00" in notice["text"]
        assert "三楼会议室" in notice["text"] and "刘芳" in notice["text"]
        assert buttons(notice) == ["参加", "请假", "委托参会", "📅 加入日历", "📎 会议材料"]
    for other in set(EVERYONE) - {LEADER, MAYOR, DEPUTY}:
        assert notices(sandbox, other) == [], other

    # The number is the organiser's view (handlers/meetings_rsvp.py); it names the meeting.
    assert "党委会" in texts(await sandbox.send(CLERK, "/meeting 1"))


async def test_step_by_step_with_materials_and_the_notice_buttons(sandbox: Sandbox) -> None:
    assert "请输入会议名称" in texts(await sandbox.send(ADMIN, "/meeting"))
    # A menu button is that action, not the answer; the question stays open.
    assert "近期没有您的会议" in texts(await sandbox.send(ADMIN, "🗓 会议"))
    assert "请输入开会时间" in texts(await sandbox.send(ADMIN, "专题工作会"))
    assert "只有日期" in texts(await sandbox.send(ADMIN, "12月1日"))
    assert "无法识别时间" in texts(await sandbox.send(ADMIN, "改天再说"))
    echoed = texts(await sandbox.send(ADMIN, "下周一上午9点"))
    assert "开会时间：11月30日（周一） 09:00，是否正确？" in echoed
    await sandbox.press(ADMIN, "✏️ 重新填写")
    assert "开会时间：12月1日（周二） 14:30" in texts(await sandbox.send(ADMIN, "12月1日 14:30"))
    await sandbox.press(ADMIN, "✅ 正确")
    asked = sandbox.emu.bot_messages(ADMIN)[-1]
    assert "预计多长时间" in asked["text"] and buttons(asked) == ["30分钟", "1小时", "2小时"]
    assert "无法识别会议时长" in texts(await sandbox.send(ADMIN, "很久"))
    assert "请输入会议地点" in texts(await sandbox.send(ADMIN, "1.5小时"))
    hint = texts(await sandbox.send(ADMIN, "二楼小会议室"))
    assert "部门：镇党委、镇政府、党政办、经济发展办、社会事务办、综合执法队" in hint
    assert "未找到人员“张三丰”" in texts(await sandbox.send(ADMIN, "张伟、张三丰"))
    chosen = texts(await sandbox.send(ADMIN, "张伟、社会事务办"))
    assert "共 3 人：张伟、黄磊、吴涛" in chosen
    assert "已收到材料：议程.docx（共 1 份）" in texts(
        await sandbox.send_document(ADMIN, "议程.docx", b"agenda-bytes"))
    assert "共 2 份" in texts(await sandbox.send_document(ADMIN, "名单.pdf", b"list-bytes"))
    await sandbox.press(ADMIN, "完成")
    assert "请输入备注" in sandbox.emu.bot_messages(ADMIN)[-1]["text"]
    card = texts(await sandbox.send(ADMIN, "请带笔记本, 签到表"))
    assert "时间：12月1日（周二） 14:30–16:00（1小时30分钟）" in card
    assert "地点：二楼小会议室" in card and "参会：3 人（张伟、黄磊、吴涛）" in card
    assert "材料：议程.docx、名单.pdf" in card and "备注：请带笔记本, 签到表" in card
    await sandbox.press(ADMIN, "✅ 发出通知")
    assert "已发出会议通知（#1），共 3 人" in sandbox.emu.bot_messages(ADMIN)[-1]["text"]
    await sandbox.tick()
    assert [len(notices(sandbox, u)) for u in EVERYONE] == [0, 0, 0, 0, 0, 1, 0, 1, 0, 1]
    assert "Meeting notice" in notices(sandbox, STAFF_EN)[0]["text"]

    # Materials and the calendar file from the notice, for an invitee.
    before = len(sandbox.emu.bot_messages(STAFF))
    await sandbox.press(STAFF, "📎 会议材料", notices(sandbox, STAFF)[0]["message_id"])
    sent = sandbox.emu.bot_messages(STAFF)[before:]
    assert [m["document"]["file_name"] for m in sent] == ["议程.docx", "名单.pdf"]
    assert [sandbox.emu.file_bytes(m["document"]["file_id"]) for m in sent] == [
        b"agenda-bytes", b"list-bytes"]
    assert "专题工作会 · 会议材料 1/2" in sent[0]["caption"]
    before = len(sandbox.emu.bot_messages(STAFF))
    await sandbox.press(STAFF, "📅 加入日历", notices(sandbox, STAFF)[0]["message_id"])
    [ics] = sandbox.emu.bot_messages(STAFF)[before:]
    assert ics["document"]["file_name"] == "专题工作会.ics"
    props = unfold(sandbox.emu.file_bytes(ics["document"]["file_id"]))
    assert props["UID"] == "officebot-meeting-1@officebot"
    assert props["DTSTART"] == "20261201T063000Z" and props["DTEND"] == "20261201T080000Z"
    assert props["SUMMARY"] == "专题工作会" and props["LOCATION"] == "二楼小会议室"
    assert "组织：陈志强" in props["DESCRIPTION"] and "请带笔记本\\, 签到表" in props["DESCRIPTION"]

    # Someone not invited gets a polite refusal, whatever they press.
    await sandbox.send(ZHOU, "/whoami")
    own = sandbox.emu.bot_messages(ZHOU)[-1]["message_id"]
    before = len(sandbox.emu.bot_messages(ZHOU))
    for data in ("mtg:files:1", "mtg:ics:1"):
        refused = await sandbox.press_data(ZHOU, own, data)
        assert refused is not None and "不在该会议的参会范围内" in refused["text"]
    assert len(sandbox.emu.bot_messages(ZHOU)) == before


async def test_cancel_and_refusals_leave_no_meeting(sandbox: Sandbox) -> None:
    await sandbox.send(CLERK, "/meeting")
    await sandbox.send(CLERK, "党委会")
    assert "已取消" in texts(await sandbox.send(CLERK, "/cancel"))
    assert "未能识别" in texts(await sandbox.send(CLERK, "周五下午3点"))

    # A dropped card sends nothing; only a staff member's /meeting is refused outright.
    await sandbox.send(CLERK, ONE_LINE)
    await sandbox.press(CLERK, "✖ 取消")
    assert "未发出会议通知" in sandbox.emu.bot_messages(CLERK)[-1]["text"]
    assert "没有权限" in texts(await sandbox.send(STAFF, "/meeting"))
    assert "未能识别" in texts(await sandbox.send(STAFF, "党委会"))
    assert await meeting_count(sandbox) == 0


async def test_a_late_refusal_asks_again_then_shows_the_card(sandbox: Sandbox) -> None:
    for answer in ("/meeting", "党委会", "12月1日 14:30"):
        await sandbox.send(CLERK, answer)
    await sandbox.press(CLERK, "✅ 正确")
    await sandbox.press(CLERK, "2小时")
    await sandbox.send(CLERK, "跳过")  # no place
    await sandbox.send(CLERK, "张伟、吴涛")
    await sandbox.press(CLERK, "跳过")
    admin = await sandbox.services.people.resolve_actor(ADMIN, "", None)
    assert admin is not None
    await sandbox.services.people.deactivate(admin, "吴涛")  # meanwhile
    asked = texts(await sandbox.send(CLERK, "无"))
    assert "吴涛 已停用" in asked and "请输入参会人员" in asked
    card = texts(await sandbox.send(CLERK, "张伟"))  # the rest is kept: the card follows
    assert "12月1日（周二） 14:30–16:30（2小时）" in card and "地点：—" in card
    assert "参会：1 人（张伟）" in card and "备注：—" in card


async def test_bad_input_changes_nothing(sandbox: Sandbox) -> None:
    cases = {
        "/meeting 党委会 | 周五下午3点 | 三楼": "用法：/meeting",
        "/meeting 党委会 | 昨天下午3点 | 三楼 | 班子成员": "已经过去",
        "/meeting 党委会 | 改天 | 三楼 | 班子成员": "无法识别时间“改天”",
        "/meeting 党委会 | 12月1日 | 三楼 | 班子成员": "“12月1日”只有日期",
        "/meeting 党委会 | 周五下午3点 | 三楼 | 班子成员 | 三刻钟": "无法识别会议时长“三刻钟”",
        "/meeting 党委会 | 周五下午3点 | 三楼 | ": "请填写参会人员",
        "/meeting 党委会 | 周五下午3点 | 三楼 | 班子成员、张三丰": "未找到人员“张三丰”",
        "/meeting  | 周五下午3点 | 三楼 | 班子成员": "请填写会议名称",
    }
    for line, expected in cases.items():
        assert expected in texts(await sandbox.send(CLERK, line)), line
    assert "没有权限" in texts(await sandbox.send(STAFF, ONE_LINE))

    # Forged and repeated presses on the card create nothing more than the one meeting.
    card = (await sandbox.send(CLERK, ONE_LINE))[-1]
    token = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    forged = await sandbox.press_data(CLERK, card["message_id"], "mtg:create:ok:deadbeef")
    assert forged is not None and "已失效" in forged["text"]
    await sandbox.send(LEADER, "/whoami")
    stolen = await sandbox.press_data(LEADER, sandbox.emu.bot_messages(LEADER)[-1]["message_id"],
                                      token)
    assert stolen is not None and "已失效" in stolen["text"]
    assert await meeting_count(sandbox) == 0
    await sandbox.press(CLERK, "✅ 发出通知")
    again = await sandbox.press_data(CLERK, card["message_id"], token)
    assert again is not None and "已失效" in again["text"]
    assert await meeting_count(sandbox) == 1


async def add_shift(sandbox: Sandbox, day: str, person: str) -> int:
    clerk = await sandbox.services.people.resolve_actor(CLERK, "", None)
    assert isinstance(clerk, Actor)
    duty = sandbox.services.duty
    draft = await duty.draft(clerk, datetime.fromisoformat(day).date(), "day", person, "")
    return (await duty.create_shift(clerk, draft)).id


async def test_clashes_with_a_shift_and_another_meeting_are_warned(sandbox: Sandbox) -> None:
    await add_shift(sandbox, "2026-12-02", "张伟")
    await call(sandbox, CLERK, "/meeting 党委会 | 12月2日下午3点 | 三楼会议室 | 王建国")
    card = texts(await sandbox.send(
        ADMIN, "/meeting 安全生产会 | 12月2日下午3点半 | 二楼 | 王建国、张伟、杨静 | 30分钟"))
    assert "⚠️ 张伟 当时有值班（白班）" in card
    assert "⚠️ 王建国 当时另有会议：党委会（15:00）" in card
    assert "杨静 当时" not in card
    # A warning, not a refusal: the office decides.
    await sandbox.press(ADMIN, "✅ 发出通知")
    assert "已发出会议通知（#2），共 3 人" in sandbox.emu.bot_messages(ADMIN)[-1]["text"]


async def test_materials_added_later_and_who_may_add_them(sandbox: Sandbox) -> None:
    meeting_id = await call(sandbox, CLERK, ONE_LINE)
    await sandbox.tick()
    notice = notices(sandbox, LEADER)[0]
    answer = await sandbox.press(LEADER, "📎 会议材料", notice["message_id"])
    assert answer is not None and answer["text"] == "暂无会议材料" and not answer.get("show_alert")

    assert "只有会议组织者或管理员" in texts(await sandbox.send(LEADER, f"/material {meeting_id}"))
    await sandbox.processed(sandbox.emu.send_document(
        LEADER, "私货.pdf", b"x", caption=f"#{meeting_id}"))
    assert "只有会议组织者或管理员" in sandbox.emu.bot_messages(LEADER)[-1]["text"]
    assert "用法：/material" in texts(await sandbox.send(CLERK, "/material 党委会"))
    assert "找不到该会议" in texts(await sandbox.send(CLERK, "/material 99"))

    assert "请发送 #1 党委会 的会议材料" in texts(
        await sandbox.send(CLERK, f"/material {meeting_id}"))
    big = texts(await sandbox.send_document(CLERK, "录像.mp4", b"\0" * (20 * 1024 * 1024 + 1)))
    assert "超过 20 MB" in big
    added = texts(await sandbox.send_document(CLERK, "汇报材料.pdf", b"report"))
    assert "已添加材料：汇报材料.pdf（#1 党委会，共 1 份），已通知 3 位参会人员" in added
    await sandbox.press(CLERK, "完成")
    assert "现有 1 份" in sandbox.emu.bot_messages(CLERK)[-1]["text"]
    # After 完成 a document is a sheet again, not a material.
    assert "请发送 Excel 文件" in texts(await sandbox.send_document(CLERK, "补充.pdf", b"x"))
    await sandbox.processed(sandbox.emu.send_document(
        CLERK, "补充说明.docx", b"more", caption=f"#{meeting_id} 补充"))
    assert "共 2 份" in sandbox.emu.bot_messages(CLERK)[-1]["text"]

    await sandbox.tick()
    told = [m for m in sandbox.emu.bot_messages(MAYOR) if "会议材料更新" in (m.get("text") or "")]
    assert [("汇报材料.pdf" in m["text"], buttons(m)) for m in told] == [
        (True, ["📎 会议材料"]), (False, ["📎 会议材料"])]
    assert "会议材料更新" not in texts(sandbox.emu.bot_messages(STAFF))
    before = len(sandbox.emu.bot_messages(MAYOR))
    await sandbox.press(MAYOR, "📎 会议材料", told[0]["message_id"])
    assert [m["document"]["file_name"] for m in sandbox.emu.bot_messages(MAYOR)[before:]] == [
        "汇报材料.pdf", "补充说明.docx"]
    async with sandbox.db.transaction() as s:
        assert int(await s.scalar(select(func.count(MeetingMaterial.id))) or 0) == 2


async def test_meetings_lists_answers_and_counts(sandbox: Sandbox) -> None:
    await call(sandbox, CLERK, ONE_LINE)
    await call(sandbox, LEADER,
               "/meeting 党政联席会 | 12月3日上午9点 | 二楼 | 班子成员、刘芳、黄磊")
    leader = texts(await sandbox.send(LEADER, "/meetings"))
    assert "近期会议（2 个）" in leader
    first, second = [line for line in leader.splitlines() if line.startswith("#")]
    assert first == "#1 11月27日（周五） 15:00 党委会 · 三楼会议室 · 我的回执：未回复"
    assert second == ("#2 12月3日（周四） 09:00 党政联席会 · 二楼 · 我的回执：未回复"
                      " · 参加 0 · 请假 0 · 委托 0 · 未回复 5")
    clerk = texts(await sandbox.send(CLERK, "🗓 会议"))
    assert ("#1 11月27日（周五） 15:00 党委会 · 三楼会议室"
            " · 参加 0 · 请假 0 · 委托 0 · 未回复 3") in clerk
    assert "#2 12月3日（周四） 09:00 党政联席会 · 二楼 · 我的回执：未回复" in clerk
    assert "#2 Thu 12/3 09:00 党政联席会 · 二楼 · my answer: no reply" in texts(
        await sandbox.send(STAFF_EN, "/meetings"))
    assert "近期没有您的会议" in texts(await sandbox.send(YANG, "/meetings"))
