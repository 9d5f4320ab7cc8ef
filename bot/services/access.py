"""Who is asking, and what their roles let them do."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.services.errors import InvalidInput, PermissionDenied
from storage.models import Staff


class Role(StrEnum):
    STAFF = "staff"
    LEADER = "leader"
    CLERK = "clerk"
    SEAL_KEEPER = "seal_keeper"
    ADMIN = "admin"


# What offices write in their sheets and what people type, onto one role each.
ROLE_WORDS: dict[str, Role] = {
    "staff": Role.STAFF, "工作人员": Role.STAFF, "职工": Role.STAFF, "干部": Role.STAFF,
    "leader": Role.LEADER, "领导": Role.LEADER, "镇领导": Role.LEADER, "带班领导": Role.LEADER,
    "clerk": Role.CLERK, "办公室": Role.CLERK, "办公室人员": Role.CLERK, "党政办": Role.CLERK,
    "文员": Role.CLERK,
    "seal_keeper": Role.SEAL_KEEPER, "sealkeeper": Role.SEAL_KEEPER, "keeper": Role.SEAL_KEEPER,
    "印章管理员": Role.SEAL_KEEPER, "管印人": Role.SEAL_KEEPER,
    "admin": Role.ADMIN, "管理员": Role.ADMIN, "系统管理员": Role.ADMIN,
}


def parse_roles(text: str | None) -> frozenset[Role]:
    """'管理员,办公室' -> {admin, clerk}. Empty means plain staff. Unknown words are refused."""
    if text is None or not str(text).strip():
        return frozenset({Role.STAFF})
    roles: set[Role] = set()
    for word in re.split(r"[,，、;；/\s]+", str(text).strip()):
        if not word:
            continue
        role = ROLE_WORDS.get(word.lower())
        if role is None:
            raise InvalidInput("error.unknown_role", role=word)
        roles.add(role)
    return frozenset(roles)


@dataclass(frozen=True)
class Actor:
    """A snapshot of the registered person behind one update, loaded fresh for each update so
    a deactivation takes effect at once."""

    id: int
    name: str
    roles: frozenset[Role]
    language: str
    telegram_user_id: int | None
    department_id: int | None = None
    department: str = ""
    title: str = ""

    def has(self, *roles: Role) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def require(self, *roles: Role) -> None:
        """Admins may do everything; everyone else needs one of the roles."""
        if not (self.is_admin or self.has(*roles)):
            raise PermissionDenied()

    @classmethod
    def of(cls, staff: Staff, default_language: str) -> Actor:
        """Needs staff.roles loaded: call bot.services.people.actor_of, which loads them."""
        return cls.from_fields(
            id=staff.id, name=staff.name, roles=(r.role for r in staff.roles),
            language=staff.language, default_language=default_language,
            telegram_user_id=staff.telegram_user_id, department_id=staff.department_id,
            department=staff.department.name if staff.department else None, title=staff.title)

    @classmethod
    def from_fields(cls, *, id: int, name: str, roles: Iterable[str], language: str | None,
                    default_language: str, telegram_user_id: int | None,
                    department_id: int | None, department: str | None,
                    title: str) -> Actor:
        """An Actor from the person's columns as stored (the gate reads them without the
        ORM object): one place that says how a stored person becomes an Actor."""
        return cls(
            id=id, name=name, roles=frozenset(Role(r) for r in roles),
            language=language or default_language, telegram_user_id=telegram_user_id,
            department_id=department_id, department=department or "", title=title)
