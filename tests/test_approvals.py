"""The approvals engine against a real database: routes of one / any-of / all-of steps,
self-approval routed past, withdraw, and forged, repeated and concurrent decisions refused
with nothing changed."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.demo.seed import seed_office
from bot.i18n import t
from bot.services.access import Actor
from bot.services.approvals import (
    ApprovalService,
    ApprovalState,
    Decided,
    PendingApproval,
    StepSpec,
)
from bot.services.audit import history
from bot.services.container import Services
from bot.services.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from storage.models import ApprovalDecision, ApprovalRequest

TELEGRAM = {"王建国": 1001, "李明华": 1002, "赵丽": 1003, "陈志强": 1004, "刘芳": 1005,
            "张伟": 1006}


class Office:
    def __init__(self, services: Services, ids: dict[str, int]) -> None:
        self.services = services
        self.ids = ids
        self.engine = ApprovalService(services.db, services.config, services.clock)
        self.subjects = 0

    async def actor(self, name: str) -> Actor:
        actor = await self.services.people.resolve_actor(TELEGRAM[name], "", None)
        assert actor is not None and actor.name == name
        return actor

    def one(self, name: str) -> StepSpec:
        return StepSpec.one(self.ids[name])

    def any_of(self, *names: str) -> StepSpec:
        return StepSpec.any_of(*(self.ids[n] for n in names))

    def all_of(self, *names: str) -> StepSpec:
        return StepSpec.all_of(*(self.ids[n] for n in names))

    async def open(self, applicant: str, *route: StepSpec, submit: bool = True) -> ApprovalState:
        self.subjects += 1
        async with self.services.db.transaction() as s:
            return await self.engine.open(
                s, kind="seal", subject_id=self.subjects, applicant_id=self.ids[applicant],
                route=list(route), now=self.services.clock.now(), submit=submit)

    async def decide(self, name: str, request_id: int, approve: bool = True,
                     comment: str = "") -> Decided:
        actor = await self.actor(name)
        async with self.services.db.transaction() as s:
            return await self.engine.decide(s, request_id=request_id, actor=actor,
                                            approve=approve, comment=comment,
                                            now=self.services.clock.now())

    async def withdraw(self, name: str, request_id: int) -> ApprovalState:
        actor = await self.actor(name)
        async with self.services.db.transaction() as s:
            return await self.engine.withdraw(s, request_id=request_id, actor=actor,
                                              now=self.services.clock.now())

    async def state(self, request_id: int) -> ApprovalState:
        async with self.services.db.transaction() as s:
            return await self.engine.state(s, request_id)

    async def pending(self, name: str) -> list[PendingApproval]:
        async with self.services.db.transaction() as s:
            return await self.engine.pending_for(s, self.ids[name])

    async def decisions(self) -> int:
        async with self.services.db.transaction() as s:
            return int(await s.scalar(select(func.count(ApprovalDecision.id))) or 0)

    async def actions(self, request_id: int) -> list[str]:
        async with self.services.db.transaction() as s:
            return [e.action for e in await history(s, "approval", request_id)]

    def later(self, minutes: int = 5) -> None:
        clock = self.services.clock
        clock.advance(timedelta(minutes=minutes))  # type: ignore[attr-defined]


@pytest.fixture
async def office(services: Services) -> Office:
    return Office(services, await seed_office(services))


def names(people: tuple[object, ...]) -> list[str]:
    return [p.name for p in people]  # type: ignore[attr-defined]


async def refused(office: Office, request_id: int, call: object,
                  kind: type[DomainError], key: str) -> DomainError:
    """The call is refused with `key`, and nothing about the request changed."""
    before = await office.state(request_id)
    audit_before = await office.actions(request_id)
    with pytest.raises(kind) as caught:
        await call  # type: ignore[misc]
    assert caught.value.key == key
    assert await office.state(request_id) == before
    assert await office.actions(request_id) == audit_before
    # The refusal renders in both languages.
    for lang in ("zh", "en"):
        t(lang, caught.value.key, **caught.value.params)
    return caught.value


async def test_one_step_approved(office: Office) -> None:
    opened = await office.open("张伟", office.one("王建国"))
    assert opened.status == "pending" and opened.current_step == 0
    assert names(opened.waiting_on) == ["王建国"]
    waiting = await office.pending("王建国")
    assert [(p.request_id, p.kind, p.subject_id, p.applicant) for p in waiting] == [
        (opened.id, "seal", opened.subject_id, "张伟")]
    assert await office.pending("李明华") == []

    office.later(5)
    done = await office.decide("王建国", opened.id, comment="同意")
    assert (done.status, done.final, done.step_completed, done.next_step, done.notify) == (
        "approved", True, True, None, ())
    assert done.decision.name == "王建国" and done.decision.approve
    state = await office.state(opened.id)
    assert state.status == "approved" and state.current_step is None and state.final
    [decision] = state.decisions
    local = decision.at.astimezone(office.services.config.tz)
    assert (decision.name, decision.comment, f"{local:%m-%d %H:%M}") == (
        "王建国", "同意", "11-27 10:05")
    assert state.steps[0].status == "approved"
    assert await office.pending("王建国") == []
    assert await office.actions(opened.id) == [
        "approval.open", "approval.submit", "approval.approve"]


async def test_two_steps_rejected_at_the_second(office: Office) -> None:
    opened = await office.open("张伟", office.one("李明华"), office.one("王建国"))
    assert [s.status for s in opened.steps] == ["pending", "waiting"]
    # Step 2 is not open before step 1 is approved.
    assert await office.pending("王建国") == []
    await refused(office, opened.id, office.decide("王建国", opened.id), Conflict,
                  "approvals.not_your_turn")

    first = await office.decide("李明华", opened.id)
    assert (first.status, first.step_completed, first.final) == ("pending", True, False)
    assert (first.next_step, first.notify) == (1, (office.ids["王建国"],))
    assert [p.request_id for p in await office.pending("王建国")] == [opened.id]

    # A rejection needs a reason.
    await refused(office, opened.id, office.decide("王建国", opened.id, approve=False),
                  InvalidInput, "approvals.reason_required")
    second = await office.decide("王建国", opened.id, approve=False, comment="用途写得不清楚")
    assert (second.status, second.final, second.step_completed) == ("rejected", True, True)
    state = second.state
    assert [s.status for s in state.steps] == ["approved", "rejected"]
    assert [(d.name, d.approve, d.comment) for d in state.decisions] == [
        ("李明华", True, ""), ("王建国", False, "用途写得不清楚")]
    # Pressing again after the final decision.
    await refused(office, opened.id, office.decide("李明华", opened.id), Conflict,
                  "approvals.already_you")
    await refused(office, opened.id, office.decide("王建国", opened.id), Conflict,
                  "approvals.already_you")


async def test_a_rejection_at_the_first_step_ends_the_route(office: Office) -> None:
    opened = await office.open("张伟", office.one("李明华"), office.one("王建国"))
    done = await office.decide("李明华", opened.id, approve=False, comment="不予用印")
    assert done.status == "rejected" and done.notify == ()
    assert [s.status for s in done.state.steps] == ["rejected", "closed"]
    await refused(office, opened.id, office.decide("王建国", opened.id), Conflict,
                  "approvals.closed")


async def test_any_of_the_first_decision_completes_the_step(office: Office) -> None:
    opened = await office.open("张伟", office.any_of("王建国", "李明华"), office.one("赵丽"))
    assert {p.request_id for p in await office.pending("李明华")} == {opened.id}
    office.later(5)
    first = await office.decide("王建国", opened.id)
    assert first.step_completed and first.notify == (office.ids["赵丽"],)
    assert await office.pending("李明华") == []
    error = await refused(office, opened.id, office.decide("李明华", opened.id), Conflict,
                          "approvals.step_decided")
    assert error.params["name"] == "王建国" and error.params["at"] == "11-27 10:05"
    assert "王建国 于 11-27 10:05 批准" in t("zh", error.key, **error.params)
    state = await office.state(opened.id)
    step = state.steps[0]
    assert names(step.approvers) == ["王建国", "李明华"]
    assert [(d.name, d.approve) for d in step.decisions] == [("王建国", True)]
    assert names(state.waiting_on) == ["赵丽"]

    final = await office.decide("赵丽", opened.id)
    assert final.status == "approved"
    # Still refused, still naming who decided, once the request is approved.
    await refused(office, opened.id, office.decide("李明华", opened.id), Conflict,
                  "approvals.step_decided")


async def test_all_of_needs_every_approver(office: Office) -> None:
    opened = await office.open("张伟", office.all_of("王建国", "李明华"))
    first = await office.decide("王建国", opened.id)
    assert (first.step_completed, first.status, first.final) == (False, "pending", False)
    assert names(first.state.waiting_on) == ["李明华"]
    assert await office.pending("王建国") == []
    assert [p.request_id for p in await office.pending("李明华")] == [opened.id]
    # A repeated press by the one who already approved.
    await refused(office, opened.id, office.decide("王建国", opened.id), Conflict,
                  "approvals.already_you")
    second = await office.decide("李明华", opened.id)
    assert (second.step_completed, second.status) == (True, "approved")
    assert [d.name for d in second.state.decisions] == ["王建国", "李明华"]


async def test_all_of_one_rejection_rejects_the_request(office: Office) -> None:
    opened = await office.open("张伟", office.all_of("王建国", "李明华", "赵丽"))
    await office.decide("王建国", opened.id)
    done = await office.decide("赵丽", opened.id, approve=False, comment="暂缓")
    assert done.status == "rejected" and done.step_completed
    assert await office.pending("李明华") == []
    await refused(office, opened.id, office.decide("李明华", opened.id), Conflict,
                  "approvals.step_decided")


async def test_withdraw_before_the_final_decision(office: Office) -> None:
    opened = await office.open("张伟", office.one("李明华"), office.one("王建国"))
    await office.decide("李明华", opened.id)
    await refused(office, opened.id, office.withdraw("王建国", opened.id), PermissionDenied,
                  "approvals.not_applicant")
    withdrawn = await office.withdraw("张伟", opened.id)
    assert withdrawn.status == "withdrawn" and withdrawn.closed_at is not None
    assert [s.status for s in withdrawn.steps] == ["approved", "closed"]
    assert await office.pending("王建国") == []
    await refused(office, opened.id, office.decide("王建国", opened.id), Conflict,
                  "approvals.withdrawn")
    await refused(office, opened.id, office.withdraw("张伟", opened.id), Conflict,
                  "approvals.closed")
    assert await office.actions(opened.id) == [
        "approval.open", "approval.submit", "approval.approve", "approval.withdraw"]


async def test_no_withdraw_after_approval(office: Office) -> None:
    opened = await office.open("张伟", office.one("王建国"))
    await office.decide("王建国", opened.id)
    await refused(office, opened.id, office.withdraw("张伟", opened.id), Conflict,
                  "approvals.closed")


async def test_a_leader_who_applies_is_routed_past_themselves(office: Office) -> None:
    # The applicant is the only approver of step 1: it is skipped.
    opened = await office.open("王建国", office.one("王建国"), office.one("李明华"))
    assert [s.status for s in opened.steps] == ["skipped", "pending"]
    assert opened.current_step == 1 and names(opened.waiting_on) == ["李明华"]
    assert await office.pending("王建国") == []
    await refused(office, opened.id, office.decide("王建国", opened.id), PermissionDenied,
                  "approvals.not_approver")
    assert (await office.decide("李明华", opened.id)).status == "approved"

    # Among any-of approvers: removed, the others decide.
    among = await office.open("王建国", office.any_of("王建国", "李明华", "赵丽"))
    assert names(among.steps[0].approvers) == ["李明华", "赵丽"]
    await refused(office, among.id, office.decide("王建国", among.id), PermissionDenied,
                  "approvals.not_approver")

    # A route with nobody but the applicant cannot be submitted at all.
    with pytest.raises(InvalidInput) as caught:
        await office.open("王建国", office.one("王建国"), office.all_of("王建国"))
    assert caught.value.key == "approvals.no_approver"
    async with office.services.db.transaction() as s:
        assert await s.scalar(select(func.count(ApprovalRequest.id))) == 2


async def test_a_forged_decision_by_staff_is_refused(office: Office) -> None:
    opened = await office.open("刘芳", office.one("王建国"))
    await refused(office, opened.id, office.decide("张伟", opened.id), PermissionDenied,
                  "approvals.not_approver")
    # Not even an admin decides a step that is not theirs.
    await refused(office, opened.id, office.decide("陈志强", opened.id), PermissionDenied,
                  "approvals.not_approver")
    # Nor does the applicant.
    await refused(office, opened.id, office.decide("刘芳", opened.id), PermissionDenied,
                  "approvals.not_approver")
    assert await office.decisions() == 0
    assert [p.request_id for p in await office.pending("王建国")] == [opened.id]


async def test_a_repeated_press_is_refused(office: Office) -> None:
    opened = await office.open("张伟", office.one("李明华"), office.one("王建国"))
    await office.decide("李明华", opened.id)
    await refused(office, opened.id, office.decide("李明华", opened.id), Conflict,
                  "approvals.already_you")
    await refused(office, opened.id, office.decide("李明华", opened.id, approve=False,
                                                   comment="改主意"), Conflict,
                  "approvals.already_you")
    assert await office.decisions() == 1


async def test_two_presses_at_once_give_one_decision(office: Office) -> None:
    opened = await office.open("张伟", office.any_of("王建国", "李明华"), office.one("赵丽"))
    results = await asyncio.gather(
        office.decide("王建国", opened.id), office.decide("李明华", opened.id),
        return_exceptions=True)
    decided = [r for r in results if isinstance(r, Decided)]
    errors = [r for r in results if isinstance(r, BaseException)]
    assert len(decided) == 1 and len(errors) == 1
    assert isinstance(errors[0], Conflict) and errors[0].key == "approvals.step_decided"
    assert await office.decisions() == 1
    state = await office.state(opened.id)
    assert state.current_step == 1 and len(state.steps[0].decisions) == 1

    # The same person pressing twice at once.
    same = await asyncio.gather(
        office.decide("赵丽", opened.id), office.decide("赵丽", opened.id),
        return_exceptions=True)
    assert sorted(type(r).__name__ for r in same) == ["Conflict", "Decided"]
    assert await office.decisions() == 2
    assert (await office.state(opened.id)).status == "approved"


async def test_a_draft_is_decided_only_once_submitted(office: Office) -> None:
    draft = await office.open("张伟", office.one("王建国"), submit=False)
    assert draft.status == "draft" and draft.current_step is None
    assert await office.pending("王建国") == []
    await refused(office, draft.id, office.decide("王建国", draft.id), Conflict,
                  "approvals.not_submitted")
    zhang, wang = await office.actor("张伟"), await office.actor("王建国")
    async with office.services.db.transaction() as s:
        with pytest.raises(PermissionDenied):
            await office.engine.submit(s, request_id=draft.id, actor=wang)
    async with office.services.db.transaction() as s:
        submitted = await office.engine.submit(s, request_id=draft.id, actor=zhang)
    assert submitted.status == "pending" and submitted.current_step == 0
    async with office.services.db.transaction() as s:
        checked = await office.engine.check_decider(s, request_id=draft.id, actor=wang)
        assert checked.id == draft.id
        found = await office.engine.for_subject(s, "seal", draft.subject_id)
        assert found is not None and found.id == draft.id


async def test_bad_routes_are_refused(office: Office) -> None:
    with pytest.raises(InvalidInput) as caught:
        await office.open("张伟")
    assert caught.value.key == "approvals.route_empty"
    with pytest.raises(InvalidInput) as caught:
        await office.open("张伟", office.one("李明华"),
                          StepSpec("one", (office.ids["王建国"], office.ids["赵丽"])))
    assert (caught.value.key, caught.value.params) == ("approvals.route_invalid", {"step": 2})
    opened = await office.open("张伟", office.one("王建国"))
    with pytest.raises(Conflict) as caught:
        async with office.services.db.transaction() as s:
            await office.engine.open(s, kind="seal", subject_id=opened.subject_id,
                                     applicant_id=office.ids["张伟"],
                                     route=[office.one("王建国")])
    assert caught.value.key == "approvals.exists"


async def test_an_inactive_approver_is_named(office: Office) -> None:
    await office.services.people.deactivate(await office.actor("陈志强"), "赵丽")
    with pytest.raises(InvalidInput) as caught:
        await office.open("张伟", office.any_of("李明华", "赵丽"))
    assert (caught.value.key, caught.value.params) == (
        "approvals.approver_inactive", {"name": "赵丽"})


async def test_a_vacant_step_is_kept_and_passed_over(office: Office) -> None:
    opened = await office.open("张伟", StepSpec.vacant(), office.one("王建国"))
    assert [(s.status, names(s.approvers)) for s in opened.steps] == [
        ("vacant", []), ("pending", ["王建国"])]
    assert opened.current_step == 1
    assert (await office.decide("王建国", opened.id)).status == "approved"
    # Only vacant steps: nobody to decide.
    with pytest.raises(InvalidInput) as caught:
        await office.open("张伟", StepSpec.vacant())
    assert caught.value.key == "approvals.no_approver"


async def replace(office: Office, request_id: int, old: str, new: str,
                  by: str = "陈志强") -> ApprovalState:
    actor = await office.actor(by)
    async with office.services.db.transaction() as s:
        return await office.engine.replace_approver(s, request_id, office.ids[old],
                                                    office.ids[new], actor)


async def test_an_admin_hands_the_current_step_to_someone_else(office: Office) -> None:
    opened = await office.open("张伟", office.all_of("李明华", "赵丽"), office.one("王建国"))
    await office.decide("赵丽", opened.id)
    # Refused, nothing changed: not an admin; a step not waiting now; an approver who has
    # decided; the applicant; someone already on the step; someone deactivated.
    await refused(office, opened.id, replace(office, opened.id, "李明华", "王建国", by="王建国"),
                  PermissionDenied, "approvals.replace_forbidden")
    await refused(office, opened.id, replace(office, opened.id, "王建国", "刘芳"),
                  InvalidInput, "approvals.replace_not_current")
    await refused(office, opened.id, replace(office, opened.id, "赵丽", "刘芳"),
                  Conflict, "approvals.replace_decided")
    await refused(office, opened.id, replace(office, opened.id, "李明华", "张伟"),
                  InvalidInput, "approvals.replace_applicant")
    await refused(office, opened.id, replace(office, opened.id, "李明华", "赵丽"),
                  InvalidInput, "approvals.replace_already")
    await office.services.people.deactivate(await office.actor("陈志强"), "刘芳")
    await refused(office, opened.id, replace(office, opened.id, "李明华", "刘芳"),
                  InvalidInput, "approvals.approver_inactive")

    office.later()
    state = await replace(office, opened.id, "李明华", "王建国")
    assert names(state.steps[0].approvers) == ["王建国", "赵丽"]  # in the old one's place
    assert names(state.waiting_on) == ["王建国"]
    assert [p.request_id for p in await office.pending("王建国")] == [opened.id]
    assert await office.pending("李明华") == []
    await refused(office, opened.id, office.decide("李明华", opened.id), PermissionDenied,
                  "approvals.not_approver")
    async with office.services.db.transaction() as s:
        entries = await history(s, "approval", opened.id)
    assert entries[-1].action == "approval.replace"
    assert (entries[-1].before, entries[-1].after) == (
        {"step": 0, "approver": office.ids["李明华"]},
        {"step": 0, "approver": office.ids["王建国"]})
    # The 会签 completes with the new approver; the next step is 王建国's own.
    decided = await office.decide("王建国", opened.id)
    assert decided.next_step == 1 and decided.notify == (office.ids["王建国"],)
    assert (await office.decide("王建国", opened.id)).status == "approved"
    await refused(office, opened.id, replace(office, opened.id, "王建国", "李明华"),
                  Conflict, "approvals.closed")
