"""Strings of tasks supervision (Telegram HTML; parameters are escaped by t()).

Chases and escalations get TaskService.params() (id, title, details, owner, assigner,
deadline, priority, source, progress) and `late`; escalations also `workdays`.
"""

ZH: dict[str, str] = {
    # 催办与督办
    "task_sup.late_days": "已逾期 {days} 天",
    "task_sup.late_today": "今日已逾期",
    "task_sup.chase": (
        "⏰ <b>催办</b>：交办事项 #{id}「{title}」已超过办结时限（{deadline}），{late}，"
        "当前进度 {progress}%。\n请抓紧办理并及时报告进展；确需延期的，请申请延期。"
    ),
    "task_sup.chase_urgent": (
        "🚨 <b>紧急催办</b>：紧急事项 #{id}「{title}」已超过办结时限（{deadline}），{late}，"
        "当前进度 {progress}%。\n请立即办理并报告进展。"
    ),
    "task_sup.escalate": (
        "⚠️ <b>逾期督办</b>：{owner} 负责的交办事项 #{id}「{title}」已超过办结时限（{deadline}）"
        "{workdays} 个工作日，当前进度 {progress}%。\n交办：{assigner}。请督促办理。"
    ),
    # 列表
    "task_sup.head.mine": "<b>我的事项</b>（共 {total} 件，第 {page}/{pages} 页）",
    "task_sup.head.assigned": "<b>我交办的事项</b>（共 {total} 件，第 {page}/{pages} 页）",
    "task_sup.head.overdue": "<b>逾期事项</b>（共 {total} 件，第 {page}/{pages} 页）",
    "task_sup.head.dept": "<b>{department}的事项</b>（共 {total} 件，第 {page}/{pages} 页）",
    "task_sup.empty.mine": "您目前没有在办的事项。",
    "task_sup.empty.assigned": "您交办的事项均已办结，或尚未交办事项。",
    "task_sup.empty.overdue": "目前没有逾期事项。",
    "task_sup.empty.dept": "{department}目前没有在办的事项。",
    "task_sup.line": "{dot} <b>#{id}</b> {title}{urgent}\n　{owner} · {status} · 时限 {deadline} · {when}\n　{last}",
    "task_sup.urgent_mark": "（紧急）",
    "task_sup.days_left": "剩 {days} 天",
    "task_sup.due_today": "今日到期",
    "task_sup.last_progress": "最新进展 {percent}%：{text}",
    "task_sup.no_progress": "尚无进展报告",
    "task_sup.legend": "🔴 逾期　🟡 进度滞后、有异议或被退回　🔵 临近时限　⚪ 正常",
    "task_sup.list_usage": (
        "用法：/tasks 我的事项；/tasks assigned 我交办的；/tasks overdue 逾期事项；"
        "/tasks dept 部门名称"
    ),
    "task_sup.dept_usage": "用法：/tasks dept 部门名称，如：/tasks dept 党政办",
    "task_sup.dept_forbidden": "只有领导、办公室人员和管理员可以查看部门的事项。",
    "task_sup.unknown_department": "未找到部门“{name}”。现有部门：{known}",
    "task_sup.dept_gone": "找不到该部门，请重新发送 /tasks dept 部门名称。",
    "task_sup.word.mine": "mine|我的|我的事项",
    "task_sup.word.assigned": "assigned|given|交办|我交办|我交办的",
    "task_sup.word.overdue": "overdue|逾期|逾期事项",
    "task_sup.word.dept": "dept|部门",
    # 督查通报
    "task_sup.report_forbidden": "只有领导、办公室人员和管理员可以查看督查通报。",
    "task_sup.report_empty": "尚无交办事项，暂无督查通报。",
    "task_sup.report": (
        "📊 <b>督查通报</b>（截至 {as_of}）\n"
        "累计交办 {total} 件：待接收 {assigned}，办理中 {accepted}，有异议 {objected}，"
        "待确认办结 {submitted}，已办结 {done}，已撤销 {cancelled}。\n"
        "近 7 日新交办 {new} 件，办结 {closed} 件。\n"
        "{rate}\n"
        "<b>逾期事项</b>（{overdue_count} 件）\n{overdue}\n"
        "<b>会议决定事项</b>（未办结及近 7 日办结、撤销）\n{meetings}"
    ),
    "task_sup.report_rate": "按时办结率 {rate}%（按时 {on_time} 件 / 已办结 {done} 件）",
    "task_sup.report_rate_none": "按时办结率：暂无办结事项",
    "task_sup.report_dept": "▪ {department}（{count} 件）",
    "task_sup.no_department": "未分部门",
    "task_sup.report_owner": "　{owner}（{count} 件）",
    "task_sup.report_overdue_line": "　　#{id} {title} · 时限 {deadline} · {late}",
    "task_sup.report_no_overdue": "无",
    "task_sup.report_meeting_line": "#{id} {title}（{meeting}）· {owner} · {status}{late}",
    "task_sup.report_meeting_of": "{title} {date}",
    "task_sup.report_meeting_unnamed": "会议决定",
    "task_sup.report_late_mark": " · {late}",
    "task_sup.report_no_meetings": "无",
    "task_sup.report_caption": "督查督办事项台账",
    "btn.task_sup_xlsx": "📥 下载台账（Excel）",
    "task_sup.xlsx_title": "督查督办事项台账（截至 {day}）",
    "task_sup.xlsx_headers": (
        "编号|事项|来源|会议|交办领导|责任人|部门|紧急程度|状态|办结时限|进度|最新进展|"
        "逾期天数|办结时间|是否按时"
    ),
    "task_sup.xlsx_note": (
        "截至 {as_of}：累计交办 {total} 件，已办结 {done} 件，其中按时 {on_time} 件，"
        "按时办结率 {rate}；逾期 {overdue} 件。按时：提交办结不晚于办结时限（含批准的延期）。"
    ),
    "task_sup.xlsx_yes": "是",
    "task_sup.xlsx_no": "否",
    "task_sup.xlsx_filename": "督查通报_{day}.xlsx",
    # 领导每日提示
    "task_sup.digest": "📋 <b>今日工作提示</b> · {date}\n{body}",
    "task_sup.digest_duty_head": "<b>今日值班</b>",
    "task_sup.digest_duty_line": "{kind} {start}–{end}：{person}（{phone}），带班 {leader}",
    "task_sup.digest_no_duty": "今日无值班安排。",
    "task_sup.digest_meetings_head": "<b>今日会议</b>",
    "task_sup.digest_meeting_line": "{start} {title}（{place}）",
    "task_sup.digest_overdue_head": "<b>您交办的逾期事项</b>（{count} 件）",
    "task_sup.digest_overdue_line": "🔴 #{id} {title} · {owner} · {late}",
    "task_sup.digest_decisions_head": "<b>待您决定</b>（{count} 项）",
    "task_sup.digest_extension_line": "⏳ #{id} {title}：{owner} 申请延期至 {deadline}",
    "task_sup.digest_submitted_line": "✅ #{id} {title}：{owner} 已提交办结，待确认",
    "task_sup.digest_objected_line": "❓ #{id} {title}：{owner} 提出异议，待处理",
    "task_sup.digest_swap_line": "🔁 换班 #{id}：{date} {kind}，{requester} 换给 {colleague}，待审批",
    "task_sup.digest_progress_head": "<b>进展报告</b>（{count} 条）",
    "task_sup.digest_progress_line": "#{id} {title} · {owner}：{percent} {text}",
    "task_sup.digest_nothing": "今日无待您处理的事项。",
    "cmd.task_report": "（领导、办公室）督查通报，含 Excel 台账",
}

EN: dict[str, str] = {
    "task_sup.late_days": "{days} day(s) overdue",
    "task_sup.late_today": "overdue since today",
    "task_sup.chase": (
        "⏰ <b>Reminder</b>: task #{id} “{title}” is past its deadline ({deadline}), {late}; "
        "progress {progress}%.\nPlease get it done and report progress, or ask for an extension."
    ),
    "task_sup.chase_urgent": (
        "🚨 <b>Urgent reminder</b>: urgent task #{id} “{title}” is past its deadline ({deadline}), "
        "{late}; progress {progress}%.\nPlease act now and report progress."
    ),
    "task_sup.escalate": (
        "⚠️ <b>Overdue</b>: task #{id} “{title}”, owner {owner}, is {workdays} working day(s) "
        "past its deadline ({deadline}); progress {progress}%.\nFrom: {assigner}. Please follow it up."
    ),
    "task_sup.head.mine": "<b>My tasks</b> ({total}, page {page}/{pages})",
    "task_sup.head.assigned": "<b>Tasks I assigned</b> ({total}, page {page}/{pages})",
    "task_sup.head.overdue": "<b>Overdue tasks</b> ({total}, page {page}/{pages})",
    "task_sup.head.dept": "<b>Tasks of {department}</b> ({total}, page {page}/{pages})",
    "task_sup.empty.mine": "You have no open tasks.",
    "task_sup.empty.assigned": "No open tasks assigned by you.",
    "task_sup.empty.overdue": "No overdue tasks.",
    "task_sup.empty.dept": "{department} has no open tasks.",
    "task_sup.line": "{dot} <b>#{id}</b> {title}{urgent}\n  {owner} · {status} · due {deadline} · {when}\n  {last}",
    "task_sup.urgent_mark": " (urgent)",
    "task_sup.days_left": "{days} day(s) left",
    "task_sup.due_today": "due today",
    "task_sup.last_progress": "last progress {percent}%: {text}",
    "task_sup.no_progress": "no progress reported yet",
    "task_sup.legend": "🔴 overdue  🟡 lagging, objection or returned  🔵 deadline near  ⚪ on track",
    "task_sup.list_usage": (
        "Usage: /tasks (mine); /tasks assigned; /tasks overdue; /tasks dept department"
    ),
    "task_sup.dept_usage": "Usage: /tasks dept department, e.g. /tasks dept 党政办",
    "task_sup.dept_forbidden": "Only leaders, clerks and admins can list a department's tasks.",
    "task_sup.unknown_department": "No department “{name}”. Departments: {known}",
    "task_sup.dept_gone": "That department is not there any more; send /tasks dept department again.",
    "task_sup.word.mine": "mine|my",
    "task_sup.word.assigned": "assigned|given",
    "task_sup.word.overdue": "overdue|late",
    "task_sup.word.dept": "dept|department",
    "task_sup.report_forbidden": "Only leaders, clerks and admins can see the supervision report.",
    "task_sup.report_empty": "No tasks have been assigned yet: there is nothing to report.",
    "task_sup.report": (
        "📊 <b>Supervision report</b> (as of {as_of})\n"
        "{total} task(s) in all: to accept {assigned}, in progress {accepted}, objection "
        "{objected}, awaiting confirmation {submitted}, complete {done}, cancelled {cancelled}.\n"
        "Last 7 days: {new} new, {closed} completed.\n"
        "{rate}\n"
        "<b>Overdue</b> ({overdue_count})\n{overdue}\n"
        "<b>Meeting decisions</b> (open, or completed or cancelled in the last 7 days)\n"
        "{meetings}"
    ),
    "task_sup.report_rate": "On-time completion {rate}% ({on_time} on time / {done} complete)",
    "task_sup.report_rate_none": "On-time completion: nothing completed yet",
    "task_sup.report_dept": "▪ {department} ({count})",
    "task_sup.no_department": "no department",
    "task_sup.report_owner": "  {owner} ({count})",
    "task_sup.report_overdue_line": "    #{id} {title} · due {deadline} · {late}",
    "task_sup.report_no_overdue": "none",
    "task_sup.report_meeting_line": "#{id} {title} ({meeting}) · {owner} · {status}{late}",
    "task_sup.report_meeting_of": "{title} {date}",
    "task_sup.report_meeting_unnamed": "meeting decision",
    "task_sup.report_late_mark": " · {late}",
    "task_sup.report_no_meetings": "none",
    "task_sup.report_caption": "Supervised tasks ledger",
    "btn.task_sup_xlsx": "📥 Ledger (Excel)",
    "task_sup.xlsx_title": "Supervised tasks (as of {day})",
    "task_sup.xlsx_headers": (
        "No.|Task|Source|Meeting|Assigned by|Owner|Department|Priority|Status|Deadline|"
        "Progress|Last progress|Days overdue|Completed|On time"
    ),
    "task_sup.xlsx_note": (
        "As of {as_of}: {total} task(s), {done} complete, {on_time} of them on time, on-time "
        "rate {rate}; {overdue} overdue. On time: completion submitted by the deadline "
        "(extensions granted included)."
    ),
    "task_sup.xlsx_yes": "yes",
    "task_sup.xlsx_no": "no",
    "task_sup.xlsx_filename": "supervision_{day}.xlsx",
    "task_sup.digest": "📋 <b>Today</b> · {date}\n{body}",
    "task_sup.digest_duty_head": "<b>On duty today</b>",
    "task_sup.digest_duty_line": "{kind} {start}–{end}: {person} ({phone}), leader {leader}",
    "task_sup.digest_no_duty": "Nobody is rostered today.",
    "task_sup.digest_meetings_head": "<b>Meetings today</b>",
    "task_sup.digest_meeting_line": "{start} {title} ({place})",
    "task_sup.digest_overdue_head": "<b>Overdue tasks you assigned</b> ({count})",
    "task_sup.digest_overdue_line": "🔴 #{id} {title} · {owner} · {late}",
    "task_sup.digest_decisions_head": "<b>Waiting for your decision</b> ({count})",
    "task_sup.digest_extension_line": "⏳ #{id} {title}: {owner} asks for a new deadline, {deadline}",
    "task_sup.digest_submitted_line": "✅ #{id} {title}: {owner} submitted it as complete",
    "task_sup.digest_objected_line": "❓ #{id} {title}: {owner} raised an objection",
    "task_sup.digest_swap_line": "🔁 Swap #{id}: {date} {kind}, {requester} to {colleague}, to approve",
    "task_sup.digest_progress_head": "<b>Progress reported</b> ({count})",
    "task_sup.digest_progress_line": "#{id} {title} · {owner}: {percent} {text}",
    "task_sup.digest_nothing": "Nothing waits for you today.",
    "cmd.task_report": "(leaders, clerks) Supervision report with the Excel ledger",
}
