"""Minutes, decisions and recurring meetings against a real database: who may record what
and when, what reaches the outbox and the audit log, and the occurrences a series makes on
the real holiday calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.demo.seed import seed_office
from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.meeting_minutes import (
    DONE,
    OPEN,
    OVERDUE,
    Rule,
    first_workday,
    parse_rule,
)
from bot.services.meetings import CANCELLED, FINISHED, SCHEDULED
from bot.services.people import actor_of
from storage.models import Meeting, MeetingDecision, MeetingSeries, Notification, Staff

TZ = ZoneInfo("Asia/Shanghai")
# Two days before 2026's National Day week: Sunday, itself inside the Mid-Autumn holiday.
BEFORE_NATIONAL_DAY = datetime(2026, 9, 27, 10, 0, tzinfo=TZ)


class Office:
    def __init__(self, services: Services, ids: dict[str, int]) -> None:
        self.services = services
        self.ids = ids

    async def actor(self, name: str) -> Actor:
        async with self.services.db.transaction() as s:
            staff = await s.get(Staff, self.ids[name])
            assert staff is not None
            return await actor_of(staff, "zh")

    async def meeting(self, when: str = "明天下午3点", invitees: str = "班子成员",
                      organiser: str = "刘芳") -> int:
        actor = await self.actor(organiser)
        draft = await self.services.meetings.prepare(actor, "党委会", when, "三楼会议室",
                                                     invitees)
        return (await self.services.meetings.create(actor, draft)).id

    async def load(self, meeting_id: int) -> Meeting:
        async with self.services.db.transaction() as s:
            meeting = await s.get(Meeting, meeting_id)
            assert meeting is not None
            return meeting

    async def rows(self, prefix: str) -> dict[str, str]:
        async with self.services.db.transaction() as s:
            found = await s.scalars(select(Notification).where(
                Notification.key.startswith(prefix, autoescape=True)))
            return {n.key: n.status for n in found}

    async def actions(self, entity: str, entity_id: int) -> list[str]:
        async with self.services.db.transaction() as s:
            return [e.action for e in await history(s, entity, entity_id)]

    def at(self, *args: int) -> None:
        self.services.clock.set(datetime(*args, tzinfo=TZ))  # type: ignore[attr-defined]


@pytest.fixture
async def office(services: Services) -> Office:
    services.minutes.use_calendar(services.calendar)
    return Office(services, await seed_office(services))


# --- minutes ---------------------------------------------------------------------------------


async def test_minutes_refused_before_the_start_by_others_and_when_cancelled(
        office: Office) -> None:
    minutes = office.services.minutes
    liu, wang, zhang = [await office.actor(n) for n in ("刘芳", "王建国", "张伟")]
    meeting_id = await office.meeting()  # Saturday 2026-11-28 15:00-16:00

    with pytest.raises(InvalidInput) as early:
        await minutes.record(liu, meeting_id, text="会议纪要")
    assert early.value.key == "meeting_minutes.not_started"
    with pytest.raises(InvalidInput):
        await minutes.check_record(liu, meeting_id)

    office.at(2026, 11, 28, 15, 30)
    for other in (wang, zhang):  # an invitee, and someone not invited at all
        with pytest.raises(PermissionDenied) as refused:
            await minutes.record(other, meeting_id, text="会议纪要")
        assert refused.value.key == "meeting.not_organiser"
    with pytest.raises(PermissionDenied):
        await minutes.read(zhang, meeting_id)  # not invited, not a clerk
    with pytest.raises(InvalidInput) as empty:
        await minutes.record(liu, meeting_id, text="   ")
    assert empty.value.key == "meeting_minutes.minutes_empty"
    with pytest.raises(NotFound):
        await minutes.record(liu, 999, text="会议纪要")

    # A cancelled meeting has no minutes. (Cancelling is the changes feature's; here the
    # row is put in that state directly.)
    async with office.services.db.transaction() as s:
        row = await s.get(Meeting, meeting_id)
        assert row is not None
        row.status = CANCELLED
    with pytest.raises(Conflict) as cancelled:
        await minutes.record(liu, meeting_id, text="会议纪要")
    assert cancelled.value.key == "meeting_minutes.cancelled"

    meeting = await office.load(meeting_id)
    assert meeting.minutes is None and meeting.minutes_at is None
    assert await office.actions("meeting", meeting_id) == ["meeting.create"]
    assert await office.rows(f"meeting:{meeting_id}:minutes:") == {}


async def test_minutes_text_then_document_finish_the_meeting_and_tell_invitees_once(
        office: Office) -> None:
    minutes = office.services.minutes
    liu, wang, chen = [await office.actor(n) for n in ("刘芳", "王建国", "陈志强")]
    meeting_id = await office.meeting()

    office.at(2026, 11, 28, 15, 40)  # still in the meeting
    saved = await minutes.record(liu, meeting_id, text="  一、研究村道修缮。\n二、其他。 ")
    assert saved.recorded_now == ("text",) and saved.status == SCHEDULED
    leaders = [office.ids[n] for n in ("王建国", "李明华", "赵丽")]
    told = await office.rows(f"meeting:{meeting_id}:minutes:")
    assert told == {f"meeting:{meeting_id}:minutes:{i}": "pending" for i in leaders}
    assert saved.told == 3

    office.at(2026, 11, 28, 17, 0)  # after the end: the document finishes the meeting
    saved = await minutes.record(chen, meeting_id, file_id="FILE-minutes-1")  # an admin
    assert saved.recorded_now == ("file",) and saved.status == FINISHED and saved.told == 0
    assert (await office.load(meeting_id)).status == FINISHED

    read = await minutes.read(wang, meeting_id)
    assert read.text == "一、研究村道修缮。\n二、其他。" and read.file_id == "FILE-minutes-1"
    assert read.recorded_at == datetime(2026, 11, 28, 17, 0, tzinfo=TZ)
    assert len(await office.rows(f"meeting:{meeting_id}:minutes:")) == 3  # not told twice
    async with office.services.db.transaction() as s:
        entries = [e for e in await history(s, "meeting", meeting_id)
                   if e.action == "meeting.minutes"]
    assert [e.after["status"] for e in entries] == [SCHEDULED, FINISHED]
    assert entries[1].before["minutes_file_id"] is None


# --- decisions -------------------------------------------------------------------------------


async def test_decision_with_owner_and_deadline_is_told_listed_and_goes_overdue(
        office: Office) -> None:
    minutes = office.services.minutes
    liu, zhang, yang = [await office.actor(n) for n in ("刘芳", "张伟", "杨静")]
    meeting_id = await office.meeting()
    office.at(2026, 11, 28, 16, 30)

    made = await minutes.add_decision(liu, meeting_id, "完成村道修缮方案", "张伟", "12月15日")
    assert made.owner == "张伟" and made.deadline == date(2026, 12, 15) and made.state == OPEN
    plain = await minutes.add_decision(liu, meeting_id, "加强秋冬季防火宣传")
    assert plain.owner_id is None and plain.deadline is None
    key = f"meeting:{meeting_id}:decision:{made.id}:owner:{zhang.id}"
    assert await office.rows(f"meeting:{meeting_id}:decision:") == {key: "pending"}
    async with office.services.db.transaction() as s:
        row = await s.scalar(select(Notification).where(Notification.key == key))
        stored = await s.get(MeetingDecision, made.id)
        assert row is not None and stored is not None
        assert row.buttons == [[{"key": "btn.mtg_decision_done",
                                 "data": f"mtgdec:done:{made.id}"}]]
        assert stored.deadline == datetime(2026, 12, 15, 23, 59, tzinfo=TZ)
        assert stored.task_id is None  # no tasks feature yet: the decision carries it all

    # The owner sees it among their open decisions even without an invitation.
    assert [d.id for d in await minutes.open_decisions(zhang)] == [made.id]
    assert await minutes.open_decisions(yang) == []
    _, listed = await minutes.decisions(zhang, meeting_id)
    assert [(d.id, d.state) for d in listed] == [(made.id, OPEN), (plain.id, OPEN)]
    with pytest.raises(PermissionDenied):
        await minutes.decisions(yang, meeting_id)

    office.at(2026, 12, 16, 0, 1)  # the deadline day is over
    states = {d.id: d.state for d in await minutes.decisions_of(meeting_id)}
    assert states == {made.id: OVERDUE, plain.id: OPEN}
    assert [d.id for d in await minutes.open_decisions(liu)] == [made.id, plain.id]

    with pytest.raises(PermissionDenied):
        await minutes.decision_done(yang, made.id)
    done = await minutes.decision_done(zhang, made.id)
    assert done.state == DONE and done.done_by == "张伟"
    assert (await office.rows(f"meeting:{meeting_id}:decision:{made.id}:done:")) == {
        f"meeting:{meeting_id}:decision:{made.id}:done:{liu.id}": "pending"}
    with pytest.raises(Conflict) as again:
        await minutes.decision_done(liu, made.id)
    assert again.value.key == "meeting_minutes.decision_already_done"
    with pytest.raises(NotFound):
        await minutes.decision_done(liu, 999)
    assert await office.actions("meeting_decision", made.id) == [
        "meeting.decision", "meeting.decision_done"]


async def test_bad_decisions_change_nothing(office: Office) -> None:
    minutes = office.services.minutes
    liu, wang = await office.actor("刘芳"), await office.actor("王建国")
    meeting_id = await office.meeting()
    with pytest.raises(InvalidInput) as early:
        await minutes.add_decision(liu, meeting_id, "完成村道修缮方案")
    assert early.value.key == "meeting_minutes.not_started"

    office.at(2026, 11, 28, 16, 30)
    with pytest.raises(PermissionDenied):
        await minutes.add_decision(wang, meeting_id, "完成村道修缮方案")
    with pytest.raises(NotFound) as unknown:
        await minutes.add_decision(liu, meeting_id, "完成村道修缮方案", "张三丰")
    assert unknown.value.key == "people.unknown_name"
    with pytest.raises(InvalidInput) as past:
        await minutes.add_decision(liu, meeting_id, "完成村道修缮方案", "张伟", "2026年11月20日")
    assert past.value.key == "time.past"
    with pytest.raises(InvalidInput) as unparsed:
        await minutes.add_decision(liu, meeting_id, "完成村道修缮方案", "张伟", "改天")
    assert unparsed.value.key == "time.unparsed"
    with pytest.raises(InvalidInput):
        await minutes.add_decision(liu, meeting_id, "  ")

    assert await minutes.decisions_of(meeting_id) == []
    assert await office.rows(f"meeting:{meeting_id}:decision:") == {}


# --- recurring meetings ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "rule"), [
    ("每周一 08:30", "weekly:0:08:30"),
    ("每周五下午3点", "weekly:4:15:00"),
    ("每星期日 9:00", "weekly:6:09:00"),
    ("every monday 08:30", "weekly:0:08:30"),
    ("Every Thu at 2:30pm", "weekly:3:14:30"),
    ("每月第一个工作日 09:00", "monthly_first_workday:09:00"),
    ("每月首个工作日上午9点", "monthly_first_workday:09:00"),
    ("first workday monthly 09:00", "monthly_first_workday:09:00"),
    ("first working day of each month 9:30", "monthly_first_workday:09:30"),
])
def test_series_rules(text: str, rule: str) -> None:
    parsed = parse_rule(text, now=BEFORE_NATIONAL_DAY, tz=TZ)
    assert parsed.encode() == rule and Rule.decode(rule) == parsed


@pytest.mark.parametrize("text", [
    "每周一", "每周八 08:30", "每两周一 08:30", "每月最后一个工作日 09:00", "every day 9am",
    "每周一 25:00", "monday", "",
])
def test_series_rules_that_do_not_parse(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rule(text, now=BEFORE_NATIONAL_DAY, tz=TZ)
    assert refused.value.key == "meeting_minutes.series_bad_rule"


def test_first_working_day_follows_the_real_calendar(office: Office) -> None:
    calendar = office.services.calendar
    # National Day week (10-1..10-7), so October 2026 starts work on Thursday 10-8.
    assert first_workday(calendar, 2026, 10) == date(2026, 10, 8)
    # 元旦 2026 is 1-1..1-3; Sunday 1-4 is a 调休 workday.
    assert first_workday(calendar, 2026, 1) == date(2026, 1, 4)
    assert first_workday(calendar, 2026, 5) == date(2026, 5, 6)  # after 劳动节
    assert first_workday(calendar, 2026, 12) == date(2026, 12, 1)


async def test_a_series_by_staff_or_with_a_bad_rule_is_refused(office: Office) -> None:
    minutes = office.services.minutes
    zhang, liu = await office.actor("张伟"), await office.actor("刘芳")
    with pytest.raises(PermissionDenied):
        await minutes.prepare_series(zhang, "周例会", "每周一 08:30", "三楼", "党政办")
    with pytest.raises(PermissionDenied):
        await minutes.create_series(zhang, {"title": "周例会", "rule": "weekly:0:08:30",
                                            "place": "", "invitees": "党政办",
                                            "duration_minutes": 60})
    with pytest.raises(InvalidInput):
        await minutes.prepare_series(liu, "周例会", "每周八 08:30", "三楼", "党政办")
    with pytest.raises(NotFound):
        await minutes.prepare_series(liu, "周例会", "每周一 08:30", "三楼", "张三丰")
    async with office.services.db.transaction() as s:
        assert list(await s.scalars(select(MeetingSeries))) == []


async def series_meetings(office: Office, series_id: int) -> list[tuple[datetime, str]]:
    async with office.services.db.transaction() as s:
        rows = await s.scalars(select(Meeting).where(Meeting.series_id == series_id)
                               .order_by(Meeting.starts_at))
        return [(m.starts_at.astimezone(TZ), m.status) for m in rows]


async def test_weekly_series_skips_national_day_and_runs_once_per_date(
        office: Office) -> None:
    minutes = office.services.minutes
    office.at(2026, 9, 27, 10, 0)
    liu, zhang = await office.actor("刘芳"), await office.actor("张伟")
    draft = await minutes.prepare_series(liu, "党政班子联席会", "每周一 08:30", "三楼会议室",
                                         "班子成员")
    # The preview skips Monday 10-5 (National Day).
    assert draft.next_dates == (date(2026, 9, 28), date(2026, 10, 12), date(2026, 10, 19))
    series = await minutes.create_series(liu, draft.to_json())
    assert series.created == (date(2026, 9, 28),) and series.skipped == (date(2026, 10, 5),)
    assert await series_meetings(office, series.id) == [
        (datetime(2026, 9, 28, 8, 30, tzinfo=TZ), SCHEDULED)]
    same_day = await minutes.generate(date(2026, 9, 27),
                                                  office.services.clock.now())
    assert same_day.created == [] and same_day.failed == []
    skip_key = f"series:{series.id}:skip:2026-10-05"
    assert await office.rows(f"series:{series.id}:") == {skip_key: "pending"}

    # Each occurrence has its own notices (one per leader).
    async with office.services.db.transaction() as s:
        meeting_id = await s.scalar(select(Meeting.id).where(Meeting.series_id == series.id))
    notices = await office.rows(f"meeting:{meeting_id}:notice:")
    assert len(notices) == 3

    office.at(2026, 10, 5, 7, 30)
    made = await minutes.generate(date(2026, 10, 5), office.services.clock.now())
    assert [d for _, d, _ in made.created] == [date(2026, 10, 12), date(2026, 10, 19)]
    assert await office.rows(f"series:{series.id}:") == {skip_key: "pending"}  # told once

    # An occurrence moved by its organiser is not made again at its old time. (Moving is
    # the changes feature's; here the row is moved directly.)
    async with office.services.db.transaction() as s:
        moved = await s.scalar(select(Meeting).where(
            Meeting.series_id == series.id,
            Meeting.starts_at == datetime(2026, 10, 12, 8, 30, tzinfo=TZ)))
        assert moved is not None
        moved.starts_at += timedelta(hours=1)
        moved.ends_at += timedelta(hours=1)
    again = await minutes.generate(date(2026, 10, 6), office.services.clock.now())
    assert again.created == []
    assert len(await series_meetings(office, series.id)) == 3

    with pytest.raises(PermissionDenied):
        await minutes.stop_series(zhang, series.id)
    stopped = await minutes.stop_series(liu, series.id)
    assert not stopped.active and await minutes.list_series(zhang) == []
    with pytest.raises(Conflict):
        await minutes.stop_series(liu, series.id)
    office.at(2026, 10, 20, 7, 30)
    later = await minutes.generate(date(2026, 10, 20), office.services.clock.now())
    assert later.created == [] and len(await series_meetings(office, series.id)) == 3
    assert await office.actions("meeting_series", series.id) == [
        "meeting_series.create", *["meeting_series.occurrence"] * 3, "meeting_series.stop"]


async def test_monthly_series_meets_on_the_first_working_day(office: Office) -> None:
    minutes = office.services.minutes
    office.at(2026, 9, 27, 10, 0)
    wang = await office.actor("王建国")  # a leader may call a series too
    draft = await minutes.prepare_series(wang, "村(社区)书记例会",
                                         "每月第一个工作日 09:00", "二楼会议室", "党政办")
    assert draft.next_dates[:2] == (date(2026, 10, 8), date(2026, 11, 2))
    series = await minutes.create_series(wang, draft.to_json())
    assert series.created == (date(2026, 10, 8),)
    assert await series_meetings(office, series.id) == [
        (datetime(2026, 10, 8, 9, 0, tzinfo=TZ), SCHEDULED)]


async def test_an_occurrence_that_cannot_be_made_tells_the_organiser(office: Office) -> None:
    minutes = office.services.minutes
    office.at(2026, 11, 27, 10, 0)
    liu, chen = await office.actor("刘芳"), await office.actor("陈志强")
    draft = await minutes.prepare_series(liu, "周例会", "每周五 16:00", "", "张伟、杨静")
    series = await minutes.create_series(liu, draft.to_json())
    assert series.created == (date(2026, 11, 27), date(2026, 12, 4), date(2026, 12, 11))
    await office.services.people.deactivate(chen, "杨静")
    office.at(2026, 12, 5, 7, 30)
    made = await minutes.generate(date(2026, 12, 5), office.services.clock.now())
    assert made.created == [] and made.failed == [
        (series.id, date(2026, 12, 18), "duty.person_inactive")]
    assert await office.rows(f"series:{series.id}:failed:") == {
        f"series:{series.id}:failed:2026-12-18": "pending"}
    assert len(await series_meetings(office, series.id)) == 3


async def test_a_series_whose_organiser_left_stops_and_admins_are_told(office: Office) -> None:
    minutes = office.services.minutes
    office.at(2026, 11, 27, 10, 0)
    liu, chen = await office.actor("刘芳"), await office.actor("陈志强")
    draft = await minutes.prepare_series(liu, "周例会", "每周五 16:00", "", "张伟")
    series = await minutes.create_series(liu, draft.to_json())
    await office.services.people.deactivate(chen, "刘芳")
    office.at(2026, 12, 5, 7, 30)
    made = await minutes.generate(date(2026, 12, 5), office.services.clock.now())
    assert made.created == [] and len(await series_meetings(office, series.id)) == 3
    assert await office.rows(f"series:{series.id}:orphaned:") == {
        f"series:{series.id}:orphaned:{chen.id}": "pending"}
    # An admin stops it; nothing more is made.
    assert not (await minutes.stop_series(chen, series.id)).active
