"""Progress reports, deadline extensions, completion (办结) and its confirmation.

Who may do what (every method checks it against the acting person, so a forged button
press changes nothing):
- progress: the owner or a co-owner, on an accepted task;
- extension request and completion: the owner (责任人), on an accepted task;
- deciding an extension, confirming or returning a completion: the assigner, the clerk who
  entered the task for them, or an admin (TaskService.require_assigner).

What is kept: each step is a TaskEvent — "progress" (percent, text, file), "extend_ask",
"extend_ok", "extend_no", "submit" (result note, first file), "file" (further completion
files), "confirm", "return" — plus a TaskExtension row per request, and an audit row.
A file's name is None for a photo (sent back with sendPhoto), the document's name otherwise.

Messages: progress on an urgent task reaches the assigner at once; on a normal task it waits
for the leaders' daily digest, which reads progress_since(). Notes to people are outbox rows
numbered like TaskService.tell (`tasknote:<task>:<n>:...`); the cards with buttons are
`taskp:<task>:ext:<ext_id>:card:<staff>` and `taskp:<task>:submit:<n>:<staff>` (n counts the
task's submissions from 0), so after a decision each delivered card is found again through
its outbox row and edited to show who decided and when.

For other parts: open_return() tells whether a return is still open (the supervision
colours), progress_since() feeds the digest, history_of() lists what /task shows,
pending_extensions() and waiting_completions() list what waits for a leader's decision,
close_pending() is for the core's cancel (a pending extension lapses, cards stay unsent).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, short_time
from bot.config import Config
from bot.i18n import ref
from bot.services import audit, outbox
from bot.services.access import Actor, Role
from bot.services.duty import day_ref
from bot.services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from bot.services.tasks import (
    ACCEPTED,
    ASSIGNED,
    DONE,
    OBJECTED,
    OPEN,
    SUBMITTED,
    URGENT,
    TaskService,
    TaskView,
    owner_buttons,
)
from storage.db import Database
from storage.models import Staff, Task, TaskCoOwner, TaskEvent, TaskExtension

PENDING, APPROVED, REJECTED, EXPIRED = "pending", "approved", "rejected", "expired"
PERCENT_CHOICES = (10, 30, 50, 70, 90, 100)
TEXT_LIMIT = 500
REASON_LIMIT = 300  # the TaskExtension columns
NOTE_LIMIT = 1000
MAX_FILES = 5
# "11月20日" typed on 27 November means next year's 20 November to the parser: a new
# deadline that far away without a year written is far likelier a slip than a wish.
FAR_AHEAD = timedelta(days=183)
PERCENT = re.compile(r"^\s*(\d{1,3})\s*%?\s*$")
HISTORY_KINDS = ("progress", "submit", "file", "return", "confirm")
COMPLETION_KINDS = ("submit", "return", "confirm")


@dataclass(frozen=True)
class FileRef:
    file_id: str
    file_name: str | None  # None: a photo

    @property
    def is_photo(self) -> bool:
        return self.file_name is None

    def to_json(self) -> list[str | None]:
        return [self.file_id, self.file_name]

    @classmethod
    def from_json(cls, data: Any) -> FileRef:
        file_id, file_name = data
        return cls(str(file_id), None if file_name is None else str(file_name))


@dataclass(frozen=True)
class ProgressResult:
    task: TaskView
    percent: int
    previous: int
    text: str
    file: FileRef | None
    told_now: bool  # urgent: the assigner was told at once; otherwise the daily digest

    @property
    def went_down(self) -> bool:
        return self.percent < self.previous


@dataclass(frozen=True)
class ProgressNote:
    """One progress report, for the leaders' daily digest."""

    task_id: int
    title: str
    owner: str
    author: str
    percent: int
    text: str
    at: datetime
    has_file: bool
    urgent: bool  # already told at once when it was reported


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str  # progress | submit | file | return | confirm | extension
    author: str
    percent: int | None
    text: str
    file: FileRef | None
    extension: ExtensionView | None = None


@dataclass(frozen=True)
class ExtensionView:
    id: int
    task_id: int
    status: str
    requester: str
    old_deadline: datetime
    new_deadline: datetime
    reason: str
    decided_by: str
    decided_at: datetime | None
    comment: str
    created_at: datetime
    params: dict[str, Any]


@dataclass(frozen=True)
class TaskHistory:
    task: TaskView
    entries: list[HistoryEntry]
    pending: ExtensionView | None
    open_return: str | None  # the reason of a return not yet answered by a new submission
    file_count: int


Card = outbox.SentCard


@dataclass(frozen=True)
class ExtensionOutcome:
    extension: ExtensionView
    cards: list[Card] = field(default_factory=list)


@dataclass(frozen=True)
class CompletionOutcome:
    task: TaskView
    state: str  # done | returned | submitted (still waiting)
    by: str
    at: datetime | None
    reason: str
    cards: list[Card] = field(default_factory=list)


def parse_percent(text: str) -> int:
    """'60', '60%', '６０％' -> 60; anything else, or beyond 0–100, is refused."""
    normal = unicodedata.normalize("NFKC", text or "")
    match = PERCENT.match(normal)
    if match is None or int(match.group(1)) > 100:
        raise InvalidInput("task_progress.bad_percent", text=(text or "").strip()[:20])
    return int(match.group(1))


def clean_text(text: str | None, limit: int, empty_key: str) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput(empty_key)
    if len(value) > limit:
        raise InvalidInput("task_progress.too_long", limit=limit)
    return value


async def open_return(s: AsyncSession, task_id: int) -> bool:
    """True while the task was returned (退回) and not submitted again: its latest
    completion step is a return and it is back in progress. The supervision lists show it
    yellow."""
    latest = await s.scalar(
        select(TaskEvent.kind).where(TaskEvent.task_id == task_id,
                                     TaskEvent.kind.in_(COMPLETION_KINDS))
        .order_by(TaskEvent.id.desc()).limit(1))
    if latest != "return":
        return False
    status = await s.scalar(select(Task.status).where(Task.id == task_id))
    return status == ACCEPTED


class ProgressService:
    def __init__(self, db: Database, config: Config, clock: Clock, tasks: TaskService) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.tasks = tasks
        tasks.on_close.append(self.close_pending)

    # --- helpers ------------------------------------------------------------------------------

    async def _task(self, s: AsyncSession, task_id: int, *, lock: bool = False) -> Task:
        # FOR UPDATE on PostgreSQL (SQLite's BEGIN IMMEDIATE already serialises): two
        # presses at once are decided one after the other, the second sees the first.
        task = await s.get(Task, task_id, with_for_update={"of": Task} if lock else None)
        if task is None:
            raise NotFound("task.unknown")
        return task

    def when_ref(self, moment: datetime) -> dict[str, object]:
        """A deadline as messages show it; with the year when it is not this year's."""
        local = moment.astimezone(self.config.tz)
        when = ref("task.deadline_fmt", date=day_ref(local.date()), time=f"{local:%H:%M}")
        if local.year != self.clock.now().astimezone(self.config.tz).year:
            return ref("task_progress.with_year", year=local.year, when=when)
        return when

    def params(self, task: Task) -> dict[str, Any]:
        return self.tasks.params(task) | {"deadline": self.when_ref(task.deadline)}

    owner_buttons = staticmethod(owner_buttons)

    @staticmethod
    def _require_workable(task: Task) -> None:
        """Progress, extensions and completion are for a task being worked on."""
        if task.status == ACCEPTED:
            return
        if task.status == ASSIGNED:
            raise Conflict("task_progress.accept_first", id=task.id)
        if task.status == OBJECTED:
            raise Conflict("task_progress.objection_open", id=task.id)
        raise Conflict(f"task.already_{task.status}")

    def _require_main_owner(self, actor: Actor, task: Task) -> None:
        """Extension and completion speak for the task: its owner (责任人), not a co-owner."""
        self.tasks.require_owner(actor, task, set())

    async def _tell(self, s: AsyncSession, task: Task, template: str, recipients: list[int],
                    now: datetime, extra: dict[str, Any] | None = None,
                    buttons: list[list[dict[str, Any]]] | None = None) -> None:
        """TaskService.tell, with buttons: keys share its numbering (`tasknote:<id>:<n>`)."""
        prefix = f"tasknote:{task.id}:"
        number = len(await outbox.rows_with_prefix(s, prefix))
        for staff_id in dict.fromkeys(recipients):
            await outbox.schedule(
                s, key=f"{prefix}{number}:{template}:{staff_id}", recipient_id=staff_id,
                template=template, due_at=now, now=now,
                params=self.params(task) | (extra or {}), buttons=buttons,
                urgent=task.priority == URGENT)

    async def _cards(self, s: AsyncSession, prefix: str) -> list[Card]:
        """The delivered cards with buttons under an outbox prefix."""
        return await outbox.sent_cards(s, prefix, self.config.language)

    async def _may_read(self, s: AsyncSession, actor: Actor, task: Task) -> None:
        co = await self.tasks.co_owner_ids(s, task.id)
        if not (self.tasks.is_party(actor, task, co) or actor.is_admin
                or actor.has(Role.LEADER, Role.CLERK)):
            raise PermissionDenied("task.not_yours")

    # --- lists --------------------------------------------------------------------------------

    async def workable(self, actor: Actor, *, co_owned: bool = True) -> list[TaskView]:
        """The asker's accepted tasks, as owner (and co-owner, for progress), deadline first."""
        async with self.db.transaction() as s:
            mine = Task.owner_id == actor.id
            if co_owned:
                co = select(TaskCoOwner.task_id).where(TaskCoOwner.staff_id == actor.id,
                                                       TaskCoOwner.active.is_(True))
                mine = mine | Task.id.in_(co)
            rows = await s.scalars(select(Task).where(mine, Task.status == ACCEPTED)
                                   .order_by(Task.deadline, Task.id))
            return [await self.tasks.view_of(s, task) for task in rows]

    # --- progress -----------------------------------------------------------------------------

    async def check_report(self, actor: Actor, task_id: int) -> TaskView:
        """May the asker report progress on this task now? Nothing is saved."""
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            self.tasks.require_owner(actor, task, await self.tasks.co_owner_ids(s, task.id))
            self._require_workable(task)
            return await self.tasks.view_of(s, task)

    async def report(self, actor: Actor, task_id: int, percent: int | str, text: str,
                     file: FileRef | None = None) -> ProgressResult:
        value = percent if isinstance(percent, int) else parse_percent(percent)
        if not 0 <= value <= 100:
            raise InvalidInput("task_progress.bad_percent", text=str(percent))
        words = clean_text(text, TEXT_LIMIT, "task_progress.no_text")
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self._task(s, task_id, lock=True)
            self.tasks.require_owner(actor, task, await self.tasks.co_owner_ids(s, task.id))
            self._require_workable(task)
            previous = task.progress
            task.progress, task.updated_at = value, now
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="progress",
                            percent=value, text=words,
                            file_id=file.file_id if file else None,
                            file_name=file.file_name if file else None, created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.progress", entity="task",
                         entity_id=task.id, before={"progress": previous},
                         after={"progress": value, "text": words,
                                "file": file.to_json() if file else None})
            urgent = task.priority == URGENT
            if urgent:
                # Told at once; a normal task's progress waits for the daily digest.
                buttons = [[{"key": "btn.taskp_files", "data": f"taskp:files:{task.id}"}]] \
                    if file else None
                await self._tell(s, task, "task_progress.notice", [task.assigner_id], now, {
                    "percent": value, "previous": previous, "text": words,
                    "author": actor.name, "file": self._file_ref(file)}, buttons)
            return ProgressResult(task=await self.tasks.view_of(s, task), percent=value,
                                  previous=previous, text=words, file=file, told_now=urgent)

    @staticmethod
    def _file_ref(file: FileRef | None) -> object:
        if file is None:
            return ""
        name = ref("task_progress.photo") if file.is_photo else file.file_name
        return ref("task_progress.notice_file", name=name)

    async def progress_since(self, assigner_id: int, since: datetime) -> list[ProgressNote]:
        """Progress reported since `since` on tasks the leader handed down (as assigner), in
        the order reported — for the daily digest. Urgent tasks' reports were already sent
        at once (urgent=True); the digest may leave them out or mark them."""
        async with self.db.transaction() as s:
            rows = await s.execute(
                select(TaskEvent, Task).join(Task, Task.id == TaskEvent.task_id)
                .where(Task.assigner_id == assigner_id, TaskEvent.kind == "progress",
                       TaskEvent.created_at >= since)
                .order_by(TaskEvent.created_at, TaskEvent.id))
            return [ProgressNote(task_id=task.id, title=task.title, owner=task.owner.name,
                                 author=event.author.name, percent=event.percent or 0,
                                 text=event.text, at=event.created_at,
                                 has_file=event.file_id is not None,
                                 urgent=task.priority == URGENT)
                    for event, task in rows.all()]

    # --- history and files --------------------------------------------------------------------

    async def history(self, actor: Actor, task_id: int) -> TaskHistory:
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            await self._may_read(s, actor, task)
            return await self._history(s, task)

    async def history_of(self, task_id: int) -> TaskHistory:
        """Unchecked: for a caller that already checked the reader (/task via
        TaskService.get)."""
        async with self.db.transaction() as s:
            return await self._history(s, await self._task(s, task_id))

    async def _history(self, s: AsyncSession, task: Task) -> TaskHistory:
        events = list(await s.scalars(
            select(TaskEvent).where(TaskEvent.task_id == task.id,
                                    TaskEvent.kind.in_(HISTORY_KINDS))
            .order_by(TaskEvent.created_at, TaskEvent.id)))
        entries = [HistoryEntry(
            at=e.created_at, kind=e.kind, author=e.author.name, percent=e.percent,
            text=e.text, file=FileRef(e.file_id, e.file_name) if e.file_id else None)
            for e in events]
        pending: ExtensionView | None = None
        for ext in await s.scalars(select(TaskExtension).where(
                TaskExtension.task_id == task.id).order_by(TaskExtension.id)):
            view = await self._ext_view(s, ext, task)
            if ext.status == PENDING:
                pending = view
            elif ext.decided_at is not None:
                entries.append(HistoryEntry(
                    at=ext.decided_at, kind="extension", author=view.decided_by or "—",
                    percent=None, text=ext.comment, file=None, extension=view))
        entries.sort(key=lambda e: e.at)
        returned = None
        completion = [e for e in events if e.kind in COMPLETION_KINDS]
        if completion and completion[-1].kind == "return" and task.status == ACCEPTED:
            returned = completion[-1].text
        return TaskHistory(task=await self.tasks.view_of(s, task), entries=entries,
                           pending=pending, open_return=returned,
                           file_count=sum(1 for e in entries if e.file is not None))

    async def files(self, actor: Actor, task_id: int) -> tuple[TaskView, list[FileRef]]:
        """Every file of the task's progress and completion, oldest first."""
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            await self._may_read(s, actor, task)
            rows = await s.scalars(select(TaskEvent).where(
                TaskEvent.task_id == task.id, TaskEvent.file_id.is_not(None))
                .order_by(TaskEvent.id))
            return (await self.tasks.view_of(s, task),
                    [FileRef(str(e.file_id), e.file_name) for e in rows])

    # --- extensions ---------------------------------------------------------------------------

    async def check_extend(self, actor: Actor, task_id: int) -> TaskView:
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            await self._check_extend(s, actor, task, self.clock.now())
            return await self.tasks.view_of(s, task)

    @staticmethod
    def _outdated(ext: TaskExtension, task: Task) -> bool:
        return ext.requester_id != task.owner_id or ext.old_deadline != task.deadline

    async def _check_extend(self, s: AsyncSession, actor: Actor, task: Task,
                            now: datetime) -> None:
        self._require_main_owner(actor, task)
        self._require_workable(task)
        waiting = await s.scalar(select(TaskExtension).where(
            TaskExtension.task_id == task.id, TaskExtension.status == PENDING))
        if waiting is None:
            return
        if waiting.new_deadline <= now or self._outdated(waiting, task):
            # Never decided in time, or asked by a former owner or against a deadline that
            # has changed since: it can only lapse, and must not block a new request.
            await self._expire(s, waiting, task, now, tell=False)
            return
        raise Conflict("task_progress.ext_pending", id=task.id,
                       new_deadline=self.when_ref(waiting.new_deadline),
                       assigner=task.assigner.name)

    def _new_deadline(self, task: Task, text: str, now: datetime) -> datetime:
        when = self.tasks.parse_deadline(text)
        if when <= task.deadline:
            raise InvalidInput("task_progress.ext_not_later", text=text.strip(),
                               deadline=self.when_ref(task.deadline))
        if when - now > FAR_AHEAD and not re.search(r"年|\d{4}", text):
            raise InvalidInput("task_progress.ext_far", text=text.strip(),
                               when=self.when_ref(when))
        return when

    async def parse_extension(self, actor: Actor, task_id: int, text: str) -> datetime:
        """The new deadline the owner typed, checked: later than the current one and to
        come. Nothing is saved; the conversation echoes it before asking the reason."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            await self._check_extend(s, actor, task, now)
            return self._new_deadline(task, text, now)

    async def split_extension(self, actor: Actor, task_id: int,
                              text: str) -> tuple[datetime, str]:
        """'12月20日 需等待批复' or '12月20日 17:00 原因' -> (deadline, reason): the longest
        leading words that read as a time are the deadline, the rest is the reason."""
        words = text.split()
        if not words:
            raise InvalidInput("task_progress.extend_usage")
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            await self._check_extend(s, actor, task, now)
            first_error: InvalidInput | None = None
            for count in range(min(len(words), 3), 0, -1):
                try:
                    when = self._new_deadline(task, " ".join(words[:count]), now)
                except InvalidInput as exc:
                    if exc.key not in ("time.unparsed", "time.ambiguous"):
                        raise
                    first_error = exc
                    continue
                return when, " ".join(words[count:])
            assert first_error is not None
            raise first_error

    async def request_extension(self, actor: Actor, task_id: int, new_deadline: datetime,
                                reason: str) -> ExtensionView:
        why = clean_text(reason, REASON_LIMIT, "task_progress.no_reason")
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self._task(s, task_id, lock=True)
            await self._check_extend(s, actor, task, now)
            asked = short_time(new_deadline, self.config.tz)
            if new_deadline <= now:
                raise InvalidInput("time.past", text=asked)
            if new_deadline <= task.deadline:
                raise InvalidInput("task_progress.ext_not_later", text=asked,
                                   deadline=self.when_ref(task.deadline))
            ext = TaskExtension(task_id=task.id, requester_id=actor.id,
                                old_deadline=task.deadline, new_deadline=new_deadline,
                                reason=why, status=PENDING, comment="", created_at=now)
            s.add(ext)
            await s.flush()
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="extend_ask", text=why,
                            created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.extend_ask", entity="task",
                         entity_id=task.id, after=self._ext_snapshot(ext))
            view = await self._ext_view(s, ext, task)
            await outbox.schedule(
                s, key=f"taskp:{task.id}:ext:{ext.id}:card:{task.assigner_id}",
                recipient_id=task.assigner_id, template="task_progress.ext_card", due_at=now,
                now=now, params=view.params, urgent=task.priority == URGENT,
                buttons=[[{"key": "btn.taskp_ext_ok", "data": f"taskp:ext_ok:{ext.id}"},
                          {"key": "btn.taskp_ext_no", "data": f"taskp:ext_no:{ext.id}"}]])
            return view

    async def _ext(self, s: AsyncSession, ext_id: int, *, lock: bool = False) -> TaskExtension:
        ext = await s.get(TaskExtension, ext_id,
                          with_for_update={"of": TaskExtension} if lock else None)
        if ext is None:
            raise NotFound("task_progress.ext_unknown")
        return ext

    async def _decidable(self, s: AsyncSession, actor: Actor, ext: TaskExtension,
                         task: Task) -> None:
        self.tasks.require_assigner(actor, task)
        if ext.status != PENDING:
            view = await self._ext_view(s, ext, task)
            raise Conflict("task_progress.ext_already",
                           state=ref(f"task_progress.ext_state.{ext.status}"),
                           by=view.decided_by or "—", at=short_time(ext.decided_at, self.config.tz))
        if task.status not in OPEN:
            raise Conflict(f"task.already_{task.status}")

    async def check_extension_decision(self, actor: Actor, ext_id: int) -> ExtensionView:
        async with self.db.transaction() as s:
            ext = await self._ext(s, ext_id)
            task = await self._task(s, ext.task_id)
            await self._decidable(s, actor, ext, task)
            return await self._ext_view(s, ext, task)

    async def approve_extension(self, actor: Actor, ext_id: int) -> ExtensionOutcome:
        return await self._decide_extension(actor, ext_id, APPROVED, "")

    async def reject_extension(self, actor: Actor, ext_id: int,
                               comment: str = "") -> ExtensionOutcome:
        said = (comment or "").strip()
        if len(said) > REASON_LIMIT:
            raise InvalidInput("task_progress.too_long", limit=REASON_LIMIT)
        return await self._decide_extension(actor, ext_id, REJECTED, said)

    async def _decide_extension(self, actor: Actor, ext_id: int, status: str,
                                comment: str) -> ExtensionOutcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            ext = await self._ext(s, ext_id, lock=True)
            task = await self._task(s, ext.task_id, lock=True)
            await self._decidable(s, actor, ext, task)
            if status == APPROVED and (ext.new_deadline <= now or self._outdated(ext, task)):
                # Decided too late (the asked-for day has passed), or the task changed hands
                # or deadline since it was asked: approving would undo that, so it lapses.
                await self._expire(s, ext, task, now, tell=True, actor=actor)
                return ExtensionOutcome(await self._ext_view(s, ext, task),
                                        await self._cards(s, f"taskp:{task.id}:ext:{ext.id}:"))
            before = self._ext_snapshot(ext)
            ext.status, ext.decided_by_id, ext.decided_at, ext.comment = (
                status, actor.id, now, comment)
            kind = "extend_ok" if status == APPROVED else "extend_no"
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind=kind, text=comment,
                            created_at=now))
            audit.record(s, at=now, actor_id=actor.id,
                         action="task.extend_approve" if status == APPROVED
                         else "task.extend_reject",
                         entity="task", entity_id=task.id, before=before,
                         after=self._ext_snapshot(ext))
            await outbox.cancel_prefix(s, f"taskp:{task.id}:ext:{ext.id}:")
            told = {"by": actor.name, "comment": ref("task_progress.with_comment",
                                                     comment=comment) if comment else ""}
            if status == APPROVED:
                old = task.deadline
                task.deadline, task.updated_at = ext.new_deadline, now
                audit.record(s, at=now, actor_id=actor.id, action="task.deadline",
                             entity="task", entity_id=task.id,
                             before={"deadline": old.isoformat()},
                             after={"deadline": task.deadline.isoformat(),
                                    "extension_id": ext.id})
                # The old deadline's reminders, chases and escalations no longer apply.
                await self.tasks.cancel_reminders(s, task)
                await self.tasks.schedule_reminders(s, task)
                co = sorted(await self.tasks.co_owner_ids(s, task.id))
                await self._tell(s, task, "task_progress.ext_approved_notice",
                                 [task.owner_id, *co], now, told,
                                 self.owner_buttons(task.id)[:1])
            else:
                await self._tell(s, task, "task_progress.ext_rejected_notice",
                                 [ext.requester_id], now, told, self.owner_buttons(task.id))
            return ExtensionOutcome(await self._ext_view(s, ext, task),
                                    await self._cards(s, f"taskp:{task.id}:ext:{ext.id}:"))

    async def extension_status(self, actor: Actor, ext_id: int) -> ExtensionOutcome:
        """A request as it stands, with its cards, for whoever may decide it (a stale card
        is redrawn)."""
        async with self.db.transaction() as s:
            ext = await self._ext(s, ext_id)
            task = await self._task(s, ext.task_id)
            self.tasks.require_assigner(actor, task)
            cards = [] if ext.status == PENDING else \
                await self._cards(s, f"taskp:{task.id}:ext:{ext.id}:")
            return ExtensionOutcome(await self._ext_view(s, ext, task), cards)

    async def _expire(self, s: AsyncSession, ext: TaskExtension, task: Task, now: datetime,
                      *, tell: bool, actor: Actor | None = None) -> None:
        before = self._ext_snapshot(ext)
        ext.status, ext.decided_at = EXPIRED, now
        audit.record(s, at=now, actor_id=actor.id if actor else None,
                     action="task.extend_expire", entity="task", entity_id=task.id,
                     before=before, after=self._ext_snapshot(ext))
        await outbox.cancel_prefix(s, f"taskp:{task.id}:ext:{ext.id}:")
        if tell:
            await self._tell(s, task, "task_progress.ext_expired_notice", [ext.requester_id],
                             now, {"new_deadline": self.when_ref(ext.new_deadline)})

    async def close_pending(self, s: AsyncSession, task: Task, now: datetime,
                            actor: Actor | None = None) -> None:
        """A task closed (confirmed, or cancelled by the core) has nothing left to decide:
        its pending extension lapses and its undelivered cards are never sent. For the
        caller's open transaction."""
        for waiting in list(await s.scalars(select(TaskExtension).where(
                TaskExtension.task_id == task.id, TaskExtension.status == PENDING))):
            await self._expire(s, waiting, task, now, tell=False, actor=actor)
        await outbox.cancel_prefix(s, f"taskp:{task.id}:")

    async def pending_extensions(self, assigner_id: int) -> list[ExtensionView]:
        """Requests waiting for this leader's decision (for the daily digest)."""
        async with self.db.transaction() as s:
            rows = await s.execute(
                select(TaskExtension, Task).join(Task, Task.id == TaskExtension.task_id)
                .where(Task.assigner_id == assigner_id, TaskExtension.status == PENDING,
                       Task.status.in_(OPEN))
                .order_by(TaskExtension.id))
            return [await self._ext_view(s, ext, task) for ext, task in rows.all()]

    @staticmethod
    def _ext_snapshot(ext: TaskExtension) -> dict[str, Any]:
        return {"id": ext.id, "status": ext.status, "old_deadline": ext.old_deadline.isoformat(),
                "new_deadline": ext.new_deadline.isoformat(), "reason": ext.reason,
                "comment": ext.comment}

    async def _ext_view(self, s: AsyncSession, ext: TaskExtension, task: Task) -> ExtensionView:
        requester = await s.get(Staff, ext.requester_id)
        decider = await s.get(Staff, ext.decided_by_id) if ext.decided_by_id else None
        name = requester.name if requester else "—"
        return ExtensionView(
            id=ext.id, task_id=task.id, status=ext.status, requester=name,
            old_deadline=ext.old_deadline, new_deadline=ext.new_deadline, reason=ext.reason,
            decided_by=decider.name if decider else "", decided_at=ext.decided_at,
            comment=ext.comment, created_at=ext.created_at,
            params=self.params(task) | {
                "ext_id": ext.id, "requester": name, "reason": ext.reason,
                "old_deadline": self.when_ref(ext.old_deadline),
                "new_deadline": self.when_ref(ext.new_deadline)})

    # --- completion ---------------------------------------------------------------------------

    async def check_submit(self, actor: Actor, task_id: int) -> TaskView:
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            self._require_main_owner(actor, task)
            self._require_workable(task)
            return await self.tasks.view_of(s, task)

    async def submit(self, actor: Actor, task_id: int, note: str,
                     files: list[FileRef] | None = None) -> TaskView:
        said = clean_text(note, NOTE_LIMIT, "task_progress.no_note")
        attached = list(files or [])
        if len(attached) > MAX_FILES:
            raise InvalidInput("task_progress.too_many_files", limit=MAX_FILES)
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self._task(s, task_id, lock=True)
            self._require_main_owner(actor, task)
            self._require_workable(task)
            number = await self._submissions(s, task.id)
            before = {"status": task.status}
            task.status, task.submitted_at, task.result_note, task.updated_at = (
                SUBMITTED, now, said, now)
            await self.tasks.stop_chasing(s, task)
            first = attached[0] if attached else None
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="submit", text=said,
                            file_id=first.file_id if first else None,
                            file_name=first.file_name if first else None, created_at=now))
            for more in attached[1:]:
                s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="file",
                                file_id=more.file_id, file_name=more.file_name,
                                created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.submit", entity="task",
                         entity_id=task.id, before=before,
                         after={"status": SUBMITTED, "note": said,
                                "files": [f.to_json() for f in attached]})
            buttons: list[list[dict[str, Any]]] = [
                [{"key": "btn.taskp_confirm", "data": f"taskp:confirm:{task.id}"},
                 {"key": "btn.taskp_return", "data": f"taskp:return:{task.id}"}]]
            if attached:
                buttons.append([{"key": "btn.taskp_files", "data": f"taskp:files:{task.id}"}])
            files_line: object = ref("task_progress.card_files", count=len(attached)) \
                if attached else ""
            await outbox.schedule(
                s, key=f"taskp:{task.id}:submit:{number}:{task.assigner_id}",
                recipient_id=task.assigner_id, template="task_progress.submit_card",
                due_at=now, now=now, urgent=task.priority == URGENT, buttons=buttons,
                params=self.params(task) | {"note": said, "files": files_line})
            return await self.tasks.view_of(s, task)

    async def _submissions(self, s: AsyncSession, task_id: int) -> int:
        return int(await s.scalar(select(func.count()).select_from(TaskEvent).where(
            TaskEvent.task_id == task_id, TaskEvent.kind == "submit")) or 0)

    async def _submission_cards(self, s: AsyncSession, task_id: int) -> list[Card]:
        """The cards of the latest submission (earlier ones keep showing their return)."""
        current = await self._submissions(s, task_id) - 1
        return await self._cards(s, f"taskp:{task_id}:submit:{current}:")

    async def _check_decision(self, s: AsyncSession, actor: Actor, task: Task,
                              card_message_id: int | None) -> None:
        self.tasks.require_assigner(actor, task)
        if task.status != SUBMITTED:
            if task.status in OPEN:
                raise Conflict("task_progress.not_submitted", id=task.id,
                               state=ref(f"task.status.{task.status}"))
            raise Conflict(f"task.already_{task.status}")
        if card_message_id is not None:
            # A card of an earlier submission (returned since) must not decide this one.
            current = await self._submissions(s, task.id) - 1
            for row in await outbox.rows_with_prefix(s, f"taskp:{task.id}:submit:"):
                if row.message_id == card_message_id and row.recipient_id == actor.id \
                        and int(row.key.split(":")[3]) != current:
                    raise Conflict("task_progress.stale_card")

    async def check_completion_decision(self, actor: Actor, task_id: int,
                                        card_message_id: int | None = None) -> TaskView:
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            await self._check_decision(s, actor, task, card_message_id)
            return await self.tasks.view_of(s, task)

    async def confirm(self, actor: Actor, task_id: int,
                      card_message_id: int | None = None) -> CompletionOutcome:
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self._task(s, task_id, lock=True)
            await self._check_decision(s, actor, task, card_message_id)
            before = {"status": task.status, "progress": task.progress}
            task.status, task.closed_at, task.progress, task.updated_at = DONE, now, 100, now
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="confirm",
                            created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.confirm", entity="task",
                         entity_id=task.id, before=before,
                         after={"status": DONE, "progress": 100})
            await self.tasks.closed(s, task, now, actor)
            co = sorted(await self.tasks.co_owner_ids(s, task.id))
            await self._tell(s, task, "task_progress.confirmed_notice", [task.owner_id, *co],
                             now, {"by": actor.name})
            return CompletionOutcome(
                task=await self.tasks.view_of(s, task), state="done", by=actor.name, at=now,
                reason="", cards=await self._submission_cards(s, task.id))

    async def return_task(self, actor: Actor, task_id: int, reason: str,
                          card_message_id: int | None = None) -> CompletionOutcome:
        why = clean_text(reason, REASON_LIMIT, "task_progress.no_return_reason")
        now = self.clock.now()
        async with self.db.transaction() as s:
            task = await self._task(s, task_id, lock=True)
            await self._check_decision(s, actor, task, card_message_id)
            before = {"status": task.status}
            task.status, task.submitted_at, task.updated_at = ACCEPTED, None, now
            await self.tasks.schedule_reminders(s, task)  # back in the owner's hands
            s.add(TaskEvent(task_id=task.id, author_id=actor.id, kind="return", text=why,
                            created_at=now))
            audit.record(s, at=now, actor_id=actor.id, action="task.return", entity="task",
                         entity_id=task.id, before=before,
                         after={"status": ACCEPTED, "reason": why})
            await self._tell(s, task, "task_progress.returned_notice", [task.owner_id], now,
                             {"by": actor.name, "reason": why}, self.owner_buttons(task.id))
            return CompletionOutcome(
                task=await self.tasks.view_of(s, task), state="returned", by=actor.name,
                at=now, reason=why, cards=await self._submission_cards(s, task.id))

    async def completion_status(self, actor: Actor, task_id: int) -> CompletionOutcome:
        """The last completion step as it stands, with its cards (a stale card is redrawn)."""
        async with self.db.transaction() as s:
            task = await self._task(s, task_id)
            self.tasks.require_assigner(actor, task)
            last = await s.scalar(
                select(TaskEvent).where(TaskEvent.task_id == task.id,
                                        TaskEvent.kind.in_(COMPLETION_KINDS))
                .order_by(TaskEvent.id.desc()).limit(1))
            view = await self.tasks.view_of(s, task)
            if last is None or last.kind == "submit":
                return CompletionOutcome(view, "submitted", "", None, "")
            state = "done" if last.kind == "confirm" else "returned"
            return CompletionOutcome(view, state, last.author.name, last.created_at, last.text,
                                     await self._submission_cards(s, task.id))

    async def waiting_completions(self, assigner_id: int) -> list[TaskView]:
        """Tasks submitted as complete and waiting for this leader's confirmation."""
        async with self.db.transaction() as s:
            rows = await s.scalars(select(Task).where(
                Task.assigner_id == assigner_id, Task.status == SUBMITTED)
                .order_by(Task.submitted_at, Task.id))
            return [await self.tasks.view_of(s, task) for task in rows]
