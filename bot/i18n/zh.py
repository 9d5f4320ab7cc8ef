"""简体中文（默认）。Telegram HTML; {name} 之类的参数由 t() 转义。"""

MESSAGES: dict[str, str] = {
    # 通用
    "list.sep": "、",
    "error.forbidden": "您没有权限进行此操作。",
    "error.internal": "系统处理出错，请稍后重试。如仍有问题，请将事件编号 {incident} 告知管理员。",
    "error.unknown_role": "无法识别的角色“{role}”。可填：领导、办公室、印章管理员、管理员、工作人员。",
    "error.too_long": "“{field}”过长，最多 {limit} 个字。",
    "access.unregistered": "您好，您尚未登记使用本系统。请联系党政办获取注册链接。",
    "callback.stale": "该按钮已失效，请重新打开最新的消息。",
    "fallback.unknown": "未能识别您发送的内容。请使用下方菜单，或发送 /help 查看可用功能。",
    "fallback.unsupported": "暂不支持此类消息。请使用下方菜单，或发送 /help 查看可用功能。",
    "fallback.unknown_command": "没有这个命令。发送 /help 查看可用功能。",
    "cancel.nothing": "当前没有进行中的操作。",
    "cancel.done": "已取消，未做任何修改。",
    "word.help": "帮助|功能|菜单",
    # 命令说明
    "cmd.start": "开始使用 / 注册",
    "cmd.menu": "显示常用功能菜单",
    "cmd.whoami": "我的登记信息",
    "cmd.lang": "切换语言（中文 / English）",
    "cmd.help": "使用说明",
    "cmd.cancel": "取消当前操作",
    "cmd.invite": "（管理员）登记人员并生成注册链接",
    "cmd.people": "（管理员）人员名单",
    "cmd.deactivate": "（管理员）停用人员",
    "cmd.holiday": "（管理员）节假日与调休设置",
    # 菜单
    "menu.whoami": "👤 我的信息",
    "menu.help": "❓ 帮助",
    "menu.lang": "🌐 语言",
    "menu.shown": "常用功能已显示在输入框下方。",
    # 角色
    "role.staff": "工作人员",
    "role.leader": "领导",
    "role.clerk": "办公室人员",
    "role.seal_keeper": "印章管理员",
    "role.admin": "管理员",
    # 注册
    "start.welcome": "{name}，您好！这里是党政办工作助手。常用功能见下方菜单，发送 /help 查看说明。",
    "start.registered": "注册成功：{name}（{department}）。",
    "start.already": "您已注册为 {name}，无需再次注册。",
    "start.code_unknown": "注册链接无效，请向党政办核对后重新获取。",
    "start.code_used": "该注册链接已被使用。如需重新注册，请联系党政办。",
    "start.code_replaced": "该注册链接已作废（已生成新链接），请使用最新的链接。",
    "start.code_expired": "该注册链接已过期，请联系党政办重新获取。",
    "start.code_inactive": "该人员已停用，无法注册。如有疑问请联系党政办。",
    "start.account_bound": "您的账号已绑定为 {name}，不能再绑定其他人员。",
    # 个人信息与语言
    "whoami.card": (
        "<b>我的信息</b>\n姓名：{name}\n部门：{department}\n职务：{title}\n电话：{phone}\n"
        "角色：{roles}\n语言：{language}"
    ),
    "lang.choose": "请选择语言 / Choose a language:",
    "lang.set": "语言已设置为{language}。",
    "lang.usage": "用法：/lang zh 或 /lang en",
    "lang.name.zh": "中文",
    "lang.name.en": "English",
    "help.staff": (
        "<b>使用说明</b>\n"
        "/duty 今日值班　/duty week 七日　/duty 10月 整月\n"
        "/signin 签到　/signout 签退并交接　/log 值班日志\n"
        "/swap 申请换班　/holidays 节假日安排\n"
        "/tasks 我的事项（assigned 我交办的、overdue 逾期）　/progress 报告进度　/extend 申请延期　/done 提交办结\n"
        "/meetings 我的会议　/checkin 会议签到（会议通知上可直接回执：参加、请假、委托参会）\n"
        "/seal 申请用印（审批卡片上可直接批准、驳回）　/seals 印章及审批流程\n"
        "/whoami 我的信息　/lang 切换语言　/menu 常用菜单　/cancel 取消当前操作"
    ),
    "help.clerk": (
        "<b>使用说明（办公室）</b>\n"
        "/roster add 日期 值班人员 带班 领导 —— 排班（或发送 /roster 逐项填写）\n"
        "/roster set 编号 值班|带班 姓名　/roster cancel 编号　/roster export 2026-10\n"
        "发送值班表 Excel —— 批量导入排班\n"
        "/duty report 2026-11 —— 月度值班考勤"
    ),
    "help.seals": (
        "<b>用印登记（印章管理员、办公室、领导）</b>\n"
        "/seals queue 待用印、待归还　/seals ledger 2026-11 [印章] [部门] —— 用印登记簿（可导出 Excel）"
    ),
    "help.organiser": (
        "<b>会议（办公室、领导）</b>\n"
        "/meeting 会议名称 | 时间 | 地点 | 参会人员 —— 发会议通知（或发送 /meeting 逐项填写）\n"
        "/meeting 编号 回执情况　/material 编号 上传材料　/venue 编号 会场布置\n"
        "/meeting_move 编号 新时间　/meeting_place 编号 新地点　/meeting_cancel 编号 原因\n"
        "/meeting_invite、/meeting_uninvite 编号 人员 —— 增减参会人员\n"
        "/minutes 编号 会议纪要　/decision 编号 事项 | 负责人 | 期限　/meeting_series 例会\n"
        "<b>督查督办（领导、办公室）</b>\n"
        "/task 事项 | 责任人 | 时限 [| 紧急] —— 交办（或发送 /task 逐项填写）\n"
        "/task 编号 查看　/task_deadline、/task_reassign、/task_cancel　/decision_task 决定编号\n"
        "/tasks overdue 逾期事项　/tasks dept 部门　/task_report 督查通报"
    ),
    "help.admin": (
        "<b>使用说明（管理员）</b>\n"
        "/invite 姓名 | 部门 | 职务 | 电话 | 角色 —— 登记人员并生成注册链接\n"
        "发送花名册 Excel（姓名、部门、职务、电话、角色）—— 批量登记，返回含注册链接的表格\n"
        "/people 人员名单\n/deactivate 姓名 —— 停用人员，立即生效\n"
        "/dept_head 部门 姓名 —— 设置部门负责人\n"
        "/seals add 名称 | 保管人 | 审批流程　/seals keepers|route|on|off —— 印章管理\n"
        "/holiday 节假日与调休设置\n/whoami 我的信息　/lang 切换语言"
    ),
    # 人员管理
    "people.invite_usage": (
        "用法：/invite 姓名 | 部门 | 职务 | 电话 | 角色\n"
        "例：/invite 张伟 | 党政办 | 干事 | 13800000006 | 工作人员\n"
        "角色可填：领导、办公室、印章管理员、管理员、工作人员，多个用逗号分隔。"
    ),
    "people.invite_done": (
        "已为 <b>{name}</b> 生成注册链接（一次有效，{expires} 前使用）：\n{link}\n"
        "请单独发给本人，勿转发到群里。"
    ),
    "people.unknown_name": "未找到人员“{name}”。",
    "people.ambiguous_name": "名单中有 {count} 位“{name}”，无法确定是哪一位。请用 /people 核对名单。",
    "people.already_registered": "{name} 已注册，无需再次邀请。",
    "people.no_self_deactivate": "不能停用自己的账号。",
    "people.config_admin": "{name} 是配置文件中的管理员，请先从配置文件的 admins 中移除。",
    "people.unknown_department": "未找到部门“{name}”。",
    "people.dept_head_usage": "用法：/dept_head 部门 姓名（交办给部门的事项由负责人承办，逾期督办也报负责人）",
    "people.dept_head_set": "已设置 {department} 负责人：{name}。",
    "cmd.dept_head": "（管理员）设置部门负责人",
    "people.deactivate_usage": "用法：/deactivate 姓名",
    "people.deactivated": "已停用 {name}，其账号即刻失去使用权限。",
    "people.list_head": "<b>人员名单</b>（共 {total} 人，第 {page}/{pages} 页）",
    "people.list_line": "{name} · {department} · {title} · {roles} · {state}",
    "people.state_active": "已注册",
    "people.state_unbound": "未注册",
    "people.state_inactive": "已停用",
    "people.state_unreachable": "无法送达",
    # Excel
    "sheet.empty": "表格是空的，没有可导入的内容。",
    "sheet.too_large": "文件过大（上限 {limit_mb} MB）。",
    "sheet.not_xlsx": "请发送 Excel 文件（.xlsx 格式）。如是 .xls，请先另存为 .xlsx。",
    "sheet.missing_columns": "表格缺少必需的列：{columns}。请检查表头。",
    "import.row_no_name": "姓名为空",
    "import.row_no_department": "{name}：部门为空",
    "import.row_duplicate": "{name} 与第 {other} 行重复",
    "import.row_exists": "{name} 已在系统中登记",
    "import.rejected": "表格有 {count} 处问题，未导入任何内容。请修改后重新发送：",
    "import.problem_line": "第 {row} 行：{reason}",
    "import.more_problems": "……另有 {count} 处问题",
    "import.more_rows": "……另有 {count} 人",
    "import.staff_preview": "<b>花名册预览</b>：共 {count} 人，确认后统一登记并生成注册链接。",
    "import.staff_line": "第 {row} 行：{name} · {department} · {roles}",
    "import.staff_done": "已登记 {count} 人，注册链接见下方表格。",
    "import.staff_sheet_caption": "花名册（含注册链接）。每个链接仅限本人使用一次。",
    "import.discarded": "已放弃本次导入，未做任何修改。",
    "import.gone": "找不到这次导入，请重新发送表格。",
    "import.not_yours": "只有发送该表格的管理员可以确认导入。",
    "import.already_done": "这份表格已处理过，未重复导入。",
    "import.changed": "表格内容与系统已不一致（第 {row} 行），请重新发送表格。",
    "btn.confirm_import": "✅ 确认导入",
    "btn.discard": "✖ 放弃",
    # 通知
    "notify.registered": "{name}（{department}）已完成注册。",
    "notify.unreachable": "⚠️ 无法向 {name}（电话 {phone}）发送消息：对方已屏蔽或删除本机器人。请电话联系。",
    "notify.calendar_missing": (
        "⚠️ 节假日日历尚无 {year} 年的官方放假安排，调休上班日缺失。"
        "国务院办公厅通知发布后，请用 /holiday 录入。在此之前按可推算的法定节日处理。"
    ),
    # 时间
    "time.unparsed": "无法识别时间“{text}”。可以这样写：明天下午3点、下周一上午9点、12月1日 14:30、3天后、月底。",
    "time.past": "“{text}”已经过去了，请填写将来的时间。",
    "time.ambiguous": "“{text}”不够明确，请写清日期和钟点，如：明天下午3点、周五 15:00。",
    # 节假日
    "holiday.head": "<b>近期节假日</b>",
    "holiday.period": "{name}：{start} 至 {end}，共 {days} 天；调休上班：{makeup}{provisional}",
    "holiday.provisional": "（暂按法定节日推算，待官方安排）",
    "holiday.missing": "⚠️ 尚无 {year} 年官方放假安排，调休上班日缺失。通知发布后请逐日录入。",
    "holiday.overrides_head": "<b>已录入的调整</b>",
    "holiday.override_holiday": "{day} 放假 · {name}",
    "holiday.override_workday": "{day} 上班 · {name}",
    "holiday.usage": "录入：/holiday 日期 休|班|取消 [名称]\n例：/holiday 2027-10-06 休 国庆节　/holiday 2027-09-26 班 国庆节调休上班",
    "holiday.set_holiday": "已设置：{day} 放假（{name}），立即生效。",
    "holiday.set_workday": "已设置：{day} 上班（{name}），立即生效。",
    "holiday.cleared": "已取消 {day} 的调整，恢复按节假日日历。",
    "holiday.nothing_to_clear": "{day} 没有可取消的调整。",
    "import.sheet_title": "花名册（含注册链接）",
    "import.sheet_headers": "原行号|姓名|部门|职务|联系电话|角色|注册链接|链接有效期至",
    "import.sheet_note": "注：每个链接只能使用一次，请逐人私发，勿转发群聊。",
    "import.sheet_filename": "花名册-注册链接.xlsx",
    "weekday.0": "周一",
    "weekday.1": "周二",
    "weekday.2": "周三",
    "weekday.3": "周四",
    "weekday.4": "周五",
    "weekday.5": "周六",
    "weekday.6": "周日",
    "date.full": "{year}年{month}月{day}日（{weekday}）",
    "date.day": "{month}月{day}日（{weekday}）",
}
