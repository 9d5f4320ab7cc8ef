"""The seal registry of the demo office, and one request waiting for approval."""

from __future__ import annotations

from bot.services.access import Actor
from bot.services.container import Services
from bot.services.seals import SealDraft

# Each seal with its keepers and route, as an admin would type them in /seals add.
SEALS: tuple[tuple[str, str, str], ...] = (
    ("中共示范镇委员会印章", "刘芳", "王建国"),
    ("示范镇人民政府印章", "刘芳", "部门负责人 > 李明华"),
    ("党政办公室印章", "刘芳 陈志强", "部门负责人 > 王建国/赵丽"),
)


async def seed_seals(services: Services) -> None:
    admin = await services.people.resolve_actor(1004, "陈志强", "zh")
    applicant = await services.people.resolve_actor(1009, "周敏", "zh")
    assert isinstance(admin, Actor) and isinstance(applicant, Actor)
    ids = {}
    for name, keepers, route in SEALS:
        seal = await services.seals.add_seal(admin, name, keepers, route)
        ids[name] = seal.id
    await services.seals.submit(applicant, SealDraft(
        seal_id=ids["示范镇人民政府印章"], title="关于申请综合执法车辆维修经费的请示",
        doc_type="request", copies=2, purpose="向县财政局申请车辆维修经费",
        recipient="县财政局"))
