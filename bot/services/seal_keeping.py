"""The keeper's side of seals (印章保管): the stamping record (用印登记), the take-out (外带:
hand-over and return), the reminders around them, and the ledger (用印登记簿).

The office's rule — no seal used without registration and approval — holds by construction:
the only writes of a ledger row are `stamp` and `handover` (`record_return` fills in the
hand-over's row), and each of them, in one transaction, re-reads the request row
(populate_existing), checks that the presser keeps that seal (SealKeeper), that the
request's own status allows the step AND that the approvals engine says the request is
approved, and then moves the request on with an UPDATE conditional on its status — so two
presses at once write once, and a press on a pending, rejected, withdrawn, voided or already
stamped request writes nothing. Ledger numbers are taken under a lock of the year's book
(see `_write_ledger`). The seal's own row is claimed
the same way for a take-out (UPDATE ... WHERE out_request_id IS NULL): a seal already out
cannot be handed over a second time. A take-out's ledger row is written at the hand-over
(dated then), so a seal that never comes back is in the book, shown 未归还 until
`record_return` fills in the copies actually stamped.

An approved request that will not be used after all is voided (作废) by its applicant, a
keeper of its seal or an admin, with a reason (`void`): closed, its keeper cards edited, its
reminders stopped. The reason and who gave it are in the audit row (seal.void).

Outbox keys (see bot/services/seals.py for the core's):
  seal:<id>:return:remind              the borrower, return_remind_before the return time
  seal:<id>:return:overdue:<staff>     the borrower and the keeper, at the return time
  seal:<id>:chase:<day>:<staff>        each working day at seals.chase_at while not back
  seal:<id>:unstamped:<day>:<keeper>   at the end of each working day while not stamped
                                       (nor handed over; urgent for an urgent request)
  sealnote:<id>:<n>:<staff>            the applicant's notices (numbered as in the core)
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy import text as sql
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, short_time
from bot.config import Config
from bot.i18n import ref, t
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.approvals import APPROVED as APPROVAL_APPROVED
from bot.services.approvals import ApprovalService, ApprovalState
from bot.services.audit import history
from bot.services.calendar import HolidayCalendar
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.seals import (
    APPROVED,
    DIGITS,
    KIND,
    OUT,
    PENDING,
    STAMPED,
    VOIDED,
    RequestView,
    SealService,
    one_line,
)
from bot.services.sheets import write_table
from bot.services.sweeps import Sweep
from bot.services.when import user_time
from storage.db import Database
from storage.models import (
    Department,
    Seal,
    SealKeeper,
    SealLedgerEntry,
    SealRequest,
    Staff,
)

STAMP, HANDOVER, RETURN = "stamp", "handover", "return"
ACTIONS = (STAMP, HANDOVER, RETURN)
REASON_LIMIT = 200
# "2026-11", "2026/11", "2026.11", "2026年11月"; "11月" is this year's.
MONTH = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
MONTH_ONLY = re.compile(r"^(\d{1,2})\s*月$")
YEAR = re.compile(r"\d{4}")
PHOTO_ID_LIMIT = 300
# The advisory lock of one year's ledger on PostgreSQL: this constant * 10000 + the year.
LEDGER_LOCK = zlib.crc32(b"seal_ledger")


@dataclass(frozen=True)
class QueueItem:
    request: RequestView
    action: str  # stamp | handover | return: what the keeper records next
    mine: bool  # the asker keeps this seal, so may record it (admins see every seal)
    overdue: bool  # a take-out past its return time
    approved_at: datetime | None
    handed_at: datetime | None


@dataclass(frozen=True)
class KeepOutcome:
    """What one record did, for the handler: the request now, the line each keeper card shows
    under its text, the delivered keeper cards (and unstamped reminders) to edit, and the
    buttons those cards keep (the return button after a hand-over, none otherwise)."""

    request: RequestView
    line: dict[str, object]
    cards: tuple[outbox.SentCard, ...]
    buttons: list[list[dict[str, Any]]]
    serial: str  # the ledger number ("2026-3"), when a ledger row was written


@dataclass(frozen=True)
class RecordOutcome(KeepOutcome):
    """A stamping or a return recorded: with when the record says the seal was used, or
    came back (typed by the keeper, or the moment of the record)."""

    at: datetime


@dataclass(frozen=True)
class LedgerRow:
    year: int
    serial: int
    used_at: datetime
    title: str
    doc_type: str
    purpose: str
    copies: int
    applicant: str
    approvers: str
    keeper: str
    seal: str
    department: str
    takeout_place: str
    takeout: bool = False
    returned_at: datetime | None = None  # a take-out's return; None while it is out

    @property
    def out(self) -> bool:
        """A take-out not back yet: its copies are not known."""
        return self.takeout and self.returned_at is None


@dataclass(frozen=True)
class Ledger:
    year: int
    month: int
    seal_id: int | None
    seal: str
    department_id: int | None
    department: str
    rows: tuple[LedgerRow, ...]

    @property
    def code(self) -> str:
        """The callback form of the query: <yyyymm>:<seal id or 0>:<department id or 0>."""
        return f"{self.year:04d}{self.month:02d}:{self.seal_id or 0}:{self.department_id or 0}"


@dataclass(frozen=True)
class LedgerFile:
    file_name: str
    content: bytes
    count: int


class SealKeepingService:
    def __init__(self, db: Database, config: Config, clock: Clock, approvals: ApprovalService,
                 seals: SealService, calendar: HolidayCalendar) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.approvals = approvals
        self.seals = seals
        self.calendar = calendar

    def sweeps(self) -> list[Sweep]:
        return [Sweep("seal-return-chase", self.config.seals.chase_at, self.chase_returns),
                Sweep("seal-unstamped", self.config.tasks.workday_end, self.remind_unstamped)]

    # --- who may record -------------------------------------------------------------------

    @staticmethod
    async def _keeps(s: AsyncSession, staff_id: int, seal_id: int) -> bool:
        found = await s.scalar(select(SealKeeper.id).where(
            SealKeeper.seal_id == seal_id, SealKeeper.staff_id == staff_id))
        return found is not None

    async def _load(self, s: AsyncSession, actor: Actor, request_id: int,
                    action: str) -> tuple[SealRequest, ApprovalState]:
        """The request, if the actor keeps its seal and the step `action` fits its state
        now — both its own status and the approval's. Raises before anything is written."""
        if action not in ACTIONS:
            raise ValueError(action)
        # Read fresh: the identity map may hold the row as it was before another press.
        request = await s.get(SealRequest, request_id, populate_existing=True,
                              with_for_update={"of": SealRequest})
        if request is None:
            raise NotFound("seal.unknown_request")
        # The keeper first: a forged press by anyone else learns nothing of the request.
        if not await self._keeps(s, actor.id, request.seal_id):
            raise PermissionDenied("seal_keeping.not_keeper", seal=request.seal.name)
        state = await self.approvals.for_subject(s, KIND, request.id)
        status, tz = request.status, self.config.tz
        if status == STAMPED:
            keeper = await s.get(Staff, request.keeper_id) if request.keeper_id else None
            raise Conflict("seal_keeping.already_stamped", id=request.id,
                           name=keeper.name if keeper else "—",
                           at=short_time(request.returned_at or request.stamped_at, tz))
        if status == OUT and action != RETURN:
            keeper = await s.get(Staff, request.keeper_id) if request.keeper_id else None
            raise Conflict("seal_keeping.already_out", id=request.id,
                           name=keeper.name if keeper else "—",
                           at=short_time(request.handed_at, tz))
        if status == VOIDED:
            raise Conflict("seal_keeping.voided", **await self._voided(s, request))
        if status == APPROVED and action == RETURN:
            raise Conflict("seal_keeping.not_out", id=request.id)
        if status not in (APPROVED, OUT):
            raise Conflict("seal_keeping.not_approved", id=request.id,
                           state=ref(f"seal.status.{status}"))
        if state is None or state.status != APPROVAL_APPROVED:
            # The two records disagree: the approval is what the rule is about.
            raise Conflict("seal_keeping.not_approved", id=request.id,
                           state=ref(f"approvals.status.{state.status if state else PENDING}"))
        if action == STAMP and request.takeout:
            raise InvalidInput("seal_keeping.takeout_use_handover", id=request.id)
        if action == HANDOVER and not request.takeout:
            raise InvalidInput("seal_keeping.not_takeout", id=request.id)
        if action == HANDOVER and request.return_due is not None \
                and request.return_due <= self.clock.now():
            # Approved for a time that is over: a new request says when it comes back now.
            raise InvalidInput("seal_keeping.return_passed", id=request.id,
                               back=short_time(request.return_due, tz))
        return request, state

    async def _voided(self, s: AsyncSession, request: SealRequest) -> dict[str, Any]:
        """Who voided the request, when and why (from its audit row)."""
        entry = next((e for e in reversed(await history(s, "seal_request", request.id))
                      if e.action == "seal.void"), None)
        who = await s.get(Staff, entry.actor_id) if entry and entry.actor_id else None
        reason = (entry.after or {}).get("reason", "") if entry else ""
        return {"id": request.id, "name": who.name if who else "—",
                "at": short_time(request.closed_at, self.config.tz), "reason": reason or "—"}

    async def _seal_out_elsewhere(self, s: AsyncSession, request: SealRequest,
                                  key: str, *, lock: bool = False) -> Seal:
        """The seal's row, fresh; refused if it is out on another request. Locked (on
        PostgreSQL) before a record that depends on it: a hand-over of another request at
        the same moment waits, then reads the seal as out."""
        seal = await s.get(Seal, request.seal_id, populate_existing=True,
                           with_for_update={"of": Seal} if lock else None)
        assert seal is not None
        if seal.out_request_id is not None and seal.out_request_id != request.id:
            out = await s.get(SealRequest, seal.out_request_id)
            raise Conflict(key, seal=seal.name, borrower=out.applicant.name if out else "—",
                           back=short_time(out.return_due if out else None, self.config.tz))
        return seal

    async def check(self, actor: Actor, request_id: int, action: str) -> RequestView:
        """Refuse now what the record would refuse: a stale or foreign button, before any
        question is asked."""
        async with self.db.transaction() as s:
            request, _ = await self._load(s, actor, request_id, action)
            if action != RETURN:
                await self._seal_out_elsewhere(
                    s, request, "seal_keeping.second_takeout" if action == HANDOVER
                    else "seal_keeping.seal_out")
            return await self.seals.view(s, request)

    async def current(self, actor: Actor, request_id: int) -> KeepOutcome | None:
        """What the keeper cards of a request should show now (None while nothing is
        recorded), to redraw a stale card. Only for the seal's keepers."""
        async with self.db.transaction() as s:
            request = await s.get(SealRequest, request_id, populate_existing=True)
            if request is None:
                raise NotFound("seal.unknown_request")
            if not await self._keeps(s, actor.id, request.seal_id):
                raise PermissionDenied("seal_keeping.not_keeper", seal=request.seal.name)
            keeper = await s.get(Staff, request.keeper_id) if request.keeper_id else None
            name = keeper.name if keeper else "—"
            view = await self.seals.view(s, request)
            cards = tuple(await self._cards(s, request.id))
            entry = await s.scalar(select(SealLedgerEntry).where(
                SealLedgerEntry.request_id == request.id))
            serial = f"{entry.year}-{entry.serial}" if entry else "—"
            if request.status == VOIDED:
                line = ref("seal_keeping.line.voided", **await self._voided(s, request))
                return KeepOutcome(view, line, cards, [], "")
            tz = self.config.tz
            if request.status == OUT:
                line = ref("seal_keeping.line.handed", name=name,
                           at=short_time(request.handed_at, tz), borrower=view.applicant,
                           back=short_time(request.return_due, tz), serial=serial)
                return KeepOutcome(view, line, cards, self.return_buttons(view), serial)
            if request.status != STAMPED:
                return None
            if request.takeout:
                line = ref("seal_keeping.line.returned", name=name,
                           at=short_time(request.returned_at, tz),
                           stamped=request.stamped_copies or 0, serial=serial)
            else:
                line = ref("seal_keeping.line.stamped", name=name,
                           at=short_time(request.stamped_at, tz),
                           stamped=request.stamped_copies or 0, serial=serial)
            return KeepOutcome(view, line, cards, [], serial)

    # --- what the keeper types ------------------------------------------------------------

    def parse_copies(self, text: str, approved: int) -> int:
        """Copies actually stamped: a whole number from 1 to the approved number."""
        match = DIGITS.match(str(text))
        if match is None or int(match.group(1)) < 1:
            raise InvalidInput("seal_keeping.copies_invalid", copies=approved)
        return self._check_copies(int(match.group(1)), approved)

    @staticmethod
    def _check_copies(copies: int, approved: int) -> int:
        if isinstance(copies, bool) or not isinstance(copies, int) or copies < 1:
            raise InvalidInput("seal_keeping.copies_invalid", copies=approved)
        if copies > approved:
            raise InvalidInput("seal_keeping.copies_too_many", copies=approved)
        return copies

    def parse_time(self, text: str) -> datetime:
        """When it was stamped (or returned), as typed: "10:30", "今天上午10点". A time with
        no day is today's; the checks against now and the approval are in `_check_time`."""
        now = self.clock.now()
        try:
            parsed = user_time(text, now=now, tz=self.config.tz, allow_past=True)
        except InvalidInput as exc:
            raise InvalidInput("seal_keeping.time_unparsed", text=text) from exc
        if not parsed.has_time:
            raise InvalidInput("seal_keeping.time_unparsed", text=text)
        when = parsed.when
        # The parser reads "11月27日" as the coming one; a record is of something past, so a
        # day written without its year is the latest one that has been.
        if when > now + timedelta(days=1) and not YEAR.search(text):
            earlier = when.astimezone(self.config.tz)
            try:
                earlier = earlier.replace(year=earlier.year - 1)
            except ValueError:  # 2月29日
                return when
            if earlier <= now:
                return earlier.astimezone(when.tzinfo)
        return when

    async def check_time(self, actor: Actor, request_id: int, action: str,
                         text: str | None) -> datetime | None:
        """The typed time of a stamping or a return, checked now against the request, so a
        wrong one is asked again at once (None: now). `stamp`/`record_return` check again."""
        if text is None:
            return None
        when = self.parse_time(text)
        async with self.db.transaction() as s:
            request, _ = await self._load(s, actor, request_id, action)
            if action == RETURN:
                return self._check_time(when, self.clock.now(), request.handed_at,
                                        "seal_keeping.time_before_handover")
            return self._check_time(when, self.clock.now(), request.approved_at,
                                    "seal_keeping.time_before_approval")

    def _check_time(self, when: datetime, now: datetime, earliest: datetime | None,
                    key: str) -> datetime:
        tz = self.config.tz
        if when > now:
            raise InvalidInput("seal_keeping.time_future", at=short_time(when, tz))
        # Typed times have whole minutes; the approval has seconds.
        if earliest is not None and when < earliest.replace(second=0, microsecond=0):
            raise InvalidInput(key, at=short_time(when, tz), earliest=short_time(earliest, tz))
        return when

    @staticmethod
    def _photo(photo_id: str | None) -> str | None:
        photo = (photo_id or "").strip()
        if len(photo) > PHOTO_ID_LIMIT:
            raise InvalidInput("seal_keeping.photo_invalid")
        return photo or None

    # --- the records ----------------------------------------------------------------------

    async def stamp(self, actor: Actor, request_id: int, copies: int,
                    at: datetime | None = None, photo_id: str | None = None) -> RecordOutcome:
        """The document of an approved request is stamped in the office: the request is
        closed as stamped and its ledger row written."""
        now = self.clock.now()
        photo = self._photo(photo_id)
        async with self.db.transaction() as s:
            request, state = await self._load(s, actor, request_id, STAMP)
            await self._seal_out_elsewhere(s, request, "seal_keeping.seal_out", lock=True)
            copies = self._check_copies(copies, request.copies)
            used_at = self._check_time(at or now, now, request.approved_at,
                                       "seal_keeping.time_before_approval")
            await self._claim(s, request, APPROVED, status=STAMPED, stamped_at=used_at,
                              stamped_copies=copies, stamp_photo_id=photo,
                              keeper_id=actor.id, closed_at=now)
            entry = await self._write_ledger(s, request, state, used_at, actor.name, now)
            await outbox.cancel_prefix(s, f"seal:{request.id}:unstamped:")
            audit.record(s, at=now, actor_id=actor.id, action="seal.stamp",
                         entity="seal_request", entity_id=request.id,
                         before={"status": APPROVED},
                         after={"status": STAMPED, "copies": copies,
                                "at": used_at.isoformat(), "photo": bool(photo),
                                "ledger": f"{entry.year}-{entry.serial}"})
            view = await self.seals.view(s, request)
            at_local = short_time(used_at, self.config.tz)
            await self.seals.tell(s, view, "seal_keeping.note_stamped", [view.applicant_id], now,
                                  keeper=actor.name, at=at_local, stamped=copies,
                                  serial=f"{entry.year}-{entry.serial}")
            line = ref("seal_keeping.line.stamped", name=actor.name, at=at_local,
                       stamped=copies, serial=f"{entry.year}-{entry.serial}")
            return RecordOutcome(view, line, tuple(await self._cards(s, request.id)), [],
                                 f"{entry.year}-{entry.serial}", used_at)

    async def handover(self, actor: Actor, request_id: int) -> KeepOutcome:
        """The seal leaves the office with the borrower (外带): it shows as out until the
        return is recorded, and the borrower is reminded and then chased. The ledger row is
        written now, dated now: a seal that never comes back is in the book."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            request, state = await self._load(s, actor, request_id, HANDOVER)
            seal = await self._seal_out_elsewhere(s, request, "seal_keeping.second_takeout",
                                                  lock=True)
            if seal.out_request_id == request.id:  # cannot happen while status is approved
                raise Conflict("seal_keeping.stale")
            taken = await s.execute(
                update(Seal).where(Seal.id == seal.id, Seal.out_request_id.is_(None))
                .values(out_request_id=request.id, updated_at=now)
                .execution_options(synchronize_session=False))
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                # Another hand-over of this seal got in first: say which, as for a seal
                # that was already out.
                await self._seal_out_elsewhere(s, request, "seal_keeping.second_takeout")
                raise Conflict("seal_keeping.stale")
            await self._claim(s, request, APPROVED, status=OUT, handed_at=now,
                              keeper_id=actor.id)
            await s.refresh(seal)
            entry = await self._write_ledger(s, request, state, now, actor.name, now)
            serial = f"{entry.year}-{entry.serial}"
            await outbox.cancel_prefix(s, f"seal:{request.id}:unstamped:")
            audit.record(s, at=now, actor_id=actor.id, action="seal.handover",
                         entity="seal_request", entity_id=request.id,
                         before={"status": APPROVED},
                         after={"status": OUT, "seal": seal.id,
                                "return_due": request.return_due.isoformat()
                                if request.return_due else None, "ledger": serial})
            view = await self.seals.view(s, request)
            at_local = short_time(now, self.config.tz)
            back = short_time(request.return_due, self.config.tz)
            await self.seals.tell(s, view, "seal_keeping.note_handed", [view.applicant_id], now,
                                  keeper=actor.name, at=at_local, back=back)
            await self._schedule_return(s, request, view, actor.id, now)
            line = ref("seal_keeping.line.handed", name=actor.name, at=at_local,
                       borrower=view.applicant, back=back, serial=serial)
            return KeepOutcome(view, line, tuple(await self._cards(s, request.id)),
                               self.return_buttons(view), serial)

    async def record_return(self, actor: Actor, request_id: int, copies: int,
                            at: datetime | None = None,
                            photo_id: str | None = None) -> RecordOutcome:
        """The seal is back: the request is closed as stamped, the seal is in again, the
        reminders stop, and the ledger row of the hand-over gets the copies stamped."""
        now = self.clock.now()
        photo = self._photo(photo_id)
        async with self.db.transaction() as s:
            request, state = await self._load(s, actor, request_id, RETURN)
            copies = self._check_copies(copies, request.copies)
            returned_at = self._check_time(at or now, now, request.handed_at,
                                           "seal_keeping.time_before_handover")
            handed_by = await s.get(Staff, request.keeper_id) if request.keeper_id else None
            await self._claim(s, request, OUT, status=STAMPED, returned_at=returned_at,
                              stamped_at=returned_at, stamped_copies=copies,
                              stamp_photo_id=photo, closed_at=now)
            await s.execute(
                update(Seal).where(Seal.id == request.seal_id,
                                   Seal.out_request_id == request.id)
                .values(out_request_id=None, updated_at=now)
                .execution_options(synchronize_session=False))
            names = "、".join(dict.fromkeys(
                [handed_by.name if handed_by else actor.name, actor.name]))
            entry = await s.scalar(select(SealLedgerEntry).where(
                SealLedgerEntry.request_id == request.id))
            if entry is None:  # handed over before hand-overs wrote their row
                entry = await self._write_ledger(s, request, state,
                                                 request.handed_at or returned_at, names, now)
            entry.copies, entry.keeper, entry.photo_id = copies, names, photo
            await s.flush()
            await outbox.cancel_prefix(s, f"seal:{request.id}:return:")
            await outbox.cancel_prefix(s, f"seal:{request.id}:chase:")
            audit.record(s, at=now, actor_id=actor.id, action="seal.return",
                         entity="seal_request", entity_id=request.id,
                         before={"status": OUT},
                         after={"status": STAMPED, "copies": copies,
                                "returned_at": returned_at.isoformat(), "photo": bool(photo),
                                "ledger": f"{entry.year}-{entry.serial}"})
            view = await self.seals.view(s, request)
            at_local = short_time(returned_at, self.config.tz)
            await self.seals.tell(s, view, "seal_keeping.note_returned", [view.applicant_id], now,
                                  keeper=actor.name, at=at_local, stamped=copies)
            line = ref("seal_keeping.line.returned", name=actor.name, at=at_local,
                       stamped=copies, serial=f"{entry.year}-{entry.serial}")
            return RecordOutcome(view, line, tuple(await self._cards(s, request.id)), [],
                                 f"{entry.year}-{entry.serial}", returned_at)

    # --- voiding (作废) ---------------------------------------------------------------------

    async def _voidable(self, s: AsyncSession, actor: Actor, request_id: int) -> SealRequest:
        """The request, if the actor may void it (its applicant, a keeper of its seal, an
        admin) and it is approved and not yet used; raises before anything is written."""
        request = await s.get(SealRequest, request_id, populate_existing=True,
                              with_for_update={"of": SealRequest})
        if request is None:
            raise NotFound("seal.unknown_request")
        if not (actor.id == request.applicant_id or actor.is_admin
                or await self._keeps(s, actor.id, request.seal_id)):
            raise PermissionDenied("seal_keeping.void_forbidden")
        status = request.status
        if status == VOIDED:
            raise Conflict("seal_keeping.voided", **await self._voided(s, request))
        if status == PENDING:
            raise Conflict("seal_keeping.void_pending", id=request.id)
        if status == OUT:
            raise Conflict("seal_keeping.void_out", id=request.id)
        if status != APPROVED:
            raise Conflict("seal_keeping.void_closed", id=request.id,
                           state=ref(f"seal.status.{status}"))
        return request

    async def check_void(self, actor: Actor, request_id: int) -> RequestView:
        """Refuse now what `void` would refuse, before the reason is asked."""
        async with self.db.transaction() as s:
            return await self.seals.view(s, await self._voidable(s, actor, request_id))

    @staticmethod
    def clean_reason(text: str) -> str:
        reason = one_line(text)
        if not any(ch.isalnum() for ch in reason):  # "。" or "-" is no reason
            raise InvalidInput("seal_keeping.void_reason_empty")
        if len(reason) > REASON_LIMIT:
            raise InvalidInput("seal_keeping.void_reason_too_long", limit=REASON_LIMIT)
        return reason

    async def void(self, actor: Actor, request_id: int, reason: str) -> KeepOutcome:
        """An approved request that will not be used is closed (作废): no seal may be used
        on it any more, the keepers' cards say who voided it and why, the reminders stop,
        and the applicant and keepers (but the one who voided it) are told."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            request = await self._voidable(s, actor, request_id)
            reason = self.clean_reason(reason)
            await self._claim(s, request, APPROVED, status=VOIDED, closed_at=now)
            await outbox.cancel_prefix(s, f"seal:{request.id}:unstamped:")
            await outbox.cancel_prefix(s, f"seal:{request.id}:keeper:")
            audit.record(s, at=now, actor_id=actor.id, action="seal.void",
                         entity="seal_request", entity_id=request.id,
                         before={"status": APPROVED},
                         after={"status": VOIDED, "reason": reason})
            view = await self.seals.view(s, request)
            keepers = await self.seals.keeper_ids(s, request.seal_id)
            told = [i for i in dict.fromkeys([request.applicant_id, *keepers]) if i != actor.id]
            at_local = short_time(now, self.config.tz)
            await self.seals.tell(s, view, "seal_keeping.note_voided", told, now,
                                  name=actor.name, at=at_local, reason=reason)
            line = ref("seal_keeping.line.voided", id=request.id, name=actor.name,
                       at=at_local, reason=reason)
            return KeepOutcome(view, line, tuple(await self._cards(s, request.id)), [], "")

    async def _claim(self, s: AsyncSession, request: SealRequest, expected: str,
                     **values: Any) -> None:
        """Move the request on only if its status is still the one just checked: of two
        presses at once, the second changes nothing."""
        result = await s.execute(
            update(SealRequest)
            .where(SealRequest.id == request.id, SealRequest.status == expected)
            .values(**values)
            .execution_options(synchronize_session=False))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("seal_keeping.stale")
        await s.refresh(request)

    async def _write_ledger(self, s: AsyncSession, request: SealRequest, state: ApprovalState,
                            used_at: datetime, keeper: str, now: datetime) -> SealLedgerEntry:
        """The next number of the year the seal was used in. Two keepers recording two
        requests at once must not both read the same last number: SQLite's BEGIN IMMEDIATE
        serialises whole transactions; on PostgreSQL an advisory lock of that year's book,
        held to the end of the transaction, does (a row lock cannot: the row to lock does
        not exist yet). The unique (year, serial) stays as the last guard."""
        year = used_at.astimezone(self.config.tz).year
        if not self.db.is_sqlite:
            await s.execute(sql("SELECT pg_advisory_xact_lock(:key)"),
                            {"key": LEDGER_LOCK * 10_000 + year})
        last = await s.scalar(select(func.max(SealLedgerEntry.serial)).where(
            SealLedgerEntry.year == year))
        approvers = "；".join(f"{d.name} {short_time(d.at, self.config.tz)}"
                             for d in state.decisions if d.approve)
        entry = SealLedgerEntry(
            year=year, serial=(last or 0) + 1, request_id=request.id, seal_id=request.seal_id,
            department_id=request.department_id, used_at=used_at, seal_name=request.seal.name,
            title=request.title, doc_type=request.doc_type, purpose=request.purpose,
            recipient=request.recipient, copies=request.stamped_copies or 0,
            applicant=request.applicant.name,
            department=request.department.name if request.department else "",
            approvers=approvers, keeper=keeper, takeout_place=request.takeout_place,
            photo_id=request.stamp_photo_id, created_at=now)
        s.add(entry)
        await s.flush()
        return entry

    async def _cards(self, s: AsyncSession, request_id: int) -> list[outbox.SentCard]:
        """The delivered messages of the request with a keeper's button on them: the keeper
        cards, the unstamped reminders, the overdue notice and chases to the keeper."""
        cards: list[outbox.SentCard] = []
        for part in ("keeper", "unstamped", "return", "chase"):
            cards += await outbox.sent_cards(s, f"seal:{request_id}:{part}:",
                                             self.config.language)
        return cards

    def return_buttons(self, view: RequestView) -> list[list[dict[str, Any]]]:
        rows = [[{"key": "btn.sealk_return", "data": f"seal:return:{view.id}"}]]
        if view.file_id:
            rows.append([{"key": "btn.seal_file", "data": f"seal:file:{view.id}"}])
        return rows

    async def _schedule_return(self, s: AsyncSession, request: SealRequest, view: RequestView,
                               keeper_id: int, now: datetime) -> None:
        due = request.return_due
        if due is None:
            return
        keeper = await s.get(Staff, keeper_id)
        params = view.params | {"back": short_time(due, self.config.tz),
                                "keeper": keeper.name if keeper else "—"}
        await outbox.schedule(
            s, key=f"seal:{request.id}:return:remind", recipient_id=request.applicant_id,
            template="seal_keeping.return_remind", now=now, params=params,
            due_at=max(now, due - self.config.seals.return_remind_before))
        for staff_id, template in ((request.applicant_id, "seal_keeping.return_overdue"),
                                   (keeper_id, "seal_keeping.return_overdue_keeper")):
            await outbox.schedule(
                s, key=f"seal:{request.id}:return:overdue:{staff_id}", recipient_id=staff_id,
                template=template, due_at=max(now, due), now=now, params=params,
                buttons=self.return_buttons(view) if staff_id == keeper_id else None)

    # --- sweeps ---------------------------------------------------------------------------

    def _local_start(self, day: date) -> datetime:
        return datetime.combine(day, time(0, 0), tzinfo=self.config.tz)

    async def chase_returns(self, today: date, now: datetime) -> None:
        """Each working day: every seal out past its return day chases its borrower, with
        the keeper who handed it over copied. The return day itself has the overdue notice."""
        if not self.calendar.is_workday(today):
            return
        async with self.db.transaction() as s:
            rows = list(await s.scalars(select(SealRequest).where(
                SealRequest.status == OUT,
                SealRequest.return_due < self._local_start(today)).order_by(SealRequest.id)))
            for request in rows:
                view = await self.seals.view(s, request)
                keeper = await s.get(Staff, request.keeper_id) if request.keeper_id else None
                days = self.calendar.working_days_between(
                    request.return_due.astimezone(self.config.tz).date(), today) \
                    if request.return_due else 0
                params = view.params | {"back": short_time(request.return_due, self.config.tz),
                                        "keeper": keeper.name if keeper else "—",
                                        "days": max(1, days)}
                recipients = [(request.applicant_id, "seal_keeping.chase")]
                if keeper is not None and keeper.active:
                    recipients.append((keeper.id, "seal_keeping.chase_keeper"))
                for staff_id, template in recipients:
                    await outbox.schedule(
                        s, key=f"seal:{request.id}:chase:{today.isoformat()}:{staff_id}",
                        recipient_id=staff_id, template=template, due_at=now, now=now,
                        params=params,
                        buttons=self.return_buttons(view) if staff_id != request.applicant_id
                        else None)

    async def remind_unstamped(self, today: date, now: datetime) -> None:
        """At the end of each working day: every approved request not yet stamped (nor
        handed over) reminds its seal's keepers, once that day."""
        if not self.calendar.is_workday(today):
            return
        async with self.db.transaction() as s:
            rows = list(await s.scalars(select(SealRequest).where(
                SealRequest.status == APPROVED).order_by(SealRequest.id)))
            for request in rows:
                view = await self.seals.view(s, request)
                params = view.params | {"approved": short_time(request.approved_at, self.config.tz),
                                        "back": short_time(request.return_due, self.config.tz)}
                template = "seal_keeping.unstamped_takeout" if request.takeout \
                    else "seal_keeping.unstamped"
                for keeper_id in await self.seals.keeper_ids(s, request.seal_id):
                    await outbox.schedule(
                        s, key=f"seal:{request.id}:unstamped:{today.isoformat()}:{keeper_id}",
                        recipient_id=keeper_id, template=template,
                        due_at=now, now=now, params=params,
                        buttons=self.seals.keeper_buttons(view), urgent=view.urgent)

    # --- the queue ------------------------------------------------------------------------

    async def queue(self, actor: Actor) -> list[QueueItem]:
        """Approved requests not yet stamped and seals out awaiting return, of the seals the
        actor keeps (every seal for admins), oldest first."""
        async with self.db.transaction() as s:
            kept = set(await s.scalars(select(SealKeeper.seal_id).where(
                SealKeeper.staff_id == actor.id)))
            if not kept and not actor.is_admin:
                raise PermissionDenied("seal_keeping.queue_forbidden")
            query = select(SealRequest).where(SealRequest.status.in_((APPROVED, OUT)))
            if not actor.is_admin:
                query = query.where(SealRequest.seal_id.in_(kept))
            now = self.clock.now()
            items: list[QueueItem] = []
            for request in await s.scalars(query.order_by(SealRequest.approved_at,
                                                          SealRequest.id)):
                if request.status == OUT:
                    action = RETURN
                else:
                    action = HANDOVER if request.takeout else STAMP
                overdue = request.status == OUT and request.return_due is not None \
                    and request.return_due <= now
                items.append(QueueItem(await self.seals.view(s, request), action,
                                       request.seal_id in kept, overdue,
                                       request.approved_at, request.handed_at))
            return items

    # --- the ledger -----------------------------------------------------------------------

    async def _require_ledger_reader(self, s: AsyncSession, actor: Actor) -> None:
        if actor.has(Role.CLERK, Role.LEADER, Role.SEAL_KEEPER, Role.ADMIN):
            return
        kept = await s.scalar(select(SealKeeper.id).where(SealKeeper.staff_id == actor.id))
        if kept is None:
            raise PermissionDenied("seal_keeping.ledger_forbidden")

    def parse_month(self, text: str) -> tuple[int, int]:
        text = (text or "").strip()
        today = self.clock.now().astimezone(self.config.tz).date()
        if not text:
            return today.year, today.month
        match = MONTH.match(text)
        if match is not None:
            year, month = int(match.group(1)), int(match.group(2))
        else:
            only = MONTH_ONLY.match(text)
            if only is None:
                raise InvalidInput("seal_keeping.ledger_usage")
            year, month = today.year, int(only.group(1))
        if not 1 <= month <= 12 or not 2000 <= year <= 2100:
            raise InvalidInput("seal_keeping.ledger_usage")
        return year, month

    async def ledger_from_args(self, actor: Actor, args: str) -> Ledger:
        """`/seals ledger 2026-11 党政办公室印章 党政办`: a month first (this month if left
        out), then a seal and/or a department by name, in any order."""
        words = args.split()
        month = ""
        if words and any(c.isdigit() for c in words[0]):
            month = words.pop(0)
        year, number = self.parse_month(month)
        seal_name = dept_name = None
        async with self.db.transaction() as s:
            await self._require_ledger_reader(s, actor)
            for word in words:
                if await s.scalar(select(Seal.id).where(Seal.name == word)) is not None \
                        and seal_name is None:
                    seal_name = word
                elif await s.scalar(select(Department.id).where(
                        Department.name == word)) is not None and dept_name is None:
                    dept_name = word
                else:
                    seals = list(await s.scalars(select(Seal.name).order_by(Seal.id)))
                    depts = list(await s.scalars(select(Department.name).where(
                        Department.active.is_(True)).order_by(Department.id)))
                    sep = str(t(actor.language, "list.sep"))
                    raise NotFound("seal_keeping.ledger_unknown_name", name=word,
                                   seals=sep.join(seals) or "—", departments=sep.join(depts))
        return await self.ledger(actor, f"{year:04d}-{number:02d}", seal_name, dept_name)

    async def ledger(self, actor: Actor, month: str, seal: str | None = None,
                     department: str | None = None) -> Ledger:
        year, number = self.parse_month(month)
        async with self.db.transaction() as s:
            await self._require_ledger_reader(s, actor)
            seal_id = dept_id = None
            if seal:
                seal_id = await s.scalar(select(Seal.id).where(Seal.name == seal.strip()))
                if seal_id is None:
                    raise NotFound("seal.unknown_name", name=seal)
            if department:
                dept_id = await s.scalar(select(Department.id).where(
                    Department.name == department.strip()))
                if dept_id is None:
                    raise NotFound("seal_keeping.ledger_unknown_dept", name=department)
            return await self._ledger(s, year, number, seal_id, dept_id)

    async def ledger_by_code(self, actor: Actor, code: str) -> Ledger:
        """The ledger a button names (<yyyymm>:<seal id or 0>:<department id or 0>),
        checked again: the reader, and that the seal and department still exist."""
        match = re.fullmatch(r"(\d{4})(\d{2}):(\d{1,9}):(\d{1,9})", code)
        if match is None:
            raise InvalidInput("seal_keeping.ledger_usage")
        year, number = int(match.group(1)), int(match.group(2))
        if not 1 <= number <= 12:
            raise InvalidInput("seal_keeping.ledger_usage")
        seal_id, dept_id = int(match.group(3)) or None, int(match.group(4)) or None
        async with self.db.transaction() as s:
            await self._require_ledger_reader(s, actor)
            if seal_id is not None and await s.get(Seal, seal_id) is None:
                raise NotFound("seal.unknown")
            if dept_id is not None and await s.get(Department, dept_id) is None:
                raise NotFound("seal_keeping.ledger_unknown_dept", name=str(dept_id))
            return await self._ledger(s, year, number, seal_id, dept_id)

    async def _ledger(self, s: AsyncSession, year: int, month: int, seal_id: int | None,
                      dept_id: int | None) -> Ledger:
        start = datetime(year, month, 1, tzinfo=self.config.tz)
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=self.config.tz)
        query = (select(SealLedgerEntry, SealRequest.takeout, SealRequest.returned_at)
                 .join(SealRequest, SealRequest.id == SealLedgerEntry.request_id)
                 .where(SealLedgerEntry.used_at >= start, SealLedgerEntry.used_at < end))
        if seal_id is not None:
            query = query.where(SealLedgerEntry.seal_id == seal_id)
        if dept_id is not None:
            query = query.where(SealLedgerEntry.department_id == dept_id)
        found = await s.execute(query.order_by(SealLedgerEntry.used_at, SealLedgerEntry.id))
        rows = tuple(LedgerRow(
            year=e.year, serial=e.serial, used_at=e.used_at, title=e.title,
            doc_type=e.doc_type, purpose=e.purpose, copies=e.copies, applicant=e.applicant,
            approvers=e.approvers, keeper=e.keeper, seal=e.seal_name, department=e.department,
            takeout_place=e.takeout_place, takeout=bool(takeout), returned_at=returned_at)
            for e, takeout, returned_at in found)
        seal = await s.get(Seal, seal_id) if seal_id is not None else None
        dept = await s.get(Department, dept_id) if dept_id is not None else None
        return Ledger(year, month, seal_id, seal.name if seal else "", dept_id,
                      dept.name if dept else "", rows)

    def day(self, when: datetime) -> str:
        return f"{when.astimezone(self.config.tz):%Y-%m-%d %H:%M}"

    def ledger_title(self, ledger: Ledger, lang: str) -> str:
        title = str(t(lang, "seal_keeping.ledger_title", year=ledger.year, month=ledger.month))
        scope = [x for x in (ledger.seal, ledger.department) if x]
        if scope:
            title += str(t(lang, "seal_keeping.ledger_scope", scope=" · ".join(scope)))
        return title

    def returned(self, row: LedgerRow, lang: str) -> str:
        """The 归还 column: when a take-out came back, 未归还 while it is out, blank for a
        seal used in the office."""
        if not row.takeout:
            return ""
        if row.returned_at is None:
            return str(t(lang, "seal_keeping.ledger_not_returned"))
        return self.day(row.returned_at)

    def ledger_sheet(self, ledger: Ledger, lang: str) -> LedgerFile:
        """The 用印登记簿 as the office keeps it: 序号, 日期, 文件名称, 用印事由, 份数,
        申请人, 审批人, 保管人, then 印章, 部门, 归还 (a take-out's copies are blank until
        it is back)."""
        headers = str(t(lang, "seal_keeping.ledger_headers")).split("|")
        rows: list[list[Any]] = [
            [r.serial, self.day(r.used_at), r.title, r.purpose,
             None if r.out else r.copies, r.applicant, r.approvers, r.keeper, r.seal,
             r.department, self.returned(r, lang) or None] for r in ledger.rows]
        content = write_table(self.ledger_title(ledger, lang), headers, rows)
        name = str(t(lang, "seal_keeping.ledger_filename",
                     period=f"{ledger.year:04d}-{ledger.month:02d}"))
        return LedgerFile(name, content, len(rows))

    async def export(self, actor: Actor, code: str) -> LedgerFile:
        ledger = await self.ledger_by_code(actor, code)
        if not ledger.rows:
            raise NotFound("seal_keeping.ledger_empty", title=self.ledger_title(
                ledger, actor.language))
        return self.ledger_sheet(ledger, actor.language)

