"""PTB persistence in our own database, so a restart or a deploy does not drop anyone's
half-finished dialogue.

What is kept (table ``persisted_state``, model ``storage.models.PersistedState``):

- the state of every persistent ``ConversationHandler`` (``persistent=True, name=...``), per
  conversation key;
- ``context.user_data`` and ``context.chat_data``.

``bot_data`` is not kept: it holds the live services. Neither is ``callback_data``: our
``callback_data`` strings are explicit and re-checked, so there is no cache to restore.

Rules for handler authors:

- Everything in ``user_data`` / ``chat_data`` must be JSON-safe and come back *equal*: dicts
  with ``str`` keys, lists, ``str``, ``int``, ``float``, ``bool``, ``None``. No datetimes (keep
  ISO strings), tuples or sets (they would come back as lists), ``int`` dict keys (they would
  come back as ``str``), no ORM objects (keep ids). A value that would not survive is refused
  with a ``TypeError`` (reported by the error handler) rather than silently changed.
- Conversation states must be JSON-safe too: ``int`` or ``str`` (``IntEnum`` / ``StrEnum``
  members work, they compare equal to what comes back).
- Keep drafts small: ids and typed-in text, not whole records.

When it is written: PTB hands over what changed every ``update_interval`` seconds and once more
when the application stops, then calls ``flush()``. A clean stop loses nothing; a crash loses
at most the last interval.

PTB does not re-arm ``conversation_timeout`` for conversations restored at start-up, so a
restored dialogue nobody answers would wait forever; conversations whose row is older than
``conversation_max_age`` are therefore dropped when they are loaded.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import BasePersistence, PersistenceInput

from storage.db import Database
from storage.models import PersistedState

log = logging.getLogger(__name__)

CONVERSATION = "conversation"
USER_DATA = "user_data"
CHAT_DATA = "chat_data"

# Idle runs cost nothing (PTB only hands over what was touched, and unchanged data is skipped
# here), so the interval can be short: it is what a crash, as opposed to a clean stop, loses.
DEFAULT_UPDATE_INTERVAL = 5.0
# Longer than any dialogue should take, short enough that nobody is dropped back into a form
# they started before yesterday's restart.
DEFAULT_CONVERSATION_MAX_AGE = timedelta(hours=1)

Data = dict[Any, Any]
ConversationKey = tuple[int | str, ...]
Row = tuple[str, str, str]  # (kind, name, key): the unique key of a PersistedState row


class _Drop:
    """Marks a row to delete in the pending batch (None could be mistaken for a value)."""


DROP = _Drop()


def encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"), ensure_ascii=False)


def decode_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))


def check_json_safe(value: object, what: str) -> None:
    """Refuse a value that would not come back equal after a restart."""
    try:
        back = json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} cannot be persisted: {exc}") from exc
    if back != value:
        raise TypeError(f"{what} would not come back unchanged after a restart "
                        "(tuples, sets, non-str dict keys?): keep it JSON-safe")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DbPersistence(BasePersistence[Data, Data, Data]):
    def __init__(
        self,
        db: Database,
        *,
        update_interval: float = DEFAULT_UPDATE_INTERVAL,
        conversation_max_age: timedelta | None = DEFAULT_CONVERSATION_MAX_AGE,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        self.conversation_max_age = conversation_max_age
        # Real time, not the services' clock: it is compared with PTB's conversation
        # timeouts, which run on the event loop's real seconds.
        self._now = now
        self._pending: dict[Row, Any] = {}
        # What the table holds for user_data / chat_data, so the untouched data of every user
        # who merely sent an update (PTB hands all of them over) is not rewritten each run.
        self._stored: dict[Row, Data] = {}
        self._write_lock = asyncio.Lock()

    # --- loading at start-up ----------------------------------------------------------------

    async def get_user_data(self) -> dict[int, Data]:
        return {int(key): data for key, data in (await self._load_dicts(USER_DATA)).items()}

    async def get_chat_data(self) -> dict[int, Data]:
        return {int(key): data for key, data in (await self._load_dicts(CHAT_DATA)).items()}

    async def get_bot_data(self) -> Data:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        async with self.db.transaction() as s:
            if self.conversation_max_age is not None:
                stale = await s.execute(delete(PersistedState).where(
                    PersistedState.kind == CONVERSATION, PersistedState.name == name,
                    PersistedState.updated_at < self._now() - self.conversation_max_age,
                ))
                dropped = stale.rowcount or 0  # type: ignore[attr-defined]
                if dropped:
                    log.info("dropped %d stale %r conversation(s) older than %s",
                             dropped, name, self.conversation_max_age)
            rows = await s.execute(select(PersistedState.key, PersistedState.data).where(
                PersistedState.kind == CONVERSATION, PersistedState.name == name))
            return {decode_key(key): data for key, data in rows}

    async def _load_dicts(self, kind: str) -> dict[str, Data]:
        async with self.db.transaction() as s:
            rows = (await s.execute(select(PersistedState.key, PersistedState.data).where(
                PersistedState.kind == kind, PersistedState.name == ""))).all()
        loaded = {key: data for key, data in rows}
        for key, data in loaded.items():
            self._stored[(kind, "", key)] = json.loads(json.dumps(data))  # a private copy
        return loaded

    # --- changes handed over by PTB ---------------------------------------------------------

    async def update_conversation(self, name: str, key: ConversationKey,
                                  new_state: object | None) -> None:
        row = (CONVERSATION, name, encode_key(key))
        if new_state is None:  # the conversation ended (or timed out)
            self._pending[row] = DROP
        else:
            check_json_safe(new_state, f"state of conversation {name!r}")
            # Written even when the state is unchanged: it refreshes updated_at, which tells
            # a restart how old the conversation is.
            self._pending[row] = new_state
        await self._write()

    async def update_user_data(self, user_id: int, data: Data) -> None:
        await self._update_dict(USER_DATA, user_id, data)

    async def update_chat_data(self, chat_id: int, data: Data) -> None:
        await self._update_dict(CHAT_DATA, chat_id, data)

    async def _update_dict(self, kind: str, ident: int, data: Data) -> None:
        row = (kind, "", str(ident))
        if not data:
            # An empty dict is the same as no row: most people never have any data.
            if self._stored.pop(row, None) is None:
                return
            self._pending[row] = DROP
        else:
            if self._stored.get(row) == data:
                return
            check_json_safe(data, f"{kind} of {ident}")
            self._stored[row] = data  # PTB passes a deep copy: ours to keep
            self._pending[row] = data
        await self._write()

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(USER_DATA, user_id)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop(CHAT_DATA, chat_id)

    async def _drop(self, kind: str, ident: int) -> None:
        row = (kind, "", str(ident))
        self._stored.pop(row, None)
        self._pending[row] = DROP
        await self._write()

    async def update_bot_data(self, data: Data) -> None:
        pass  # not stored: see store_data

    async def update_callback_data(self, data: Any) -> None:
        pass  # not stored: see store_data

    # One process owns its people's data and nothing else writes these rows, so there is
    # nothing newer in the table to refresh from.
    async def refresh_user_data(self, user_id: int, user_data: Data) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: Data) -> None:
        pass

    async def refresh_bot_data(self, bot_data: Data) -> None:
        pass

    async def flush(self) -> None:
        """Called by PTB on shutdown, after its last handover: write anything still pending
        (e.g. after a failed write). A failure here is logged, not raised, so the shutdown
        still completes and the database is closed."""
        try:
            await self._write()
        except Exception:
            log.exception("could not save %d conversation/user/chat entries on shutdown",
                          len(self._pending))

    # --- writing ----------------------------------------------------------------------------

    async def _write(self) -> None:
        """Write everything pending in one transaction.

        PTB runs all update_* calls of one handover concurrently; each stages its row and
        comes here. Yielding once first lets the siblings stage theirs, so the first caller
        writes the whole batch and the others find nothing left: one transaction per
        handover instead of one per row (which SQLite would serialise anyway).
        """
        await asyncio.sleep(0)
        async with self._write_lock:
            batch, self._pending = self._pending, {}
            if not batch:
                return
            try:
                async with self.db.transaction() as s:
                    await self._apply(s, batch)
            except BaseException:
                # Keep the batch for the next handover or flush(), unless a newer value for
                # the same row has been staged meanwhile.
                for row, value in batch.items():
                    self._pending.setdefault(row, value)
                raise

    async def _apply(self, s: AsyncSession, batch: dict[Row, Any]) -> None:
        now = self._now()
        # An upsert, so the row's unique key settles a race instead of raising; the two
        # databases we run on spell it the same way through their own dialect.
        insert = postgresql.insert if self.db.engine.dialect.name == "postgresql" else sqlite.insert
        for (kind, name, key), value in batch.items():
            if value is DROP:
                await s.execute(delete(PersistedState).where(
                    PersistedState.kind == kind, PersistedState.name == name,
                    PersistedState.key == key))
                continue
            stmt = insert(PersistedState).values(
                kind=kind, name=name, key=key, data=value, updated_at=now)
            await s.execute(stmt.on_conflict_do_update(
                index_elements=["kind", "name", "key"],
                set_={"data": stmt.excluded.data, "updated_at": stmt.excluded.updated_at},
            ))
