"""Strings of tasks assign (Telegram HTML; parameters are escaped by t()).

Notices sent through the outbox get TaskService.params(): id, title, details, owner, assigner,
deadline, priority, source, progress. What handlers render gets TaskAssignService.
view_params(): the same plus deadline_full (with the year), status and co_owners.
"""

ZH: dict[str, str] = {
    # --- /task in one line, step by step, the confirmation card ---
    "task_assign.usage": (
        "交办格式：/task 事项 | 责任人 | 时限 [| 紧急] [| 详情 …] [| 协办 杨静、周敏] "
        "[| 交办 王书记] [| 来源 上级来文]\n"
        "例：/task 编制冬季防火方案 | 张伟 | 12月5日 | 紧急\n"
        "直接发送 /task 可逐项填写；/task 编号 查看事项。"
    ),
    "task_assign.field_empty": "“{field}”后面没有内容。",
    "task_assign.field_twice": "“{field}”填写了两次，请只保留一处。",
    "task_assign.owner_missing": "请填写责任人姓名或责任部门。",
    "task_assign.not_a_leader": "{name} 不是镇领导，不能作为交办领导。",
    "task_assign.ask_title": "请输入事项名称（如：编制冬季防火方案）。发送 /cancel 放弃。",
    "task_assign.ask_assigner": "请输入交办领导（如：王书记）。",
    "task_assign.ask_owner": "请输入责任人姓名，或责任部门（由部门负责人承办）。",
    "task_assign.ask_deadline": "请输入办结时限（如：12月5日、下周五、12月5日 16:00；只写日期按当天 17:30 计）。",
    "task_assign.ask_priority": "紧急程度：",
    "task_assign.ask_details": "请输入具体要求，或点“跳过”。",
    "task_assign.skip_word": "跳过|无|没有|-",
    "task_assign.confirm_head": "📋 <b>请确认交办事项</b>",
    "task_assign.on_behalf": "（代 {assigner} 交办）",
    "task_assign.confirm_card": (
        "事项：{title}\n责任人：{owner}\n协办：{co_owners}\n办结时限：{deadline}\n"
        "紧急程度：{priority}\n来源：{source}\n要求：{details}\n交办领导：{assigner}"
    ),
    "task_assign.confirm_decision": "会议决定事项 #{decision}（会议 #{meeting}）",
    "task_assign.not_workday": "⚠ 办结时限为休息日，请核对。",
    "task_assign.urgent_note": "紧急事项：夜间也会即时通知责任人。",
    "task_assign.draft_gone": "该确认已失效，请重新交办。",
    "task_assign.draft_dropped": "已取消，未交办。",
    "task_assign.created_popup": "已交办",
    "task_assign.created": "✅ 已交办 #{id}「{title}」\n责任人：{owner}，办结时限：{deadline_full}\n等待责任人接收。",
    "task_assign.timeout": "交办事项的填写已超时，未作更改。",
    "task_assign.ask_again": "请重新输入，或发送 /cancel 放弃。",
    # --- /decision_task ---
    "task_assign.decision_usage": "用法：/decision_task 决定事项编号 [交办 王书记]，如：/decision_task 7",
    "task_assign.decision_head": "会议决定事项 #{id}（{meeting}）：{text}\n转为督办事项：",
    "task_assign.decision_not_allowed": "只有该会议的组织人、镇领导或办公室人员可以将决定事项转为督办事项。",
    "task_assign.decision_linked": "决定事项 #{id} 已转为督办事项，无需重复交办。",
    # --- /task <id> ---
    "task_assign.view": (
        "📌 <b>交办事项</b> #{id}「{title}」\n状态：{status} · 进度 {progress}%\n"
        "责任人：{owner}　协办：{co_owners}\n交办领导：{assigner}　来源：{source}　{priority}\n"
        "办结时限：{deadline_full}\n要求：{details}"
    ),
    "task_assign.view_decision": "会议决定事项 #{decision}（会议 #{meeting}）",
    "task_assign.history_head": "交办记录：",
    "task_assign.history_line": "{at} {who} {what} {text}",
    "task_assign.event.assign": "交办",
    "task_assign.event.accept": "接收",
    "task_assign.event.objection": "提出异议",
    "task_assign.event.insist": "坚持原交办",
    "task_assign.event.reassign": "改派",
    "task_assign.event.change": "修改",
    "task_assign.event.cancel": "撤销",
    # --- accepting, objecting ---
    "task_assign.accepted_popup": "已接收",
    "task_assign.accepted_card": "✅ 已接收 #{id}「{title}」\n办结时限：{deadline_full}\n交办领导：{assigner}",
    "task_assign.already_objected": "您已对该事项提出异议，请等待交办领导决定。",
    "task_assign.reason_missing": "请写明异议理由。",
    "task_assign.ask_reason": "请写明对 #{id}「{title}」的异议理由（发送 /cancel 放弃）：",
    "task_assign.objected_done": "已提出异议，等待 {assigner} 决定。",
    "task_assign.objected_card": "⚠ 已对 #{id}「{title}」提出异议：{reason}",
    "task_assign.objection_card": (
        "⚠ <b>交办事项有异议</b> #{id}「{title}」\n责任人：{owner}\n理由：{reason}\n"
        "办结时限：{deadline}\n请选择：改派、修改或坚持原交办。"
    ),
    # --- the assigner's decisions ---
    "btn.task_assign_ok": "✅ 交办",
    "btn.task_assign_drop": "✖ 取消",
    "btn.task_assign_skip": "跳过",
    "btn.task_assign_reassign": "改派",
    "btn.task_assign_change": "修改",
    "btn.task_assign_insist": "坚持",
    "task_assign.not_objected": "该事项当前为“{status}”，无需再作决定。",
    "task_assign.card_state": "当前状态：{status}，责任人：{owner}",
    "task_assign.ask_new_owner": "请输入 #{id}「{title}」的新责任人（姓名或部门，可在后面写改派理由）：",
    "task_assign.ask_change": (
        "请输入 #{id}「{title}」的新办结时限和/或新要求，如：\n"
        "12月10日\n详情 增加消防通道检查\n12月10日 | 详情 增加消防通道检查\n"
        "现时限：{deadline_full}"
    ),
    "task_assign.same_owner": "{name} 已是该事项的责任人。",
    "task_assign.change_usage": "请填写新的办结时限，或以“详情”开头写新的要求。",
    "task_assign.nothing_changed": "时限和要求与原来相同，未作修改。",
    "task_assign.cancel_usage": "用法：/task_cancel 编号 撤销理由，如：/task_cancel 12 上级已取消该项工作",
    "task_assign.reassign_usage": "用法：/task_reassign 编号 新责任人 [理由]，如：/task_reassign 12 杨静",
    "task_assign.deadline_usage": "用法：/task_deadline 编号 新时限，如：/task_deadline 12 12月10日",
    "task_assign.insist_popup": "已坚持原交办",
    "task_assign.done.insist": "已坚持原交办：#{id}「{title}」已退回 {owner} 接收。",
    "task_assign.done.reassign": "已改派：#{id}「{title}」{old_owner} → {owner}，等待接收。",
    "task_assign.done.change": "已修改 #{id}「{title}」：办结时限 {old_deadline} → {deadline_full}，要求：{details}。已告知 {owner}。",
    "task_assign.done.cancel": "已撤销 #{id}「{title}」，已告知 {owner}，提醒均已取消。",
    "task_assign.closed.insist": "— {by} {at} 坚持原交办",
    "task_assign.closed.reassign": "— {by} {at} 改派给 {owner}",
    "task_assign.closed.change": "— {by} {at} 已修改，退回 {owner} 接收",
    "task_assign.closed.cancel": "— {by} {at} 已撤销",
    # --- notices (outbox) ---
    "task_assign.insisted_notice": "{by} 坚持原交办：#{id}「{title}」，办结时限：{deadline}。请接收办理。",
    "task_assign.reassigned_notice": "交办事项 #{id}「{title}」已由 {by} 改派给 {owner}，您无需再办理。理由：{reason}",
    "task_assign.changed_notice": (
        "✏ {by} 修改了交办事项 #{id}「{title}」：\n办结时限：{old_deadline} → {deadline}\n要求：{details}"
    ),
    "task_assign.cancelled_notice": "✖ 交办事项 #{id}「{title}」已由 {by} 撤销，无需再办理。理由：{reason}",
}

EN: dict[str, str] = {
    "task_assign.usage": (
        "To hand down a task: /task title | owner | deadline [| urgent] [| details …] "
        "[| co 杨静、周敏] [| from 王书记] [| source upper]\n"
        "E.g. /task 编制冬季防火方案 | 张伟 | 12月5日 | urgent\n"
        "Send /task alone to fill it in step by step; /task ID shows a task."
    ),
    "task_assign.field_empty": "Nothing after “{field}”.",
    "task_assign.field_twice": "“{field}” is given twice; keep one.",
    "task_assign.owner_missing": "Please name the owner (a person or a department).",
    "task_assign.not_a_leader": "{name} is not a leader; a task comes from a leader.",
    "task_assign.ask_title": "The task's title (e.g. 编制冬季防火方案)? Send /cancel to stop.",
    "task_assign.ask_assigner": "Which leader is it from (e.g. 王书记)?",
    "task_assign.ask_owner": "Who owns it? A person's name, or a department (its head takes it).",
    "task_assign.ask_deadline": "Deadline (e.g. 12月5日, next Friday, Dec 5 16:00; a date alone means 17:30 that day)?",
    "task_assign.ask_priority": "Priority:",
    "task_assign.ask_details": "Details, or press “Skip”.",
    "task_assign.skip_word": "skip|none|no|-",
    "task_assign.confirm_head": "📋 <b>Please confirm the task</b>",
    "task_assign.on_behalf": " (for {assigner})",
    "task_assign.confirm_card": (
        "Task: {title}\nOwner: {owner}\nCo-owners: {co_owners}\nDeadline: {deadline}\n"
        "Priority: {priority}\nSource: {source}\nDetails: {details}\nFrom: {assigner}"
    ),
    "task_assign.confirm_decision": "Meeting decision #{decision} (meeting #{meeting})",
    "task_assign.not_workday": "⚠ The deadline falls on a day off; please check.",
    "task_assign.urgent_note": "Urgent: the owner is told at once, even at night.",
    "task_assign.draft_gone": "This confirmation has expired; please start again.",
    "task_assign.draft_dropped": "Cancelled; nothing was handed down.",
    "task_assign.created_popup": "Handed down",
    "task_assign.created": "✅ Task #{id} “{title}” handed down\nOwner: {owner}; deadline: {deadline_full}\nWaiting for the owner to accept.",
    "task_assign.timeout": "The task form timed out; nothing was changed.",
    "task_assign.ask_again": "Please try again, or send /cancel to stop.",
    "task_assign.decision_usage": "Usage: /decision_task DECISION_ID [from 王书记], e.g. /decision_task 7",
    "task_assign.decision_head": "Meeting decision #{id} ({meeting}): {text}\nAs a supervised task:",
    "task_assign.decision_not_allowed": "Only the meeting's organiser, a leader or a clerk can turn a decision into a task.",
    "task_assign.decision_linked": "Decision #{id} is already a task.",
    "task_assign.view": (
        "📌 <b>Task</b> #{id} “{title}”\nStatus: {status} · progress {progress}%\n"
        "Owner: {owner}  Co-owners: {co_owners}\nFrom: {assigner}  Source: {source}  {priority}\n"
        "Deadline: {deadline_full}\nDetails: {details}"
    ),
    "task_assign.view_decision": "Meeting decision #{decision} (meeting #{meeting})",
    "task_assign.history_head": "Handing down:",
    "task_assign.history_line": "{at} {who} {what} {text}",
    "task_assign.event.assign": "assigned",
    "task_assign.event.accept": "accepted",
    "task_assign.event.objection": "objected",
    "task_assign.event.insist": "insisted",
    "task_assign.event.reassign": "reassigned",
    "task_assign.event.change": "changed",
    "task_assign.event.cancel": "cancelled",
    "task_assign.accepted_popup": "Accepted",
    "task_assign.accepted_card": "✅ Accepted #{id} “{title}”\nDeadline: {deadline_full}\nFrom: {assigner}",
    "task_assign.already_objected": "You have objected to this task; the assigning leader will decide.",
    "task_assign.reason_missing": "Please give the reason for your objection.",
    "task_assign.ask_reason": "Your reason for objecting to #{id} “{title}” (send /cancel to stop):",
    "task_assign.objected_done": "Objection sent; {assigner} will decide.",
    "task_assign.objected_card": "⚠ You objected to #{id} “{title}”: {reason}",
    "task_assign.objection_card": (
        "⚠ <b>Objection to a task</b> #{id} “{title}”\nOwner: {owner}\nReason: {reason}\n"
        "Deadline: {deadline}\nReassign, change it, or insist."
    ),
    "btn.task_assign_ok": "✅ Hand down",
    "btn.task_assign_drop": "✖ Cancel",
    "btn.task_assign_skip": "Skip",
    "btn.task_assign_reassign": "Reassign",
    "btn.task_assign_change": "Change",
    "btn.task_assign_insist": "Insist",
    "task_assign.not_objected": "The task is “{status}” now; there is nothing to decide.",
    "task_assign.card_state": "Now: {status}; owner: {owner}",
    "task_assign.ask_new_owner": "New owner of #{id} “{title}” (a name or a department; a reason may follow):",
    "task_assign.ask_change": (
        "New deadline and/or new details for #{id} “{title}”, e.g.:\n"
        "12月10日\ndetails add the fire lanes\n12月10日 | details add the fire lanes\n"
        "Deadline now: {deadline_full}"
    ),
    "task_assign.same_owner": "{name} already owns this task.",
    "task_assign.change_usage": "Give a new deadline, or new details starting with “details”.",
    "task_assign.nothing_changed": "Deadline and details are as they were; nothing changed.",
    "task_assign.cancel_usage": "Usage: /task_cancel ID reason, e.g. /task_cancel 12 withdrawn by the county",
    "task_assign.reassign_usage": "Usage: /task_reassign ID new-owner [reason], e.g. /task_reassign 12 杨静",
    "task_assign.deadline_usage": "Usage: /task_deadline ID new-deadline, e.g. /task_deadline 12 12月10日",
    "task_assign.insist_popup": "The task stands",
    "task_assign.done.insist": "The task stands: #{id} “{title}” is back with {owner} to accept.",
    "task_assign.done.reassign": "Reassigned: #{id} “{title}” {old_owner} → {owner}; waiting for acceptance.",
    "task_assign.done.change": "Changed #{id} “{title}”: deadline {old_deadline} → {deadline_full}; details: {details}. {owner} is told.",
    "task_assign.done.cancel": "Cancelled #{id} “{title}”; {owner} is told and its reminders are off.",
    "task_assign.closed.insist": "— {by} insisted, {at}",
    "task_assign.closed.reassign": "— {by} reassigned it to {owner}, {at}",
    "task_assign.closed.change": "— {by} changed it, {at}; back with {owner} to accept",
    "task_assign.closed.cancel": "— {by} cancelled it, {at}",
    "task_assign.insisted_notice": "{by} insists on task #{id} “{title}”, deadline {deadline}. Please accept it.",
    "task_assign.reassigned_notice": "Task #{id} “{title}” was reassigned by {by} to {owner}; it is no longer yours. Reason: {reason}",
    "task_assign.changed_notice": (
        "✏ {by} changed task #{id} “{title}”:\nDeadline: {old_deadline} → {deadline}\nDetails: {details}"
    ),
    "task_assign.cancelled_notice": "✖ Task #{id} “{title}” was cancelled by {by}; no further work. Reason: {reason}",
}
