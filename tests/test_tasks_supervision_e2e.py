"""Supervision end to end: the real bot on the emulator, the clock moved day by day across
weekends and a real statutory holiday, the people reading what reaches them."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.config import Config
from bot.demo.seed import PERSONAS, seed_office
from bot.sandbox import Sandbox
from tests.conftest import ADMIN, CLERK_KEEPER, LEADER, SHANGHAI, STAFF, STAFF_EN, texts
from tests.task_helpers import actor, make_task

YANG, ZHOU, WU = 1007, 1009, 1010  # 杨静 (head of 经济发展办), 周敏, 吴涛 (head of 社会事务办)
LEADER_2 = 1002  # 李明华


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def wire(box: Sandbox) -> None:
    """What bot/services/container.py is to do: the calendar, the digest's sources and the
    three sweeps (added here only if the container does not have them yet)."""
    services = box.services
    services.supervision.use_calendar(services.calendar)
    services.supervision.use_office(services.duty, services.meetings)
    have = {sweep.name for sweep in services.sweeps.sweeps}
    for sweep in services.supervision.sweeps():
        if sweep.name not in have:
            services.sweeps.add(sweep)


class Inbox:
    """What reached each person since the last look."""

    def __init__(self, box: Sandbox) -> None:
        self.box = box
        self.seen: dict[int, int] = {}

    def new(self, uid: int) -> str:
        messages = self.box.emu.bot_messages(uid)
        start = self.seen.get(uid, 0)
        self.seen[uid] = len(messages)
        return texts(messages[start:])

    def skip(self, *uids: int) -> None:
        for uid in uids:
            self.new(uid)


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


# --- before the deadline, the daily chase, the escalation ----------------------------------


async def test_reminders_daily_chase_escalation_and_closing(sandbox: Sandbox) -> None:
    box = sandbox
    wire(box)
    task = await make_task(box, deadline="12月1日", accept=True)  # Tue 17:30, to 张伟
    inbox = Inbox(box)
    await box.tick()
    inbox.skip(STAFF, LEADER, ADMIN)

    # The core's reminders: 3 days, 1 day before, and the deadline morning.
    await box.advance_to(local(2026, 11, 28, 9, 5))
    assert "剩余 3 天" in inbox.new(STAFF)
    await box.advance_to(local(2026, 11, 30, 9, 5))
    assert "剩余 1 天" in inbox.new(STAFF)
    await box.advance_to(local(2026, 12, 1, 9, 5))
    got = inbox.new(STAFF)
    assert "今日到期" in got and "催办" not in got

    # Overdue from 17:30: chased at 09:00 on each working day.
    await box.advance_to(local(2026, 12, 2, 8, 59))
    assert "催办" not in inbox.new(STAFF)
    await box.advance_to(local(2026, 12, 2, 9, 0))
    chase = box.emu.last_bot_message(STAFF)
    assert chase is not None
    assert (f"⏰ 催办：交办事项 #{task.id}「编制冬季防火方案」已超过办结时限"
            "（12月1日（周二） 17:30），已逾期 1 天，当前进度 0%。") in chase["text"]
    # What the owner can do about it, on the chase itself.
    assert buttons(chase) == ["📈 报告进度", "⏳ 申请延期", "✅ 提交办结"]
    inbox.skip(STAFF)
    assert "逾期督办" not in inbox.new(LEADER)
    await box.advance_to(local(2026, 12, 3, 9, 5))
    assert "已逾期 2 天" in inbox.new(STAFF) and "逾期督办" not in inbox.new(LEADER)

    # Two whole working days overdue (Wed, Thu): Friday escalates to the assigner and the
    # head of 党政办 (陈志强), as well as chasing 张伟.
    await box.advance_to(local(2026, 12, 4, 9, 5))
    assert "已逾期 3 天" in inbox.new(STAFF)
    escalation = (f"⚠️ 逾期督办：张伟 负责的交办事项 #{task.id}「编制冬季防火方案」已超过办结时限"
                  "（12月1日（周二） 17:30）2 个工作日，当前进度 0%。")
    assert escalation in inbox.new(LEADER)
    assert escalation in inbox.new(ADMIN)

    # The weekend: nothing.
    await box.advance_to(local(2026, 12, 5, 9, 5))
    await box.advance_to(local(2026, 12, 6, 18, 0))
    assert "催办" not in inbox.new(STAFF) and "逾期督办" not in inbox.new(LEADER)

    # Monday: chased and escalated again; the count is in working days.
    await box.advance_to(local(2026, 12, 7, 9, 5))
    assert "已逾期 6 天" in inbox.new(STAFF)
    assert "已超过办结时限（12月1日（周二） 17:30）3 个工作日" in inbox.new(LEADER)

    # Cancelled: chased no more.
    wang = await actor(box, LEADER)
    await box.services.task_assign.cancel(wang, task.id, "已另行安排")
    await box.advance_to(local(2026, 12, 8, 9, 5))
    assert "催办" not in inbox.new(STAFF) and "逾期督办" not in inbox.new(LEADER)


# --- a real statutory holiday: National Day 2026 ------------------------------------------------


@pytest.fixture
async def autumn(config: Config) -> AsyncIterator[Sandbox]:
    """The office on Monday 2026-09-28, the week before National Day (10-01..10-07 off,
    Saturday 10-10 a make-up workday)."""
    async with Sandbox(config, start=local(2026, 9, 28, 10, 0), seed=seed_office) as box:
        for persona in PERSONAS:
            box.emu.add_user(user_id=persona.telegram_id, first_name=persona.name,
                             language_code="en" if persona.language == "en" else "zh-hans")
        yield box


async def test_no_chasing_on_a_holiday_and_working_days_counted_after_it(
        autumn: Sandbox) -> None:
    box = autumn
    wire(box)
    await make_task(box, deadline="9月30日", accept=True)  # Wednesday 17:30
    inbox = Inbox(box)
    await box.tick()
    inbox.skip(STAFF, LEADER, ADMIN)
    await box.advance_to(local(2026, 9, 29, 9, 5))
    assert "剩余 1 天" in inbox.new(STAFF)
    await box.advance_to(local(2026, 9, 30, 9, 5))
    assert "今日到期" in inbox.new(STAFF)

    for day in range(1, 8):  # the whole holiday, morning and afternoon
        await box.advance_to(local(2026, 10, day, 9, 5))
        await box.advance_to(local(2026, 10, day, 15, 0))
        assert "催办" not in inbox.new(STAFF), day
        assert "逾期督办" not in inbox.new(LEADER), day

    await box.advance_to(local(2026, 10, 8, 9, 5))  # Thursday, the first working day
    assert "已逾期 8 天" in inbox.new(STAFF) and "逾期督办" not in inbox.new(LEADER)
    await box.advance_to(local(2026, 10, 9, 9, 5))  # one whole working day overdue
    assert "已逾期 9 天" in inbox.new(STAFF) and "逾期督办" not in inbox.new(LEADER)
    # Saturday 10-10 is worked (调休): the second whole working day was Friday, so the
    # chase goes on and the escalation starts.
    await box.advance_to(local(2026, 10, 10, 9, 5))
    assert "已逾期 10 天" in inbox.new(STAFF)
    assert "已超过办结时限（9月30日（周三） 17:30）2 个工作日" in inbox.new(LEADER)
    assert "2 个工作日" in inbox.new(ADMIN)
    await box.advance_to(local(2026, 10, 11, 9, 5))  # an ordinary Sunday
    assert "催办" not in inbox.new(STAFF) and "逾期督办" not in inbox.new(LEADER)
    await box.advance_to(local(2026, 10, 12, 9, 5))
    assert "已逾期 12 天" in inbox.new(STAFF)
    assert "3 个工作日" in inbox.new(LEADER)


# --- urgent tasks: every four working hours -----------------------------------------------------


async def test_urgent_task_chased_every_four_working_hours(sandbox: Sandbox) -> None:
    box = sandbox
    wire(box)
    task = await make_task(box, title="排查燃气隐患", deadline="11月30日 10:00",
                           priority="紧急", accept=True)  # Monday 10:00
    inbox = Inbox(box)
    await box.tick()
    inbox.skip(STAFF, LEADER, ADMIN)

    def chases() -> int:
        return inbox.new(STAFF).count("🚨 紧急催办")

    await box.advance_to(local(2026, 11, 30, 13, 59))
    assert chases() == 0
    await box.advance_to(local(2026, 11, 30, 14, 0))  # 4 working hours after 10:00
    assert chases() == 1
    assert f"紧急事项 #{task.id}「排查燃气隐患」已超过办结时限" in (
        box.emu.last_bot_message(STAFF) or {})["text"]
    await box.advance_to(local(2026, 11, 30, 23, 0))  # the evening and night: no chasing
    assert chases() == 0
    # 14:00 + 3.5 h that day + 0.5 h: 09:00, then 13:00 and 17:00.
    await box.advance_to(local(2026, 12, 1, 8, 59))
    assert chases() == 0
    for hour, expected in ((9, 1), (12, 0), (13, 1), (16, 0), (17, 1), (20, 0)):
        await box.advance_to(local(2026, 12, 1, hour, 0))
        assert chases() == expected, hour
    # Two whole working days overdue on Thursday: the escalation comes too.
    await box.advance_to(local(2026, 12, 2, 12, 0))
    assert "逾期督办" not in inbox.new(LEADER)
    await box.advance_to(local(2026, 12, 3, 9, 0))
    assert "逾期督办" in inbox.new(LEADER)


# --- the weekly supervision report --------------------------------------------------------------


async def test_weekly_report_figures_and_sheet(sandbox: Sandbox) -> None:
    box = sandbox
    wire(box)
    assert "尚无交办事项，暂无督查通报。" in texts(await box.send(LEADER, "/task_report"))

    zhang, wang, yang = (await actor(box, STAFF), await actor(box, LEADER),
                         await actor(box, YANG))
    clerk = await actor(box, CLERK_KEEPER)
    meeting_draft = await box.services.meetings.prepare(clerk, "党委会", "今天下午3点",
                                                       "三楼会议室", "班子成员")
    meeting = await box.services.meetings.create(clerk, meeting_draft)
    on_time = await make_task(box, title="编制冬季防火方案", deadline="12月5日", accept=True)
    await box.services.task_progress.submit(zhang, on_time.id, "方案已印发")
    await box.services.task_progress.confirm(wang, on_time.id)
    late = await make_task(box, title="报送经济运行分析", owner="杨静", deadline="11月28日",
                           accept=True)
    waiting = await make_task(box, title="整改信访件", owner="吴涛", deadline="11月29日")
    from_meeting = await make_task(box, title="落实村道修缮", owner="周敏", deadline="12月20日",
                                   meeting_id=meeting.id)
    # A meeting decision dropped the same day: listed while its week lasts, then not.
    dropped = await make_task(box, title="撤销事项", deadline="12月20日", meeting_id=meeting.id)
    await box.services.task_assign.cancel(wang, dropped.id, "不再需要")
    assert yang.id  # 杨静 does nothing: her task goes overdue
    inbox = Inbox(box)
    await box.tick()
    inbox.skip(LEADER, LEADER_2, CLERK_KEEPER)

    # Friday and the weekend: no report; Monday 08:30: the report to every leader.
    await box.advance_to(local(2026, 11, 30, 8, 29))
    assert "督查通报" not in inbox.new(LEADER)
    await box.advance_to(local(2026, 11, 30, 8, 30))
    report = inbox.new(LEADER)
    assert "📊 督查通报（截至 2026-11-30 08:30）" in report
    assert ("累计交办 5 件：待接收 2，办理中 1，有异议 0，待确认办结 0，已办结 1，已撤销 1。"
            in report)
    assert "近 7 日新交办 5 件，办结 1 件。" in report
    assert "按时办结率 100%（按时 1 件 / 已办结 1 件）" in report
    assert "逾期事项（2 件）" in report
    assert "▪ 经济发展办（1 件）\n　杨静（1 件）\n　　" \
           f"#{late.id} 报送经济运行分析 · 时限 11月28日（周六） · 已逾期 2 天" in report
    assert f"▪ 社会事务办（1 件）\n　吴涛（1 件）\n　　#{waiting.id} 整改信访件" in report
    # The heading says what is listed: open, or completed or cancelled within the week.
    assert "会议决定事项（未办结及近 7 日办结、撤销）\n" in report
    assert (f"#{from_meeting.id} 落实村道修缮（党委会 11月27日（周五））· 周敏 · 待接收"
            in report)
    assert f"#{dropped.id} 撤销事项（党委会 11月27日（周五））· 张伟 · 已撤销" in report
    assert "督查通报" in inbox.new(LEADER_2) and "督查通报" not in inbox.new(CLERK_KEEPER)

    # The report's button: the ledger as an Excel file.
    await box.press(LEADER, "📥 下载台账（Excel）")
    document = (box.emu.last_bot_message(LEADER) or {})["document"]
    assert document["file_name"] == "督查通报_2026-11-30.xlsx"
    sheet = load_workbook(io.BytesIO(box.emu.file_bytes(document["file_id"]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    ledger = {r[0]: r for r in rows[2:] if isinstance(r[0], int)}
    assert set(ledger) == {on_time.id, late.id, waiting.id, from_meeting.id, dropped.id}
    assert ledger[on_time.id][8] == "已办结" and ledger[on_time.id][14] == "是"
    assert ledger[late.id][12] == 2 and ledger[from_meeting.id][3] == "党委会"
    assert ledger[dropped.id][8] == "已撤销"

    # On demand: leaders and clerks; staff are refused, also on a forged button.
    asked = await box.send(CLERK_KEEPER, "/task_report")
    assert "按时办结率 100%" in texts(asked) and asked[-1]["document"]["file_name"].endswith(
        ".xlsx")
    assert "只有领导、办公室人员和管理员可以查看督查通报。" in texts(
        await box.send(STAFF, "/task_report"))
    own = box.emu.last_bot_message(STAFF)
    assert own is not None
    forged = await box.press_data(STAFF, own["message_id"], "tasks:report:xlsx")
    assert forged is not None and "只有领导、办公室人员和管理员" in forged["text"]
    # In English for an English reader.
    assert "Supervision report" not in texts(await box.send(LEADER_2, "/lang en"))
    english = texts(await box.send(LEADER_2, "/task_report"))
    assert "Supervision report" in english and "On-time completion 100%" in english
    assert "Meeting decisions (open, or completed or cancelled in the last 7 days)\n" in english

    # A week on: the decision dropped on 11-27 is out of the report, the one dropped on
    # 12-01 is in it.
    await box.advance_to(local(2026, 12, 1, 10, 0))
    await box.services.task_assign.cancel(wang, from_meeting.id, "会议决定调整")
    await box.advance_to(local(2026, 12, 4, 12, 0))
    later = texts(await box.send(LEADER, "/task_report"))
    assert "会议决定事项（未办结及近 7 日办结、撤销）\n" in later
    assert f"#{from_meeting.id} 落实村道修缮（党委会 11月27日（周五））· 周敏 · 已撤销" in later
    assert f"#{dropped.id} 撤销事项" not in later


# --- the leaders' daily digest ------------------------------------------------------------------


async def test_digest_tells_a_leader_what_the_day_holds(sandbox: Sandbox) -> None:
    box = sandbox
    wire(box)
    services = box.services
    clerk = await actor(box, CLERK_KEEPER)
    zhang, yang, huang, zhou, wu = [await actor(box, u)
                                    for u in (STAFF, YANG, STAFF_EN, ZHOU, WU)]
    monday = date(2026, 11, 30)
    # Monday's roster: 张伟 on the day shift, 王建国 leading; 张伟 asks 杨静 to take it.
    shift = await services.duty.create_shift(
        clerk, await services.duty.draft(clerk, monday, "day", "张伟", "王建国"))
    swap = await services.swaps.ask(zhang, shift.id, "杨静", "家中有事")
    await services.swaps.accept(yang, swap.id)
    draft = await services.meetings.prepare(clerk, "党委会", "11月30日下午3点", "三楼会议室",
                                            "班子成员")
    await services.meetings.create(clerk, draft)
    late = await make_task(box, title="报送统计表", deadline="今天下午5点", accept=True)
    extending = await make_task(box, title="编制冬季防火方案", owner="杨静", deadline="12月5日",
                                accept=True)
    await services.task_progress.request_extension(
        yang, extending.id, services.tasks.parse_deadline("12月15日"), "需等待县里批复")
    done = await make_task(box, title="整理档案", owner="黄磊", deadline="12月5日", accept=True)
    await services.task_progress.submit(huang, done.id, "已整理完毕")
    objected = await make_task(box, title="清理占道", owner="周敏", deadline="12月5日")
    await services.task_assign.object(zhou, objected.id, "不属于本队职责")
    reported = await make_task(box, title="走访困难群众", owner="吴涛", deadline="12月10日",
                               accept=True)
    await services.task_progress.report(wu, reported.id, 40, "已走访 12 户")
    others = await make_task(box, by=LEADER_2, title="李镇长的事项", deadline="11月27日 16:00")
    inbox = Inbox(box)
    await box.tick()
    inbox.skip(LEADER, LEADER_2)

    await box.advance_to(local(2026, 11, 30, 7, 59))
    assert "今日工作提示" not in inbox.new(LEADER)
    await box.advance_to(local(2026, 11, 30, 8, 0))
    digest = inbox.new(LEADER)
    assert digest.count("📋 今日工作提示 · 11月30日（周一）") == 1
    assert "今日值班\n白班 08:30–17:30：张伟（13800000006），带班 王建国" in digest
    assert "今日会议\n15:00 党委会（三楼会议室）" in digest
    assert f"您交办的逾期事项（1 件）\n🔴 #{late.id} 报送统计表 · 张伟 · 已逾期 3 天" in digest
    assert "待您决定（4 项）" in digest
    assert f"⏳ #{extending.id} 编制冬季防火方案：杨静 申请延期至 12月15日（周二） 17:30" in digest
    assert f"✅ #{done.id} 整理档案：黄磊 已提交办结，待确认" in digest
    assert f"❓ #{objected.id} 清理占道：周敏 提出异议，待处理" in digest
    assert f"🔁 换班 #{swap.id}：11月30日（周一） 白班，张伟 换给 杨静，待审批" in digest
    assert f"进展报告（1 条）\n#{reported.id} 走访困难群众 · 吴涛：40% 已走访 12 户" in digest
    assert "李镇长的事项" not in digest
    # 李明华 has his own: the overdue task he gave, no swap (he does not lead that shift).
    theirs = inbox.new(LEADER_2)
    assert f"#{others.id} 李镇长的事项" in theirs and "换班" not in theirs
    # Once a day.
    await box.advance_to(local(2026, 11, 30, 12, 0))
    assert "今日工作提示" not in inbox.new(LEADER)


# --- the lists ----------------------------------------------------------------------------------


async def test_lists_with_colours_pages_and_refusals(sandbox: Sandbox) -> None:
    box = sandbox
    wire(box)
    red = await make_task(box, title="报送统计表", deadline="今天下午5点", accept=True)
    blue = await make_task(box, title="准备汇报材料", deadline="12月1日", accept=True)
    for n in range(7):
        await make_task(box, title=f"常规事项{n + 1}", deadline=f"12月{20 + n}日")
    await make_task(box, title="吴涛的事项", owner="吴涛", deadline="12月10日")
    await box.tick()
    await box.advance_to(local(2026, 11, 28, 10, 0))  # Saturday: the first is overdue now
    zhang = await actor(box, STAFF)
    await box.services.task_progress.report(zhang, blue.id, 30,
                                            "已收集各村数据，正在汇总分析并起草专题报告")

    shown = await box.send(STAFF, "/tasks")
    listing = shown[-1]
    text = listing["text"]
    assert text.startswith("我的事项（共 9 件，第 1/2 页）")
    assert (f"🔴 #{red.id} 报送统计表\n"
            "　张伟 · 办理中 · 时限 11月27日（周五） 17:00 · 已逾期 1 天\n　尚无进展报告") in text
    assert (f"🔵 #{blue.id} 准备汇报材料\n"
            "　张伟 · 办理中 · 时限 12月1日（周二） 17:30 · 剩 3 天\n"
            "　最新进展 30%：已收集各村数据，正在汇总分析并起草专题…") in text
    assert "⚪ #" in text and "常规事项1" in text and "常规事项7" not in text
    assert "🔴 逾期　🟡 进度滞后、有异议或被退回　🔵 临近时限　⚪ 正常" in text
    assert buttons(listing) == ["1/2", "›"]
    await box.press(STAFF, "›", listing["message_id"])
    page_two = box.emu.message(STAFF, listing["message_id"])
    assert page_two is not None and "第 2/2 页" in page_two["text"]
    assert "常规事项7" in page_two["text"] and buttons(page_two) == ["‹", "2/2"]

    # The menu button is /tasks.
    assert "我的事项（共 9 件" in texts(await box.send(STAFF, "📌 事项"))
    # Staff: their own overdue tasks only; no department lists.
    assert f"#{red.id} 报送统计表" in texts(await box.send(STAFF, "/tasks overdue"))
    assert "目前没有逾期事项。" in texts(await box.send(WU, "/tasks 逾期"))
    refused = "只有领导、办公室人员和管理员可以查看部门的事项。"
    assert refused in texts(await box.send(STAFF, "/tasks dept 党政办"))
    # Forged page buttons: another list, an unknown kind, a department without its id.
    for data, answer in ((f"tasks:page:dept:1:{1}", refused),
                         ("tasks:page:bogus:1", "该按钮已失效"),
                         ("tasks:page:dept:1", "该按钮已失效")):
        before = box.emu.message(STAFF, listing["message_id"])
        got = await box.press_data(STAFF, listing["message_id"], data)
        assert got is not None and answer in got["text"], data
        assert box.emu.message(STAFF, listing["message_id"]) == before

    # Leaders: assigned, every overdue task, a department.
    assigned = texts(await box.send(LEADER, "/tasks assigned"))
    assert "我交办的事项（共 10 件，第 1/2 页）" in assigned
    assert "逾期事项（共 1 件" in texts(await box.send(LEADER, "/tasks overdue"))
    dept = await box.send(LEADER, "/tasks dept 社会事务办")
    assert "社会事务办的事项（共 1 件，第 1/1 页）" in dept[-1]["text"]
    assert "吴涛的事项" in dept[-1]["text"] and buttons(dept[-1]) == []
    unknown = texts(await box.send(LEADER, "/tasks dept 宣传办"))
    assert "未找到部门“宣传办”。现有部门：镇党委、镇政府、党政办" in unknown
    assert "用法：/tasks dept 部门名称" in texts(await box.send(LEADER, "/tasks dept"))
    assert "用法：/tasks 我的事项" in texts(await box.send(LEADER, "/tasks 全部"))
    forged = await box.press_data(LEADER, dept[-1]["message_id"], "tasks:page:dept:1:999")
    assert forged is not None and "找不到该部门" in forged["text"]
    # The clerk who entered nothing sees nothing as given by them.
    assert "您交办的事项均已办结，或尚未交办事项。" in texts(
        await box.send(CLERK_KEEPER, "/tasks assigned"))
    # English.
    english = texts(await box.send(STAFF_EN, "/tasks"))
    assert "You have no open tasks." in english
