"""Sends due outbox rows, once each, through the notifier.

A row is claimed (status 'sending') in one transaction, sent, then marked in another. Rows
claimed by a process that died are released after a lease, so a crash can at worst repeat
the one message that was in flight, never lose one. When the database goes away while the
process lives, the process remembers what it claimed: at the first pass after the database
returns, rows it never sent go back to pending (no try counted) and a row it sent but could
not mark is marked sent, so a database outage costs neither a duplicate nor a lost try.

Rows go out concurrently, one task per recipient, and a person's rows strictly in order
(due_at, id), one at a time, in this process and across two instances on one database. The
claim itself keeps the order: a row is claimed only when nothing of the same person comes
before it that is still to go — no row of theirs is being sent, and no earlier row is due
or waiting to be tried again (a retry). So a person whose chat must wait out Telegram's one
message a second holds up nobody else, a person's backlog goes one row per claim, and a
retried row keeps their later rows behind it until it has gone (or failed for good). More
rows are claimed whenever a row is done or less than a batch is in hand, so the end of one
batch leaves no gap. Rows held for quiet hours hold nothing back: an urgent row after them
goes at once, as it always has.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    NotSupportedError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.config import Config
from bot.i18n import t
from bot.services import outbox
from bot.services.notifier import (
    Buttons,
    DeliveryFailed,
    DeliveryForbidden,
    DeliveryRetry,
    Notifier,
    render_buttons,
)
from bot.services.people import mark_unreachable
from storage.db import Database
from storage.models import Notification, Staff

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
PASS_LIMIT = 20.0  # seconds of real time one dispatch pass may take
# Recipients served at once. A batch holds at most outbox.batch_size of them anyway; this
# bounds a large configured batch too. Each waits mostly on the network and the limiter.
SEND_SLOTS = 50
# The dispatcher's own transactions at once, whatever the number of recipients under way:
# they are short, on SQLite they take the write lock one at a time anyway (BEGIN
# IMMEDIATE), and the rest of the connection pool (5 + 10 overflow) stays for the handlers.
DB_SLOTS = 4


def database_lost(exc: BaseException) -> bool:
    """The database could not be reached (as opposed to a statement it refused): the same
    statement will work once it is back. Refusals are the DBAPI's integrity, programming,
    data and not-supported errors; everything else from the driver — a connection reset, a
    connection that could not be opened (asyncpg's come as plain DBAPIError) — is a loss, and
    so is waiting too long: for a statement or a connection (`database.timeout_seconds`,
    raised as TimeoutError) or for a free connection from the pool (SQLAlchemy's own)."""
    if isinstance(exc, OSError | TimeoutError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or not isinstance(
        exc, IntegrityError | ProgrammingError | DataError | NotSupportedError))


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


@dataclass
class _Pass:
    """What one dispatch pass keeps while its rows go out."""

    now: datetime
    report: DispatchReport
    in_hand: int = 0  # claimed rows not done yet
    done: asyncio.Event = field(default_factory=asyncio.Event)  # set whenever one is done

    def finished(self) -> None:
        self.in_hand -= 1
        self.done.set()

    async def wait_for_one(self) -> None:
        """Until another claimed row is done."""
        self.done.clear()
        await self.done.wait()


class Dispatcher:
    def __init__(self, db: Database, config: Config, clock: Clock, notifier: Notifier) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.notifier = notifier
        self.last_run: datetime | None = None  # when a pass last started or finished
        # Set when the bot is stopping: the pass claims nothing more and ends when the rows
        # in hand are done (at most a batch), so a long backlog never holds up a shutdown
        # (the rest waits in the outbox). The webhook server sets it; `running` (the
        # Application's, wired in bot/app.py) does the same for polling, whose stop has no
        # hook before it waits for the running tick: a pass that began while the bot ran
        # ends as soon as it no longer does.
        self.stopping = False
        self.running: Callable[[], bool] | None = None
        self._send_slots = asyncio.Semaphore(SEND_SLOTS)
        self._db_slots = asyncio.Semaphore(DB_SLOTS)
        # Claimed by this process when the database went: never sent (row id → claim
        # token), and sent but not marked (row id → token, message id, sent at). Settled at
        # the start of the next pass (see _settle).
        self._unsent: dict[int, str] = {}
        self._unmarked: dict[int, tuple[str, int | None, datetime]] = {}
        # Claims whose answer was lost with the database (it may have committed): their
        # rows, if claimed, are still ours to give back.
        self._lost_claims: set[str] = set()

    async def dispatch_due(self) -> DispatchReport:
        now = self.clock.now()
        self.last_run = now
        report = DispatchReport()
        await self._settle()
        await self._release_stuck(now)
        # A pass ends after PASS_LIMIT of real time too: the next tick goes on with the
        # backlog, and the scheduler (and /healthz) sees the dispatcher come round.
        until = time.monotonic() + PASS_LIMIT
        batch_size = self.config.outbox.batch_size
        state = _Pass(now, report)
        watch = self.running is not None and self.running()
        lost: Exception | None = None
        async with asyncio.TaskGroup() as group:
            while True:
                while state.in_hand >= batch_size:
                    await state.wait_for_one()
                if self.stopping or (watch and self.running is not None and not self.running()) \
                        or time.monotonic() > until:
                    break
                token = uuid.uuid4().hex  # per claim: no two passes mistake each other's rows
                # A row done while the claim runs may free that person's next row: seen here.
                state.done.clear()
                room = batch_size - state.in_hand
                try:
                    claimed = await self._claim(now, token, room)
                except Exception as exc:
                    # The rows in hand still finish (raising here would cancel their sends
                    # midway); then the scheduler's tick sees the error and backs off.
                    if database_lost(exc):
                        self._lost_claims.add(token)
                    lost = exc
                    break
                for row_id in claimed:
                    state.in_hand += 1
                    group.create_task(self._deliver_one(row_id, token, state))
                if len(claimed) == room:
                    continue  # the batch is full: claim more as soon as one is done
                if not claimed and not state.in_hand and not state.done.is_set():
                    break  # nothing to go now, nothing going (the pass's `now` does not move)
                # The rows now in hand, when done, may free their person's next row.
                if not state.done.is_set():
                    await state.done.wait()
        if lost is not None:
            raise lost
        self.last_run = self.clock.now()
        return report

    async def _deliver_one(self, row_id: int, token: str, state: _Pass) -> None:
        """Never raises: a failure here must not cancel the other recipients' tasks."""
        async with self._send_slots:
            try:
                await self._deliver(row_id, token, state.now, state.report)
            except Exception:
                # The row stays claimed, and so its person's later rows wait: it comes back
                # after the lease as a counted try, or, with the database gone, at the next
                # pass (_settle), uncounted.
                log.exception("outbox: delivering notification %d failed", row_id)
                state.report.failed.append(row_id)
            finally:
                state.finished()

    @asynccontextmanager
    async def _unit(self) -> AsyncIterator[AsyncSession]:
        async with self._db_slots, self.db.transaction() as s:
            yield s

    async def _settle(self) -> None:
        """What this process claimed when the database went, now that it answers again:
        never sent → pending again, no try counted, due as before (so it still goes before
        the same person's later rows); sent but not marked → marked sent. A row meanwhile
        released after its lease (claim token gone) is left as it is. If the database is
        still away this raises, the tick backs off, and nothing is forgotten."""
        if not self._unsent and not self._unmarked and not self._lost_claims:
            return
        async with self._unit() as s:
            if self._lost_claims:
                await s.execute(
                    update(Notification).where(Notification.status == outbox.SENDING,
                                               Notification.claim_token.in_(self._lost_claims))
                    .values(status=outbox.PENDING, claim_token=None)
                    .execution_options(synchronize_session=False))
            rows = await s.scalars(select(Notification).where(
                Notification.id.in_(set(self._unsent) | set(self._unmarked)),
                Notification.status == outbox.SENDING))
            for row in rows:
                if row.id in self._unmarked:
                    token, message_id, sent_at = self._unmarked[row.id]
                    if row.claim_token == token:
                        row.status, row.sent_at, row.message_id = outbox.SENT, sent_at, message_id
                        row.claim_token = None
                elif row.claim_token == self._unsent[row.id]:
                    row.status, row.claim_token = outbox.PENDING, None
        log.info("outbox: after the database returned, %d unsent rows released and %d sent "
                 "rows marked", len(self._unsent), len(self._unmarked))
        self._unsent.clear()
        self._unmarked.clear()
        self._lost_claims.clear()

    async def _release_stuck(self, now: datetime) -> None:
        """Rows whose sender died mid-send: try again, counting the lost try."""
        async with self._unit() as s:
            stuck = await s.scalars(select(Notification).where(
                Notification.status == outbox.SENDING,
                Notification.claimed_at < now - CLAIM_LEASE,
            ))
            for row in stuck:
                row.attempts += 1
                row.claim_token = None
                row.last_error = "claim expired (sender stopped mid-send)"
                row.status = (outbox.FAILED if row.attempts >= self.config.outbox.max_attempts
                              else outbox.PENDING)

    async def _claim(self, now: datetime, token: str, room: int) -> list[int]:
        """Claim up to `room` due rows, at most one of each person's: the one that is next
        in their order, if nothing of theirs before it is still to go."""
        before = aliased(Notification)
        earlier = or_(before.due_at < Notification.due_at,
                      and_(before.due_at == Notification.due_at, before.id < Notification.id))
        held_up = exists().where(
            before.recipient_id == Notification.recipient_id, before.id != Notification.id,
            or_(before.status == outbox.SENDING,
                and_(before.status == outbox.PENDING, earlier,
                     # due now, or waiting to be tried again (a row held for quiet hours
                     # waits with no try counted, and holds nothing back)
                     or_(before.next_attempt_at <= now, before.attempts > 0))))
        query = (
            select(Notification.id)
            .where(Notification.status == outbox.PENDING, Notification.next_attempt_at <= now,
                   ~held_up)
            .order_by(Notification.next_attempt_at, Notification.id)
            .limit(room)
        )
        if not self.db.is_sqlite:
            # Two instances never claim the same row; a row locked by another transaction
            # (and so its person's later rows) waits for the next claim.
            query = query.with_for_update(skip_locked=True, of=Notification)
        async with self._unit() as s:
            ids = list(await s.scalars(query))
            if ids:
                await s.execute(
                    update(Notification).where(Notification.id.in_(ids))
                    .values(status=outbox.SENDING, claimed_at=now, claim_token=token)
                    .execution_options(synchronize_session=False))
            return ids

    def _quiet_until(self, now: datetime) -> datetime | None:
        quiet = self.config.quiet_hours
        if quiet is None:
            return None
        local = now.astimezone(self.config.tz)
        if not quiet.contains(local.time()):
            return None
        end = local.replace(hour=quiet.end.hour, minute=quiet.end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end

    async def _deliver(self, row_id: int, token: str, now: datetime,
                       report: DispatchReport) -> None:
        """Send one claimed row and mark it."""
        try:
            prepared = await self._prepare(row_id, token, now, report)
        except Exception as exc:
            if database_lost(exc):
                self._unsent[row_id] = token
            raise
        if prepared is None:
            return
        chat_id, text, buttons = prepared

        # The network call happens outside any transaction: a slow Telegram never holds a lock.
        outcome: str
        message_id: int | None = None
        error = ""
        retry_after: float | None = None
        try:
            message_id = await self.notifier.send(chat_id, text, buttons)
            outcome = outbox.SENT
        except DeliveryForbidden as exc:
            outcome, error = "forbidden", str(exc)
        except DeliveryRetry as exc:
            outcome, error, retry_after = "retry", str(exc), exc.retry_after
        except DeliveryFailed as exc:
            outcome, error = outbox.FAILED, str(exc)
        except Exception as exc:  # an error nobody mapped: retry with backoff, and say so
            log.exception("outbox: unexpected error sending %d", row_id)
            outcome, error = "retry", f"unexpected: {exc!r}"
        sent_at = self.clock.now()
        try:
            await self._mark(row_id, now, report, outcome, error, retry_after, message_id,
                             sent_at)
        except Exception as exc:
            if database_lost(exc):
                if outcome == outbox.SENT:
                    self._unmarked[row_id] = (token, message_id, sent_at)
                else:  # its try failed anyway: it goes again, the outage not counted
                    self._unsent[row_id] = token
            raise

    async def _prepare(self, row_id: int, token: str, now: datetime, report: DispatchReport
                       ) -> tuple[int, str, Buttons] | None:
        """Read a claimed row and render it: (chat, text, buttons), or None if it is not to
        be sent now (and then it is settled here)."""
        async with self._unit() as s:
            row = await s.get(Notification, row_id)
            if row is None or row.status != outbox.SENDING or row.claim_token != token:
                return None
            person = await s.get(Staff, row.recipient_id)
            if person is None or not person.active or person.telegram_user_id is None:
                row.status = outbox.CANCELLED
                row.last_error = "recipient inactive or not registered"
                return None
            if now - row.next_attempt_at > self.config.outbox.stale_after:
                row.status = outbox.DROPPED
                row.last_error = f"stale: due {row.next_attempt_at.isoformat()}"
                log.warning("outbox: dropped stale notification %s (%s)", row.key, row.last_error)
                report.dropped.append(row.id)
                return None
            held_until = None if row.urgent else self._quiet_until(now)
            if held_until is not None:
                row.status = outbox.PENDING
                row.next_attempt_at = held_until
                row.claim_token = None
                report.held.append(row.id)
                return None
            lang = person.language or self.config.language
            try:
                text = t(lang, row.template, **row.params)
                buttons = render_buttons(row.buttons, lang)
            except (KeyError, IndexError, ValueError) as exc:
                row.status = outbox.FAILED
                row.last_error = f"cannot render: {exc!r}"
                log.error("outbox: cannot render %s: %r", row.key, exc)
                report.failed.append(row.id)
                return None
            return person.telegram_user_id, text, buttons

    async def _mark(self, row_id: int, now: datetime, report: DispatchReport, outcome: str,
                    error: str, retry_after: float | None, message_id: int | None,
                    sent_at: datetime) -> None:
        async with self._unit() as s:
            row = await s.get(Notification, row_id)
            assert row is not None
            row.claim_token = None
            if outcome == outbox.SENT:
                row.status = outbox.SENT
                row.sent_at = sent_at
                row.message_id = message_id
                report.sent.append(row.id)
            elif outcome == "retry":
                row.attempts += 1
                row.last_error = error
                if row.attempts >= self.config.outbox.max_attempts:
                    row.status = outbox.FAILED
                    log.error("outbox: giving up on %s after %d tries: %s",
                              row.key, row.attempts, error)
                    report.failed.append(row.id)
                else:
                    backoff = min(self.config.outbox.retry_base * 2 ** (row.attempts - 1),
                                  MAX_BACKOFF)
                    if retry_after:
                        backoff = max(backoff, timedelta(seconds=retry_after))
                    row.status = outbox.PENDING
                    row.next_attempt_at = now + backoff
                    report.retried.append(row.id)
            elif outcome == "forbidden":
                row.status = outbox.FAILED
                row.last_error = error
                report.failed.append(row.id)
                person = await s.get(Staff, row.recipient_id)
                if person is not None:
                    await mark_unreachable(s, person, now)
            else:
                row.status = outbox.FAILED
                row.last_error = error
                log.error("outbox: Telegram refused %s: %s", row.key, error)
                report.failed.append(row.id)
