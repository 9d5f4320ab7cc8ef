"""Admins correct the holiday calendar from the phone; the change applies at once."""

from __future__ import annotations

from datetime import date, timedelta

from bot.sandbox import Sandbox
from tests.conftest import ADMIN, STAFF, texts


async def test_holiday_overrides_take_effect_at_once(sandbox: Sandbox) -> None:
    calendar = sandbox.services.calendar
    overview = texts(await sandbox.send(ADMIN, "/holiday"))
    assert "尚无 2027 年官方放假安排" in overview
    assert "元旦：1月1日（周五） 至 1月3日（周日）" in overview

    assert "没有权限" in texts(await sandbox.send(STAFF, "/holiday 2027-10-06 休 国庆节"))
    assert "无法识别时间“后年某天”" in texts(await sandbox.send(ADMIN, "/holiday 后年某天 休"))
    assert "/holiday 日期" in texts(await sandbox.send(ADMIN, "/holiday 2027-10-06 睡觉"))
    assert not calendar.is_holiday(date(2027, 10, 6))

    assert "10月6日（周三） 放假" in texts(
        await sandbox.send(ADMIN, "/holiday 2027-10-06 休 国庆节"))
    assert "上班" in texts(await sandbox.send(ADMIN, "/holiday 2027-09-26 班 国庆节调休上班"))
    assert calendar.is_holiday(date(2027, 10, 6)) and calendar.is_workday(date(2027, 9, 26))
    assert calendar.year_known(2027)
    assert "已录入的调整" in texts(await sandbox.send(ADMIN, "/holiday"))

    assert "已取消" in texts(await sandbox.send(ADMIN, "/holiday 2027-10-06 取消"))
    assert not calendar.is_holiday(date(2027, 10, 6))
    assert "没有可取消的调整" in texts(await sandbox.send(ADMIN, "/holiday 2027-10-08 取消"))


async def test_admins_warned_once_a_week_while_next_year_is_unknown(sandbox: Sandbox) -> None:
    await sandbox.tick()  # 10:00 on a Friday: the 09:00 calendar check is due
    warning = "尚无 2027 年的官方放假安排"
    assert warning in texts(sandbox.emu.bot_messages(ADMIN))
    assert warning not in texts(sandbox.emu.bot_messages(STAFF))
    await sandbox.advance(timedelta(days=1))
    assert texts(sandbox.emu.bot_messages(ADMIN)).count(warning) == 1
