"""Shared helpers for the tasks feature's tests (service tests and sandbox tests alike).

Stable, small API — other task test files import it:
    actor(box_or_services, who)              the Actor of a seeded person (telegram id or name)
    make_task(services, *, by=1001, ...)     a task made through TaskService.prepare/create
    load_task(services, task_id)             the Task row as stored now
    outbox_rows(services, prefix)            {key: status} of outbox rows under a prefix
    event_kinds(services, task_id)           the kinds of the task's TaskEvent rows, in order
    audit_actions(services, task_id)         the audit actions recorded for the task, in order
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.services.access import Actor
from bot.services.audit import history
from bot.services.container import Services
from bot.services.people import actor_of
from bot.services.tasks import TaskView
from storage.models import Notification, Staff, Task, TaskEvent


def _services(box_or_services: Any) -> Services:
    return box_or_services if isinstance(box_or_services, Services) \
        else box_or_services.services


async def actor(box_or_services: Any, who: int | str) -> Actor:
    """The person by Telegram id (1001…1010, see bot/demo/seed.py) or by name."""
    services = _services(box_or_services)
    async with services.db.transaction() as s:
        column = Staff.telegram_user_id if isinstance(who, int) else Staff.name
        staff = await s.scalar(select(Staff).where(column == who))
        assert staff is not None, f"no such person: {who}"
        return await actor_of(staff, services.config.language)


async def make_task(services: Services, *, by: int | str = 1001,
                    title: str = "编制冬季防火方案", owner: str = "张伟",
                    deadline: str = "12月5日", accept: bool = False,
                    **fields: Any) -> TaskView:
    """A task as a leader (by default 王建国) hands it down; `fields` go to prepare()
    (details, source, priority, co_owners, assigner, meeting_id, decision_id).
    accept=True has the owner accept it too."""
    services = _services(services)
    assigner = await actor(services, by)
    draft = await services.tasks.prepare(assigner, title, owner, deadline, **fields)
    view = await services.tasks.create(assigner, draft)
    if accept:
        view = await services.tasks.accept(await actor(services, view.owner.name), view.id)
    return view


async def load_task(services: Any, task_id: int) -> Task:
    async with _services(services).db.transaction() as s:
        task = await s.get(Task, task_id)
        assert task is not None
        return task


async def outbox_rows(services: Any, prefix: str) -> dict[str, str]:
    async with _services(services).db.transaction() as s:
        found = await s.scalars(select(Notification).where(
            Notification.key.startswith(prefix, autoescape=True)))
        return {n.key: n.status for n in found}


async def event_kinds(services: Any, task_id: int) -> list[str]:
    async with _services(services).db.transaction() as s:
        return list(await s.scalars(select(TaskEvent.kind).where(
            TaskEvent.task_id == task_id).order_by(TaskEvent.id)))


async def audit_actions(services: Any, task_id: int) -> list[str]:
    async with _services(services).db.transaction() as s:
        return [e.action for e in await history(s, "task", task_id)]
