"""The keeper's side on a real database: no ledger row without an approved request, every
refusal changing nothing (not approved, more copies than approved, a forged keeper, a
second take-out of a seal that is out, a double press), the take-out's reminders, the
sweeps, and the ledger's reader checks and filters."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.demo.seed import seed_office
from bot.i18n import CATALOGS, placeholders, t
from bot.services.container import Services
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.people import actor_of
from bot.services.seals import RequestView
from storage.models import (
    AuditEntry,
    Notification,
    Seal,
    SealLedgerEntry,
    SealRequest,
    Staff,
)
from tests.conftest import SHANGHAI
from tests.seal_helpers import seal_office, submit_request
from tests.task_helpers import actor

PARTY, GOV, OFFICE = "中共示范镇委员会印章", "示范镇人民政府印章", "党政办公室印章"
LIU, CHEN, ZHANG, WANG, ZHOU = 1005, 1004, 1006, 1001, 1009


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
async def office(services: Services) -> Services:
    await seed_office(services)
    await seal_office(services)
    return services


async def approve(services: Services, request_id: int) -> RequestView:
    """Every step decided by whoever it waits on, through the service."""
    view = await services.seals.get(await actor(services, CHEN), request_id)
    while view.status == "pending":
        person = view.approval.waiting_on[0]
        async with services.db.transaction() as s:
            staff = await s.get(Staff, person.id)
            assert staff is not None
            who = await actor_of(staff, "zh")
        view = (await services.seals.decide(who, request_id, True)).request
    return view


async def approved(services: Services, seal: str = PARTY, who: int = ZHANG,
                   **fields: Any) -> RequestView:
    view = await submit_request(services, who, seal, **fields)
    return await approve(services, view.id)


def takeout(services: Services, hours: int = 6) -> dict[str, Any]:
    back = services.clock.now() + timedelta(hours=hours)
    return {"takeout": True, "place": "县档案馆", "return_due": back.isoformat()}


async def row(services: Services, request_id: int) -> SealRequest:
    async with services.db.transaction() as s:
        found = await s.get(SealRequest, request_id)
        assert found is not None
        return found


async def ledger_rows(services: Services) -> list[SealLedgerEntry]:
    async with services.db.transaction() as s:
        return list(await s.scalars(select(SealLedgerEntry).order_by(SealLedgerEntry.id)))


async def audits(services: Services, action: str) -> int:
    async with services.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == action)) or 0)


async def outbox(services: Services, prefix: str) -> dict[str, Notification]:
    async with services.db.transaction() as s:
        found = await s.scalars(select(Notification).where(
            Notification.key.startswith(prefix, autoescape=True)))
        return {n.key: n for n in found}


async def seal_row(services: Services, name: str) -> Seal:
    async with services.db.transaction() as s:
        found = await s.scalar(select(Seal).where(Seal.name == name))
        assert found is not None
        return found


# --- stamping --------------------------------------------------------------------------------

async def test_stamp_writes_the_ledger_row_and_tells_the_applicant(office: Services) -> None:
    clock = office.clock
    request = await submit_request(office, ZHANG, PARTY, copies=3, title="关于冬季防火的报告",
                                   purpose="报县应急管理局")
    clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    request = await approve(office, request.id)
    liu = await actor(office, LIU)
    queue = await office.seal_keeping.queue(liu)
    assert [(i.request.id, i.action, i.mine) for i in queue] == [(request.id, "stamp", True)]

    clock.advance(timedelta(minutes=20))  # type: ignore[attr-defined]
    at = office.seal_keeping.parse_time("10:20")
    assert at == local(27, 10, 20)
    outcome = await office.seal_keeping.stamp(liu, request.id, 2, at, "photo-1")
    assert outcome.serial == "2026-1" and outcome.request.status == "stamped"

    stored = await row(office, request.id)
    assert (stored.status, stored.stamped_copies, stored.stamp_photo_id) == ("stamped", 2,
                                                                              "photo-1")
    assert stored.stamped_at == local(27, 10, 20) and stored.keeper_id is not None
    (entry,) = await ledger_rows(office)
    assert (entry.year, entry.serial, entry.request_id) == (2026, 1, request.id)
    assert (entry.seal_name, entry.title, entry.purpose, entry.copies) == (
        PARTY, "关于冬季防火的报告", "报县应急管理局", 2)
    assert (entry.applicant, entry.department, entry.keeper) == ("张伟", "党政办", "刘芳")
    assert entry.approvers == "王建国 11-27 10:05"
    assert entry.used_at == local(27, 10, 20)
    assert await audits(office, "seal.stamp") == 1
    notes = await outbox(office, f"sealnote:{request.id}:")
    assert [n.template for n in notes.values()].count("seal_keeping.note_stamped") == 1
    assert await office.seal_keeping.queue(liu) == []

    # Second press: refused, nothing more written.
    with pytest.raises(Conflict) as refused:
        await office.seal_keeping.stamp(liu, request.id, 2)
    assert refused.value.key == "seal_keeping.already_stamped"
    assert len(await ledger_rows(office)) == 1 and await audits(office, "seal.stamp") == 1

    # The next one in the year is number 2.
    second = await approved(office, GOV, ZHANG)
    assert (await office.seal_keeping.stamp(liu, second.id, 1)).serial == "2026-2"


async def test_nothing_is_recorded_for_a_request_not_approved(office: Services) -> None:
    liu = await actor(office, LIU)
    keeping = office.seal_keeping
    pending = await submit_request(office, ZHANG, PARTY)
    rejected = await submit_request(office, ZHANG, PARTY)
    await office.seals.decide(await actor(office, WANG), rejected.id, False, "材料不全")
    withdrawn = await submit_request(office, ZHANG, PARTY)
    await office.seals.withdraw(await actor(office, ZHANG), withdrawn.id)
    for request, state in ((pending, "审批中"), (rejected, "已驳回"), (withdrawn, "已撤回")):
        for act in (lambda i: keeping.stamp(liu, i, 1), lambda i: keeping.check(liu, i, "stamp")):
            with pytest.raises(Conflict) as refused:
                await act(request.id)
            assert refused.value.key == "seal_keeping.not_approved"
            assert refused.value.params["state"] == {"t": {
                "审批中": "seal.status.pending", "已驳回": "seal.status.rejected",
                "已撤回": "seal.status.withdrawn"}[state]}
    # A request row that says "approved" while the approval does not (a hand-edited row,
    # a bug elsewhere) is refused too: the approval is what the rule is about.
    async with office.db.transaction() as s:
        await s.execute(update(SealRequest).where(SealRequest.id == pending.id)
                        .values(status="approved"))
    with pytest.raises(Conflict) as refused:
        await keeping.stamp(liu, pending.id, 1)
    assert refused.value.key == "seal_keeping.not_approved"
    assert (await row(office, pending.id)).status == "approved"
    with pytest.raises(NotFound):
        await keeping.stamp(liu, 9999, 1)
    assert await ledger_rows(office) == [] and await audits(office, "seal.stamp") == 0


async def test_copies_time_and_keeper_are_checked(office: Services) -> None:
    keeping = office.seal_keeping
    request = await submit_request(office, ZHANG, PARTY, copies=3)
    office.clock.advance(timedelta(minutes=30))  # type: ignore[attr-defined]
    request = await approve(office, request.id)  # approved 10:30
    liu = await actor(office, LIU)

    for text in ("0", "-1", "abc", "2.5", ""):
        with pytest.raises(InvalidInput) as bad:
            keeping.parse_copies(text, 3)
        assert bad.value.key == "seal_keeping.copies_invalid"
    with pytest.raises(InvalidInput) as bad:
        keeping.parse_copies("4", 3)
    assert bad.value.key == "seal_keeping.copies_too_many"
    assert keeping.parse_copies("3份", 3) == 3
    for copies in (4, 0, -1):
        with pytest.raises(InvalidInput):
            await keeping.stamp(liu, request.id, copies)

    # Not yet come; before the approval; unreadable.
    with pytest.raises(InvalidInput) as bad:
        await keeping.check_time(liu, request.id, "stamp", "11:00")
    assert bad.value.key == "seal_keeping.time_future"
    with pytest.raises(InvalidInput) as bad:
        await keeping.check_time(liu, request.id, "stamp", "今天上午10点")
    assert bad.value.key == "seal_keeping.time_before_approval"
    with pytest.raises(InvalidInput) as bad:
        await keeping.check_time(liu, request.id, "stamp", "明天")
    assert bad.value.key == "seal_keeping.time_unparsed"
    with pytest.raises(InvalidInput):
        await keeping.stamp(liu, request.id, 1, local(27, 10, 0))
    with pytest.raises(InvalidInput):
        await keeping.stamp(liu, request.id, 1, local(27, 11, 0))
    assert await keeping.check_time(liu, request.id, "stamp", "10:30") == local(27, 10, 30)

    # A forged press: staff, a leader, an admin who keeps another seal only.
    for who in (ZHANG, WANG, CHEN, ZHOU):
        with pytest.raises(PermissionDenied) as forged:
            await keeping.stamp(await actor(office, who), request.id, 1)
        assert forged.value.key == "seal_keeping.not_keeper"
        with pytest.raises(PermissionDenied):
            await keeping.check(await actor(office, who), request.id, "stamp")
    with pytest.raises(PermissionDenied):
        await keeping.queue(await actor(office, ZHANG))
    stored = await row(office, request.id)
    assert (stored.status, stored.stamped_copies, stored.keeper_id) == ("approved", None, None)
    assert await ledger_rows(office) == [] and await audits(office, "seal.stamp") == 0


async def test_a_double_press_at_once_is_recorded_once(office: Services) -> None:
    request = await approved(office, PARTY, ZHANG, copies=2)
    liu = await actor(office, LIU)
    results = await asyncio.gather(office.seal_keeping.stamp(liu, request.id, 2),
                                   office.seal_keeping.stamp(liu, request.id, 1),
                                   return_exceptions=True)
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "RecordOutcome"]
    (entry,) = await ledger_rows(office)
    assert await audits(office, "seal.stamp") == 1
    assert entry.copies == (await row(office, request.id)).stamped_copies


# --- the take-out ----------------------------------------------------------------------------

async def test_take_out_hand_over_reminders_and_return(office: Services) -> None:
    keeping = office.seal_keeping
    clock = office.clock
    liu, chen = await actor(office, LIU), await actor(office, CHEN)
    out = await approved(office, OFFICE, ZHOU, copies=4, **takeout(office, 6))  # back 16:00
    other_out = await approved(office, OFFICE, ZHOU, **takeout(office, 8))
    in_office = await approved(office, OFFICE, ZHOU)

    with pytest.raises(InvalidInput) as wrong:
        await keeping.stamp(liu, out.id, 1)
    assert wrong.value.key == "seal_keeping.takeout_use_handover"
    with pytest.raises(InvalidInput) as wrong:
        await keeping.handover(liu, in_office.id)
    assert wrong.value.key == "seal_keeping.not_takeout"
    with pytest.raises(Conflict) as not_out:
        await keeping.record_return(liu, out.id, 1)
    assert not_out.value.key == "seal_keeping.not_out"
    with pytest.raises(PermissionDenied):
        await keeping.handover(await actor(office, ZHANG), out.id)

    clock.advance(timedelta(minutes=10))  # type: ignore[attr-defined]
    handed = await keeping.handover(liu, out.id)
    assert handed.request.status == "out"
    assert handed.buttons == [[{"key": "btn.sealk_return", "data": f"seal:return:{out.id}"}]]
    stored = await row(office, out.id)
    assert stored.handed_at == local(27, 10, 10) and stored.status == "out"
    seal = await seal_row(office, OFFICE)
    assert seal.out_request_id == out.id
    (view,) = [v for v in await office.seals.seals(chen) if v.name == OFFICE]
    assert view.out and view.out_with == "周敏"
    # The ledger row is written at the hand-over, dated then: a seal that never comes back
    # is in the book, shown as not returned, its copies not known yet.
    assert handed.serial == "2026-1"
    (entry,) = await ledger_rows(office)
    assert (entry.serial, entry.request_id, entry.used_at, entry.keeper, entry.takeout_place) \
        == (1, out.id, local(27, 10, 10), "刘芳", "县档案馆")
    (listed,) = (await keeping.ledger(chen, "2026-11")).rows
    assert listed.out and listed.takeout and listed.returned_at is None
    sheet = keeping.ledger_sheet(await keeping.ledger(chen, "2026-11"), "zh")
    assert sheet.count == 1

    reminders = await outbox(office, f"seal:{out.id}:return:")
    assert {k: (n.due_at, n.template) for k, n in reminders.items()} == {
        f"seal:{out.id}:return:remind": (local(27, 15, 0), "seal_keeping.return_remind"),
        f"seal:{out.id}:return:overdue:{stored.applicant_id}":
            (local(27, 16, 0), "seal_keeping.return_overdue"),
        f"seal:{out.id}:return:overdue:{stored.keeper_id}":
            (local(27, 16, 0), "seal_keeping.return_overdue_keeper"),
    }

    # The seal is out: a second take-out, a stamping on another request, a second
    # hand-over of this one — all refused, nothing changed.
    for act, key in ((keeping.handover(liu, other_out.id), "seal_keeping.second_takeout"),
                     (keeping.handover(chen, other_out.id), "seal_keeping.second_takeout"),
                     (keeping.stamp(liu, in_office.id, 1), "seal_keeping.seal_out"),
                     (keeping.handover(liu, out.id), "seal_keeping.already_out")):
        with pytest.raises(Conflict) as refused:
            await act
        assert refused.value.key == key
    assert (await row(office, other_out.id)).status == "approved"
    assert (await row(office, in_office.id)).status == "approved"
    assert (await seal_row(office, OFFICE)).out_request_id == out.id
    assert await audits(office, "seal.handover") == 1

    queue = await keeping.queue(liu)
    assert [(i.request.id, i.action) for i in queue] == [
        (out.id, "return"), (other_out.id, "handover"), (in_office.id, "stamp")]

    # Back the next working day (Monday); a time before the hand-over is refused.
    clock.set(local(30, 9, 30))  # type: ignore[attr-defined]
    with pytest.raises(InvalidInput) as early:
        await keeping.record_return(chen, out.id, 3, local(27, 10, 0))
    assert early.value.key == "seal_keeping.time_before_handover"
    with pytest.raises(InvalidInput):
        await keeping.record_return(chen, out.id, 5)
    back = await keeping.record_return(chen, out.id, 3, local(30, 9, 0))
    assert back.serial == "2026-1" and back.buttons == []
    (listed,) = (await keeping.ledger(chen, "2026-11")).rows
    assert not listed.out and listed.returned_at == local(30, 9, 0) and listed.copies == 3
    stored = await row(office, out.id)
    assert (stored.status, stored.returned_at, stored.stamped_copies) == (
        "stamped", local(30, 9, 0), 3)
    assert (await seal_row(office, OFFICE)).out_request_id is None
    (entry,) = await ledger_rows(office)
    assert (entry.used_at, entry.takeout_place, entry.copies) == (local(27, 10, 10),
                                                                 "县档案馆", 3)
    assert entry.keeper == "刘芳、陈志强"  # handed over by one, taken back by the other
    pending = {k for k, n in (await outbox(office, f"seal:{out.id}:")).items()
               if n.status == "pending" and (":return:" in k or ":chase:" in k)}
    assert pending == set()
    # The seal is in again; the other take-out was to be back on Friday, so it is refused
    # (apply again), and a new one may go.
    with pytest.raises(InvalidInput) as late:
        await keeping.handover(liu, other_out.id)
    assert late.value.key == "seal_keeping.return_passed"
    again = await approved(office, OFFICE, ZHOU, **takeout(office, 6))
    assert (await keeping.handover(liu, again.id)).serial == "2026-2"


async def test_chase_and_unstamped_sweeps(office: Services) -> None:
    keeping = office.seal_keeping
    clock = office.clock
    liu = await actor(office, LIU)
    out = await approved(office, OFFICE, ZHOU, **takeout(office, 6))
    waiting = await approved(office, PARTY, ZHANG)
    await keeping.handover(liu, out.id)
    stored = await row(office, out.id)

    # Friday at the end of the day: the unstamped one reminds its keeper; the seal that is
    # out is not "unstamped" (its chase is separate).
    await keeping.remind_unstamped(local(27, 17, 30).date(), local(27, 17, 30))
    await keeping.remind_unstamped(local(27, 17, 30).date(), local(27, 17, 30))
    unstamped = await outbox(office, "seal:")
    keys = sorted(k for k in unstamped if ":unstamped:" in k)
    assert keys == [f"seal:{waiting.id}:unstamped:2026-11-27:{stored.keeper_id}"]
    # Saturday: no reminder, no chase.
    await keeping.remind_unstamped(local(28, 17, 30).date(), local(28, 17, 30))
    await keeping.chase_returns(local(28, 9, 0).date(), local(28, 9, 0))
    assert not [k for k in await outbox(office, "seal:") if "2026-11-28" in k]
    # The return day itself has the overdue notice, no chase; Monday is chased.
    await keeping.chase_returns(local(27, 9, 0).date(), local(27, 9, 0))
    assert not [k for k in await outbox(office, f"seal:{out.id}:chase:")]
    clock.set(local(30, 9, 0))  # type: ignore[attr-defined]
    await keeping.chase_returns(local(30, 9, 0).date(), local(30, 9, 0))
    chases = await outbox(office, f"seal:{out.id}:chase:")
    assert {k: n.template for k, n in chases.items()} == {
        f"seal:{out.id}:chase:2026-11-30:{stored.applicant_id}": "seal_keeping.chase",
        f"seal:{out.id}:chase:2026-11-30:{stored.keeper_id}": "seal_keeping.chase_keeper"}
    assert all(n.params["days"] == 1 for n in chases.values())

    # Stamping cancels the day's pending reminder.
    async with office.db.transaction() as s:
        await s.execute(update(Notification).where(Notification.key.like("%:unstamped:%"))
                        .values(status="pending"))
    await keeping.stamp(liu, waiting.id, 1)
    assert {n.status for n in (await outbox(office, f"seal:{waiting.id}:unstamped:")).values()} \
        == {"cancelled"}


# --- the ledger ------------------------------------------------------------------------------

async def test_ledger_readers_filters_and_refusals(office: Services) -> None:
    keeping = office.seal_keeping
    liu = await actor(office, LIU)
    first = await approved(office, PARTY, ZHANG, title="甲文件")
    second = await approved(office, GOV, ZHOU, title="乙文件")
    await keeping.stamp(liu, first.id, 1)
    office.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await keeping.stamp(liu, second.id, 2)

    for who in (LIU, CHEN, WANG):
        book = await keeping.ledger(await actor(office, who), "2026-11")
        assert [r.title for r in book.rows] == ["甲文件", "乙文件"]
    for who in (ZHANG, ZHOU):
        with pytest.raises(PermissionDenied):
            await keeping.ledger(await actor(office, who), "2026-11")
        with pytest.raises(PermissionDenied):
            await keeping.export(await actor(office, who), "202611:0:0")
    for bad in ("2026-13", "11-2026", "abc", "2026年", "0月"):
        with pytest.raises(InvalidInput) as usage:
            await keeping.ledger(liu, bad)
        assert usage.value.key == "seal_keeping.ledger_usage"
    with pytest.raises(InvalidInput):
        await keeping.ledger_from_args(liu, "2026-13")
    with pytest.raises(NotFound) as unknown:
        await keeping.ledger_from_args(liu, "2026-11 公安局印章")
    assert unknown.value.key == "seal_keeping.ledger_unknown_name"

    by_seal = await keeping.ledger_from_args(liu, f"2026-11 {GOV}")
    assert [r.title for r in by_seal.rows] == ["乙文件"] and by_seal.seal == GOV
    by_dept = await keeping.ledger_from_args(liu, "2026年11月 党政办")
    assert [r.title for r in by_dept.rows] == ["甲文件"]
    both = await keeping.ledger_from_args(liu, f"2026-11 党政办 {GOV}")
    assert both.rows == ()
    assert (await keeping.ledger_from_args(liu, "")).month == 11  # this month
    assert (await keeping.ledger(liu, "2026-10")).rows == ()
    assert (await keeping.ledger_by_code(liu, by_seal.code)).rows == by_seal.rows
    with pytest.raises(NotFound):
        await keeping.export(liu, "202610:0:0")  # nothing to export
    with pytest.raises(NotFound):
        await keeping.ledger_by_code(liu, "202611:999:0")


async def test_two_stamps_of_two_requests_at_once_both_get_a_number(office: Services) -> None:
    """Two keepers record two different requests at the same moment: both are written, with
    consecutive numbers (PostgreSQL: the advisory lock; SQLite: BEGIN IMMEDIATE). A few
    rounds, so the two reads of the last number do meet."""
    liu, chen = await actor(office, LIU), await actor(office, CHEN)
    made: set[int] = set()
    for round_ in range(3):
        first = await approved(office, PARTY, ZHANG, title=f"甲{round_}")
        second = await approved(office, OFFICE, ZHOU, title=f"乙{round_}")
        results = await asyncio.gather(office.seal_keeping.stamp(liu, first.id, 1),
                                       office.seal_keeping.stamp(chen, second.id, 1),
                                       return_exceptions=True)
        assert [type(r).__name__ for r in results] == ["RecordOutcome", "RecordOutcome"], results
        made |= {first.id, second.id}
    entries = await ledger_rows(office)
    assert sorted(e.serial for e in entries) == [1, 2, 3, 4, 5, 6]
    assert {e.request_id for e in entries} == made


async def test_two_hand_overs_of_one_seal_at_once(office: Services) -> None:
    """Two keepers hand the same seal over on two requests at the same moment: one goes,
    the other is told the seal is out (and with whom), not that something changed."""
    first = await approved(office, OFFICE, ZHOU, **takeout(office, 6))
    second = await approved(office, OFFICE, ZHANG, **takeout(office, 7))
    liu, chen = await actor(office, LIU), await actor(office, CHEN)
    results = await asyncio.gather(office.seal_keeping.handover(liu, first.id),
                                   office.seal_keeping.handover(chen, second.id),
                                   return_exceptions=True)
    (won,) = [r for r in results if not isinstance(r, BaseException)]
    (lost,) = [r for r in results if isinstance(r, BaseException)]
    assert isinstance(lost, Conflict), lost
    assert lost.key == "seal_keeping.second_takeout"
    assert lost.params["borrower"] == won.request.applicant  # type: ignore[union-attr]
    seal = await seal_row(office, OFFICE)
    assert seal.out_request_id == won.request.id  # type: ignore[union-attr]
    assert [e.request_id for e in await ledger_rows(office)] == [
        won.request.id]  # type: ignore[union-attr]
    assert await audits(office, "seal.handover") == 1


async def test_no_hand_over_once_the_return_time_has_passed(office: Services) -> None:
    keeping = office.seal_keeping
    request = await approved(office, OFFICE, ZHOU, **takeout(office, 2))  # back by 12:00
    liu = await actor(office, LIU)
    office.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    for act in (keeping.handover(liu, request.id), keeping.check(liu, request.id, "handover")):
        with pytest.raises(InvalidInput) as refused:
            await act
        assert refused.value.key == "seal_keeping.return_passed"
        assert refused.value.params["back"] == "11-27 12:00"
    stored = await row(office, request.id)
    assert (stored.status, stored.handed_at) == ("approved", None)
    assert (await seal_row(office, OFFICE)).out_request_id is None
    assert await ledger_rows(office) == [] and await audits(office, "seal.handover") == 0
    # Still approved, so it can be voided (作废) and the applicant applies again.
    voided = await keeping.void(liu, request.id, "归还时间已过，请重新申请")
    assert voided.request.status == "voided"


async def test_unstamped_reminders_urgent_and_take_out_wording(office: Services) -> None:
    urgent = await approved(office, PARTY, ZHANG, urgent=True)
    normal = await approved(office, GOV, ZHANG)
    out = await approved(office, OFFICE, ZHOU, **takeout(office, 30))
    await office.seal_keeping.remind_unstamped(local(27, 17, 30).date(), local(27, 17, 30))
    rows = {k.split(":")[1]: n for k, n in (await outbox(office, "seal:")).items()
            if ":unstamped:" in k}
    assert {k: (n.urgent, n.template) for k, n in rows.items()} == {
        str(urgent.id): (True, "seal_keeping.unstamped"),
        str(normal.id): (False, "seal_keeping.unstamped"),
        str(out.id): (False, "seal_keeping.unstamped_takeout")}
    text = str(t("zh", "seal_keeping.unstamped_takeout", **rows[str(out.id)].params))
    assert "尚未登记借出" in text and "应于 11-28 16:00 前归还" in text


def test_seal_texts_read_right() -> None:
    """English never says "1 copies"; ranges are written 1～N; small wording checks."""
    for key, template in CATALOGS["en"].items():
        if not key.startswith(("seal", "btn.seal")):
            continue
        text = str(t("en", key, **{name: 1 for name in placeholders(template)}))
        assert "1 copies" not in text and "1 copy " not in text, key
    for key, template in CATALOGS["zh"].items():
        if key.startswith(("seal", "btn.seal")):
            assert not re.search(r"\d—|\}—", template), key
    assert str(t("en", "seal.already_on", name="X")) == "X is already active."
    assert "1～50" in str(t("zh", "seal_request.ask_copies", limit=50))
    assert "已通知审批人" not in str(t("zh", "seal_request.withdrawn_popup"))
