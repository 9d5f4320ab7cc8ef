"""Roster sheets and the attendance report, against a real SQLite database.

The office's sample roster (2026 New Year) is used as it is; the clock is moved to before it.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Config, DatabaseConfig
from bot.demo.seed import seed_office
from bot.services.access import Actor
from bot.services.container import Services
from bot.services.duty_sheets import COLUMNS, REQUIRED
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.people import actor_of
from bot.services.sheets import read_sheet
from storage.db import Database
from storage.migrate import upgrade
from storage.models import AuditEntry, Notification, SheetUpload, Shift, Staff
from tests.conftest import SHANGHAI, sample

BEFORE_NEW_YEAR = datetime(2025, 12, 20, 10, 0, tzinfo=SHANGHAI)
SAMPLE_SHIFTS = [
    (date(2026, 1, 1), "day", "张伟", "王建国"),
    (date(2026, 1, 1), "night", "杨静", "王建国"),
    (date(2026, 1, 2), "day", "黄磊", "李明华"),
    (date(2026, 1, 2), "night", "周敏", "李明华"),
    (date(2026, 1, 3), "day", "吴涛", "赵丽"),
    (date(2026, 1, 3), "night", "张伟", "赵丽"),
]


def clock(services: Services) -> ManualClock:
    assert isinstance(services.clock, ManualClock)
    return services.clock


async def actor(services: Services, name: str, language: str = "zh") -> Actor:
    async with services.db.transaction() as s:
        staff = await s.scalar(select(Staff).where(Staff.name == name))
        assert staff is not None
        return dataclasses.replace(await actor_of(staff, "zh"), language=language)


async def roster(services: Services) -> list[tuple[date, str, str, str, datetime, datetime]]:
    async with services.db.transaction() as s:
        shifts = await s.scalars(select(Shift).where(Shift.status == "active")
                                 .order_by(Shift.starts_at))
        return [(x.day, x.kind, x.person.name, x.leader.name if x.leader else "",
                 x.starts_at, x.ends_at) for x in shifts]


def sheet(rows: list[list[Any]], title: str | None = "××镇值班安排表",
          header: tuple[str, ...] = ("日期", "星期", "班次", "带班领导", "值班人员",
                                     "联系电话")) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    if title is not None:
        ws.append([title])
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def edited_sample(changes: dict[str, object]) -> bytes:
    workbook = load_workbook(sample("duty-roster.xlsx"))
    ws = workbook.active
    assert ws is not None
    for cell, value in changes.items():
        ws[cell] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
async def office(services: Services) -> Services:
    clock(services).set(BEFORE_NEW_YEAR)
    await seed_office(services)
    return services


@pytest.fixture
async def fresh(config: Config, tmp_path: Path) -> AsyncIterator[Services]:
    """A second office database, for round trips."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    await upgrade(url)
    db = Database(url)
    services = Services(dataclasses.replace(config, database=DatabaseConfig(url=url)), db,
                        ManualClock(BEFORE_NEW_YEAR))
    await seed_office(services)
    yield services
    await db.dispose()


async def import_sheet(services: Services, who: Actor, content: bytes) -> None:
    preview = await services.duty_sheets.preview(who, "值班表.xlsx", content)
    assert preview.problems == []
    await services.duty_sheets.confirm(who, preview.upload_id)


# --- import ---------------------------------------------------------------------------------


async def test_sample_preview_takes_the_year_from_the_title(office: Services) -> None:
    clerk = await actor(office, "刘芳")
    preview = await office.duty_sheets.preview(
        clerk, "值班表.xlsx", sample("duty-roster.xlsx").read_bytes())
    assert preview.problems == []
    assert [n for n, _ in preview.rows] == [3, 4, 5, 6, 7, 8]
    assert [(d.day, d.kind, d.person_name, d.leader_name) for _, d in preview.rows] \
        == SAMPLE_SHIFTS
    assert (preview.first, preview.last, preview.people) == \
        (date(2026, 1, 1), date(2026, 1, 3), 5)
    assert preview.upload_id > 0
    assert await roster(office) == []  # nothing until confirmed
    assert read_sheet(sample("duty-roster.xlsx").read_bytes(), COLUMNS, REQUIRED).title \
        == ["××镇2026年元旦假期值班安排表"]


async def test_sample_in_the_past_is_refused_row_by_row(services: Services) -> None:
    await seed_office(services)  # the clock stays on 2026-11-27
    clerk = await actor(services, "刘芳")
    preview = await services.duty_sheets.preview(
        clerk, "值班表.xlsx", sample("duty-roster.xlsx").read_bytes())
    assert [(p.row, p.key) for p in preview.problems] == \
        [(n, "duty.in_past") for n in range(3, 9)]
    assert preview.upload_id == 0
    async with services.db.transaction() as s:
        assert list(await s.scalars(select(SheetUpload))) == []


async def test_every_bad_row_is_named_and_nothing_is_kept(office: Services) -> None:
    clerk = await actor(office, "刘芳")
    boss = await actor(office, "陈志强")
    taken = await office.duty.draft(clerk, date(2026, 1, 5), "day", "吴涛", "王建国")
    await office.duty.create_shift(clerk, taken)
    async with office.db.transaction() as s:
        s.add(Staff(name="杨静", title="干事", created_at=office.clock.now()))  # a second one
        gone = await s.scalar(select(Staff).where(Staff.name == "周敏"))
        assert gone is not None
        gone.active = False
    content = sheet([
        ["2026-01-01", "星期四", "白班", "王建国", "张伟"],       # 3: fine
        ["2026-01-01", "星期四", "夜班", "王建国", "张三"],       # 4: unknown
        ["2026-01-02", "", "白班", "李明华", "杨静"],             # 5: ambiguous
        ["2026-01-02", "", "夜班", "李明华", "周敏"],             # 6: deactivated
        ["1月32日", "", "白班", "赵丽", "吴涛"],                  # 7: bad date
        ["2026-01-03", "", "中班", "赵丽", "吴涛"],               # 8: unknown shift
        ["2026-01-03", "", "", "赵丽", "吴涛"],                   # 9: no shift
        ["2026-01-01", "", "白班", "王建国", "黄磊"],             # 10: repeats row 3
        ["2026-01-04", "", "白班", "张伟", "黄磊"],               # 11: leader not a leader
        ["2026-01-04", "星期五", "夜班", "李明华", "黄磊"],       # 12: 1月4日 is a Sunday
        ["2026-01-05", "", "白班", "王书记", "黄磊"],             # 13: already on the roster
        ["2025-12-19", "", "白班", "王书记", "黄磊"],             # 14: past
        ["2026-01-06", "", "全天", "王书记", ""],                 # 15: nobody on duty
    ])
    preview = await office.duty_sheets.preview(clerk, "值班表.xlsx", content)
    assert [(p.row, p.key) for p in preview.problems] == [
        (4, "people.unknown_name"), (5, "people.ambiguous_name"),
        (6, "duty.person_inactive"), (7, "duty_sheets.row_bad_date"),
        (8, "duty.kind_unknown"), (9, "duty_sheets.row_no_kind"),
        (10, "duty_sheets.row_duplicate"), (11, "duty.not_a_leader"),
        (12, "duty_sheets.row_weekday_mismatch"), (13, "duty.duplicate"),
        (14, "duty.in_past"), (15, "duty.name_missing"),
    ]
    assert preview.problems[6].params["other"] == 3
    assert preview.upload_id == 0
    assert len(await roster(office)) == 1  # only the shift that was there
    # Staff (not clerks) may not import; the admin may (and hears what is wrong).
    with pytest.raises(PermissionDenied):
        await office.duty_sheets.preview(await actor(office, "张伟"), "x.xlsx",
                                         sample("duty-roster.xlsx").read_bytes())
    by_admin = await office.duty_sheets.preview(boss, "x.xlsx",
                                                sample("duty-roster.xlsx").read_bytes())
    assert [(p.row, p.key) for p in by_admin.problems] == [
        (4, "people.ambiguous_name"), (6, "duty.person_inactive")]


@pytest.mark.parametrize(("content", "key"), [
    (b"", "sheet.empty"),
    (b"PK\x03\x04 not a workbook", "sheet.not_xlsx"),
    (sheet([["2026-01-01", "王建国"]], header=("日期", "带班领导")), "sheet.missing_columns"),
    (sheet([], title=None), "sheet.empty"),
])
async def test_malformed_sheets(office: Services, content: bytes, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await office.duty_sheets.preview(await actor(office, "刘芳"), "x.xlsx", content)
    assert refused.value.key == key


async def test_dates_as_offices_write_them(office: Services) -> None:
    clock(office).set(datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))
    clerk = await actor(office, "刘芳")
    content = sheet([
        ["2026-12-01", "", "白班", "", "张伟"],
        [datetime(2026, 12, 2), "周三", "day", "", "张伟"],       # a real Excel date
        ["10月3日", "", "夜班", "", "张伟"],                       # no year anywhere: ahead
        ["10月4日（周一）", "", "全天", "", "张伟"],
        ["2026年12月6日 星期日", "", "白班", "", "张伟"],
        ["12/5", "", "night", "", "张伟"],
    ], title=None, header=("Date", "Weekday", "Shift", "Leader", "Person on duty", "Phone"))
    preview = await office.duty_sheets.preview(clerk, "roster.xlsx", content)
    assert preview.problems == []
    assert [(d.day, d.kind) for _, d in preview.rows] == [
        (date(2026, 12, 1), "day"), (date(2026, 12, 2), "day"), (date(2027, 10, 3), "night"),
        (date(2027, 10, 4), "full"), (date(2026, 12, 6), "day"), (date(2026, 12, 5), "night")]


async def test_a_new_year_roster_starts_in_the_old_year(office: Services) -> None:
    clock(office).set(datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI))
    content = sheet([["12月31日", "星期四", "夜班", "王书记", "张伟"],
                     ["1月1日", "星期五", "白班", "李镇长", "杨静"]],
                    title="××镇2027年元旦假期值班安排表")
    preview = await office.duty_sheets.preview(await actor(office, "刘芳"), "x.xlsx", content)
    assert preview.problems == []
    assert [(d.day, d.leader_name) for _, d in preview.rows] == [
        (date(2026, 12, 31), "王建国"), (date(2027, 1, 1), "李明华")]


async def test_confirm_imports_all_and_tells_each_person_once(office: Services) -> None:
    clerk = await actor(office, "刘芳")
    preview = await office.duty_sheets.preview(
        clerk, "值班表.xlsx", sample("duty-roster.xlsx").read_bytes())
    result = await office.duty_sheets.confirm(clerk, preview.upload_id)
    assert (result.count, result.first, result.last) == (6, date(2026, 1, 1), date(2026, 1, 3))
    shifts = await roster(office)
    assert [x[:4] for x in shifts] == SAMPLE_SHIFTS
    assert shifts[1][4:] == (datetime(2026, 1, 1, 17, 30, tzinfo=SHANGHAI),
                             datetime(2026, 1, 2, 8, 30, tzinfo=SHANGHAI))

    async with office.db.transaction() as s:
        notes = list(await s.scalars(select(Notification).where(
            Notification.key.startswith("rosterimport:")).order_by(Notification.id)))
        names = {p.id: p.name for p in await s.scalars(select(Staff))}
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "roster.import"))
        creates = list(await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "shift.create")))
    told = {(names[n.recipient_id], n.template.rsplit(".", 1)[-1]): n.params for n in notes}
    assert set(told) == {("张伟", "notice_imported"), ("杨静", "notice_imported"),
                         ("黄磊", "notice_imported"), ("周敏", "notice_imported"),
                         ("吴涛", "notice_imported"), ("王建国", "notice_imported_leader"),
                         ("李明华", "notice_imported_leader"), ("赵丽", "notice_imported_leader")}
    assert result.notified == 8
    assert told[("张伟", "notice_imported")] == {
        "count": 2, "lines": "2026-01-01 08:30–17:30 · 王建国\n2026-01-03 17:30–08:30 · 赵丽"}
    assert told[("王建国", "notice_imported_leader")]["lines"] == \
        "2026-01-01 08:30–17:30 · 张伟\n2026-01-01 17:30–08:30 · 杨静"
    assert audit is not None and audit.actor_id == clerk.id and audit.after["count"] == 6
    assert len(creates) == 6

    with pytest.raises(Conflict) as again:
        await office.duty_sheets.confirm(clerk, preview.upload_id)
    assert again.value.key == "import.already_done"
    assert len(await roster(office)) == 6

    # The same sheet once more: every row is now a duplicate, named by its row.
    second = await office.duty_sheets.preview(
        clerk, "值班表.xlsx", sample("duty-roster.xlsx").read_bytes())
    assert [(p.row, p.key) for p in second.problems] == [(n, "duty.duplicate")
                                                         for n in range(3, 9)]


async def test_confirm_checks_again_and_imports_nothing_if_the_roster_moved(
        office: Services) -> None:
    clerk = await actor(office, "刘芳")
    preview = await office.duty_sheets.preview(
        clerk, "值班表.xlsx", sample("duty-roster.xlsx").read_bytes())
    with pytest.raises(PermissionDenied) as other:
        await office.duty_sheets.confirm(await actor(office, "陈志强"), preview.upload_id)
    assert other.value.key == "duty_sheets.not_yours"
    meanwhile = await office.duty.draft(clerk, date(2026, 1, 2), "night", "吴涛", "")
    await office.duty.create_shift(clerk, meanwhile)
    with pytest.raises(Conflict) as changed:
        await office.duty_sheets.confirm(clerk, preview.upload_id)
    assert (changed.value.key, changed.value.params) == ("import.changed", {"row": 6})
    assert [x[2] for x in await roster(office)] == ["吴涛"]
    # Still pending: it can be discarded, and only once.
    await office.duty_sheets.discard(clerk, preview.upload_id)
    with pytest.raises(Conflict):
        await office.duty_sheets.discard(clerk, preview.upload_id)
    with pytest.raises(NotFound):
        await office.duty_sheets.confirm(clerk, 999)


# --- periods --------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "past", "span"), [
    ("2026-10", False, ("2026-10-01", "2026-10-31")),
    ("2026年2月", True, ("2026-02-01", "2026-02-28")),
    ("2026/12", False, ("2026-12-01", "2026-12-31")),
    ("10月", False, ("2027-10-01", "2027-10-31")),  # a roster is for the coming October
    ("10月", True, ("2026-10-01", "2026-10-31")),   # a report for the one just gone
    ("12月", True, ("2025-12-01", "2025-12-31")),
    ("11月", True, ("2026-11-01", "2026-11-30")),
    ("", False, ("2026-11-01", "2026-11-30")),
    ("", True, ("2026-10-01", "2026-10-31")),
    ("上月", False, ("2026-10-01", "2026-10-31")),
    ("next month", True, ("2026-12-01", "2026-12-31")),
    ("2026-10-01 2026-10-07", True, ("2026-10-01", "2026-10-07")),
    ("2026-10-01至2026-10-07", False, ("2026-10-01", "2026-10-07")),
    ("2026-10-01 - 2026-10-07", False, ("2026-10-01", "2026-10-07")),
    ("10月1日-10月7日", False, ("2027-10-01", "2027-10-07")),
    ("10月1日 到 10月7日", True, ("2026-10-01", "2026-10-07")),
    ("12月28日~1月3日", False, ("2026-12-28", "2027-01-03")),
])
async def test_periods(services: Services, text: str, past: bool,
                       span: tuple[str, str]) -> None:
    start, end = services.duty_sheets.period(text, prefer_past=past)
    assert (start.isoformat(), end.isoformat()) == span


@pytest.mark.parametrize(("text", "key"), [
    ("13月", "duty_sheets.bad_period"), ("2026-13", "duty_sheets.bad_period"),
    ("国庆", "duty_sheets.bad_period"), ("2026-10-01 2026-10-07 2026-10-09",
                                         "duty_sheets.bad_period"),
    ("2026-10-07 2026-10-01", "duty_sheets.period_reversed"),
    ("2026-01-01 2027-06-01", "duty_sheets.period_too_long"),
])
async def test_bad_periods(services: Services, text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.duty_sheets.period(text, prefer_past=False)
    assert refused.value.key == key


# --- export ---------------------------------------------------------------------------------

async def test_export_in_the_office_layout(office: Services) -> None:
    clerk = await actor(office, "刘芳")
    await import_sheet(office, clerk, sample("duty-roster.xlsx").read_bytes())
    exported = await office.duty_sheets.export(clerk, "2026-01")
    assert exported.file_name == "值班表-2026-01.xlsx" and exported.count == 6
    ws = load_workbook(io.BytesIO(exported.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "值班安排表（2026年1月）"
    assert rows[1] == ("日期", "星期", "班次", "带班领导", "值班人员", "联系电话")
    assert rows[2] == (datetime(2026, 1, 1), "周四", "白班", "王建国", "张伟", "13800000006")
    assert rows[3] == (None, None, "夜班", None, "杨静", "13800000007")
    assert str(rows[-1][0]).startswith("注：白班 08:30–17:30")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "B3:B4", "D3:D4", "A5:A6", "D5:D6", "A7:A8", "D7:D8"} <= merged
    # Staff may not export; an empty period is said so.
    with pytest.raises(PermissionDenied):
        await office.duty_sheets.export(await actor(office, "张伟"), "2026-01")
    with pytest.raises(NotFound):
        await office.duty_sheets.export(clerk, "2026-02")


@pytest.mark.parametrize("language", ["zh", "en"])
async def test_export_imports_back_the_same_roster(office: Services, fresh: Services,
                                                   language: str) -> None:
    clerk = await actor(office, "刘芳", language)
    await import_sheet(office, clerk, sample("duty-roster.xlsx").read_bytes())
    # Different leaders on one day's shifts, a note, and a 24-hour shift.
    for day, kind, person, leader, note in (
            (date(2026, 1, 4), "day", "吴涛", "王建国", ""),
            (date(2026, 1, 4), "night", "黄磊", "赵丽", "值班车 A & B"),
            (date(2026, 1, 5), "full", "杨静", "", "")):
        draft = await office.duty.draft(clerk, day, kind, person, leader, note)
        await office.duty.create_shift(clerk, draft)
    exported = await office.duty_sheets.export(clerk, "2026-01-01 2026-01-05")
    ws = load_workbook(io.BytesIO(exported.content)).active
    assert ws is not None
    assert "D9:D10" not in {str(r) for r in ws.merged_cells.ranges}  # two leaders that day

    await import_sheet(fresh, await actor(fresh, "刘芳", language), exported.content)
    assert await roster(fresh) == await roster(office)
    async with fresh.db.transaction() as s:
        assert await s.scalar(select(Shift.note).where(Shift.kind == "night",
                                                       Shift.day == date(2026, 1, 4))) \
            == "值班车 A & B"


# --- attendance report ----------------------------------------------------------------------

async def test_monthly_report(office: Services) -> None:
    clock(office).set(datetime(2026, 10, 25, 10, 0, tzinfo=SHANGHAI))
    clerk = await actor(office, "刘芳")
    plan = [(date(2026, 11, 2), "day", "张伟"), (date(2026, 11, 2), "night", "杨静"),
            (date(2026, 11, 3), "day", "张伟"), (date(2026, 11, 3), "night", "黄磊"),
            (date(2026, 11, 30), "night", "周敏"), (date(2026, 12, 1), "day", "张伟")]
    ids = {}
    for day, kind, person in plan:
        shift = await office.duty.create_shift(
            clerk, await office.duty.draft(clerk, day, kind, person, "王书记"))
        ids[(day, kind)] = shift.id
    signed = [((date(2026, 11, 2), "day"), datetime(2026, 11, 2, 8, 35), False),
              ((date(2026, 11, 2), "night"), datetime(2026, 11, 2, 17, 55), True),
              ((date(2026, 11, 3), "night"), datetime(2026, 11, 3, 17, 40), False)]
    for name, (key, at, late) in zip(("张伟", "杨静", "黄磊"), signed, strict=True):
        clock(office).set(at.replace(tzinfo=SHANGHAI))
        result = await office.signin.sign_in(await actor(office, name), ids[key])
        assert (result.late_minutes > 0) is late
    clock(office).set(datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI))

    report = await office.duty_sheets.report(clerk, "")  # last month
    assert (report.start, report.end) == (date(2026, 11, 1), date(2026, 11, 30))
    figures = {p.name: (p.shifts, p.on_time, p.late, p.missed, p.pending)
               for p in report.people}
    assert figures == {"张伟": (2, 1, 0, 1, 0), "杨静": (1, 0, 1, 0, 0),
                       "黄磊": (1, 1, 0, 0, 0), "周敏": (1, 0, 0, 0, 1)}
    assert [x.day for x in report.people[0].missed_shifts] == [date(2026, 11, 3)]
    assert report.sheet.file_name == "值班考勤-2026-11.xlsx"
    ws = load_workbook(io.BytesIO(report.sheet.content)).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][:7] == ("姓名", "部门", "值班班次", "按时签到", "迟到", "缺勤", "未到期")
    assert rows[2] == ("张伟", "党政办", 2, 1, 0, 1, 0, None, "11月3日白班")
    assert rows[3][:5] == ("杨静", "经济发展办", 1, 0, 1) and rows[3][7] == "11月2日夜班"
    assert rows[6][:7] == ("合计", None, 5, 2, 1, 1, 1)

    same = await office.duty_sheets.report(clerk, "2026-11")
    assert [p.name for p in same.people] == [p.name for p in report.people]
    with pytest.raises(PermissionDenied):
        await office.duty_sheets.report(await actor(office, "王建国"), "2026-11")
    with pytest.raises(NotFound):
        await office.duty_sheets.report(clerk, "2026-09")
    with pytest.raises(InvalidInput):
        await office.duty_sheets.report(clerk, "十三月")
    assert report.as_of == datetime(2026, 12, 1, 7, 0, tzinfo=SHANGHAI)
