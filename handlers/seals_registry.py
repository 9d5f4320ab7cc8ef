"""The seal registry (印章登记): /seals lists every seal with its state (在库 / 借出 / 已停用),
keepers and approval route. Admins keep it with subcommands:

  /seals add 名称 | 保管人 | 审批流程       /seals keepers 名称 | 刘芳 陈志强
  /seals route 名称 | 部门负责人 > 王建国/赵丽   /seals off 名称   /seals on 名称

/seals queue, /seals ledger … and /seals void … belong to the keeping side
(handlers/seals_keeping.py), /seals pending and /seals reassign … to the approvers' side
(handlers/seals_approval.py); they are passed on. The services check who may do what.
"""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application

from bot.clock import short_time
from bot.services.access import Role
from bot.services.seals import SealView
from bot.text import Markup
from handlers import seals_approval, seals_keeping
from handlers.common import command, command_args, domain_errors, reply
from handlers.context import BotContext

SPLIT = re.compile(r"\s*[|｜]\s*")
# Each subcommand in the words people use for it, English and Chinese.
ADD = ("add", "新增", "添加", "增加")
KEEPERS = ("keepers", "keeper", "保管人")
ROUTE = ("route", "流程", "审批流程")
OFF = ("off", "停用")
ON = ("on", "启用")
QUEUE = ("queue", "待用印")
LEDGER = ("ledger", "台账", "登记簿")
PENDING = ("pending", "待审批", "待我审批")
VOID = ("void", "作废")
REASSIGN = ("reassign", "改派")


def seal_item(context: BotContext, view: SealView) -> Markup:
    if view.out:
        state = context.t("seal_registry.out", who=view.out_with or "—",
                          back=short_time(view.return_due, context.services.config.tz))
    elif not view.active:
        state = context.t("seal_registry.off")
    else:
        state = context.t("seal_registry.in")
    return context.t("seal_registry.item", name=view.name, state=state,
                     keepers=view.params["keepers"], route=view.route)


async def _list(update: Update, context: BotContext) -> None:
    seals = await context.services.seals.seals(context.me)
    if seals:
        parts = [str(context.t("seal_registry.head", count=len(seals)))]
        parts += [seal_item(context, view) for view in seals]
    else:
        parts = [str(context.t("seal_registry.none"))]
    if context.me.has(Role.ADMIN):
        parts.append(str(context.t("seal_registry.admin_hint")))
    await reply(update, context, "\n\n".join(parts))


async def _usage(update: Update, context: BotContext) -> None:
    await reply(update, context, context.t("seal_registry.usage"))


def _fields(rest: str, count: int) -> list[str] | None:
    """'名称 | 刘芳 陈志强' -> the fields, if there are exactly `count` and none is empty."""
    parts = SPLIT.split(rest.strip()) if rest.strip() else []
    return parts if len(parts) == count and all(parts) else None


@domain_errors
async def seals_command(update: Update, context: BotContext) -> None:
    args = command_args(update)
    if not args:
        await _list(update, context)
        return
    word, _, rest = args.partition(" ")
    word = word.lower()
    service = context.services.seals
    me = context.me
    if word in QUEUE and not rest.strip():
        await seals_keeping.queue(update, context)
    elif word in LEDGER:
        await seals_keeping.ledger(update, context, rest.strip())
    elif word in PENDING and not rest.strip():
        await seals_approval.pending(update, context)
    elif word in VOID:
        await seals_keeping.void(update, context, rest)
    elif word in REASSIGN:
        await seals_approval.reassign(update, context, rest)
    elif word in ADD and (fields := _fields(rest, 3)) is not None:
        view = await service.add_seal(me, fields[0], fields[1], fields[2])
        await reply(update, context, context.t("seal_registry.added",
                                               item=seal_item(context, view)))
    elif word in KEEPERS and (fields := _fields(rest, 2)) is not None:
        view = await service.set_keepers(me, fields[0], fields[1])
        await reply(update, context, context.t("seal_registry.keepers_set",
                                               item=seal_item(context, view)))
    elif word in ROUTE and (fields := _fields(rest, 2)) is not None:
        view = await service.set_route(me, fields[0], fields[1])
        await reply(update, context, context.t("seal_registry.route_set",
                                               item=seal_item(context, view)))
    elif word in OFF + ON and rest.strip() and _fields(rest, 1) is not None:
        view = await service.set_active(me, rest.strip(), word in ON)
        key = "seal_registry.switched_on" if view.active else "seal_registry.switched_off"
        await reply(update, context, context.t(key, name=view.name))
    else:
        await _usage(update, context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(command("seals", seals_command))
