"""Registration and access, end to end: the real bot on the emulator, as people use it."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select
from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from bot.sandbox import Sandbox
from storage.models import AuditEntry, Staff
from tests.conftest import ADMIN, STAFF, STAFF_EN, STRANGER, texts

LINK = re.compile(r"https://t\.me/officebot_sandbox_bot\?start=([A-Za-z0-9_-]+)")


async def invite(sandbox: Sandbox, line: str) -> str:
    reply = texts(await sandbox.send(ADMIN, line))
    match = LINK.search(reply)
    assert match, reply
    return match.group(1)


async def count(sandbox: Sandbox, model: type) -> int:
    async with sandbox.db.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def test_invite_register_whoami(sandbox: Sandbox) -> None:
    code = await invite(sandbox, "/invite 孙强 | 党政办 | 干事 | 13900000001 | 工作人员,印章管理员")
    newcomer = sandbox.emu.add_user(user_id=2001, first_name="Sun", language_code="zh-hans")
    assert newcomer is not None

    replies = texts(await sandbox.send(2001, f"/start {code}"))
    assert "注册成功：孙强（党政办）" in replies
    welcome = sandbox.emu.last_bot_message(2001)
    assert welcome is not None and newcomer.reply_keyboard is not None  # the phone menu

    card = texts(await sandbox.send(2001, "/whoami"))
    assert "姓名：孙强" in card and "部门：党政办" in card and "电话：13900000001" in card
    assert "印章管理员" in card and "工作人员" in card

    # The admin who invited hears about it through the outbox.
    await sandbox.tick()
    assert "孙强（党政办）已完成注册" in texts(sandbox.emu.bot_messages(ADMIN))

    # The menu button does what /whoami does.
    assert "姓名：孙强" in texts(await sandbox.send(2001, "👤 我的信息"))


async def test_bad_invite_codes_are_refused_clearly(sandbox: Sandbox) -> None:
    code = await invite(sandbox, "/invite 钱多多 | 党政办")
    sandbox.emu.add_user(user_id=2001, first_name="A", language_code="zh-hans")
    sandbox.emu.add_user(user_id=2002, first_name="B", language_code="en")
    sandbox.emu.add_user(user_id=2003, first_name="C", language_code="zh-hans")

    assert "注册链接无效" in texts(await sandbox.send(2001, "/start notacode"))
    assert "注册成功" in texts(await sandbox.send(2001, f"/start {code}"))
    assert "already been used" in texts(await sandbox.send(2002, f"/start {code}"))

    late = await invite(sandbox, "/invite 孙强 | 党政办")
    replaced = late
    newer = await invite(sandbox, "/invite 孙强")  # a fresh link replaces the old one
    assert newer != replaced
    assert "已作废" in texts(await sandbox.send(2003, f"/start {replaced}"))
    sandbox.clock.advance(timedelta(hours=73))
    assert "已过期" in texts(await sandbox.send(2003, f"/start {newer}"))
    async with sandbox.db.transaction() as s:
        sun = await s.scalar(select(Staff).where(Staff.name == "孙强"))
        assert sun is not None and sun.telegram_user_id is None


async def test_unregistered_user_refused_everywhere(sandbox: Sandbox) -> None:
    staff_before, audit_before = await count(sandbox, Staff), await count(sandbox, AuditEntry)

    first = await sandbox.send(STRANGER, "/whoami")
    assert len(first) == 1 and "尚未登记" in first[0]["text"]
    # More from the same stranger soon after: not answered again, and nothing else happens.
    for text in ("你好", "/start", "签到", "/people", "/start@another_bot abc"):
        assert await sandbox.send(STRANGER, text) == [], text
    assert await sandbox.send_document(STRANGER, "名单.xlsx", b"x") == []
    assert await sandbox.share_location(STRANGER, 30.0, 120.0) == []

    card = sandbox.emu.last_bot_message(STRANGER)
    assert card is not None
    answer = await sandbox.press_data(STRANGER, card["message_id"], "lang:set:en")
    assert answer is not None and "尚未登记" in answer["text"]
    forged = await sandbox.press_data(STRANGER, card["message_id"], "import:staff:ok:1")
    assert forged is not None and "尚未登记" in forged["text"]
    assert len(sandbox.emu.bot_messages(STRANGER)) == 1

    sandbox.clock.advance(timedelta(minutes=11))
    assert "尚未登记" in texts(await sandbox.send(STRANGER, "你好"))

    assert await count(sandbox, Staff) == staff_before
    assert await count(sandbox, AuditEntry) == audit_before


async def test_lang_switch_by_command_and_button(sandbox: Sandbox) -> None:
    assert "Language set to English" in texts(await sandbox.send(STAFF, "/lang en"))
    assert "Name: 张伟" in texts(await sandbox.send(STAFF, "/whoami"))
    menu = sandbox.emu.user(STAFF).reply_keyboard["keyboard"]
    assert any(b["text"] == "👤 My info" for row in menu for b in row)

    await sandbox.send(STAFF, "/lang")
    await sandbox.press(STAFF, "中文")
    assert "语言已设置为中文" in texts(sandbox.emu.bot_messages(STAFF)[-1:])
    assert "姓名：张伟" in texts(await sandbox.send(STAFF, "/whoami"))

    assert "/lang zh" in texts(await sandbox.send(STAFF_EN, "/lang klingon"))


async def test_deactivation_cuts_access_at_once(sandbox: Sandbox) -> None:
    assert "姓名：张伟" in texts(await sandbox.send(STAFF, "/whoami"))
    assert "已停用 张伟" in texts(await sandbox.send(ADMIN, "/deactivate 张伟"))
    assert "尚未登记" in texts(await sandbox.send(STAFF, "/whoami"))
    assert "未找到人员" in texts(await sandbox.send(ADMIN, "/deactivate 不存在"))
    assert "不能停用自己" in texts(await sandbox.send(ADMIN, "/deactivate 陈志强"))


async def test_admin_commands_refused_for_staff(sandbox: Sandbox) -> None:
    staff_before = await count(sandbox, Staff)
    assert "没有权限" in texts(await sandbox.send(STAFF, "/invite 某人 | 党政办"))
    assert "没有权限" in texts(await sandbox.send(STAFF, "/people"))
    assert "没有权限" in texts(await sandbox.send(STAFF, "/deactivate 刘芳"))
    assert await count(sandbox, Staff) == staff_before


async def test_people_list_pages_with_buttons(sandbox: Sandbox) -> None:
    for n in range(15):
        await invite(sandbox, f"/invite 临时{n:02d} | 临时组")
    first = texts(await sandbox.send(ADMIN, "/people"))
    assert "共 25 人，第 1/2 页" in first
    await sandbox.press(ADMIN, "›")
    edited = sandbox.emu.bot_messages(ADMIN)[-1]["text"]
    assert "第 2/2 页" in edited and "临时14" in edited


async def test_commands_registered_in_both_languages(sandbox: Sandbox) -> None:
    zh = {c["command"]: c["description"] for c in sandbox.emu.commands[("all_private_chats", "zh")]}
    en = {c["command"]: c["description"] for c in sandbox.emu.commands[("all_private_chats", "en")]}
    assert zh.keys() == en.keys() >= {"start", "whoami", "lang", "help", "invite"}
    assert zh["whoami"] == "我的登记信息" and en["whoami"] == "My registration"


async def test_unknown_input_gets_a_hint(sandbox: Sandbox) -> None:
    assert "/help" in texts(await sandbox.send(STAFF, "随便说点什么"))
    assert "没有这个命令" in texts(await sandbox.send(STAFF, "/nosuchthing"))
    assert "/whoami" in texts(await sandbox.send(STAFF, "帮助"))


async def test_crash_in_handler_is_reported_and_bot_keeps_serving(sandbox: Sandbox) -> None:
    async def boom(update: object, context: object) -> None:
        raise RuntimeError("handler bug")

    sandbox.app.add_handler(CommandHandler("boom", boom), group=-2)
    reply = texts(await sandbox.send(STAFF, "/boom"))
    assert re.search(r"事件编号 [0-9a-f]{8}", reply), reply
    assert "Name: 黄磊" in texts(await sandbox.send(STAFF_EN, "/whoami"))


async def test_deactivated_person_can_be_readmitted_with_a_new_link(sandbox: Sandbox) -> None:
    await sandbox.send(ADMIN, "/deactivate 张伟")
    assert "尚未登记" in texts(await sandbox.send(STAFF, "/whoami"))
    code = await invite(sandbox, "/invite 张伟 | 综合执法队 | 队员")
    assert "注册成功：张伟（综合执法队）" in texts(await sandbox.send(STAFF, f"/start {code}"))
    card = texts(await sandbox.send(STAFF, "/whoami"))
    assert "职务：队员" in card and "电话：13800000006" in card and "角色：工作人员" in card
    async with sandbox.db.transaction() as s:
        people = list(await s.scalars(select(Staff).where(Staff.name == "张伟")))
        assert len(people) == 1  # the same record, its history kept
        actions = list(await s.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_id == people[0].id, AuditEntry.entity == "staff")
            .order_by(AuditEntry.id)))
    assert actions[-4:] == ["staff.deactivate", "staff.reactivate", "invite.create",
                            "staff.register"]


async def test_reinvite_before_registration_takes_the_new_details(sandbox: Sandbox) -> None:
    await invite(sandbox, "/invite 钱七 | 党政办 | 干事")
    await invite(sandbox, "/invite 钱七 | 经济发展办 | | 13900000007 | 领导")
    async with sandbox.db.transaction() as s:
        person = await s.scalar(select(Staff).where(Staff.name == "钱七"))
        assert person is not None and person.department is not None
        assert person.department.name == "经济发展办" and person.title == "干事"
        roles = await person.awaitable_attrs.roles
        assert person.phone == "13900000007" and [r.role for r in roles] == ["leader"]


async def test_crash_after_answering_a_button_still_reaches_the_person(sandbox: Sandbox) -> None:
    async def boom(update: Update, context: object) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()
        raise RuntimeError("bug after the answer")

    sandbox.app.add_handler(CallbackQueryHandler(boom, pattern="^boom$"))
    group = sandbox.app.handlers[0]
    group.insert(0, group.pop())  # ahead of the catch-all for unknown buttons
    await sandbox.send(STAFF, "/lang")
    card = sandbox.emu.last_bot_message(STAFF)
    assert card is not None
    await sandbox.press_data(STAFF, card["message_id"], "boom")
    assert re.search(r"事件编号 [0-9a-f]{8}", texts(sandbox.emu.bot_messages(STAFF)[-1:]))
