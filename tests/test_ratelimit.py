"""The bot's rate limiter against the emulator enforcing Telegram's flood limits: bursts get no
429, one chat's messages are a second apart and in order, a 429 that comes anyway is waited
out. Real time: the limits are about wall-clock seconds (about 6 s in all)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram.error import RetryAfter
from telegram.ext import ExtBot

from bot.emulator import BotApiEmulator
from bot.emulator.ratelimit import CountingLimits
from bot.ratelimit import NoPacing, SlidingWindowRateLimiter, is_message

CHATS = range(2001, 2046)  # 45 people: more than the 30 a second the bot may write to


@pytest.fixture
async def limits() -> AsyncIterator[tuple[BotApiEmulator, CountingLimits]]:
    counting = CountingLimits()
    async with BotApiEmulator(rate_limits=counting) as emu:
        for chat in CHATS:
            emu.add_user(chat, f"用户{chat}")
        yield emu, counting


async def bot_for(emu: BotApiEmulator, limiter: SlidingWindowRateLimiter) -> ExtBot[int]:
    bot: ExtBot[int] = ExtBot(emu.token, base_url=emu.base_url, rate_limiter=limiter)
    await bot.initialize()
    return bot


async def test_a_burst_to_many_people_gets_no_429(
        limits: tuple[BotApiEmulator, CountingLimits]) -> None:
    emu, counting = limits
    limiter = SlidingWindowRateLimiter()
    bot = await bot_for(emu, limiter)
    try:
        started = time.monotonic()
        await asyncio.gather(*(bot.send_message(chat, "通知") for chat in CHATS))
        took = time.monotonic() - started
    finally:
        await bot.shutdown()
    assert counting.refused == 0 and limiter.retries == 0
    assert sorted(chat for _, chat in counting.accepted) == list(CHATS)
    # 45 messages at 30 a second: the last 15 wait for the window, not much longer.
    assert 1.0 <= took < 2.5
    assert counting.busiest_second() <= 30


async def test_one_chat_gets_a_message_a_second_in_order(
        limits: tuple[BotApiEmulator, CountingLimits]) -> None:
    emu, counting = limits
    chat = CHATS[0]
    bot = await bot_for(emu, SlidingWindowRateLimiter())
    try:
        # Asked for at once, as three handlers of one person's updates might.
        await asyncio.gather(*(bot.send_message(chat, f"第{n}条") for n in range(3)))
        # Meanwhile another chat is not held up by this one's waiting.
        started = time.monotonic()
        await bot.send_message(CHATS[1], "别人")
        assert time.monotonic() - started < 0.5
    finally:
        await bot.shutdown()
    assert counting.refused == 0
    assert [m["text"] for m in emu.bot_messages(chat)] == ["第0条", "第1条", "第2条"]
    gap = counting.closest_in_a_chat()
    assert gap is not None and gap >= 1.0


# PTB warns about its own RetryAfter.retry_after type change when building the exception.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_that_comes_anyway_is_waited_out_and_sent(
        limits: tuple[BotApiEmulator, CountingLimits]) -> None:
    emu, counting = limits
    # Budgets looser than the server's (another process on the same token would look so).
    limiter = SlidingWindowRateLimiter(private=5)
    bot = await bot_for(emu, limiter)
    try:
        await bot.send_message(CHATS[0], "一")
        await bot.send_message(CHATS[0], "二")
    finally:
        await bot.shutdown()
    assert counting.refused == 1 and limiter.retries == 1
    assert [m["text"] for m in emu.bot_messages(CHATS[0])] == ["一", "二"]


async def test_only_messages_are_paced(limits: tuple[BotApiEmulator, CountingLimits]) -> None:
    emu, _ = limits
    bot = await bot_for(emu, SlidingWindowRateLimiter())
    try:
        sent = await bot.send_message(CHATS[0], "原文")
        started = time.monotonic()
        await bot.send_chat_action(CHATS[0], "typing")
        await bot.edit_message_text("改过", chat_id=CHATS[0], message_id=sent.message_id)
        assert time.monotonic() - started < 0.5
    finally:
        await bot.shutdown()
    assert is_message("sendMessage") and is_message("copyMessage")
    assert not is_message("sendChatAction") and not is_message("editMessageText")


async def test_groups_have_a_budget_of_their_own() -> None:
    # Twenty a minute in a group, here twenty in half a second so the test is quick.
    limiter = SlidingWindowRateLimiter(group=20, group_period=0.5)
    sent: list[float] = []

    async def send() -> bool:
        sent.append(time.monotonic())
        return True

    for _ in range(20):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": -100}, None)
    # "-100" as text is the same group: its 21st message waits for the first to age out.
    await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": "-100"}, None)
    assert sent[20] - sent[0] >= 0.5
    assert sent[19] - sent[0] < 0.2  # the twenty before went at once


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_no_pacing_sends_at_once(limits: tuple[BotApiEmulator, CountingLimits]) -> None:
    emu, counting = limits
    bot: ExtBot[int] = ExtBot(emu.token, base_url=emu.base_url, rate_limiter=NoPacing())
    await bot.initialize()
    try:
        with pytest.raises(RetryAfter):  # the emulator's limits, met head on
            await asyncio.gather(*(bot.send_message(CHATS[0], str(n)) for n in range(2)))
    finally:
        await bot.shutdown()
    assert counting.refused == 1
