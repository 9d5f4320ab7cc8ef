"""Answers to meeting notices, the organiser's view, nudges and check-in against a real
database: the rules, the reminders each answer leaves in the outbox, and the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.demo.seed import seed_office
from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.meeting_rsvp import REASON_LIMIT
from bot.services.people import StaffDraft, actor_of
from storage.models import Meeting, MeetingInvitee, Notification, Staff
from tests.conftest import SHANGHAI

# START is Fri 2026-11-27 10:00; "明天下午3点" is Sat 15:00–16:00.
STARTS = datetime(2026, 11, 28, 15, 0, tzinfo=SHANGHAI)


class Office:
    def __init__(self, services: Services, ids: dict[str, int]) -> None:
        self.services = services
        self.ids = ids
        self.rsvp = services.rsvp

    async def actor(self, name: str) -> Actor:
        async with self.services.db.transaction() as s:
            staff = await s.get(Staff, self.ids[name])
            assert staff is not None
            return await actor_of(staff, "zh")

    async def meeting(self, invitees: str = "班子成员、张伟", organiser: str = "刘芳") -> int:
        actor = await self.actor(organiser)
        draft = await self.services.meetings.prepare(actor, "党委会", "明天下午3点",
                                                     "三楼会议室", invitees)
        return (await self.services.meetings.create(actor, draft)).id

    async def row(self, meeting_id: int, name: str) -> MeetingInvitee | None:
        async with self.services.db.transaction() as s:
            return await s.scalar(select(MeetingInvitee).where(
                MeetingInvitee.meeting_id == meeting_id,
                MeetingInvitee.staff_id == self.ids[name]))

    async def reminders(self, meeting_id: int) -> set[tuple[str, str]]:
        """(kind, name) of the pending reminders: ('eve', '王建国'), ('before', ...)."""
        names = {v: k for k, v in self.ids.items()}
        async with self.services.db.transaction() as s:
            rows = await s.scalars(select(Notification).where(
                Notification.key.startswith(f"meeting:{meeting_id}:remind:"),
                Notification.status == "pending"))
            return {(r.key.split(":")[4], names[r.recipient_id]) for r in rows}

    async def outbox(self, prefix: str) -> list[Notification]:
        async with self.services.db.transaction() as s:
            return list(await s.scalars(select(Notification).where(
                Notification.key.startswith(prefix)).order_by(Notification.id)))

    async def actions(self, meeting_id: int) -> list[str]:
        async with self.services.db.transaction() as s:
            return [e.action for e in await history(s, "meeting", meeting_id)]

    async def set_status(self, meeting_id: int, status: str) -> None:
        """What the changes and minutes parts do to a meeting (not this part's concern)."""
        async with self.services.db.transaction() as s:
            await s.execute(update(Meeting).where(Meeting.id == meeting_id)
                            .values(status=status))


@pytest.fixture
async def office(services: Services) -> Office:
    return Office(services, await seed_office(services))


def both(kind_names: set[tuple[str, str]]) -> set[str]:
    """The people who have both reminders pending."""
    eve = {n for k, n in kind_names if k == "eve"}
    return eve & {n for k, n in kind_names if k == "before"}


async def test_answers_keep_reminders_in_step_and_are_audited(office: Office) -> None:
    mid = await office.meeting()
    everyone = {"王建国", "李明华", "赵丽", "张伟"}
    assert both(await office.reminders(mid)) == everyone

    wang, li, zhao = [await office.actor(n) for n in ("王建国", "李明华", "赵丽")]
    attended = await office.rsvp.attend(wang, mid)
    assert attended.changed and attended.mine.response == "attend"
    assert not (await office.rsvp.attend(wang, mid)).changed  # a second press

    left = await office.rsvp.leave(li, mid, "  下乡  检查 ")
    assert left.mine.response == "leave" and left.mine.reason == "下乡 检查"
    sent = await office.rsvp.delegate(zhao, mid, "杨静")
    assert sent.mine.response == "delegate" and sent.mine.delegate == "杨静"
    yang = await office.row(mid, "杨静")
    assert yang is not None and yang.active and yang.delegated_from_id == office.ids["赵丽"]
    assert yang.response == "none"

    # Those on leave or who sent someone get no reminder; the delegate does.
    assert await office.reminders(mid) == {(k, n) for k in ("eve", "before")
                                           for n in ("王建国", "张伟", "杨静")}
    # The delegate's notice is in their own name; the organiser hears of leave and delegation.
    (notice,) = await office.outbox(f"meeting:{mid}:notice:r1:{office.ids['杨静']}:")
    assert notice.template == "meeting_rsvp.notice_delegated"
    assert notice.params["delegator"] == "赵丽"
    told = await office.outbox(f"meeting:{mid}:rsvp:")
    assert [(n.template, n.recipient_id) for n in told] == [
        ("meeting_rsvp.told_leave", office.ids["刘芳"]),
        ("meeting_rsvp.told_delegate", office.ids["刘芳"])]

    # Back from leave to attending: the reminders come back.
    await office.rsvp.attend(li, mid)
    assert ("eve", "李明华") in await office.reminders(mid)
    row = await office.row(mid, "李明华")
    assert row is not None and row.reason == "" and row.answered_revision == 1

    assert await office.actions(mid) == [
        "meeting.create", "meeting.rsvp", "meeting.rsvp", "meeting.rsvp",
        "meeting.delegate_invited", "meeting.rsvp"]


async def test_changing_away_from_a_delegation_takes_the_invitation_back(
        office: Office) -> None:
    mid = await office.meeting()
    zhao = await office.actor("赵丽")
    await office.rsvp.delegate(zhao, mid, "杨静")
    # Another delegate instead: the first one's invitation and reminders go.
    await office.rsvp.delegate(zhao, mid, "周敏")
    yang = await office.row(mid, "杨静")
    assert yang is not None and not yang.active and yang.delegated_from_id is None
    names = {n for _, n in await office.reminders(mid)}
    assert "杨静" not in names and "周敏" in names
    # The notice to 杨静 had not gone out yet: it never will, and nobody tells them.
    (notice,) = await office.outbox(f"meeting:{mid}:notice:r1:{office.ids['杨静']}:")
    assert notice.status == "cancelled"
    assert not await office.outbox(f"meeting:{mid}:rsvp:withdrawn:")

    # The former delegate cannot answer any more; the new one can, but not pass it on.
    with pytest.raises(PermissionDenied):
        await office.rsvp.attend(await office.actor("杨静"), mid)
    zhou = await office.actor("周敏")
    with pytest.raises(InvalidInput) as chained:
        await office.rsvp.delegate(zhou, mid, "吴涛")
    assert chained.value.key == "meeting_rsvp.delegate_chain"
    await office.rsvp.leave(zhou, mid, "外出办事")
    # The delegator hears their delegate asked for leave, as does the organiser.
    told = {(n.template, n.recipient_id) for n in await office.outbox(f"meeting:{mid}:rsvp:")}
    assert ("meeting_rsvp.told_delegate_leave", office.ids["赵丽"]) in told

    # 杨静 may be sent again later: their old row is used afresh.
    await office.rsvp.attend(zhao, mid)
    assert not (await office.row(mid, "周敏")).active  # type: ignore[union-attr]
    await office.rsvp.delegate(zhao, mid, "杨静")
    yang = await office.row(mid, "杨静")
    assert yang is not None and yang.active and yang.response == "none"


async def test_bad_answers_change_nothing(office: Office) -> None:
    mid = await office.meeting()
    boss = await office.actor("陈志强")
    await office.services.people.invite(boss, StaffDraft(name="孙强", department="党政办"))
    await office.services.people.deactivate(boss, "吴涛")
    zhao, zhou = await office.actor("赵丽"), await office.actor("周敏")
    before = await office.actions(mid)

    with pytest.raises(PermissionDenied):  # not invited
        await office.rsvp.attend(zhou, mid)
    with pytest.raises(InvalidInput) as empty:
        await office.rsvp.leave(zhao, mid, "   ")
    assert empty.value.key == "meeting_rsvp.reason_missing"
    with pytest.raises(InvalidInput) as long:
        await office.rsvp.leave(zhao, mid, "很" * (REASON_LIMIT + 1))
    assert long.value.key == "meeting_rsvp.reason_too_long"
    for name, key in (("赵丽", "meeting_rsvp.delegate_self"),
                      ("王建国", "meeting_rsvp.delegate_invited"),
                      ("孙强", "meeting_rsvp.delegate_unregistered"),
                      ("吴涛", "meeting_rsvp.delegate_inactive"),
                      ("", "meeting_rsvp.name_missing")):
        with pytest.raises(InvalidInput) as refused:
            await office.rsvp.delegate(zhao, mid, name)
        assert refused.value.key == key, name
    with pytest.raises(NotFound):
        await office.rsvp.delegate(zhao, mid, "马六")
    with pytest.raises(NotFound):
        await office.rsvp.attend(zhao, mid + 100)

    row = await office.row(mid, "赵丽")
    assert row is not None and row.response == "none" and row.delegate_id is None
    assert await office.actions(mid) == before


@pytest.mark.parametrize("status, key", [("cancelled", "meeting_rsvp.cancelled"),
                                         ("finished", "meeting_rsvp.finished")])
async def test_no_answer_on_a_closed_meeting(office: Office, status: str, key: str) -> None:
    mid = await office.meeting()
    await office.set_status(mid, status)
    wang = await office.actor("王建国")
    for act in (office.rsvp.attend(wang, mid), office.rsvp.leave(wang, mid, "有事"),
                office.rsvp.delegate(wang, mid, "杨静"), office.rsvp.current(wang, mid)):
        with pytest.raises(Conflict) as refused:
            await act
        assert refused.value.key == key
    assert (await office.row(mid, "王建国")).response == "none"  # type: ignore[union-attr]


async def test_answers_close_at_the_start(office: Office) -> None:
    mid = await office.meeting()
    wang = await office.actor("王建国")
    await office.rsvp.leave(wang, mid, "出差")
    office.services.clock.set(STARTS)  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as refused:
        await office.rsvp.attend(wang, mid)
    assert refused.value.key == "meeting_rsvp.started"
    assert (await office.row(mid, "王建国")).response == "leave"  # type: ignore[union-attr]


async def test_who_sees_what(office: Office) -> None:
    mid = await office.meeting()
    await office.rsvp.leave(await office.actor("李明华"), mid, "下乡检查")
    await office.rsvp.delegate(await office.actor("赵丽"), mid, "杨静")

    organiser = await office.rsvp.overview(await office.actor("刘芳"), mid)
    assert organiser.full and organiser.can_nudge and organiser.invited == 4
    assert [i.name for i in organiser.no_reply] == ["王建国", "张伟"]
    assert [(i.name, i.reason) for i in organiser.on_leave] == [("李明华", "下乡检查")]
    (seat,) = organiser.delegated
    assert seat.principal.name == "赵丽" and seat.delegate is not None
    assert seat.delegate.name == "杨静"
    assert organiser.waiting == 3  # 王建国, 张伟 and the delegate 杨静

    # Another clerk sees all (the office keeps meetings) but nudging is the organiser's.
    clerk = await office.rsvp.overview(await office.actor("陈志强"), mid)  # admin + clerk
    assert clerk.full and clerk.can_nudge
    invitee = await office.rsvp.overview(await office.actor("张伟"), mid)
    assert not invitee.full and not invitee.can_nudge
    assert invitee.mine is not None and invitee.mine.name == "张伟"
    with pytest.raises(PermissionDenied):
        await office.rsvp.overview(await office.actor("周敏"), mid)


async def test_nudge_reaches_non_repliers_once_in_a_while(office: Office) -> None:
    mid = await office.meeting()
    liu = await office.actor("刘芳")
    await office.rsvp.attend(await office.actor("王建国"), mid)
    await office.rsvp.delegate(await office.actor("赵丽"), mid, "杨静")
    with pytest.raises(PermissionDenied):
        await office.rsvp.nudge(await office.actor("张伟"), mid)
    with pytest.raises(PermissionDenied):  # a leader, but not this meeting's organiser
        await office.rsvp.nudge(await office.actor("王建国"), mid)

    assert await office.rsvp.nudge(liu, mid) == 3  # 李明华, 张伟, and the delegate 杨静
    again = {n.key: n.template for n in await office.outbox(f"meeting:{mid}:notice:")
             if n.key.endswith(":1")}
    assert sorted(again.values()) == ["meeting.notice", "meeting.notice",
                                      "meeting_rsvp.notice_delegated"]
    office.services.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as recent:
        await office.rsvp.nudge(liu, mid)
    assert recent.value.key == "meeting_rsvp.nudge_recent"
    assert recent.value.params == {"at": "10:00", "minutes": 3}

    office.services.clock.advance(timedelta(minutes=4))  # type: ignore[attr-defined]
    for name in ("李明华", "张伟", "杨静"):
        await office.rsvp.attend(await office.actor(name), mid)
    with pytest.raises(Conflict) as nobody:
        await office.rsvp.nudge(liu, mid)
    assert nobody.value.key == "meeting_rsvp.nudge_nobody"
    # An admin may nudge too, once someone is waiting again.
    await office.rsvp.delegate(await office.actor("张伟"), mid, "黄磊")
    assert await office.rsvp.nudge(await office.actor("陈志强"), mid) == 1


async def test_check_in_window_and_who_may(office: Office) -> None:
    mid = await office.meeting()
    clock = office.services.clock
    wang, zhao, zhang = [await office.actor(n) for n in ("王建国", "赵丽", "张伟")]
    await office.rsvp.leave(await office.actor("李明华"), mid, "出差")
    await office.rsvp.delegate(zhao, mid, "杨静")

    clock.set(STARTS - timedelta(minutes=31))  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as early:
        await office.rsvp.check_in(wang, mid)
    assert early.value.key == "meeting_rsvp.checkin_not_open"
    assert early.value.params == {"opens": "14:30", "minutes": 30}
    targets = await office.rsvp.check_in_targets(wang)
    assert targets.open == [] and targets.next is not None and targets.next.meeting_id == mid

    clock.set(STARTS - timedelta(minutes=30))  # type: ignore[attr-defined]
    assert [c.meeting_id for c in (await office.rsvp.check_in_targets(wang)).open] == [mid]
    done = await office.rsvp.check_in(wang, mid)
    assert not done.already and done.late_minutes == 0
    clock.advance(timedelta(minutes=40))  # type: ignore[attr-defined]
    again = await office.rsvp.check_in(wang, mid)
    assert again.already and again.at == STARTS - timedelta(minutes=30)
    late = await office.rsvp.check_in(await office.actor("杨静"), mid)
    assert late.late_minutes == 10

    with pytest.raises(Conflict) as delegated:
        await office.rsvp.check_in(zhao, mid)
    assert delegated.value.key == "meeting_rsvp.checkin_delegated"
    assert delegated.value.params == {"name": "杨静"}
    assert (await office.rsvp.check_in_targets(zhao)).open == []
    with pytest.raises(PermissionDenied):
        await office.rsvp.check_in(await office.actor("周敏"), mid)

    view = await office.rsvp.overview(await office.actor("刘芳"), mid)
    assert view.checkin_open
    assert [i.name for i in view.present] == ["王建国", "杨静"]
    assert [i.name for i in view.absent_with_leave] == ["李明华"]
    assert [i.name for i in view.absent] == ["张伟"]

    clock.set(STARTS + timedelta(hours=1))  # type: ignore[attr-defined]
    with pytest.raises(Conflict) as closed:
        await office.rsvp.check_in(zhang, mid)
    assert closed.value.key == "meeting_rsvp.checkin_closed"
    assert (await office.actions(mid)).count("meeting.checkin") == 2


async def test_no_check_in_at_a_cancelled_meeting(office: Office) -> None:
    mid = await office.meeting()
    office.services.clock.set(STARTS)  # type: ignore[attr-defined]
    await office.set_status(mid, "cancelled")
    with pytest.raises(Conflict) as refused:
        await office.rsvp.check_in(await office.actor("王建国"), mid)
    assert refused.value.key == "meeting_rsvp.cancelled"
    assert (await office.rsvp.check_in_targets(await office.actor("王建国"))).open == []
