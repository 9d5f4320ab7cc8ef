"""Strings of meeting changes and venue preparation (Telegram HTML; parameters are escaped by
t()). Meeting messages also get MeetingService.params(): id, title, date, start, end, place,
organiser, notes."""

ZH: dict[str, str] = {
    # 用法
    "mchg.move_usage": (
        "用法：/meeting_move 会议编号 新时间\n"
        "例：/meeting_move 12 周五下午3点　/meeting_move 12 12月1日 14:30 至 16:00"
    ),
    "mchg.place_usage": "用法：/meeting_place 会议编号 新地点\n例：/meeting_place 12 二楼会议室",
    "mchg.invite_usage": "用法：/meeting_invite 会议编号 人员\n可填姓名、部门、班子成员或全体，多个用顿号分隔。",
    "mchg.uninvite_usage": "用法：/meeting_uninvite 会议编号 姓名\n多人用顿号分隔。",
    "mchg.cancel_usage": "用法：/meeting_cancel 会议编号 [原因]\n例：/meeting_cancel 12 与县里会议冲突",
    # 时间与拒绝
    "mchg.when": "{date} {start}–{end}",
    "mchg.at": "{date} {time}",
    "mchg.closed": "该会议{status}，不能再修改。",
    "mchg.started": "会议已开始，不能改期或取消。",
    "mchg.stale": "会议信息已有变动，本次确认作废，请重新操作。",
    "mchg.move_past": "新的开会时间已经过去，请填写将来的时间。",
    "mchg.same_time": "新时间与原定时间相同，无需改期。",
    "mchg.same_place": "会议地点已是“{place}”，无需修改。",
    "mchg.already_invited": "{names} 已在参会名单中，无需重复邀请。",
    "mchg.not_invited": "{names} 不在参会名单中，未做修改。",
    "mchg.person_inactive": "{name} 已停用，不能邀请参会。",
    "mchg.last_invitee": "不能移出全部参会人员。如会议不再召开，请用 /meeting_cancel 取消。",
    "mchg.reason_too_long": "取消原因过长，最多 {limit} 个字。",
    "mchg.draft_gone": "该确认已失效，请重新发送命令。",
    "mchg.dropped": "已放弃，会议未做修改。",
    # 改期
    "mchg.move_card": (
        "<b>请确认改期</b>\n会议：{title}\n原定：{old}\n改为：<b>{new}</b>\n"
        "确认后将通知全体参会人员重新回执，提醒按新时间重排。"
    ),
    "mchg.clash_head": "⚠️ 以下人员届时另有安排（仅作提示）：",
    "mchg.clash_meeting": "· {name}：会议“{label}” {start}",
    "mchg.clash_duty": "· {name}：{kind} {start}",
    "mchg.moved": "✅ 已改期：{title}\n{old} → <b>{new}</b>\n已通知 {count} 人重新回执，提醒已按新时间重排。",
    "mchg.moved_dropped": "{names} 的委托参会随改期失效，已告知本人。",
    "mchg.why_moved": "🔄 <b>会议时间变更</b>：{old} → <b>{new}</b>\n请按新时间重新回执。",
    "mchg.notice_again": "{why}\n\n{notice}",
    "mchg.delegate_dropped": (
        "🔄 <b>会议时间变更</b>：{title}，{old} → {new}。\n"
        "{delegator} 的委托参会随改期失效，您暂无需参加；如仍需您参会，将另行通知。"
    ),
    "mchg.moved_info": "🔄 <b>会议时间变更</b>：{title}，{old} → <b>{new}</b>（{by} 修改）。",
    # 地点
    "mchg.place_changed": "📍 <b>会议地点变更</b>\n会议：{title}（{date} {start}）\n地点：{old} → <b>{new}</b>",
    "mchg.place_done": "✅ 已更改地点：{title}\n{old} → <b>{new}</b>\n已通知 {count} 人，提醒同步更新。",
    # 参会人员
    "mchg.invited": "✅ 已邀请 {names} 参加：{title}，会议通知已发出。",
    "mchg.invite_skipped": "{names} 已在名单中，未重复邀请。",
    "mchg.uninvited_done": "✅ 已将 {names} 移出：{title}，相关提醒已取消。",
    "mchg.uninvited_along": "其委托的代会人 {names} 一并移出。",
    "mchg.uninvited": "ℹ️ 您已无需参加会议：{title}（{date} {start}，{place}），相关提醒已取消。",
    "mchg.why_delegate_removed": "ℹ️ 您委托参会的 {name} 已被移出参会名单，请重新回执。",
    # 取消
    "mchg.cancel_card": (
        "<b>请确认取消会议</b>\n会议：{title}\n时间：{date} {start}–{end}\n地点：{place}\n"
        "原因：{reason}\n确认后将通知参会人员，并撤销全部提醒。"
    ),
    "mchg.cancelled": "❌ <b>会议取消</b>\n会议：{title}\n原定：{date} {start}–{end}，{place}\n原因：{reason}",
    "mchg.cancel_done": "✅ 已取消会议：{title}（{date} {start}），已通知 {count} 人，提醒已全部撤销。",
    "btn.mchg_move_ok": "✅ 确认改期",
    "btn.mchg_cancel_ok": "✅ 确认取消会议",
    "btn.mchg_no": "✖ 放弃",
    # 会场布置
    "venue.usage": (
        "用法：/venue 会议编号 —— 查看并勾选会场布置\n"
        "/venue 会议编号 assign 事项 姓名 [| 时限] —— 分派给办公室人员（事项可填序号）\n"
        "/venue 会议编号 add 事项 —— 增加布置事项"
    ),
    "venue.not_allowed": "只有会议组织者、办公室人员或管理员可以办理会场布置。",
    "venue.due_after_start": "布置时限不能晚于会议开始时间。",
    "venue.card_head": "<b>会场布置</b>：{title}\n{date} {start}，{place}",
    "venue.item_done": "{n}. ✅ {title} · {who} {at} 已完成",
    "venue.item_open": "{n}. ⬜ {title} · {assignee} · 时限 {due}",
    "venue.unassigned": "未分派",
    "venue.progress": "已完成 {done}/{total}",
    "venue.empty": "暂无布置事项。可用 /venue {id} add 事项 增加。",
    "venue.readonly": "（会议{status}，仅供查看）",
    "venue.ticked": "已勾选：{title}",
    "venue.unticked": "已取消勾选：{title}",
    "venue.already_done": "“{title}”已勾选，无需重复操作。",
    "venue.already_open": "“{title}”尚未勾选。",
    "venue.item_gone": "找不到该布置事项。",
    "venue.item_unknown": "找不到布置事项“{item}”。现有事项：{items}",
    "venue.not_clerk": "{name} 不是办公室人员，布置事项只能分派给办公室人员。",
    "venue.same_assignee": "“{title}”已分派给 {name}。",
    "venue.person_inactive": "{name} 已停用，不能分派布置事项。",
    "venue.assigned_done": "✅ 已将“{title}”分派给 {name}，时限 {due}，已通知本人。",
    "venue.added": "✅ 已增加布置事项“{title}”，时限 {due}。",
    "venue.duplicate": "已有布置事项“{title}”。",
    "venue.item_empty": "请写明布置事项，如：/venue {id} add 茶水",
    "venue.assigned": (
        "📋 <b>会场布置任务</b>\n事项：{item}\n会议：{title}（{date} {start}，{place}）\n"
        "完成时限：{due}\n完成后请在会场布置清单中勾选。"
    ),
    "venue.assign_moved": (
        "🔄 <b>会议时间变更，布置时限相应调整</b>\n事项：{item}\n"
        "会议：{title}（{date} {start}，{place}）\n完成时限：{due}"
    ),
    "venue.alert": (
        "⚠️ <b>会场布置提醒</b>\n会议：{title}（{date} {start}，{place}）\n"
        "尚有 {count} 项未完成：\n{items}"
    ),
    "venue.alert_item": "· {item}（{assignee}）",
    "btn.venue_tick": "⬜ {title}",
    "btn.venue_untick": "✅ {title}",
    "btn.venue_open": "📋 会场布置",
    # 命令说明
    "cmd.meeting_move": "（组织者）会议改期",
    "cmd.meeting_place": "（组织者）更改会议地点",
    "cmd.meeting_invite": "（组织者）增加参会人员",
    "cmd.meeting_uninvite": "（组织者）移出参会人员",
    "cmd.meeting_cancel": "（组织者）取消会议",
    "cmd.venue": "（办公室）会场布置清单",
}

EN: dict[str, str] = {
    "mchg.move_usage": (
        "Usage: /meeting_move ID new time\n"
        "e.g. /meeting_move 12 friday 3pm   /meeting_move 12 12月1日 14:30 至 16:00"
    ),
    "mchg.place_usage": "Usage: /meeting_place ID new place\ne.g. /meeting_place 12 Room 201",
    "mchg.invite_usage": "Usage: /meeting_invite ID people\nNames, departments, leaders (班子成员) or everyone (全体), separated by 、 or commas.",
    "mchg.uninvite_usage": "Usage: /meeting_uninvite ID names\nSeveral names separated by 、 or commas.",
    "mchg.cancel_usage": "Usage: /meeting_cancel ID [reason]\ne.g. /meeting_cancel 12 clashes with the county meeting",
    "mchg.when": "{date} {start}–{end}",
    "mchg.at": "{date} {time}",
    "mchg.closed": "That meeting is {status}; it can no longer be changed.",
    "mchg.started": "The meeting has started; it can no longer be moved or cancelled.",
    "mchg.stale": "The meeting has changed since; this confirmation no longer applies. Please start again.",
    "mchg.move_past": "The new time has already passed; please give a time ahead.",
    "mchg.same_time": "That is the time already set; nothing to move.",
    "mchg.same_place": "The place is already “{place}”.",
    "mchg.already_invited": "{names} already invited.",
    "mchg.not_invited": "{names} not invited; nothing changed.",
    "mchg.person_inactive": "{name} is deactivated and cannot be invited.",
    "mchg.last_invitee": "A meeting needs someone invited. If it is off, cancel it with /meeting_cancel.",
    "mchg.reason_too_long": "The reason is too long (at most {limit} characters).",
    "mchg.draft_gone": "This confirmation has expired; please send the command again.",
    "mchg.dropped": "Dropped; the meeting is unchanged.",
    "mchg.move_card": (
        "<b>Move this meeting?</b>\nMeeting: {title}\nWas: {old}\nNow: <b>{new}</b>\n"
        "Everyone invited will be asked to answer again; reminders follow the new time."
    ),
    "mchg.clash_head": "⚠️ Busy at that time (for your information):",
    "mchg.clash_meeting": "· {name}: meeting “{label}” {start}",
    "mchg.clash_duty": "· {name}: {kind} {start}",
    "mchg.moved": "✅ Moved: {title}\n{old} → <b>{new}</b>\n{count} people asked to answer again; reminders rescheduled.",
    "mchg.moved_dropped": "The delegation of {names} lapsed with the move; they have been told.",
    "mchg.why_moved": "🔄 <b>Meeting moved</b>: {old} → <b>{new}</b>\nPlease answer again for the new time.",
    "mchg.notice_again": "{why}\n\n{notice}",
    "mchg.delegate_dropped": (
        "🔄 <b>Meeting moved</b>: {title}, {old} → {new}.\n"
        "You were to stand in for {delegator}; that lapsed with the move, so you need not "
        "attend for now. You will hear if you are needed."
    ),
    "mchg.moved_info": "🔄 <b>Meeting moved</b>: {title}, {old} → <b>{new}</b> (by {by}).",
    "mchg.place_changed": "📍 <b>New place</b>\nMeeting: {title} ({date} {start})\nPlace: {old} → <b>{new}</b>",
    "mchg.place_done": "✅ Place changed: {title}\n{old} → <b>{new}</b>\n{count} people told; reminders updated.",
    "mchg.invited": "✅ Invited {names} to {title}; the notice is on its way.",
    "mchg.invite_skipped": "{names} already invited, not asked twice.",
    "mchg.uninvited_done": "✅ Removed {names} from {title}; their reminders are cancelled.",
    "mchg.uninvited_along": "Their delegate {names} removed too.",
    "mchg.uninvited": "ℹ️ You no longer need to attend {title} ({date} {start}, {place}); its reminders are cancelled.",
    "mchg.why_delegate_removed": "ℹ️ {name}, whom you sent in your place, is no longer invited. Please answer again.",
    "mchg.cancel_card": (
        "<b>Cancel this meeting?</b>\nMeeting: {title}\nTime: {date} {start}–{end}\n"
        "Place: {place}\nReason: {reason}\nEveryone invited will be told and all reminders withdrawn."
    ),
    "mchg.cancelled": "❌ <b>Meeting cancelled</b>\nMeeting: {title}\nWas: {date} {start}–{end}, {place}\nReason: {reason}",
    "mchg.cancel_done": "✅ Cancelled: {title} ({date} {start}); {count} people told, all reminders withdrawn.",
    "btn.mchg_move_ok": "✅ Move it",
    "btn.mchg_cancel_ok": "✅ Cancel the meeting",
    "btn.mchg_no": "✖ Drop",
    "venue.usage": (
        "Usage: /venue ID — the venue checklist, tick items with its buttons\n"
        "/venue ID assign item name [| due] — give an item to a clerk (the item may be its number)\n"
        "/venue ID add item — add an item"
    ),
    "venue.not_allowed": "Only the organiser, the office clerks or an admin keep the venue checklist.",
    "venue.due_after_start": "An item cannot be due after the meeting starts.",
    "venue.card_head": "<b>Venue checklist</b>: {title}\n{date} {start}, {place}",
    "venue.item_done": "{n}. ✅ {title} · done by {who} {at}",
    "venue.item_open": "{n}. ⬜ {title} · {assignee} · due {due}",
    "venue.unassigned": "unassigned",
    "venue.progress": "Done {done}/{total}",
    "venue.empty": "No items yet. Add one with /venue {id} add item.",
    "venue.readonly": "(meeting {status}; for reference only)",
    "venue.ticked": "Ticked: {title}",
    "venue.unticked": "Unticked: {title}",
    "venue.already_done": "“{title}” is already ticked.",
    "venue.already_open": "“{title}” is not ticked.",
    "venue.item_gone": "No such checklist item.",
    "venue.item_unknown": "No item “{item}”. Items: {items}",
    "venue.not_clerk": "{name} is not an office clerk; items go to clerks only.",
    "venue.same_assignee": "“{title}” is already {name}'s.",
    "venue.person_inactive": "{name} is deactivated; items cannot go to them.",
    "venue.assigned_done": "✅ “{title}” given to {name}, due {due}; they have been told.",
    "venue.added": "✅ Added “{title}”, due {due}.",
    "venue.duplicate": "There is already an item “{title}”.",
    "venue.item_empty": "Name the item, e.g. /venue {id} add 茶水",
    "venue.assigned": (
        "📋 <b>Venue preparation</b>\nItem: {item}\nMeeting: {title} ({date} {start}, {place})\n"
        "Due: {due}\nTick it on the venue checklist when done."
    ),
    "venue.assign_moved": (
        "🔄 <b>Meeting moved, your item's deadline with it</b>\nItem: {item}\n"
        "Meeting: {title} ({date} {start}, {place})\nDue: {due}"
    ),
    "venue.alert": (
        "⚠️ <b>Venue not ready</b>\nMeeting: {title} ({date} {start}, {place})\n"
        "{count} item(s) still open:\n{items}"
    ),
    "venue.alert_item": "· {item} ({assignee})",
    "btn.venue_tick": "⬜ {title}",
    "btn.venue_untick": "✅ {title}",
    "btn.venue_open": "📋 Venue checklist",
    "cmd.meeting_move": "(organiser) Move a meeting",
    "cmd.meeting_place": "(organiser) Change a meeting's place",
    "cmd.meeting_invite": "(organiser) Invite more people",
    "cmd.meeting_uninvite": "(organiser) Remove invitees",
    "cmd.meeting_cancel": "(organiser) Cancel a meeting",
    "cmd.venue": "(clerks) Venue checklist",
}
