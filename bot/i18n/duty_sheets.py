"""Strings of the duty_sheets feature (Telegram HTML; parameters are escaped by t())."""

ZH: dict[str, str] = {
    # 导入
    "duty_sheets.unknown_sheet": (
        "表格缺少必需的列，无法识别。花名册需有：姓名、部门、角色；"
        "值班表需有：日期、班次、值班人员（可加 带班领导、联系电话、备注）。请检查表头。"
    ),
    "duty_sheets.not_yours": "只有发送该值班表的人可以确认导入。",
    "duty_sheets.row_no_date": "日期为空",
    "duty_sheets.row_bad_date": "无法识别日期“{text}”，请写作 10月1日 或 2026-10-01",
    "duty_sheets.row_weekday_mismatch": "{date} 是{weekday}，表中写的是“{written}”，请核对日期或年份",
    "duty_sheets.row_no_kind": "班次为空（可填：白班、夜班、全天）",
    "duty_sheets.row_duplicate": "{date} {kind} 与第 {other} 行重复",
    "duty_sheets.preview": (
        "<b>值班表预览</b>：{first} 至 {last}，共 {count} 个班次，涉及值班人员 {people} 人。"
        "确认后导入，并通知本人和带班领导。"
    ),
    "duty_sheets.preview_line": "第 {row} 行：{date}{kind} {start}–{end} · {person} · 带班 {leader}",
    "duty_sheets.more_rows": "……另有 {count} 个班次",
    "duty_sheets.imported": "已导入 {count} 个班次（{first} 至 {last}），已通知 {notified} 人。",
    "duty_sheets.notice_imported": "📋 您的值班安排（共 {count} 个班次，行末为带班领导）：\n{lines}",
    "duty_sheets.notice_imported_leader": "📋 您的带班安排（共 {count} 个班次，行末为值班人员）：\n{lines}",
    # 时段
    "duty_sheets.bad_period": (
        "无法识别时段“{text}”。可以这样写：2026-10、10月、本月、上月，"
        "或起止日期：2026-10-01 2026-10-07、10月1日至10月7日。"
    ),
    "duty_sheets.period_reversed": "结束日期 {end} 早于开始日期 {start}。",
    "duty_sheets.period_too_long": "时段过长，最多 {days} 天。",
    "duty_sheets.period_month": "{year}年{month}月",
    "duty_sheets.period_range": "{start} 至 {end}",
    # 导出
    "duty_sheets.kind.day": "白班",
    "duty_sheets.kind.night": "夜班",
    "duty_sheets.kind.full": "全天",
    "duty_sheets.export_title": "值班安排表（{period}）",
    "duty_sheets.export_headers": "日期|星期|班次|带班领导|值班人员|联系电话",
    "duty_sheets.export_note_header": "备注",
    "duty_sheets.export_note": (
        "注：白班 {day}，夜班 {night}（次日），全天 {full}（次日）。"
        "值班人员须按时到岗签到，严格执行领导带班制度。"
    ),
    "duty_sheets.export_filename": "值班表-{period}.xlsx",
    "duty_sheets.export_caption": "值班表（{period}），共 {count} 个班次。修改后发回即可重新导入。",
    "duty_sheets.export_empty": "{start} 至 {end} 没有值班安排。",
    # 考勤
    "duty_sheets.report_head": "<b>值班考勤 · {period}</b>（统计至 {as_of}）",
    "duty_sheets.report_totals": "共 {shifts} 班：按时签到 {on_time}，迟到 {late}，缺勤 {missed}，未到期 {pending}。",
    "duty_sheets.report_line": "{name}：{shifts} 班 · 按时 {on_time} · 迟到 {late} · 缺勤 {missed}",
    "duty_sheets.report_missed": "缺勤：{name} {shifts}",
    "duty_sheets.report_late": "迟到：{name} {shifts}",
    "duty_sheets.shift_short": "{month}月{day}日{kind}",
    "duty_sheets.report_total": "合计",
    "duty_sheets.report_title": "值班考勤统计（{period}）",
    "duty_sheets.report_headers": "姓名|部门|值班班次|按时签到|迟到|缺勤|未到期|迟到班次|缺勤班次",
    "duty_sheets.report_note": "注：缺勤指班次结束仍未签到；未到期指尚未结束且未签到。统计至 {as_of}。",
    "duty_sheets.report_filename": "值班考勤-{period}.xlsx",
    "duty_sheets.report_caption": "值班考勤统计（{period}）",
    "duty_sheets.report_empty": "{start} 至 {end} 没有值班班次，无考勤可统计。",
}

EN: dict[str, str] = {
    "duty_sheets.unknown_sheet": (
        "The sheet is missing required columns and cannot be recognised. A staff sheet needs: "
        "name, department, roles; a duty roster needs: date, shift, person on duty (optionally "
        "leader, phone, note). Please check the header row."
    ),
    "duty_sheets.not_yours": "Only the person who sent this roster can confirm the import.",
    "duty_sheets.row_no_date": "no date",
    "duty_sheets.row_bad_date": "cannot read the date “{text}”; write e.g. 2026-10-01 or 10月1日",
    "duty_sheets.row_weekday_mismatch": "{date} is a {weekday} but the sheet says “{written}”; check the date or year",
    "duty_sheets.row_no_kind": "no shift given (day, night or full)",
    "duty_sheets.row_duplicate": "{kind} on {date} repeats row {other}",
    "duty_sheets.preview": (
        "<b>Roster preview</b>: {first} to {last}, {count} shifts, {people} people on duty. "
        "Confirm to import; the people on duty and the duty leaders will be told."
    ),
    "duty_sheets.preview_line": "Row {row}: {date} {kind} {start}–{end} · {person} · leader {leader}",
    "duty_sheets.more_rows": "… and {count} more shift(s)",
    "duty_sheets.imported": "Imported {count} shifts ({first} to {last}); {notified} people told.",
    "duty_sheets.notice_imported": "📋 Your duty: {count} shift(s); the duty leader is at the end of each line:\n{lines}",
    "duty_sheets.notice_imported_leader": "📋 You are duty leader for {count} shift(s); the person on duty is at the end of each line:\n{lines}",
    "duty_sheets.bad_period": (
        "Cannot read the period “{text}”. Write e.g. 2026-10, 10月, this month, last month, "
        "or two dates: 2026-10-01 2026-10-07."
    ),
    "duty_sheets.period_reversed": "The end date {end} is before the start date {start}.",
    "duty_sheets.period_too_long": "The period is too long; at most {days} days.",
    "duty_sheets.period_month": "{year}-{month:0>2}",
    "duty_sheets.period_range": "{start} to {end}",
    "duty_sheets.kind.day": "day",
    "duty_sheets.kind.night": "night",
    "duty_sheets.kind.full": "full",
    "duty_sheets.export_title": "Duty roster ({period})",
    "duty_sheets.export_headers": "Date|Weekday|Shift|Leader|Person on duty|Phone",
    "duty_sheets.export_note_header": "Note",
    "duty_sheets.export_note": (
        "Note: day shift {day}, night shift {night} (next day), full {full} (next day). "
        "Sign in on time; the duty leader is responsible for the day."
    ),
    "duty_sheets.export_filename": "duty-roster-{period}.xlsx",
    "duty_sheets.export_caption": "Duty roster ({period}), {count} shifts. Edit it and send it back to import.",
    "duty_sheets.export_empty": "No duty is rostered from {start} to {end}.",
    "duty_sheets.report_head": "<b>Duty attendance · {period}</b> (as of {as_of})",
    "duty_sheets.report_totals": "{shifts} shifts: on time {on_time}, late {late}, missed {missed}, not over yet {pending}.",
    "duty_sheets.report_line": "{name}: {shifts} shifts · on time {on_time} · late {late} · missed {missed}",
    "duty_sheets.report_missed": "Missed: {name} {shifts}",
    "duty_sheets.report_late": "Late: {name} {shifts}",
    "duty_sheets.shift_short": "{month}/{day} {kind}",
    "duty_sheets.report_total": "Total",
    "duty_sheets.report_title": "Duty attendance ({period})",
    "duty_sheets.report_headers": "Name|Department|Shifts|On time|Late|Missed|Not over yet|Late shifts|Missed shifts",
    "duty_sheets.report_note": "Note: missed means the shift ended with no sign-in; not over yet means not ended and not signed in. As of {as_of}.",
    "duty_sheets.report_filename": "duty-attendance-{period}.xlsx",
    "duty_sheets.report_caption": "Duty attendance ({period})",
    "duty_sheets.report_empty": "No duty shifts from {start} to {end}: nothing to report.",
}
