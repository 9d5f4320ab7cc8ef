"""Strings of the approvals engine (Telegram HTML; parameters are escaped by t()).

The engine's refusals carry: at (local "MM-DD HH:MM"), verdict (a ref to
approvals.verdict.*), name (who decided), state (a ref to approvals.status.*), step (the
step's number from 1), limit. Features add their own cards and lines on top.
"""

ZH: dict[str, str] = {
    "approvals.status.draft": "草稿",
    "approvals.status.pending": "审批中",
    "approvals.status.approved": "已批准",
    "approvals.status.rejected": "已驳回",
    "approvals.status.withdrawn": "已撤回",
    "approvals.verdict.approve": "批准",
    "approvals.verdict.reject": "驳回",
    "approvals.mode.one": "审批",
    "approvals.mode.any": "或签（一人批准即可）",
    "approvals.mode.all": "会签（须全部批准）",
    # 不能办理
    "approvals.unknown": "找不到该审批申请。",
    "approvals.exists": "该事项已经提交过审批，请勿重复提交。",
    "approvals.not_approver": "您不是该申请的审批人，不能审批。",
    "approvals.not_applicant": "只有申请人本人可以操作该申请。",
    "approvals.withdrawn": "申请人已撤回该申请，无需审批。",
    "approvals.not_submitted": "该申请尚未提交，暂不能审批。",
    "approvals.closed": "该申请{state}，不能再操作。",
    "approvals.already_you": "您已于 {at} {verdict}，无需重复操作。",
    "approvals.step_decided": "这一步已由 {name} 于 {at} {verdict}，无需再处理。",
    "approvals.not_your_turn": "该申请尚未轮到您审批，轮到时会通知您。",
    "approvals.stale": "该申请刚刚有了变化，请查看最新状态。",
    "approvals.reason_required": "驳回时请填写理由。",
    "approvals.comment_too_long": "审批意见不能超过 {limit} 个字。",
    "approvals.route_empty": "审批流程尚未设置审批人，请联系管理员。",
    "approvals.route_invalid": "审批流程第 {step} 步设置有误，请联系管理员。",
    "approvals.approver_inactive": "审批人 {name} 已停用，请联系管理员调整审批流程。",
    "approvals.no_approver": "审批流程中除您本人外没有其他审批人，无法提交，请联系管理员调整审批流程。",
}

EN: dict[str, str] = {
    "approvals.status.draft": "draft",
    "approvals.status.pending": "pending",
    "approvals.status.approved": "approved",
    "approvals.status.rejected": "rejected",
    "approvals.status.withdrawn": "withdrawn",
    "approvals.verdict.approve": "approved",
    "approvals.verdict.reject": "rejected",
    "approvals.mode.one": "approval",
    "approvals.mode.any": "any one of (one approval is enough)",
    "approvals.mode.all": "all of (everyone must approve)",
    "approvals.unknown": "This approval request was not found.",
    "approvals.exists": "This has already been submitted for approval.",
    "approvals.not_approver": "You are not an approver of this request.",
    "approvals.not_applicant": "Only the applicant can do this.",
    "approvals.withdrawn": "The applicant has withdrawn this request; nothing to decide.",
    "approvals.not_submitted": "This request has not been submitted yet.",
    "approvals.closed": "This request is {state}; nothing more can be done.",
    "approvals.already_you": "You already {verdict} it at {at}; nothing more to do.",
    "approvals.step_decided": "{name} already {verdict} this step at {at}; nothing more to do.",
    "approvals.not_your_turn": "It is not your turn to decide yet; you will be told when it is.",
    "approvals.stale": "This request has just changed; please look at its current state.",
    "approvals.reason_required": "Please give a reason for rejecting.",
    "approvals.comment_too_long": "The comment may be at most {limit} characters.",
    "approvals.route_empty": "No approvers are set for this route; please ask an admin.",
    "approvals.route_invalid": "Step {step} of the approval route is set up wrongly; please ask an admin.",
    "approvals.approver_inactive": "Approver {name} is deactivated; please ask an admin to change the route.",
    "approvals.no_approver": "There is no approver on this route other than you, so it cannot be submitted; please ask an admin to change the route.",
}
