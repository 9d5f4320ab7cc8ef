"""Reading the office's sheets as they arrive (samples from shared/samples, unmodified)."""

from __future__ import annotations

import pytest

from bot.services.errors import InvalidInput
from bot.services.sheets import read_table, write_table
from bot.services.staff_import import COLUMNS, REQUIRED, looks_like_staff_sheet
from tests.conftest import sample

ROSTER_COLUMNS = {
    "date": ("日期", "date"), "shift": ("班次", "shift"), "leader": ("带班领导", "leader"),
    "person": ("值班人员", "person on duty"), "phone": ("联系电话", "phone"),
}


def test_staff_sheet_title_row_roles_and_notes_line() -> None:
    rows = read_table(sample("staff.xlsx").read_bytes(), COLUMNS, REQUIRED)
    assert [r.number for r in rows] == list(range(3, 13))  # the notes line is not a row
    assert rows[0].values == {"name": "王建国", "department": "镇党委", "title": "党委书记",
                              "phone": "13800000001", "roles": "领导"}
    assert rows[3].values["roles"] == "管理员,办公室"
    assert looks_like_staff_sheet(sample("staff.xlsx").read_bytes())
    assert not looks_like_staff_sheet(sample("duty-roster.xlsx").read_bytes())


def test_roster_sheet_merged_cells_fill_both_shifts() -> None:
    rows = read_table(sample("duty-roster.xlsx").read_bytes(), ROSTER_COLUMNS,
                      {"date", "shift", "person"})
    assert [(r.number, r.values["date"], r.values["shift"], r.values["leader"],
             r.values["person"]) for r in rows] == [
        (3, "1月1日", "白班", "王建国", "张伟"),
        (4, "1月1日", "夜班", "王建国", "杨静"),
        (5, "1月2日", "白班", "李明华", "黄磊"),
        (6, "1月2日", "夜班", "李明华", "周敏"),
        (7, "1月3日", "白班", "赵丽", "吴涛"),
        (8, "1月3日", "夜班", "赵丽", "张伟"),
    ]


def test_written_sheet_reads_back() -> None:
    data = write_table("测试表", ["姓名", "部门"], [["张伟", "党政办"]], note="注：测试")
    rows = read_table(data, {"name": ("姓名",), "department": ("部门",)}, {"name"})
    assert [r.values for r in rows] == [{"name": "张伟", "department": "党政办"}]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 broken", "姓名,部门".encode()])
def test_not_a_workbook(content: bytes) -> None:
    with pytest.raises(InvalidInput):
        read_table(content, COLUMNS, REQUIRED)
