"""Seal requests on a real database: the registry and its routes, route resolution at
submission (部门负责人, self-approval routed past), field validation, decisions and
withdrawals with the cards they hand back, the pending reminder in working hours, and the
leaders' digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.demo.seed import seed_office
from bot.demo.seed_seals import seed_seals
from bot.i18n import t
from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from bot.services.notifier import Buttons
from bot.services.seals import Outcome, RequestView, SealDraft
from storage.models import AuditEntry, Notification, SealRequest
from tests.conftest import SHANGHAI

TELEGRAM = {"王建国": 1001, "李明华": 1002, "赵丽": 1003, "陈志强": 1004, "刘芳": 1005,
            "张伟": 1006, "杨静": 1007, "周敏": 1009}
GOV, PARTY, OFFICE = "示范镇人民政府印章", "中共示范镇委员会印章", "党政办公室印章"


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


class Telegram:
    """Stands in for Telegram at the edge: records each chat's messages, returns ids."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, Buttons | None]] = []

    async def send(self, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
        self.sent.append((chat_id, text, buttons))
        return len(self.sent)

    def to(self, name: str) -> list[str]:
        return [text for chat, text, _ in self.sent if chat == TELEGRAM[name]]


class Office:
    def __init__(self, services: Services, ids: dict[str, int]) -> None:
        self.services = services
        self.seals = services.seals
        self.ids = ids
        self.telegram = Telegram()
        services.attach_notifier(self.telegram)

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.services.clock, ManualClock)
        return self.services.clock

    async def actor(self, name: str) -> Actor:
        actor = await self.services.people.resolve_actor(TELEGRAM[name], "", None)
        assert actor is not None and actor.name == name
        return actor

    async def seal_id(self, name: str) -> int:
        for seal in await self.seals.seals(await self.actor("陈志强")):
            if seal.name == name:
                return seal.id
        raise AssertionError(name)

    async def draft(self, seal: str, **fields: Any) -> SealDraft:
        values: dict[str, Any] = {"title": "关于2026年度冬季防火工作的报告", "doc_type": "report",
                                  "copies": 3, "purpose": "报县应急管理局",
                                  "recipient": "县应急管理局"}
        return SealDraft(seal_id=await self.seal_id(seal), **(values | fields))

    async def submit(self, applicant: str, seal: str, **fields: Any) -> RequestView:
        return await self.seals.submit(await self.actor(applicant),
                                       await self.draft(seal, **fields))

    async def decide(self, name: str, request_id: int, approve: bool = True,
                     comment: str = "") -> Outcome:
        return await self.seals.decide(await self.actor(name), request_id, approve, comment)

    async def deliver(self) -> None:
        await self.services.tick()

    async def view(self, request_id: int) -> RequestView:
        return await self.seals.get(await self.actor("陈志强"), request_id)

    async def rows(self, prefix: str) -> dict[str, Notification]:
        async with self.services.db.transaction() as s:
            found = await s.scalars(select(Notification).where(
                Notification.key.startswith(prefix, autoescape=True)))
            return {n.key: n for n in found}

    async def status_of(self, key: str) -> str:
        row = (await self.rows(key)).get(key)
        assert row is not None, key
        return row.status

    async def audit_count(self) -> int:
        async with self.services.db.transaction() as s:
            return int(await s.scalar(select(func.count(AuditEntry.id))) or 0)

    async def request_count(self) -> int:
        async with self.services.db.transaction() as s:
            return int(await s.scalar(select(func.count(SealRequest.id))) or 0)


@pytest.fixture
async def office(services: Services) -> Office:
    ids = await seed_office(services)
    await seed_seals(services)  # 周敏's request #1 waits on 李明华
    return Office(services, ids)


def steps(view: RequestView) -> list[tuple[str, list[str]]]:
    return [(st.status, [p.name for p in st.approvers]) for st in view.approval.steps]


def zh(ref: dict[str, object]) -> str:
    return str(t("zh", str(ref["t"]), **{k: v for k, v in ref.items() if k != "t"}))


# --- the registry --------------------------------------------------------------------------------


async def test_route_forms_are_read(office: Office) -> None:
    admin = await office.actor("陈志强")
    forms = {
        "王建国": [("one", ["王建国"])],
        "王建国/赵丽": [("any", ["王建国", "赵丽"])],
        "王建国 或 赵丽": [("any", ["王建国", "赵丽"])],
        "王建国+赵丽": [("all", ["王建国", "赵丽"])],
        "部门负责人 > 李明华": [("one", ["head"]), ("one", ["李明华"])],
        "head -> 王书记／赵丽 → 李镇长": [("one", ["head"]), ("any", ["王建国", "赵丽"]),
                                       ("one", ["李明华"])],
    }
    names = {v: k for k, v in office.ids.items()}
    for number, (text, expected) in enumerate(forms.items()):
        view = await office.seals.add_seal(admin, f"测试章{number}", "刘芳", text)
        async with office.services.db.transaction() as s:
            route = await office.seals.parse_route(s, text)
        assert [(st["mode"], [names.get(w, w) for w in st["who"]]) for st in route] \
            == expected, text
        assert view.keepers == ("刘芳",) and view.active


async def test_bad_routes_are_refused_and_nothing_is_added(office: Office) -> None:
    admin = await office.actor("陈志强")
    before = len(await office.seals.seals(admin))
    cases = {
        "王建国/王建国": "seal.route_repeated",
        "王建国 > ": "seal.route_usage",
        "王建国 > / 赵丽": "seal.route_usage",
        "王建国>李明华>赵丽>陈志强>刘芳>张伟": "seal.route_too_long",
        "钱多多": "people.unknown_name",
    }
    for route, key in cases.items():
        with pytest.raises(DomainError) as refused:
            await office.seals.add_seal(admin, "新印章", "刘芳", route)
        assert refused.value.key == key, route
    with pytest.raises(NotFound):
        await office.seals.add_seal(admin, "新印章", "钱多多", "王建国")
    with pytest.raises(InvalidInput) as empty:
        await office.seals.add_seal(admin, "  ", "刘芳", "王建国")
    assert empty.value.key == "seal.name_empty"
    with pytest.raises(Conflict) as taken:
        await office.seals.add_seal(admin, GOV, "刘芳", "王建国")
    assert taken.value.key == "seal.name_taken"
    assert len(await office.seals.seals(admin)) == before


async def test_only_admins_keep_the_registry(office: Office) -> None:
    audits = await office.audit_count()
    for name in ("张伟", "刘芳", "王建国"):  # staff, a clerk and keeper, a leader
        who = await office.actor(name)
        for act in (office.seals.add_seal(who, "新印章", "刘芳", "王建国"),
                    office.seals.set_keepers(who, GOV, "张伟"),
                    office.seals.set_route(who, GOV, "王建国"),
                    office.seals.set_active(who, GOV, False)):
            with pytest.raises(PermissionDenied):
                await act
    assert await office.audit_count() == audits

    admin = await office.actor("陈志强")
    view = await office.seals.set_keepers(admin, GOV, "刘芳、张伟")
    assert view.keepers == ("刘芳", "张伟")
    await office.seals.set_route(admin, GOV, "王建国")
    # A new route applies to requests from now on: 张伟 goes to 王建国 alone.
    assert steps(await office.submit("张伟", GOV)) == [("pending", ["王建国"])]
    view = await office.seals.set_active(admin, GOV, False)
    assert not view.active
    with pytest.raises(Conflict) as again:
        await office.seals.set_active(admin, GOV, False)
    assert again.value.key == "seal.already_off"
    with pytest.raises(NotFound):
        await office.seals.set_route(admin, "不存在的章", "王建国")
    async with office.services.db.transaction() as s:
        actions = [e.action for e in await history(s, "seal", view.id)]
    assert actions == ["seal.add", "seal.keepers", "seal.route", "seal.active"]


# --- route resolution --------------------------------------------------------------------------


async def test_department_head_is_resolved_at_submission(office: Office) -> None:
    view = await office.submit("张伟", GOV)  # 党政办: its head is 陈志强
    assert steps(view) == [("pending", ["陈志强"]), ("waiting", ["李明华"])]
    assert view.status == "pending" and view.waiting_on == ("陈志强",)


async def test_an_unknown_head_is_skipped_and_the_card_says_so(office: Office) -> None:
    view = await office.submit("周敏", GOV)  # 综合执法队 has no head
    # The step is kept as vacant (passed over), so the cards can say it was skipped.
    assert steps(view) == [("vacant", []), ("pending", ["李明华"])]
    assert view.head_skipped and view.waiting_on == ("李明华",)
    await office.deliver()
    card = office.telegram.to("李明华")[-1]
    assert "用印审批</b> #" in card and "第 1/1 步" in card
    assert card.endswith("⚠️ 申请人所在部门未设负责人，已略过该步（部门负责人审批）。")
    # With a head known there is no such line.
    known = await office.submit("张伟", GOV)
    assert not known.head_skipped
    await office.deliver()
    assert "未设负责人" not in office.telegram.to("陈志强")[-1]
    # English reads it too.
    assert t("en", "seal.card_head_skipped").endswith("that step (department head) was skipped.")


async def test_a_leader_who_applies_is_routed_past_themselves(office: Office) -> None:
    # 王建国 heads 镇党委 and is on the any-of step: only 赵丽 is left to decide.
    view = await office.submit("王建国", OFFICE)
    assert steps(view) == [("skipped", []), ("pending", ["赵丽"])]
    await office.deliver()
    (card,) = office.telegram.to("赵丽")
    assert "第 1/1 步" in card
    assert office.telegram.to("王建国") == []
    # 陈志强 is the head of 党政办 and applies on its seal: he goes straight to the leaders.
    view = await office.submit("陈志强", OFFICE)
    assert steps(view) == [("skipped", []), ("pending", ["王建国", "赵丽"])]


async def test_a_route_with_only_the_applicant_is_refused(office: Office) -> None:
    count = await office.request_count()
    with pytest.raises(InvalidInput) as refused:
        await office.submit("王建国", PARTY)
    assert refused.value.key == "approvals.no_approver"
    admin = await office.actor("陈志强")
    await office.seals.add_seal(admin, "综合执法队印章", "刘芳", "部门负责人")
    with pytest.raises(InvalidInput) as nobody:
        await office.submit("周敏", "综合执法队印章")  # no head known: nobody to decide
    assert nobody.value.key == "approvals.route_empty"
    assert await office.request_count() == count


# --- the request's fields ------------------------------------------------------------------------


async def test_each_field_is_checked_and_nothing_is_written(office: Office) -> None:
    count, audits = await office.request_count(), await office.audit_count()
    later = (office.clock.now() + timedelta(hours=3)).isoformat()
    past = (office.clock.now() - timedelta(minutes=1)).isoformat()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": "   "}, "seal.title_empty"),
        ({"title": "文" * 201}, "seal.title_too_long"),
        ({"doc_type": "通知"}, "seal.doc_type_unknown"),
        ({"copies": 0}, "seal.copies_invalid"),
        ({"copies": -2}, "seal.copies_invalid"),
        ({"copies": 51}, "seal.copies_too_many"),
        ({"purpose": ""}, "seal.purpose_empty"),
        ({"recipient": " "}, "seal.recipient_empty"),
        ({"takeout": True, "place": "", "return_due": later}, "seal.place_empty"),
        ({"takeout": True, "place": "县档案馆", "return_due": past}, "seal.return_past"),
        ({"takeout": True, "place": "县档案馆", "return_due": ""}, "seal.return_past"),
    ]
    for fields, key in cases:
        with pytest.raises(InvalidInput) as refused:
            await office.submit("张伟", GOV, **fields)
        assert refused.value.key == key, fields
    for typed in ("abc", "2.5", "三", "0份", ""):
        with pytest.raises(InvalidInput):
            office.seals.parse_copies(typed)
    assert office.seals.parse_copies(" 3 份") == 3
    assert office.seals.parse_doc_type("函") == "letter"
    for size, key in ((21 * 1024 * 1024, "seal.file_too_big"), (0, "seal.file_empty")):
        with pytest.raises(InvalidInput) as refused:
            office.seals.check_file(size)
        assert refused.value.key == key
    office.seals.check_file(20 * 1024 * 1024)

    admin = await office.actor("陈志强")
    await office.seals.set_active(admin, GOV, False)
    audits += 1
    with pytest.raises(InvalidInput) as off:
        await office.submit("张伟", GOV)
    assert off.value.key == "seal.inactive"
    with pytest.raises(InvalidInput):
        await office.seals.check_seal(await office.actor("张伟"), await office.seal_id(GOV))
    with pytest.raises(NotFound):
        await office.seals.submit(await office.actor("张伟"),
                                  replace(await office.draft(OFFICE), seal_id=999))
    assert await office.request_count() == count
    assert await office.audit_count() == audits


# --- deciding -----------------------------------------------------------------------------------


async def test_two_steps_approved_then_rejected_at_the_second(office: Office) -> None:
    view = await office.submit("张伟", GOV)
    await office.deliver()
    assert any("用印审批" in m for m in office.telegram.to("陈志强"))

    office.clock.advance(timedelta(minutes=5))
    first = await office.decide("陈志强", view.id)
    assert not first.final and first.request.status == "pending"
    assert [c.chat_id for c in first.cards] == [TELEGRAM["陈志强"]]
    assert zh(first.line) == "✅ 陈志强 已于 11-27 10:05 批准"
    assert first.request.waiting_on == ("李明华",)
    await office.deliver()
    assert "陈志强 已批准，转 李明华 审批" in office.telegram.to("张伟")[-1]
    card = office.telegram.to("李明华")[-1]
    assert "第 2/2 步" in card and "陈志强 11-27 10:05 批准" in card

    # A reason that says nothing is no reason: asked again, nothing written.
    audits = await office.audit_count()
    for empty in ("", "   ", "。", "-- !"):
        with pytest.raises(InvalidInput) as refused:
            await office.decide("李明华", view.id, False, empty)
        assert refused.value.key == "approvals.reason_required"
    assert await office.audit_count() == audits

    office.clock.advance(timedelta(minutes=5))
    second = await office.decide("李明华", view.id, False, "经费来源不明确，请补充说明")
    assert second.final and second.request.status == "rejected"
    assert zh(second.line) == "❌ 李明华 已于 11-27 10:10 驳回：经费来源不明确，请补充说明"
    assert [c.chat_id for c in second.cards] == [TELEGRAM["李明华"]]
    await office.deliver()
    assert "被 李明华 驳回。理由：经费来源不明确，请补充说明" in office.telegram.to("张伟")[-1]
    assert await office.rows(f"seal:{view.id}:keeper:") == {}
    async with office.services.db.transaction() as s:
        actions = [e.action for e in await history(s, "seal_request", view.id)]
        request = await s.get(SealRequest, view.id)
        assert request is not None and request.closed_at is not None
    assert actions == ["seal.request", "seal.rejected"]
    # Decided: nobody can decide again, nor withdraw.
    with pytest.raises(Conflict):
        await office.decide("李明华", view.id)
    with pytest.raises(Conflict):
        await office.seals.withdraw(await office.actor("张伟"), view.id)


async def test_any_of_hands_back_every_card_of_the_step(office: Office) -> None:
    view = await office.submit("陈志强", OFFICE)  # straight to 王建国 / 赵丽
    await office.deliver()
    outcome = await office.decide("王建国", view.id)
    assert outcome.final and outcome.request.status == "approved"
    assert sorted(c.chat_id for c in outcome.cards) == [TELEGRAM["王建国"], TELEGRAM["赵丽"]]
    assert {c.template for c in outcome.cards} == {"seal.card"}
    # 赵丽's card is stale now: refused, and told who decided.
    with pytest.raises(Conflict) as stale:
        await office.decide("赵丽", view.id)
    assert stale.value.key == "approvals.step_decided"
    assert stale.value.params["name"] == "王建国"
    state = await office.seals.card_state(await office.actor("赵丽"), view.id)
    assert state is not None and zh(state.line).startswith("✅ 王建国 已于")
    assert sorted(c.chat_id for c in state.cards) == [TELEGRAM["王建国"], TELEGRAM["赵丽"]]
    # The keepers (刘芳, 陈志强) get their card; the reminders are off.
    keeper = await office.rows(f"seal:{view.id}:keeper:")
    assert len(keeper) == 2
    assert {n.status for n in (await office.rows(f"seal:{view.id}:remind:")).values()} \
        == {"cancelled"}


async def test_all_of_waits_for_everyone(office: Office) -> None:
    admin = await office.actor("陈志强")
    await office.seals.add_seal(admin, "会签专用章", "刘芳", "王建国+赵丽")
    view = await office.submit("张伟", "会签专用章")
    await office.deliver()
    first = await office.decide("王建国", view.id)
    assert not first.final
    assert [c.chat_id for c in first.cards] == [TELEGRAM["王建国"]]
    wang, zhao = office.ids["王建国"], office.ids["赵丽"]
    assert await office.status_of(f"seal:{view.id}:remind:0:{wang}") == "cancelled"
    assert await office.status_of(f"seal:{view.id}:remind:0:{zhao}") == "pending"
    state = await office.seals.card_state(await office.actor("王建国"), view.id)
    assert state is not None and [c.chat_id for c in state.cards] == [TELEGRAM["王建国"]]
    assert await office.seals.card_state(await office.actor("赵丽"), view.id) is None
    last = await office.decide("赵丽", view.id)
    assert last.final and last.request.status == "approved"


async def test_forged_and_repeated_decisions_change_nothing(office: Office) -> None:
    view = await office.submit("张伟", GOV)
    await office.deliver()
    audits = await office.audit_count()
    for name in ("张伟", "杨静", "李明华"):  # the applicant, a stranger to it, a later step
        with pytest.raises(DomainError) as refused:
            await office.decide(name, view.id)
        assert refused.value.key in ("approvals.not_approver", "approvals.not_your_turn")
    with pytest.raises(PermissionDenied):
        await office.seals.check_decider(await office.actor("杨静"), view.id)
    assert await office.audit_count() == audits
    await office.decide("陈志强", view.id)
    audits = await office.audit_count()
    with pytest.raises(Conflict) as again:
        await office.decide("陈志强", view.id)
    assert again.value.key == "approvals.already_you"
    with pytest.raises(Conflict):
        await office.decide("陈志强", view.id, False, "改主意了")
    assert await office.audit_count() == audits
    assert (await office.view(view.id)).approval.decisions[0].name == "陈志强"
    assert len((await office.view(view.id)).approval.decisions) == 1


async def test_withdraw_closes_the_cards_and_the_reminders(office: Office) -> None:
    view = await office.submit("张伟", GOV)
    await office.deliver()
    with pytest.raises(PermissionDenied):
        await office.seals.withdraw(await office.actor("陈志强"), view.id)
    office.clock.advance(timedelta(minutes=7))
    outcome = await office.seals.withdraw(await office.actor("张伟"), view.id)
    assert outcome.final and outcome.request.status == "withdrawn"
    assert zh(outcome.line) == "↩️ 张伟 已于 11-27 10:07 撤回申请"
    assert [c.chat_id for c in outcome.cards] == [TELEGRAM["陈志强"]]
    assert {n.status for n in (await office.rows(f"seal:{view.id}:remind:")).values()} \
        == {"cancelled"}
    with pytest.raises(Conflict) as late:
        await office.decide("陈志强", view.id)
    assert late.value.key == "approvals.withdrawn"
    state = await office.seals.card_state(await office.actor("陈志强"), view.id)
    assert state is not None and zh(state.line) == "↩️ 张伟 已于 11-27 10:07 撤回申请"
    with pytest.raises(Conflict):
        await office.seals.withdraw(await office.actor("张伟"), view.id)


# --- the pending reminder ------------------------------------------------------------------------


async def test_the_reminder_is_due_after_four_working_hours(office: Office) -> None:
    chen = office.ids["陈志强"]
    morning = await office.submit("张伟", GOV)  # Fri 10:00
    row = (await office.rows(f"seal:{morning.id}:remind:0:{chen}"))[
        f"seal:{morning.id}:remind:0:{chen}"]
    assert row.due_at.astimezone(SHANGHAI) == local(11, 27, 14)
    office.clock.set(local(11, 27, 16, 30))
    late = await office.submit("张伟", GOV)
    row = (await office.rows(f"seal:{late.id}:remind:0:{chen}"))[
        f"seal:{late.id}:remind:0:{chen}"]
    # One hour on Friday, three on Monday from 08:30.
    assert row.due_at.astimezone(SHANGHAI) == local(11, 30, 11, 30)


async def test_the_reminder_reaches_the_card_edits_and_stops_once_decided(
        office: Office) -> None:
    view = await office.submit("张伟", GOV)
    await office.deliver()
    office.clock.set(local(11, 27, 13, 59))
    await office.deliver()
    assert not any("等待您审批已超时" in m for m in office.telegram.to("陈志强"))
    office.clock.set(local(11, 27, 14))
    await office.deliver()
    assert f"用印申请 #{view.id} 等待您审批已超时" in office.telegram.to("陈志强")[-1]
    outcome = await office.decide("陈志强", view.id)
    # The card and the reminder both carry the buttons: both are handed back to be edited.
    assert sorted(c.template for c in outcome.cards) == ["seal.card", "seal.remind_pending"]

    # The next step's reminder is due four working hours after the step began; once
    # decided before that, it is never sent.
    li = office.ids["李明华"]
    key = f"seal:{view.id}:remind:1:{li}"
    assert (await office.rows(key))[key].due_at.astimezone(SHANGHAI) == local(11, 30, 9)
    await office.decide("李明华", view.id)
    office.clock.set(local(11, 30, 10))
    await office.deliver()
    assert await office.status_of(key) == "cancelled"
    assert not any(f"#{view.id} 等待您审批已超时" in m for m in office.telegram.to("李明华"))


async def test_any_of_cancels_the_other_approvers_reminders(office: Office) -> None:
    view = await office.submit("陈志强", OFFICE)
    await office.deliver()
    await office.decide("赵丽", view.id)
    office.clock.set(local(11, 27, 15))
    await office.deliver()
    for name in ("王建国", "赵丽"):  # step 0 (部门负责人, 陈志强 himself) was skipped
        assert await office.status_of(
            f"seal:{view.id}:remind:1:{office.ids[name]}") == "cancelled"
        assert not any("等待您审批已超时" in m for m in office.telegram.to(name))


# --- the leaders' digest -------------------------------------------------------------------------


async def test_pending_seal_approvals_are_in_the_leaders_digest(office: Office) -> None:
    view = await office.submit("陈志强", OFFICE)  # waits on 王建国 / 赵丽
    office.clock.set(local(11, 30, 8))
    await office.services.supervision.digest(date(2026, 11, 30), local(11, 30, 8))

    async def digest(name: str, day: str) -> str:
        key = f"digest:{day}:{office.ids[name]}"
        row = (await office.rows(key))[key]
        return str(t("zh", row.template, **row.params))

    li = await digest("李明华", "2026-11-30")
    assert "待您决定</b>（1 项）" in li
    assert "🔏 用印 #1「关于申请综合执法车辆维修经费的请示」：周敏 申请用 示范镇人民政府印章，" \
           "11-27 10:00 起待审批" in li
    for name in ("王建国", "赵丽"):
        text = await digest(name, "2026-11-30")
        assert f"🔏 用印 #{view.id}「关于2026年度冬季防火工作的报告」：陈志强 申请用 " \
               f"党政办公室印章" in text
        assert "#1「" not in text

    await office.decide("李明华", 1)
    await office.decide("赵丽", view.id)
    office.clock.set(local(12, 1, 8))
    await office.services.supervision.digest(date(2026, 12, 1), local(12, 1, 8))
    for name in ("李明华", "王建国", "赵丽"):
        assert "🔏" not in await digest(name, "2026-12-01")
