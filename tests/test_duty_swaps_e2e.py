"""Shift swaps end to end: people on the emulator ask, answer, approve, and press buttons
they should not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.sandbox import Sandbox
from bot.services.audit import history
from storage.models import Notification, Staff, SwapRequest
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts

YANG, ZHOU, ZHAO = 1007, 1009, 1003  # 杨静 and 周敏 (staff), 赵丽 (a leader, not on duty)
SATURDAY, SUNDAY = date(2026, 11, 28), date(2026, 11, 29)


async def add_shift(sandbox: Sandbox, day: date, person: str, leader: str = "王建国") -> int:
    """Through the roster service, as a clerk puts it in."""
    clerk = await sandbox.services.people.resolve_actor(ADMIN, "", None)
    assert clerk is not None
    draft = await sandbox.services.duty.draft(clerk, day, "day", person, leader)
    return (await sandbox.services.duty.create_shift(clerk, draft)).id


async def staff_id(sandbox: Sandbox, telegram_id: int) -> int:
    async with sandbox.db.transaction() as s:
        found = await s.scalar(select(Staff.id).where(Staff.telegram_user_id == telegram_id))
        assert found is not None
        return found


async def swaps(sandbox: Sandbox) -> list[SwapRequest]:
    async with sandbox.db.transaction() as s:
        return list(await s.scalars(select(SwapRequest).order_by(SwapRequest.id)))


async def outbox_status(sandbox: Sandbox, key: str) -> str:
    async with sandbox.db.transaction() as s:
        row = await s.scalar(select(Notification).where(Notification.key == key))
        assert row is not None, key
        return row.status


def last(sandbox: Sandbox, uid: int) -> dict[str, Any]:
    message = sandbox.emu.last_bot_message(uid)
    assert message is not None
    return message


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def answer_text(answer: dict[str, Any] | None) -> str:
    assert answer is not None
    return str(answer.get("text") or "")


async def ask(sandbox: Sandbox, uid: int, label: str, name: str) -> str:
    """/swap -> pick the shift -> type the colleague's name; returns the bot's last reply."""
    await sandbox.send(uid, "/swap")
    await sandbox.press(uid, label)
    return texts(await sandbox.send(uid, name))


async def test_swap_accepted_and_approved(sandbox: Sandbox) -> None:
    shift_id = await add_shift(sandbox, SATURDAY, "张伟")
    zhang, yang = await staff_id(sandbox, STAFF), await staff_id(sandbox, YANG)

    listing = await sandbox.send(STAFF, "/swap")
    assert "请选择要换出的班次" in texts(listing)
    assert buttons(listing[-1]) == ["11月28日（周六）白班"]
    await sandbox.press(STAFF, "11月28日（周六）白班")
    assert "请输入代班同事的姓名" in last(sandbox, STAFF)["text"]
    sent = texts(await sandbox.send(STAFF, "杨静 家中有事"))
    assert "已向 杨静 发出换班请求：11月28日（周六）白班 08:30–17:30" in sent
    (swap,) = await swaps(sandbox)

    await sandbox.tick()
    card = last(sandbox, YANG)
    assert "张伟 请您代为值班：11月28日（周六）白班 08:30–17:30，带班领导：王建国" in card["text"]
    assert "原因：家中有事" in card["text"]
    assert buttons(card) == ["✅ 同意", "✖ 拒绝"]

    # Someone else pressing the colleague's button (forged) changes nothing.
    await sandbox.send(ZHOU, "/swap")
    refused = await sandbox.press_data(ZHOU, last(sandbox, ZHOU)["message_id"],
                                       f"swap:accept:{swap.id}")
    assert "只有受邀代班的同事本人可以答复" in answer_text(refused)

    sandbox.clock.advance(timedelta(minutes=3))
    assert answer_text(await sandbox.press(YANG, "✅ 同意")) == "已同意，等待审批。"
    card = sandbox.emu.message(YANG, card["message_id"])
    assert card is not None and "杨静 已于 11-27 10:03 同意，等待审批" in card["text"]
    assert buttons(card) == []

    await sandbox.tick()
    assert "杨静 已同意代您值 11月28日（周六）白班" in last(sandbox, STAFF)["text"]
    approval_cards = {}
    for uid in (LEADER, ADMIN, CLERK_KEEPER):
        approval = last(sandbox, uid)
        assert "换班审批" in approval["text"] and "代班人员：杨静（已同意）" in approval["text"]
        assert buttons(approval) == ["✅ 批准", "✖ 驳回"]
        approval_cards[uid] = approval["message_id"]

    # Forged approvals: the requester, a leader who is not this shift's, plain staff.
    for uid in (STAFF, ZHAO, ZHOU):
        if sandbox.emu.last_bot_message(uid) is None:
            await sandbox.send(uid, "/swap")
        refused = await sandbox.press_data(uid, last(sandbox, uid)["message_id"],
                                           f"swap:approve:{swap.id}")
        assert "只有党政办人员或该班次的带班领导可以审批换班" in answer_text(refused)
    assert (await sandbox.services.duty.get(shift_id)).person.name == "张伟"

    sandbox.clock.advance(timedelta(minutes=2))
    done = await sandbox.press(CLERK_KEEPER, "✅ 批准")
    assert answer_text(done) == "已批准，值班表已更新并通知相关人员。"
    # Every approval card now says who decided and when, and has no buttons left.
    for uid, message_id in approval_cards.items():
        edited = sandbox.emu.message(uid, message_id)
        assert edited is not None and "刘芳 已于 11-27 10:05 批准，值班表已更新" in edited["text"]
        assert buttons(edited) == [], uid
    # A second decision, even from an untouched copy of the card, changes nothing.
    again = await sandbox.press_data(ADMIN, approval_cards[ADMIN], f"swap:reject:{swap.id}")
    assert "该申请已处理（已批准）" in answer_text(again)

    shift = await sandbox.services.duty.get(shift_id)
    assert shift.person.name == "杨静"
    assert await outbox_status(sandbox, f"shift:{shift_id}:eve:{zhang}") == "cancelled"
    assert await outbox_status(sandbox, f"shift:{shift_id}:before:{zhang}") == "cancelled"
    assert await outbox_status(sandbox, f"shift:{shift_id}:eve:{yang}") == "pending"
    assert await outbox_status(sandbox, f"shift:{shift_id}:before:{yang}") == "pending"

    await sandbox.tick()
    for uid in (STAFF, YANG, LEADER):
        changed = [m for m in sandbox.emu.bot_messages(uid) if "值班安排变更" in m["text"]]
        assert len(changed) == 1, uid
        assert "现值班人员：杨静，带班领导：王建国" in changed[0]["text"]
    async with sandbox.db.transaction() as s:
        assert [e.action for e in await history(s, "swap", swap.id)] == [
            "swap.ask", "swap.accept", "swap.approve"]
        shift_log = await history(s, "shift", shift_id)
    assert shift_log[-1].action == "shift.swap"
    assert shift_log[-1].before["person_id"] == zhang
    assert shift_log[-1].after["person_id"] == yang

    # The reminder the evening before now goes to 杨静, not to 张伟.
    await sandbox.advance_to(datetime(2026, 11, 27, 17, 1, tzinfo=SHANGHAI))
    assert "明日值班提醒" in last(sandbox, YANG)["text"]
    assert not any("明日值班提醒" in m["text"] for m in sandbox.emu.bot_messages(STAFF))


async def test_swap_declined(sandbox: Sandbox) -> None:
    """黄磊 reads English; 周敏 declines in Chinese."""
    shift_id = await add_shift(sandbox, SUNDAY, "黄磊")
    listing = await sandbox.send(STAFF_EN, "/swap")
    assert "Which shift do you want to hand over?" in texts(listing)
    await sandbox.press(STAFF_EN, "Sun 11/29, day shift")
    sent = texts(await sandbox.send(STAFF_EN, "周敏"))
    assert "Swap request sent to 周敏: Sun 11/29, day shift 08:30–17:30" in sent
    (swap,) = await swaps(sandbox)

    await sandbox.tick()
    card = last(sandbox, ZHOU)
    assert "黄磊 请您代为值班：11月29日（周日）白班" in card["text"]
    assert "原因：—" in card["text"]
    assert answer_text(await sandbox.press(ZHOU, "✖ 拒绝")) == "已拒绝，已告知申请人。"
    edited = sandbox.emu.message(ZHOU, card["message_id"])
    assert edited is not None and "周敏 已于 11-27 10:00 拒绝" in edited["text"]
    assert buttons(edited) == []
    again = await sandbox.press_data(ZHOU, card["message_id"], f"swap:accept:{swap.id}")
    assert "该申请已处理（同事已拒绝）" in answer_text(again)

    await sandbox.tick()
    told = last(sandbox, STAFF_EN)["text"]
    assert "周敏 declined to take your day shift on Sun 11/29; the roster stays as it is." in told
    assert (await sandbox.services.duty.get(shift_id)).person.name == "黄磊"
    assert [s.status for s in await swaps(sandbox)] == ["declined"]
    for uid in (ADMIN, CLERK_KEEPER, LEADER):  # nothing to approve
        assert not any("换班审批" in m["text"] for m in sandbox.emu.bot_messages(uid))


async def test_bad_input_is_refused_and_changes_nothing(sandbox: Sandbox) -> None:
    assert "您近期没有可以换出的值班安排" in texts(await sandbox.send(ZHOU, "/swap"))
    shift_id = await add_shift(sandbox, SATURDAY, "张伟")
    yang_shift = await add_shift(sandbox, SUNDAY, "杨静")
    await sandbox.send(ADMIN, "/invite 孙强 | 党政办")  # invited, not registered yet
    await sandbox.send(ADMIN, "/deactivate 吴涛")

    assert "请选择要换出的班次" in texts(await sandbox.send(STAFF, "换班"))  # the word works
    await sandbox.press(STAFF, "11月28日（周六）白班")
    for name, refusal in (("张伟", "不能与自己换班"), ("李四", "未找到人员“李四”"),
                          ("孙强", "孙强 尚未注册使用本系统"), ("吴涛", "吴涛 已停用"),
                          ("王书记", "王建国 是该班次的带班领导")):
        reply = texts(await sandbox.send(STAFF, name))
        assert refusal in reply, (name, reply)
        assert "请重新输入同事姓名" in reply  # still asking: the shift itself is fine
    # The menu keeps working while the bot waits for a name, and the wait goes on.
    assert "使用说明" in texts(await sandbox.send(STAFF, "❓ 帮助"))
    assert "未找到人员“李四”" in texts(await sandbox.send(STAFF, "李四"))
    assert "已取消" in texts(await sandbox.send(STAFF, "/cancel"))
    assert "未能识别" in texts(await sandbox.send(STAFF, "杨静"))  # the dialogue is over
    assert await swaps(sandbox) == []

    # A forged pick of someone else's shift.
    listing = await sandbox.send(STAFF, "/swap")
    refused = await sandbox.press_data(STAFF, listing[-1]["message_id"],
                                       f"swap:pick:{yang_shift}")
    assert "这不是您的班次" in answer_text(refused)

    # A shift with a swap already pending.
    assert "已向 杨静 发出换班请求" in await ask(sandbox, STAFF, "11月28日（周六）白班", "杨静")
    listing = await sandbox.send(STAFF, "/swap")
    assert "您尚未办结的换班申请" in texts(listing) and "→ 杨静：待同事答复" in texts(listing)
    refused = await sandbox.press(STAFF, "11月28日（周六）白班 · 换班中")
    assert "该班次已有待处理的换班申请（代班人：杨静）" in answer_text(refused)

    # The shift starts before anyone answers: it cannot be picked, and the request lapses.
    await sandbox.tick()
    card = last(sandbox, YANG)
    await sandbox.advance_to(datetime(2026, 11, 28, 8, 31, tzinfo=SHANGHAI))
    refused = await sandbox.press_data(STAFF, listing[-1]["message_id"],
                                       f"swap:pick:{shift_id}")
    assert "该班次已开始或已结束" in answer_text(refused)
    lapsed = await sandbox.press(YANG, "✅ 同意", message_id=card["message_id"])
    assert "换班申请已失效" in answer_text(lapsed)
    edited = sandbox.emu.message(YANG, card["message_id"])
    assert edited is not None and "申请已于 11-28 08:31 失效" in edited["text"]
    assert buttons(edited) == []
    assert (await sandbox.services.duty.get(shift_id)).person.name == "张伟"
    assert [s.status for s in await swaps(sandbox)] == ["expired"]
    await sandbox.tick()
    assert "已失效：班次已变动或已开始" in last(sandbox, STAFF)["text"]


async def test_withdrawn_after_acceptance(sandbox: Sandbox) -> None:
    shift_id = await add_shift(sandbox, SATURDAY, "张伟")
    await ask(sandbox, STAFF, "11月28日（周六）白班", "杨静 临时出差")
    await sandbox.tick()
    await sandbox.press(YANG, "✅ 同意")
    await sandbox.tick()
    approval = last(sandbox, LEADER)
    assert "原因：临时出差" in approval["text"]

    # Only the requester may withdraw.
    (swap,) = await swaps(sandbox)
    refused = await sandbox.press_data(YANG, last(sandbox, YANG)["message_id"],
                                       f"swap:withdraw:{swap.id}")
    assert "只有申请人本人可以撤回" in answer_text(refused)

    listing = await sandbox.send(STAFF, "/swap")
    assert "→ 杨静：待审批" in texts(listing)
    done = await sandbox.press(STAFF, "↩️ 撤回 11月28日 → 杨静")
    assert answer_text(done) == "已撤回换班申请。"
    edited = sandbox.emu.message(LEADER, approval["message_id"])
    assert edited is not None and "张伟 已于 11-27 10:00 撤回申请" in edited["text"]
    assert buttons(edited) == []
    late = await sandbox.press_data(LEADER, approval["message_id"], f"swap:approve:{swap.id}")
    assert "该申请已处理（已撤回）" in answer_text(late)
    await sandbox.tick()
    assert "张伟 已撤回 11月28日（周六）白班 的换班请求" in last(sandbox, YANG)["text"]
    assert (await sandbox.services.duty.get(shift_id)).person.name == "张伟"
