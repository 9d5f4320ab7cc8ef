"""Strings of seals, the core: registry refusals, request fields, approval cards and the
applicant's notices (Telegram HTML; parameters are escaped by t()).

Request messages get SealService's view params: id, seal, title, doc_type, copies, purpose,
recipient, urgency, use (in the office, or taken out with place and return time), file,
applicant, department, status. Approval cards add step, steps, mode and history.
"""

ZH: dict[str, str] = {
    # the registry
    "seal.route_head": "部门负责人",
    "seal.route_step.one": "{names}",
    "seal.route_step.any": "{names}（或签）",
    "seal.route_step.all": "{names}（会签）",
    "seal.route_none": "未设置",
    "seal.route_usage": (
        "审批流程写法：各步之间用 &gt; 分隔，一步中多人“或签”用 /，“会签”用 +；"
        "“部门负责人”指申请人所在部门负责人。\n例如：部门负责人 &gt; 王建国/李明华"),
    "seal.route_repeated": "审批流程第 {step} 步中有重复的人员。",
    "seal.route_too_long": "审批流程最多 {limit} 步。",
    "seal.person_inactive": "{name} 已停用，不能担任保管人或审批人。",
    "seal.keepers_empty": "请至少填写一名印章保管人。",
    "seal.unknown_name": "找不到名为“{name}”的印章，发送 /seals 查看印章列表。",
    "seal.name_empty": "请填写印章名称。",
    "seal.name_too_long": "印章名称不能超过 {limit} 个字。",
    "seal.name_taken": "已有名为“{name}”的印章。",
    "seal.already_on": "{name} 已在启用状态。",
    "seal.already_off": "{name} 已停用。",
    "seal.unknown": "找不到该印章。",
    "seal.inactive": "{seal} 已停用，不能申请用印。如有需要请联系党政办。",
    # request fields
    "seal.title_empty": "文件名称不能为空，请输入文件名称。",
    "seal.title_too_long": "文件名称不能超过 {limit} 个字。",
    "seal.doc_type_unknown": "请选择文件类型：请示、报告、合同、证明、函、其他。",
    "seal.copies_invalid": "份数应为正整数（1～{limit}），如：3",
    "seal.copies_too_many": "一次用印最多 {limit} 份，超出请分次申请或联系党政办。",
    "seal.purpose_empty": "请填写用印事由。",
    "seal.purpose_too_long": "用印事由不能超过 {limit} 个字。",
    "seal.recipient_empty": "请填写文件报送（出具）单位。",
    "seal.recipient_too_long": "报送单位不能超过 {limit} 个字。",
    "seal.place_empty": "请填写外带用印地点。",
    "seal.place_too_long": "外带地点不能超过 {limit} 个字。",
    "seal.return_past": "归还时间应晚于现在，请重新输入，如：今天下午5点。",
    "seal.return_too_far": "外带印章最长 {days} 天，请重新输入归还时间。",
    "seal.file_too_big": "文件超过 {limit} MB，机器人无法接收。请压缩后再发，或发送“跳过”并将纸质文件交党政办。",
    "seal.file_empty": "文件是空的，请重新发送。",
    "seal.doc.request": "请示",
    "seal.doc.report": "报告",
    "seal.doc.contract": "合同",
    "seal.doc.certificate": "证明",
    "seal.doc.letter": "函",
    "seal.doc.other": "其他",
    "seal.urgency.normal": "普通",
    "seal.urgency.urgent": "紧急",
    "seal.use.office": "在办公室用印",
    "seal.use.takeout": "外带用印：{place}，{back} 前归还",
    "seal.no_file": "未附文件",
    "seal.status.pending": "审批中",
    "seal.status.approved": "已批准，待用印",
    "seal.status.out": "印章已借出",
    "seal.status.stamped": "已用印",
    "seal.status.rejected": "已驳回",
    "seal.status.withdrawn": "已撤回",
    "seal.status.voided": "已作废",
    "seal.not_yours": "您无权查看该用印申请。",
    "seal.no_file_attached": "该申请未附文件。",
    "seal.unknown_request": "找不到该用印申请。",
    # approval cards
    "btn.seal_approve": "✅ 批准",
    "btn.seal_reject": "❌ 驳回",
    "btn.seal_file": "📎 查看文件",
    "btn.seal_stamp": "🔏 登记用印",
    "btn.seal_handover": "📤 登记借出",
    "btn.seal_void": "🚫 作废",
    "seal.details": (
        "印章：{seal}\n文件：{title}（{doc_type}）\n份数：{copies} 份\n事由：{purpose}\n"
        "报送单位：{recipient}\n方式：{use}\n紧急程度：{urgency}\n附件：{file}"),
    "seal.card": (
        "🔏 <b>用印审批</b> #{id}（第 {step}/{steps} 步{mode}）\n"
        "申请人：{applicant}（{department}）\n{details}\n已审批：\n{history}{note}"),
    "seal.card_head_skipped": "\n⚠️ 申请人所在部门未设负责人，已略过该步（部门负责人审批）。",
    "seal.step_mode.one": "",
    "seal.step_mode.any": "，或签：一人批准即可",
    "seal.step_mode.all": "，会签：须全部批准",
    "seal.remind_pending": (
        "⏰ 用印申请 #{id} 等待您审批已超时：{applicant}（{department}）申请用 {seal}，"
        "文件：{title}（{copies} 份）。请及时审批。"),
    "seal.history_line": "{name} {at} {verdict} {comment}",
    "seal.history_none": "（无）",
    "seal.line.approved": "✅ {name} 已于 {at} 批准",
    "seal.line.rejected": "❌ {name} 已于 {at} 驳回：{reason}",
    "seal.line.withdrawn": "↩️ {name} 已于 {at} 撤回申请",
    "seal.line.reassigned": "🔁 {name} 已于 {at} 改由 {new} 审批",
    # approvers who have left
    "seal.stuck": (
        "⚠️ 用印申请 #{id}「{title}」（{applicant}，{seal}）停在第 {step} 步：审批人 {name} "
        "已停用，这一步没有其他人可以审批。\n请发送 /seals reassign {id} 新审批人姓名，改由他人审批。"),
    "seal.reassign_which": (
        "用印申请 #{id} 当前一步有多位审批人（{names}），请写明改派谁：\n"
        "/seals reassign {id} 原审批人 新审批人"),
    # the applicant's notices
    "seal.note_step": "用印申请 #{id}「{title}」：{name} 已批准，转 {next} 审批。",
    "seal.note_approved": (
        "✅ 用印申请 #{id}「{title}」已批准（{name}）。请持文件到党政办，由印章保管人登记用印。"),
    "seal.note_approved_takeout": (
        "✅ 用印申请 #{id}「{title}」已批准（{name}）。请到党政办领取 {seal}，由印章保管人登记借出，"
        "并于 {back} 前归还。"),
    "seal.note_reassigned": "用印申请 #{id}「{title}」的审批人已由 {old} 改为 {new}。",
    "seal.note_rejected": "❌ 用印申请 #{id}「{title}」被 {name} 驳回。理由：{reason}",
    "seal.keeper_card": (
        "🔏 <b>待用印</b> #{id}\n申请人：{applicant}（{department}）\n"
        "{details}\n审批：\n{history}\n用印后请按下方按钮登记。"),
    "seal.keeper_card_takeout": (
        "📤 <b>待借出</b> #{id}\n申请人：{applicant}（{department}）\n"
        "{details}\n审批：\n{history}\n交出印章时请按“登记借出”，归还时再登记用印份数。"),
}

EN: dict[str, str] = {
    "seal.route_head": "department head",
    "seal.route_step.one": "{names}",
    "seal.route_step.any": "{names} (any one)",
    "seal.route_step.all": "{names} (all)",
    "seal.route_none": "not set",
    "seal.route_usage": (
        "Route: separate steps with &gt;; in one step, / means any one of them, + means all "
        "of them; \"部门负责人\" (or \"head\") is the applicant's department head.\n"
        "Example: head &gt; 王建国/李明华"),
    "seal.route_repeated": "Step {step} of the route names someone twice.",
    "seal.route_too_long": "A route has at most {limit} steps.",
    "seal.person_inactive": "{name} is deactivated and cannot keep a seal or approve.",
    "seal.keepers_empty": "Please name at least one keeper.",
    "seal.unknown_name": "No seal is called \"{name}\"; send /seals for the list.",
    "seal.name_empty": "Please give the seal's name.",
    "seal.name_too_long": "A seal's name may be at most {limit} characters.",
    "seal.name_taken": "There is already a seal called \"{name}\".",
    "seal.already_on": "{name} is already active.",
    "seal.already_off": "{name} is already switched off.",
    "seal.unknown": "This seal was not found.",
    "seal.inactive": "{seal} is switched off and takes no requests. Please ask the office.",
    "seal.title_empty": "The document title cannot be empty; please type it.",
    "seal.title_too_long": "The title may be at most {limit} characters.",
    "seal.doc_type_unknown": "Please pick the document type: request, report, contract, certificate, letter, other.",
    "seal.copies_invalid": "The number of copies must be a whole number from 1 to {limit}, e.g. 3",
    "seal.copies_too_many": "Copies per request: at most {limit}; split it or ask the office.",
    "seal.purpose_empty": "Please give the purpose.",
    "seal.purpose_too_long": "The purpose may be at most {limit} characters.",
    "seal.recipient_empty": "Please give the recipient (who the document goes to).",
    "seal.recipient_too_long": "The recipient may be at most {limit} characters.",
    "seal.place_empty": "Please say where the seal is taken.",
    "seal.place_too_long": "The place may be at most {limit} characters.",
    "seal.return_past": "The return time must be later than now, e.g. today 5pm.",
    "seal.return_too_far": "A seal may be out for at most {days} days; please give another return time.",
    "seal.file_too_big": "The file is over {limit} MB, more than the bot can receive. Compress it, or send \"skip\" and bring the paper to the office.",
    "seal.file_empty": "The file is empty; please send it again.",
    "seal.doc.request": "request",
    "seal.doc.report": "report",
    "seal.doc.contract": "contract",
    "seal.doc.certificate": "certificate",
    "seal.doc.letter": "letter",
    "seal.doc.other": "other",
    "seal.urgency.normal": "normal",
    "seal.urgency.urgent": "urgent",
    "seal.use.office": "in the office",
    "seal.use.takeout": "taken out: {place}, back by {back}",
    "seal.no_file": "no file",
    "seal.status.pending": "pending approval",
    "seal.status.approved": "approved, to be stamped",
    "seal.status.out": "seal out",
    "seal.status.stamped": "stamped",
    "seal.status.rejected": "rejected",
    "seal.status.withdrawn": "withdrawn",
    "seal.status.voided": "voided",
    "seal.not_yours": "You may not see this seal request.",
    "seal.no_file_attached": "No file is attached to this request.",
    "seal.unknown_request": "This seal request was not found.",
    "btn.seal_approve": "✅ Approve",
    "btn.seal_reject": "❌ Reject",
    "btn.seal_file": "📎 View file",
    "btn.seal_stamp": "🔏 Record stamping",
    "btn.seal_handover": "📤 Record hand-over",
    "btn.seal_void": "🚫 Void",
    "seal.details": (
        "Seal: {seal}\nDocument: {title} ({doc_type})\nCopies: {copies}\nPurpose: {purpose}\n"
        "Recipient: {recipient}\nUse: {use}\nUrgency: {urgency}\nFile: {file}"),
    "seal.card": (
        "🔏 <b>Seal request</b> #{id} (step {step}/{steps}{mode})\n"
        "Applicant: {applicant} ({department})\n{details}\nDecided so far:\n{history}{note}"),
    "seal.card_head_skipped": "\n⚠️ The applicant's department has no head set; that step (department head) was skipped.",
    "seal.step_mode.one": "",
    "seal.step_mode.any": ", any one of them may approve",
    "seal.step_mode.all": ", all of them must approve",
    "seal.remind_pending": (
        "⏰ Seal request #{id} has been waiting for your decision: {applicant} ({department}), "
        "{seal}, {title} (copies: {copies}). Please decide."),
    "seal.history_line": "{name} {at} {verdict} {comment}",
    "seal.history_none": "(none)",
    "seal.line.approved": "✅ Approved by {name} at {at}",
    "seal.line.rejected": "❌ Rejected by {name} at {at}: {reason}",
    "seal.line.withdrawn": "↩️ Withdrawn by {name} at {at}",
    "seal.line.reassigned": "🔁 Handed to {new} by {name} at {at}",
    "seal.stuck": (
        "⚠️ Seal request #{id} \"{title}\" ({applicant}, {seal}) is stuck at step {step}: "
        "approver {name} is deactivated and nobody else can decide this step.\n"
        "Send /seals reassign {id} new-approver's-name to hand it to someone else."),
    "seal.reassign_which": (
        "The step waiting on seal request #{id} has several approvers ({names}); say whom "
        "to replace:\n/seals reassign {id} old-approver new-approver"),
    "seal.note_step": "Seal request #{id} \"{title}\": approved by {name}, now with {next}.",
    "seal.note_approved": (
        "✅ Seal request #{id} \"{title}\" is approved ({name}). Bring the document to the "
        "office; the seal keeper records the stamping."),
    "seal.note_approved_takeout": (
        "✅ Seal request #{id} \"{title}\" is approved ({name}). Collect {seal} at the office, "
        "where the seal keeper records the hand-over, and return it by {back}."),
    "seal.note_reassigned": "Seal request #{id} \"{title}\": the approver {old} is replaced by {new}.",
    "seal.note_rejected": "❌ Seal request #{id} \"{title}\" was rejected by {name}. Reason: {reason}",
    "seal.keeper_card": (
        "🔏 <b>To be stamped</b> #{id}\nApplicant: {applicant} ({department})\n"
        "{details}\nApprovals:\n{history}\nRecord it with the button below once done."),
    "seal.keeper_card_takeout": (
        "📤 <b>To be taken out</b> #{id}\nApplicant: {applicant} ({department})\n"
        "{details}\nApprovals:\n{history}\nPress “Record hand-over” when the seal leaves; "
        "the copies stamped are recorded when it is back."),
}
