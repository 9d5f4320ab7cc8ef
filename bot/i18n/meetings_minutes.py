"""Strings of meeting minutes, decisions and recurring meetings (Telegram HTML; parameters are
escaped by t()).

Messages about a meeting get MeetingService.params(): id, title, date, start, end, place,
organiser, notes. Decision messages get DecisionView.params: id (the decision's), meeting_id,
title, text, owner, deadline.
"""

ZH: dict[str, str] = {
    # 会议纪要
    "meeting_minutes.usage": "用法：/minutes 会议编号（如 /minutes 12）。组织者在会后用它记录纪要，参会人员用它查阅纪要。",
    "meeting_minutes.not_started": "会议“{title}”尚未开始（{date} {start}），请在会后记录纪要和决定事项。",
    "meeting_minutes.cancelled": "会议“{title}”已取消，不能记录纪要或决定事项。",
    "meeting_minutes.ask": "请发送会议“{title}”（{date}）的纪要：直接发送文字，或发送纪要文件（可附说明文字）。发送 /cancel 取消。",
    "meeting_minutes.minutes_empty": "纪要内容为空，请发送文字或文件。",
    "meeting_minutes.part.text": "文字",
    "meeting_minutes.part.file": "文件",
    "meeting_minutes.saved": "✅ 已记录会议纪要（{parts}）：{title}，{date}。",
    "meeting_minutes.saved_finished": "会议已标记为结束。",
    "meeting_minutes.saved_told": "已通知 {count} 名参会人员查阅。",
    "meeting_minutes.saved_hint": "补充或更正：再次发送 /minutes {id}；记录决定事项：/decision {id} 事项 | 负责人 | 期限。",
    "meeting_minutes.view": "<b>会议纪要</b>\n会议：{title}\n时间：{date} {start}–{end}\n记录于：{at}\n\n{text}",
    "meeting_minutes.view_file_only": "（纪要见下方文件）",
    "meeting_minutes.none": "会议“{title}”尚未记录纪要。",
    "meeting_minutes.minutes_ready": "📄 会议纪要已上传：{title}（{date}）。发送 /minutes {id} 查阅。",
    "meeting_minutes.timeout": "记录纪要已超时取消，未做修改。如需记录，请重新发送 /minutes 会议编号。",
    # 决定事项
    "meeting_minutes.decision_usage": (
        "用法：/decision 会议编号 决定事项 | 负责人 | 完成期限\n"
        "例：/decision 12 完成村道修缮方案 | 张伟 | 12月15日（负责人和期限可省略）"
    ),
    "meeting_minutes.decision_saved": "✅ 已记录决定事项 #{id}（{title}）：{text}\n负责：{owner} · 期限：{deadline_full}",
    "meeting_minutes.decision_told": "已通知{owner}。",
    "meeting_minutes.decision_assigned": (
        "📌 <b>会议决定事项交办</b>\n会议：{title}（{date}）\n事项：{text}\n完成期限：{deadline_full}\n"
        "办结后请点“已办结”，或发送 /decision_done {id}。"
    ),
    "btn.mtg_decision_done": "✅ 已办结",
    "meeting_minutes.decision_unknown": "找不到决定事项 #{id}。",
    "meeting_minutes.decision_id_usage": "用法：/decision_done 决定事项编号（如 /decision_done 3）。",
    "meeting_minutes.decision_not_owner": "只有该事项的负责人、会议组织者或管理员可以办结。",
    "meeting_minutes.decision_already_done": "决定事项 #{id} 已办结。",
    "meeting_minutes.decision_done": "✅ 决定事项 #{id} 已办结：{text}（{title}）",
    "meeting_minutes.decision_done_card": "✅ 决定事项 #{id} 已办结（{by}，{at}）：{text}（{title}）",
    "meeting_minutes.decision_closed": "✅ 决定事项 #{id} 已由{by}办结：{text}（会议：{title}）",
    "meeting_minutes.decisions_usage": "用法：/meeting_decisions 会议编号；不带编号则列出未办结的决定事项。",
    "meeting_minutes.decisions_head": "<b>决定事项执行情况</b>：{title}（{date}）",
    "meeting_minutes.decisions_none": "该会议尚未记录决定事项。",
    "meeting_minutes.decisions_count": "共 {total} 项：已办结 {done}，办理中 {open}，已逾期 {overdue}。",
    "meeting_minutes.decision_line": "#{id} {text}\n　负责：{owner} · 期限：{deadline} · {state}",
    "meeting_minutes.state.open": "办理中",
    "meeting_minutes.state.done": "已办结 {at}",
    "meeting_minutes.state.done_late": "逾期办结 {at}",
    "meeting_minutes.state.overdue": "⚠️ 已逾期",
    "meeting_minutes.open_head": "<b>未办结的会议决定事项</b>",
    "meeting_minutes.open_none": "目前没有未办结的会议决定事项。",
    "meeting_minutes.open_line": "#{id} {text}（{title}）\n　负责：{owner} · 期限：{deadline} · {state}",
    # 例会
    "meeting_minutes.rule.weekly": "每{weekday} {time}",
    "meeting_minutes.rule.monthly": "每月第一个工作日 {time}",
    "meeting_minutes.series_usage": (
        "用法：/meeting_series 会议名称 | 规则 | 地点 | 参会人员（| 时长）\n"
        "例：/meeting_series 党政班子联席会 | 每周一 08:30 | 三楼会议室 | 班子成员\n"
        "规则可写：每周一 08:30、每月第一个工作日 09:00"
    ),
    "meeting_minutes.series_bad_rule": (
        "无法识别例会规则“{text}”。可写：每周一 08:30、每月第一个工作日 09:00"
        "（英文：every monday 08:30、first workday monthly 09:00）。"
    ),
    "meeting_minutes.series_card": (
        "<b>请确认例会</b>\n会议：{title}\n规则：{rule}\n地点：{place}\n参会：{people}\n"
        "时长：{minutes} 分钟\n近期：{next}\n"
        "逢法定节假日不召开；确认后每次会议提前 {horizon} 天自动发出通知。"
    ),
    "meeting_minutes.series_no_dates": "—",
    "meeting_minutes.series_created": "✅ 已设立例会 #{id}：{title}，{rule}，{place}。",
    "meeting_minutes.series_created_dates": "已发出会议通知：{dates}。",
    "meeting_minutes.series_created_skipped": "逢节假日不召开：{dates}。",
    "meeting_minutes.series_discarded": "已放弃，未设立例会。",
    "meeting_minutes.series_list_head": "<b>例会</b>",
    "meeting_minutes.series_line": "#{id} {title}：{rule}，{place}（组织：{organiser}）",
    "meeting_minutes.series_none": "目前没有例会。设立：/meeting_series 会议名称 | 每周一 08:30 | 地点 | 参会人员",
    "meeting_minutes.series_stop_usage": "用法：/meeting_series_stop 例会编号",
    "meeting_minutes.series_stopped": "已停止例会 #{id}：{title}。已发出通知的会议照常召开，如需取消请单独取消。",
    "meeting_minutes.series_unknown": "找不到例会 #{id}。",
    "meeting_minutes.series_already_stopped": "例会 #{id} 已停止。",
    "meeting_minutes.series_skipped": "ℹ️ 例会“{title}”{date}逢{holiday}，本次不召开，未发通知。",
    "meeting_minutes.series_failed": "⚠️ 例会“{title}”{date}的会议未能生成：{reason}\n请核对例会设置（/meeting_series）。",
    "meeting_minutes.series_orphaned": "⚠️ 例会 #{id}“{title}”的组织者{organiser}已停用，例会不再生成会议。请停止该例会（/meeting_series_stop {id}）后由他人重新设立。",
    # 命令说明
    "cmd.minutes": "会议纪要：组织者会后记录，参会人员查阅",
    "cmd.decision": "（组织者）记录会议决定事项",
    "cmd.meeting_decisions": "会议决定事项执行情况",
    "cmd.decision_done": "办结会议决定事项",
    "cmd.meeting_series": "例会：列出，或（办公室、领导）设立",
    "cmd.meeting_series_stop": "（组织者）停止例会",
}

EN: dict[str, str] = {
    # Minutes
    "meeting_minutes.usage": "Usage: /minutes MEETING_ID (e.g. /minutes 12). The organiser records the minutes after the meeting; attendees read them.",
    "meeting_minutes.not_started": "“{title}” has not started yet ({date} {start}); record minutes and decisions after the meeting.",
    "meeting_minutes.cancelled": "“{title}” was cancelled; it has no minutes or decisions.",
    "meeting_minutes.ask": "Send the minutes of “{title}” ({date}): as text, or as a document (a caption is kept as text). /cancel to stop.",
    "meeting_minutes.minutes_empty": "The minutes are empty: send text or a document.",
    "meeting_minutes.part.text": "text",
    "meeting_minutes.part.file": "document",
    "meeting_minutes.saved": "✅ Minutes recorded ({parts}): {title}, {date}.",
    "meeting_minutes.saved_finished": "The meeting is marked as finished.",
    "meeting_minutes.saved_told": "{count} invitees were told to read them.",
    "meeting_minutes.saved_hint": "To add or correct: /minutes {id} again; decisions: /decision {id} what | owner | deadline.",
    "meeting_minutes.view": "<b>Minutes</b>\nMeeting: {title}\nTime: {date} {start}–{end}\nRecorded: {at}\n\n{text}",
    "meeting_minutes.view_file_only": "(the minutes are in the document below)",
    "meeting_minutes.none": "No minutes have been recorded for “{title}” yet.",
    "meeting_minutes.minutes_ready": "📄 Minutes are out: {title} ({date}). Send /minutes {id} to read them.",
    "meeting_minutes.timeout": "Recording the minutes timed out; nothing was changed. Send /minutes MEETING_ID to start again.",
    # Decisions
    "meeting_minutes.decision_usage": (
        "Usage: /decision MEETING_ID what was decided | owner | deadline\n"
        "E.g. /decision 12 Village road repair plan | 张伟 | Dec 15 (owner and deadline are optional)"
    ),
    "meeting_minutes.decision_saved": "✅ Decision #{id} recorded ({title}): {text}\nOwner: {owner} · Deadline: {deadline_full}",
    "meeting_minutes.decision_told": "{owner} was told.",
    "meeting_minutes.decision_assigned": (
        "📌 <b>Meeting decision assigned to you</b>\nMeeting: {title} ({date})\nDecision: {text}\n"
        "Deadline: {deadline_full}\nWhen it is done, press “Done” or send /decision_done {id}."
    ),
    "btn.mtg_decision_done": "✅ Done",
    "meeting_minutes.decision_unknown": "No decision #{id}.",
    "meeting_minutes.decision_id_usage": "Usage: /decision_done DECISION_ID (e.g. /decision_done 3).",
    "meeting_minutes.decision_not_owner": "Only the decision's owner, the meeting's organiser or an admin can close it.",
    "meeting_minutes.decision_already_done": "Decision #{id} is already done.",
    "meeting_minutes.decision_done": "✅ Decision #{id} done: {text} ({title})",
    "meeting_minutes.decision_done_card": "✅ Decision #{id} done ({by}, {at}): {text} ({title})",
    "meeting_minutes.decision_closed": "✅ Decision #{id} was closed by {by}: {text} (meeting: {title})",
    "meeting_minutes.decisions_usage": "Usage: /meeting_decisions MEETING_ID; without an ID, the decisions still open.",
    "meeting_minutes.decisions_head": "<b>Decisions and their execution</b>: {title} ({date})",
    "meeting_minutes.decisions_none": "No decisions recorded for this meeting.",
    "meeting_minutes.decisions_count": "{total} in all: {done} done, {open} open, {overdue} overdue.",
    "meeting_minutes.decision_line": "#{id} {text}\n  Owner: {owner} · Deadline: {deadline} · {state}",
    "meeting_minutes.state.open": "open",
    "meeting_minutes.state.done": "done {at}",
    "meeting_minutes.state.done_late": "done late {at}",
    "meeting_minutes.state.overdue": "⚠️ overdue",
    "meeting_minutes.open_head": "<b>Meeting decisions still open</b>",
    "meeting_minutes.open_none": "No meeting decisions are open.",
    "meeting_minutes.open_line": "#{id} {text} ({title})\n  Owner: {owner} · Deadline: {deadline} · {state}",
    # Recurring meetings
    "meeting_minutes.rule.weekly": "every {weekday} {time}",
    "meeting_minutes.rule.monthly": "first working day of each month, {time}",
    "meeting_minutes.series_usage": (
        "Usage: /meeting_series title | rule | place | invitees (| length)\n"
        "E.g. /meeting_series 党政班子联席会 | every monday 08:30 | 三楼会议室 | 班子成员\n"
        "Rules: every monday 08:30, first workday monthly 09:00 (or 每周一 08:30, 每月第一个工作日 09:00)"
    ),
    "meeting_minutes.series_bad_rule": (
        "Cannot read the rule “{text}”. Write e.g. every monday 08:30, first workday monthly "
        "09:00 (or 每周一 08:30, 每月第一个工作日 09:00)."
    ),
    "meeting_minutes.series_card": (
        "<b>Please confirm the recurring meeting</b>\nMeeting: {title}\nRule: {rule}\n"
        "Place: {place}\nInvitees: {people}\nLength: {minutes} min\nNext: {next}\n"
        "Not held on statutory holidays; once confirmed, each meeting's notice goes out "
        "{horizon} days ahead."
    ),
    "meeting_minutes.series_no_dates": "—",
    "meeting_minutes.series_created": "✅ Recurring meeting #{id} set up: {title}, {rule}, {place}.",
    "meeting_minutes.series_created_dates": "Notices sent for: {dates}.",
    "meeting_minutes.series_created_skipped": "Not held (holiday): {dates}.",
    "meeting_minutes.series_discarded": "Discarded; no recurring meeting was set up.",
    "meeting_minutes.series_list_head": "<b>Recurring meetings</b>",
    "meeting_minutes.series_line": "#{id} {title}: {rule}, {place} (organiser: {organiser})",
    "meeting_minutes.series_none": "No recurring meetings. Set one up: /meeting_series title | every monday 08:30 | place | invitees",
    "meeting_minutes.series_stop_usage": "Usage: /meeting_series_stop SERIES_ID",
    "meeting_minutes.series_stopped": "Recurring meeting #{id} stopped: {title}. Meetings already announced still take place; cancel them one by one if needed.",
    "meeting_minutes.series_unknown": "No recurring meeting #{id}.",
    "meeting_minutes.series_already_stopped": "Recurring meeting #{id} is already stopped.",
    "meeting_minutes.series_skipped": "ℹ️ “{title}” on {date} falls on {holiday}: not held this time, no notice sent.",
    "meeting_minutes.series_failed": "⚠️ “{title}” on {date} could not be created: {reason}\nPlease check the recurring meeting (/meeting_series).",
    "meeting_minutes.series_orphaned": "⚠️ The organiser of recurring meeting #{id} “{title}”, {organiser}, was deactivated; no more meetings are created. Stop it (/meeting_series_stop {id}) and let someone else set it up again.",
    # Commands
    "cmd.minutes": "Meeting minutes: the organiser records, attendees read",
    "cmd.decision": "(organiser) Record a meeting decision",
    "cmd.meeting_decisions": "Meeting decisions and their execution",
    "cmd.decision_done": "Close a meeting decision",
    "cmd.meeting_series": "Recurring meetings: list, or (clerks, leaders) set one up",
    "cmd.meeting_series_stop": "(organiser) Stop a recurring meeting",
}
