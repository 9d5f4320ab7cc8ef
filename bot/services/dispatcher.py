"""Sends due outbox rows, once each, through the notifier.

A row is claimed (status 'sending') in one transaction, sent, then marked in another. Rows
claimed by a process that died are released after a lease, so a crash can at worst repeat
the one message that was in flight, never lose one.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.clock import Clock
from bot.config import Config
from bot.i18n import t
from bot.services import outbox
from bot.services.notifier import (
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


@dataclass
class DispatchReport:
    sent: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    dropped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


class Dispatcher:
    def __init__(self, db: Database, config: Config, clock: Clock, notifier: Notifier) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.notifier = notifier
        self.last_run: datetime | None = None  # when a pass last started or finished
        # Set when the bot is stopping: the pass ends after the batch in hand, so a long
        # backlog never holds up a shutdown (the rest waits in the outbox, as rows do).
        self.stopping = False

    async def dispatch_due(self) -> DispatchReport:
        now = self.clock.now()
        self.last_run = now
        report = DispatchReport()
        await self._release_stuck(now)
        # A pass ends after PASS_LIMIT of real time too: the next tick goes on with the
        # backlog, and the scheduler (and /healthz) sees the dispatcher come round.
        until = time.monotonic() + PASS_LIMIT
        while not self.stopping:
            token = uuid.uuid4().hex  # per claim: no two passes can mistake each other's rows
            ids = await self._claim(now, token)
            for row_id in ids:
                try:
                    await self._deliver(row_id, token, now, report)
                except Exception:
                    # One broken row must not hold up the rest of the batch; it stays claimed
                    # and comes back after the lease as a counted attempt.
                    log.exception("outbox: delivering notification %d failed", row_id)
                    report.failed.append(row_id)
            if len(ids) < self.config.outbox.batch_size or time.monotonic() > until:
                break
        self.last_run = self.clock.now()
        return report

    async def _release_stuck(self, now: datetime) -> None:
        """Rows whose sender died mid-send: try again, counting the lost try."""
        async with self.db.transaction() as s:
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

    async def _claim(self, now: datetime, token: str) -> list[int]:
        async with self.db.transaction() as s:
            query = (
                select(Notification.id)
                .where(Notification.status == outbox.PENDING, Notification.next_attempt_at <= now)
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(self.config.outbox.batch_size)
            )
            if not self.db.is_sqlite:
                # Two instances on one PostgreSQL never claim the same row.
                query = query.with_for_update(skip_locked=True)
            ids = list(await s.scalars(query))
            if ids:
                await s.execute(
                    update(Notification)
                    .where(Notification.id.in_(ids), Notification.status == outbox.PENDING)
                    .values(status=outbox.SENDING, claimed_at=now, claim_token=token)
                )
            mine = await s.scalars(
                select(Notification.id).where(
                    Notification.id.in_(ids), Notification.claim_token == token,
                    Notification.status == outbox.SENDING,
                )
            )
            return list(mine)

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
        async with self.db.transaction() as s:
            row = await s.get(Notification, row_id)
            if row is None or row.status != outbox.SENDING or row.claim_token != token:
                return
            person = await s.get(Staff, row.recipient_id)
            if person is None or not person.active or person.telegram_user_id is None:
                row.status = outbox.CANCELLED
                row.last_error = "recipient inactive or not registered"
                return
            if now - row.next_attempt_at > self.config.outbox.stale_after:
                row.status = outbox.DROPPED
                row.last_error = f"stale: due {row.next_attempt_at.isoformat()}"
                log.warning("outbox: dropped stale notification %s (%s)", row.key, row.last_error)
                report.dropped.append(row.id)
                return
            held_until = None if row.urgent else self._quiet_until(now)
            if held_until is not None:
                row.status = outbox.PENDING
                row.next_attempt_at = held_until
                row.claim_token = None
                report.held.append(row.id)
                return
            lang = person.language or self.config.language
            try:
                text = t(lang, row.template, **row.params)
                buttons = render_buttons(row.buttons, lang)
            except (KeyError, IndexError, ValueError) as exc:
                row.status = outbox.FAILED
                row.last_error = f"cannot render: {exc!r}"
                log.error("outbox: cannot render %s: %r", row.key, exc)
                report.failed.append(row.id)
                return
            chat_id = person.telegram_user_id

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

        async with self.db.transaction() as s:
            row = await s.get(Notification, row_id)
            assert row is not None
            row.claim_token = None
            if outcome == outbox.SENT:
                row.status = outbox.SENT
                row.sent_at = self.clock.now()
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
