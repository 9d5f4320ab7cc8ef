"""English. Telegram HTML; parameters such as {name} are escaped by t()."""

MESSAGES: dict[str, str] = {
    "list.sep": ", ",
    "error.forbidden": "You are not allowed to do that.",
    "error.internal": (
        "Something went wrong. Please try again; if it persists, give the admins incident "
        "number {incident}."
    ),
    "error.unknown_role": (
        "Unknown role “{role}”. Use: leader, clerk, seal_keeper, admin, staff "
        "(or 领导, 办公室, 印章管理员, 管理员, 工作人员)."
    ),
    "error.too_long": "“{field}” is too long: at most {limit} characters.",
    "access.unregistered": (
        "Hello. You are not registered for this bot yet; please ask the office for an "
        "invitation link."
    ),
    "callback.stale": "This button is no longer valid. Please use the latest message.",
    "fallback.unknown": "Sorry, I did not understand. Use the menu below, or send /help.",
    "fallback.unsupported": "I cannot handle this kind of message. Use the menu below, or send /help.",
    "fallback.unknown_command": "There is no such command. Send /help to see what I can do.",
    "cancel.nothing": "There is nothing in progress to cancel.",
    "cancel.done": "Cancelled; nothing was changed.",
    "word.help": "help|menu",
    "cmd.start": "Start / register",
    "cmd.menu": "Show the menu of everyday actions",
    "cmd.whoami": "My registration",
    "cmd.lang": "Language (中文 / English)",
    "cmd.help": "How to use the bot",
    "cmd.cancel": "Cancel the current action",
    "cmd.invite": "(admin) Register a person and make an invitation link",
    "cmd.people": "(admin) List of people",
    "cmd.deactivate": "(admin) Deactivate a person",
    "cmd.holiday": "(admin) Holidays and make-up workdays",
    "menu.whoami": "👤 My info",
    "menu.help": "❓ Help",
    "menu.lang": "🌐 Language",
    "menu.shown": "The everyday actions are shown below the input field.",
    "role.staff": "staff",
    "role.leader": "leader",
    "role.clerk": "clerk",
    "role.seal_keeper": "seal keeper",
    "role.admin": "admin",
    "start.welcome": (
        "Hello, {name}! This is the office assistant. Use the menu below, or send /help."
    ),
    "start.registered": "Registered: {name} ({department}).",
    "start.already": "You are already registered as {name}.",
    "start.code_unknown": "This invitation link is not valid. Please ask the office for a new one.",
    "start.code_used": "This invitation link has already been used. Please ask the office.",
    "start.code_replaced": "This invitation link was replaced by a newer one. Please use that.",
    "start.code_expired": "This invitation link has expired. Please ask the office for a new one.",
    "start.code_inactive": "This person has been deactivated and cannot register.",
    "start.account_bound": "Your account is already registered as {name}.",
    "whoami.card": (
        "<b>My registration</b>\nName: {name}\nDepartment: {department}\nTitle: {title}\n"
        "Phone: {phone}\nRoles: {roles}\nLanguage: {language}"
    ),
    "lang.choose": "请选择语言 / Choose a language:",
    "lang.set": "Language set to {language}.",
    "lang.usage": "Usage: /lang zh or /lang en",
    "lang.name.zh": "中文",
    "lang.name.en": "English",
    "help.staff": (
        "<b>How to use</b>\n"
        "/duty today's duty  /duty week  /duty 10月 a month\n"
        "/signin sign in  /signout sign out with handover  /log duty log\n"
        "/swap ask to swap a shift  /holidays coming holidays\n"
        "/tasks my tasks (assigned, overdue)  /progress report progress  /extend  /done submit\n"
        "/meetings my meetings  /checkin check in (answer a notice with its buttons)\n"
        "/seal ask to use a seal (approvers decide on the card)  /seals seals and their routes\n"
        "/whoami my registration  /lang language  /menu menu  /cancel cancel"
    ),
    "help.clerk": (
        "<b>How to use (clerks)</b>\n"
        "/roster add date person 带班 leader — add a shift (or send /roster, step by step)\n"
        "/roster set ID 值班|带班 NAME  /roster cancel ID  /roster export 2026-10\n"
        "Send the roster sheet (.xlsx) to import it\n"
        "/duty report 2026-11 — monthly duty attendance"
    ),
    "help.seals": (
        "<b>Seal register (keepers, clerks, leaders)</b>\n"
        "/seals queue to stamp, to come back  /seals ledger 2026-11 [seal] [department] — "
        "the seal ledger (Excel export)"
    ),
    "help.organiser": (
        "<b>Meetings (clerks, leaders)</b>\n"
        "/meeting title | time | place | invitees — call a meeting (or /meeting step by step)\n"
        "/meeting ID answers  /material ID add files  /venue ID preparation\n"
        "/meeting_move ID time  /meeting_place ID place  /meeting_cancel ID reason\n"
        "/meeting_invite, /meeting_uninvite ID people — change who is invited\n"
        "/minutes ID minutes  /decision ID text | owner | deadline  /meeting_series recurring\n"
        "<b>Supervised tasks (leaders, clerks)</b>\n"
        "/task title | owner | deadline [| 紧急] — hand a task down (or /task step by step)\n"
        "/task ID  /task_deadline, /task_reassign, /task_cancel  /decision_task decision ID\n"
        "/tasks overdue  /tasks dept NAME  /task_report supervision report"
    ),
    "help.admin": (
        "<b>How to use (admin)</b>\n"
        "/invite name | department | title | phone | roles — register a person and get a link\n"
        "Send the staff sheet (姓名, 部门, 职务, 电话, 角色) as .xlsx — register everyone, "
        "get the sheet back with links\n"
        "/people list of people\n/deactivate name — cut a person's access at once\n"
        "/dept_head department name — set a department's head\n"
        "/seals add name | keepers | route  /seals keepers|route|on|off — the seal registry\n"
        "/holiday holidays and make-up workdays\n/whoami my registration  /lang language"
    ),
    "people.invite_usage": (
        "Usage: /invite name | department | title | phone | roles\n"
        "e.g. /invite 张伟 | 党政办 | 干事 | 13800000006 | staff\n"
        "Roles: leader, clerk, seal_keeper, admin, staff; several separated by commas."
    ),
    "people.invite_done": (
        "Invitation link for <b>{name}</b> (single use, valid until {expires}):\n{link}\n"
        "Send it to that person only, never to a group."
    ),
    "people.unknown_name": "No person named “{name}”.",
    "people.ambiguous_name": "There are {count} people named “{name}”; check the list with /people.",
    "people.already_registered": "{name} is already registered.",
    "people.no_self_deactivate": "You cannot deactivate your own account.",
    "people.config_admin": "{name} is an admin in the config file; remove them from “admins” there first.",
    "people.unknown_department": "No department named “{name}”.",
    "people.dept_head_usage": "Usage: /dept_head DEPARTMENT NAME (tasks given to a department go to its head, and overdue ones are escalated to them)",
    "people.dept_head_set": "{name} is now the head of {department}.",
    "cmd.dept_head": "(admin) Set a department's head",
    "people.deactivate_usage": "Usage: /deactivate name",
    "people.deactivated": "{name} is deactivated and has lost access.",
    "people.list_head": "<b>People</b> ({total} in all, page {page}/{pages})",
    "people.list_line": "{name} · {department} · {title} · {roles} · {state}",
    "people.state_active": "registered",
    "people.state_unbound": "not registered",
    "people.state_inactive": "deactivated",
    "people.state_unreachable": "unreachable",
    "sheet.empty": "The sheet is empty: nothing to import.",
    "sheet.too_large": "The file is too large (limit {limit_mb} MB).",
    "sheet.not_xlsx": "Please send an Excel file (.xlsx). Save an .xls as .xlsx first.",
    "sheet.missing_columns": "The sheet lacks required columns: {columns}. Check the header row.",
    "import.row_no_name": "the name is empty",
    "import.row_no_department": "{name}: the department is empty",
    "import.row_duplicate": "{name} repeats row {other}",
    "import.row_exists": "{name} is already registered in the bot",
    "import.rejected": "The sheet has {count} problem(s); nothing was imported. Fix and resend:",
    "import.problem_line": "Row {row}: {reason}",
    "import.more_problems": "… and {count} more problem(s)",
    "import.more_rows": "… and {count} more",
    "import.staff_preview": (
        "<b>Staff sheet preview</b>: {count} people. Confirm to register them all and make "
        "their links."
    ),
    "import.staff_line": "Row {row}: {name} · {department} · {roles}",
    "import.staff_done": "Registered {count} people; their links are in the sheet below.",
    "import.staff_sheet_caption": "Staff sheet with invitation links; each link works once.",
    "import.discarded": "Import discarded; nothing was changed.",
    "import.gone": "This import cannot be found; please send the sheet again.",
    "import.not_yours": "Only the admin who sent this sheet can confirm it.",
    "import.already_done": "This sheet was already handled; nothing imported twice.",
    "import.changed": "The sheet no longer matches the records (row {row}); please resend it.",
    "btn.confirm_import": "✅ Import",
    "btn.discard": "✖ Discard",
    "notify.registered": "{name} ({department}) has registered.",
    "notify.unreachable": (
        "⚠️ Cannot reach {name} (phone {phone}): they blocked or deleted the bot. "
        "Please call them."
    ),
    "notify.calendar_missing": (
        "⚠️ The holiday calendar has no official arrangement for {year} yet: make-up "
        "workdays are missing. Enter them with /holiday once the State Council publishes "
        "them; until then the computable statutory holidays are used."
    ),
    "time.unparsed": "Cannot read the time “{text}”. Try: tomorrow 3pm, next monday 9am, Dec 1 14:30, in 3 days, 明天下午3点.",
    "time.past": "“{text}” is already past; please give a time in the future.",
    "time.ambiguous": "“{text}” is not precise enough; give a day and an hour, e.g. tomorrow 3pm.",
    "holiday.head": "<b>Coming holidays</b>",
    "holiday.period": "{name}: {start} to {end}, {days} days; make-up workdays: {makeup}{provisional}",
    "holiday.provisional": " (computed festivals only, official arrangement pending)",
    "holiday.missing": "⚠️ No official arrangement for {year} yet: make-up workdays are missing. Enter them day by day once published.",
    "holiday.overrides_head": "<b>Entered corrections</b>",
    "holiday.override_holiday": "{day} day off · {name}",
    "holiday.override_workday": "{day} workday · {name}",
    "holiday.usage": "Enter: /holiday date off|work|clear [name]\ne.g. /holiday 2027-10-06 off 国庆节  /holiday 2027-09-26 work 国庆节调休上班",
    "holiday.set_holiday": "Set: {day} is a day off ({name}), effective now.",
    "holiday.set_workday": "Set: {day} is a workday ({name}), effective now.",
    "holiday.cleared": "Correction for {day} removed; the holiday calendar applies again.",
    "holiday.nothing_to_clear": "There is no correction for {day} to remove.",
    "import.sheet_title": "Staff sheet with invitation links",
    "import.sheet_headers": "Sheet row|Name|Department|Title|Phone|Roles|Invitation link|Valid until",
    "import.sheet_note": "Each link works once: send it to that person only, never to a group.",
    "import.sheet_filename": "staff-invitation-links.xlsx",
    "weekday.0": "Mon",
    "weekday.1": "Tue",
    "weekday.2": "Wed",
    "weekday.3": "Thu",
    "weekday.4": "Fri",
    "weekday.5": "Sat",
    "weekday.6": "Sun",
    "date.full": "{weekday} {year}-{month}-{day}",
    "date.day": "{weekday} {month}/{day}",
}
