"""Shift swaps against a real database: the rules, the roster change, forged and repeated
decisions, and what lands in the outbox and the audit log."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.demo.seed import seed_office
from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.duty_swaps import REASON_LIMIT
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.people import StaffDraft, actor_of
from storage.models import Notification, Shift, Staff, SwapRequest

SATURDAY = date(2026, 11, 28)  # the day after START (Fri 2026-11-27 10:00)


class Office:
    def __init__(self, services: Services, ids: dict[str, int]) -> None:
        self.services = services
        self.ids = ids

    async def actor(self, name: str) -> Actor:
        async with self.services.db.transaction() as s:
            staff = await s.get(Staff, self.ids[name])
            assert staff is not None
            return await actor_of(staff, "zh")

    async def shift(self, day: date, person: str, leader: str = "王建国",
                    kind: str = "day") -> int:
        """Through the roster service, as a clerk would put it in."""
        clerk = await self.actor("陈志强")
        draft = await self.services.duty.draft(clerk, day, kind, person, leader)
        return (await self.services.duty.create_shift(clerk, draft)).id

    async def rows(self, prefix: str) -> dict[str, str]:
        async with self.services.db.transaction() as s:
            found = await s.scalars(select(Notification).where(
                Notification.key.startswith(prefix, autoescape=True)))
            return {n.key: n.status for n in found}

    async def swap(self, swap_id: int) -> SwapRequest:
        async with self.services.db.transaction() as s:
            swap = await s.get(SwapRequest, swap_id)
            assert swap is not None
            return swap


@pytest.fixture
async def office(services: Services) -> Office:
    return Office(services, await seed_office(services))


async def test_accepted_and_approved_swap_changes_the_roster(office: Office) -> None:
    swaps = office.services.swaps
    zhang, yang, liu = [await office.actor(n) for n in ("张伟", "杨静", "刘芳")]
    shift_id = await office.shift(SATURDAY, "张伟")

    coming = await swaps.coming(zhang)
    assert [c.shift.id for c in coming] == [shift_id] and not coming[0].pending
    asked = await swaps.ask(zhang, shift_id, "杨静", " 家中 有事 ")
    assert asked.status == "asked" and asked.reason == "家中 有事"
    assert (await swaps.coming(zhang))[0].pending
    ask_key = f"swap:{asked.id}:asked:{yang.id}"
    assert await office.rows(f"swap:{asked.id}:") == {ask_key: "pending"}

    accepted = await swaps.accept(yang, asked.id)
    assert accepted.swap.status == "accepted"
    # The duty leader and both clerks are asked to approve; the requester hears of it.
    approvers = [office.ids[n] for n in ("王建国", "陈志强", "刘芳")]
    rows = await office.rows(f"swap:{asked.id}:")
    assert {f"swap:{asked.id}:approve:{i}" for i in approvers} <= rows.keys()
    assert rows[f"swap:{asked.id}:accepted:{zhang.id}"] == "pending"

    approved = await swaps.approve(liu, asked.id)
    assert approved.swap.status == "approved" and approved.swap.decided_by == "刘芳"
    shift = await office.services.duty.get(shift_id)
    assert shift.person.name == "杨静" and shift.leader is not None
    # Reminders follow the shift: the old person's are cancelled, the new person's pending.
    reminders = await office.rows(f"shift:{shift_id}:eve:")
    assert reminders == {f"shift:{shift_id}:eve:{zhang.id}": "cancelled",
                         f"shift:{shift_id}:eve:{yang.id}": "pending",
                         f"shift:{shift_id}:eve:{office.ids['王建国']}": "pending"}
    # Approval cards not yet delivered are never sent now.
    rows = await office.rows(f"swap:{asked.id}:approve:")
    assert set(rows.values()) == {"cancelled"}
    # change_shift tells the old and new person and the leader, once each.
    told = [k for k in await office.rows(f"shiftnote:{shift_id}:")
            if ":duty.notice_changed:" in k]
    assert sorted(int(k.rsplit(":", 1)[1]) for k in told) == sorted(
        [zhang.id, yang.id, office.ids["王建国"]])

    async with office.services.db.transaction() as s:
        swap_log = [e.action for e in await history(s, "swap", asked.id)]
        shift_log = [e.action for e in await history(s, "shift", shift_id)]
    assert swap_log == ["swap.ask", "swap.accept", "swap.approve"]
    assert shift_log == ["shift.create", "shift.swap"]

    # The first decision wins: another approver, or a rejection, changes nothing.
    chen = await office.actor("陈志强")
    for late in (swaps.approve, swaps.reject):
        with pytest.raises(Conflict) as refused:
            await late(chen, asked.id)
        assert refused.value.key == "swap.already"
    assert (await office.services.duty.get(shift_id)).person.name == "杨静"


async def test_declined_swap_tells_the_requester_and_changes_nothing(office: Office) -> None:
    swaps = office.services.swaps
    zhang, yang = await office.actor("张伟"), await office.actor("杨静")
    shift_id = await office.shift(SATURDAY, "张伟")
    asked = await swaps.ask(zhang, shift_id, "杨静")
    declined = await swaps.decline(yang, asked.id)
    assert declined.swap.status == "declined"
    assert (await office.rows(f"swap:{asked.id}:declined:")) == {
        f"swap:{asked.id}:declined:{zhang.id}": "pending"}
    assert (await office.services.duty.get(shift_id)).person.name == "张伟"
    with pytest.raises(Conflict):
        await swaps.accept(yang, asked.id)
    with pytest.raises(Conflict):
        await swaps.decline(yang, asked.id)
    # Settled, so the shift may be offered again.
    again = await swaps.ask(zhang, shift_id, "周敏")
    assert again.status == "asked"


async def test_bad_requests_are_refused(office: Office) -> None:
    services, swaps = office.services, office.services.swaps
    zhang, boss = await office.actor("张伟"), await office.actor("陈志强")
    shift_id = await office.shift(SATURDAY, "张伟")
    yang_sunday = await office.shift(SATURDAY + timedelta(days=1), "杨静")
    # An invited person who has not registered yet; one deactivated; two of the same name.
    await services.people.invite(boss, StaffDraft(name="孙强", department="党政办"))
    await services.people.deactivate(boss, "吴涛")
    async with services.db.transaction() as s:
        for _ in range(2):
            s.add(Staff(name="王芳", telegram_user_id=None, created_at=services.clock.now()))

    refused: list[tuple[str, str]] = [
        ("张伟", "swap.self"),
        ("李四", "people.unknown_name"),
        ("王芳", "people.ambiguous_name"),
        ("孙强", "swap.colleague_unregistered"),
        ("吴涛", "duty.person_inactive"),
        ("王建国", "swap.colleague_is_leader"),
        ("", "duty.name_missing"),
    ]
    for name, key in refused:
        with pytest.raises((InvalidInput, NotFound)) as caught:
            await swaps.ask(zhang, shift_id, name)
        assert caught.value.key == key, name
    with pytest.raises(InvalidInput) as caught:
        await swaps.ask(zhang, shift_id, "杨静", "很" * (REASON_LIMIT + 1))
    assert caught.value.key == "swap.reason_too_long"
    with pytest.raises(PermissionDenied) as denied:
        await swaps.ask(zhang, yang_sunday, "周敏")  # 杨静's shift, not his
    assert denied.value.key == "swap.not_your_shift"
    with pytest.raises(PermissionDenied):
        await swaps.check_pick(zhang, yang_sunday)
    with pytest.raises(NotFound):
        await swaps.check_pick(zhang, 999)

    # A colleague already on duty at the same time cannot take the shift: here the night
    # before runs into the morning (as it does where nights end at 09:00, say).
    night = await office.shift(SATURDAY - timedelta(days=1), "周敏", kind="night")
    async with office.services.db.transaction() as s:
        overlong = await s.get(Shift, night)
        assert overlong is not None
        overlong.ends_at += timedelta(hours=2)
    with pytest.raises(InvalidInput) as caught:
        await swaps.ask(zhang, shift_id, "周敏")
    assert caught.value.key == "swap.colleague_busy"

    first = await swaps.ask(zhang, shift_id, "杨静")
    with pytest.raises(Conflict) as caught:
        await swaps.ask(zhang, shift_id, "黄磊")
    assert caught.value.key == "swap.pending_exists"
    await swaps.withdraw(zhang, first.id)

    # Once the shift has started it cannot be offered.
    services.clock.advance(timedelta(days=1))  # Sat 10:00, the day shift began at 08:30
    with pytest.raises(Conflict) as caught:
        await swaps.check_pick(zhang, shift_id)
    assert caught.value.key == "swap.shift_started"
    assert await swaps.coming(zhang) == []

    async with services.db.transaction() as s:
        requests = list(await s.scalars(select(SwapRequest)))
    assert [r.status for r in requests] == ["withdrawn"]


async def test_forged_presses_are_refused_by_the_service(office: Office) -> None:
    swaps = office.services.swaps
    zhang, yang, zhou = [await office.actor(n) for n in ("张伟", "杨静", "周敏")]
    zhao, wang, liu = [await office.actor(n) for n in ("赵丽", "王建国", "刘芳")]
    shift_id = await office.shift(SATURDAY, "张伟")
    asked = await swaps.ask(zhang, shift_id, "杨静")

    for someone in (zhang, zhou, liu):  # only the colleague answers
        for answer in (swaps.accept, swaps.decline):
            with pytest.raises(PermissionDenied) as denied:
                await answer(someone, asked.id)
            assert denied.value.key == "swap.not_colleague"
    with pytest.raises(Conflict) as early:
        await swaps.approve(liu, asked.id)  # not agreed yet
    assert early.value.key == "swap.not_accepted_yet"
    with pytest.raises(PermissionDenied):
        await swaps.withdraw(yang, asked.id)

    await swaps.accept(yang, asked.id)
    for someone, key in ((zhou, "swap.not_approver"), (zhao, "swap.not_approver"),
                         (zhang, "swap.not_approver"), (yang, "swap.not_approver")):
        with pytest.raises(PermissionDenied) as denied:
            await swaps.approve(someone, asked.id)
        assert denied.value.key == key
    with pytest.raises(NotFound):
        await swaps.approve(liu, asked.id + 100)
    assert (await office.swap(asked.id)).status == "accepted"

    # The shift's own duty leader may decide (here: reject); both people are told.
    rejected = await swaps.reject(wang, asked.id)
    assert rejected.swap.status == "rejected" and rejected.swap.decided_by == "王建国"
    told = await office.rows(f"swap:{asked.id}:rejected:")
    assert set(told) == {f"swap:{asked.id}:rejected:{zhang.id}",
                         f"swap:{asked.id}:rejected:{yang.id}"}
    with pytest.raises(Conflict):
        await swaps.withdraw(zhang, asked.id)
    assert (await office.services.duty.get(shift_id)).person.name == "张伟"


async def test_two_approvers_at_once_one_decision(office: Office) -> None:
    swaps = office.services.swaps
    zhang, yang, liu, wang = [await office.actor(n) for n in ("张伟", "杨静", "刘芳", "王建国")]
    shift_id = await office.shift(SATURDAY, "张伟")
    asked = await swaps.ask(zhang, shift_id, "杨静")
    await swaps.accept(yang, asked.id)
    results = await asyncio.gather(swaps.approve(liu, asked.id), swaps.reject(wang, asked.id),
                                   return_exceptions=True)
    decided = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(decided) == 1 and len(refused) == 1
    assert isinstance(refused[0], Conflict) and refused[0].key == "swap.already"
    final = (await office.swap(asked.id)).status
    person = (await office.services.duty.get(shift_id)).person.name
    assert (final, person) in {("approved", "杨静"), ("rejected", "张伟")}
    async with office.services.db.transaction() as s:
        actions = [e.action for e in await history(s, "swap", asked.id)]
    assert actions[-1] in ("swap.approve", "swap.reject") and len(actions) == 3


async def test_a_clerk_asking_for_a_swap_cannot_approve_it(office: Office) -> None:
    swaps = office.services.swaps
    liu, yang, chen = [await office.actor(n) for n in ("刘芳", "杨静", "陈志强")]
    shift_id = await office.shift(SATURDAY, "刘芳", leader="")
    asked = await swaps.ask(liu, shift_id, "杨静")
    await swaps.accept(yang, asked.id)
    # No duty leader: the other clerk is asked, never the requester herself.
    assert set(await office.rows(f"swap:{asked.id}:approve:")) == {
        f"swap:{asked.id}:approve:{chen.id}"}
    with pytest.raises(PermissionDenied) as denied:
        await swaps.approve(liu, asked.id)
    assert denied.value.key == "swap.party_cannot_approve"
    await swaps.approve(chen, asked.id)
    assert (await office.services.duty.get(shift_id)).person.name == "杨静"


async def test_withdrawn_request_and_a_shift_changed_meanwhile(office: Office) -> None:
    services, swaps = office.services, office.services.swaps
    zhang, yang, liu, chen = [await office.actor(n) for n in ("张伟", "杨静", "刘芳", "陈志强")]
    shift_id = await office.shift(SATURDAY, "张伟")

    first = await swaps.ask(zhang, shift_id, "杨静")
    await swaps.accept(yang, first.id)
    withdrawn = await swaps.withdraw(zhang, first.id)
    assert withdrawn.swap.status == "withdrawn"
    # Cards not delivered yet are cancelled; the colleague never saw the ask (no tick ran),
    # so nobody is told.
    rows = await office.rows(f"swap:{first.id}:")
    assert set(rows.values()) == {"cancelled"}
    with pytest.raises(Conflict):
        await swaps.approve(liu, first.id)

    # A clerk gives the shift to someone else while a swap waits: the swap lapses.
    second = await swaps.ask(zhang, shift_id, "杨静")
    async with services.db.transaction() as s:
        shift = await s.get(Shift, shift_id)
        zhou = await s.get(Staff, office.ids["周敏"])
        assert shift is not None and zhou is not None
        await services.duty.change_shift(s, chen, shift, person=zhou)
    lapsed = await swaps.accept(yang, second.id)
    assert lapsed.swap.status == "expired"
    assert (await office.rows(f"swap:{second.id}:expired:")) == {
        f"swap:{second.id}:expired:{zhang.id}": "pending"}
    assert (await services.duty.get(shift_id)).person.name == "周敏"
    async with services.db.transaction() as s:
        actions = [e.action for e in await history(s, "swap", second.id)]
    assert actions == ["swap.ask", "swap.expire"]
