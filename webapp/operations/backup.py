"""Backups that are restored, not just taken: ``flask backup`` and ``flask restore``.

- SQLite: SQLite's online backup API copies a consistent snapshot while the server keeps writing (WAL
  included), gzipped to ``tangguh-<UTC time>.sqlite3.gz``.
- PostgreSQL: ``pg_dump --format=custom`` (compressed) to ``tangguh-<UTC time>.dump``; restored with
  ``pg_restore --clean --if-exists --single-transaction``. ``pg_dump`` must be of the server's major version
  or newer (Debian: the ``postgresql-client`` package).

The newest ``BACKUP_KEEP`` files in ``BACKUP_DIR`` are kept; older ones are deleted after a successful backup.
A restore refuses a database that already holds data (users, regions, reports, incidents) unless forced, so
that a mistyped ``DATABASE_URL`` cannot overwrite a live desk.
"""

from __future__ import annotations

import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from ..models import Incident, Region, Report, User

PATTERNS = ("tangguh-*.sqlite3.gz", "tangguh-*.dump")
DATA_TABLES = (User, Region, Report, Incident)  # a database holding any of these is not empty


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why and what to do."""


def _kind(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no ``+psycopg`` driver part)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt install postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-500:]}")


def backup(url: str, directory: str | Path, keep: int = 14, now: datetime | None = None) -> Path:
    """Write one backup of the database at ``url`` into ``directory``; then keep only the newest ``keep``."""
    directory = Path(directory)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    if _kind(url) == "sqlite":
        target = directory / f"tangguh-{stamp}.sqlite3.gz"
        with tempfile.TemporaryDirectory(dir=directory) as work:
            snapshot = Path(work) / "snapshot.sqlite3"
            source = sqlite3.connect(_sqlite_path(url))
            copy = sqlite3.connect(snapshot)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
            partial = Path(work) / target.name
            with open(snapshot, "rb") as raw, gzip.open(partial, "wb", compresslevel=6) as packed:
                shutil.copyfileobj(raw, packed)
            partial.chmod(0o600)  # every resident's number and every gateway key is in it: its owner's alone
            os.replace(partial, target)  # a backup file exists only when complete
    else:
        target = directory / f"tangguh-{stamp}.dump"
        partial = directory / f".{target.name}.partial"
        partial.touch(mode=0o600)
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}", _libpq(url)])
        partial.chmod(0o600)
        os.replace(partial, target)
    prune(directory, keep)
    return target


def backups(directory: str | Path) -> list[Path]:
    """The backups in ``directory``, oldest first (their names sort by time)."""
    directory = Path(directory)
    return sorted({p for pattern in PATTERNS for p in directory.glob(pattern)}, key=lambda p: p.name)


def prune(directory: str | Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups; returns what was deleted."""
    old = backups(directory)[: -max(keep, 1)]
    for path in old:
        path.unlink()
    return old


def holds_data(url: str) -> bool:
    """Does the database at ``url`` hold users, regions, reports or incidents (a fresh one holds none)?"""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            present = set(engine.dialect.get_table_names(connection))
            return any(
                connection.scalar(select(func.count()).select_from(model))
                for model in DATA_TABLES
                if model.__tablename__ in present
            )
    finally:
        engine.dispose()


def restore(url: str, path: str | Path, force: bool = False) -> None:
    """Replace the database at ``url`` with the backup at ``path``. Refuses a database holding data unless
    ``force``. Stop the server and the worker first: they would keep writing to the old data."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    kind = _kind(url)
    if kind == "sqlite" and not path.name.endswith(".sqlite3.gz"):
        raise BackupError(f"{path.name} is not a SQLite backup (tangguh-….sqlite3.gz)")
    if kind == "postgresql" and not path.name.endswith(".dump"):
        raise BackupError(f"{path.name} is not a PostgreSQL backup (tangguh-….dump)")
    if not force and holds_data(url):
        raise BackupError("the database already holds data; restoring would replace it (use --force if you mean it)")
    if kind == "sqlite":
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as work:
            snapshot = Path(work) / "snapshot.sqlite3"
            with gzip.open(path, "rb") as packed, open(snapshot, "wb") as raw:
                shutil.copyfileobj(packed, raw)
            source, destination = sqlite3.connect(snapshot), sqlite3.connect(target)
            try:
                source.backup(destination)  # page by page, in one transaction of the destination
            finally:
                destination.close()
                source.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              f"--dbname={_libpq(url)}", str(path)])  # fmt: skip
