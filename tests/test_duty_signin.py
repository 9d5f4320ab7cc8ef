"""Sign-in, sign-out with handover and the duty log, against a real database."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.config import Geofence
from bot.demo.seed import seed_office
from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.duty import ShiftView
from bot.services.duty_signin import Position, SignInService, distance_m
from bot.services.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from storage.models import DutyLogEntry, Notification, Shift
from tests.conftest import SHANGHAI

SATURDAY = date(2026, 11, 28)
# 镇政府 and a point about 300 m north of it (0.0027° of latitude).
OFFICE = (30.0, 120.0)
NEAR = (30.0027, 120.0)
FAR = (30.02, 120.0)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


async def actor(services: Services, telegram_id: int) -> Actor:
    person = await services.people.resolve_actor(telegram_id, "", "zh")
    assert person is not None
    return person


async def add_shift(services: Services, day: date, kind: str, person: str,
                    leader: str = "王建国") -> ShiftView:
    clerk = await actor(services, 1004)
    draft = await services.duty.draft(clerk, day, kind, person, leader)
    return await services.duty.create_shift(clerk, draft)


@pytest.fixture
async def office(services: Services) -> Services:
    await seed_office(services)
    return services


def clock(services: Services) -> ManualClock:
    assert isinstance(services.clock, ManualClock)
    return services.clock


async def refused(call: object, key: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.key == key, caught.value
    return caught.value


async def stored(services: Services, shift_id: int) -> Shift:
    async with services.db.transaction() as s:
        shift = await s.get(Shift, shift_id)
        assert shift is not None
        return shift


async def pending_keys(services: Services, prefix: str) -> list[str]:
    async with services.db.transaction() as s:
        rows = await s.scalars(select(Notification.key).where(
            Notification.key.startswith(prefix), Notification.status == "pending"))
        return sorted(rows)


def test_haversine_matches_known_distances() -> None:
    # One degree along the equator is 2πR/360 = 111.195 km on the mean Earth radius.
    assert distance_m(0, 0, 0, 1) == pytest.approx(111_195, abs=1)
    # Beijing Tiananmen to Shanghai People's Square: about 1,067 km.
    assert distance_m(39.9087, 116.3975, 31.2304, 121.4737) == pytest.approx(1_067_000,
                                                                              rel=0.01)
    assert distance_m(*OFFICE, *OFFICE) == 0


async def test_on_time_sign_in_cancels_the_no_show_chain(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    assert await pending_keys(office, f"shift:{shift.id}:noshow:")  # scheduled with the shift
    zhang = await actor(office, 1006)

    clock(office).set(at(SATURDAY, 8, 27))
    result = await office.signin.sign_in(zhang)
    assert result.shift.id == shift.id and result.late_minutes == 0
    assert result.distance_m is None and result.handover is None
    row = await stored(office, shift.id)
    assert row.signed_in_at == at(SATURDAY, 8, 27) and not row.sign_in_late
    assert await pending_keys(office, f"shift:{shift.id}:noshow:") == []
    async with office.db.transaction() as s:
        entries = await history(s, "shift", shift.id)
    assert entries[-1].action == "shift.signin" and entries[-1].actor_id == zhang.id
    assert entries[-1].after["late"] is False

    error = await refused(office.signin.sign_in(zhang), "signin.already")
    assert error.params["at"] == "08:27"
    assert (await stored(office, shift.id)).signed_in_at == at(SATURDAY, 8, 27)


async def test_signing_in_early_drops_only_ones_own_before_reminder(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    zhang = await actor(office, 1006)
    clock(office).set(at(SATURDAY, 8, 0))  # the window opens as the reminders fall due
    await office.signin.sign_in(zhang)
    leader = await actor(office, 1001)
    assert await pending_keys(office, f"shift:{shift.id}:before:") == [
        f"shift:{shift.id}:before:{leader.id}"]


async def test_late_after_the_grace_period(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    clock(office).set(at(SATURDAY, 8, 45))  # start + grace exactly: still on time
    on_time = await office.signin.sign_in(await actor(office, 1006), shift.id)
    assert on_time.late_minutes == 0

    night = await add_shift(office, SATURDAY, "night", "杨静")
    clock(office).set(at(SATURDAY, 17, 52))
    late = await office.signin.sign_in(await actor(office, 1007))
    assert late.shift.id == night.id and late.late_minutes == 22
    assert (await stored(office, night.id)).sign_in_late is True


async def test_outside_the_window_and_not_on_duty(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    zhang, yang = await actor(office, 1006), await actor(office, 1007)

    clock(office).set(at(SATURDAY, 7, 59))
    error = await refused(office.signin.sign_in(zhang), "signin.too_early")
    assert error.params["opens"] == "08:00" and error.params["start"] == "08:30"

    error = await refused(office.signin.sign_in(yang), "signin.not_on_duty")
    assert error.params["person"] == "张伟" and error.params["leader"] == "王建国"

    clock(office).set(at(SATURDAY, 17, 30))
    error = await refused(office.signin.sign_in(zhang), "signin.too_late")
    assert error.params["end"] == "17:30"
    await refused(office.signin.sign_in(zhang, shift.id), "signin.too_late")

    clock(office).set(at(SATURDAY + timedelta(days=1), 9, 0))
    await refused(office.signin.sign_in(zhang), "signin.not_on_duty_none")
    assert (await stored(office, shift.id)).signed_in_at is None


async def test_not_on_duty_names_the_shift_begun_the_day_before(office: Services) -> None:
    """Early on Sunday the one on duty is on Saturday's night shift, or a 24-hour shift
    begun on Saturday: both run on Sunday too (the MAX_SHIFT bound must not cut them)."""
    await add_shift(office, SATURDAY, "night", "杨静", "李明华")
    sunday = SATURDAY + timedelta(days=1)
    await add_shift(office, sunday, "full", "吴涛")
    zhang = await actor(office, 1006)
    clock(office).set(at(sunday, 7, 0))
    error = await refused(office.signin.sign_in(zhang), "signin.not_on_duty")
    assert error.params["person"] == "杨静" and error.params["leader"] == "李明华"
    clock(office).set(at(sunday + timedelta(days=1), 8, 0))
    error = await refused(office.signin.sign_in(zhang), "signin.not_on_duty")
    assert error.params["person"] == "吴涛"


async def test_someone_elses_shift_is_refused(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    clock(office).set(at(SATURDAY, 8, 40))
    with pytest.raises(PermissionDenied):
        await office.signin.sign_in(await actor(office, 1007), shift.id)
    with pytest.raises(PermissionDenied):
        await office.signin.prepare(await actor(office, 1007), shift.id)
    await refused(office.signin.sign_in(await actor(office, 1006), 9999), "duty.shift_unknown")
    assert (await stored(office, shift.id)).signed_in_at is None


async def test_location_check(office: Services) -> None:
    fenced = dataclasses.replace(office.config, duty=dataclasses.replace(
        office.config.duty, geofence=Geofence(*OFFICE, radius_m=500)))
    signin = SignInService(office.db, fenced, office.clock, office.duty)
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    zhang = await actor(office, 1006)
    clock(office).set(at(SATURDAY, 8, 20))

    await refused(signin.sign_in(zhang, shift.id), "signin.location_needed")
    await refused(signin.sign_in(zhang, shift.id, Position(*NEAR, forwarded=True)),
                  "signin.location_forwarded")
    error = await refused(signin.sign_in(zhang, shift.id, Position(*FAR)),
                          "signin.location_far")
    assert error.params == {"distance": 2224, "radius": 500}
    assert (await stored(office, shift.id)).signed_in_at is None
    assert await pending_keys(office, f"shift:{shift.id}:noshow:")

    result = await signin.sign_in(zhang, shift.id, Position(*NEAR))
    assert result.distance_m == 300
    assert (await stored(office, shift.id)).sign_in_distance_m == 300


async def test_sign_out_rules(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    zhang, yang = await actor(office, 1006), await actor(office, 1007)
    clock(office).set(at(SATURDAY, 9, 0))
    await refused(office.signin.signout_target(zhang), "signout.not_signed_in")
    await refused(office.signin.sign_out(zhang, shift.id, "无"), "signout.not_signed_in")
    await refused(office.signin.signout_target(yang), "signout.no_shift")

    await office.signin.sign_in(zhang)
    target = await office.signin.signout_target(zhang)
    assert target.shift.id == shift.id and target.log_count == 0
    with pytest.raises(PermissionDenied):
        await office.signin.sign_out(yang, shift.id, "代签")
    await refused(office.signin.sign_out(zhang, shift.id, "  "), "signout.note_empty")
    await refused(office.signin.sign_out(zhang, shift.id, "长" * 2001),
                  "signout.note_too_long")

    clock(office).set(at(SATURDAY, 17, 40))  # a little after the end is still fine
    result = await office.signin.sign_out(zhang, shift.id, "门卫报修已登记。")
    assert result.next_shift is None and not result.sent_now
    row = await stored(office, shift.id)
    assert row.signed_out_at == at(SATURDAY, 17, 40) and row.handover_note == "门卫报修已登记。"
    async with office.db.transaction() as s:
        assert (await history(s, "shift", shift.id))[-1].action == "shift.signout"

    with pytest.raises(Conflict) as caught:
        await office.signin.sign_out(zhang, shift.id, "再签一次")
    assert caught.value.params == {"at": "17:40"}
    await refused(office.signin.signout_target(zhang), "signout.already")
    assert (await stored(office, shift.id)).handover_note == "门卫报修已登记。"


async def test_duty_log_needs_a_signed_in_shift(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    zhang = await actor(office, 1006)
    await refused(office.signin.add_log(zhang, "接电话"), "log.not_on_duty")
    clock(office).set(at(SATURDAY, 8, 35))
    await refused(office.signin.add_log(zhang, "接电话"), "log.sign_in_first")
    await office.signin.sign_in(zhang)
    await refused(office.signin.add_log(zhang, "   "), "log.usage")
    await refused(office.signin.add_log(zhang, "字" * 1001), "log.too_long")

    first = await office.signin.add_log(zhang, "接县应急办电话")
    clock(office).advance(timedelta(minutes=30))
    second = await office.signin.add_log(zhang, "巡查办公楼")
    assert (first.count, second.count) == (1, 2)
    assert [text for _, text in await office.signin.log_of(shift.id)] == [
        "接县应急办电话", "巡查办公楼"]

    await office.signin.sign_out(zhang, shift.id, "无")
    await refused(office.signin.add_log(zhang, "补记"), "log.not_on_duty")
    async with office.db.transaction() as s:
        count = len(list(await s.scalars(select(DutyLogEntry))))
    assert count == 2


async def test_handover_reaches_the_next_person(office: Services) -> None:
    day = await add_shift(office, SATURDAY, "day", "张伟")
    night = await add_shift(office, SATURDAY, "night", "杨静", "李明华")
    zhang, yang = await actor(office, 1006), await actor(office, 1007)

    clock(office).set(at(SATURDAY, 8, 30))
    first = await office.signin.sign_in(zhang)
    assert first.handover is None and first.handover_from is None  # nothing before it
    await office.signin.add_log(zhang, "接派出所电话")
    clock(office).set(at(SATURDAY, 17, 35))
    result = await office.signin.sign_out(zhang, day.id, "空调待修")
    assert result.next_shift is not None and result.next_shift.id == night.id
    assert not result.sent_now  # 杨静 has not signed in: it goes with her sign-in

    clock(office).set(at(SATURDAY, 17, 40))
    signed = await office.signin.sign_in(yang)
    assert signed.handover is not None
    assert signed.handover["handover"] == "空调待修" and signed.handover["person"] == "张伟"
    assert signed.handover["log"] == "08:30 接派出所电话" and signed.handover["out_at"] == "17:35"
    assert await pending_keys(office, "handover:") == []


async def test_handover_sent_when_next_signed_in_first(office: Services) -> None:
    day = await add_shift(office, SATURDAY, "day", "张伟")
    night = await add_shift(office, SATURDAY, "night", "杨静", "李明华")
    zhang, yang = await actor(office, 1006), await actor(office, 1007)
    clock(office).set(at(SATURDAY, 8, 30))
    await office.signin.sign_in(zhang)

    clock(office).set(at(SATURDAY, 17, 20))
    early = await office.signin.sign_in(yang)
    assert early.handover is None and early.handover_from == "张伟"

    clock(office).set(at(SATURDAY, 17, 45))
    result = await office.signin.sign_out(zhang, day.id, "无")
    assert result.sent_now
    assert await pending_keys(office, "handover:") == [f"handover:{day.id}:{night.id}"]
    async with office.db.transaction() as s:
        row = await s.scalar(select(Notification).where(Notification.key.startswith("handover:")))
        assert row is not None and row.recipient_id == yang.id
        assert row.params["handover"] == "无" and row.params["log"] == {"t": "signin.log_empty"}


async def test_cancelled_shift_is_not_signed_in(office: Services) -> None:
    shift = await add_shift(office, SATURDAY, "day", "张伟")
    await office.duty.cancel_shift(await actor(office, 1004), shift.id)
    clock(office).set(at(SATURDAY, 8, 40))
    zhang = await actor(office, 1006)
    await refused(office.signin.sign_in(zhang, shift.id), "duty.shift_cancelled")
    with pytest.raises(InvalidInput):
        await office.signin.sign_in(zhang)
