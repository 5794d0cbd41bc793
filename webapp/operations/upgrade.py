"""Upgrades with a way back: ``flask upgrade``, which ``tangguh-upgrade.service`` runs before every start of the
web server and the worker (both require it, so neither starts when it fails).

The database's Alembic revision is compared with this code's newest (its head):

- at the head: nothing to do;
- a revision this code does not know: newer code has migrated the database (someone went back to older code
  without restoring). Nothing is touched; the command exits with ``NEWER_SCHEMA`` (3), the oneshot unit fails
  without retrying (old code never runs on the newer schema), and it says the two ways on: run the newer code
  again, or restore the backup taken before that upgrade;
- migrations pending: when the database holds data, a backup first into ``BACKUP_DIR`` (no backup, no
  migration), then the migrations, then the way back printed: stop the server, restore that backup, run the
  code that ran before. A fresh, empty database is migrated without a backup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from ..extensions import db
from .backup import BackupError, backup, holds_data

log = logging.getLogger("tangguh.operations")

NEWER_SCHEMA = 3  # the exit status of `flask upgrade` for a database newer than the code


class UpgradeError(RuntimeError):
    """The upgrade did not happen, or did not finish; the message says why and what to do. ``exit_code`` is the
    status ``flask upgrade`` exits with."""

    exit_code = 1


class NewerSchema(UpgradeError):
    """The database was migrated by newer code than this: this code cannot run on it, and waiting will not help."""

    exit_code = NEWER_SCHEMA


@dataclass(frozen=True)
class Revisions:
    """Where the database is (None: no schema yet) and where this code's migrations lead."""

    database: str | None
    head: str
    known: bool  # this code has the database's revision
    pending: tuple[str, ...]  # the migrations to run, oldest first


def _alembic_config():
    return current_app.extensions["migrate"].migrate.get_config()


def revisions() -> Revisions:
    """Read the database's revision and this code's head (no change to either)."""
    script = ScriptDirectory.from_config(_alembic_config())
    head = script.get_current_head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    known = current is None or current in {each.revision for each in script.walk_revisions()}
    pending: tuple[str, ...] = ()
    if known and current != head:
        pending = tuple(reversed([each.revision for each in script.iterate_revisions(head, current or "base")]))
    return Revisions(current, head, known, pending)


def newer_schema_message(state: Revisions, backup_dir: str) -> str:
    """What to do when the database is ahead of this code."""
    return (
        f"the database is at revision {state.database}, which this code does not know (its newest is "
        f"{state.head}): newer code has upgraded it, and this code cannot run on it. Nothing was changed. Either "
        "run the newer code again, or go back for real: stop the web server and the worker, restore the backup "
        f"taken before that upgrade (in {backup_dir}; `flask upgrade` printed its name) with "
        "`flask --app webapp.cli restore <backup> --force`, then start this code."
    )


def way_back(saved: Path, state: Revisions, keep: int) -> list[str]:
    """The lines that tell the operator how to return to the code and data of before this upgrade."""
    return [
        "The way back, should this version misbehave (what is written from now on is not in the backup):",
        "  1. stop the web server and the worker: systemctl stop tangguh-web tangguh-worker",
        f"  2. with this code still installed: flask --app webapp.cli restore {saved} --force",
        f"  3. put back the code you ran before (its schema is {state.database or 'none'}), and start both again",
        f"The nightly backups replace the oldest of the {keep} kept: copy this one aside to keep it longer.",
    ]


def upgrade(echo: Callable[[str], None]) -> Path | None:
    """Bring the database to this code's head, with a backup first when it holds data; ``echo`` gets each step
    and the way back. Returns the backup (None when the database needed none or was at the head already).

    Raises :class:`NewerSchema` when the database is ahead of this code, :class:`UpgradeError` when the backup
    fails (then nothing is migrated) or a migration fails (with the backup to go back to)."""

    def say(line: str) -> None:
        log.info(line)
        echo(line)

    config = current_app.config
    url = config["SQLALCHEMY_DATABASE_URI"]
    state = revisions()
    if not state.known:
        raise NewerSchema(newer_schema_message(state, config["BACKUP_DIR"]))
    if not state.pending:
        say(f"upgrade: the database is at {state.head}, this code's newest revision: nothing to do")
        return None
    say(
        f"upgrade: the database is at {state.database or 'no revision (empty)'}, this code's newest is "
        f"{state.head}: {len(state.pending)} migration(s) to run ({', '.join(state.pending)})"
    )
    saved = None
    if holds_data(url):
        say(f"upgrade: backing up into {config['BACKUP_DIR']} first")
        try:
            saved = backup(url, config["BACKUP_DIR"], config["BACKUP_KEEP"])
        except BackupError as exc:
            raise UpgradeError(f"the backup before the upgrade failed, so nothing was migrated: {exc}") from exc
        say(f"upgrade: backup {saved} ({saved.stat().st_size} bytes)")
    else:
        say("upgrade: the database holds no data yet, no backup needed")
    say(f"upgrade: migrating {state.database or 'base'} -> {state.head}")
    db.session.remove()
    try:
        command.upgrade(_alembic_config(), "head")
    except Exception as exc:  # whatever a migration raised: the operator needs the backup either way
        now = revisions().database
        back = (
            f"; to go back: flask --app webapp.cli restore {saved} --force, with the code you ran before"
            if saved
            else ""
        )
        reason = str(exc).splitlines()[0][:500] if str(exc) else type(exc).__name__
        raise UpgradeError(f"the migration failed, the database is at {now}: {reason}{back}") from exc
    say(f"upgrade: done, the database is at {state.head}")
    if saved:
        for line in way_back(saved, state, config["BACKUP_KEEP"]):
            say(line)
    return saved
