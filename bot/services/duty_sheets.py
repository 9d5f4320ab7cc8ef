"""Roster Excel import/export and the monthly duty attendance report (to be written)."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Config
from bot.services.duty import DutyService
from storage.db import Database


class DutySheetService:
    def __init__(self, db: Database, config: Config, clock: Clock, duty: DutyService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.duty = duty
