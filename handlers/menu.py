"""The command list Telegram shows, and the reply-keyboard menu of everyday actions.

Feature modules add their entries here, so the menu and the command list stay one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.ext import filters

from bot.i18n import CATALOGS, t


@dataclass(frozen=True)
class CommandEntry:
    command: str
    description_key: str


COMMANDS: list[CommandEntry] = [
    CommandEntry("start", "cmd.start"),
    CommandEntry("menu", "cmd.menu"),
    CommandEntry("whoami", "cmd.whoami"),
    CommandEntry("lang", "cmd.lang"),
    CommandEntry("help", "cmd.help"),
    CommandEntry("cancel", "cmd.cancel"),
    CommandEntry("invite", "cmd.invite"),
    CommandEntry("people", "cmd.people"),
    CommandEntry("deactivate", "cmd.deactivate"),
    CommandEntry("dept_head", "cmd.dept_head"),
    CommandEntry("holiday", "cmd.holiday"),
    CommandEntry("holidays", "cmd.holidays"),
    CommandEntry("duty", "cmd.duty"),
    CommandEntry("roster", "cmd.roster"),
    CommandEntry("signin", "cmd.signin"),
    CommandEntry("signout", "cmd.signout"),
    CommandEntry("log", "cmd.log"),
    CommandEntry("swap", "cmd.swap"),
    CommandEntry("task", "cmd.task"),
    CommandEntry("tasks", "cmd.tasks"),
    CommandEntry("task_reassign", "cmd.task_reassign"),
    CommandEntry("task_deadline", "cmd.task_deadline"),
    CommandEntry("task_cancel", "cmd.task_cancel"),
    CommandEntry("decision_task", "cmd.decision_task"),
    CommandEntry("task_file", "cmd.task_file"),
    CommandEntry("progress", "cmd.progress"),
    CommandEntry("extend", "cmd.extend"),
    CommandEntry("done", "cmd.done"),
    CommandEntry("task_report", "cmd.task_report"),
    CommandEntry("meeting", "cmd.meeting"),
    CommandEntry("meetings", "cmd.meetings"),
    CommandEntry("checkin", "cmd.checkin"),
    CommandEntry("meeting_status", "cmd.meeting_status"),
    CommandEntry("material", "cmd.material"),
    CommandEntry("meeting_move", "cmd.meeting_move"),
    CommandEntry("meeting_place", "cmd.meeting_place"),
    CommandEntry("meeting_invite", "cmd.meeting_invite"),
    CommandEntry("meeting_uninvite", "cmd.meeting_uninvite"),
    CommandEntry("meeting_cancel", "cmd.meeting_cancel"),
    CommandEntry("venue", "cmd.venue"),
    CommandEntry("minutes", "cmd.minutes"),
    CommandEntry("decision", "cmd.decision"),
    CommandEntry("meeting_decisions", "cmd.meeting_decisions"),
    CommandEntry("decision_done", "cmd.decision_done"),
    CommandEntry("meeting_series", "cmd.meeting_series"),
    CommandEntry("meeting_series_stop", "cmd.meeting_series_stop"),
    CommandEntry("seal", "cmd.seal"),
    CommandEntry("seals", "cmd.seals"),
]

# Rows of menu buttons, as catalog keys; the text handler maps each label back to its action.
MENU: list[list[str]] = [
    ["menu.signin", "menu.signout", "menu.duty", "menu.seal"],
    ["menu.meetings", "menu.tasks", "menu.whoami", "menu.help"],
]


def command_list(lang: str) -> list[BotCommand]:
    return [BotCommand(c.command, str(t(lang, c.description_key))) for c in COMMANDS]


async def publish_commands(bot: Any) -> None:
    """setMyCommands per language: Chinese as the default, English for English phones; for
    private chats only, since the bot answers nothing in groups."""
    scope = BotCommandScopeAllPrivateChats()
    for lang in CATALOGS:
        await bot.set_my_commands(command_list(lang), scope=scope, language_code=lang)
    await bot.set_my_commands(command_list("zh"), scope=scope)


def menu_keyboard(lang: str) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[str(t(lang, key)) for key in row] for row in MENU],
        resize_keyboard=True, is_persistent=True,
    )


def menu_action(text: str) -> str | None:
    """The menu key a typed or pressed label stands for, in any language."""
    wanted = text.strip()
    for row in MENU:
        for key in row:
            if any(catalog.get(key) == wanted for catalog in CATALOGS.values()):
                return key
    return None


def menu_keys(key: str) -> list[str]:
    """A menu button's label in every language, for a handler that answers it."""
    return [catalog[key] for catalog in CATALOGS.values() if key in catalog]


class _MenuLabel(filters.MessageFilter):
    """A reply-keyboard label (签到, 值班 ...): while a conversation waits for typed text, such
    a tap is that action, not the answer."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and menu_action(message.text) is not None


MENU_LABEL = _MenuLabel()
