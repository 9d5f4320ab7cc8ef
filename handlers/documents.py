"""Documents people send: one handler decides by the sheet's columns whether it is the staff
sheet (花名册, handlers/people.py) or the duty roster (handlers/duty_sheets.py).

Whether the sender may import it is checked by the service behind each (admins register
people, clerks keep the roster).
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.services.duty_sheets import COLUMNS as ROSTER_COLUMNS
from bot.services.duty_sheets import REQUIRED as ROSTER_REQUIRED
from bot.services.duty_sheets import looks_like_roster_sheet
from bot.services.errors import InvalidInput
from bot.services.sheets import MAX_SHEET_BYTES, read_table
from bot.services.staff_import import looks_like_staff_sheet
from handlers.common import FRESH, domain_errors
from handlers.context import BotContext
from handlers.duty_sheets import roster_sheet
from handlers.people import staff_sheet


def _unrecognised(content: bytes) -> InvalidInput:
    """Why a sheet is neither: its own fault (empty, not a workbook) if it has one, else the
    columns each kind of sheet needs."""
    try:
        read_table(content, ROSTER_COLUMNS, ROSTER_REQUIRED)
    except InvalidInput as exc:
        if exc.key != "sheet.missing_columns":
            return exc
    return InvalidInput("duty_sheets.unknown_sheet")


@domain_errors
async def document(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    sent = message.document
    name = sent.file_name or "sheet.xlsx"
    if not name.lower().endswith(".xlsx"):
        raise InvalidInput("sheet.not_xlsx")
    if (sent.file_size or 0) > MAX_SHEET_BYTES:
        raise InvalidInput("sheet.too_large", limit_mb=MAX_SHEET_BYTES // (1024 * 1024))
    content = bytes(await (await sent.get_file()).download_as_bytearray())
    # Parsing a workbook takes a while; other chats must not wait for it.
    if await asyncio.to_thread(looks_like_staff_sheet, content):
        # staff_sheet fetches the file itself; a second fetch of a sheet is cheap.
        await staff_sheet(update, context)
    elif await asyncio.to_thread(looks_like_roster_sheet, content):
        await roster_sheet(update, context, name, content)
    else:
        raise await asyncio.to_thread(_unrecognised, content)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(FRESH & filters.Document.ALL, document))
