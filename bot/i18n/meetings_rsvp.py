"""Strings of meetings rsvp (Telegram HTML; parameters are escaped by t()).

Meeting parameters (id, title, date, start, end, place, organiser, notes) come from
MeetingService.params().
"""

ZH: dict[str, str] = {
    # refusals
    "meeting_rsvp.cancelled": "该会议已取消，无需回执或签到。",
    "meeting_rsvp.finished": "该会议已结束，回执已截止。",
    "meeting_rsvp.started": "会议已开始，回执已截止。",
    "meeting_rsvp.stale_card": "会议时间已变更，请在最新的会议通知上回执。",
    "meeting_rsvp.reason_missing": "请假须写明原因，请输入请假原因。",
    "meeting_rsvp.reason_too_long": "请假原因最多 {limit} 个字，请精简后重新输入。",
    "meeting_rsvp.name_missing": "请输入受委托同事的姓名。",
    "meeting_rsvp.delegate_self": "不能委托本人参会，请输入其他同事的姓名。",
    "meeting_rsvp.delegate_invited": "{name} 已在参会名单中，不能再受委托。",
    "meeting_rsvp.delegate_unregistered": "{name} 尚未注册，无法接收会议通知，请委托其他同事。",
    "meeting_rsvp.delegate_inactive": "{name} 已停用，不能受委托参会。",
    "meeting_rsvp.delegate_chain": "您是受 {name} 委托参会，不能再转委托。如不能参会，请选择请假。",
    # the two questions
    "meeting_rsvp.ask_reason": (
        "请输入请假原因（{limit} 字以内）：\n{title}，{date} {start}\n发送 /cancel 取消。"
    ),
    "meeting_rsvp.ask_reason_again": (
        "您已请假：{title}，{date} {start}\n原因：{reason}\n"
        "如需修改原因，请直接输入；发送 /cancel 保持不变。"
    ),
    "meeting_rsvp.ask_name": (
        "请输入受委托参会同事的姓名：\n{title}，{date} {start}\n发送 /cancel 取消。"
    ),
    "meeting_rsvp.ask_name_again": (
        "您已委托 {delegate} 参会：{title}，{date} {start}\n"
        "如需更换，请输入另一位同事的姓名；发送 /cancel 保持不变。"
    ),
    "meeting_rsvp.ask_again": "请重新输入，或发送 /cancel 取消。",
    "meeting_rsvp.leave_timeout": "请假未完成，已超时取消，回执未更改。",
    "meeting_rsvp.delegate_timeout": "委托参会未完成，已超时取消，回执未更改。",
    # confirmations
    "meeting_rsvp.done.attend": "已回执：参加",
    "meeting_rsvp.same.attend": "已回执：参加（无变化）",
    "meeting_rsvp.done_leave": (
        "✅ 已请假：{title}，{date} {start}\n原因：{reason}\n已告知组织者 {organiser}。会前可更改。"
    ),
    "meeting_rsvp.same_leave": "请假原因未变：{reason}",
    "meeting_rsvp.done_delegate": (
        "✅ 已委托 {delegate} 参加：{title}，{date} {start}\n已向 {delegate} 发送会议通知。会前可更改。"
    ),
    "meeting_rsvp.same_delegate": "已委托 {delegate} 参会（无变化）。",
    # the notice card after an answer
    "meeting_rsvp.card.attend": "✅ 已回执：参加（会前可更改）",
    "meeting_rsvp.card.leave": "✅ 已回执：请假（原因：{reason}）",
    "meeting_rsvp.card.delegate": "✅ 已回执：委托 {delegate} 参会",
    # messages to others
    "meeting_rsvp.notice_delegated": (
        "📢 <b>会议通知</b>（受 {delegator} 委托参会）\n"
        "会议：{title}\n时间：{date} {start}–{end}\n地点：{place}\n组织：{organiser}\n"
        "备注：{notes}\n请回执：参加或请假。"
    ),
    "meeting_rsvp.told_leave": "🏖 {name} 请假：{title}，{date} {start}\n原因：{reason}",
    "meeting_rsvp.told_delegate": "↪️ {name} 委托 {delegate} 参会：{title}，{date} {start}",
    "meeting_rsvp.told_delegate_leave": (
        "🏖 受您委托参会的 {name} 已请假：{title}，{date} {start}\n原因：{reason}\n"
        "请在会议通知上另行委托或回执。"
    ),
    "meeting_rsvp.told_withdrawn": "{name} 已撤回委托，您无需参加：{title}，{date} {start}。",
    # the organiser's view
    "btn.mtg_nudge": "🔔 提醒未回复",
    "btn.mtg_answers": "📋 查看回执",
    "btn.mtg_refresh": "🔄 刷新",
    "meeting_rsvp.view_head": (
        "📋 <b>{title}</b>（编号 {id}）\n时间：{date} {start}–{end}\n地点：{place}\n"
        "组织：{organiser} · {status}"
    ),
    "meeting_rsvp.view_counts": (
        "回执：应到 {total} 人，参加 {attend}，请假 {leave}，委托 {delegate}，未回复 {none}"
    ),
    "meeting_rsvp.view_attend": "✅ 参加：{names}",
    "meeting_rsvp.view_leave": "🏖 请假：{names}",
    "meeting_rsvp.view_delegate": "↪️ 委托：{names}",
    "meeting_rsvp.view_none": "⏳ 未回复：{names}",
    "meeting_rsvp.item_reason": "{name}（{reason}）",
    "meeting_rsvp.item_delegate": "{name} → {delegate}（{state}）",
    "meeting_rsvp.item_unregistered": "{name}（未注册）",
    "meeting_rsvp.item_time": "{name} {at}",
    "meeting_rsvp.view_checkin": "签到：已到 {present}，请假未到 {leave}，未到（未请假）{absent}",
    "meeting_rsvp.view_present": "已到：{names}",
    "meeting_rsvp.view_absent_leave": "请假未到：{names}",
    "meeting_rsvp.view_absent": "未到（未请假）：{names}",
    "meeting_rsvp.view_mine": "您的回执：{answer}",
    "meeting_rsvp.view_mine_delegated": "您受 {name} 委托参会，回执：{answer}",
    "meeting_rsvp.view_checked_in": "您已于 {at} 签到。",
    "meeting_rsvp.answer.leave": "请假（{reason}）",
    "meeting_rsvp.answer.delegate": "委托 {delegate} 参会",
    "meeting_rsvp.nudged": "已向 {count} 位未回复人员再次发送会议通知。",
    "meeting_rsvp.nudge_recent": "{at} 已提醒过未回复人员，请 {minutes} 分钟后再试。",
    "meeting_rsvp.nudge_nobody": "所有人均已回执，无需提醒。",
    "meeting_rsvp.refreshed": "已更新。",
    "meeting_rsvp.status_usage": "用法：/meeting_status 会议编号，如 /meeting_status 3",
    "meeting_rsvp.status_pick": "请选择要查看的会议：",
    "meeting_rsvp.status_none": "您近期没有会议。用法：/meeting_status 会议编号",
    "meeting_rsvp.pick_label": "{title} {date} {start}",
    # check-in
    "meeting_rsvp.checked_in": "✅ 已签到 {at}：{title}，地点：{place}",
    "meeting_rsvp.checked_in_late": "✅ 已签到 {at}（迟到 {minutes} 分钟）：{title}，地点：{place}",
    "meeting_rsvp.checkin_already": "您已于 {at} 签到：{title}，无需重复签到。",
    "meeting_rsvp.checkin_not_open": "会议签到于 {opens} 开始（会前 {minutes} 分钟），请届时再签到。",
    "meeting_rsvp.checkin_closed": "会议已结束，签到已关闭。",
    "meeting_rsvp.checkin_delegated": "您已委托 {name} 参会，由其签到。",
    "meeting_rsvp.checkin_none": "您目前没有可签到的会议（会前 {minutes} 分钟至会议结束可签到）。",
    "meeting_rsvp.checkin_next": (
        "您目前没有可签到的会议。下一个会议：{title}，{date} {start}，{opens} 起可签到。"
    ),
    "meeting_rsvp.checkin_pick": "请选择要签到的会议：",
    "cmd.meeting_status": "查看会议回执与签到：/meeting_status 编号",
    "word.meeting_checkin": "会议签到|开会签到",
}

EN: dict[str, str] = {
    # refusals
    "meeting_rsvp.cancelled": "That meeting is cancelled: no answer or check-in needed.",
    "meeting_rsvp.finished": "That meeting is over; answers are closed.",
    "meeting_rsvp.started": "The meeting has started; answers are closed.",
    "meeting_rsvp.stale_card": "The meeting's time has changed; please answer on the latest notice.",
    "meeting_rsvp.reason_missing": "Leave needs a reason; please type it.",
    "meeting_rsvp.reason_too_long": "The reason may be at most {limit} characters; please shorten it.",
    "meeting_rsvp.name_missing": "Please type the colleague's name.",
    "meeting_rsvp.delegate_self": "You cannot send yourself; please name a colleague.",
    "meeting_rsvp.delegate_invited": "{name} is already invited and cannot stand in for you.",
    "meeting_rsvp.delegate_unregistered": "{name} is not registered yet and cannot receive the notice; please name someone else.",
    "meeting_rsvp.delegate_inactive": "{name} is deactivated and cannot stand in for you.",
    "meeting_rsvp.delegate_chain": "You stand in for {name} and cannot pass this on; if you cannot attend, ask for leave.",
    # the two questions
    "meeting_rsvp.ask_reason": (
        "Please type the reason for leave (at most {limit} characters):\n"
        "{title}, {date} {start}\nSend /cancel to stop."
    ),
    "meeting_rsvp.ask_reason_again": (
        "You are on leave for: {title}, {date} {start}\nReason: {reason}\n"
        "Type a new reason to change it; /cancel keeps it."
    ),
    "meeting_rsvp.ask_name": (
        "Please type the name of the colleague who will attend for you:\n"
        "{title}, {date} {start}\nSend /cancel to stop."
    ),
    "meeting_rsvp.ask_name_again": (
        "{delegate} attends for you: {title}, {date} {start}\n"
        "Type another colleague's name to change it; /cancel keeps it."
    ),
    "meeting_rsvp.ask_again": "Please try again, or send /cancel.",
    "meeting_rsvp.leave_timeout": "Leave request timed out; your answer is unchanged.",
    "meeting_rsvp.delegate_timeout": "Delegation timed out; your answer is unchanged.",
    # confirmations
    "meeting_rsvp.done.attend": "Answered: attending",
    "meeting_rsvp.same.attend": "Answered: attending (unchanged)",
    "meeting_rsvp.done_leave": (
        "✅ On leave: {title}, {date} {start}\nReason: {reason}\n"
        "{organiser} (organiser) has been told. You may change this before the start."
    ),
    "meeting_rsvp.same_leave": "Reason unchanged: {reason}",
    "meeting_rsvp.done_delegate": (
        "✅ {delegate} attends for you: {title}, {date} {start}\n"
        "{delegate} has been sent the notice. You may change this before the start."
    ),
    "meeting_rsvp.same_delegate": "{delegate} attends for you (unchanged).",
    # the notice card after an answer
    "meeting_rsvp.card.attend": "✅ Answered: attending (may change before the start)",
    "meeting_rsvp.card.leave": "✅ Answered: leave (reason: {reason})",
    "meeting_rsvp.card.delegate": "✅ Answered: {delegate} attends for you",
    # messages to others
    "meeting_rsvp.notice_delegated": (
        "📢 <b>Meeting notice</b> (attending for {delegator})\n"
        "Meeting: {title}\nTime: {date} {start}–{end}\nPlace: {place}\nOrganiser: {organiser}\n"
        "Notes: {notes}\nPlease answer: attend or leave."
    ),
    "meeting_rsvp.told_leave": "🏖 {name} asks for leave: {title}, {date} {start}\nReason: {reason}",
    "meeting_rsvp.told_delegate": "↪️ {name} sends {delegate}: {title}, {date} {start}",
    "meeting_rsvp.told_delegate_leave": (
        "🏖 {name}, who was to attend for you, asks for leave: {title}, {date} {start}\n"
        "Reason: {reason}\nPlease send someone else or answer on the notice."
    ),
    "meeting_rsvp.told_withdrawn": "{name} has withdrawn the delegation; you need not attend: {title}, {date} {start}.",
    # the organiser's view
    "btn.mtg_nudge": "🔔 Remind non-repliers",
    "btn.mtg_answers": "📋 Answers",
    "btn.mtg_refresh": "🔄 Refresh",
    "meeting_rsvp.view_head": (
        "📋 <b>{title}</b> (no. {id})\nTime: {date} {start}–{end}\nPlace: {place}\n"
        "Organiser: {organiser} · {status}"
    ),
    "meeting_rsvp.view_counts": (
        "Answers: {total} invited, {attend} attending, {leave} on leave, {delegate} delegated, "
        "{none} no reply"
    ),
    "meeting_rsvp.view_attend": "✅ Attending: {names}",
    "meeting_rsvp.view_leave": "🏖 On leave: {names}",
    "meeting_rsvp.view_delegate": "↪️ Delegated: {names}",
    "meeting_rsvp.view_none": "⏳ No reply: {names}",
    "meeting_rsvp.item_reason": "{name} ({reason})",
    "meeting_rsvp.item_delegate": "{name} → {delegate} ({state})",
    "meeting_rsvp.item_unregistered": "{name} (not registered)",
    "meeting_rsvp.item_time": "{name} {at}",
    "meeting_rsvp.view_checkin": "Check-in: {present} present, {leave} absent on leave, {absent} absent without leave",
    "meeting_rsvp.view_present": "Present: {names}",
    "meeting_rsvp.view_absent_leave": "Absent on leave: {names}",
    "meeting_rsvp.view_absent": "Absent without leave: {names}",
    "meeting_rsvp.view_mine": "Your answer: {answer}",
    "meeting_rsvp.view_mine_delegated": "You attend for {name}; your answer: {answer}",
    "meeting_rsvp.view_checked_in": "You checked in at {at}.",
    "meeting_rsvp.answer.leave": "leave ({reason})",
    "meeting_rsvp.answer.delegate": "{delegate} attends for you",
    "meeting_rsvp.nudged": "Notice sent again to {count} people who have not replied.",
    "meeting_rsvp.nudge_recent": "Non-repliers were reminded at {at}; try again in {minutes} min.",
    "meeting_rsvp.nudge_nobody": "Everyone has answered; no reminder needed.",
    "meeting_rsvp.refreshed": "Updated.",
    "meeting_rsvp.status_usage": "Usage: /meeting_status ID, e.g. /meeting_status 3",
    "meeting_rsvp.status_pick": "Which meeting?",
    "meeting_rsvp.status_none": "You have no coming meetings. Usage: /meeting_status ID",
    "meeting_rsvp.pick_label": "{title} {date} {start}",
    # check-in
    "meeting_rsvp.checked_in": "✅ Checked in at {at}: {title}, {place}",
    "meeting_rsvp.checked_in_late": "✅ Checked in at {at} ({minutes} min late): {title}, {place}",
    "meeting_rsvp.checkin_already": "You checked in at {at}: {title}; no need to do it again.",
    "meeting_rsvp.checkin_not_open": "Check-in opens at {opens} ({minutes} min before the start); please check in then.",
    "meeting_rsvp.checkin_closed": "The meeting is over; check-in is closed.",
    "meeting_rsvp.checkin_delegated": "You sent {name}, who checks in for you.",
    "meeting_rsvp.checkin_none": "No meeting to check in at now (check-in runs from {minutes} min before the start to the end).",
    "meeting_rsvp.checkin_next": (
        "No meeting to check in at now. Next: {title}, {date} {start}; check-in opens at {opens}."
    ),
    "meeting_rsvp.checkin_pick": "Which meeting are you checking in at?",
    "cmd.meeting_status": "Answers and check-in of a meeting: /meeting_status ID",
    "word.meeting_checkin": "check in|checkin|check-in",
}
