"""Sign-in, sign-out with handover, and the duty log (to be written)."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Config
from bot.services.duty import DutyService
from storage.db import Database


class SignInService:
    def __init__(self, db: Database, config: Config, clock: Clock, duty: DutyService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.duty = duty
