"""Backups that are restored, not just taken: ``flask backup`` and ``flask restore``.

- SQLite: SQLite's online backup API copies a consistent snapshot while the server keeps writing (WAL
  included), gzipped to ``tangguh-<UTC time>.sqlite3.gz``.
- PostgreSQL: ``pg_dump --format=custom`` (compressed) to ``tangguh-<UTC time>.dump``; restored by ``psql`` in
  one transaction that first empties the public schema, then runs the script ``pg_restore`` makes of the dump
  (so a backup taken before an upgrade also replaces the newer schema). ``pg_dump`` must be of the server's
  major version or newer (Debian: the ``postgresql-client`` package).

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
import zlib
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
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"{exc.strerror}: cannot create the backup directory {directory}") from exc
    if not os.access(directory, os.W_OK | os.X_OK):
        raise BackupError(f"cannot write into the backup directory {directory} (owner, mode?)")
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
        _restore_sqlite(_sqlite_path(url), path)
    else:
        _restore_postgresql(url, path)


def _restore_sqlite(target: Path, path: Path) -> None:
    """Copy the backup over ``target`` page by page: every table, the schema and ``alembic_version`` become the
    backup's, whatever the database held (a newer schema's tables included), in one transaction."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        snapshot = Path(work) / "snapshot.sqlite3"
        try:
            with gzip.open(path, "rb") as packed, open(snapshot, "wb") as raw:
                shutil.copyfileobj(packed, raw)
        except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
            raise BackupError(f"{path.name} is damaged: {exc}") from exc
        source = sqlite3.connect(snapshot)
        try:
            problem = source.execute("PRAGMA quick_check").fetchone()[0]
            ours = source.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
        except sqlite3.DatabaseError as exc:  # not a database at all
            problem, ours = str(exc), True
        finally:
            source.close()
        if problem != "ok":
            raise BackupError(f"{path.name} is damaged: {problem}")
        if not ours:  # an empty file is a valid, empty SQLite database: it must not replace the desk
            raise BackupError(f"{path.name} is damaged: it holds no Tangguh database (no alembic_version table)")
        source, destination = sqlite3.connect(snapshot), sqlite3.connect(target)
        try:
            source.backup(destination)  # page by page, in one transaction of the destination
        finally:
            destination.close()
            source.close()


# Run first, in the restore's own transaction: the public schema is emptied (tables, views, sequences, types,
# functions; not what an extension owns), so that the dump's schema replaces it even when it is older and newer
# tables point at older ones (``pg_restore --clean`` drops only what the dump names, and fails on those).
# Dropping needs only ownership of the objects, no superuser. A lock held by a server left running makes the
# restore fail after 30 s instead of waiting for ever.
_EMPTY_PUBLIC_SCHEMA = """\
SET lock_timeout = '30s';
SET statement_timeout = 0;
SET client_min_messages = warning;
DO $empty$
DECLARE
    item record;
BEGIN
    FOR item IN
        SELECT format('DROP %s IF EXISTS public.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW'
                   WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE'
                   ELSE 'TABLE' END, c.relname) AS statement
        FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
        ORDER BY c.relkind NOT IN ('r', 'p', 'f')  -- tables first: their sequences and views go with them
    LOOP
        EXECUTE item.statement;
    END LOOP;
    FOR item IN
        SELECT format('DROP %s IF EXISTS public.%I CASCADE', CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END,
                      t.typname) AS statement
        FROM pg_type t LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE t.typnamespace = 'public'::regnamespace
          AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE item.statement;
    END LOOP;
    FOR item IN
        SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure) AS statement
        FROM pg_proc p
        WHERE p.pronamespace = 'public'::regnamespace
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE item.statement;
    END LOOP;
END
$empty$;
"""


def _restore_postgresql(url: str, path: Path) -> None:
    """Replace the database's public schema with the dump's in one transaction: the dump is first read whole
    into a script (a damaged dump is refused by ``pg_restore`` before the database is touched), then ``psql``
    runs the emptying above and the script as one transaction that stops at the first error."""
    for tool in ("pg_restore", "psql"):
        if shutil.which(tool) is None:
            raise BackupError(f"{tool} is not installed (Debian: apt install postgresql-client)")
    # The script holds every row in clear: a directory of its owner's alone, removed at the end.
    with tempfile.TemporaryDirectory(prefix="tangguh-restore-") as work:
        script = Path(work) / "restore.sql"
        with open(script, "w", encoding="utf-8") as out:
            out.write(_EMPTY_PUBLIC_SCHEMA)
            out.flush()
            made = subprocess.run(
                ["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(path)],
                stdout=out,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
        if made.returncode != 0:
            raise BackupError(f"pg_restore failed: {made.stderr.strip()[-500:]}")
        with open(script, encoding="utf-8", errors="replace") as lines:
            if not any(line.startswith("CREATE TABLE public.alembic_version ") for line in lines):
                raise BackupError(f"{path.name} holds no Tangguh database (no alembic_version table)")
        _run(["psql", "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
              f"--file={script}", f"--dbname={_libpq(url)}"])  # fmt: skip
