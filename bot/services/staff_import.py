"""Registering a whole office from its staff sheet (花名册): validate every row, then create
all records and invites in one transaction, and hand the sheet back with the invite links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.i18n import role_labels, t
from bot.services import audit
from bot.services.access import Actor, Role, parse_roles
from bot.services.errors import Conflict, DomainError
from bot.services.people import PeopleService, StaffDraft, clean_name
from bot.services.sheets import (
    SheetRow,
    claim_upload,
    pending_upload,
    read_table,
    read_table_async,
    write_table,
)
from storage.db import Database
from storage.models import SheetUpload

KIND = "staff"
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "name"),
    "department": ("部门", "科室", "单位", "department", "dept"),
    "title": ("职务", "岗位", "title", "position"),
    "phone": ("电话", "联系电话", "手机", "手机号", "phone", "mobile"),
    "roles": ("角色", "权限", "roles", "role"),
}
REQUIRED = {"name", "department"}


@dataclass(frozen=True)
class RowProblem:
    row: int
    key: str
    params: dict[str, object]


@dataclass(frozen=True)
class StaffPreview:
    upload_id: int
    drafts: list[tuple[int, StaffDraft]]
    problems: list[RowProblem]


@dataclass(frozen=True)
class ImportedPerson:
    name: str
    department: str
    link: str
    expires_at: datetime


@dataclass(frozen=True)
class StaffImportResult:
    people: list[ImportedPerson]
    sheet: bytes


def looks_like_staff_sheet(content: bytes) -> bool:
    try:
        read_table(content, COLUMNS, REQUIRED | {"roles"})
    except DomainError:
        return False
    return True


class StaffImportService:
    def __init__(self, db: Database, clock: Clock, people: PeopleService) -> None:
        self.db = db
        self.clock = clock
        self.people = people

    async def _validate(self, rows: list[SheetRow]) -> tuple[list[tuple[int, StaffDraft]],
                                                             list[RowProblem]]:
        drafts: list[tuple[int, StaffDraft]] = []
        problems: list[RowProblem] = []
        seen: dict[str, int] = {}
        async with self.db.transaction() as s:
            for row in rows:
                name = clean_name(row.values.get("name"))
                department = str(row.values.get("department") or "").strip()
                if not name:
                    problems.append(RowProblem(row.number, "import.row_no_name", {}))
                    continue
                if not department:
                    problems.append(RowProblem(row.number, "import.row_no_department",
                                               {"name": name}))
                    continue
                try:
                    roles = parse_roles(row.values.get("roles"))
                except DomainError as exc:
                    problems.append(RowProblem(row.number, exc.key, exc.params))
                    continue
                if name in seen:
                    problems.append(RowProblem(row.number, "import.row_duplicate",
                                               {"name": name, "other": seen[name]}))
                    continue
                seen[name] = row.number
                if await self.people.find_by_name(s, name):
                    problems.append(RowProblem(row.number, "import.row_exists", {"name": name}))
                    continue
                drafts.append((row.number, StaffDraft(
                    name=name, department=department[:100],
                    title=str(row.values.get("title") or "")[:100],
                    phone=str(row.values.get("phone") or "")[:30], roles=roles)))
        return drafts, problems

    async def preview(self, actor: Actor, file_name: str, content: bytes) -> StaffPreview:
        """Check the sheet; keep it so the admin can confirm with a button, even after a restart."""
        actor.require(Role.ADMIN)
        rows = await read_table_async(content, COLUMNS, REQUIRED)
        drafts, problems = await self._validate(rows)
        upload_id = 0
        if not problems:
            async with self.db.transaction() as s:
                upload = SheetUpload(kind=KIND, uploader_id=actor.id, file_name=file_name[:200],
                                     content=content, created_at=self.clock.now())
                s.add(upload)
                await s.flush()
                upload_id = upload.id
        return StaffPreview(upload_id, drafts, problems)

    async def confirm(self, actor: Actor, upload_id: int) -> StaffImportResult:
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            upload = await pending_upload(s, actor, KIND, upload_id)
            content = upload.content
        # Validate again: someone may have registered a name from the sheet meanwhile.
        drafts, problems = await self._validate(
            await read_table_async(content, COLUMNS, REQUIRED))
        if problems:
            first = problems[0]
            raise Conflict("import.changed", row=first.row)
        people: list[ImportedPerson] = []
        out_rows: list[list[object]] = []
        async with self.db.transaction() as s:
            await claim_upload(s, upload_id, "applied", now)
            for number, draft in drafts:
                staff, _ = await self.people.create_staff(s, actor, draft, now)
                invite = await self.people.issue_invite(s, actor, staff, now)
                link = self.people.invite_link(invite.code)
                people.append(ImportedPerson(draft.name, draft.department, link,
                                             invite.expires_at))
                out_rows.append([number, draft.name, draft.department, draft.title, draft.phone,
                                 role_labels(actor.language, draft.roles), link,
                                 invite.expires_at.astimezone(self.people.config.tz)
                                 .strftime("%Y-%m-%d %H:%M")])
            audit.record(s, at=now, actor_id=actor.id, action="staff.import", entity="upload",
                         entity_id=upload_id, after={"count": len(people)})
        lang = actor.language
        sheet = write_table(
            str(t(lang, "import.sheet_title")), str(t(lang, "import.sheet_headers")).split("|"),
            out_rows, note=str(t(lang, "import.sheet_note")),
        )
        return StaffImportResult(people, sheet)

    async def discard(self, actor: Actor, upload_id: int) -> None:
        actor.require(Role.ADMIN)
        async with self.db.transaction() as s:
            upload = await pending_upload(s, actor, KIND, upload_id)
            upload.status = "discarded"
            upload.decided_at = self.clock.now()
