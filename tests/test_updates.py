"""The update processor: different chats at once, each chat's and each person's updates one
after the other in the order they came."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram import Update

from bot.updates import OrderedUpdateProcessor


def message(update_id: int, chat_id: int, user_id: int) -> Update:
    chat = {"id": chat_id, "type": "private" if chat_id == user_id else "group",
            "first_name" if chat_id == user_id else "title": "x"}
    update = Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": chat, "text": "hi",
        "from": {"id": user_id, "is_bot": False, "first_name": "u"}}}, None)
    assert update is not None
    return update


class Log:
    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []
        self.running = 0
        self.most = 0

    async def work(self, update_id: int, seconds: float) -> None:
        self.events.append(("start", update_id))
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(seconds)
        self.running -= 1
        self.events.append(("end", update_id))


async def run_all(processor: OrderedUpdateProcessor, log: Log,
                  items: list[tuple[Update, float]]) -> None:
    """As PTB does: one task per update, started in arrival order."""
    tasks: list[asyncio.Task[Any]] = []
    for update, seconds in items:
        tasks.append(asyncio.create_task(
            processor.process_update(update, log.work(update.update_id, seconds))))
    await asyncio.gather(*tasks)


def order_of(log: Log, kind: str) -> list[int]:
    return [uid for what, uid in log.events if what == kind]


async def test_one_chat_in_order_even_when_an_earlier_update_is_slower() -> None:
    log = Log()
    await run_all(OrderedUpdateProcessor(), log, [
        (message(1, 7, 7), 0.05), (message(2, 7, 7), 0.0), (message(3, 7, 7), 0.01)])
    assert log.events == [("start", 1), ("end", 1), ("start", 2), ("end", 2),
                          ("start", 3), ("end", 3)]


async def test_different_chats_run_at_once() -> None:
    log = Log()
    await run_all(OrderedUpdateProcessor(), log,
                  [(message(n, 100 + n, 100 + n), 0.05) for n in range(1, 21)])
    assert log.most == 20


async def test_a_persons_updates_keep_their_order_across_a_group_and_their_chat() -> None:
    log = Log()
    processor = OrderedUpdateProcessor()
    await run_all(processor, log, [
        (message(1, -500, 7), 0.05),   # person 7 in a group
        (message(2, 7, 7), 0.0),       # then in their private chat: waits for 1
        (message(3, -500, 8), 0.0),    # someone else in the group: waits for 1 (same chat)
        (message(4, 9, 9), 0.0),       # an unrelated chat: does not wait
    ])
    starts = order_of(log, "start")
    assert starts.index(4) < starts.index(2) and starts.index(4) < starts.index(3)
    position = {event: n for n, event in enumerate(log.events)}
    assert position[("end", 1)] < position[("start", 2)]
    assert position[("end", 1)] < position[("start", 3)]
    assert processor.in_flight == 0 and not processor._last
