"""Registering the office from its own staff sheet (花名册), end to end."""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import AsyncIterator

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.config import Config
from bot.sandbox import Sandbox
from storage.models import Staff
from tests.conftest import START, sample, texts

BOSS = 5000  # a Telegram id listed in config `admins`, with no record yet
LINK = re.compile(r"https://t\.me/officebot_sandbox_bot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
async def office(config: Config) -> AsyncIterator[Sandbox]:
    async with Sandbox(dataclasses.replace(config, admins=(BOSS,)), start=START) as box:
        box.emu.add_user(user_id=BOSS, first_name="主任", language_code="zh-hans")
        assert "主任，您好" in texts(await box.send(BOSS, "/start"))
        yield box


async def staff_count(sandbox: Sandbox) -> int:
    async with sandbox.db.transaction() as s:
        return int(await s.scalar(select(func.count(Staff.id))) or 0)


def edited_sample(changes: dict[str, object]) -> bytes:
    workbook = load_workbook(sample("staff.xlsx"))
    sheet = workbook.active
    assert sheet is not None
    for cell, value in changes.items():
        sheet[cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def test_bad_sheets_are_refused_and_nothing_is_created(office: Sandbox) -> None:
    assert "请发送 Excel 文件" in texts(
        await office.send_document(BOSS, "名单.txt", "王建国".encode(), "text/plain"))
    assert "请发送 Excel 文件" in texts(
        await office.send_document(BOSS, "名单.xlsx", b"not really a workbook"))

    empty = io.BytesIO()
    Workbook().save(empty)
    assert "表格是空的" in texts(await office.send_document(BOSS, "空.xlsx", empty.getvalue()))

    wrong = Workbook()
    assert wrong.active is not None
    wrong.active.append(["编号", "名称"])
    wrong.active.append([1, "王建国"])
    buffer = io.BytesIO()
    wrong.save(buffer)
    assert "缺少必需的列" in texts(await office.send_document(BOSS, "错.xlsx", buffer.getvalue()))

    # Row 5 loses its department, row 8 gets a role nobody has, row 12 repeats a name.
    bad = edited_sample({"C5": None, "F8": "队长", "B12": "王建国", "C12": "镇党委"})
    reply = texts(await office.send_document(BOSS, "花名册.xlsx", bad))
    assert "未导入任何内容" in reply
    assert "第 5 行：赵丽：部门为空" in reply
    assert "第 8 行：无法识别的角色“队长”" in reply
    assert "第 12 行：王建国 与第 3 行重复" in reply
    assert await staff_count(office) == 1  # only the admin


async def test_sample_sheet_imports_with_links(office: Sandbox) -> None:
    preview = texts(await office.send_document(BOSS, "花名册.xlsx",
                                               sample("staff.xlsx").read_bytes()))
    assert "共 10 人" in preview
    assert "第 3 行：王建国 · 镇党委 · 领导" in preview
    assert "第 6 行：陈志强 · 党政办 · 办公室人员、管理员" in preview
    assert await staff_count(office) == 1  # nothing until confirmed

    await office.press(BOSS, "✅ 确认导入")
    messages = office.emu.bot_messages(BOSS)
    assert "已登记 10 人" in messages[-2]["text"]  # the preview card, edited in place
    document = messages[-1]["document"]
    assert document["file_name"] == "花名册-注册链接.xlsx"
    sheet = load_workbook(io.BytesIO(office.emu.file_bytes(document["file_id"]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("原行号", "姓名") and rows[1][6] == "注册链接"
    people = {row[1]: row for row in rows[2:12]}
    assert list(people) == ["王建国", "李明华", "赵丽", "陈志强", "刘芳", "张伟", "杨静",
                            "黄磊", "周敏", "吴涛"]
    assert people["刘芳"][2:6] == ("党政办", "文秘", "13800000005", "办公室人员、印章管理员")
    assert all(LINK.fullmatch(str(row[6])) for row in people.values())
    assert await staff_count(office) == 11

    # A second press on the same card imports nothing twice.
    assert "reply_markup" not in messages[-2]  # the buttons are gone from the card
    forged = await office.press_data(BOSS, messages[-2]["message_id"], "import:staff:ok:1")
    assert forged is not None and "已处理过" in forged["text"]
    assert await staff_count(office) == 11

    # 王建国 follows his link and is a registered leader.
    code = LINK.fullmatch(str(people["王建国"][6]))
    assert code is not None
    office.emu.add_user(user_id=6001, first_name="Wang", language_code="zh-hans")
    assert "注册成功：王建国（镇党委）" in texts(await office.send(6001, f"/start {code.group(1)}"))
    assert "角色：领导" in texts(await office.send(6001, "/whoami"))


async def test_discard_changes_nothing(office: Sandbox) -> None:
    await office.send_document(BOSS, "花名册.xlsx", sample("staff.xlsx").read_bytes())
    await office.press(BOSS, "✖ 放弃")
    assert "已放弃本次导入" in office.emu.bot_messages(BOSS)[-1]["text"]
    assert await staff_count(office) == 1
