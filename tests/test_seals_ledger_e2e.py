"""The ledger (用印登记簿) end to end: requests made, approved with the approvers' buttons and
recorded by the keepers in the test; `/seals ledger` and its Excel export checked cell by
cell against them; the filters, the refusals, and English for an English reader."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from openpyxl import load_workbook

from bot.sandbox import Sandbox
from bot.services.seals import RequestView
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, texts
from tests.seal_helpers import pending_card, seal_office, submit_request
from tests.task_helpers import actor

ZHOU, YANG, MAYOR, ZHAO = 1009, 1007, 1002, 1003
TELEGRAM = {"王建国": LEADER, "李明华": MAYOR, "赵丽": ZHAO, "陈志强": ADMIN}
PARTY, GOV, OFFICE = "中共示范镇委员会印章", "示范镇人民政府印章", "党政办公室印章"
HEADERS = ["序号", "日期", "文件名称", "用印事由", "份数", "申请人", "审批人", "保管人", "印章",
           "部门", "归还"]


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


async def approve(sandbox: Sandbox, request_id: int) -> list[str]:
    """Each approver the request waits on presses 批准 on their card, a minute apart;
    returns "name MM-DD HH:MM" of each approval, as the ledger should list them."""
    done = []
    while True:
        view = await sandbox.services.seals.get(await actor(sandbox, ADMIN), request_id)
        if view.status != "pending":
            return done
        name = view.approval.waiting_on[0].name
        sandbox.clock.advance(timedelta(minutes=1))
        await sandbox.tick()
        uid = TELEGRAM[name]
        await sandbox.press(uid, "✅ 批准",
                            pending_card(sandbox, uid, f"seal:approve:{request_id}")["message_id"])
        done.append(f"{name} {sandbox.clock.now().astimezone(SHANGHAI):%m-%d %H:%M}")


async def stamp(sandbox: Sandbox, keeper: int, view: RequestView, copies: int) -> datetime:
    """The keeper records it with the buttons, at the moment ("现在"); returns that time."""
    sandbox.clock.advance(timedelta(minutes=3))
    await sandbox.tick()
    card = pending_card(sandbox, keeper, f"seal:stamp:{view.id}")
    await sandbox.press(keeper, "🔏 登记用印", card["message_id"])
    await sandbox.send(keeper, str(copies))
    await sandbox.press(keeper, "现在")
    assert "已登记用印" in texts(await sandbox.send(keeper, "跳过"))
    return sandbox.clock.now()


def day(when: datetime) -> str:
    return f"{when.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def sheet_rows(sandbox: Sandbox, message: dict[str, Any]) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(sandbox.emu.file_bytes(message["document"]["file_id"])))
    ws = book.active
    assert ws is not None
    return [list(r) for r in ws.iter_rows(values_only=True)]


async def test_ledger_and_its_excel_cell_by_cell(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    made: list[list[Any]] = []

    # 1. 张伟 (党政办), 中共…委员会印章, one step (王建国); 2 of 3 copies stamped by 刘芳.
    first = await submit_request(sandbox, STAFF, PARTY, title="关于冬季防火工作的报告",
                                 doc_type="report", copies=3, purpose="报县应急管理局",
                                 recipient="县应急管理局")
    approvers = await approve(sandbox, first.id)
    used = await stamp(sandbox, CLERK_KEEPER, first, 2)
    made.append([1, day(used), "关于冬季防火工作的报告", "报县应急管理局", 2, "张伟",
                 "；".join(approvers), "刘芳", PARTY, "党政办", None])

    # 2. 周敏 (综合执法队, no head), 党政办公室印章: 王建国/赵丽; stamped by 陈志强.
    second = await submit_request(sandbox, ZHOU, OFFICE, title="关于开具居住证明的函",
                                  doc_type="letter", copies=1, purpose="办理户籍迁移",
                                  recipient="县公安局")
    approvers = await approve(sandbox, second.id)
    used = await stamp(sandbox, ADMIN, second, 1)
    made.append([2, day(used), "关于开具居住证明的函", "办理户籍迁移", 1, "周敏",
                 "；".join(approvers), "陈志强", OFFICE, "综合执法队", None])

    # 3. 张伟 again, 人民政府印章: 部门负责人 (陈志强) then 李明华 — two approvers listed.
    third = await submit_request(sandbox, STAFF, GOV, title="村道硬化工程施工合同",
                                 doc_type="contract", copies=4, purpose="签订施工合同",
                                 recipient="县交通局")
    approvers = await approve(sandbox, third.id)
    assert len(approvers) == 2
    used = await stamp(sandbox, CLERK_KEEPER, third, 4)
    made.append([3, day(used), "村道硬化工程施工合同", "签订施工合同", 4, "张伟",
                 "；".join(approvers), "刘芳", GOV, "党政办", None])

    # 4. 周敏 takes 中共…委员会印章 out; handed over by 刘芳 and not back: in the book from the
    # hand-over, its copies blank and 未归还.
    fourth = await submit_request(
        sandbox, ZHOU, PARTY, title="林地承包合同", doc_type="contract", copies=2,
        purpose="现场签订合同", recipient="西村村委会", takeout=True, place="西村村委会",
        return_due=local(11, 27, 17, 0).isoformat())
    approvers = await approve(sandbox, fourth.id)
    sandbox.clock.advance(timedelta(minutes=3))
    await sandbox.tick()
    card = pending_card(sandbox, CLERK_KEEPER, f"seal:handover:{fourth.id}")
    await sandbox.press(CLERK_KEEPER, "📤 登记借出", card["message_id"])
    made.append([4, day(sandbox.clock.now()), "林地承包合同", "现场签订合同", None, "周敏",
                 "；".join(approvers), "刘芳", PARTY, "综合执法队", "未归还"])

    # One in December: not in November's book.
    await sandbox.advance_to(local(12, 1, 9, 0))
    december = await submit_request(sandbox, ZHOU, GOV, title="十二月的请示", copies=1)
    await approve(sandbox, december.id)
    await stamp(sandbox, CLERK_KEEPER, december, 1)

    listing = await sandbox.send(CLERK_KEEPER, "/seals ledger 2026-11")
    text = texts(listing)
    assert text.splitlines()[0] == "📒 用印登记簿 2026年11月，共 4 条"
    lines = text.splitlines()[1:]
    assert len(lines) == 4
    for line, expected in zip(lines, made, strict=True):
        copies = "份数待归还后登记" if expected[4] is None else f"{expected[4]} 份"
        assert line.startswith(f"{expected[0]}. {expected[1]}｜{expected[2]}｜{expected[3]}｜"
                               f"{copies}｜申请人 {expected[5]}｜审批 {expected[6]}｜"
                               f"保管 {expected[7]}")
    assert lines[3].endswith("｜外带：西村村委会｜未归还")
    assert "十二月的请示" not in text

    exported = await sandbox.press(CLERK_KEEPER, "📊 导出 Excel")
    assert exported is not None
    document = sandbox.emu.last_bot_message(CLERK_KEEPER)
    assert document is not None and document["document"]["file_name"] == "用印登记簿_2026-11.xlsx"
    assert document["caption"] == "用印登记簿 2026年11月，共 4 条。"
    rows = sheet_rows(sandbox, document)
    assert rows[0][0] == "用印登记簿 2026年11月"
    assert rows[1] == HEADERS
    assert rows[2:] == made

    # Filtered by seal and department (either order), and its export.
    filtered = await sandbox.send(ADMIN, f"/seals ledger 2026-11 综合执法队 {OFFICE}")
    assert "共 1 条" in texts(filtered) and "关于开具居住证明的函" in texts(filtered)
    await sandbox.press(ADMIN, "📊 导出 Excel")
    document = sandbox.emu.last_bot_message(ADMIN)
    assert document is not None
    rows = sheet_rows(sandbox, document)
    assert rows[0][0] == f"用印登记簿 2026年11月（{OFFICE} · 综合执法队）"
    assert rows[1] == HEADERS and rows[2:] == [made[1]]
    by_dept = texts(await sandbox.send(LEADER, "/seals ledger 2026年11月 党政办"))
    assert "林地承包合同" not in by_dept
    assert "共 2 条" in by_dept and "关于开具居住证明的函" not in by_dept
    assert "十二月的请示" in texts(await sandbox.send(LEADER, "/seals ledger 2026-12"))
    assert "暂无用印记录" in texts(await sandbox.send(LEADER, "/seals ledger 2026-10"))

    # English for an English reader: the sheet's title and headers too.
    await sandbox.send(CLERK_KEEPER, "/lang en")
    english = texts(await sandbox.send(CLERK_KEEPER, "/seals ledger 2026-11"))
    assert english.splitlines()[0] == "📒 Seal use register 2026-11, 4 entries"
    assert english.splitlines()[4].endswith(" | taken out: 西村村委会 | not returned")
    assert "| copies: recorded when back |" in english.splitlines()[4]
    await sandbox.press(CLERK_KEEPER, "📊 Export Excel")
    document = sandbox.emu.last_bot_message(CLERK_KEEPER)
    assert document is not None
    rows = sheet_rows(sandbox, document)
    assert rows[0][0] == "Seal use register 2026-11"
    assert rows[1] == ["No.", "Date", "Document", "Purpose", "Copies", "Applicant",
                       "Approved by", "Keeper", "Seal", "Department", "Returned"]
    assert rows[2:] == [*made[:3], [*made[3][:-1], "not returned"]]


async def test_ledger_refusals(sandbox: Sandbox) -> None:
    await seal_office(sandbox)
    usage = texts(await sandbox.send(CLERK_KEEPER, "/seals ledger 2026-13"))
    assert "查看用印登记簿：/seals ledger 2026-11" in usage
    assert "查看用印登记簿" in texts(await sandbox.send(CLERK_KEEPER, "/seals ledger 11-2026"))
    unknown = texts(await sandbox.send(CLERK_KEEPER, "/seals ledger 2026-11 公安局印章"))
    assert "找不到名为“公安局印章”的印章或部门" in unknown and OFFICE in unknown
    refused = texts(await sandbox.send(STAFF, "/seals ledger 2026-11"))
    assert refused == "用印登记簿仅限党政办人员、印章保管人和镇领导查看。"
    # A forged export press by staff: refused, nothing sent.
    before = len(sandbox.emu.bot_messages(STAFF))
    answer = await sandbox.press_data(STAFF, sandbox.emu.bot_messages(STAFF)[-1]["message_id"],
                                      "seal:ledgerx:202611:0:0")
    assert answer is not None and "仅限" in str(answer.get("text"))
    assert len(sandbox.emu.bot_messages(STAFF)) == before
    # A keeper's export of an empty month.
    answer = await sandbox.press_data(
        CLERK_KEEPER, sandbox.emu.bot_messages(CLERK_KEEPER)[-1]["message_id"],
        "seal:ledgerx:202611:0:0")
    assert answer is not None and "暂无用印记录" in str(answer.get("text"))
