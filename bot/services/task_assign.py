"""Handing tasks down: objections, reassignment, changes, cancellation; decisions as tasks."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Config
from bot.services.tasks import TaskService
from storage.db import Database


class TaskAssignService:
    def __init__(self, db: Database, config: Config, clock: Clock, tasks: TaskService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.tasks = tasks
