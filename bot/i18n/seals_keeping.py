"""Strings of the seal keeper's side: the stamping record, the take-out (hand-over, return,
reminders), the keeper's queue and the ledger (用印登记簿). Telegram HTML; parameters are
escaped by t().

Notices about one request get SealService's view params (id, seal, title, copies, applicant,
department, use, ...) plus: keeper, at, stamped (copies actually stamped), serial (the ledger
number "2026-3"), back (return time), days (working days overdue), approved.
"""

ZH: dict[str, str] = {
    # refusals
    "seal_keeping.not_keeper": "您不是 {seal} 的保管人，不能登记用印。",
    "seal_keeping.already_stamped": "用印申请 #{id} 已于 {at} 由 {name} 登记，无需重复登记。",
    "seal_keeping.already_out": "用印申请 #{id} 的印章已于 {at} 由 {name} 登记借出，归还时请登记归还。",
    "seal_keeping.not_out": "用印申请 #{id} 的印章尚未借出，不能登记归还。",
    "seal_keeping.not_approved": "用印申请 #{id} {state}，未经批准不能用印。",
    "seal_keeping.takeout_use_handover": "用印申请 #{id} 为外带用印，请先登记借出，归还时登记用印情况。",
    "seal_keeping.not_takeout": "用印申请 #{id} 为在办公室用印，请直接登记用印。",
    "seal_keeping.second_takeout": "{seal} 已借出（{borrower}，应于 {back} 归还），归还后才能再次借出。",
    "seal_keeping.seal_out": "{seal} 已借出（{borrower}，应于 {back} 归还），归还后才能用印。",
    "seal_keeping.stale": "该申请刚刚有了变化，请查看最新状态。",
    "seal_keeping.return_passed": (
        "用印申请 #{id} 约定的归还时间 {back} 已过，不能再借出印章。请申请人重新提交申请；"
        "本申请可按“作废”关闭。"),
    "seal_keeping.voided": "用印申请 #{id} 已于 {at} 由 {name} 作废（{reason}），不能再用印。",
    "seal_keeping.void_forbidden": "只有申请人、该印章的保管人或管理员可以作废用印申请。",
    "seal_keeping.void_pending": "用印申请 #{id} 尚在审批中，无需作废，申请人可直接撤回。",
    "seal_keeping.void_out": "用印申请 #{id} 的印章已借出，不能作废；归还时请登记归还。",
    "seal_keeping.void_closed": "用印申请 #{id} {state}，不能作废。",
    "seal_keeping.void_reason_empty": "请填写作废原因。",
    "seal_keeping.void_reason_too_long": "作废原因不能超过 {limit} 个字。",
    "seal_keeping.void_usage": (
        "作废已批准、尚未用印的申请：/seals void 编号 原因\n例如：/seals void 12 文件内容有变，重新申请"),
    "seal_keeping.save_failed": "⚠️ 登记未能保存（系统出错），尚未记录。请按“重试”再试一次；仍不行请联系管理员。",
    "seal_keeping.copies_invalid": "实际用印份数应为正整数（1～{copies}），请重新输入。",
    "seal_keeping.copies_too_many": "实际用印份数不能超过批准的 {copies} 份，请重新输入。",
    "seal_keeping.time_unparsed": "无法识别时间“{text}”。请输入如：10:30、今天上午10点，或按“现在”。",
    "seal_keeping.time_future": "{at} 还未到，请输入已经过去的时间，或按“现在”。",
    "seal_keeping.time_before_approval": "{at} 早于批准时间 {earliest}，未经批准不能用印。请重新输入。",
    "seal_keeping.time_before_handover": "{at} 早于借出时间 {earliest}，请重新输入归还时间。",
    "seal_keeping.photo_invalid": "照片无法保存，请重新发送，或按“跳过”。",
    "seal_keeping.queue_forbidden": "您不是印章保管人，没有待登记的用印事项。",
    "seal_keeping.ledger_forbidden": "用印登记簿仅限党政办人员、印章保管人和镇领导查看。",
    "seal_keeping.ledger_usage": (
        "查看用印登记簿：/seals ledger 2026-11\n"
        "可按印章、部门筛选：/seals ledger 2026-11 党政办公室印章 党政办"),
    "seal_keeping.ledger_unknown_name": (
        "找不到名为“{name}”的印章或部门。\n印章：{seals}\n部门：{departments}"),
    "seal_keeping.ledger_unknown_dept": "找不到名为“{name}”的部门。",
    "seal_keeping.ledger_empty": "{title}：暂无用印记录。",
    # the conversation
    "seal_keeping.ask_copies": (
        "🔏 登记用印 #{id}：{seal}\n文件：{title}，批准 {copies} 份。\n"
        "请选择或输入实际用印份数："),
    "seal_keeping.ask_return_copies": (
        "📥 登记归还 #{id}：{seal}（{applicant} 外带）\n文件：{title}，批准 {copies} 份。\n"
        "请选择或输入实际用印份数："),
    "seal_keeping.ask_time": "实际用印 {stamped} 份。用印时间？按“现在”，或输入时间，如：10:30、今天上午10点。",
    "seal_keeping.ask_return_time": "实际用印 {stamped} 份。归还时间？按“现在”，或输入时间，如：16:30、今天下午4点半。",
    "seal_keeping.ask_photo": "时间：{at}。如需留存，请发送盖章页照片；不需要请按“跳过”。",
    "seal_keeping.photo_hint": "请发送盖章页照片（图片或文件），或按“跳过”。",
    "seal_keeping.done_stamped": "✅ 已登记用印 #{id}「{title}」：{stamped} 份，{at}。用印登记簿第 {serial} 号。",
    "seal_keeping.done_handed": "📤 已登记借出 #{id}：{seal} 由 {applicant} 带出，应于 {back} 前归还（用印登记簿第 {serial} 号）。归还时请按“登记归还”。",
    "seal_keeping.done_returned": "✅ 已登记归还 #{id}：{seal} 已于 {at} 归还，实际用印 {stamped} 份。用印登记簿第 {serial} 号。",
    "seal_keeping.photo_kept": "已留存盖章页照片。",
    "seal_keeping.timeout": "用印登记已超时未完成，未作记录。如需登记，请重新按“登记用印”。",
    # voiding
    "seal_keeping.ask_void_reason": (
        "请输入作废用印申请 #{id}「{title}」（{applicant}）的原因，申请人和印章保管人将看到该原因。\n"
        "发送 /cancel 取消，申请不作处理。"),
    "seal_keeping.ask_void_again": "请重新输入作废原因，或发送 /cancel 取消。",
    "seal_keeping.done_voided": "🚫 已作废用印申请 #{id}「{title}」，不能再凭此申请用印。",
    "seal_keeping.void_timeout": "未收到作废原因，用印申请 #{id} 未作处理。",
    # what the keeper cards show after a record
    "seal_keeping.line.stamped": "🔏 已用印：{name} {at} 登记，实际用印 {stamped} 份（登记簿第 {serial} 号）",
    "seal_keeping.line.handed": "📤 已借出：{name} {at} 交 {borrower} 带出，应于 {back} 归还（登记簿第 {serial} 号）",
    "seal_keeping.line.returned": "📥 已归还：{name} {at} 登记，实际用印 {stamped} 份（登记簿第 {serial} 号）",
    "seal_keeping.line.voided": "🚫 已作废：{name} {at}，原因：{reason}",
    # the applicant's notices
    "seal_keeping.note_stamped": "🔏 用印申请 #{id}「{title}」已用印：{seal} {stamped} 份，{at}，保管人 {keeper}。",
    "seal_keeping.note_handed": (
        "📤 {seal} 已借给您外带用印（#{id}「{title}」），{keeper} {at} 交出。"
        "请于 {back} 前归还党政办。"),
    "seal_keeping.note_returned": "📥 {seal} 已于 {at} 归还（#{id}「{title}」），实际用印 {stamped} 份，保管人 {keeper}。谢谢！",
    "seal_keeping.note_voided": "🚫 用印申请 #{id}「{title}」（{seal}）已由 {name} 于 {at} 作废。原因：{reason}",
    # reminders
    "seal_keeping.return_remind": "⏰ 请于 {back} 前将 {seal} 归还党政办（用印申请 #{id}「{title}」，保管人 {keeper}）。",
    "seal_keeping.return_overdue": "⚠️ {seal} 应于 {back} 归还，现已超时。请尽快归还党政办（保管人 {keeper}）。",
    "seal_keeping.return_overdue_keeper": "⚠️ {applicant} 借出的 {seal}（#{id}）应于 {back} 归还，现已超时未还。归还后请登记。",
    "seal_keeping.chase": "⚠️ 催还：{seal} 应于 {back} 归还，已超期 {days} 个工作日。请立即归还党政办（保管人 {keeper}）。",
    "seal_keeping.chase_keeper": "⚠️ 催还（抄送）：{applicant} 借出的 {seal}（#{id}）应于 {back} 归还，已超期 {days} 个工作日，尚未归还。",
    "seal_keeping.unstamped": (
        "⏰ 用印申请 #{id} 已于 {approved} 批准，尚未登记用印：{applicant}（{department}），"
        "{seal}，{title}（{copies} 份）。用印后请登记。"),
    "seal_keeping.unstamped_takeout": (
        "⏰ 外带用印申请 #{id} 已于 {approved} 批准，尚未登记借出：{applicant}（{department}），"
        "{seal}，{title}（{copies} 份），应于 {back} 前归还。交出印章时请登记借出；不再使用请作废。"),
    # the queue
    "seal_keeping.queue_head": "🔏 <b>待登记的用印</b>（{count} 项）",
    "seal_keeping.queue_empty": "目前没有待用印或待归还的事项。",
    "seal_keeping.queue_item.stamp": "#{id} {seal}｜{title}（{copies} 份）｜{applicant}（{department}）｜{approved} 批准",
    "seal_keeping.queue_item.handover": "#{id} {seal}｜外带：{title}（{copies} 份）｜{applicant}（{department}）｜应于 {back} 归还",
    "seal_keeping.queue_item.return": "#{id} {seal}｜已借出：{applicant} {handed} 带出，应于 {back} 归还{late}",
    "seal_keeping.queue_late": " ⚠️已超时",
    "seal_keeping.queue_other": "（非您保管）",
    "btn.sealk_stamp_one": "🔏 登记用印 #{id}",
    "btn.sealk_handover_one": "📤 登记借出 #{id}",
    "btn.sealk_return_one": "📥 登记归还 #{id}",
    "btn.sealk_return": "📥 登记归还",
    "btn.sealk_now": "现在",
    "btn.sealk_skip": "跳过",
    "btn.sealk_copies": "{copies} 份",
    "btn.sealk_export": "📊 导出 Excel",
    "btn.sealk_retry": "🔁 重试",
    "word.sealk_skip": "跳过|不用|无",
    "word.sealk_now": "现在|刚才",
    "seal_keeping.toast_handed": "已登记借出。",
    # the ledger
    "seal_keeping.ledger_title": "用印登记簿 {year}年{month}月",
    "seal_keeping.ledger_scope": "（{scope}）",
    "seal_keeping.ledger_head": "📒 <b>{title}</b>，共 {count} 条",
    "seal_keeping.ledger_line": (
        "{serial}. {date}｜{title}｜{purpose}｜{copies}｜申请人 {applicant}｜"
        "审批 {approvers}｜保管 {keeper}"),
    "seal_keeping.ledger_copies": "{copies} 份",
    "seal_keeping.ledger_copies_out": "份数待归还后登记",
    "seal_keeping.ledger_takeout": "｜外带：{place}｜{returned}",
    "seal_keeping.ledger_returned": "{at} 归还",
    "seal_keeping.ledger_not_returned": "未归还",
    "seal_keeping.ledger_headers": "序号|日期|文件名称|用印事由|份数|申请人|审批人|保管人|印章|部门|归还",
    "seal_keeping.ledger_filename": "用印登记簿_{period}.xlsx",
    "seal_keeping.ledger_sent": "{title}，共 {count} 条。",
}

EN: dict[str, str] = {
    "seal_keeping.not_keeper": "You are not a keeper of {seal}; you cannot record its use.",
    "seal_keeping.already_stamped": "Seal request #{id} was already recorded by {name} at {at}; nothing more to do.",
    "seal_keeping.already_out": "The seal of request #{id} was handed over by {name} at {at}; record the return when it is back.",
    "seal_keeping.not_out": "The seal of request #{id} has not been handed over; there is no return to record.",
    "seal_keeping.not_approved": "Seal request #{id} is {state}; no seal is used without approval.",
    "seal_keeping.takeout_use_handover": "Request #{id} takes the seal out: record the hand-over first, and the use when it comes back.",
    "seal_keeping.not_takeout": "Request #{id} is stamped in the office: record the stamping directly.",
    "seal_keeping.second_takeout": "{seal} is out ({borrower}, due back {back}); it cannot be handed over again until it is back.",
    "seal_keeping.seal_out": "{seal} is out ({borrower}, due back {back}); it cannot be used until it is back.",
    "seal_keeping.stale": "This request has just changed; please look at its current state.",
    "seal_keeping.return_passed": (
        "Seal request #{id} was to be back by {back}, which has passed: the seal cannot be "
        "handed over on it. The applicant should apply again; this request can be closed "
        "with “Void”."),
    "seal_keeping.voided": "Seal request #{id} was voided by {name} at {at} ({reason}); no seal may be used on it.",
    "seal_keeping.void_forbidden": "Only the applicant, a keeper of the seal or an admin can void a seal request.",
    "seal_keeping.void_pending": "Seal request #{id} is still pending approval; the applicant can simply withdraw it.",
    "seal_keeping.void_out": "The seal of request #{id} is out, so it cannot be voided; record the return when it is back.",
    "seal_keeping.void_closed": "Seal request #{id} is {state}; it cannot be voided.",
    "seal_keeping.void_reason_empty": "Please give the reason for voiding.",
    "seal_keeping.void_reason_too_long": "The reason may be at most {limit} characters.",
    "seal_keeping.void_usage": (
        "Void an approved request not yet stamped: /seals void number reason\n"
        "Example: /seals void 12 the document changed, applying again"),
    "seal_keeping.save_failed": "⚠️ The record could not be saved (a system error); nothing is recorded yet. Press “Retry” to try again; if it still fails, ask an admin.",
    "seal_keeping.copies_invalid": "The copies stamped must be a whole number from 1 to {copies}; please type it again.",
    "seal_keeping.copies_too_many": "No more than the number approved ({copies}) may be stamped; please type it again.",
    "seal_keeping.time_unparsed": "Cannot read the time “{text}”. Type e.g. 10:30, today 10am, or press “Now”.",
    "seal_keeping.time_future": "{at} has not come yet; give a time already past, or press “Now”.",
    "seal_keeping.time_before_approval": "{at} is before the approval at {earliest}; no seal is used without approval. Please type it again.",
    "seal_keeping.time_before_handover": "{at} is before the hand-over at {earliest}; please give the return time again.",
    "seal_keeping.photo_invalid": "The photo cannot be kept; send it again or press “Skip”.",
    "seal_keeping.queue_forbidden": "You keep no seal, so there is nothing for you to record.",
    "seal_keeping.ledger_forbidden": "The seal register is for the office clerks, the seal keepers and the leaders.",
    "seal_keeping.ledger_usage": (
        "The seal register: /seals ledger 2026-11\n"
        "Filter by seal and/or department: /seals ledger 2026-11 党政办公室印章 党政办"),
    "seal_keeping.ledger_unknown_name": (
        "No seal or department is called “{name}”.\nSeals: {seals}\nDepartments: {departments}"),
    "seal_keeping.ledger_unknown_dept": "No department is called “{name}”.",
    "seal_keeping.ledger_empty": "{title}: no seal use recorded.",
    "seal_keeping.ask_copies": (
        "🔏 Record stamping #{id}: {seal}\nDocument: {title}; copies approved: {copies}.\n"
        "Pick or type the copies actually stamped:"),
    "seal_keeping.ask_return_copies": (
        "📥 Record return #{id}: {seal} (taken out by {applicant})\nDocument: {title}; "
        "copies approved: {copies}.\nPick or type the copies actually stamped:"),
    "seal_keeping.ask_time": "Copies stamped: {stamped}. When? Press “Now”, or type a time, e.g. 10:30, today 10am.",
    "seal_keeping.ask_return_time": "Copies stamped: {stamped}. When did it come back? Press “Now”, or type a time, e.g. 16:30.",
    "seal_keeping.ask_photo": "Time: {at}. Send a photo of the stamped page to keep it, or press “Skip”.",
    "seal_keeping.photo_hint": "Send a photo of the stamped page (picture or file), or press “Skip”.",
    "seal_keeping.done_stamped": "✅ Stamping of #{id} \"{title}\" recorded: copies: {stamped}, {at}. Register no. {serial}.",
    "seal_keeping.done_handed": "📤 Hand-over of #{id} recorded: {seal} taken out by {applicant}, due back {back} (register no. {serial}). Press “Record return” when it is back.",
    "seal_keeping.done_returned": "✅ Return of #{id} recorded: {seal} back at {at}, copies stamped: {stamped}. Register no. {serial}.",
    "seal_keeping.photo_kept": "The photo of the stamped page is kept.",
    "seal_keeping.timeout": "The stamping record timed out; nothing was recorded. Press the button again to record it.",
    "seal_keeping.ask_void_reason": (
        "Please type the reason for voiding seal request #{id} \"{title}\" ({applicant}); the "
        "applicant and the seal keepers will see it.\nSend /cancel to leave the request as it is."),
    "seal_keeping.ask_void_again": "Please type the reason again, or send /cancel.",
    "seal_keeping.done_voided": "🚫 Seal request #{id} \"{title}\" is voided; no seal may be used on it.",
    "seal_keeping.void_timeout": "No reason came, so seal request #{id} is left as it was.",
    "seal_keeping.line.stamped": "🔏 Stamped: recorded by {name} at {at}, copies: {stamped} (register no. {serial})",
    "seal_keeping.line.handed": "📤 Out: handed by {name} at {at} to {borrower}, due back {back} (register no. {serial})",
    "seal_keeping.line.returned": "📥 Returned: recorded by {name} at {at}, copies: {stamped} (register no. {serial})",
    "seal_keeping.line.voided": "🚫 Voided by {name} at {at}, reason: {reason}",
    "seal_keeping.note_stamped": "🔏 Seal request #{id} \"{title}\" is stamped: {seal}, copies: {stamped}, {at}, keeper {keeper}.",
    "seal_keeping.note_handed": (
        "📤 {seal} is handed to you for use outside (#{id} \"{title}\") by {keeper} at {at}. "
        "Please return it to the office by {back}."),
    "seal_keeping.note_returned": "📥 {seal} was returned at {at} (#{id} \"{title}\"), copies stamped: {stamped}, keeper {keeper}. Thank you!",
    "seal_keeping.note_voided": "🚫 Seal request #{id} \"{title}\" ({seal}) was voided by {name} at {at}. Reason: {reason}",
    "seal_keeping.return_remind": "⏰ Please return {seal} to the office by {back} (seal request #{id} \"{title}\", keeper {keeper}).",
    "seal_keeping.return_overdue": "⚠️ {seal} was due back at {back} and is overdue. Please return it to the office now (keeper {keeper}).",
    "seal_keeping.return_overdue_keeper": "⚠️ {seal} taken out by {applicant} (#{id}) was due back at {back} and is not back. Record the return when it is.",
    "seal_keeping.chase": "⚠️ Reminder: {seal} was due back at {back}, {days} working day(s) overdue. Please return it to the office at once (keeper {keeper}).",
    "seal_keeping.chase_keeper": "⚠️ Reminder (copy): {seal} taken out by {applicant} (#{id}) was due back at {back}, {days} working day(s) overdue, and is not back.",
    "seal_keeping.unstamped": (
        "⏰ Seal request #{id} was approved at {approved} and its stamping is not recorded: "
        "{applicant} ({department}), {seal}, {title} (copies: {copies}). Record it once done."),
    "seal_keeping.unstamped_takeout": (
        "⏰ Take-out seal request #{id} was approved at {approved} and no hand-over is recorded: "
        "{applicant} ({department}), {seal}, {title} (copies: {copies}), due back {back}. "
        "Record the hand-over when the seal leaves; void it if it is not needed."),
    "seal_keeping.queue_head": "🔏 <b>Seal use to record</b> ({count})",
    "seal_keeping.queue_empty": "Nothing waits to be stamped or returned.",
    "seal_keeping.queue_item.stamp": "#{id} {seal} | {title} (copies: {copies}) | {applicant} ({department}) | approved {approved}",
    "seal_keeping.queue_item.handover": "#{id} {seal} | to take out: {title} (copies: {copies}) | {applicant} ({department}) | due back {back}",
    "seal_keeping.queue_item.return": "#{id} {seal} | out: {applicant} since {handed}, due back {back}{late}",
    "seal_keeping.queue_late": " ⚠️ overdue",
    "seal_keeping.queue_other": " (not your seal)",
    "btn.sealk_stamp_one": "🔏 Record stamping #{id}",
    "btn.sealk_handover_one": "📤 Record hand-over #{id}",
    "btn.sealk_return_one": "📥 Record return #{id}",
    "btn.sealk_return": "📥 Record return",
    "btn.sealk_now": "Now",
    "btn.sealk_skip": "Skip",
    "btn.sealk_copies": "Copies: {copies}",
    "btn.sealk_export": "📊 Export Excel",
    "btn.sealk_retry": "🔁 Retry",
    "word.sealk_skip": "skip|none|no",
    "word.sealk_now": "now|just now",
    "seal_keeping.toast_handed": "Hand-over recorded.",
    "seal_keeping.ledger_title": "Seal use register {year}-{month:0>2}",
    "seal_keeping.ledger_scope": " ({scope})",
    "seal_keeping.ledger_head": "📒 <b>{title}</b>, {count} entries",
    "seal_keeping.ledger_line": (
        "{serial}. {date} | {title} | {purpose} | {copies} | applicant {applicant} | "
        "approved by {approvers} | keeper {keeper}"),
    "seal_keeping.ledger_copies": "copies: {copies}",
    "seal_keeping.ledger_copies_out": "copies: recorded when back",
    "seal_keeping.ledger_takeout": " | taken out: {place} | {returned}",
    "seal_keeping.ledger_returned": "back {at}",
    "seal_keeping.ledger_not_returned": "not returned",
    "seal_keeping.ledger_headers": "No.|Date|Document|Purpose|Copies|Applicant|Approved by|Keeper|Seal|Department|Returned",
    "seal_keeping.ledger_filename": "seal-register_{period}.xlsx",
    "seal_keeping.ledger_sent": "{title}, {count} entries.",
}
