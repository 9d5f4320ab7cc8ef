"""Minutes, decisions and recurring meetings end to end: people on the emulator record and
read minutes, record and close decisions, and set up series whose occurrences come with the
clock, on the real holiday calendar."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from bot.config import Config
from bot.demo.seed import PERSONAS, seed_office
from bot.sandbox import Sandbox
from handlers.meetings_minutes import decisions_summary
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts

CLERK = CLERK_KEEPER  # 刘芳 calls the meetings
LEADER_2, LEADER_3 = 1002, 1003  # 李明华, 赵丽
YANG = 1007  # 杨静, staff


async def call_meeting(box: Sandbox, invitees: str = "班子成员") -> int:
    clerk = await box.services.people.resolve_actor(CLERK, "", None)
    assert clerk is not None
    draft = await box.services.meetings.prepare(clerk, "党委会", "明天下午3点", "三楼会议室",
                                                invitees)
    meeting = await box.services.meetings.create(clerk, draft)
    await box.tick()
    return meeting.id


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def last(box: Sandbox, uid: int) -> dict[str, Any]:
    message = box.emu.last_bot_message(uid)
    assert message is not None
    return message


# --- minutes ---------------------------------------------------------------------------------


async def test_minutes_text_and_document_recorded_and_read_by_an_invitee(
        sandbox: Sandbox) -> None:
    box = sandbox
    meeting_id = await call_meeting(box)  # Saturday 11-28 15:00-16:00
    assert "尚未开始（11月28日（周六） 15:00）" in texts(
        await box.send(CLERK, f"/minutes {meeting_id}"))
    assert "尚未记录纪要" in texts(await box.send(LEADER, f"/minutes {meeting_id}"))
    assert "用法：/minutes 会议编号" in texts(await box.send(LEADER, "/minutes"))

    await box.advance_to(datetime(2026, 11, 28, 16, 10, tzinfo=SHANGHAI))
    assert "只有会议组织者或管理员" in texts(await box.send(LEADER, f"/decision {meeting_id} 某事"))
    # /cancel leaves without recording; the next text is not taken as minutes.
    assert "请发送会议“党委会”" in texts(await box.send(CLERK, f"/minutes {meeting_id}"))
    assert "已取消" in texts(await box.send(CLERK, "/cancel"))
    assert "已记录会议纪要" not in texts(await box.send(CLERK, "一、研究村道修缮工作。"))

    asked = texts(await box.send(CLERK, f"/minutes {meeting_id}"))
    assert "直接发送文字，或发送纪要文件" in asked
    saved = texts(await box.send(CLERK, "一、研究村道修缮工作。\n二、部署秋冬季防火。"))
    assert "✅ 已记录会议纪要（文字）：党委会，11月28日（周六）。" in saved
    assert "会议已标记为结束。" in saved and "已通知 3 名参会人员查阅。" in saved
    await box.tick()
    for leader in (LEADER, LEADER_2, LEADER_3):
        assert f"会议纪要已上传：党委会（11月28日（周六））。发送 /minutes {meeting_id} 查阅" \
            in last(box, leader)["text"]

    # The document comes next, with the text shown first; the sheet router does not take it.
    again = texts(await box.send(CLERK, f"/minutes {meeting_id}"))
    assert "一、研究村道修缮工作。" in again and "请发送会议“党委会”" in again
    saved = texts(await box.send_document(CLERK, "党委会纪要.docx", b"minutes document"))
    assert "✅ 已记录会议纪要（文件）" in saved and "已通知" not in saved

    shown = await box.send(LEADER, f"/minutes {meeting_id}")
    assert "<b>" not in shown[0]["text"] and "会议纪要" in shown[0]["text"]
    assert "一、研究村道修缮工作。\n二、部署秋冬季防火。" in shown[0]["text"]
    assert "记录于：11-28 16:10" in shown[0]["text"]
    document = shown[1]["document"]
    assert document["file_name"] == "党委会纪要.docx"
    assert box.emu.file_bytes(document["file_id"]) == b"minutes document"
    assert "您不在该会议的参会范围内" in texts(await box.send(STAFF, f"/minutes {meeting_id}"))
    # An admin may read (and record) any meeting's minutes.
    assert "一、研究村道修缮工作。" in texts(await box.send(ADMIN, f"/minutes {meeting_id}"))


# --- decisions -------------------------------------------------------------------------------


async def test_decision_with_owner_and_deadline_told_listed_overdue_and_closed(
        sandbox: Sandbox) -> None:
    box = sandbox
    meeting_id = await call_meeting(box)
    early = texts(await box.send(CLERK, f"/decision {meeting_id} 完成村道修缮方案 | 张伟"))
    assert "尚未开始" in early

    await box.advance_to(datetime(2026, 11, 28, 15, 30, tzinfo=SHANGHAI))
    decide = f"/decision {meeting_id} 完成村道修缮方案 | "
    assert "未找到人员“张三丰”" in texts(await box.send(CLERK, decide + "张三丰"))
    assert "已经过去了" in texts(await box.send(CLERK, decide + "张伟 | 2026年11月20日"))
    assert "无法识别时间“改天”" in texts(await box.send(CLERK, decide + "张伟 | 改天"))
    assert "用法：/decision" in texts(await box.send(CLERK, "/decision 完成村道修缮方案"))
    assert "找不到该会议" in texts(await box.send(CLERK, "/decision 999 完成村道修缮方案"))
    assert "尚未记录决定事项" in texts(await box.send(LEADER, f"/meeting_decisions {meeting_id}"))

    saved = texts(await box.send(
        CLERK, f"/decision {meeting_id} 完成村道修缮方案 | 张伟 | 12月15日"))
    assert "✅ 已记录决定事项 #1（党委会）：完成村道修缮方案" in saved
    assert "负责：张伟 · 期限：2026年12月15日（周二）" in saved and "已通知张伟。" in saved
    await box.send(CLERK, f"/decision {meeting_id} Fire safety campaign | 黄磊 | 12月20日")
    await box.send(CLERK, f"/decision {meeting_id} 加强秋冬季防火宣传")
    await box.tick()
    card = last(box, STAFF)
    assert "会议决定事项交办" in card["text"] and "事项：完成村道修缮方案" in card["text"]
    assert "完成期限：2026年12月15日（周二）" in card["text"] and "/decision_done 1" in card["text"]
    assert buttons(card) == ["✅ 已办结"]
    english = last(box, STAFF_EN)
    assert "Meeting decision assigned to you" in english["text"]
    assert "Deadline: Sun 2026-12-20" in english["text"] and buttons(english) == ["✅ Done"]

    listed = texts(await box.send(LEADER, f"/meeting_decisions {meeting_id}"))
    assert "决定事项执行情况：党委会（11月28日（周六））" in listed
    assert "#1 完成村道修缮方案\n　负责：张伟 · 期限：12月15日（周二） · 办理中" in listed
    assert "#3 加强秋冬季防火宣传\n　负责：— · 期限：— · 办理中" in listed
    assert "共 3 项：已办结 0，办理中 3，已逾期 0。" in listed
    assert "您不在该会议的参会范围内" in texts(
        await box.send(YANG, f"/meeting_decisions {meeting_id}"))

    await box.advance_to(datetime(2026, 12, 16, 9, 0, tzinfo=SHANGHAI))
    listed = texts(await box.send(LEADER, f"/meeting_decisions {meeting_id}"))
    assert "期限：12月15日（周二） · ⚠️ 已逾期" in listed
    assert "共 3 项：已办结 0，办理中 2，已逾期 1。" in listed
    assert await decisions_summary(box.services, meeting_id, "en") == [
        "#1 完成村道修缮方案\n  Owner: 张伟 · Deadline: Tue 12/15 · ⚠️ overdue",
        "#2 Fire safety campaign\n  Owner: 黄磊 · Deadline: Sun 12/20 · open",
        "#3 加强秋冬季防火宣传\n  Owner: — · Deadline: — · open",
        "3 in all: 0 done, 2 open, 1 overdue.",
    ]
    mine = texts(await box.send(STAFF, "/meeting_decisions"))
    assert "#1 完成村道修缮方案（党委会）" in mine and "#2" not in mine

    # Someone else's button, forged: refused. The owner's press closes it and the card says so.
    forged = await box.press_data(YANG, card["message_id"], "mtgdec:done:1")
    assert forged is not None and "只有该事项的负责人" in forged["text"]
    answer = await box.press(STAFF, "✅ 已办结", message_id=card["message_id"])
    assert answer is not None and "决定事项 #1 已办结" in answer["text"]
    closed = box.emu.message(STAFF, card["message_id"])
    assert closed is not None and "已办结（张伟，12-16 09:00）" in closed["text"]
    assert buttons(closed) == []
    stale = await box.press_data(STAFF, card["message_id"], "mtgdec:done:1")
    assert stale is not None and "决定事项 #1 已办结。" in stale["text"]
    await box.tick()
    assert "决定事项 #1 已由张伟办结：完成村道修缮方案" in last(box, CLERK)["text"]

    assert "决定事项 #3 已办结" in texts(await box.send(CLERK, "/decision_done 3"))
    assert "找不到决定事项 #99" in texts(await box.send(CLERK, "/decision_done 99"))
    listed = texts(await box.send(CLERK, f"/meeting_decisions {meeting_id}"))
    assert "期限：12月15日（周二） · 逾期办结 12-16" in listed
    assert "期限：— · 已办结 12-16" in listed
    assert "共 3 项：已办结 2，办理中 1，已逾期 0。" in listed


# --- recurring meetings ----------------------------------------------------------------------


@pytest.fixture
async def before_national_day(config: Config) -> AsyncIterator[Sandbox]:
    """Sunday 2026-09-20, ten days before the National Day week (10-1..10-7)."""
    start = datetime(2026, 9, 20, 10, 0, tzinfo=SHANGHAI)
    async with Sandbox(config, start=start, seed=seed_office) as box:
        for persona in PERSONAS:
            box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
        yield box


def notices(box: Sandbox, uid: int, title: str) -> list[str]:
    return [m["text"] for m in box.emu.bot_messages(uid)
            if "会议通知" in (m.get("text") or "") and f"会议：{title}" in m["text"]]


async def test_weekly_series_sends_each_notice_and_skips_national_day(
        before_national_day: Sandbox) -> None:
    box = before_national_day
    series = "/meeting_series 党政班子联席会 | 每周一 08:30 | 三楼会议室 | 班子成员"
    assert "您没有权限" in texts(await box.send(STAFF, series))
    assert "无法识别例会规则“每周八 08:30”" in texts(
        await box.send(CLERK, series.replace("每周一", "每周八")))
    usage = texts(await box.send(CLERK, "/meeting_series 联席会 | 每周一"))
    assert "用法：/meeting_series" in usage
    assert "目前没有例会" in texts(await box.send(STAFF, "/meeting_series"))

    [card_message] = await box.send(CLERK, series)
    card = card_message["text"]
    assert "请确认例会" in card and "规则：每周一 08:30" in card
    assert "参会：王建国、李明华、赵丽" in card
    assert "近期：9月21日（周一）、9月28日（周一）、10月12日（周一）" in card
    await box.press(CLERK, "✅ 确认")
    created = last(box, CLERK)["text"]
    assert "✅ 已设立例会 #1：党政班子联席会，每周一 08:30，三楼会议室。" in created
    assert "已发出会议通知：9月21日（周一）、9月28日（周一）。" in created
    assert buttons(last(box, CLERK)) == []
    # A second press of the same card (forged, as the buttons are gone) makes nothing.
    token = card_message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    again = await box.press_data(CLERK, card_message["message_id"], token)
    assert again is not None and "该按钮已失效" in again["text"]
    await box.tick()
    for leader in (LEADER, LEADER_2, LEADER_3):
        got = notices(box, leader, "党政班子联席会")
        assert len(got) == 2 and "9月21日（周一） 08:30–09:30" in got[0]
        assert "9月28日（周一） 08:30" in got[1]

    # The next morning's sweep reaches Monday 10-5, inside the National Day week: skipped,
    # and the organiser told why, once.
    await box.advance_to(datetime(2026, 9, 21, 7, 30, tzinfo=SHANGHAI))
    skipped = "例会“党政班子联席会”10月5日（周一）逢国庆节（补假），本次不召开，未发通知。"
    assert skipped in texts(box.emu.bot_messages(CLERK))
    assert len(notices(box, LEADER, "党政班子联席会")) == 2
    await box.advance_to(datetime(2026, 9, 22, 7, 30, tzinfo=SHANGHAI))
    assert texts(box.emu.bot_messages(CLERK)).count(skipped) == 1

    await box.advance_to(datetime(2026, 9, 28, 7, 30, tzinfo=SHANGHAI))
    got = notices(box, LEADER, "党政班子联席会")
    assert len(got) == 3 and "10月12日（周一） 08:30" in got[2]
    assert not any("10月5日" in n for n in got)

    listed = texts(await box.send(STAFF, "/meeting_series"))
    assert "#1 党政班子联席会：每周一 08:30，三楼会议室（组织：刘芳）" in listed
    listed = texts(await box.send(STAFF_EN, "/meeting_series"))
    assert "#1 党政班子联席会: every Mon 08:30, 三楼会议室 (organiser: 刘芳)" in listed
    assert "只有会议组织者或管理员" in texts(await box.send(LEADER, "/meeting_series_stop 1"))
    assert "已停止例会 #1：党政班子联席会" in texts(await box.send(CLERK, "/meeting_series_stop 1"))
    assert "例会 #1 已停止" in texts(await box.send(CLERK, "/meeting_series_stop 1"))
    await box.advance_to(datetime(2026, 10, 6, 7, 30, tzinfo=SHANGHAI))
    assert len(notices(box, LEADER, "党政班子联席会")) == 3  # 10-19 never comes


async def test_monthly_series_meets_on_the_real_first_working_day(
        before_national_day: Sandbox) -> None:
    box = before_national_day
    card = texts(await box.send(LEADER, "/meeting_series 村(社区)书记例会 | "
                                "first workday monthly 09:00 | 二楼会议室 | 党政办"))
    # October 2026 begins with the National Day week: its first working day is Thursday 10-8.
    assert "规则：每月第一个工作日 09:00" in card
    assert "近期：10月8日（周四）、11月2日（周一）、12月1日（周二）" in card
    await box.press(LEADER, "✅ 确认")
    assert "已发出会议通知" not in last(box, LEADER)["text"]  # 10-8 is beyond 14 days yet

    await box.advance_to(datetime(2026, 9, 24, 7, 30, tzinfo=SHANGHAI))
    for uid in (ADMIN, CLERK, STAFF):  # 党政办
        got = notices(box, uid, "村(社区)书记例会")
        assert len(got) == 1 and "10月8日（周四） 09:00–10:00" in got[0]
        assert "组织：王建国" in got[0]
    assert notices(box, YANG, "村(社区)书记例会") == []
