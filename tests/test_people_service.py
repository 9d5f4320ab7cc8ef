"""People service against a real database: audit trail, races on one invite code."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import select

from bot.services.access import Actor, Role, parse_roles
from bot.services.audit import history
from bot.services.container import Services
from bot.services.errors import DomainError, InvalidInput
from bot.services.people import StaffDraft, actor_of
from storage.models import Staff, StaffRole
from tests.conftest import START


async def admin(services: Services) -> Actor:
    actor = await services.people.resolve_actor(77, "主任", "zh-hans")
    assert actor is None  # not a config admin: nobody gets in uninvited
    services.config = services.people.config = dataclasses.replace(services.config,
                                                                    admins=(77,))
    actor = await services.people.resolve_actor(77, "主任", "zh-hans")
    assert actor is not None and actor.is_admin
    return actor


async def test_every_change_is_audited_with_before_and_after(services: Services) -> None:
    boss = await admin(services)
    issued = await services.people.invite(boss, StaffDraft(name="张伟", department="党政办"))
    await services.people.redeem(issued.code, 1006, "zh-hans")
    await services.people.deactivate(boss, "张伟")
    async with services.db.transaction() as s:
        entries = await history(s, "staff", issued.staff_id)
    assert [e.action for e in entries] == ["staff.create", "invite.create", "staff.register",
                                           "staff.deactivate"]
    register, deactivate = entries[2], entries[3]
    assert register.actor_id == issued.staff_id
    assert register.before["telegram_user_id"] is None
    assert register.after["telegram_user_id"] == 1006
    assert deactivate.actor_id == boss.id
    assert deactivate.before["active"] is True and deactivate.after["active"] is False
    assert await services.people.resolve_actor(1006, "张伟", None) is None


async def test_one_code_two_people_at_once(services: Services) -> None:
    boss = await admin(services)
    issued = await services.people.invite(boss, StaffDraft(name="李四", department="党政办"))
    results = await asyncio.gather(
        services.people.redeem(issued.code, 2001, None),
        services.people.redeem(issued.code, 2002, None),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, Actor)]
    assert len(winners) == 1
    assert all(isinstance(r, DomainError) for r in results if not isinstance(r, Actor))
    async with services.db.transaction() as s:
        staff = await s.scalar(select(Staff).where(Staff.name == "李四"))
        assert staff is not None and staff.telegram_user_id == winners[0].telegram_user_id


def test_roles_from_office_words() -> None:
    assert parse_roles("管理员,办公室") == {Role.ADMIN, Role.CLERK}
    assert parse_roles("领导、印章管理员") == {Role.LEADER, Role.SEAL_KEEPER}
    assert parse_roles("") == {Role.STAFF}
    with pytest.raises(InvalidInput):
        parse_roles("队长")



async def test_the_gate_and_actor_of_make_the_same_actor(services: Services) -> None:
    """resolve_actor reads columns, actor_of an ORM object: one person, one Actor."""
    async with services.db.transaction() as s:
        dept, _ = await services.people.department(s, "党政办", START)
        s.add_all([
            Staff(name="郑琳", department_id=dept.id, title="副主任", language=None,
                  telegram_user_id=3001, created_at=START,
                  roles=[StaffRole(role=r) for r in ("clerk", "leader", "seal_keeper")]),
            Staff(name="孙强", telegram_user_id=3002, created_at=START, roles=[])])
    made: dict[int, Actor] = {}
    for telegram_user_id in (3001, 3002):
        gate = await services.people.resolve_actor(telegram_user_id, "", None)
        async with services.db.transaction() as s:
            staff = await s.scalar(select(Staff).where(
                Staff.telegram_user_id == telegram_user_id))
            assert staff is not None
            made[telegram_user_id] = await actor_of(staff, services.config.language)
        assert gate == made[telegram_user_id]
    zheng, sun = made[3001], made[3002]
    assert zheng.roles == {Role.CLERK, Role.LEADER, Role.SEAL_KEEPER}
    assert (zheng.department, zheng.title) == ("党政办", "副主任")
    assert zheng.language == services.config.language  # none of their own: the office's
    assert sun.roles == frozenset() and (sun.department, sun.department_id) == ("", None)
