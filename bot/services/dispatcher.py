"""Sends due outbox rows, once each, through the notifier.

A row is claimed (status 'sending') in one transaction, sent, then marked in another. Rows
claimed by a process that died are released after a lease, so a crash can at worst repeat
the one message that was in flight, never lose one. When the database goes away while the
process lives, the process remembers what it claimed: at the first pass after the database
returns, rows it never sent go back to pending (no try counted) and a row it sent but could
not mark is marked sent, so a database outage costs neither a duplicate nor a lost try.

Rows go out concurrently, one task per recipient: a person whose chat must wait out
Telegram's one message a second holds up nobody else. A person's own rows go one after
another in the order they were claimed (next_attempt_at, id); at most PER_PERSON of them are
in hand at once, and none of theirs is claimed while some are still going, so a person with
a long backlog fills no batch. More rows are claimed whenever less than a batch is in hand,
so the end of one batch leaves no gap. A row that must be tried again later (a retry, or a
row left claimed by an error) keeps the same person's later rows behind it: they are put
back, unclaimed, due just after it, so they do not overtake it in a later pass either. (A
row created for that person while the retry waits, due before it, can still go first: the
order kept is that of the rows the dispatcher has seen.) Rows held for quiet hours hold
nothing back: an urgent row after them goes at once, as it always has.
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

from sqlalchemy import select, update
from sqlalchemy.exc import (
    DataError,
    DBAPIError,
    IntegrityError,
    NotSupportedError,
    ProgrammingError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncSession

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
# At most this many of one person's rows are in hand at once, and nobody's further rows are
# claimed while they have rows in hand: at one message a second per chat, a person with a
# long backlog would otherwise fill every batch and hold up everyone due after them.
PER_PERSON = 5
# Due rows looked at per claim, so that a claim can pass over the rows of people whose
# earlier rows are still going and still fill a batch with others'.
LOOK_AHEAD = 4
# A row put back behind another is due this much after it, so (next_attempt_at, id) orders
# the two as they were sent to be, whatever their ids.
DEFER_STEP = timedelta(microseconds=1)


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
    # Put back unsent, because an earlier row of the same person must go first.
    deferred: list[int] = field(default_factory=list)


@dataclass
class _Pass:
    """What one dispatch pass keeps while its rows go out."""

    now: datetime
    report: DispatchReport
    # Recipients with a row still to come, and when it is due: their later rows in this pass
    # go back behind it, in the next batches too.
    behind: dict[int, datetime] = field(default_factory=dict)
    # Claimed rows not done yet, per recipient; set whenever one is done.
    holding: dict[int, int] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def in_hand(self) -> int:
        return sum(self.holding.values())

    def finished(self, recipient_id: int, rows: int = 1) -> None:
        self.holding[recipient_id] -= rows
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
                # The next rows are claimed as soon as less than a batch is in hand, not
                # when the last row is done: a person whose second row waits a second for
                # their chat then leaves nobody idle at the end of a batch.
                while state.in_hand >= batch_size:
                    await state.wait_for_one()
                if self.stopping or (watch and self.running is not None and not self.running()) \
                        or time.monotonic() > until:
                    break
                token = uuid.uuid4().hex  # per claim: no two passes mistake each other's rows
                # People with rows still going are passed over. Those with a row to be tried
                # later are not: their rows are claimed and put back behind it (_defer), so
                # they cannot overtake it in a later pass.
                passed_over = {r for r, n in state.holding.items() if n}
                try:
                    claimed, waiting = await self._claim(now, token, batch_size - state.in_hand,
                                                         passed_over)
                except Exception as exc:
                    # The rows in hand still finish (raising here would cancel their sends
                    # midway); then the scheduler's tick sees the error and backs off.
                    lost = exc
                    break
                by_person: dict[int, list[int]] = {}
                for row_id, recipient_id in claimed:
                    by_person.setdefault(recipient_id, []).append(row_id)
                for recipient_id, row_ids in by_person.items():
                    state.holding[recipient_id] = len(row_ids)
                    group.create_task(self._deliver_in_order(recipient_id, row_ids, token, state))
                if not waiting:
                    break  # nothing more is due (the pass's `now` does not move)
                if not state.in_hand:
                    # The people passed over finished while the claim waited for its turn
                    # at the database: claim again, now without them passed over.
                    continue
                # More is due: rows beyond this claim, or passed over because their person's
                # earlier rows are still going. Claim again once a row is done.
                await state.wait_for_one()
        if lost is not None:
            raise lost
        self.last_run = self.clock.now()
        return report

    async def _deliver_in_order(self, recipient_id: int, row_ids: list[int], token: str,
                                state: _Pass) -> None:
        """One person's claimed rows, one after another (nobody's further rows are claimed
        while these go). Never raises: a failure here must not cancel the other recipients'
        tasks."""
        async with self._send_slots:
            for index, row_id in enumerate(row_ids):
                first_due = state.behind.get(recipient_id)
                if first_due is not None:
                    rest = row_ids[index:]
                    state.behind[recipient_id] = await self._defer(
                        rest, token, first_due, state.report)
                    state.finished(recipient_id, len(rest))
                    return
                try:
                    again_at = await self._deliver(row_id, token, state.now, state.report)
                except Exception as exc:
                    # One broken row must not hold up the rest of the batch; it stays claimed
                    # and comes back after the lease as a counted attempt, so this person's
                    # later rows wait until then. With the database gone, it is settled at
                    # the next pass instead (_settle), and the later rows wait only for that.
                    log.exception("outbox: delivering notification %d failed", row_id)
                    state.report.failed.append(row_id)
                    again_at = state.now if database_lost(exc) else state.now + CLAIM_LEASE
                if again_at is not None:
                    state.behind[recipient_id] = again_at
                state.finished(recipient_id)

    async def _defer(self, row_ids: list[int], token: str, after: datetime,
                     report: DispatchReport) -> datetime:
        """Give the claimed rows back, due one after another just after `after`; returns
        when the last of them is due."""
        deferred: list[int] = []
        try:
            async with self._unit() as s:
                rows = {row.id: row for row in await s.scalars(select(Notification).where(
                    Notification.id.in_(row_ids), Notification.claim_token == token,
                    Notification.status == outbox.SENDING))}
                for row_id in row_ids:  # in the batch's order
                    row = rows.get(row_id)
                    if row is None:
                        continue
                    after = max(row.next_attempt_at, after + DEFER_STEP)
                    row.next_attempt_at = after
                    row.status = outbox.PENDING
                    row.claim_token = None
                    deferred.append(row.id)
        except Exception as exc:
            # Left claimed, they come back after the lease (or, with the database gone, at
            # the next pass: _settle), still behind the earlier row, due before them.
            log.exception("outbox: could not put back notifications %s", row_ids)
            if database_lost(exc):
                self._unsent.update(dict.fromkeys(row_ids, token))
            report.failed.extend(row_ids)
            return after
        report.deferred.extend(deferred)
        return after

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
        if not self._unsent and not self._unmarked:
            return
        async with self._unit() as s:
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

    async def _claim(self, now: datetime, token: str, room: int, passed_over: set[int]
                     ) -> tuple[list[tuple[int, int]], bool]:
        """Claim up to `room` due rows: (row id, recipient id) in the order they are to go,
        at most PER_PERSON of one person's, none of the people in `passed_over` (rows of
        theirs are still going). Also says whether more is due than was claimed."""
        async with self._unit() as s:
            query = (
                select(Notification.id, Notification.recipient_id)
                .where(Notification.status == outbox.PENDING, Notification.next_attempt_at <= now)
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(room * LOOK_AHEAD)
            )
            if not self.db.is_sqlite:
                # Two instances on one PostgreSQL never claim the same row.
                query = query.with_for_update(skip_locked=True)
            candidates = (await s.execute(query)).all()
            ids: list[int] = []
            taken: dict[int, int] = {}
            waiting = len(candidates) == room * LOOK_AHEAD  # perhaps more beyond the look
            for row_id, recipient_id in candidates:
                if recipient_id in passed_over or taken.get(recipient_id, 0) >= PER_PERSON:
                    passed_over.add(recipient_id)  # and all their later rows
                    waiting = True
                    continue
                if len(ids) == room:
                    waiting = True
                    break
                ids.append(row_id)
                taken[recipient_id] = taken.get(recipient_id, 0) + 1
            if not ids:
                return [], waiting
            await s.execute(
                update(Notification)
                .where(Notification.id.in_(ids), Notification.status == outbox.PENDING)
                .values(status=outbox.SENDING, claimed_at=now, claim_token=token)
            )
            mine = await s.execute(
                select(Notification.id, Notification.recipient_id).where(
                    Notification.id.in_(ids), Notification.claim_token == token,
                    Notification.status == outbox.SENDING,
                ).order_by(Notification.next_attempt_at, Notification.id)
            )
            return [(row_id, recipient_id) for row_id, recipient_id in mine], waiting

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
                       report: DispatchReport) -> datetime | None:
        """Send one claimed row and mark it; returns when it is due again if it is to be
        tried again, for the same person's later rows must not overtake it."""
        try:
            prepared = await self._prepare(row_id, token, now, report)
        except Exception as exc:
            if database_lost(exc):
                self._unsent[row_id] = token
            raise
        if prepared is None:
            return None
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
            return await self._mark(row_id, now, report, outcome, error, retry_after,
                                    message_id, sent_at)
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
                    sent_at: datetime) -> datetime | None:
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
                    return row.next_attempt_at
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
        return None
