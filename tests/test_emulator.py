"""The Bot API emulator, exercised by a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.emulator import BotApiEmulator, Event
from bot.emulator.formatting import parse_html

USER = 1001
FIXED_NOW = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    text = html.escape(update.effective_message.text)
    await update.effective_message.reply_text(f"你说：<b>{text}</b>", parse_mode=ParseMode.HTML)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("批准", callback_data="approve:1")]])
    args = " ".join(context.args or [])
    await update.effective_message.reply_text(f"请审批 {args}", reply_markup=keyboard)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer(f"收到 {query.data}", show_alert=True)
    await query.edit_message_text("已批准 ✅")


async def echo_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    data = await (await message.document.get_file()).download_as_bytearray()
    await message.reply_document(bytes(data), filename=f"echo-{message.document.file_name}")


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(token="123456:TEST", now=lambda: FIXED_NOW)
    await emulator.start()
    emulator.add_user(USER, "张三", username="zhangsan", language_code="zh-hans")
    yield emulator
    await emulator.stop()


@pytest.fixture
async def app(emu: BotApiEmulator) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = (
        ApplicationBuilder()
        .token(emu.token)
        .base_url(emu.base_url)
        .base_file_url(emu.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.Document.ALL, echo_document))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=1)
        yield application
        await application.updater.stop()
        await application.stop()


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    """A bare Bot for calling methods directly, without an Application polling."""
    async with Bot(emu.token, base_url=emu.base_url, base_file_url=emu.base_file_url) as raw:
        yield raw


@pytest.mark.usefixtures("app")
async def test_echo_arrives_as_plain_text_with_entities(emu: BotApiEmulator) -> None:
    emu.send_text(USER, "a < b & <i>")
    reply = await emu.wait_for_bot_message(USER)

    assert reply["text"] == "你说：a < b & <i>"
    assert reply["entities"] == [{"offset": 3, "length": 11, "type": "bold"}]
    assert reply["from"]["username"] == "officebot_demo_bot"
    assert reply["date"] == int(FIXED_NOW.timestamp())
    assert [m["text"] for m in emu.messages(USER)] == ["a < b & <i>", "你说：a < b & <i>"]


@pytest.mark.usefixtures("app")
async def test_button_press_answers_and_edits(emu: BotApiEmulator) -> None:
    events: list[Event] = []
    emu.subscribe(events.append)
    emu.send_text(USER, "/start 第3号")
    prompt = await emu.wait_for_bot_message(USER)
    assert prompt["text"] == "请审批 第3号"
    with pytest.raises(LookupError, match=r"available: \['批准'\]"):
        emu.press_button(USER, "驳回")

    update_id = emu.press_button(USER, "批准")
    answer = await emu.wait_for_answer(update_id)
    assert answer == {
        "callback_query_id": answer["callback_query_id"],
        "user_id": USER,
        "text": "收到 approve:1",
        "show_alert": True,
    }
    await emu.wait_for(lambda: any(e["type"] == "edit" for e in events))
    edited = emu.message(USER, prompt["message_id"])
    assert edited is not None
    assert edited["text"] == "已批准 ✅"
    assert "reply_markup" not in edited  # editing without a markup drops the keyboard
    assert "edit_date" in edited
    assert [e["type"] for e in events] == ["user_message", "message", "callback_answer", "edit"]
    with pytest.raises(LookupError):
        emu.press_button(USER, "批准")  # the keyboard went away with the edit


@pytest.mark.usefixtures("app")
async def test_document_round_trip(emu: BotApiEmulator) -> None:
    data = bytes(range(256)) * 64
    emu.send_document(USER, "roster.xlsx", data)
    reply = await emu.wait_for_bot_message(USER)

    document = reply["document"]
    assert document["file_name"] == "echo-roster.xlsx"
    assert document["file_size"] == len(data)
    assert document["mime_type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert emu.file_bytes(document["file_id"]) == data


async def test_send_errors_match_telegram(emu: BotApiEmulator, bot: Bot) -> None:
    # PTB strips "Bad Request: " and re-capitalises Telegram's descriptions, hence (?i).
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(USER, "1 < 2", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await bot.send_message(USER, "<b>bold", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(USER, "长" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(USER, "  ")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(4242, "hi")
    assert (await bot.send_message(USER, "长" * 4096)).text == "长" * 4096

    emu.block(USER)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "还在吗？")
    assert len(emu.bot_messages(USER)) == 1


async def test_commands_are_recorded_per_language_and_scope(emu: BotApiEmulator, bot: Bot) -> None:
    await bot.set_my_commands([("start", "开始"), ("duty", "值班")], language_code="zh")
    await bot.set_my_commands([("start", "Start")])

    assert emu.commands[("default", "zh")] == [
        {"command": "start", "description": "开始"},
        {"command": "duty", "description": "值班"},
    ]
    assert emu.commands[("default", "")] == [{"command": "start", "description": "Start"}]
    assert [c.command for c in await bot.get_my_commands(language_code="zh")] == ["start", "duty"]
    await bot.delete_my_commands(language_code="zh")
    assert ("default", "zh") not in emu.commands


async def test_wrong_token_and_unknown_method(emu: BotApiEmulator, bot: Bot) -> None:
    request = HTTPXRequest()
    stranger = Bot("999:WRONG", base_url=emu.base_url, request=request)
    try:
        with pytest.raises(InvalidToken):
            await stranger.initialize()
    finally:
        await request.shutdown()  # a failed initialize() leaves the client open
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    emu: BotApiEmulator, bot: Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=8))
    # Send only once the poll is parked in the server, so the test measures the wake-up.
    await emu.wait_for(lambda: emu.is_polling)
    started = time.monotonic()
    update_id = emu.send_text(USER, "/start")

    updates = await asyncio.wait_for(poll, timeout=8)
    assert time.monotonic() - started < 4
    assert [u.update_id for u in updates] == [update_id]
    assert updates[0].message is not None and updates[0].message.text == "/start"
    assert emu.delivered(update_id)
    entity = updates[0].message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)

    # Confirming the offset forgets the update.
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    assert emu.pending_update_count == 0


async def test_forged_callback_and_location(emu: BotApiEmulator, bot: Bot) -> None:
    sent = await bot.send_message(USER, "打卡")
    forged = emu.press_callback(USER, sent.message_id, "seal:approve:1")
    located = emu.share_location(USER, 31.23, 121.47, forwarded=True)

    updates = {u.update_id: u for u in await bot.get_updates(timeout=0)}
    query = updates[forged].callback_query
    assert query is not None and query.data == "seal:approve:1"
    assert query.from_user.id == USER
    location_message = updates[located].message
    assert location_message is not None and location_message.location is not None
    assert location_message.location.latitude == pytest.approx(31.23)
    assert location_message.forward_origin is not None

    await bot.answer_callback_query(query.id, text="无权限")
    assert emu.answer_for(forged) == {
        "callback_query_id": query.id,
        "user_id": USER,
        "text": "无权限",
        "show_alert": False,
    }
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query.id)  # Telegram takes one answer per query


# PTB warns about its own RetryAfter.retry_after type change when building the exception.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_rate_limit_answers_retry_after() -> None:
    async with BotApiEmulator(rate_limits=True) as emulator:
        emulator.add_user(USER, "张三")
        async with Bot(emulator.token, base_url=emulator.base_url) as bot:
            await bot.send_message(USER, "一")
            with pytest.raises(RetryAfter):
                await bot.send_message(USER, "二")


def test_html_entities_count_utf16_units() -> None:
    parsed = parse_html('😀 <b>粗</b> <a href="https://x.cn/?a=1&amp;b=2">链接</a> &lt;3')
    assert parsed.text == "😀 粗 链接 <3"
    assert parsed.entities == [
        {"offset": 3, "length": 1, "type": "bold"},
        {"offset": 5, "length": 2, "type": "text_link", "url": "https://x.cn/?a=1&b=2"},
    ]
