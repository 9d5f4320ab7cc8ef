"""The Telegram adapter: one module per feature; each parses, calls a service, renders."""

from __future__ import annotations

import warnings

from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from handlers import (
    access,
    account,
    documents,
    duty,
    duty_sheets,
    duty_signin,
    duty_swaps,
    errors,
    holidays,
    meetings_changes,
    meetings_create,
    meetings_minutes,
    meetings_rsvp,
    people,
    seals_approval,
    seals_keeping,
    seals_registry,
    seals_request,
    tasks_assign,
    tasks_files,
    tasks_progress,
    tasks_supervision,
)

# Our conversations mix typed answers and button presses on purpose and follow one person in
# their private chat; PTB's hint about per_message tracking does not apply to them.
warnings.filterwarnings("ignore", message=r"If 'per_message=False'", category=PTBUserWarning)


def register_all(app: Application) -> None:  # type: ignore[type-arg]
    """Order matters: the gate is group -1; in group 0 the first matching handler wins, so
    feature conversations go first (their states must see a person's answers before any
    command or catch-all does), the catch-alls and the global /cancel last."""
    access.register(app)
    # Feature modules: conversations first within each, then commands and buttons. The
    # one-question conversations come first of all: their text handlers match only while
    # their question is the open one, so they never take text meant for a longer
    # conversation, and a longer one never takes their answer.
    meetings_rsvp.register(app)
    tasks_progress.register(app)
    tasks_assign.register(app)
    tasks_files.register(app)
    seals_approval.register(app)
    seals_keeping.register(app)
    duty_signin.register(app)
    duty_swaps.register(app)
    duty_sheets.register(app)
    duty.register(app)
    meetings_create.register(app)
    meetings_changes.register(app)
    meetings_minutes.register(app)
    tasks_supervision.register(app)
    seals_request.register(app)
    seals_registry.register(app)
    # Sent sheets, after the conversations that may be waiting for a document of their own.
    documents.register(app)
    account.register(app)
    people.register(app)
    holidays.register(app)
    errors.register(app)
    account.register_fallbacks(app)
