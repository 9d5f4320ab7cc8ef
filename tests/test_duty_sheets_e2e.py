"""The roster in Excel and the attendance report, end to end through the emulator.

The office's sample roster covers the 2026 New Year holiday, so these offices open on
2025-12-20, before it: the clock moves, the sample stays as it is.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bot.config import Config, DatabaseConfig
from bot.demo.seed import PERSONAS, seed_office
from bot.sandbox import Sandbox
from bot.services.people import actor_of
from storage.models import Shift, Staff
from tests.conftest import SHANGHAI, sample, texts

BEFORE_NEW_YEAR = datetime(2025, 12, 20, 10, 0, tzinfo=SHANGHAI)
CLERK, ADMIN, STAFF, LEADER = 1005, 1004, 1006, 1001  # 刘芳, 陈志强, 张伟, 王建国


@asynccontextmanager
async def office_at(config: Config, start: datetime) -> AsyncIterator[Sandbox]:
    async with Sandbox(config, start=start, seed=seed_office) as box:
        for persona in PERSONAS:
            box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
        yield box


@pytest.fixture
async def office(config: Config) -> AsyncIterator[Sandbox]:
    async with office_at(config, BEFORE_NEW_YEAR) as box:
        yield box


async def roster(box: Sandbox) -> list[tuple[Any, ...]]:
    async with box.db.transaction() as s:
        shifts = await s.scalars(select(Shift).where(Shift.status == "active")
                                 .order_by(Shift.starts_at))
        return [(x.day, x.kind, x.person.name, x.leader.name if x.leader else None,
                 x.starts_at, x.ends_at, x.note) for x in shifts]


def edited_sample(changes: dict[str, object]) -> bytes:
    workbook = load_workbook(sample("duty-roster.xlsx"))
    ws = workbook.active
    assert ws is not None
    for cell, value in changes.items():
        ws[cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_rows(box: Sandbox, message: dict[str, Any]) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(box.emu.file_bytes(message["document"]["file_id"]))).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


async def import_sample(box: Sandbox, content: bytes) -> dict[str, Any]:
    """The clerk sends a roster and confirms it; returns the edited preview card."""
    preview = await box.send_document(CLERK, "值班表.xlsx", content)
    assert "值班表预览" in texts(preview), texts(preview)
    await box.press(CLERK, "✅ 确认导入")
    return next(m for m in box.emu.bot_messages(CLERK)
                if m["message_id"] == preview[-1]["message_id"])


async def test_bad_sheets_then_the_sample_is_imported(office: Sandbox) -> None:
    # Row 5 names someone the office does not have; row 6 a shift nobody knows.
    bad = edited_sample({"E5": "黄某", "C6": "中班"})
    reply = texts(await office.send_document(CLERK, "值班表.xlsx", bad))
    assert "表格有 2 处问题，未导入任何内容" in reply
    assert "第 5 行：未找到人员“黄某”" in reply
    assert "第 6 行：无法识别班次“中班”" in reply
    assert await roster(office) == []

    assert "请发送 Excel 文件" in texts(
        await office.send_document(CLERK, "值班表.xls", b"\xd0\xcf\x11\xe0",
                                   "application/vnd.ms-excel"))
    other = Workbook()
    assert other.active is not None
    other.active.append(["序号", "事项"])
    other.active.append([1, "春节慰问"])
    buffer = io.BytesIO()
    other.save(buffer)
    assert "缺少必需的列" in texts(await office.send_document(CLERK, "台账.xlsx",
                                                              buffer.getvalue()))
    assert "您没有权限" in texts(await office.send_document(
        STAFF, "值班表.xlsx", sample("duty-roster.xlsx").read_bytes()))
    assert await roster(office) == []

    preview = await office.send_document(CLERK, "值班表.xlsx",
                                         sample("duty-roster.xlsx").read_bytes())
    card = texts(preview)
    assert "2026-01-01 至 2026-01-03，共 6 个班次，涉及值班人员 5 人" in card
    assert "第 3 行：1月1日（周四）白班 08:30–17:30 · 张伟 · 带班 王建国" in card
    assert "第 8 行：1月3日（周六）夜班 17:30–08:30 · 张伟 · 带班 赵丽" in card
    assert await roster(office) == []  # nothing until confirmed
    card_id = preview[-1]["message_id"]
    data = preview[-1]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert data.startswith("import:roster:ok:")

    # Someone else forging the clerk's button on a card of their own changes nothing.
    own = await office.send(ADMIN, "/whoami")
    forged = await office.press_data(ADMIN, own[-1]["message_id"], data)
    assert forged is not None and "只有发送该值班表的人" in forged["text"]
    assert await roster(office) == []

    await office.press(CLERK, "✅ 确认导入")
    done = next(m for m in office.emu.bot_messages(CLERK) if m["message_id"] == card_id)
    assert "已导入 6 个班次（2026-01-01 至 2026-01-03），已通知 8 人" in done["text"]
    assert "reply_markup" not in done
    again = await office.press_data(CLERK, card_id, data)
    assert again is not None and "已处理过" in again["text"]

    at = datetime
    assert await roster(office) == [
        (date(2026, 1, 1), "day", "张伟", "王建国", at(2026, 1, 1, 8, 30, tzinfo=SHANGHAI),
         at(2026, 1, 1, 17, 30, tzinfo=SHANGHAI), ""),
        (date(2026, 1, 1), "night", "杨静", "王建国", at(2026, 1, 1, 17, 30, tzinfo=SHANGHAI),
         at(2026, 1, 2, 8, 30, tzinfo=SHANGHAI), ""),
        (date(2026, 1, 2), "day", "黄磊", "李明华", at(2026, 1, 2, 8, 30, tzinfo=SHANGHAI),
         at(2026, 1, 2, 17, 30, tzinfo=SHANGHAI), ""),
        (date(2026, 1, 2), "night", "周敏", "李明华", at(2026, 1, 2, 17, 30, tzinfo=SHANGHAI),
         at(2026, 1, 3, 8, 30, tzinfo=SHANGHAI), ""),
        (date(2026, 1, 3), "day", "吴涛", "赵丽", at(2026, 1, 3, 8, 30, tzinfo=SHANGHAI),
         at(2026, 1, 3, 17, 30, tzinfo=SHANGHAI), ""),
        (date(2026, 1, 3), "night", "张伟", "赵丽", at(2026, 1, 3, 17, 30, tzinfo=SHANGHAI),
         at(2026, 1, 4, 8, 30, tzinfo=SHANGHAI), ""),
    ]

    # Each person hears once about all their shifts; each leader about the ones they lead.
    await office.advance(timedelta(minutes=1))
    zhang = texts(office.emu.bot_messages(STAFF))
    assert "您的值班安排（共 2 个班次" in zhang
    assert "2026-01-01 08:30–17:30 · 王建国\n2026-01-03 17:30–08:30 · 赵丽" in zhang
    assert "您的带班安排（共 2 个班次" in texts(office.emu.bot_messages(LEADER))
    assert "Your duty: 1 shift(s)" in texts(office.emu.bot_messages(1008))

    # The same sheet again: every row is a duplicate now, each named.
    reply = texts(await office.send_document(CLERK, "值班表.xlsx",
                                             sample("duty-roster.xlsx").read_bytes()))
    assert "第 3 行：1月1日（周四）已安排 张伟 值班，白班请勿重复安排" in reply
    assert "第 8 行：1月3日（周六）已安排 张伟 值班，夜班请勿重复安排" in reply
    assert len(await roster(office)) == 6


async def test_export_reimports_into_a_fresh_office(office: Sandbox, config: Config,
                                                    tmp_path: Path) -> None:
    await import_sample(office, sample("duty-roster.xlsx").read_bytes())

    sent = await office.send(CLERK, "/roster_export 2026-01-01 2026-01-03")
    assert sent[-1]["document"]["file_name"] == "值班表-2026-01-01_2026-01-03.xlsx"
    assert "共 6 个班次" in sent[-1]["caption"]
    rows = workbook_rows(office, sent[-1])
    assert rows[0][0] == "值班安排表（2026-01-01 至 2026-01-03）"
    assert rows[1] == ("日期", "星期", "班次", "带班领导", "值班人员", "联系电话")
    assert rows[2][1:] == ("周四", "白班", "王建国", "张伟", "13800000006")
    assert rows[3] == (None, None, "夜班", None, "杨静", "13800000007")  # merged over both
    assert str(rows[-1][0]).startswith("注：")
    exported = office.emu.file_bytes(sent[-1]["document"]["file_id"])

    # The month in the owner's words, and the refusals.
    by_month = await office.send(CLERK, "/roster export 1月")
    assert by_month[-1]["document"]["file_name"] == "值班表-2026-01.xlsx"
    assert "您没有权限" in texts(await office.send(STAFF, "/roster_export 2026-01"))
    assert "无法识别时段“13月”" in texts(await office.send(CLERK, "/roster_export 13月"))
    assert "2026-02-01 至 2026-02-28 没有值班安排" in texts(
        await office.send(CLERK, "/roster_export 2026-02"))

    fresh_config = dataclasses.replace(config, database=DatabaseConfig(
        url=f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"))
    async with office_at(fresh_config, BEFORE_NEW_YEAR) as fresh:
        card = await import_sample(fresh, exported)
        assert "已导入 6 个班次" in card["text"]
        assert await roster(fresh) == await roster(office)


async def test_monthly_attendance_report(config: Config) -> None:
    async with office_at(config, datetime(2026, 10, 25, 10, 0, tzinfo=SHANGHAI)) as box:
        services = box.services
        async with box.db.transaction() as s:
            people = {p.name: await actor_of(p, "zh") for p in await s.scalars(select(Staff))}
        clerk = people["刘芳"]
        plan = [(date(2026, 11, 2), "day", "张伟"), (date(2026, 11, 2), "night", "杨静"),
                (date(2026, 11, 3), "day", "张伟"), (date(2026, 11, 3), "night", "黄磊"),
                (date(2026, 11, 30), "night", "周敏")]
        for day, kind, person in plan:
            await services.duty.create_shift(
                clerk, await services.duty.draft(clerk, day, kind, person, "李镇长"))
        # 张伟 on time, 杨静 25 minutes late, 黄磊 on time; 张伟 misses 11月3日 白班.
        for when, name in ((datetime(2026, 11, 2, 8, 35), "张伟"),
                           (datetime(2026, 11, 2, 17, 55), "杨静"),
                           (datetime(2026, 11, 3, 17, 40), "黄磊")):
            await box.advance_to(when.replace(tzinfo=SHANGHAI))
            await services.signin.sign_in(people[name])
        await box.advance_to(datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI))

        sent = await box.send(CLERK, "/duty_report")  # last month
        message = texts(sent[:-1])
        assert "值班考勤 · 2026年11月" in message and "统计至 2026-12-01 07:00" in message
        assert "共 5 班：按时签到 2，迟到 1，缺勤 1，未到期 1" in message
        assert "张伟：2 班 · 按时 1 · 迟到 0 · 缺勤 1" in message
        assert "杨静：1 班 · 按时 0 · 迟到 1 · 缺勤 0" in message
        assert "黄磊：1 班 · 按时 1 · 迟到 0 · 缺勤 0" in message
        assert "周敏：1 班 · 按时 0 · 迟到 0 · 缺勤 0" in message
        assert "缺勤：张伟 11月3日白班" in message and "迟到：杨静 11月2日夜班" in message
        assert sent[-1]["document"]["file_name"] == "值班考勤-2026-11.xlsx"
        rows = workbook_rows(box, sent[-1])
        assert rows[2] == ("张伟", "党政办", 2, 1, 0, 1, 0, None, "11月3日白班")
        assert rows[6][:7] == ("合计", None, 5, 2, 1, 1, 1)

        same = await box.send(CLERK, "/duty report 2026-11")
        assert "共 5 班：按时签到 2，迟到 1，缺勤 1，未到期 1" in texts(same)
        assert "您没有权限" in texts(await box.send(STAFF, "/duty_report 2026-11"))
        assert "您没有权限" in texts(await box.send(LEADER, "/duty_report"))
        assert "无法识别时段“2026-13”" in texts(await box.send(CLERK, "/duty_report 2026-13"))
        assert "没有值班班次" in texts(await box.send(CLERK, "/duty_report 2026-09"))
