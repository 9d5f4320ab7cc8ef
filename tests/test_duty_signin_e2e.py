"""Signing in and out for duty, end to end: the real bot on the emulator, as people use it."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Config, Geofence
from bot.demo.seed import PERSONAS, seed_office
from bot.sandbox import Sandbox
from bot.services.duty import ShiftView
from storage.models import Notification, Shift
from tests.conftest import SHANGHAI, START, texts

SATURDAY = date(2026, 11, 28)
SUNDAY = date(2026, 11, 29)
LEADER, LEADER2, ADMIN, CLERK = 1001, 1002, 1004, 1005
ZHANG, YANG, HUANG, ZHOU = 1006, 1007, 1008, 1009  # 黄磊 reads English
OFFICE = (30.0, 120.0)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


async def roster(box: Sandbox, day: date, kind: str, person: str,
                 leader: str = "王建国") -> ShiftView:
    """A clerk puts a shift on the roster (through the service: the roster commands are
    another feature's)."""
    clerk = await box.services.people.resolve_actor(ADMIN, "陈志强", "zh")
    assert clerk is not None
    draft = await box.services.duty.draft(clerk, day, kind, person, leader)
    return await box.services.duty.create_shift(clerk, draft)


async def shift_row(box: Sandbox, shift_id: int) -> Shift:
    async with box.db.transaction() as s:
        row = await s.get(Shift, shift_id)
        assert row is not None
        return row


def all_text(box: Sandbox, uid: int) -> str:
    return texts(box.emu.bot_messages(uid))


def keyboard_buttons(box: Sandbox, uid: int) -> list[dict[str, Any]]:
    keyboard = box.emu.reply_keyboard(uid) or {}
    return [b if isinstance(b, dict) else {"text": b}
            for row in keyboard.get("keyboard", []) for b in row]


@pytest.fixture
async def fenced(config: Config) -> AsyncIterator[Sandbox]:
    """The office with a location check: within 500 m of the town hall."""
    duty = dataclasses.replace(config.duty, geofence=Geofence(*OFFICE, radius_m=500))
    async with Sandbox(dataclasses.replace(config, duty=duty), start=START,
                       seed=seed_office) as box:
        for persona in PERSONAS:
            box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
        yield box


async def test_sign_in_on_time_late_and_outside_the_window(sandbox: Sandbox) -> None:
    day = await roster(sandbox, SATURDAY, "day", "张伟")
    night = await roster(sandbox, SATURDAY, "night", "杨静", "李明华")

    # Friday: nobody is on duty today.
    assert "您今天没有值班安排，今日也未安排值班" in texts(await sandbox.send(ZHANG, "签到"))

    await sandbox.advance_to(at(SATURDAY, 7, 50))
    assert "白班（11月28日 08:30–17:30）尚未开始，08:00 起可签到" in texts(
        await sandbox.send(ZHANG, "/signin"))
    assert (await shift_row(sandbox, day.id)).signed_in_at is None

    # On time, with the menu button.
    await sandbox.advance_to(at(SATURDAY, 8, 27))
    await sandbox.send(ZHANG, "/menu")
    assert "✅ 签到" in [b["text"] for b in keyboard_buttons(sandbox, ZHANG)]
    replies = texts(await sandbox.send(ZHANG, "✅ 签到"))
    assert "已签到 08:27 · 带班领导：王建国" in replies and "迟到" not in replies
    assert "您已于 08:27 签到" in texts(await sandbox.send(ZHANG, "签到"))

    # Someone not on duty is told who is; in English too.
    assert "今日值班：张伟（白班 08:30–17:30），带班领导：王建国" in texts(
        await sandbox.send(ZHOU, "签到"))
    assert "You are not on duty today. On duty today: 张伟 (day shift 08:30–17:30); " \
        "duty leader: 王建国." in texts(await sandbox.send(HUANG, "sign in"))

    # The night shift, 22 minutes late.
    assert "17:00 起可签到" in texts(await sandbox.send(YANG, "/signin"))
    await sandbox.advance_to(at(SATURDAY, 17, 52))
    assert "尚未签到" in all_text(sandbox, YANG)  # the no-show reminder came first
    replies = texts(await sandbox.send(YANG, "/signin"))
    assert "已签到 17:52（迟到 22 分钟）· 带班领导：李明华" in replies
    row = await shift_row(sandbox, night.id)
    assert row.sign_in_late is True and row.signed_in_at == at(SATURDAY, 17, 52)

    # Over: too late for a shift nobody signed in to.
    sunday = await roster(sandbox, SUNDAY, "day", "周敏")
    await sandbox.advance_to(at(SUNDAY, 17, 40))
    assert "白班（11月29日 08:30–17:30）已结束，不能再签到" in texts(
        await sandbox.send(ZHOU, "签到"))
    assert (await shift_row(sandbox, sunday.id)).signed_in_at is None


async def test_location_near_far_forwarded(fenced: Sandbox) -> None:
    shift = await roster(fenced, SATURDAY, "day", "张伟")
    await fenced.advance_to(at(SATURDAY, 8, 20))

    # A location nobody asked for gets a hint, not a sign-in.
    assert "当前没有待核验的签到" in texts(await fenced.share_location(ZHANG, *OFFICE))
    assert (await shift_row(fenced, shift.id)).signed_in_at is None

    asked = texts(await fenced.send(ZHANG, "/signin"))
    assert "请点击下方“📍 发送当前位置”完成签到" in asked and "500 米" in asked
    buttons = keyboard_buttons(fenced, ZHANG)
    assert {"text": "📍 发送当前位置", "request_location": True} in buttons

    assert "不能用转发的位置签到" in texts(
        await fenced.share_location(ZHANG, 30.0027, 120.0, forwarded=True))
    assert "您当前距单位约 2224 米，超出签到范围（500 米），未签到" in texts(
        await fenced.share_location(ZHANG, 30.02, 120.0))
    assert (await shift_row(fenced, shift.id)).signed_in_at is None

    replies = texts(await fenced.share_location(ZHANG, 30.0027, 120.0))
    assert "已签到 08:20 · 带班领导：王建国" in replies and "距单位约 300 米" in replies
    row = await shift_row(fenced, shift.id)
    assert row.sign_in_distance_m == 300 and row.signed_in_at == at(SATURDAY, 8, 20)
    assert "✅ 签到" in [b["text"] for b in keyboard_buttons(fenced, ZHANG)]  # menu is back

    assert "当前没有待核验的签到" in texts(await fenced.share_location(ZHANG, *OFFICE))

    # Asked, then cancelled with the button: a location afterwards signs nobody in.
    night = await roster(fenced, SATURDAY, "night", "黄磊", "李明华")
    await fenced.advance_to(at(SATURDAY, 17, 10))
    assert "Send my location" in texts(await fenced.send(HUANG, "/signin"))
    assert "Cancelled" in texts(await fenced.send(HUANG, "✖ Cancel sign-in"))
    assert "no sign-in is waiting" in texts(await fenced.share_location(HUANG, *OFFICE))
    assert (await shift_row(fenced, night.id)).signed_in_at is None


async def test_sign_out_with_handover_to_the_next_shift(sandbox: Sandbox) -> None:
    day = await roster(sandbox, SATURDAY, "day", "张伟")
    await roster(sandbox, SATURDAY, "night", "杨静", "李明华")
    await roster(sandbox, SUNDAY, "day", "黄磊", "赵丽")

    await sandbox.advance_to(at(SATURDAY, 8, 25))
    assert "您尚未签到" in texts(await sandbox.send(ZHANG, "/signout"))
    assert "请先签到，再记录值班日志" in texts(await sandbox.send(ZHANG, "/log 接电话"))
    await sandbox.send(ZHANG, "签到")
    await sandbox.advance_to(at(SATURDAY, 8, 40))
    assert "用法：/log 内容" in texts(await sandbox.send(ZHANG, "/log"))
    assert "已记入值班日志（08:40），本班共 1 条" in texts(
        await sandbox.send(ZHANG, "/log 接县应急办电话，已转告王书记"))
    assert "您当前不在值班中" in texts(await sandbox.send(ZHOU, "/log 测试"))
    assert "您当前没有需要签退的班次" in texts(await sandbox.send(ZHOU, "签退"))

    # Sign-out: the note is asked for; a menu tap meanwhile is not taken as the note.
    await sandbox.advance_to(at(SATURDAY, 17, 35))
    await sandbox.send(ZHANG, "/signout")
    assert "已取消" in texts(await sandbox.send(ZHANG, "/cancel"))
    assert "未能识别" in texts(await sandbox.send(ZHANG, "这句不是交接记录"))
    asked = texts(await sandbox.send(ZHANG, "📝 签退"))
    assert "请填写交接班记录" in asked and "本班值班日志 1 条" in asked
    assert "姓名：张伟" in texts(await sandbox.send(ZHANG, "👤 我的信息"))
    assert (await shift_row(sandbox, day.id)).signed_out_at is None
    done = texts(await sandbox.send(ZHANG, "空调待修，已报后勤。"))
    assert "已签退 17:35。交接班记录已存档，下一班 杨静（11月28日夜班）签到时将收到" in done
    row = await shift_row(sandbox, day.id)
    assert row.handover_note == "空调待修，已报后勤。"
    assert "您已于 17:35 签退" in texts(await sandbox.send(ZHANG, "/signout"))

    # 杨静 signs in and gets the handover right after the confirmation.
    await sandbox.advance_to(at(SATURDAY, 17, 40))
    replies = await sandbox.send(YANG, "签到")
    assert "已签到 17:40" in replies[0]["text"]
    handover = replies[-1]["text"]
    assert "交接班记录" in handover and "上一班：张伟" in handover
    assert "交接事项：空调待修，已报后勤。" in handover
    assert "08:40 接县应急办电话，已转告王书记" in handover

    # 黄磊 signs in before 杨静 signs out: the handover follows through the outbox.
    await sandbox.advance_to(at(SUNDAY, 8, 5))
    early = texts(await sandbox.send(HUANG, "/signin"))
    assert "Signed in at 08:05" in early and "杨静 (previous shift) has not signed out" in early
    await sandbox.advance_to(at(SUNDAY, 8, 40))
    await sandbox.send(YANG, "/signout")
    done = texts(await sandbox.send(YANG, "夜间平稳，无"))
    assert "下一班 黄磊 已在岗，交接班记录已发送" in done
    await sandbox.tick()
    english = all_text(sandbox, HUANG)
    assert "Handover" in english and "Previous shift: 杨静" in english
    assert "Handover note: 夜间平稳，无" in english and "Duty log (0):\nnone" in english
    await sandbox.tick()
    assert all_text(sandbox, HUANG).count("Handover note") == 1


async def test_no_show_reminder_then_escalation(sandbox: Sandbox) -> None:
    shift = await roster(sandbox, SATURDAY, "day", "张伟")

    await sandbox.advance_to(at(SATURDAY, 8, 44))
    assert "尚未签到" not in all_text(sandbox, ZHANG)
    await sandbox.advance_to(at(SATURDAY, 8, 46))
    reminder = sandbox.emu.bot_messages(ZHANG)[-1]
    assert "已于 08:30 开始，您尚未签到" in reminder["text"]
    for uid in (LEADER, ADMIN, CLERK):
        assert "至今未签到" not in all_text(sandbox, uid)

    await sandbox.advance_to(at(SATURDAY, 9, 16))
    for uid in (LEADER, ADMIN, CLERK):
        assert "张伟（电话 13800000006）11月28日 白班（08:30 开始）至今未签到" in all_text(
            sandbox, uid)
    assert "至今未签到" not in all_text(sandbox, ZHANG) + all_text(sandbox, ZHOU)

    # A forged button for someone else's shift changes nothing.
    await sandbox.send(ZHOU, "/menu")
    own = sandbox.emu.bot_messages(ZHOU)[-1]["message_id"]
    answer = await sandbox.press_data(ZHOU, own, f"duty:signin:{shift.id}")
    assert answer is not None and "这不是您的班次" in answer["text"]
    assert (await shift_row(sandbox, shift.id)).signed_in_at is None

    # 张伟 comes at last, with the reminder's button; the card loses it.
    await sandbox.advance_to(at(SATURDAY, 9, 20))
    await sandbox.press(ZHANG, "签到", message_id=reminder["message_id"])
    assert "已签到 09:20（迟到 50 分钟）· 带班领导：王建国" in all_text(sandbox, ZHANG)
    card = sandbox.emu.message(ZHANG, reminder["message_id"])
    assert card is not None and "reply_markup" not in card
    again = await sandbox.press_data(ZHANG, reminder["message_id"], f"duty:signin:{shift.id}")
    assert again is not None and "您已于 09:20 签到" in again["text"]

    # Those who were alerted hear that he came.
    await sandbox.tick()
    for uid in (LEADER, ADMIN, CLERK):
        assert "张伟 已于 09:20 签到" in all_text(sandbox, uid)


async def test_no_reminder_after_signing_in_on_time(sandbox: Sandbox) -> None:
    shift = await roster(sandbox, SATURDAY, "day", "张伟")
    await sandbox.advance_to(at(SATURDAY, 8, 25))
    assert "已签到 08:25" in texts(await sandbox.send(ZHANG, "/signin"))

    await sandbox.advance_to(at(SATURDAY, 9, 30))
    await sandbox.advance_to(at(SATURDAY, 12, 0))
    assert "尚未签到" not in all_text(sandbox, ZHANG)
    for uid in (LEADER, ADMIN, CLERK):
        assert "未签到" not in all_text(sandbox, uid)
    async with sandbox.db.transaction() as s:
        rows = list(await s.scalars(select(Notification).where(
            Notification.key.startswith(f"shift:{shift.id}:noshow:"))))
    assert rows and {r.status for r in rows} == {"cancelled"}
    assert (await shift_row(sandbox, shift.id)).sign_in_late is False
