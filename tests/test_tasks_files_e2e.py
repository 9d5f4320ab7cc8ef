"""The document a task is about: attached by the assigner, fetched by the owner."""

from __future__ import annotations

from bot.sandbox import Sandbox
from tests.conftest import LEADER, STAFF, STAFF_EN, texts
from tests.task_helpers import make_task


async def test_assigner_attaches_a_file_and_the_owner_fetches_it(sandbox: Sandbox) -> None:
    task = await make_task(sandbox.services, owner="张伟")
    assert "/task_file" in texts(await sandbox.send(LEADER, "/task_file"))
    assert "请发送事项" in texts(await sandbox.send(LEADER, f"/task_file {task.id}"))
    done = texts(await sandbox.send_document(LEADER, "县防火通知.pdf", b"%PDF-1.4 notice",
                                             "application/pdf"))
    assert f"已为事项 #{task.id} 附上：县防火通知.pdf" in done
    await sandbox.tick()
    notice = sandbox.emu.bot_messages(STAFF)[-1]
    assert "已附文件：县防火通知.pdf" in notice["text"]
    await sandbox.press(STAFF, "📎 查看附件", notice["message_id"])
    sent = sandbox.emu.bot_messages(STAFF)[-1]
    assert sent["document"]["file_name"] == "县防火通知.pdf"
    assert sandbox.emu.file_bytes(sent["document"]["file_id"]) == b"%PDF-1.4 notice"
    assert "附件：县防火通知.pdf" in texts(await sandbox.send(STAFF, f"/task {task.id}"))

    # The owner cannot attach in the assigner's place; someone else cannot fetch it.
    await sandbox.send(STAFF, f"/task_file {task.id}")
    refused = texts(await sandbox.send_document(STAFF, "x.pdf", b"x", "application/pdf"))
    assert "只有交办领导" in refused or "不能对本人承办的事项" in refused
    await sandbox.send(STAFF_EN, "/whoami")
    own = sandbox.emu.bot_messages(STAFF_EN)[-1]
    forged = await sandbox.press_data(STAFF_EN, own["message_id"], f"taskfile:get:{task.id}")
    assert forged is not None and "cannot see that task" in forged["text"]
