"""The CallbackContext every handler receives: the services, the asker, their language."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import normalize_language, t
from bot.services.access import Actor
from bot.services.container import Services
from bot.text import Markup


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        # Set by the access gate for each update; handlers past the gate can rely on it.
        self.actor: Actor | None = None
        self.fallback_language: str | None = None

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data["services"]
        return services

    @property
    def me(self) -> Actor:
        if self.actor is None:
            raise RuntimeError("handler reached without a registered actor")
        return self.actor

    @property
    def lang(self) -> str:
        if self.actor is not None:
            return self.actor.language
        return normalize_language(self.fallback_language, self.services.config.language)

    def t(self, key: str, **params: object) -> Markup:
        return t(self.lang, key, **params)
