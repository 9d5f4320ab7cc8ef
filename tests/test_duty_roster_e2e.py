"""Keeping the roster from a phone: /roster add with its card, the step-by-step conversation,
set, cancel, /duty views, the shift reminders, and the holiday sweeps on the real calendar."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.demo.seed import PERSONAS, seed_office
from bot.sandbox import Sandbox
from bot.services import outbox
from bot.services.access import Actor
from storage.models import AuditEntry, Notification, Shift
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts

CLERK = CLERK_KEEPER  # 刘芳
YANG = 1007  # 杨静


async def actor(sandbox: Sandbox, telegram_id: int) -> Actor:
    found = await sandbox.services.people.resolve_actor(telegram_id, "", None)
    assert found is not None
    return found


async def add_shift(sandbox: Sandbox, when: str, person: str, leader: str = "",
                    kind: str = "day") -> int:
    services = sandbox.services
    day = datetime.fromisoformat(when).date()
    draft = await services.duty.draft(await actor(sandbox, CLERK), day, kind, person, leader)
    return (await services.duty.create_shift(await actor(sandbox, CLERK), draft)).id


async def test_roster_add_with_confirmation_card(sandbox: Sandbox) -> None:
    card = texts(await sandbox.send(CLERK, "/roster add 12月5日 张伟 带班 王书记 备注 周末值班"))
    assert "请确认排班" in card and "12月5日（周六）" in card and "白班 08:30–17:30" in card
    assert "值班人员：张伟" in card and "带班领导：王建国" in card and "备注：周末值班" in card
    await sandbox.press(CLERK, "✅ 确认")
    done = sandbox.emu.bot_messages(CLERK)[-1]["text"]
    assert "已排班" in done and "值班 张伟，带班 王建国" in done
    assert "reply_markup" not in sandbox.emu.bot_messages(CLERK)[-1]

    await sandbox.tick()
    assert "值班安排：12月5日（周六）白班 08:30–17:30，带班领导：王建国" in texts(
        sandbox.emu.bot_messages(STAFF))

    clerk_view = texts(await sandbox.send(CLERK, "/duty 12月"))
    assert "2026年12月值班安排" in clerk_view
    line = "12月5日（周六） 白班 08:30–17:30｜值班：张伟（13800000006）｜带班：王建国"
    assert re.search(re.escape(line) + r" · #\d+", clerk_view)
    staff_view = texts(await sandbox.send(STAFF, "/duty 2026-12"))
    assert "值班：张伟" in staff_view and "#" not in staff_view
    english = texts(await sandbox.send(STAFF_EN, "/duty 2026-12"))
    assert "Sat 12/5 day shift 08:30–17:30 | on duty: 张伟" in english


async def test_roster_bad_input_changes_nothing(sandbox: Sandbox) -> None:
    assert "没有权限" in texts(await sandbox.send(STAFF, "/roster add 12月5日 张伟"))
    assert "未找到人员“张三丰”" in texts(await sandbox.send(CLERK, "/roster add 12月5日 张三丰"))
    assert "无法识别时间“13月1日”" in texts(await sandbox.send(CLERK, "/roster add 13月1日 张伟"))
    assert "已经过去" in texts(await sandbox.send(CLERK, "/roster add 昨天 张伟"))
    assert "不是领导" in texts(await sandbox.send(CLERK, "/roster add 12月5日 张伟 带班 杨静"))
    assert "/roster add 日期" in texts(await sandbox.send(CLERK, "/roster add 张伟"))
    await add_shift(sandbox, "2026-12-05", "张伟")
    assert "请勿重复安排" in texts(await sandbox.send(CLERK, "/roster add 12月5日 杨静"))

    # A card's button pressed by someone else, or pressed twice, adds nothing.
    await sandbox.send(CLERK, "/roster add 12月6日 杨静")
    card = sandbox.emu.bot_messages(CLERK)[-1]
    token = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    await sandbox.send(STAFF, "/whoami")  # a card of their own to forge the press on
    own = sandbox.emu.bot_messages(STAFF)[-1]
    forged = await sandbox.press_data(STAFF, own["message_id"], token)
    assert forged is not None and "已失效" in forged["text"]
    await sandbox.press(CLERK, "✅ 确认")
    again = await sandbox.press_data(CLERK, card["message_id"], token)
    assert again is not None and "已失效" in again["text"]
    async with sandbox.db.transaction() as s:
        shifts = list(await s.scalars(select(Shift)))
    assert sorted((str(sh.day), sh.person.name) for sh in shifts) == [
        ("2026-12-05", "张伟"), ("2026-12-06", "杨静")]


async def test_roster_conversation_step_by_step(sandbox: Sandbox) -> None:
    assert "请输入值班日期" in texts(await sandbox.send(CLERK, "/roster"))
    assert "无法识别时间" in texts(await sandbox.send(CLERK, "某天"))
    assert "请选择班次" in texts(await sandbox.send(CLERK, "12月12日"))
    await sandbox.press(CLERK, "夜班")
    assert "未找到人员“小明”" in texts(await sandbox.send(CLERK, "小明"))  # asked again
    assert "请输入带班领导" in texts(await sandbox.send(CLERK, "周敏"))
    card = texts(await sandbox.send(CLERK, "李镇长"))
    assert "夜班 17:30–08:30" in card and "值班人员：周敏" in card and "带班领导：李明华" in card
    await sandbox.press(CLERK, "✅ 确认")
    assert "已排班" in sandbox.emu.bot_messages(CLERK)[-1]["text"]

    # /cancel leaves the conversation at any step.
    await sandbox.send(CLERK, "/roster")
    assert "已取消" in texts(await sandbox.send(CLERK, "/cancel"))
    assert "未能识别" in texts(await sandbox.send(CLERK, "12月13日"))


async def test_set_and_cancel_tell_everyone_and_move_reminders(sandbox: Sandbox) -> None:
    shift_id = await add_shift(sandbox, "2026-12-05", "张伟", "王建国")
    await sandbox.tick()
    # Only a leader can be put in charge (带班).
    assert "杨静 不是领导，不能担任带班领导。" in texts(
        await sandbox.send(CLERK, f"/roster set #{shift_id} 带班 杨静"))
    changed = texts(await sandbox.send(CLERK, f"/roster set #{shift_id} 值班 杨静"))
    assert f"已调整 #{shift_id}" in changed and "值班 杨静" in changed
    await sandbox.tick()
    for who in (STAFF, YANG, LEADER):
        assert "值班安排变更：12月5日（周六）白班 08:30–17:30，现值班人员：杨静" in texts(
            sandbox.emu.bot_messages(who))
    zhang, yang = await actor(sandbox, STAFF), await actor(sandbox, YANG)
    async with sandbox.db.transaction() as s:
        rows = {r.key: r.status for r in await s.scalars(
            select(Notification).where(Notification.key.like(f"shift:{shift_id}:%")))}
    assert rows[f"shift:{shift_id}:eve:{zhang.id}"] == outbox.CANCELLED
    assert rows[f"shift:{shift_id}:eve:{yang.id}"] == outbox.PENDING

    # The eve reminder (17:00 the day before) and the one 30 minutes before the start.
    await sandbox.advance_to(datetime(2026, 12, 4, 17, 0, tzinfo=SHANGHAI))
    assert "明日值班提醒：12月5日（周六）白班 08:30–17:30，值班人员：杨静" in texts(
        sandbox.emu.bot_messages(YANG))
    assert "明日值班提醒" not in texts(sandbox.emu.bot_messages(STAFF))
    await sandbox.advance_to(datetime(2026, 12, 5, 8, 0, tzinfo=SHANGHAI))
    assert "您的值班将于 08:30 开始" in texts(sandbox.emu.bot_messages(YANG))

    second = await add_shift(sandbox, "2026-12-19", "周敏", "赵丽")
    cancelled = texts(await sandbox.send(CLERK, f"/roster cancel {second}"))
    assert f"已取消 #{second}" in cancelled
    assert "该班次已取消" in texts(await sandbox.send(CLERK, f"/roster cancel {second}"))
    await sandbox.tick()
    await sandbox.advance_to(datetime(2026, 12, 18, 17, 0, tzinfo=SHANGHAI))
    zhou = texts(sandbox.emu.bot_messages(1009))
    assert "值班取消：12月19日（周六）白班" in zhou and "明日值班提醒" not in zhou
    async with sandbox.db.transaction() as s:
        actions = list(await s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "shift").order_by(AuditEntry.id)))
    assert actions == ["shift.create", "shift.change", "shift.create", "shift.cancel"]


@pytest.fixture
async def before_national_day(config: Config) -> AsyncIterator[Sandbox]:
    start = datetime(2026, 9, 20, 10, 0, tzinfo=SHANGHAI)
    async with Sandbox(config, start=start, seed=seed_office) as box:
        for persona in PERSONAS:
            box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
        yield box


async def test_holiday_coverage_check_until_covered(before_national_day: Sandbox) -> None:
    box = before_national_day
    # National Day 2026 is October 1-7 (the real calendar); October 3 has nobody and
    # October 5 no duty leader.
    for day in ("2026-10-01", "2026-10-02", "2026-10-04", "2026-10-06", "2026-10-07"):
        await add_shift(box, day, "张伟", "王建国")
    await add_shift(box, "2026-10-05", "杨静")
    holidays = texts(await box.send(STAFF, "/holidays"))
    assert "国庆节：10月1日（周四） 至 10月7日（周三），共 7 天" in holidays
    assert "9月20日（周日）" in holidays and "10月10日（周六）" in holidays

    gap = "值班缺口：国庆节"
    await box.advance_to(datetime(2026, 9, 23, 9, 30, tzinfo=SHANGHAI))
    # Mid-Autumn (September 25-27) is within a week and uncovered; National Day not yet.
    assert "值班缺口：中秋节" in texts(box.emu.bot_messages(CLERK))
    assert gap not in texts(box.emu.bot_messages(CLERK))
    await box.advance_to(datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI))
    alert = texts(box.emu.bot_messages(CLERK))
    assert "值班缺口：国庆节（10月1日（周四）至10月7日（周三））尚有 2 天未排满" in alert
    assert "· 10月3日（周六）：无值班人员、无带班领导" in alert
    assert "· 10月5日（周一）：无带班领导" in alert
    assert gap in texts(box.emu.bot_messages(ADMIN))  # 陈志强 is a clerk too
    assert "值班缺口" not in texts(box.emu.bot_messages(STAFF))

    await box.advance_to(datetime(2026, 9, 25, 9, 0, tzinfo=SHANGHAI))
    assert texts(box.emu.bot_messages(CLERK)).count(gap) == 2  # daily until covered

    await add_shift(box, "2026-10-03", "周敏", "赵丽")
    shifts = await box.services.duty.shifts_between(
        datetime(2026, 10, 5).date(), datetime(2026, 10, 5).date())
    await box.services.duty.reassign(await actor(box, CLERK), shifts[0].id, "leader", "李镇长")
    await box.advance_to(datetime(2026, 9, 26, 9, 0, tzinfo=SHANGHAI))
    assert texts(box.emu.bot_messages(CLERK)).count(gap) == 2  # covered: no more

    # Three days before, each person on holiday duty gets their own schedule, once.
    await box.advance_to(datetime(2026, 9, 28, 9, 0, tzinfo=SHANGHAI))
    zhang = texts(box.emu.bot_messages(STAFF))
    assert "国庆节值班安排" in zhang and zhang.count("· ") >= 5
    assert "· 10月1日（周四） 白班 08:30–17:30，您值班（值班：张伟，带班：王建国）" in zhang
    leader = texts(box.emu.bot_messages(LEADER))
    assert "您带班（值班：张伟，带班：王建国）" in leader
    await box.advance(timedelta(days=1))
    assert texts(box.emu.bot_messages(STAFF)).count("国庆节值班安排") == 1


async def test_a_24_hour_shift_leaves_no_room_for_another(sandbox: Sandbox) -> None:
    await add_shift(sandbox, "2026-12-05", "张伟", kind="full")
    assert "请勿重复安排" in texts(await sandbox.send(CLERK, "/roster add 12月5日 杨静 夜班"))
    await add_shift(sandbox, "2026-12-06", "张伟", kind="night")
    assert "请勿重复安排" in texts(await sandbox.send(CLERK, "/roster add 12月6日 杨静 全天"))
    assert "请确认排班" in texts(await sandbox.send(CLERK, "/roster add 12月6日 杨静 白班"))


async def test_another_command_leaves_a_waiting_conversation(sandbox: Sandbox) -> None:
    assert "请输入值班日期" in texts(await sandbox.send(CLERK, "/roster"))
    # The person changes their mind: the new command is answered, the old question is gone.
    assert "今日值班" in texts(await sandbox.send(CLERK, "/duty"))
    assert "未能识别" in texts(await sandbox.send(CLERK, "12月13日"))
    # And a conversation can start from inside another one.
    assert "请输入值班日期" in texts(await sandbox.send(CLERK, "/roster"))
    assert "请输入值班日期" in texts(await sandbox.send(CLERK, "/roster"))
    assert "请选择班次" in texts(await sandbox.send(CLERK, "12月13日"))


async def test_menu_button_shows_today(sandbox: Sandbox) -> None:
    await add_shift(sandbox, "2026-11-27", "杨静", "王建国", kind="night")
    shown = texts(await sandbox.send(STAFF, "📅 值班"))
    assert "今日值班" in shown and "夜班 17:30–08:30｜值班：杨静" in shown


async def test_roster_rules_for_people_on_a_shift(sandbox: Sandbox) -> None:
    both = texts(await sandbox.send(CLERK, "/roster add 12月5日 王建国 带班 王书记"))
    assert "不能同时担任" in both
    shift_id = await add_shift(sandbox, "2026-11-27", "杨静", "王建国", kind="night")
    await sandbox.tick()
    assert "带班安排：11月27日（周五）夜班 17:30–08:30，值班人员：杨静" in texts(
        sandbox.emu.bot_messages(LEADER))
    await sandbox.advance_to(datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI))
    assert "您带班的夜班将于 17:30 开始，值班人员：杨静" in texts(sandbox.emu.bot_messages(LEADER))
    await sandbox.advance_to(datetime(2026, 11, 27, 18, 0, tzinfo=SHANGHAI))
    # Started: the person on duty can no longer change; the leader can.
    assert "该班次已开始" in texts(await sandbox.send(CLERK, f"/roster set {shift_id} 值班 张伟"))
    assert "已调整" in texts(await sandbox.send(CLERK, f"/roster set {shift_id} 带班 李镇长"))
    assert (await sandbox.services.duty.get(shift_id)).person.name == "杨静"


async def test_reminders_survive_a_restart_and_come_once(config: Config,
                                                          sandbox: Sandbox) -> None:
    shift_id = await add_shift(sandbox, "2026-12-05", "张伟", "王建国")
    await sandbox.stop()

    async def back_at(when: datetime) -> Sandbox:
        box = Sandbox(config, start=when)
        await box.start()
        for persona in PERSONAS:
            box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name)
        return box

    # Down over the evening before; back ten minutes after the reminder was due.
    again = await back_at(datetime(2026, 12, 4, 17, 10, tzinfo=SHANGHAI))
    await again.tick()
    assert texts(again.emu.bot_messages(STAFF)).count("明日值班提醒") == 1
    await again.stop()
    third = await back_at(datetime(2026, 12, 4, 17, 20, tzinfo=SHANGHAI))
    await third.tick()
    assert "明日值班提醒" not in texts(third.emu.bot_messages(STAFF))  # sent before, not again
    async with third.db.transaction() as s:
        sent = list(await s.scalars(select(Notification.status).where(
            Notification.key.like(f"shift:{shift_id}:eve:%"))))
    assert sent == ["sent", "sent"]  # the person and the leader, once each
    await third.stop()
    await sandbox.start()
