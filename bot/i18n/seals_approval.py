"""Strings of the approvers' side of seal requests: the answers to 批准 / 驳回 / 查看文件,
the question for a rejection's reason, and the line in the leaders' daily digest (Telegram
HTML; parameters are escaped by t()).

Request parameters as in bot/i18n/seals.py (id, title, seal, applicant...); next is who
decides now; since is when the step started waiting ("MM-DD HH:MM").
"""

ZH: dict[str, str] = {
    "seal_approval.done.approved": "已批准，已通知申请人和印章保管人。",
    "seal_approval.done.step": "已批准，已转 {next} 审批。",
    "seal_approval.done.partial": "已批准，待其他会签人审批。",
    "seal_approval.done.rejected": "已驳回用印申请 #{id}「{title}」，已通知申请人。",
    "seal_approval.ask_reason": (
        "请输入驳回用印申请 #{id}「{title}」（{applicant}）的理由，申请人将看到该理由。\n"
        "发送 /cancel 取消，申请不作处理。"),
    "seal_approval.ask_again": "请重新输入驳回理由，或发送 /cancel 取消。",
    "seal_approval.timeout": "未收到驳回理由，用印申请 #{id} 未作处理，仍待您审批。",
    "seal_approval.file_caption": "用印申请 #{id}「{title}」附件",
    "seal_approval.digest_line": "🔏 用印 #{id}「{title}」：{applicant} 申请用 {seal}，{since} 起待审批",
    # 待我审批
    "seal_approval.pending_head": "📝 <b>待我审批的用印申请</b>（{count} 件）",
    "seal_approval.pending_none": "目前没有待您审批的用印申请。",
    # 改派审批人
    "seal_approval.reassigned": "✅ 用印申请 #{id}「{title}」已由 {old} 改派给 {new} 审批，审批卡片已发给 {new}。",
    "seal_approval.reassign_usage": (
        "改派审批人（管理员）：/seals reassign 编号 新审批人\n"
        "当前一步有多位审批人时写明原审批人：/seals reassign 编号 原审批人 新审批人"),
}

EN: dict[str, str] = {
    "seal_approval.done.approved": "Approved; the applicant and the seal keeper are told.",
    "seal_approval.done.step": "Approved; it now goes to {next}.",
    "seal_approval.done.partial": "Approved; waiting for the other approvers of this step.",
    "seal_approval.done.rejected": "Seal request #{id} \"{title}\" is rejected; the applicant is told.",
    "seal_approval.ask_reason": (
        "Please type the reason for rejecting seal request #{id} \"{title}\" ({applicant}); "
        "the applicant will see it.\nSend /cancel to leave the request as it is."),
    "seal_approval.ask_again": "Please type the reason again, or send /cancel.",
    "seal_approval.timeout": "No reason came, so seal request #{id} is left as it was; it still waits for your decision.",
    "seal_approval.file_caption": "File of seal request #{id} \"{title}\"",
    "seal_approval.digest_line": "🔏 Seal #{id} \"{title}\": {applicant} asks to use {seal}, waiting since {since}",
    "seal_approval.pending_head": "📝 <b>Seal requests waiting for your approval</b> ({count})",
    "seal_approval.pending_none": "No seal request is waiting for your approval.",
    "seal_approval.reassigned": "✅ Seal request #{id} \"{title}\" is handed from {old} to {new}; {new} has the card now.",
    "seal_approval.reassign_usage": (
        "Hand an approval to someone else (admins): /seals reassign number new-approver\n"
        "If the step has several approvers, name the one replaced: "
        "/seals reassign number old-approver new-approver"),
}
