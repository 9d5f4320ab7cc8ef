"""Answers to a meeting notice (回执), the organiser's view, check-in."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Config
from bot.services.meetings import MeetingService
from storage.db import Database


class RsvpService:
    def __init__(self, db: Database, config: Config, clock: Clock,
                 meetings: MeetingService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.meetings = meetings
