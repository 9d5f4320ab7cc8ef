"""Shared helpers for the seal tests (sandbox and service tests alike).

Small, stable API — every seal test file may import it:
    await seal_office(box_or_services)       the demo registry (bot/demo/seed_seals.py):
                                             {seal name: seal id}; also a pending request by
                                             周敏 waiting on 李明华
    await submit_request(box_or_services, who, seal, **fields)
                                             a request submitted through SealService (fast
                                             setup); who = telegram id or name
    await request_by_chat(sandbox, uid, seal, ...)
                                             the whole /seal conversation as a person types
                                             and presses it; returns the new request's id
    pending_card(sandbox, uid, button)       the newest bot message in uid's chat with an
                                             inline button of that label or callback data
                                             prefix (e.g. "seal:approve:")
    buttons(message) / button_data(message)  the inline buttons' labels / callback data
    await seal_requests(box_or_services)     every SealRequest row, oldest first
    last / message / popup / request_row / approved_by_button
                                             the newest bot message, one message as it looks
                                             now, a press's answer text, a request's row, the
                                             approver pressing 批准 on its delivered card
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.demo.seed_seals import seed_seals
from bot.services.container import Services
from bot.services.seals import RequestView, SealDraft
from storage.models import Seal, SealRequest
from tests.task_helpers import actor


def _services(box_or_services: Any) -> Services:
    return box_or_services if isinstance(box_or_services, Services) \
        else box_or_services.services


async def seal_office(box_or_services: Any) -> dict[str, int]:
    services = _services(box_or_services)
    await seed_seals(services)
    async with services.db.transaction() as s:
        return {seal.name: seal.id for seal in await s.scalars(select(Seal).order_by(Seal.id))}


async def submit_request(box_or_services: Any, who: int | str, seal: str, *,
                         title: str = "关于申请冬季防火物资经费的请示",
                         doc_type: str = "request", copies: int = 2,
                         purpose: str = "报县财政局审批", recipient: str = "县财政局",
                         **fields: Any) -> RequestView:
    """`fields`: urgent, takeout, place, return_due (ISO), file_id, file_name."""
    services = _services(box_or_services)
    async with services.db.transaction() as s:
        seal_id = await s.scalar(select(Seal.id).where(Seal.name == seal))
    assert seal_id is not None, f"no such seal: {seal}"
    draft = SealDraft(seal_id=seal_id, title=title, doc_type=doc_type, copies=copies,
                      purpose=purpose, recipient=recipient, **fields)
    return await services.seals.submit(await actor(services, who), draft)


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


def button_data(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [str(b.get("callback_data")) for row in markup.get("inline_keyboard", [])
            for b in row]


def pending_card(sandbox: Any, uid: int, button: str) -> dict[str, Any]:
    for message in reversed(sandbox.emu.bot_messages(uid)):
        if button in buttons(message) or any(d.startswith(button)
                                             for d in button_data(message)):
            return dict(message)
    raise AssertionError(f"no message with button {button!r} in chat {uid}")


async def request_by_chat(sandbox: Any, uid: int, seal: str, *,
                          title: str = "关于申请冬季防火物资经费的请示", doc: str = "请示",
                          copies: str = "2", purpose: str = "报县财政局审批",
                          recipient: str = "县财政局", urgency: str = "普通",
                          takeout: tuple[str, str] | None = None,
                          file: tuple[str, bytes] | None = None) -> int:
    """/seal, pressing the buttons (Chinese labels) and typing the answers; takeout =
    (place, return time as typed); file = (name, bytes) or None to skip. Returns the id."""
    await sandbox.send(uid, "/seal")
    await sandbox.press(uid, seal)
    await sandbox.send(uid, title)
    await sandbox.press(uid, doc)
    await sandbox.send(uid, copies)
    await sandbox.send(uid, purpose)
    await sandbox.send(uid, recipient)
    await sandbox.press(uid, urgency)
    if takeout is None:
        await sandbox.press(uid, "🏢 在办公室用印")
    else:
        await sandbox.press(uid, "🚗 外带用印")
        await sandbox.send(uid, takeout[0])
        await sandbox.send(uid, takeout[1])
    if file is None:
        await sandbox.press(uid, "跳过")
    else:
        await sandbox.send_document(uid, file[0], file[1])
    await sandbox.press(uid, "✅ 提交")
    found = await seal_requests(sandbox)
    assert found, "no request was created"
    return found[-1].id


async def seal_requests(box_or_services: Any) -> list[SealRequest]:
    async with _services(box_or_services).db.transaction() as s:
        return list(await s.scalars(select(SealRequest).order_by(SealRequest.id)))


def last(sandbox: Any, uid: int) -> dict[str, Any]:
    """The bot's newest message in uid's chat, as it looks now."""
    message = sandbox.emu.last_bot_message(uid)
    assert message is not None
    return message


def message(sandbox: Any, uid: int, message_id: int) -> dict[str, Any]:
    """One message of uid's chat as it looks now (edits applied)."""
    found = sandbox.emu.message(uid, message_id)
    assert found is not None
    return found


def popup(answer: dict[str, Any] | None) -> str:
    """The text of a button press's answer (the toast or popup the presser saw)."""
    assert answer is not None
    return str(answer.get("text") or "")


async def request_row(box_or_services: Any, request_id: int) -> SealRequest:
    async with _services(box_or_services).db.transaction() as s:
        found = await s.get(SealRequest, request_id)
        assert found is not None
        return found


async def approved_by_button(sandbox: Any, request_id: int, approver: int) -> None:
    """The approver presses 批准 on the request's card, as delivered; the keepers' cards
    go out."""
    await sandbox.tick()
    card = pending_card(sandbox, approver, f"seal:approve:{request_id}")
    assert "用印审批" in card["text"]
    assert "已批准" in popup(await sandbox.press(approver, "✅ 批准", card["message_id"]))
    await sandbox.tick()
