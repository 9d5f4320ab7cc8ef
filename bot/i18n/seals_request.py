"""Strings of the seal request conversation (/seal) and the registry commands (/seals)
(Telegram HTML; parameters are escaped by t()).

Request lines get SealService's view params (id, seal, title, copies, status, ...) plus
waiting (who decides now). Registry items get name, state, keepers, route.
"""

ZH: dict[str, str] = {
    "cmd.seal": "用印申请",
    "cmd.seals": "印章登记（管理员维护印章）",
    "menu.seal": "🔏 用印",
    "word.seal": "用印|用章|盖章|用印申请",
    "word.seal_normal": "普通|一般|不急",
    "word.seal_urgent": "紧急|急|加急|急件",
    "word.seal_office": "在办公室用印|办公室|在办公室|室内用印",
    "word.seal_takeout": "外带用印|外带|带出|外出用印",
    "word.seal_skip": "跳过|无|没有",
    # 按钮
    "btn.seal_request_withdraw": "↩️ 撤回申请",
    "btn.seal_request_withdraw_one": "↩️ 撤回 #{id}",
    "btn.seal_request_void_one": "🚫 作废 #{id}",
    "btn.seal_request_office": "🏢 在办公室用印",
    "btn.seal_request_takeout": "🚗 外带用印",
    "btn.seal_request_skip": "跳过",
    "btn.seal_request_submit": "✅ 提交",
    "btn.seal_request_drop": "✖ 取消",
    # 办理中的申请
    "seal_request.mine_head": "您办理中的用印申请：",
    "seal_request.mine_pending": "#{id} {seal}「{title}」{copies} 份：审批中，等待 {waiting}",
    "seal_request.mine_line": "#{id} {seal}「{title}」{copies} 份：{status}",
    # 逐项填写
    "seal_request.pick": "🔏 <b>用印申请</b>\n请选择要使用的印章（发送 /cancel 可随时取消）：",
    "seal_request.none": "目前没有可申请使用的印章，请联系党政办。",
    "seal_request.picked": "印章：{seal}",
    "seal_request.ask_title": "请输入文件名称，如：关于申请防汛物资经费的请示",
    "seal_request.ask_doc_type": "请选择文件类型（也可直接输入）：",
    "seal_request.got_doc_type": "文件类型：{value}",
    "seal_request.ask_copies": "请选择或输入用印份数（1～{limit}）：",
    "seal_request.got_copies": "份数：{value} 份",
    "seal_request.ask_purpose": "请输入用印事由，如：报县财政局审批",
    "seal_request.ask_recipient": "请输入文件报送（出具）单位，如：县财政局",
    "seal_request.ask_urgency": "紧急程度：",
    "seal_request.urgency_unknown": "请按“普通”或“紧急”。",
    "seal_request.got_urgency": "紧急程度：{value}",
    "seal_request.ask_use": "用印方式：在办公室用印，还是将印章外带使用？",
    "seal_request.use_unknown": "请选择“在办公室用印”或“外带用印”。",
    "seal_request.got_use": "用印方式：{value}",
    "seal_request.ask_place": "请输入外带用印的地点，如：县政务服务中心",
    "seal_request.ask_return": "请输入印章归还时间，如：今天下午5点、明天上午10点",
    "seal_request.return_echo": "归还时间：{day} {time}",
    "seal_request.ask_file": (
        "请发送需用印的文件（文档或照片，{limit} MB 以内），便于审批人查阅；"
        "没有电子文件请按“跳过”。"),
    "seal_request.file_hint": "请发送文件或照片，或按“跳过”。",
    "seal_request.file_got": "已收到文件：{file}",
    "seal_request.file_skipped": "附件：未附文件",
    "seal_request.summary": "📋 <b>请核对用印申请</b>\n{details}\n\n确认无误请按“提交”。",
    "seal_request.confirm_hint": "请按“提交”或“取消”。",
    "seal_request.ask_again": "请重新输入。",
    # 结果
    "seal_request.submitted": "✅ 已提交用印申请 #{id}「{title}」，已送 {waiting} 审批，结果将通知您。",
    "seal_request.not_submitted": "本次用印申请未提交。",
    "seal_request.dropped": "已取消，本次用印申请未提交。",
    "seal_request.timeout": "用印申请长时间未填写完成，已结束，未提交任何内容。",
    "seal_request.gone": "本次用印申请已结束，请发送 /seal 重新开始。",
    "seal_request.withdrawn_popup": "已撤回用印申请，审批人的卡片已同步更新。",
    "seal_request.head_skipped": "⚠️ 本部门未设负责人，已略过该步（部门负责人审批）。",
    # 印章登记 /seals
    "seal_registry.head": "🔏 <b>印章登记</b>（共 {count} 枚）",
    "seal_registry.item": "<b>{name}</b>：{state}\n保管人：{keepers}\n审批流程：{route}",
    "seal_registry.in": "在库",
    "seal_registry.out": "借出（{who}，应还 {back}）",
    "seal_registry.off": "已停用",
    "seal_registry.none": "尚未登记印章。",
    "seal_registry.usage": (
        "印章登记命令：\n"
        "/seals — 印章列表\n"
        "/seals add 名称 | 保管人 | 审批流程\n"
        "/seals keepers 名称 | 刘芳 陈志强\n"
        "/seals route 名称 | 部门负责人 &gt; 王建国/赵丽\n"
        "/seals off 名称 — 停用；/seals on 名称 — 启用\n"
        "/seals queue — 待用印；/seals ledger 2026-11 — 用印登记簿\n"
        "/seals pending — 待我审批\n"
        "/seals void 编号 原因 — 作废已批准未用印的申请\n"
        "/seals reassign 编号 新审批人 — 改派审批人（管理员）\n"
        "审批流程：各步之间用 &gt; 分隔，一步中“或签”用 /，“会签”用 +。"),
    "seal_registry.admin_hint": "管理员维护印章：发送 /seals help 查看命令。",
    "seal_registry.added": "✅ 已添加印章：\n{item}",
    "seal_registry.keepers_set": "✅ 已更新保管人：\n{item}",
    "seal_registry.route_set": "✅ 已更新审批流程，此后提交的申请按新流程审批：\n{item}",
    "seal_registry.switched_off": "✅ 已停用 {name}，不再受理新的用印申请；办理中的申请不受影响。",
    "seal_registry.switched_on": "✅ 已启用 {name}。",
}

EN: dict[str, str] = {
    "cmd.seal": "Request to use a seal",
    "cmd.seals": "Seal registry (admins keep the seals)",
    "menu.seal": "🔏 Seal",
    "word.seal": "seal|use seal|seal request",
    "word.seal_normal": "normal|not urgent",
    "word.seal_urgent": "urgent",
    "word.seal_office": "in the office|office",
    "word.seal_takeout": "take out|takeout|take-out|out",
    "word.seal_skip": "skip|none|no",
    "btn.seal_request_withdraw": "↩️ Withdraw",
    "btn.seal_request_withdraw_one": "↩️ Withdraw #{id}",
    "btn.seal_request_void_one": "🚫 Void #{id}",
    "btn.seal_request_office": "🏢 In the office",
    "btn.seal_request_takeout": "🚗 Take it out",
    "btn.seal_request_skip": "Skip",
    "btn.seal_request_submit": "✅ Submit",
    "btn.seal_request_drop": "✖ Cancel",
    "seal_request.mine_head": "Your seal requests under way:",
    "seal_request.mine_pending": "#{id} {seal} \"{title}\" (copies: {copies}): waiting for {waiting}",
    "seal_request.mine_line": "#{id} {seal} \"{title}\" (copies: {copies}): {status}",
    "seal_request.pick": "🔏 <b>Seal request</b>\nWhich seal? (/cancel stops at any time)",
    "seal_request.none": "No seal takes requests at the moment; please ask the office.",
    "seal_request.picked": "Seal: {seal}",
    "seal_request.ask_title": "Type the document's title, e.g. Request for flood-control funds",
    "seal_request.ask_doc_type": "Pick the document type (or type it):",
    "seal_request.got_doc_type": "Document type: {value}",
    "seal_request.ask_copies": "Pick or type the number of copies (1–{limit}):",
    "seal_request.got_copies": "Copies: {value}",
    "seal_request.ask_purpose": "Type the purpose, e.g. for the county finance bureau's approval",
    "seal_request.ask_recipient": "Who does the document go to? e.g. county finance bureau",
    "seal_request.ask_urgency": "Urgency:",
    "seal_request.urgency_unknown": "Please press \"normal\" or \"urgent\".",
    "seal_request.got_urgency": "Urgency: {value}",
    "seal_request.ask_use": "Is the seal used in the office, or taken out?",
    "seal_request.use_unknown": "Please pick \"in the office\" or \"take it out\".",
    "seal_request.got_use": "Use: {value}",
    "seal_request.ask_place": "Where is the seal taken? e.g. county service centre",
    "seal_request.ask_return": "When will the seal be back? e.g. today 5pm, tomorrow 10am",
    "seal_request.return_echo": "Back by: {day} {time}",
    "seal_request.ask_file": (
        "Send the document to be stamped (a file or a photo, up to {limit} MB) so the "
        "approvers can read it; press \"Skip\" if there is no electronic copy."),
    "seal_request.file_hint": "Please send a file or a photo, or press \"Skip\".",
    "seal_request.file_got": "File received: {file}",
    "seal_request.file_skipped": "File: none",
    "seal_request.summary": "📋 <b>Please check the seal request</b>\n{details}\n\nPress \"Submit\" if it is right.",
    "seal_request.confirm_hint": "Please press \"Submit\" or \"Cancel\".",
    "seal_request.ask_again": "Please type it again.",
    "seal_request.submitted": "✅ Seal request #{id} \"{title}\" submitted to {waiting}; you will be told the result.",
    "seal_request.not_submitted": "The seal request was not submitted.",
    "seal_request.dropped": "Cancelled; the seal request was not submitted.",
    "seal_request.timeout": "The seal request was left unfinished and has ended; nothing was submitted.",
    "seal_request.gone": "This seal request has ended; send /seal to start again.",
    "seal_request.withdrawn_popup": "Seal request withdrawn; the approvers' cards now show it.",
    "seal_request.head_skipped": "⚠️ Your department has no head set; that step (department head) was skipped.",
    "seal_registry.head": "🔏 <b>Seal registry</b> ({count} seals)",
    "seal_registry.item": "<b>{name}</b>: {state}\nKeepers: {keepers}\nRoute: {route}",
    "seal_registry.in": "in the office",
    "seal_registry.out": "out ({who}, due back {back})",
    "seal_registry.off": "switched off",
    "seal_registry.none": "No seals are registered yet.",
    "seal_registry.usage": (
        "Seal registry commands:\n"
        "/seals — the list\n"
        "/seals add name | keepers | route\n"
        "/seals keepers name | 刘芳 陈志强\n"
        "/seals route name | head &gt; 王建国/赵丽\n"
        "/seals off name — switch off; /seals on name — switch on\n"
        "/seals queue — to be stamped; /seals ledger 2026-11 — the ledger\n"
        "/seals pending — waiting for my approval\n"
        "/seals void number reason — void an approved request not yet stamped\n"
        "/seals reassign number new-approver — hand an approval to someone else (admins)\n"
        "Route: steps separated by &gt;; in a step, / means any one of them, + all of them."),
    "seal_registry.admin_hint": "Admins keep the seals: send /seals help for the commands.",
    "seal_registry.added": "✅ Seal added:\n{item}",
    "seal_registry.keepers_set": "✅ Keepers updated:\n{item}",
    "seal_registry.route_set": "✅ Route updated; requests submitted from now on follow it:\n{item}",
    "seal_registry.switched_off": "✅ {name} is switched off and takes no new requests; those under way go on.",
    "seal_registry.switched_on": "✅ {name} is switched on.",
}
