"""Strings of meetings create (Telegram HTML; parameters are escaped by t()).

meeting_material.added_notice gets MeetingService.params() (id, title, date, start, end,
place, organiser, notes) and the file name as {file}.
"""

ZH: dict[str, str] = {
    # 发会议通知
    "meeting_create.usage": (
        "用法：/meeting 会议名称 | 时间 | 地点 | 参会人员 [| 时长 | 备注]\n"
        "例：<code>/meeting 党委会 | 周五下午3点 | 三楼会议室 | 班子成员 | 90分钟</code>\n"
        "参会人员可填：全体、班子成员、部门名称或姓名，多个用顿号分隔。\n"
        "只发送 /meeting 可逐项填写（可附会议材料）。"
    ),
    "meeting_create.ask_title": "请输入会议名称，如：党委会、党政班子联席会。发送 /cancel 可随时取消。",
    "meeting_create.ask_time": "请输入开会时间，如：周五下午3点、12月1日 14:30、明天上午9点。",
    "meeting_create.confirm_time": "开会时间：{date} {start}，是否正确？",
    "meeting_create.ask_duration": "会议预计多长时间？请选择，或直接输入（如：90分钟、1.5小时）。",
    "meeting_create.ask_place": "请输入会议地点，如：三楼会议室。",
    "meeting_create.ask_invitees": (
        "请输入参会人员：全体、班子成员、部门名称或姓名，多个用顿号分隔。\n"
        "部门：{departments}"
    ),
    "meeting_create.ask_files": (
        "参会人员共 {count} 人：{names}。\n"
        "如有会议材料，请现在发送文件（可发多个），发完按“完成”；没有请按“跳过”。"
    ),
    "meeting_create.files_hint": "请发送材料文件，或按“完成”继续。",
    "meeting_create.file_kept": "已收到材料：{name}（共 {count} 份）。可继续发送，发完按“完成”。",
    "meeting_create.ask_notes": "请输入备注（如：请携带笔记本），没有请按“跳过”。",
    "meeting_create.word_skip": "跳过|无|没有|skip|none|-",
    "meeting_create.word_done": "完成|好了|done",
    "meeting_create.timeout": "会议通知填写已超时，未发出。如需发通知，请重新发送 /meeting。",
    "meeting_create.card": (
        "<b>请确认会议通知</b>\n"
        "会议：{title}\n时间：{date} {start}–{end}（{duration}）\n地点：{place}\n"
        "参会：{count} 人（{names}）\n材料：{materials}\n备注：{notes}"
    ),
    "meeting_create.names_more": "{names} 等 {count} 人",
    "meeting_create.len_minutes": "{minutes}分钟",
    "meeting_create.len_hours": "{hours}小时",
    "meeting_create.len_hours_minutes": "{hours}小时{minutes}分钟",
    "meeting_create.clash_duty": "⚠️ {name} 当时有值班（{kind}）",
    "meeting_create.clash_meeting": "⚠️ {name} 当时另有会议：{title}（{start}）",
    "meeting_create.created": (
        "✅ 已发出会议通知（#{id}），共 {count} 人。\n"
        "{title} · {date} {start} · {place} · 材料 {materials} 份\n"
        "查看回执：/meeting {id}　补充材料：/material {id}"
    ),
    "meeting_create.dropped": "已取消，未发出会议通知。",
    "meeting_create.draft_gone": "该确认卡片已失效（已处理或已过期），请重新发送 /meeting。",
    "btn.mtg_create_send": "✅ 发出通知",
    "btn.mtg_create_cancel": "✖ 取消",
    "btn.mtg_create_skip": "跳过",
    "btn.mtg_create_done": "完成",
    "btn.mtg_create_time_ok": "✅ 正确",
    "btn.mtg_create_time_again": "✏️ 重新填写",
    # 会议材料
    "meeting_material.usage": "用法：/material 会议编号，然后发送材料文件。也可直接发送文件，并在说明中写“#会议编号”。",
    "meeting_material.ask": "请发送 #{id} {title} 的会议材料文件（现有 {count} 份），可发多个，发完按“完成”。",
    "meeting_material.hint": "请发送材料文件，或按“完成”结束。",
    "meeting_material.added": "✅ 已添加材料：{name}（#{id} {title}，共 {count} 份）。",
    "meeting_material.added_told": "✅ 已添加材料：{name}（#{id} {title}，共 {count} 份），已通知 {told} 位参会人员。",
    "meeting_material.finished": "材料添加完毕，现有 {count} 份。",
    "meeting_material.timeout": "添加会议材料已超时结束。如需补充，请重新发送 /material 会议编号。",
    "meeting_material.too_large": "文件“{name}”超过 {limit_mb} MB，无法作为会议材料。请压缩或拆分后再发送。",
    "meeting_material.closed": "会议 #{id} 已取消或已结束，不能再添加材料。",
    "meeting_material.added_notice": (
        "📎 会议材料更新：{title}（{date} {start}，{place}）新增材料“{file}”。"
        "请按下方按钮查看。"
    ),
    "meeting_material.none": "暂无会议材料",
    "meeting_material.caption": "📎 {title} · 会议材料 {n}/{total}",
    "meeting_material.send_failed": "材料“{name}”暂时无法发送，请联系会议组织者。",
    "cmd.material": "（会议组织者）补充会议材料：/material 会议编号",
    # 日历文件
    "meeting_ics.description": "组织：{organiser}\n备注：{notes}\n会议编号：#{id}",
    "meeting_ics.caption": "📅 {title}：打开此文件即可加入手机日历。",
    "meeting_ics.not_scheduled": "会议 #{id} {status}，不再提供日历文件。",
    # 我的会议
    "meeting_list.head": "<b>近期会议</b>（{count} 个）",
    "meeting_list.empty": "近期没有您的会议。",
    "meeting_list.line": "#{id} {date} {start} {title} · {place}{answer}{counts}",
    "meeting_list.answer": " · 我的回执：{response}",
    "meeting_list.counts": " · 参加 {attend} · 请假 {leave} · 委托 {delegate} · 未回复 {none}",
}

EN: dict[str, str] = {
    # calling a meeting
    "meeting_create.usage": (
        "Usage: /meeting title | time | place | attendees [| length | notes]\n"
        "e.g. <code>/meeting 党委会 | friday 3pm | Room 301 | 班子成员 | 90 min</code>\n"
        "Attendees: everyone (全体), leaders (班子成员), a department or names, separated by "
        "、 or commas.\n"
        "Send /meeting alone to fill it in step by step (with materials)."
    ),
    "meeting_create.ask_title": "What is the meeting called? e.g. 党委会. Send /cancel to stop at any time.",
    "meeting_create.ask_time": "When does it start? e.g. friday 3pm, 周五下午3点, 12月1日 14:30.",
    "meeting_create.confirm_time": "Start: {date} {start}. Is that right?",
    "meeting_create.ask_duration": "How long will it take? Choose, or type it (e.g. 90 min, 1.5h).",
    "meeting_create.ask_place": "Where? e.g. Room 301.",
    "meeting_create.ask_invitees": (
        "Who is invited? Everyone (全体), leaders (班子成员), a department or names, "
        "separated by 、 or commas.\nDepartments: {departments}"
    ),
    "meeting_create.ask_files": (
        "{count} attendees: {names}.\n"
        "Send the meeting materials now if there are any (several files are fine), then "
        "press Done; otherwise press Skip."
    ),
    "meeting_create.files_hint": "Send the material files, or press Done to go on.",
    "meeting_create.file_kept": "Got {name} ({count} so far). Send more, or press Done.",
    "meeting_create.ask_notes": "Any notes (e.g. bring a notebook)? Otherwise press Skip.",
    "meeting_create.word_skip": "skip|none|no|-|跳过|无",
    "meeting_create.word_done": "done|finished|完成",
    "meeting_create.timeout": "The meeting notice timed out and was not sent. Send /meeting to start again.",
    "meeting_create.card": (
        "<b>Please confirm the meeting notice</b>\n"
        "Meeting: {title}\nTime: {date} {start}–{end} ({duration})\nPlace: {place}\n"
        "Attendees: {count} ({names})\nMaterials: {materials}\nNotes: {notes}"
    ),
    "meeting_create.names_more": "{names} and others, {count} in all",
    "meeting_create.len_minutes": "{minutes} min",
    "meeting_create.len_hours": "{hours} h",
    "meeting_create.len_hours_minutes": "{hours} h {minutes} min",
    "meeting_create.clash_duty": "⚠️ {name} is on duty then ({kind})",
    "meeting_create.clash_meeting": "⚠️ {name} has another meeting then: {title} ({start})",
    "meeting_create.created": (
        "✅ Meeting notice sent (#{id}) to {count} people.\n"
        "{title} · {date} {start} · {place} · {materials} material(s)\n"
        "Answers: /meeting {id}   Add materials: /material {id}"
    ),
    "meeting_create.dropped": "Cancelled; no notice was sent.",
    "meeting_create.draft_gone": "This card is no longer valid (done or expired). Send /meeting again.",
    "btn.mtg_create_send": "✅ Send notice",
    "btn.mtg_create_cancel": "✖ Cancel",
    "btn.mtg_create_skip": "Skip",
    "btn.mtg_create_done": "Done",
    "btn.mtg_create_time_ok": "✅ Right",
    "btn.mtg_create_time_again": "✏️ Change",
    # materials
    "meeting_material.usage": "Usage: /material meeting-number, then send the files. Or send a file captioned “#meeting-number”.",
    "meeting_material.ask": "Send the material files for #{id} {title} ({count} so far); several are fine, then press Done.",
    "meeting_material.hint": "Send the material files, or press Done to finish.",
    "meeting_material.added": "✅ Added {name} (#{id} {title}, {count} in all).",
    "meeting_material.added_told": "✅ Added {name} (#{id} {title}, {count} in all); {told} attendees told.",
    "meeting_material.finished": "Done: {count} material(s) now.",
    "meeting_material.timeout": "Adding materials timed out. Send /material meeting-number to add more.",
    "meeting_material.too_large": "“{name}” is larger than {limit_mb} MB and cannot be a meeting material. Compress or split it.",
    "meeting_material.closed": "Meeting #{id} is cancelled or over; no more materials can be added.",
    "meeting_material.added_notice": (
        "📎 New material for {title} ({date} {start}, {place}): “{file}”. "
        "Press the button below to get it."
    ),
    "meeting_material.none": "No materials yet",
    "meeting_material.caption": "📎 {title} · material {n}/{total}",
    "meeting_material.send_failed": "“{name}” cannot be sent just now; please ask the organiser.",
    "cmd.material": "(organisers) Add meeting materials: /material meeting-number",
    # calendar file
    "meeting_ics.description": "Organiser: {organiser}\nNotes: {notes}\nMeeting #{id}",
    "meeting_ics.caption": "📅 {title}: open this file to add it to your calendar.",
    "meeting_ics.not_scheduled": "Meeting #{id} is {status}; no calendar file.",
    # my meetings
    "meeting_list.head": "<b>Coming meetings</b> ({count})",
    "meeting_list.empty": "You have no coming meetings.",
    "meeting_list.line": "#{id} {date} {start} {title} · {place}{answer}{counts}",
    "meeting_list.answer": " · my answer: {response}",
    "meeting_list.counts": " · attending {attend} · leave {leave} · delegated {delegate} · no reply {none}",
}
