"""Conversations, user_data and chat_data kept in the database (bot/persistence.py): unit
round trips through a new instance, then the real bot restarting mid-conversation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Config
from bot.demo.seed import PERSONAS
from bot.persistence import DbPersistence
from bot.sandbox import Sandbox, Setup
from bot.services.container import Services
from handlers import account
from handlers.common import command_args, reply
from handlers.context import BotContext
from storage.db import Database
from storage.models import PersistedState
from tests.conftest import STAFF, START, STRANGER, texts

T0 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def rows(db: Database) -> list[PersistedState]:
    async with db.transaction() as s:
        return list(await s.scalars(select(PersistedState).order_by(PersistedState.id)))


# --- the persistence on its own, against a migrated SQLite database --------------------------


async def test_everything_comes_back_in_a_new_instance(services: Services) -> None:
    first = DbPersistence(services.db)
    await first.update_conversation("seal-request", (1006, 1006), 2)
    await first.update_conversation("seal-request", (1005, 1005), "reason")
    await first.update_conversation("meeting", (1006, 1006, "AgAAAEx1"), 1)
    await first.update_user_data(1006, {"draft": {"seal": "党委章", "copies": 2, "ok": True}})
    await first.update_chat_data(1006, {"page": 3, "ids": [4, 5]})
    await first.update_user_data(1005, {})  # nothing to keep, so no row either
    await first.flush()

    again = DbPersistence(services.db)  # what a restart does
    assert await again.get_conversations("seal-request") == {(1006, 1006): 2,
                                                             (1005, 1005): "reason"}
    assert await again.get_conversations("meeting") == {(1006, 1006, "AgAAAEx1"): 1}
    assert await again.get_conversations("nobody") == {}
    assert await again.get_user_data() == {
        1006: {"draft": {"seal": "党委章", "copies": 2, "ok": True}}}
    assert await again.get_chat_data() == {1006: {"page": 3, "ids": [4, 5]}}
    # bot_data holds the live services: never stored, never restored over them.
    assert again.store_data.bot_data is False and again.store_data.callback_data is False
    assert await again.get_bot_data() == {}
    assert await again.get_callback_data() is None
    assert len(await rows(services.db)) == 5


async def test_ended_emptied_and_dropped_entries_leave_no_row(services: Services) -> None:
    p = DbPersistence(services.db)
    await p.update_conversation("c", (1, 1), 1)
    await p.update_user_data(1, {"a": 1})
    await p.update_user_data(2, {"b": 1})
    await p.update_chat_data(3, {"c": 1})
    assert len(await rows(services.db)) == 4

    await p.update_conversation("c", (1, 1), None)  # PTB's word for "ended"
    await p.update_user_data(1, {})
    await p.drop_user_data(2)
    await p.drop_chat_data(3)
    await p.drop_chat_data(99)  # never stored: harmless
    assert await rows(services.db) == []
    again = DbPersistence(services.db)
    assert await again.get_conversations("c") == {}
    assert await again.get_user_data() == {} and await again.get_chat_data() == {}


async def test_unchanged_data_is_not_rewritten(services: Services) -> None:
    clock = Clock()
    p = DbPersistence(services.db, now=clock)
    await p.update_user_data(7, {"a": 1})
    clock.now += timedelta(minutes=5)
    await p.update_user_data(7, {"a": 1})  # PTB hands over everyone who sent an update
    [row] = await rows(services.db)
    assert row.updated_at == T0
    await p.update_user_data(7, {"a": 2})
    [row] = await rows(services.db)
    assert row.data == {"a": 2} and row.updated_at == clock.now

    # Loaded data counts as stored: a restart does not rewrite it either.
    again = DbPersistence(services.db, now=clock)
    await again.get_user_data()
    clock.now += timedelta(minutes=5)
    await again.update_user_data(7, {"a": 2})
    [row] = await rows(services.db)
    assert row.updated_at == T0 + timedelta(minutes=5)


@pytest.mark.parametrize("value", [
    {"when": datetime(2026, 11, 27, tzinfo=UTC)},  # keep an ISO string instead
    {"pair": (1, 2)},  # would come back as a list
    {5: "x"},  # would come back with the key "5"
    {"ids": {1, 2}},
])
async def test_data_that_would_not_survive_is_refused(services: Services, value: Any) -> None:
    p = DbPersistence(services.db)
    with pytest.raises(TypeError):
        await p.update_user_data(1, value)
    with pytest.raises(TypeError):
        await p.update_conversation("c", (1, 1), object())
    await p.update_chat_data(2, {"fine": [1, "二"]})  # the others still go through
    assert [r.kind for r in await rows(services.db)] == ["chat_data"]


async def test_stale_conversations_are_dropped_when_loaded(services: Services) -> None:
    clock = Clock()
    p = DbPersistence(services.db, now=clock, conversation_max_age=timedelta(hours=1))
    await p.update_conversation("c", (1, 1), 1)
    clock.now += timedelta(minutes=50)
    await p.update_conversation("c", (2, 2), 1)

    clock.now += timedelta(minutes=20)  # (1, 1) is 70 minutes old, (2, 2) 20
    again = DbPersistence(services.db, now=clock, conversation_max_age=timedelta(hours=1))
    assert await again.get_conversations("c") == {(2, 2): 1}
    assert [r.key for r in await rows(services.db)] == ["[2,2]"]

    clock.now += timedelta(days=30)
    forever = DbPersistence(services.db, now=clock, conversation_max_age=None)
    assert await forever.get_conversations("c") == {(2, 2): 1}


async def test_one_handover_is_one_transaction(services: Services,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    opened = 0
    real = services.db.transaction

    def counting() -> Any:
        nonlocal opened
        opened += 1
        return real()

    monkeypatch.setattr(services.db, "transaction", counting)
    p = DbPersistence(services.db)
    # What Application.update_persistence does: every change at once, gathered.
    await asyncio.gather(*(p.update_user_data(i, {"n": i}) for i in range(20)),
                         p.update_conversation("c", (1, 1), 1))
    assert opened == 1
    assert len(await rows(services.db)) == 21


async def test_a_failed_write_is_kept_for_the_next_one(services: Services,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    p = DbPersistence(services.db)
    real = p._apply

    async def broken(*args: Any) -> None:
        raise OSError("database went away")

    monkeypatch.setattr(p, "_apply", broken)
    with pytest.raises(OSError):
        await p.update_conversation("c", (1, 1), 1)
    monkeypatch.setattr(p, "_apply", real)
    await p.flush()  # PTB's last call on shutdown
    assert await DbPersistence(services.db).get_conversations("c") == {(1, 1): 1}


# --- the real bot on the emulator -----------------------------------------------------------

ASKED = 1


@dataclass
class ProbeConversation:
    timeout: float
    timed_out: asyncio.Event = field(default_factory=asyncio.Event)

    async def begin(self, update: Update, context: BotContext) -> int:
        assert context.user_data is not None
        # The draft lives in user_data, so it must be JSON-safe (see bot/persistence.py).
        context.user_data["topic"] = command_args(update) or "测试"
        await reply(update, context, f"【{context.user_data['topic']}】请问您的意见？")
        return ASKED

    async def answer(self, update: Update, context: BotContext) -> int:
        assert context.user_data is not None and update.effective_message is not None
        topic = context.user_data.pop("topic", "?")
        await reply(update, context, f"收到【{topic}】：{update.effective_message.text}")
        return ConversationHandler.END

    async def cancel(self, update: Update, context: BotContext) -> int:
        # Drop the draft, then the project's conversation /cancel, whose END closes it.
        assert context.user_data is not None
        context.user_data.pop("topic", None)
        return await account.cancel_conversation(update, context)

    async def expired(self, update: Update, context: BotContext) -> None:
        assert context.user_data is not None and update.effective_user is not None
        context.user_data.pop("topic", None)
        # This runs as a job, not an update, so PTB would not hand the changed user_data to
        # the persistence until the person writes again; mark it explicitly.
        context.application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
        await reply(update, context, "操作超时，已结束。")
        self.timed_out.set()

    def handler(self) -> ConversationHandler[BotContext]:
        return ConversationHandler(
            entry_points=[CommandHandler("testconv", self.begin)],
            states={
                ASKED: [MessageHandler(filters.TEXT & ~filters.COMMAND, self.answer)],
                ConversationHandler.TIMEOUT: [TypeHandler(Update, self.expired)],
            },
            fallbacks=[CommandHandler("cancel", self.cancel)],
            persistent=True,
            name="test-conv",
            conversation_timeout=self.timeout,
        )


def register(app: Application[Any, Any, Any, Any, Any, Any], conv: ProbeConversation) -> None:
    """Where a feature conversation belongs: group 0, ahead of everything else there.

    PTB runs the groups in order and, within a group, only the first handler that matches.
    Not in a group before -1: the access gate (group -1) would not have run yet, and strangers
    could talk to it. Not in group 1 or later: group 0's catch-alls (unknown command, unknown
    text) would answer every step first, so each message got two replies. In group 0 after
    the catch-alls it would never see a message; after the global /cancel (but before the
    catch-alls) /cancel would say "cancelled" and leave the conversation open. First in
    group 0, its states and its own /cancel win while it is open; otherwise only its entry
    point matches and everything else falls through to the usual handlers.
    """
    app.add_handler(conv.handler(), group=0)  # appends, and checks the app has a persistence
    group = app.handlers[0]
    group.insert(0, group.pop())


@pytest.fixture
def conv_timeout() -> float:
    return 60.0


@pytest.fixture
def conversation(conv_timeout: float) -> ProbeConversation:
    return ProbeConversation(timeout=conv_timeout)


@pytest.fixture
def sandbox_setup(conversation: ProbeConversation) -> Setup:
    """Every bot started in this module has the test conversation, registered the way feature
    modules register theirs: before initialize(), which is when PTB loads persisted states."""
    return lambda app: register(app, conversation)


async def state_rows(db: Database) -> list[tuple[str, str, Any]]:
    return sorted(((r.kind, r.key, r.data) for r in await rows(db)), key=lambda r: r[:2])


async def test_conversation_continues_after_a_restart(
    config: Config, sandbox: Sandbox, sandbox_setup: Setup
) -> None:
    replies = await sandbox.send(STAFF, "/testconv 周报")
    assert texts(replies) == "【周报】请问您的意见？"  # one reply: nothing else answered too

    await sandbox.stop()  # a clean stop hands everything to the persistence

    async with Sandbox(config, start=START, setup=sandbox_setup) as again:
        for persona in PERSONAS:
            again.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                               language_code="zh-hans")
        assert await state_rows(again.db) == [
            ("conversation", f"[{STAFF},{STAFF}]", ASKED),
            ("user_data", str(STAFF), {"topic": "周报"}),
        ]
        assert texts(await again.send(STAFF, "同意")) == "收到【周报】：同意"

        # Ended: the next text is ordinary chat again, and the rows go at the next handover.
        assert "/help" in texts(await again.send(STAFF, "同意"))
        await again.app.update_persistence()
        assert await state_rows(again.db) == []
    await sandbox.start()  # the fixture stops it again


async def test_cancel_ends_the_conversation(sandbox: Sandbox) -> None:
    await sandbox.send(STAFF, "/testconv")
    assert texts(await sandbox.send(STAFF, "/cancel")) == "已取消，未做任何修改。"
    replies = texts(await sandbox.send(STAFF, "同意"))
    assert "收到" not in replies and "/help" in replies
    await sandbox.app.update_persistence()
    assert await state_rows(sandbox.db) == []

    # Outside a conversation /cancel is still answered, once, by the global command.
    assert texts(await sandbox.send(STAFF, "/cancel")) == "当前没有进行中的操作。"


@pytest.mark.parametrize("conv_timeout", [0.3])
async def test_timeout_ends_the_conversation(sandbox: Sandbox,
                                             conversation: ProbeConversation) -> None:
    await sandbox.send(STAFF, "/testconv")
    await sandbox.app.update_persistence()
    assert [kind for kind, _, _ in await state_rows(sandbox.db)] == [
        "conversation", "user_data"]

    await asyncio.wait_for(conversation.timed_out.wait(), 10)
    assert sandbox.emu.bot_messages(STAFF)[-1]["text"] == "操作超时，已结束。"
    replies = texts(await sandbox.send(STAFF, "同意"))
    assert "收到" not in replies and "/help" in replies
    await sandbox.app.update_persistence()
    assert await state_rows(sandbox.db) == []


async def test_strangers_never_reach_the_conversation(sandbox: Sandbox) -> None:
    replies = await sandbox.send(STRANGER, "/testconv")
    assert len(replies) == 1 and "尚未登记" in replies[0]["text"]
    await sandbox.app.update_persistence()
    assert await state_rows(sandbox.db) == []
