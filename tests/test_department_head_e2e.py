"""Admins name a department's head; tasks given to the department go to them."""

from __future__ import annotations

from bot.sandbox import Sandbox
from tests.conftest import ADMIN, STAFF, texts
from tests.task_helpers import make_task


async def test_department_head_receives_department_tasks(sandbox: Sandbox) -> None:
    # Without a head named, the department's 主任 is taken as its head.
    first = await make_task(sandbox.services, owner="社会事务办")
    assert first.owner.name == "吴涛"
    assert "没有权限" in texts(await sandbox.send(STAFF, "/dept_head 社会事务办 黄磊"))
    assert "未找到部门“后勤办”" in texts(await sandbox.send(ADMIN, "/dept_head 后勤办 黄磊"))
    assert "/dept_head 部门 姓名" in texts(await sandbox.send(ADMIN, "/dept_head 社会事务办"))
    assert "已设置 社会事务办 负责人：黄磊" in texts(
        await sandbox.send(ADMIN, "/dept_head 社会事务办 黄磊"))
    second = await make_task(sandbox.services, owner="社会事务办", title="整理低保台账")
    assert second.owner.name == "黄磊"
