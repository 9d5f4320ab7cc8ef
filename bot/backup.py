"""`officebot backup FILE` and `officebot restore FILE` for the SQLite database.

A backup is an online copy made with SQLite's backup API: consistent even while the bot is
running and writing (WAL), without stopping it. A restore checks the file before anything is
replaced: it must be an intact SQLite database with our schema (an Alembic version this
code knows, and our tables); it is refused while a bot runs on the database (`officebot
run` holds a lock file beside it), and the database it replaces — with its -wal and -shm —
is renamed aside, not copied, so even a damaged database can be replaced. PostgreSQL is
backed up with pg_dump (docs/deploy.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
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
        # immutable: a backup is not being written, and reading it so leaves no -wal/-shm
        # files behind (nor needs a writable folder).
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
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


def _copy(source: Path, target: Path, *, immutable: bool = False) -> None:
    flags = "mode=ro&immutable=1" if immutable else "mode=ro"
    src = sqlite3.connect(f"file:{source}?{flags}", uri=True)
    dst = sqlite3.connect(target)
    try:
        # pages=0: one step, so the copy is one consistent snapshot of the source.
        src.backup(dst, pages=0)
    finally:
        dst.close()
        src.close()


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def running_lock(url: str) -> Iterator[None]:
    """Held by `officebot run` for as long as it runs on a SQLite database: a second bot on
    the same file, or a restore under a running bot, is refused. The OS drops the lock when
    the process ends, however it ends."""
    if make_url(url).get_backend_name() != "sqlite":
        yield
        return
    database = sqlite_path(url)
    database.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock_path(database), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupError(f"another officebot is running on {database}; stop it first") \
                from exc
        yield
    finally:
        os.close(handle)


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
    Refused while a bot runs on the database."""
    checked = check(source)
    target = sqlite_path(url)
    with running_lock(url):
        target.parent.mkdir(parents=True, exist_ok=True)
        incoming = target.with_name(target.name + ".restoring")
        incoming.unlink(missing_ok=True)
        _copy(source, incoming, immutable=True)
        check(incoming)
        kept: Path | None = None
        if target.exists():
            stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
            kept = target.with_name(f"{target.name}.before-restore-{stamp}")
            # Renamed, database and journal together: a damaged database can be replaced
            # too, and the kept one opens as it was.
            for suffix in ("-wal", "-shm", ""):
                old = Path(f"{target}{suffix}")
                if old.exists():
                    old.replace(Path(f"{kept}{suffix}"))
        incoming.replace(target)
    return checked, kept
