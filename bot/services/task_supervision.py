"""Supervision (督查督办): chasing, escalation, the lists, the weekly report, the digest."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Config
from bot.services.tasks import TaskService
from storage.db import Database


class SupervisionService:
    def __init__(self, db: Database, config: Config, clock: Clock, tasks: TaskService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.tasks = tasks
