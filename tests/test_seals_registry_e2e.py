"""The seal registry end to end: everyone reads /seals; admins add seals, change keepers and
routes, switch seals off and on; everyone else, and every bad form, is refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from bot.sandbox import Sandbox
from bot.services.seals import HEAD
from storage.models import AuditEntry, Seal, SealKeeper, Staff
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts
from tests.seal_helpers import buttons, seal_office, submit_request
from tests.task_helpers import actor

PARTY_SEAL, GOV_SEAL, OFFICE_SEAL = "中共示范镇委员会印章", "示范镇人民政府印章", "党政办公室印章"
ARMED = "示范镇人民武装部印章"


async def seal(sandbox: Sandbox, name: str) -> Seal | None:
    async with sandbox.db.transaction() as s:
        return await s.scalar(select(Seal).where(Seal.name == name))


async def keepers(sandbox: Sandbox, name: str) -> list[str]:
    async with sandbox.db.transaction() as s:
        return list(await s.scalars(
            select(Staff.name).join(SealKeeper, SealKeeper.staff_id == Staff.id)
            .join(Seal, Seal.id == SealKeeper.seal_id).where(Seal.name == name)
            .order_by(SealKeeper.id)))


async def staff_ids(sandbox: Sandbox, *names: str) -> list[int]:
    async with sandbox.db.transaction() as s:
        found = {p.name: p.id for p in await s.scalars(select(Staff).where(
            Staff.name.in_(names)))}
    return [found[n] for n in names]


async def audits(sandbox: Sandbox) -> int:
    async with sandbox.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


async def snapshot(sandbox: Sandbox) -> list[tuple[Any, ...]]:
    async with sandbox.db.transaction() as s:
        seals = [(x.id, x.name, x.route, x.active) for x in await s.scalars(
            select(Seal).order_by(Seal.id))]
        kept = [(k.seal_id, k.staff_id) for k in await s.scalars(
            select(SealKeeper).order_by(SealKeeper.id))]
    return [*seals, *kept]


async def test_everyone_reads_the_registry(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    shown = texts(await sandbox.send(STAFF, "/seals"))
    assert shown.startswith("🔏 印章登记（共 3 枚）\n\n")
    assert (f"{PARTY_SEAL}：在库\n保管人：刘芳\n审批流程：王建国") in shown
    assert (f"{GOV_SEAL}：在库\n保管人：刘芳\n审批流程：部门负责人 → 李明华") in shown
    assert (f"{OFFICE_SEAL}：在库\n保管人：刘芳、陈志强\n"
            "审批流程：部门负责人 → 王建国、赵丽（或签）") in shown
    assert "/seals help" not in shown  # the admin hint is for admins
    assert "/seals help" in texts(await sandbox.send(ADMIN, "/seals"))

    english = texts(await sandbox.send(STAFF_EN, "/seals"))
    assert english.startswith("🔏 Seal registry (3 seals)")
    assert (f"{GOV_SEAL}: in the office\nKeepers: 刘芳\n"
            "Route: department head → 李明华") in english


async def test_a_seal_taken_out_shows_who_has_it(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    request = await submit_request(
        sandbox, STAFF, PARTY_SEAL, takeout=True, place="县政务服务中心",
        return_due=datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI).isoformat())
    await sandbox.services.seals.decide(await actor(sandbox, LEADER), request.id, True)
    await sandbox.services.seal_keeping.handover(await actor(sandbox, CLERK_KEEPER), request.id)
    shown = texts(await sandbox.send(STAFF, "/seals"))
    assert f"{PARTY_SEAL}：借出（张伟，应还 11-27 17:00）" in shown
    assert f"{GOV_SEAL}：在库" in shown


async def test_admin_adds_a_seal_and_changes_it(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    wang, zhao = await staff_ids(sandbox, "王建国", "赵丽")

    added = texts(await sandbox.send(
        ADMIN, f"/seals add {ARMED} | 刘芳 | 部门负责人 > 王建国/赵丽"))
    assert added == (f"✅ 已添加印章：\n{ARMED}：在库\n保管人：刘芳\n"
                     "审批流程：部门负责人 → 王建国、赵丽（或签）")
    found = await seal(sandbox, ARMED)
    assert found is not None and found.active
    assert found.route == [{"mode": "one", "who": [HEAD]},
                           {"mode": "any", "who": [wang, zhao]}]
    assert await keepers(sandbox, ARMED) == ["刘芳"]

    changed = texts(await sandbox.send(ADMIN, f"/seals keepers {ARMED} | 张伟、刘芳"))
    assert changed.startswith("✅ 已更新保管人：") and "保管人：张伟、刘芳" in changed
    assert await keepers(sandbox, ARMED) == ["张伟", "刘芳"]

    routed = texts(await sandbox.send(ADMIN, f"/seals route {ARMED}｜王建国 + 赵丽"))
    assert "审批流程：王建国、赵丽（会签）" in routed
    found = await seal(sandbox, ARMED)
    assert found is not None and found.route == [{"mode": "all", "who": [wang, zhao]}]

    off = texts(await sandbox.send(ADMIN, f"/seals off {ARMED}"))
    assert off == f"✅ 已停用 {ARMED}，不再受理新的用印申请；办理中的申请不受影响。"
    assert f"{ARMED}：已停用" in texts(await sandbox.send(STAFF, "/seals"))
    picks = (await sandbox.send(STAFF, "/seal"))[-1]
    assert ARMED not in buttons(picks)
    assert texts(await sandbox.send(ADMIN, f"/seals off {ARMED}")) == f"{ARMED} 已停用。"
    assert texts(await sandbox.send(ADMIN, f"/seals on {ARMED}")) == f"✅ 已启用 {ARMED}。"
    assert texts(await sandbox.send(ADMIN, f"/seals on {ARMED}")) == f"{ARMED} 已在启用状态。"
    picks = (await sandbox.send(STAFF, "/seal"))[-1]
    assert ARMED in buttons(picks)


async def test_registry_refusals_change_nothing(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    before, audit_before = await snapshot(sandbox), await audits(sandbox)

    # Not an admin: the service refuses, whatever the command.
    for uid, text in ((STAFF, f"/seals add {ARMED} | 刘芳 | 王建国"),
                      (CLERK_KEEPER, f"/seals off {PARTY_SEAL}"),
                      (LEADER, f"/seals route {PARTY_SEAL} | 赵丽"),
                      (STAFF, f"/seals keepers {PARTY_SEAL} | 张伟")):
        assert texts(await sandbox.send(uid, text)) == "您没有权限进行此操作。", text

    unknown = "找不到名为“示范镇财政所印章”的印章，发送 /seals 查看印章列表。"
    refusals = {
        f"/seals add {PARTY_SEAL} | 刘芳 | 王建国": f"已有名为“{PARTY_SEAL}”的印章。",
        "/seals off 示范镇财政所印章": unknown,
        "/seals keepers 示范镇财政所印章 | 刘芳": unknown,
        f"/seals add {ARMED} | 刘芳 | 王建国 > ": None,  # an empty step: the route usage
        f"/seals add {ARMED} | 刘芳 | 王建国/王建国": "审批流程第 1 步中有重复的人员。",
        f"/seals add {ARMED} | 王五 | 王建国": "未找到人员“王五”。",
        f"/seals route {PARTY_SEAL} | 李明华 > 王麻子": "未找到人员“王麻子”。",
    }
    for text, expected in refusals.items():
        got = texts(await sandbox.send(ADMIN, text))
        if expected is None:
            assert got.startswith("审批流程写法："), text
        else:
            assert got == expected, text

    # Bad forms get the usage, in the asker's language.
    for text in ("/seals add 只有名称", f"/seals keepers {PARTY_SEAL}", "/seals route",
                 "/seals off", "/seals foo", f"/seals add {ARMED} | | 王建国"):
        assert texts(await sandbox.send(ADMIN, text)).startswith("印章登记命令："), text
    assert texts(await sandbox.send(STAFF_EN, "/seals help")).startswith(
        "Seal registry commands:")
    assert texts(await sandbox.send(STAFF_EN, f"/seals off {PARTY_SEAL}")) == (
        "You are not allowed to do that.")

    assert await snapshot(sandbox) == before
    assert await audits(sandbox) == audit_before


async def test_queue_and_ledger_are_passed_on(sandbox: Sandbox) -> None:
    """/seals queue and /seals ledger are the keeping side's; the registry only hands them
    over (their content is tested there)."""
    await seal_office(sandbox)
    queue = texts(await sandbox.send(CLERK_KEEPER, "/seals queue"))
    ledger = texts(await sandbox.send(CLERK_KEEPER, "/seals ledger 2026-11"))
    for shown in (queue, ledger):
        assert shown and not shown.startswith("印章登记命令：") and "🔏 印章登记" not in shown
