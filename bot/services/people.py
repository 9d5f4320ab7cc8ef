"""People and access: departments, staff records, invites, registration, roles, language."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.clock import Clock
from bot.config import Config
from bot.i18n import normalize_language
from bot.services import audit, outbox
from bot.services.access import Actor, Role, parse_roles
from bot.services.errors import Conflict, InvalidInput, NotFound
from storage.db import Database
from storage.models import Department, Invite, Staff, StaffRole

log = logging.getLogger(__name__)

PAGE_SIZE = 20


# The access gate's read (resolve_actor), built once: the person, their department's name and
# their roles, a row per role.
_ACTOR = (
    select(Staff.id, Staff.name, Staff.department_id, Staff.title, Staff.language, Staff.active,
           Staff.reachable, Department.name.label("department"), StaffRole.role)
    .outerjoin(Department, Department.id == Staff.department_id)
    .outerjoin(StaffRole, StaffRole.staff_id == Staff.id)
    .where(Staff.telegram_user_id == bindparam("telegram_user_id"))
)


@dataclass(frozen=True)
class StaffDraft:
    """A person as an admin describes them, before a record exists."""

    name: str
    department: str = ""
    title: str = ""
    phone: str = ""
    roles: frozenset[Role] | None = None  # None: not given (plain staff for a new person)


@dataclass(frozen=True)
class IssuedInvite:
    staff_id: int
    name: str
    code: str
    expires_at: datetime
    new_department: bool = False


@dataclass(frozen=True)
class PersonView:
    id: int
    name: str
    department: str
    title: str
    phone: str
    roles: frozenset[Role]
    registered: bool
    active: bool
    reachable: bool


@dataclass(frozen=True)
class PeoplePage:
    people: list[PersonView]
    page: int
    pages: int
    total: int


async def _view(staff: Staff) -> PersonView:
    await with_roles(staff)
    return PersonView(
        id=staff.id, name=staff.name,
        department=staff.department.name if staff.department else "",
        title=staff.title, phone=staff.phone,
        roles=frozenset(Role(r.role) for r in staff.roles),
        registered=staff.telegram_user_id is not None,
        active=staff.active, reachable=staff.reachable,
    )


async def _snapshot(staff: Staff) -> dict[str, object]:
    await with_roles(staff)
    return {
        "name": staff.name, "department_id": staff.department_id, "title": staff.title,
        "phone": staff.phone, "roles": sorted(r.role for r in staff.roles),
        "active": staff.active, "telegram_user_id": staff.telegram_user_id,
        "language": staff.language,
    }


def clean_name(value: object) -> str:
    return "".join(str(value or "").split())


def parse_draft(fields: list[str]) -> StaffDraft:
    """The fields of '/invite 姓名 | 部门 | 职务 | 电话 | 角色'; only the name is required."""
    fields = [f.strip() for f in fields] + [""] * 5
    name = clean_name(fields[0])
    if not name:
        raise InvalidInput("people.invite_usage")
    if len(name) > 50:
        raise InvalidInput("error.too_long", field=name[:10] + "…", limit=50)
    return StaffDraft(
        name=name, department=fields[1][:100], title=fields[2][:100], phone=fields[3][:30],
        roles=parse_roles(fields[4]) if fields[4].strip() else None,
    )


async def with_roles(staff: Staff) -> Staff:
    """The person with their roles read: Staff.roles is loaded only when asked for."""
    await staff.awaitable_attrs.roles
    return staff


async def is_leader(staff: Staff) -> bool:
    return Role.LEADER.value in {r.role for r in (await with_roles(staff)).roles}


async def actor_of(staff: Staff, default_language: str) -> Actor:
    """An Actor from a person read in this unit of work (the gate builds its own)."""
    return Actor.of(await with_roles(staff), default_language)


async def resolve_person(s: AsyncSession, text: str, *, leader: bool = False) -> Staff:
    """A person as offices name them: the full name (张伟), or for leaders a surname with a
    title (王书记, 李镇长). Unknown, ambiguous and deactivated names are refused."""
    name = clean_name(text)
    if not name:
        raise InvalidInput("duty.name_missing")
    found = list(await s.scalars(select(Staff).where(Staff.name == name)))
    active = [p for p in found if p.active]
    if len(active) > 1:
        raise InvalidInput("people.ambiguous_name", name=name, count=len(active))
    if active:
        return active[0]
    if found:
        raise InvalidInput("duty.person_inactive", name=name)
    if len(name) >= 2:
        surname, title = name[0], name[1:]
        query = select(Staff).where(Staff.active.is_(True), Staff.name.startswith(surname),
                                    Staff.title.contains(title))
        if leader:
            query = query.join(StaffRole).where(StaffRole.role == Role.LEADER.value)
        titled = list(await s.scalars(query))
        # A 副书记 must not pass for the 书记 when both are there.
        exact = [p for p in titled if p.title.endswith(title)
                 and not p.title.endswith("副" + title)]
        titled = exact or titled
        if len(titled) == 1:
            return titled[0]
        if len(titled) > 1:
            raise InvalidInput("people.ambiguous_name", name=name, count=len(titled))
    raise NotFound("people.unknown_name", name=name)


async def resolve_leader(s: AsyncSession, text: str, error_key: str) -> Staff:
    """A person named as a leader (王书记: among the leaders so titled), refused with
    `error_key` (given {name}) when the one found holds no leader role: each caller keeps the
    words of its own feature (带班领导, 交办领导)."""
    leader = await resolve_person(s, text, leader=True)
    if not await is_leader(leader):
        raise InvalidInput(error_key, name=leader.name)
    return leader


HEAD_TITLES = ("主任", "书记", "队长", "所长", "站长", "部长", "镇长", "组长")


async def find_department_head(s: AsyncSession, dept: Department) -> Staff | None:
    """The department's head (负责人): the one set with /dept_head, else its only active
    member titled 主任, 书记, 队长... (not 副主任); None when that is not clear."""
    if dept.head_id is not None:
        head = await s.get(Staff, dept.head_id)
        if head is not None and head.active:
            return head
    members = list(await s.scalars(select(Staff).where(
        Staff.department_id == dept.id, Staff.active.is_(True)).order_by(Staff.id)))
    heads = [m for m in members if any(m.title.endswith(t) and "副" not in m.title
                                       for t in HEAD_TITLES)]
    return heads[0] if len(heads) == 1 else None


async def holders(s: AsyncSession, role: Role) -> list[int]:
    """The ids of the active people who have a role (all clerks, all admins...)."""
    return list(await s.scalars(select(Staff.id).join(StaffRole).where(
        StaffRole.role == role.value, Staff.active.is_(True)).order_by(Staff.id)))


async def mark_unreachable(s: AsyncSession, person: Staff, now: datetime) -> None:
    """The person blocked the bot: note it, and tell the admins to phone them instead."""
    if not person.reachable:
        return
    person.reachable = False
    log.warning("%s (staff %d) blocked the bot", person.name, person.id)
    audit.record(s, at=now, actor_id=None, action="staff.unreachable", entity="staff",
                 entity_id=person.id, before={"reachable": True}, after={"reachable": False})
    admins = await s.scalars(select(Staff.id).join(StaffRole).where(
        StaffRole.role == Role.ADMIN.value, Staff.active.is_(True), Staff.id != person.id,
        Staff.telegram_user_id.is_not(None)))
    for admin_id in admins:
        await outbox.schedule(
            s, key=f"unreachable:{person.id}:{now:%Y%m%d%H%M%S}:{admin_id}",
            recipient_id=admin_id, template="notify.unreachable", due_at=now, now=now,
            urgent=True, params={"name": person.name, "phone": person.phone or "—"},
        )


# What other features do when someone is deactivated (e.g. tell the admins of approvals
# left waiting on them): called with the session, the person (already inactive), the admin
# and the time, inside the deactivation's transaction, so both commit or neither does.
DeactivateHook = Callable[[AsyncSession, Staff, Actor, datetime], Awaitable[None]]


class PeopleService:
    def __init__(self, db: Database, config: Config, clock: Clock) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.bot_username = "officebot"
        self.on_deactivate: list[DeactivateHook] = []

    def invite_link(self, code: str) -> str:
        return f"https://t.me/{self.bot_username}?start={code}"

    # --- who is asking ---------------------------------------------------------------

    async def resolve_actor(
        self, telegram_user_id: int, display_name: str, language_code: str | None
    ) -> Actor | None:
        """The registered, active person behind a Telegram account, or None.

        Config admins get a record on their first message, so an office can start from an
        empty database.

        This runs before every update, so it reads only the columns an Actor needs, in one
        prepared statement (a row per role), instead of loading the ORM object (a third of
        the work per update went here: docs/performance.md, benchmark 1).
        """
        async with self.db.transaction() as s:
            rows = (await s.execute(_ACTOR, {"telegram_user_id": telegram_user_id})).all()
            row = rows[0] if rows else None
            if row is None:
                if telegram_user_id not in self.config.admins:
                    return None
                staff = await self._bootstrap_admin(s, telegram_user_id, display_name,
                                                    language_code)
                return await actor_of(staff, self.config.language)
            if not row.active:
                return None
            if not row.reachable:
                # They wrote to us, so they unblocked the bot.
                await s.execute(update(Staff).where(Staff.id == row.id).values(reachable=True))
            return Actor.from_fields(
                id=row.id, name=row.name, roles=(r.role for r in rows if r.role),
                language=row.language, default_language=self.config.language,
                telegram_user_id=telegram_user_id, department_id=row.department_id,
                department=row.department, title=row.title)

    async def _bootstrap_admin(
        self, s: AsyncSession, telegram_user_id: int, display_name: str, language_code: str | None
    ) -> Staff:
        now = self.clock.now()
        staff = Staff(
            name=clean_name(display_name)[:50] or f"admin{telegram_user_id}",
            telegram_user_id=telegram_user_id, created_at=now,
            language=normalize_language(language_code, self.config.language),
            roles=[StaffRole(role=Role.ADMIN.value)],
        )
        s.add(staff)
        await s.flush()
        audit.record(s, at=now, actor_id=staff.id, action="staff.bootstrap_admin",
                     entity="staff", entity_id=staff.id, after=await _snapshot(staff))
        log.info("config admin %s registered as staff %d", telegram_user_id, staff.id)
        return staff

    async def set_reachable(self, telegram_user_id: int, reachable: bool) -> None:
        """Telegram told us the person blocked or unblocked the bot."""
        async with self.db.transaction() as s:
            staff = await s.scalar(select(Staff).where(Staff.telegram_user_id == telegram_user_id))
            if staff is None or staff.reachable == reachable:
                return
            if reachable:
                staff.reachable = True
            else:
                await mark_unreachable(s, staff, self.clock.now())

    # --- departments and records ------------------------------------------------------

    async def department(
        self, s: AsyncSession, name: str, now: datetime
    ) -> tuple[Department, bool]:
        found = await s.scalar(select(Department).where(Department.name == name))
        if found is not None:
            return found, False
        dept = Department(name=name, created_at=now)
        s.add(dept)
        await s.flush()
        return dept, True

    async def create_staff(self, s: AsyncSession, actor: Actor, draft: StaffDraft,
                           now: datetime) -> tuple[Staff, bool]:
        dept, created = (await self.department(s, draft.department, now)) if draft.department \
            else (None, False)
        staff = Staff(
            name=draft.name, department_id=dept.id if dept else None, title=draft.title,
            phone=draft.phone, created_at=now,
            roles=[StaffRole(role=r.value) for r in sorted(draft.roles or {Role.STAFF})],
        )
        s.add(staff)
        await s.flush()
        audit.record(s, at=now, actor_id=actor.id, action="staff.create", entity="staff",
                     entity_id=staff.id, after=await _snapshot(staff))
        return staff, created

    async def find_by_name(self, s: AsyncSession, name: str, *,
                           active_only: bool = True) -> list[Staff]:
        query = select(Staff).where(Staff.name == clean_name(name))
        if active_only:
            query = query.where(Staff.active.is_(True))
        return list(await s.scalars(query.order_by(Staff.id)))

    async def one_by_name(self, s: AsyncSession, name: str) -> Staff:
        found = await self.find_by_name(s, name)
        if not found:
            raise NotFound("people.unknown_name", name=name)
        if len(found) > 1:
            raise InvalidInput("people.ambiguous_name", name=name, count=len(found))
        return found[0]

    # --- invites -----------------------------------------------------------------------

    async def issue_invite(
        self, s: AsyncSession, actor: Actor, staff: Staff, now: datetime
    ) -> Invite:
        # Only the newest link works, so a link sent to the wrong person can be replaced.
        old = await s.scalars(select(Invite).where(
            Invite.staff_id == staff.id, Invite.used_at.is_(None), Invite.revoked_at.is_(None)))
        for invite in old:
            invite.revoked_at = now
        invite = Invite(
            code=secrets.token_urlsafe(12), staff_id=staff.id, created_by_id=actor.id,
            created_at=now, expires_at=now + self.config.invites.ttl,
        )
        s.add(invite)
        await s.flush()
        audit.record(s, at=now, actor_id=actor.id, action="invite.create", entity="staff",
                     entity_id=staff.id, after={"invite_id": invite.id,
                                                "expires_at": invite.expires_at.isoformat()})
        return invite

    async def invite(self, actor: Actor, draft: StaffDraft) -> IssuedInvite:
        """A new person; a fresh link for someone not yet registered (with the details given
        now); or re-admission of someone deactivated."""
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            existing = await self.find_by_name(s, draft.name, active_only=False)
            active = [p for p in existing if p.active]
            new_department = False
            if len(active) > 1 or (not active and len(existing) > 1):
                raise InvalidInput("people.ambiguous_name", name=draft.name, count=len(existing))
            if active and active[0].telegram_user_id is not None:
                raise Conflict("people.already_registered", name=draft.name)
            if existing:
                staff = active[0] if active else existing[0]
                new_department = await self._update_details(s, actor, staff, draft, now)
            else:
                staff, new_department = await self.create_staff(s, actor, draft, now)
            invite = await self.issue_invite(s, actor, staff, now)
            return IssuedInvite(staff_id=staff.id, name=staff.name, code=invite.code,
                                expires_at=invite.expires_at, new_department=new_department)

    async def _update_details(self, s: AsyncSession, actor: Actor, staff: Staff,
                              draft: StaffDraft, now: datetime) -> bool:
        """What the admin typed this time wins over the old record; blanks keep it."""
        before = await _snapshot(staff)
        created = False
        if draft.department:
            dept, created = await self.department(s, draft.department, now)
            staff.department_id = dept.id
        staff.title = draft.title or staff.title
        staff.phone = draft.phone or staff.phone
        if draft.roles is not None:
            staff.roles = [StaffRole(role=r.value) for r in sorted(draft.roles)]
        action = "staff.update"
        if not staff.active:
            staff.active, staff.deactivated_at, action = True, None, "staff.reactivate"
        await s.flush()
        await s.refresh(staff)
        after = await _snapshot(staff)
        if after != before:
            audit.record(s, at=now, actor_id=actor.id, action=action, entity="staff",
                         entity_id=staff.id, before=before, after=after)
        return created

    async def redeem(self, code: str, telegram_user_id: int, language_code: str | None) -> Actor:
        """Bind a Telegram account to the staff record an invite was made for."""
        now = self.clock.now()
        async with self.db.transaction() as s:
            invite = await s.scalar(select(Invite).where(Invite.code == code.strip()))
            if invite is None:
                raise NotFound("start.code_unknown")
            if invite.used_at is not None:
                raise Conflict("start.code_used")
            if invite.revoked_at is not None:
                raise Conflict("start.code_replaced")
            if invite.expires_at <= now:
                raise Conflict("start.code_expired")
            staff = await s.get(Staff, invite.staff_id)
            assert staff is not None
            if not staff.active:
                raise Conflict("start.code_inactive")
            if staff.telegram_user_id is not None:
                raise Conflict("start.code_used")
            bound = await s.scalar(select(Staff).where(Staff.telegram_user_id == telegram_user_id))
            if bound is not None:
                raise Conflict("start.account_bound", name=bound.name)
            before = await _snapshot(staff)
            # The code is spent by a conditional UPDATE, decided under the database's write
            # lock: of two people pressing the same link at once, exactly one wins.
            spent = await s.execute(
                update(Invite)
                .where(Invite.id == invite.id, Invite.used_at.is_(None),
                       Invite.revoked_at.is_(None))
                .values(used_at=now, used_by_telegram_id=telegram_user_id)
                .execution_options(synchronize_session=False)
            )
            if spent.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict("start.code_used")
            staff.telegram_user_id = telegram_user_id
            staff.reachable = True
            if staff.language is None:
                staff.language = normalize_language(language_code, self.config.language)
            audit.record(s, at=now, actor_id=staff.id, action="staff.register", entity="staff",
                         entity_id=staff.id, before=before, after=await _snapshot(staff))
            await self._tell_admins(s, staff, invite, now)
            return await actor_of(staff, self.config.language)

    async def _tell_admins(self, s: AsyncSession, staff: Staff, invite: Invite,
                           now: datetime) -> None:
        if invite.created_by_id is None or invite.created_by_id == staff.id:
            return
        await outbox.schedule(
            s, key=f"registered:{staff.id}:{invite.id}", recipient_id=invite.created_by_id,
            template="notify.registered", due_at=now, now=now,
            params={"name": staff.name, "department": staff.department.name
                    if staff.department else "—"},
        )

    # --- records -----------------------------------------------------------------------

    async def whoami(self, actor: Actor) -> PersonView:
        async with self.db.transaction() as s:
            staff = await s.get(Staff, actor.id)
            assert staff is not None
            return await _view(staff)

    async def list_people(self, actor: Actor, page: int = 1) -> PeoplePage:
        actor.require(Role.ADMIN)
        async with self.db.transaction() as s:
            total = await s.scalar(select(func.count(Staff.id))) or 0
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(1, page), pages)
            rows = await s.scalars(
                select(Staff).order_by(Staff.active.desc(), Staff.department_id, Staff.id)
                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
                .options(selectinload(Staff.roles))
            )
            return PeoplePage([await _view(r) for r in rows], page, pages, total)

    async def deactivate(self, actor: Actor, name: str) -> PersonView:
        """Cut a person's access at once; their history stays."""
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            staff = await self.one_by_name(s, name)
            if staff.id == actor.id:
                raise InvalidInput("people.no_self_deactivate")
            if staff.telegram_user_id in self.config.admins:
                raise InvalidInput("people.config_admin", name=staff.name)
            before = await _snapshot(staff)
            staff.active = False
            staff.deactivated_at = now
            # The account is set free (the audit keeps which it was), so the person can be
            # re-admitted later with a new link, even on the same phone.
            staff.telegram_user_id = None
            invites = await s.scalars(select(Invite).where(
                Invite.staff_id == staff.id, Invite.used_at.is_(None),
                Invite.revoked_at.is_(None)))
            for invite in invites:
                invite.revoked_at = now
            audit.record(s, at=now, actor_id=actor.id, action="staff.deactivate",
                         entity="staff", entity_id=staff.id, before=before,
                         after=await _snapshot(staff))
            for hook in self.on_deactivate:
                await hook(s, staff, actor, now)
            return await _view(staff)

    async def set_department_head(self, actor: Actor, department: str,
                                  name: str) -> tuple[str, str]:
        """The department's head (负责人): tasks given to the department go to them, and
        overdue tasks of its people are escalated to them."""
        actor.require(Role.ADMIN)
        now = self.clock.now()
        async with self.db.transaction() as s:
            dept = await s.scalar(select(Department).where(Department.name == department.strip()))
            if dept is None:
                raise NotFound("people.unknown_department", name=department.strip())
            head = await resolve_person(s, name)
            before = {"head_id": dept.head_id}
            dept.head_id = head.id
            audit.record(s, at=now, actor_id=actor.id, action="department.head",
                         entity="department", entity_id=dept.id, before=before,
                         after={"head_id": head.id})
            return dept.name, head.name

    async def set_language(self, actor: Actor, code: str) -> str:
        lang = normalize_language(code, default="")
        if not lang:
            raise InvalidInput("lang.usage")
        async with self.db.transaction() as s:
            staff = await s.get(Staff, actor.id)
            assert staff is not None
            before = staff.language
            staff.language = lang
            audit.record(s, at=self.clock.now(), actor_id=actor.id, action="staff.language",
                         entity="staff", entity_id=staff.id, before={"language": before},
                         after={"language": lang})
        return lang
