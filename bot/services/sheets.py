"""Reading office Excel sheets as they really arrive: a title row above the header, merged
cells over several rows, Chinese or English headers, a notes line under the table; writing
them back in the same layout; and the upload a sheet waits in for its sender's confirmation."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.access import Actor
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from storage.models import SheetUpload

MAX_SHEET_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: a small file can unpack to gigabytes. Real office sheets stay far below.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
HEADER_SEARCH_ROWS = 10
NOTE_PREFIX = re.compile(r"^(注|备注|说明|附注|值班要求|要求|note|notes|remark)", re.IGNORECASE)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number the clerk sees in Excel
    values: dict[str, Any]


@dataclass(frozen=True)
class Sheet:
    title: list[str]  # the text above the header row (e.g. "××镇2026年元旦假期值班安排表")
    rows: list[SheetRow]


def _norm(header: object) -> str:
    return re.sub(r"[\s\u3000*＊:：()（）]", "", str(header or "")).lower()


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # phone numbers typed as numbers
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


async def read_table_async(content: bytes, columns: dict[str, tuple[str, ...]],
                           required: set[str]) -> list[SheetRow]:
    """read_table off the event loop: parsing a big sheet must not stall every other chat."""
    return await asyncio.to_thread(read_table, content, columns, required)


async def read_sheet_async(content: bytes, columns: dict[str, tuple[str, ...]],
                           required: set[str]) -> Sheet:
    return await asyncio.to_thread(read_sheet, content, columns, required)


def read_table(content: bytes, columns: dict[str, tuple[str, ...]],
               required: set[str]) -> list[SheetRow]:
    """Rows of the first sheet as {field: value}, merged cells filled in.

    `columns` maps each field to the header names it may have (zh and en). Raises
    InvalidInput for a file that is not .xlsx, an empty sheet or missing columns.
    """
    return read_sheet(content, columns, required).rows


def read_sheet(content: bytes, columns: dict[str, tuple[str, ...]],
               required: set[str]) -> Sheet:
    """read_table, with the title lines above the header (a roster's year is often only
    there: "2026年元旦假期值班安排表" over dates written "1月1日")."""
    if not content:
        raise InvalidInput("sheet.empty")
    if len(content) > MAX_SHEET_BYTES:
        raise InvalidInput("sheet.too_large", limit_mb=MAX_SHEET_BYTES // (1024 * 1024))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidInput("sheet.not_xlsx") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise InvalidInput("sheet.too_large", limit_mb=MAX_SHEET_BYTES // (1024 * 1024))
    try:
        workbook = load_workbook(io.BytesIO(content), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidInput("sheet.not_xlsx") from exc
    sheet = workbook.worksheets[0]
    grid: list[list[Any]] = [list(row) for row in sheet.iter_rows(values_only=True)]
    if not any(cell_text(v) for row in grid for v in row):
        raise InvalidInput("sheet.empty")
    for merged in sheet.merged_cells.ranges:
        top = grid[merged.min_row - 1][merged.min_col - 1]
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                if r - 1 < len(grid) and c - 1 < len(grid[r - 1]):
                    grid[r - 1][c - 1] = top

    aliases = {_norm(a): field for field, names in columns.items() for a in (field, *names)}
    header_index: int | None = None
    mapping: dict[int, str] = {}
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = {i: aliases[_norm(v)] for i, v in enumerate(row) if _norm(v) in aliases}
        if required <= set(found.values()):
            header_index, mapping = index, found
            break
    if header_index is None:
        wanted = " / ".join(columns[f][0] for f in sorted(required))
        raise InvalidInput("sheet.missing_columns", columns=wanted)

    rows: list[SheetRow] = []
    for offset, row in enumerate(grid[header_index + 1:], start=header_index + 2):
        texts = [cell_text(v) for v in row]
        filled = [t for t in texts if t]
        if not filled:
            continue
        if len(filled) == 1 and (NOTE_PREFIX.match(filled[0]) or len(filled[0]) > 20):
            continue  # the notes line offices put under a table
        values: dict[str, Any] = {}
        for i, field in mapping.items():
            raw = row[i] if i < len(row) else None
            values[field] = raw if isinstance(raw, datetime | date) else cell_text(raw)
        rows.append(SheetRow(number=offset, values=values))
    if not rows:
        raise InvalidInput("sheet.empty")
    # A merged title fills every cell it spans: each text once.
    title = [" ".join(dict.fromkeys(filter(None, (cell_text(v) for v in row))))
             for row in grid[:header_index]]
    return Sheet(title=[line for line in title if line], rows=rows)


def write_table(title: str, headers: list[str], rows: list[list[Any]],
                note: str = "", merges: Sequence[tuple[int, int, int]] = ()) -> bytes:
    """An .xlsx in the office's own layout: title row, header row, the rows, a notes line.

    `merges` are (first row, last row, column), 0-based within `rows`: one cell over several
    rows, as offices merge a date over its day and night shifts; the top value is kept.
    """
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    # Excel's rules for a sheet's name: at most 31 characters, none of / \ ? * : [ ].
    sheet.title = re.sub(r"[/\\?*:\[\]]", "-", title)[:31] or "Sheet1"
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(headers)))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    first_data_row = 3
    for top, bottom, column in merges:
        if bottom <= top:
            continue
        sheet.merge_cells(start_row=first_data_row + top, start_column=column + 1,
                          end_row=first_data_row + bottom, end_column=column + 1)
        sheet.cell(row=first_data_row + top, column=column + 1).alignment = \
            Alignment(vertical="center", horizontal="center")
    if note:
        sheet.append([])
        sheet.append([note])
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1])) for r in rows if index <= len(r)])
        sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = \
            min(60, 4 + width * 1.6)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def pending_upload(s: AsyncSession, actor: Actor, kind: str, upload_id: int, *,
                         not_yours: str = "import.not_yours") -> SheetUpload:
    """The uploader's own sheet, still waiting for their decision; anything else is refused."""
    upload = await s.get(SheetUpload, upload_id)
    if upload is None or upload.kind != kind:
        raise NotFound("import.gone")
    if upload.uploader_id != actor.id:
        raise PermissionDenied(not_yours)
    if upload.status != "pending":
        raise Conflict("import.already_done")
    return upload


async def claim_upload(s: AsyncSession, upload_id: int, status: str, now: datetime) -> None:
    """Decide a pending upload with a conditional UPDATE, so a double press is applied once
    even when both presses are processed at the same moment."""
    claimed = await s.execute(
        update(SheetUpload)
        .where(SheetUpload.id == upload_id, SheetUpload.status == "pending")
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("import.already_done")
