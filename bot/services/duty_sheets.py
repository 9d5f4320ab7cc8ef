"""The roster as the office keeps it in Excel: import (preview, then confirm, all or nothing),
export of a period in the office's own layout, and the monthly duty attendance report."""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.i18n import ref, t
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.duty import (
    ACTIVE,
    DAY,
    FULL,
    NIGHT,
    DutyService,
    ShiftDraft,
    ShiftView,
    parse_kind,
    view,
)
from bot.services.errors import Conflict, DomainError, InvalidInput, NotFound
from bot.services.sheets import (
    Sheet,
    claim_upload,
    pending_upload,
    read_sheet_async,
    read_table,
    write_table,
)
from bot.services.staff_import import RowProblem
from bot.services.when import user_date
from storage.db import Database
from storage.models import SheetUpload, Shift, Staff

KIND = "roster"
COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("日期", "值班日期", "date"),
    "weekday": ("星期", "周几", "weekday", "day of week"),
    "kind": ("班次", "班别", "shift", "kind"),
    "leader": ("带班领导", "带班", "值班领导", "leader", "duty leader", "leader on duty"),
    "person": ("值班人员", "值班人", "值班干部", "person on duty", "on duty", "person"),
    "phone": ("联系电话", "电话", "手机", "phone", "mobile"),
    "note": ("备注", "note", "notes", "remark"),
}
REQUIRED = {"date", "kind", "person"}
KIND_ORDER = {DAY: 0, NIGHT: 1, FULL: 2}
MAX_PERIOD_DAYS = 366

_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*(?:月|/|\.)\s*(\d{1,2})\s*[日号]?")
# "10月1日（周四）", "10月1日 星期四": offices often add the weekday to the date cell.
_TRAILING_WEEKDAY = re.compile(r"^(.*?)(?:\s*[(（]\s*([^()（）]*?)\s*[)）]|\s+(\S+))\s*$")
_WEEKDAY_ZH = re.compile(r"^(?:星期|周|礼拜)([一二三四五六日天])$")
_WEEKDAY_NUM = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_EN = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE_SPLIT = re.compile(r"\s*(?:至|到|~|～|—|–|--)\s*|\s+-\s+|(?<=[日号])\s*-\s*|\s+")
_THIS_MONTH = {"本月", "这个月", "this month"}
_LAST_MONTH = {"上月", "上个月", "last month"}
_NEXT_MONTH = {"下月", "下个月", "next month"}


@dataclass(frozen=True)
class RosterPreview:
    upload_id: int  # 0 when there are problems: nothing was kept
    rows: list[tuple[int, ShiftDraft]]
    problems: list[RowProblem]

    @property
    def first(self) -> date:
        return min(d.day for _, d in self.rows)

    @property
    def last(self) -> date:
        return max(d.day for _, d in self.rows)

    @property
    def people(self) -> int:
        return len({d.person_id for _, d in self.rows})


@dataclass(frozen=True)
class RosterImportResult:
    count: int
    first: date
    last: date
    notified: int  # people told of their new shifts


@dataclass(frozen=True)
class SheetFile:
    file_name: str
    content: bytes
    start: date
    end: date
    count: int


@dataclass
class Attendance:
    person_id: int
    name: str
    department: str
    shifts: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    pending: int = 0  # not over yet and not signed in
    late_shifts: list[ShiftView] = field(default_factory=list)
    missed_shifts: list[ShiftView] = field(default_factory=list)


@dataclass(frozen=True)
class AttendanceReport:
    start: date
    end: date
    as_of: datetime
    people: list[Attendance]
    sheet: SheetFile

    def total(self, what: str) -> int:
        return sum(int(getattr(p, what)) for p in self.people)


def looks_like_roster_sheet(content: bytes) -> bool:
    try:
        read_table(content, COLUMNS, REQUIRED)
    except DomainError:
        return False
    return True


def _weekday_of(text: str) -> int | None:
    """The weekday a cell names (星期四, 周四, Thu, Thursday), or None if it names none."""
    word = re.sub(r"\s", "", text).lower()
    found = _WEEKDAY_ZH.match(word)
    if found:
        return _WEEKDAY_NUM[found.group(1)]
    if len(word) >= 3 and word[:3] in _WEEKDAY_EN:
        return _WEEKDAY_EN.index(word[:3])
    return None


def _month_span(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


class DutySheetService:
    def __init__(self, db: Database, config: Config, clock: Clock, duty: DutyService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.duty = duty

    # --- reading a roster sheet -----------------------------------------------------------

    def _sheet_year(self, sheet: Sheet) -> int | None:
        for line in sheet.title:
            found = _YEAR.search(line)
            if found:
                return int(found.group(1))
        return None

    def _day(self, raw: Any, year: int | None, spans_new_year: bool) -> tuple[date, str]:
        """The date of a row and any weekday written beside it in the same cell."""
        if isinstance(raw, datetime):
            return raw.date(), ""
        if isinstance(raw, date):
            return raw, ""
        text = str(raw or "").strip()
        weekday = ""
        beside = _TRAILING_WEEKDAY.match(text)
        written = beside and (beside.group(2) or beside.group(3))
        if beside and written and _weekday_of(written) is not None:
            text, weekday = beside.group(1), written
        if not text:
            raise InvalidInput("duty_sheets.row_no_date")
        month_day = _MONTH_DAY.fullmatch(text)
        if month_day:
            month, day = int(month_day.group(1)), int(month_day.group(2))
            text = f"{month}月{day}日"
            if year is not None:
                # A New Year roster titled 2026 that starts on 12月31日 starts in 2025.
                text = f"{year - 1 if spans_new_year and month == 12 else year}年{text}"
        try:
            return user_date(text, now=self.clock.now(), tz=self.config.tz,
                             allow_past=True), weekday
        except InvalidInput:
            raise InvalidInput("duty_sheets.row_bad_date", text=str(raw).strip()) from None

    async def _check(self, s: AsyncSession,
                     sheet: Sheet) -> tuple[list[tuple[int, ShiftDraft]], list[RowProblem]]:
        """Every row resolved and checked against the roster and the rest of the sheet."""
        year = self._sheet_year(sheet)
        months = {int(m.group(1)) for r in sheet.rows
                  if (m := _MONTH_DAY.match(str(r.values.get("date") or "").strip()))}
        spans_new_year = {1, 12} <= months
        drafts: list[tuple[int, ShiftDraft]] = []
        problems: list[RowProblem] = []
        seen: dict[tuple[date, str], int] = {}
        for row in sheet.rows:
            values = row.values
            try:
                day, written = self._day(values.get("date"), year, spans_new_year)
                written = written or str(values.get("weekday") or "")
                weekday = _weekday_of(written)
                if weekday is not None and weekday != day.weekday():
                    raise InvalidInput("duty_sheets.row_weekday_mismatch",
                                       date=day.isoformat(), written=written.strip(),
                                       weekday=ref(f"weekday.{day.weekday()}"))
                kind_text = str(values.get("kind") or "").strip()
                if not kind_text:
                    raise InvalidInput("duty_sheets.row_no_kind")
                kind = parse_kind(kind_text)
                if kind is None:
                    raise InvalidInput("duty.kind_unknown", kind=kind_text)
                # The roster's own rule within the sheet too: one shift of a kind a day, and a
                # 24-hour shift leaves no room for another.
                other = next((number for (d, k), number in seen.items() if d == day and (
                    k == kind or FULL in (k, kind))), None)
                if other is not None:
                    raise InvalidInput("duty_sheets.row_duplicate", date=day.isoformat(),
                                       kind=ref(f"duty.kind.{kind}"), other=other)
                seen[(day, kind)] = row.number
                draft = await self.duty.check_draft(
                    s, day, kind, str(values.get("person") or ""),
                    str(values.get("leader") or ""), str(values.get("note") or ""))
            except DomainError as exc:
                problems.append(RowProblem(row.number, exc.key, exc.params))
                continue
            drafts.append((row.number, draft))
        return drafts, problems

    # --- import ---------------------------------------------------------------------------

    async def preview(self, actor: Actor, file_name: str, content: bytes) -> RosterPreview:
        """Check the sheet; keep a clean one so the clerk can confirm it, even after a restart."""
        self.duty.require_roster_keeper(actor)
        sheet = await read_sheet_async(content, COLUMNS, REQUIRED)
        async with self.db.transaction() as s:
            drafts, problems = await self._check(s, sheet)
            if problems:
                return RosterPreview(0, drafts, problems)
            upload = SheetUpload(kind=KIND, uploader_id=actor.id, file_name=file_name[:200],
                                 content=content, created_at=self.clock.now())
            s.add(upload)
            await s.flush()
            return RosterPreview(upload.id, drafts, problems)

    async def confirm(self, actor: Actor, upload_id: int) -> RosterImportResult:
        """Import the whole sheet in one transaction, checked again: the roster or the people
        may have changed since the preview, and then nothing is imported."""
        self.duty.require_roster_keeper(actor)
        now = self.clock.now()
        async with self.db.transaction() as s:
            upload = await pending_upload(s, actor, KIND, upload_id,
                                          not_yours="duty_sheets.not_yours")
            content = upload.content
        sheet = await read_sheet_async(content, COLUMNS, REQUIRED)
        async with self.db.transaction() as s:
            # Claimed first, so of two presses racing the second hears "already done".
            await claim_upload(s, upload_id, "applied", now)
            drafts, problems = await self._check(s, sheet)
            if problems:
                raise Conflict("import.changed", row=problems[0].row)
            shifts = [await self.duty.add_checked(s, actor, draft, notify=False)
                      for _, draft in drafts]
            notified = await self._tell_imported(s, upload_id, shifts, now)
            audit.record(s, at=now, actor_id=actor.id, action="roster.import",
                         entity="upload", entity_id=upload_id,
                         after={"count": len(shifts), "shift_ids": [x.id for x in shifts]})
        return RosterImportResult(len(shifts), min(x.day for x in shifts),
                                  max(x.day for x in shifts), notified)

    async def discard(self, actor: Actor, upload_id: int) -> None:
        self.duty.require_roster_keeper(actor)
        now = self.clock.now()
        async with self.db.transaction() as s:
            await pending_upload(s, actor, KIND, upload_id, not_yours="duty_sheets.not_yours")
            await claim_upload(s, upload_id, "discarded", now)
            audit.record(s, at=now, actor_id=actor.id, action="roster.import_discard",
                         entity="upload", entity_id=upload_id)

    async def _tell_imported(self, s: AsyncSession, upload_id: int, shifts: list[Shift],
                             now: datetime) -> int:
        """One message per person for the whole sheet rather than one per shift: a holiday
        roster puts a person on several shifts, and the per-shift reminders follow anyway."""
        tz = self.config.tz

        def line(shift: Shift, other: str) -> str:
            start, end = shift.starts_at.astimezone(tz), shift.ends_at.astimezone(tz)
            return f"{shift.day:%Y-%m-%d} {start:%H:%M}–{end:%H:%M} · {other}"

        on_duty: dict[int, list[str]] = defaultdict(list)
        leading: dict[int, list[str]] = defaultdict(list)
        for shift in sorted(shifts, key=lambda x: x.starts_at):
            on_duty[shift.person_id].append(
                line(shift, shift.leader.name if shift.leader else "—"))
            if shift.leader_id is not None:
                leading[shift.leader_id].append(line(shift, shift.person.name))
        for role, template, table in (("duty", "duty_sheets.notice_imported", on_duty),
                                      ("lead", "duty_sheets.notice_imported_leader", leading)):
            for staff_id, lines in table.items():
                await outbox.schedule(
                    s, key=f"rosterimport:{upload_id}:{role}:{staff_id}", recipient_id=staff_id,
                    template=template, due_at=now, now=now,
                    params={"count": len(lines), "lines": "\n".join(lines)})
        return len(on_duty.keys() | leading.keys())

    # --- periods --------------------------------------------------------------------------

    def period(self, text: str, *, prefer_past: bool) -> tuple[date, date]:
        """A month (2026-10, 2026年10月, 10月, 本月, 上月) or a range of days
        (2026-10-01 2026-10-07, 10月1日至10月7日). A month without a year is the coming one
        for a roster (an export) and the one just gone for a report."""
        text = text.strip()
        today = self.duty.today()
        word = text.lower()
        if not text or word in _THIS_MONTH | _LAST_MONTH | _NEXT_MONTH:
            if not text:
                offset = -1 if prefer_past else 0
            else:
                offset = -1 if word in _LAST_MONTH else 1 if word in _NEXT_MONTH else 0
            return _month_span(*_shift_months(today, offset))
        found = re.fullmatch(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?(?:份)?", text)
        if found:
            year, month = int(found.group(1)), int(found.group(2))
            if not 1 <= month <= 12:
                raise InvalidInput("duty_sheets.bad_period", text=text)
            return _month_span(year, month)
        found = re.fullmatch(r"(\d{1,2})\s*月(?:份)?", text)
        if found:
            month = int(found.group(1))
            if not 1 <= month <= 12:
                raise InvalidInput("duty_sheets.bad_period", text=text)
            year = today.year
            if prefer_past and month > today.month:
                year -= 1
            elif not prefer_past and month < today.month:
                year += 1
            return _month_span(year, month)
        parts = [p for p in _RANGE_SPLIT.split(text) if p]
        if len(parts) != 2:
            raise InvalidInput("duty_sheets.bad_period", text=text)
        try:
            start, end = (user_date(p, now=self.clock.now(), tz=self.config.tz,
                                    allow_past=True) for p in parts)
        except InvalidInput:
            raise InvalidInput("duty_sheets.bad_period", text=text) from None
        if prefer_past and start > today and not any(_YEAR.search(p) for p in parts):
            start, end = self._year_before(start), self._year_before(end)
        if end < start:
            raise InvalidInput("duty_sheets.period_reversed", start=start.isoformat(),
                               end=end.isoformat())
        if (end - start).days >= MAX_PERIOD_DAYS:
            raise InvalidInput("duty_sheets.period_too_long", days=MAX_PERIOD_DAYS)
        return start, end

    @staticmethod
    def _year_before(day: date) -> date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:  # 2月29日
            return day.replace(year=day.year - 1, day=28)

    def period_label(self, lang: str, start: date, end: date) -> str:
        if start.day == 1 and (start.year, start.month) == (end.year, end.month) \
                and end.day == calendar.monthrange(end.year, end.month)[1]:
            return str(t(lang, "duty_sheets.period_month", year=start.year, month=start.month))
        return str(t(lang, "duty_sheets.period_range", start=start.isoformat(),
                     end=end.isoformat()))

    def _file_stem(self, start: date, end: date) -> str:
        if start.day == 1 and end == _month_span(start.year, start.month)[1]:
            return f"{start:%Y-%m}"
        return f"{start:%Y-%m-%d}_{end:%Y-%m-%d}"

    # --- export ---------------------------------------------------------------------------

    async def export(self, actor: Actor, text: str) -> SheetFile:
        """The roster of a period as the office's own sheet; it imports back as it is."""
        self.duty.require_roster_keeper(actor)
        start, end = self.period(text, prefer_past=False)
        shifts = await self.duty.shifts_between(start, end)
        if not shifts:
            raise NotFound("duty_sheets.export_empty", start=start.isoformat(),
                           end=end.isoformat())
        lang = actor.language
        with_notes = any(x.note for x in shifts)
        headers = str(t(lang, "duty_sheets.export_headers")).split("|")
        if with_notes:
            headers.append(str(t(lang, "duty_sheets.export_note_header")))
        by_day: dict[date, list[ShiftView]] = defaultdict(list)
        for shift in shifts:
            by_day[shift.day].append(shift)
        rows: list[list[Any]] = []
        merges: list[tuple[int, int, int]] = []
        for day in sorted(by_day):
            group = sorted(by_day[day], key=lambda x: (x.starts_at, KIND_ORDER[x.kind]))
            top = len(rows)
            for shift in group:
                row: list[Any] = [
                    shift.day, str(t(lang, f"weekday.{day.weekday()}")),
                    str(t(lang, f"duty_sheets.kind.{shift.kind}")),
                    shift.leader.name if shift.leader else "", shift.person.name,
                    shift.person.phone]
                if with_notes:
                    row.append(shift.note)
                rows.append(row)
            bottom = len(rows) - 1
            merges += [(top, bottom, 0), (top, bottom, 1)]
            if len({x.leader.id if x.leader else None for x in group}) == 1:
                merges.append((top, bottom, 3))
        title = str(t(lang, "duty_sheets.export_title",
                      period=self.period_label(lang, start, end)))
        duty = self.config.duty
        note = str(t(lang, "duty_sheets.export_note",
                     day=f"{duty.day.start:%H:%M}–{duty.day.end:%H:%M}",
                     night=f"{duty.night.start:%H:%M}–{duty.night.end:%H:%M}",
                     full=f"{duty.full.start:%H:%M}–{duty.full.end:%H:%M}"))
        content = write_table(title, headers, rows, note=note, merges=merges)
        name = str(t(lang, "duty_sheets.export_filename", period=self._file_stem(start, end)))
        return SheetFile(name, content, start, end, len(shifts))

    # --- the monthly attendance report ------------------------------------------------------

    async def report(self, actor: Actor, text: str) -> AttendanceReport:
        """Per person: shifts, signed in on time, late, missed (over with no sign-in)."""
        actor.require(Role.CLERK)
        start, end = self.period(text, prefer_past=True)
        now = self.clock.now()
        async with self.db.transaction() as s:
            rows = list(await s.scalars(
                select(Shift).where(Shift.status == ACTIVE, Shift.day >= start,
                                    Shift.day <= end).order_by(Shift.starts_at)))
            if not rows:
                raise NotFound("duty_sheets.report_empty", start=start.isoformat(),
                               end=end.isoformat())
            staff = {p.id: p for p in await s.scalars(
                select(Staff).where(Staff.id.in_({r.person_id for r in rows})))}
            people: dict[int, Attendance] = {}
            for row in rows:
                person = staff[row.person_id]
                entry = people.setdefault(person.id, Attendance(
                    person.id, person.name,
                    person.department.name if person.department else ""))
                entry.shifts += 1
                if row.signed_in_at is not None and row.sign_in_late:
                    entry.late += 1
                    entry.late_shifts.append(view(row))
                elif row.signed_in_at is not None:
                    entry.on_time += 1
                elif row.ends_at <= now:
                    entry.missed += 1
                    entry.missed_shifts.append(view(row))
                else:
                    entry.pending += 1
        ordered = sorted(people.values(), key=lambda p: p.person_id)
        return AttendanceReport(start, end, now, ordered,
                                self._report_sheet(actor.language, start, end, now, ordered))

    def shift_label(self, lang: str, shift: ShiftView) -> str:
        return str(t(lang, "duty_sheets.shift_short", month=shift.day.month, day=shift.day.day,
                     kind=ref(f"duty.kind.{shift.kind}")))

    def _report_sheet(self, lang: str, start: date, end: date, now: datetime,
                      people: list[Attendance]) -> SheetFile:
        sep = str(t(lang, "list.sep"))
        rows: list[list[Any]] = [
            [p.name, p.department, p.shifts, p.on_time, p.late, p.missed, p.pending,
             sep.join(self.shift_label(lang, x) for x in p.late_shifts),
             sep.join(self.shift_label(lang, x) for x in p.missed_shifts)]
            for p in people]
        rows.append([str(t(lang, "duty_sheets.report_total")), "",
                     *(sum(int(getattr(p, f)) for p in people)
                       for f in ("shifts", "on_time", "late", "missed", "pending")), "", ""])
        label = self.period_label(lang, start, end)
        content = write_table(
            str(t(lang, "duty_sheets.report_title", period=label)),
            str(t(lang, "duty_sheets.report_headers")).split("|"), rows,
            note=str(t(lang, "duty_sheets.report_note",
                       as_of=f"{now.astimezone(self.config.tz):%Y-%m-%d %H:%M}")))
        name = str(t(lang, "duty_sheets.report_filename", period=self._file_stem(start, end)))
        return SheetFile(name, content, start, end, sum(p.shifts for p in people))
