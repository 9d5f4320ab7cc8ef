"""`officebot backup FILE` and `officebot restore FILE` for the SQLite database.

A backup is an online copy made with SQLite's backup API: consistent even while the bot is
running and writing (WAL), without stopping it. A restore checks the file before anything is
replaced: it must be an intact SQLite database with our schema (an Alembic version this
code knows, and our tables); the database it replaces is kept beside it first. PostgreSQL
is backed up with pg_dump (docs/deploy.md).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from storage.migrate import alembic_config
from storage.models import Base

SQLITE_MAGIC = b"SQLite format 3\x00"


class BackupError(Exception):
    """Something a person must fix; the message says what. Nothing was changed."""


@dataclass(frozen=True)
class Checked:
    path: Path
    revision: str
    tables: int
    staff: int


def sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            "backup and restore here are for SQLite; for PostgreSQL use pg_dump and "
            "pg_restore (see docs/deploy.md)")
    if parsed.database in (None, "", ":memory:"):
        raise BackupError("the database is in memory; there is no file to back up")
    return Path(parsed.database)


def known_revisions() -> list[str]:
    """Our migrations, oldest first."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def check(path: Path) -> Checked:
    """Refuse a file that is not an intact database of ours; never changes it."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{path}: not an SQLite database")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be opened: {exc}") from exc
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            raise BackupError(f"{path}: damaged ({integrity})")
        tables = {row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" not in tables:
            raise BackupError(f"{path}: not an officebot database (no schema version)")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revisions = known_revisions()
        if row is None or row[0] not in revisions:
            raise BackupError(
                f"{path}: schema version {row[0] if row else 'none'} is not one this officebot "
                f"knows (newest: {revisions[-1]}); a backup from a newer version needs that "
                "version to restore")
        revision = row[0]
        if revision == revisions[-1]:
            missing = sorted(t.name for t in Base.metadata.sorted_tables if t.name not in tables)
            if missing:
                raise BackupError(f"{path}: tables missing: {', '.join(missing)}")
        staff = conn.execute("SELECT count(*) FROM staff").fetchone()[0] \
            if "staff" in tables else 0
        return Checked(path, revision, len(tables), staff)
    except sqlite3.Error as exc:
        raise BackupError(f"{path}: cannot be read: {exc}") from exc
    finally:
        conn.close()


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        # pages=0: one step, so the copy is one consistent snapshot of the source.
        src.backup(dst, pages=0)
    finally:
        dst.close()
        src.close()


def backup(url: str, destination: Path, *, overwrite: bool = False) -> Checked:
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"{source}: no database there (check database.url)")
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} exists; choose another name or pass --force")
    if destination.resolve() == source.resolve():
        raise BackupError("the backup cannot be the database itself")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    _copy(source, partial)
    checked = check(partial)
    partial.replace(destination)
    return Checked(destination, checked.revision, checked.tables, checked.staff)


def restore(url: str, source: Path, *, now: datetime | None = None) -> tuple[Checked, Path | None]:
    """Replace the database with a checked backup; the replaced one is kept beside it.
    Stop the bot first: a running bot would keep writing to what it had open."""
    checked = check(source)
    target = sqlite_path(url)
    kept: Path | None = None
    if target.is_file():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        kept = target.with_name(f"{target.name}.before-restore-{stamp}")
        _copy(target, kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes into the live file through SQLite (its WAL and locks included),
    # which a plain file copy over a WAL database would not.
    _copy(source, target)
    return checked, kept
