"""Strings of meetings, the core (Telegram HTML; parameters are escaped by t()).

Meeting messages get these parameters from MeetingService.params(): id, title, date, start,
end, place, organiser, notes.
"""

ZH: dict[str, str] = {
    "meeting.bad_duration": "无法识别会议时长“{text}”。可填：1小时、90分钟、1.5小时、半小时。",
    "meeting.no_invitees": "请填写参会人员：可填全体、班子成员、部门名称或姓名，多个用顿号分隔。",
    "meeting.no_title": "请填写会议名称。",
    "meeting.need_time": "“{text}”只有日期，请写明开会时间，如：周五下午3点、12月1日 14:30。",
    "meeting.end_before_start": "结束时间不能早于开始时间。",
    "meeting.unknown": "找不到该会议。",
    "meeting.not_invited": "您不在该会议的参会范围内。",
    "meeting.not_organiser": "只有会议组织者或管理员可以进行此操作。",
    "meeting.notice": (
        "📢 <b>会议通知</b>（编号 #{id}）\n"
        "会议：{title}\n时间：{date} {start}–{end}\n地点：{place}\n组织：{organiser}\n"
        "备注：{notes}\n请回执：参加、请假或委托参会。"
    ),
    "meeting.remind_eve": "⏰ 明日会议提醒：{title}，{date} {start}，地点：{place}。",
    "meeting.remind_before": "⏰ 会议即将开始：{title}，{start}，地点：{place}。到场后请签到。",
    "btn.mtg_attend": "参加",
    "btn.mtg_leave": "请假",
    "btn.mtg_delegate": "委托参会",
    "btn.mtg_ics": "📅 加入日历",
    "btn.mtg_files": "📎 会议材料",
    "btn.mtg_checkin": "✅ 会议签到",
    "meeting.response.none": "未回复",
    "meeting.response.attend": "参加",
    "meeting.response.leave": "请假",
    "meeting.response.delegate": "委托参会",
    "meeting.status.scheduled": "待召开",
    "meeting.status.cancelled": "已取消",
    "meeting.status.finished": "已结束",
    "menu.meetings": "🗓 会议",
    "cmd.meeting": "（办公室、领导）发会议通知；/meeting 编号 查看回执",
    "cmd.meetings": "我的近期会议",
    "cmd.checkin": "会议签到",
}

EN: dict[str, str] = {
    "meeting.bad_duration": "Cannot read the length “{text}”. Use e.g. 1小时, 90分钟, 1.5h, 90 min.",
    "meeting.no_invitees": "Who is invited? Everyone (全体), leaders (班子成员), a department or names, separated by 、 or commas.",
    "meeting.no_title": "Please give the meeting a title.",
    "meeting.need_time": "“{text}” has no time of day; e.g. friday 3pm, 周五下午3点, 12月1日 14:30.",
    "meeting.end_before_start": "The end cannot be before the start.",
    "meeting.unknown": "No such meeting.",
    "meeting.not_invited": "You are not invited to that meeting.",
    "meeting.not_organiser": "Only the organiser or an admin can do that.",
    "meeting.notice": (
        "📢 <b>Meeting notice</b> (#{id})\n"
        "Meeting: {title}\nTime: {date} {start}–{end}\nPlace: {place}\nOrganiser: {organiser}\n"
        "Notes: {notes}\nPlease answer: attend, leave, or send a delegate."
    ),
    "meeting.remind_eve": "⏰ Meeting tomorrow: {title}, {date} {start}, at {place}.",
    "meeting.remind_before": "⏰ Meeting soon: {title} at {start}, {place}. Check in when you arrive.",
    "btn.mtg_attend": "Attend",
    "btn.mtg_leave": "On leave",
    "btn.mtg_delegate": "Delegate",
    "btn.mtg_ics": "📅 Calendar",
    "btn.mtg_files": "📎 Materials",
    "btn.mtg_checkin": "✅ Check in",
    "meeting.response.none": "no reply",
    "meeting.response.attend": "attending",
    "meeting.response.leave": "on leave",
    "meeting.response.delegate": "delegated",
    "meeting.status.scheduled": "scheduled",
    "meeting.status.cancelled": "cancelled",
    "meeting.status.finished": "finished",
    "menu.meetings": "🗓 Meetings",
    "cmd.meeting": "(clerks, leaders) Call a meeting; /meeting ID shows the answers",
    "cmd.meetings": "My coming meetings",
    "cmd.checkin": "Check in at a meeting",
}
