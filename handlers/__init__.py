"""The Telegram adapter: one module per feature; each parses, calls a service, renders."""

from __future__ import annotations

from telegram.ext import Application

from handlers import access, account, errors, holidays, people


def register_all(app: Application) -> None:  # type: ignore[type-arg]
    access.register(app)
    account.register(app)
    people.register(app)
    holidays.register(app)
    errors.register(app)
    account.register_fallbacks(app)
