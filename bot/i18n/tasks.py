"""Strings of tasks, the core (Telegram HTML; parameters are escaped by t()).

Task messages get these parameters from TaskService.params(): id, title, details, owner,
assigner, deadline, priority, source, progress.
"""

ZH: dict[str, str] = {
    "task.not_assigner": "只有交办领导（或代为交办的办公室人员）、管理员可以进行此操作。",
    "task.not_owner": "只有该事项的责任人可以进行此操作。",
    "task.not_yours": "您无权查看该事项。",
    "task.unknown": "找不到该事项。",
    "task.no_title": "请填写事项名称。",
    "task.no_department_head": "{department} 未设负责人，请直接填写责任人姓名，或由管理员设置部门负责人。",
    "task.owner_unregistered": "{name} 尚未注册使用本系统，无法接收交办事项。",
    "task.bad_source": "无法识别来源“{text}”。可填：领导交办、会议决定、上级来文、其他。",
    "task.bad_priority": "无法识别紧急程度“{text}”。可填：普通、紧急。",
    "task.need_assigner": "办公室代为交办时，请写明交办领导，如：交办 王书记。",
    "task.already_accepted": "该事项已接收。",
    "task.already_submitted": "该事项已提交办结，等待确认。",
    "task.already_done": "该事项已办结。",
    "task.already_cancelled": "该事项已撤销。",
    "task.deadline_fmt": "{date} {time}",
    "task.priority.normal": "普通",
    "task.priority.urgent": "紧急",
    "task.source.leader": "领导交办",
    "task.source.meeting": "会议决定",
    "task.source.upper": "上级来文",
    "task.source.other": "其他",
    "task.status.assigned": "待接收",
    "task.status.accepted": "办理中",
    "task.status.objected": "有异议",
    "task.status.submitted": "待确认办结",
    "task.status.done": "已办结",
    "task.status.cancelled": "已撤销",
    "task.card": (
        "📌 <b>交办事项</b> #{id}（{priority}）\n"
        "事项：{title}\n要求：{details}\n来源：{source}\n交办：{assigner}\n办结时限：{deadline}\n"
        "请接收，或提出异议。"
    ),
    "task.co_owner_notice": "📌 您是交办事项 #{id}「{title}」的协办人，责任人：{owner}，时限：{deadline}。",
    "task.accepted_notice": "✅ {owner} 已接收交办事项 #{id}「{title}」，时限：{deadline}。",
    "task.remind_due": "⏰ 交办事项 #{id}「{title}」办结时限：{deadline}（剩余 {days} 天），当前进度 {progress}%。",
    "btn.task_accept": "接收",
    "btn.task_object": "有异议",
    "menu.tasks": "📌 事项",
    "cmd.task": "（领导、办公室）交办事项；/task 编号 查看",
    "cmd.tasks": "我的事项（assigned 我交办的 / overdue 逾期 / dept 部门）",
}

EN: dict[str, str] = {
    "task.not_assigner": "Only the assigning leader (or the clerk who entered it for them) or an admin can do that.",
    "task.not_owner": "Only the task's owner can do that.",
    "task.not_yours": "You cannot see that task.",
    "task.unknown": "No such task.",
    "task.no_title": "Please give the task a title.",
    "task.no_department_head": "{department} has no head set; name the owner, or ask an admin to set the head.",
    "task.owner_unregistered": "{name} is not registered with the bot and cannot receive tasks.",
    "task.bad_source": "Unknown source “{text}”. Use: 领导交办, 会议决定, 上级来文, 其他 (leader, meeting, upper, other).",
    "task.bad_priority": "Unknown priority “{text}”. Use: normal or urgent (普通, 紧急).",
    "task.need_assigner": "A clerk entering a task names the leader it comes from, e.g. 交办 王书记.",
    "task.already_accepted": "That task is already accepted.",
    "task.already_submitted": "That task is submitted as complete and awaits confirmation.",
    "task.already_done": "That task is complete.",
    "task.already_cancelled": "That task was cancelled.",
    "task.deadline_fmt": "{date} {time}",
    "task.priority.normal": "normal",
    "task.priority.urgent": "urgent",
    "task.source.leader": "from a leader",
    "task.source.meeting": "meeting decision",
    "task.source.upper": "higher authority",
    "task.source.other": "other",
    "task.status.assigned": "to accept",
    "task.status.accepted": "in progress",
    "task.status.objected": "objection",
    "task.status.submitted": "awaiting confirmation",
    "task.status.done": "complete",
    "task.status.cancelled": "cancelled",
    "task.card": (
        "📌 <b>Task</b> #{id} ({priority})\n"
        "Task: {title}\nDetails: {details}\nSource: {source}\nFrom: {assigner}\nDeadline: {deadline}\n"
        "Please accept it, or raise an objection."
    ),
    "task.co_owner_notice": "📌 You are co-owner of task #{id} “{title}”; owner: {owner}; deadline: {deadline}.",
    "task.accepted_notice": "✅ {owner} accepted task #{id} “{title}”; deadline: {deadline}.",
    "task.remind_due": "⏰ Task #{id} “{title}” is due {deadline} ({days} day(s) left); progress {progress}%.",
    "btn.task_accept": "Accept",
    "btn.task_object": "Object",
    "menu.tasks": "📌 Tasks",
    "cmd.task": "(leaders, clerks) Hand down a task; /task ID shows one",
    "cmd.tasks": "My tasks (assigned / overdue / dept)",
}
