"""Meeting changes and venue preparation against a real database: who may, what is refused,
what the answers become, and what lands in the outbox and the audit log.

The recording notifier stands in for Telegram (the boundary), so notices can be delivered
and "who has read the notice" is real.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.demo.seed import seed_office
from bot.i18n import t
from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.meetings import ATTEND, CANCELLED, DELEGATE, LEAVE, NONE
from bot.services.notifier import Buttons
from bot.services.people import actor_of
from storage.models import ChecklistItem, Meeting, MeetingInvitee, Notification, Staff
from tests.conftest import SHANGHAI

SAT_15 = datetime(2026, 11, 28, 15, 0, tzinfo=SHANGHAI)  # 明天下午3点 from START
SUN_09 = datetime(2026, 11, 29, 9, 0, tzinfo=SHANGHAI)


class Telegram:
    """Records what would reach each chat; returns message ids like Telegram does."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        self.sent.append((chat_id, text))
        return len(self.sent)

    def to(self, chat_id: int) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]

    def find(self, chat_id: int, needle: str) -> str:
        """The last message to one chat with `needle` in it."""
        found = [text for text in self.to(chat_id) if needle in text]
        assert found, (needle, self.to(chat_id))
        return found[-1]


class Office:
    def __init__(self, services: Services, ids: dict[str, int]) -> None:
        self.services = services
        self.ids = ids
        self.telegram = Telegram()
        services.attach_notifier(self.telegram)

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.services.clock, ManualClock)
        return self.services.clock

    async def actor(self, name: str) -> Actor:
        async with self.services.db.transaction() as s:
            staff = await s.get(Staff, self.ids[name])
            assert staff is not None
            return await actor_of(staff, "zh")

    async def meeting(self, invitees: str = "班子成员", when: str = "明天下午3点",
                      organiser: str = "刘芳") -> int:
        actor = await self.actor(organiser)
        draft = await self.services.meetings.prepare(actor, "党委会", when, "三楼会议室",
                                                     invitees)
        view = await self.services.meetings.create(actor, draft)
        return view.id

    async def deliver(self) -> None:
        await self.services.tick()

    async def rows(self, prefix: str) -> dict[str, Notification]:
        async with self.services.db.transaction() as s:
            found = await s.scalars(select(Notification).where(
                Notification.key.startswith(prefix, autoescape=True)))
            return {n.key: n for n in found}

    async def pending(self, prefix: str) -> dict[str, Notification]:
        return {k: r for k, r in (await self.rows(prefix)).items() if r.status == "pending"}

    async def invitees(self, meeting_id: int) -> dict[str, MeetingInvitee]:
        async with self.services.db.transaction() as s:
            rows = await s.scalars(select(MeetingInvitee).where(
                MeetingInvitee.meeting_id == meeting_id))
            return {r.staff.name: r for r in rows}

    async def get(self, meeting_id: int) -> Meeting:
        async with self.services.db.transaction() as s:
            meeting = await s.get(Meeting, meeting_id)
            assert meeting is not None
            return meeting

    async def answer(self, meeting_id: int, name: str, response: str, reason: str = "",
                     delegate: str | None = None) -> None:
        """An answer as the RSVP feature stores it (that feature is not under test here)."""
        async with self.services.db.transaction() as s:
            row = await s.scalar(select(MeetingInvitee).where(
                MeetingInvitee.meeting_id == meeting_id,
                MeetingInvitee.staff_id == self.ids[name]))
            assert row is not None
            row.response, row.reason = response, reason
            row.answered_at, row.answered_revision = self.clock.now(), 1
            if delegate is not None:
                row.delegate_id = self.ids[delegate]
                s.add(MeetingInvitee(meeting_id=meeting_id, staff_id=self.ids[delegate],
                                     delegated_from_id=row.staff_id,
                                     created_at=self.clock.now()))

    async def items(self, meeting_id: int) -> list[ChecklistItem]:
        async with self.services.db.transaction() as s:
            return list(await s.scalars(select(ChecklistItem).where(
                ChecklistItem.meeting_id == meeting_id).order_by(ChecklistItem.id)))


def render(row: Notification, lang: str = "zh") -> str:
    return str(t(lang, row.template, **row.params))


@pytest.fixture
async def office(services: Services) -> Office:
    return Office(services, await seed_office(services))


# --- move ----------------------------------------------------------------------------------


async def test_move_asks_again_and_replaces_reminders(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    await office.deliver()
    await office.answer(mid, "王建国", ATTEND)
    await office.answer(mid, "李明华", LEAVE, "下村")
    await office.answer(mid, "赵丽", DELEGATE, delegate="张伟")

    draft = await changes.prepare_move(liu, mid, "后天上午9点")
    assert draft.starts_at == SUN_09 and draft.ends_at == SUN_09 + timedelta(hours=1)
    card = str(t("zh", "mchg.move_card", **draft.params))
    assert "原定：11月28日（周六） 15:00–16:00" in card
    assert "改为：<b>11月29日（周日） 09:00–10:00</b>" in card
    assert (await office.get(mid)).starts_at == SAT_15  # nothing saved by the card

    result = await changes.move(liu, mid, draft.starts_at, draft.ends_at, draft.revision)
    meeting = await office.get(mid)
    assert (meeting.starts_at, meeting.revision) == (SUN_09, 2)
    assert result.skipped == ("张伟",)
    rows = await office.invitees(mid)
    assert {n: (r.response, r.active) for n, r in rows.items()} == {
        "王建国": (NONE, True), "李明华": (NONE, True), "赵丽": (NONE, True),
        "张伟": (NONE, False)}
    assert rows["李明华"].reason == "" and rows["赵丽"].delegate_id is None

    # Old reminders cancelled, new ones for everyone asked again (the one on leave too).
    remind = await office.rows(f"meeting:{mid}:remind:")
    assert {k for k, r in remind.items() if r.status == "pending"} == {
        f"meeting:{mid}:remind:r2:{w}:{office.ids[n]}"
        for w in ("eve", "before") for n in ("王建国", "李明华", "赵丽")}
    assert all(r.status == "cancelled" for k, r in remind.items() if ":r1:" in k)
    eve = remind[f"meeting:{mid}:remind:r2:eve:{office.ids['王建国']}"]
    assert eve.due_at == datetime(2026, 11, 28, 17, 0, tzinfo=SHANGHAI)

    await office.deliver()
    wang = office.telegram.to(1001)[-1]
    assert ("会议时间变更</b>：11月28日（周六） 15:00–16:00 → "
            "<b>11月29日（周日） 09:00–10:00") in wang
    assert "时间：11月29日（周日） 09:00–10:00" in wang  # the fresh notice under it
    assert "赵丽 的委托参会随改期失效" in office.telegram.to(1006)[-1]
    # The organiser made the change: no message to her about it.
    assert not any("会议时间变更" in m for m in office.telegram.to(1005))
    (entry,) = [e for e in await _history(office, mid) if e.action == "meeting.move"]
    assert entry.actor_id == liu.id and entry.before["revision"] == 1
    assert entry.after["revision"] == 2


async def _history(office: Office, meeting_id: int) -> list[Any]:
    async with office.services.db.transaction() as s:
        return await history(s, "meeting", meeting_id)


async def test_undelivered_old_notices_are_not_sent_after_a_move(office: Office) -> None:
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    draft = await office.services.meeting_changes.prepare_move(liu, mid, "后天上午9点")
    await office.services.meeting_changes.move(liu, mid, draft.starts_at, draft.ends_at, 1)
    notices = await office.rows(f"meeting:{mid}:notice:")
    assert {r.status for k, r in notices.items() if ":r1:" in k} == {"cancelled"}
    assert {r.status for k, r in notices.items() if ":r2:" in k} == {"pending"}


async def test_move_with_an_end_or_a_length(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    ranged = await changes.prepare_move(liu, mid, "后天上午9点至11:30")
    assert ranged.ends_at == SUN_09 + timedelta(hours=2, minutes=30)
    longer = await changes.prepare_move(liu, mid, "后天上午9点 | 2小时")
    assert longer.ends_at == SUN_09 + timedelta(hours=2)
    dated = await changes.prepare_move(liu, mid, "后天上午9点到后天上午11点")
    assert dated.ends_at == SUN_09 + timedelta(hours=2)
    late = await changes.prepare_move(liu, mid, "后天晚上11点至01:00")  # past midnight
    assert late.ends_at - late.starts_at == timedelta(hours=2)
    with pytest.raises(InvalidInput) as refused:
        await changes.prepare_move(liu, mid, "后天上午9点至12月5日 11:00")
    assert refused.value.key == "meeting.bad_duration"


BAD_MOVES = [
    ("昨天下午3点", "time.past"),
    ("今天上午9点", "time.past"),
    ("下辈子", "time.unparsed"),
    ("后天", "meeting.need_time"),
    ("后天上午9点至上午8点", "meeting.end_before_start"),
    ("后天上午9点至后天上午9点", "meeting.end_before_start"),
    ("明天下午3点", "mchg.same_time"),
]


async def test_bad_moves_are_refused(office: Office) -> None:
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    for text, key in BAD_MOVES:
        with pytest.raises(InvalidInput) as refused:
            await office.services.meeting_changes.prepare_move(liu, mid, text)
        assert refused.value.key == key, text
    meeting = await office.get(mid)
    assert (meeting.starts_at, meeting.revision) == (SAT_15, 1)


async def test_only_the_organiser_or_an_admin_changes_a_meeting(office: Office) -> None:
    changes = office.services.meeting_changes
    mid = await office.meeting()
    for name in ("王建国", "张伟"):  # a leader invited to it, and plain staff
        someone = await office.actor(name)
        for attempt in (changes.prepare_move(someone, mid, "后天上午9点"),
                        changes.move(someone, mid, SUN_09, SUN_09 + timedelta(hours=1), 1),
                        changes.change_place(someone, mid, "二楼会议室"),
                        changes.invite(someone, mid, "杨静"),
                        changes.uninvite(someone, mid, "赵丽"),
                        changes.cancel(someone, mid, "")):
            with pytest.raises(PermissionDenied) as refused:
                await attempt
            assert refused.value.key == "meeting.not_organiser"
    assert (await office.get(mid)).revision == 1
    admin = await office.actor("陈志强")
    await changes.change_place(admin, mid, "二楼会议室")
    assert (await office.get(mid)).place == "二楼会议室"
    # The organiser hears of a change made by an admin.
    await office.deliver()
    assert "三楼会议室 → <b>二楼会议室</b>" in office.telegram.to(1005)[-1]


async def test_a_stale_move_card_changes_nothing(office: Office) -> None:
    changes = office.services.meeting_changes
    liu, admin = await office.actor("刘芳"), await office.actor("陈志强")
    mid = await office.meeting()
    card = await changes.prepare_move(liu, mid, "后天上午9点")
    other = await changes.prepare_move(admin, mid, "后天下午2点")
    await changes.move(admin, mid, other.starts_at, other.ends_at, other.revision)
    with pytest.raises(Conflict) as refused:
        await changes.move(liu, mid, card.starts_at, card.ends_at, card.revision)
    assert refused.value.key == "mchg.stale"
    assert (await office.get(mid)).starts_at == other.starts_at


async def test_move_into_the_past_at_confirmation_is_refused(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting(when="今天下午3点")
    card = await changes.prepare_move(liu, mid, "今天上午11点")
    office.clock.advance(timedelta(hours=2))  # the card waited too long
    with pytest.raises(InvalidInput) as refused:
        await changes.move(liu, mid, card.starts_at, card.ends_at, card.revision)
    assert refused.value.key == "mchg.move_past"


async def test_clashes_at_the_new_time_are_shown(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    await office.meeting(invitees="王建国", when="后天上午9点")
    mid = await office.meeting()
    card = await changes.prepare_move(liu, mid, "后天上午9点半")
    assert [(c.name, c.what, c.label) for c in card.clashes] == [("王建国", "meeting", "党委会")]


# --- place ---------------------------------------------------------------------------------


async def test_new_place_keeps_answers_and_rewrites_reminders(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    await office.deliver()
    await office.answer(mid, "王建国", ATTEND)
    await office.answer(mid, "李明华", LEAVE, "下村")
    result = await changes.change_place(liu, mid, " 二楼  会议室 ")
    assert result.params["old"] == "三楼会议室" and result.params["new"] == "二楼 会议室"
    rows = await office.invitees(mid)
    assert (rows["王建国"].response, rows["李明华"].response) == (ATTEND, LEAVE)
    pending = await office.pending(f"meeting:{mid}:remind:")
    assert pending and all(r.params["place"] == "二楼 会议室" for r in pending.values())
    assert not any(str(office.ids["李明华"]) == k.rsplit(":", 1)[1] for k in pending)
    await office.deliver()
    assert "地点：三楼会议室 → <b>二楼 会议室</b>" in office.telegram.to(1001)[-1]

    with pytest.raises(InvalidInput) as refused:
        await changes.change_place(liu, mid, "二楼 会议室")
    assert refused.value.key == "mchg.same_place"
    with pytest.raises(InvalidInput):
        await changes.change_place(liu, mid, "  ")


async def test_place_changed_before_the_notice_went_out(office: Office) -> None:
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    await office.services.meeting_changes.change_place(liu, mid, "二楼会议室")
    await office.deliver()
    wang = office.telegram.to(1001)
    # One notice with the new place; nothing about a change they never saw.
    assert len(wang) == 1 and "地点：二楼会议室" in wang[0]


# --- invitees --------------------------------------------------------------------------------


async def test_invite_and_uninvite(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    await office.deliver()

    result = await changes.invite(liu, mid, "张伟")
    assert result.names == ("张伟",)
    zhang = office.ids["张伟"]
    assert set(await office.pending(f"meeting:{mid}:remind:r1:")) >= {
        f"meeting:{mid}:remind:r1:eve:{zhang}", f"meeting:{mid}:remind:r1:before:{zhang}"}
    with pytest.raises(InvalidInput) as refused:
        await changes.invite(liu, mid, "张伟")
    assert refused.value.key == "mchg.already_invited"
    assert "张伟 已在参会名单中" in str(t("zh", refused.value.key, **refused.value.params))
    partly = await changes.invite(liu, mid, "王建国、杨静")
    assert (partly.names, partly.skipped) == (("杨静",), ("王建国",))
    await office.deliver()
    assert "会议通知" in office.telegram.to(1006)[-1]

    removed = await changes.uninvite(liu, mid, "张伟")
    assert removed.names == ("张伟",)
    assert not [k for k in await office.pending(f"meeting:{mid}:remind:")
                if k.endswith(f":{zhang}")]
    await office.deliver()
    assert "您已无需参加会议：党委会" in office.telegram.to(1006)[-1]
    with pytest.raises(InvalidInput) as refused:
        await changes.uninvite(liu, mid, "张伟")
    assert refused.value.key == "mchg.not_invited"
    with pytest.raises(NotFound):
        await changes.uninvite(liu, mid, "无此人")

    # Asked again later: the same row comes back, answered afresh.
    await changes.invite(liu, mid, "张伟")
    rows = await office.invitees(mid)
    assert rows["张伟"].active and rows["张伟"].response == NONE
    actions = [e.action for e in await _history(office, mid)]
    assert actions.count("meeting.invite") == 3 and actions.count("meeting.uninvite") == 1


async def test_uninvite_takes_the_delegate_along_and_never_the_last(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting(invitees="王建国、赵丽")
    await office.deliver()
    await office.answer(mid, "赵丽", DELEGATE, delegate="张伟")
    result = await changes.uninvite(liu, mid, "赵丽")
    assert (result.names, result.skipped) == (("赵丽",), ("张伟",))
    rows = await office.invitees(mid)
    assert not rows["赵丽"].active and not rows["张伟"].active
    with pytest.raises(InvalidInput) as refused:
        await changes.uninvite(liu, mid, "王建国")
    assert refused.value.key == "mchg.last_invitee"
    assert (await office.invitees(mid))["王建国"].active


async def test_removing_a_delegate_asks_the_delegator_again(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting(invitees="王建国、赵丽")
    await office.deliver()
    await office.answer(mid, "赵丽", DELEGATE, delegate="张伟")
    await office.services.tick()
    await changes.uninvite(liu, mid, "张伟")
    zhao = (await office.invitees(mid))["赵丽"]
    assert zhao.response == NONE and zhao.delegate_id is None
    await office.deliver()
    assert "您委托参会的 张伟 已被移出参会名单，请重新回执" in office.telegram.to(1003)[-1]


# --- cancel ----------------------------------------------------------------------------------


async def test_cancel_withdraws_everything_and_freezes_the_meeting(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    await office.deliver()
    draft = await changes.prepare_cancel(liu, mid, "与县里会议冲突")
    assert draft.params["reason"] == "与县里会议冲突"
    assert (await office.get(mid)).status != CANCELLED
    result = await changes.cancel(liu, mid, "与县里会议冲突")
    assert result.told == 3 and (await office.get(mid)).status == CANCELLED
    assert set(await office.pending(f"meeting:{mid}:")) == {
        f"meeting:{mid}:cancelled:{office.ids[n]}" for n in ("王建国", "李明华", "赵丽")}
    await office.deliver()
    assert "原因：与县里会议冲突" in office.telegram.to(1002)[-1]

    for attempt in (changes.prepare_move(liu, mid, "后天上午9点"),
                    changes.change_place(liu, mid, "二楼会议室"),
                    changes.invite(liu, mid, "张伟"), changes.cancel(liu, mid, ""),
                    changes.add_item(liu, mid, "茶水")):
        with pytest.raises(Conflict) as refused:
            await attempt
        assert refused.value.key == "mchg.closed"
        assert "已取消" in str(t("zh", refused.value.key, **refused.value.params))


async def test_a_started_meeting_is_neither_moved_nor_cancelled(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting(when="今天上午11点")
    office.clock.advance(timedelta(hours=1, minutes=10))
    with pytest.raises(Conflict) as refused:
        await changes.prepare_cancel(liu, mid, "")
    assert refused.value.key == "mchg.started"
    office.clock.advance(timedelta(hours=1))
    with pytest.raises(Conflict) as refused:
        await changes.change_place(liu, mid, "二楼会议室")
    assert refused.value.key == "mchg.closed"


async def test_cancel_reason_is_limited(office: Office) -> None:
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    with pytest.raises(InvalidInput) as refused:
        await office.services.meeting_changes.prepare_cancel(liu, mid, "因" * 201)
    assert refused.value.key == "mchg.reason_too_long"


# --- venue preparation ---------------------------------------------------------------------


async def test_venue_checklist_tick_assign_add(office: Office) -> None:
    changes = office.services.meeting_changes
    liu, chen, zhang = [await office.actor(n) for n in ("刘芳", "陈志强", "张伟")]
    mid = await office.meeting()
    venue = await changes.venue(liu, mid)
    assert [i.title for i in venue.items] == ["会标", "桌签", "音响", "材料印制"]
    assert venue.items[0].due_at == SAT_15 - timedelta(hours=3)
    with pytest.raises(PermissionDenied) as refused:
        await changes.venue(zhang, mid)
    assert refused.value.key == "venue.not_allowed"
    first = venue.items[0].id
    with pytest.raises(PermissionDenied):
        await changes.tick(zhang, first, True)

    office.clock.advance(timedelta(minutes=5))
    ticked = await changes.tick(chen, first, True)
    assert ticked.changed and ticked.item.done_by == "陈志强"
    assert ticked.item.done_at == office.clock.now()
    again = await changes.tick(liu, first, True)  # a second press: nothing changes
    assert not again.changed and again.item.done_by == "陈志强"
    back = await changes.tick(liu, first, False)
    assert back.changed and back.item.done_at is None

    with pytest.raises(InvalidInput) as refused:
        await changes.assign(liu, mid, "桌签", "张伟")
    assert refused.value.key == "venue.not_clerk"
    with pytest.raises(InvalidInput) as refused:
        await changes.assign(liu, mid, "横幅", "陈志强")
    assert refused.value.key == "venue.item_unknown"
    _, item = await changes.assign(liu, mid, "2", "陈志强")
    assert (item.title, item.assignee) == ("桌签", "陈志强")
    with pytest.raises(InvalidInput) as refused:
        await changes.assign(liu, mid, "桌签", "陈志强")
    assert refused.value.key == "venue.same_assignee"
    await office.deliver()
    told = office.telegram.find(1004, "会场布置任务")
    assert "事项：桌签" in told and "完成时限：11月28日（周六） 12:00" in told

    _, tea = await changes.add_item(liu, mid, " 茶水 ")
    assert tea.title == "茶水"
    with pytest.raises(InvalidInput) as refused:
        await changes.add_item(liu, mid, "茶水")
    assert refused.value.key == "venue.duplicate"
    actions = [e.action for e in await _history_items(office, mid)]
    assert actions == ["venue.tick", "venue.untick", "venue.assign", "venue.add"]


async def _history_items(office: Office, meeting_id: int) -> list[Any]:
    found = []
    for item in await office.items(meeting_id):
        async with office.services.db.transaction() as s:
            found += await history(s, "checklist_item", item.id)
    return sorted(found, key=lambda e: e.id)


async def test_venue_alert_follows_the_checklist(office: Office) -> None:
    changes = office.services.meeting_changes
    liu = await office.actor("刘芳")
    mid = await office.meeting()
    key = f"meeting:{mid}:venue:r1"
    alert = (await office.rows(key))[key]
    assert alert.due_at == SAT_15 - timedelta(hours=2) and alert.recipient_id == liu.id
    assert "尚有 4 项未完成" in render(alert)

    items = await office.items(mid)
    for item in items[:3]:
        await changes.tick(liu, item.id, True)
    alert = (await office.rows(key))[key]
    assert alert.status == "pending" and "· 材料印制（未分派）" in render(alert)
    assert "会标" not in render(alert)
    await changes.tick(liu, items[3].id, True)
    assert (await office.rows(key))[key].status == "cancelled"
    await changes.tick(liu, items[0].id, False)
    alert = (await office.rows(key))[key]
    assert alert.status == "pending" and "· 会标（未分派）" in render(alert)

    # A move takes the alert to the new time, under the new revision's key.
    draft = await changes.prepare_move(liu, mid, "后天上午9点")
    await changes.move(liu, mid, draft.starts_at, draft.ends_at, draft.revision)
    assert (await office.rows(key))[key].status == "cancelled"
    moved = (await office.rows(f"meeting:{mid}:venue:r2"))[f"meeting:{mid}:venue:r2"]
    assert moved.due_at == SUN_09 - timedelta(hours=2) and moved.status == "pending"
    assert (await office.items(mid))[0].due_at == SUN_09 - timedelta(hours=3)


async def test_deactivated_people_leave_the_list_but_are_not_invited(office: Office) -> None:
    changes = office.services.meeting_changes
    liu, admin = await office.actor("刘芳"), await office.actor("陈志强")
    mid = await office.meeting()
    await office.services.people.deactivate(admin, "赵丽")
    await office.services.people.deactivate(admin, "杨静")
    with pytest.raises(InvalidInput) as refused:
        await changes.invite(liu, mid, "杨静")
    assert refused.value.key == "mchg.person_inactive"
    with pytest.raises(InvalidInput) as refused:
        await changes.assign(liu, mid, "会标", "杨静")
    assert refused.value.key == "venue.person_inactive"
    # Someone who left since the notice can still be taken off the list.
    removed = await changes.uninvite(liu, mid, "赵丽")
    assert removed.names == ("赵丽",)
    assert not (await office.invitees(mid))["赵丽"].active
