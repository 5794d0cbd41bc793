"""The operator's jobs that systemd starts: the nightly backup with its off-site copy, and the alert when a
service fails. Each records what it did (``service_state``) so that ``/healthz`` and the admin's pages tell the
truth, and a failure reaches the admins (``alerts``) instead of waiting in the journal."""

from __future__ import annotations

import logging
import socket
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import current_app

from sms.replies import render

from ..extensions import db
from ..models import utcnow
from ..web.formatting import local_time
from .alerts import tell_admins
from .backup import BackupError, backup
from .offsite import copy_offsite
from .state import last, report

log = logging.getLogger("tangguh.operations")


@dataclass
class BackupRun:
    """What one ``flask backup`` did: the file (None when it failed), the off-site copy's line, the error."""

    path: Path | None = None
    offsite: str = ""
    error: str = ""


def _clock() -> str:
    return local_time(utcnow(), None)


def run_backup(directory: str | None = None, keep: int | None = None) -> BackupRun:
    """Take one backup (and its off-site copy when ``BACKUP_OFFSITE`` is set), record the outcome, and tell
    the admins when either failed."""
    config = current_app.config
    run = BackupRun()
    try:
        run.path = backup(config["SQLALCHEMY_DATABASE_URI"], directory or config["BACKUP_DIR"],
                          keep or config["BACKUP_KEEP"])  # fmt: skip
    except (BackupError, OSError, sqlite3.Error) as exc:
        run.error = str(exc) or exc.__class__.__name__
        return _failed(run, "backup", run.error)
    report("backup", True, f"{run.path.name} ({run.path.stat().st_size} bytes)")
    db.session.commit()
    if config["BACKUP_OFFSITE"]:
        try:
            run.offsite = copy_offsite(run.path.parent, config["BACKUP_OFFSITE"], config["BACKUP_OFFSITE_KEY"],
                                       config["BACKUP_OFFSITE_KNOWN_HOSTS"])  # fmt: skip
        except BackupError as exc:
            run.error = f"off-site copy: {exc}"
            return _failed(run, "offsite", str(exc))
        report("offsite", True, run.offsite)
        db.session.commit()
    return run


def _failed(run: BackupRun, name: str, reason: str) -> BackupRun:
    log.error("%s failed: %s", name, reason)
    try:
        good = last(name)
        since = local_time(good.ok_at, None) if good is not None and good.ok_at else "belum ada"
        report(name, False, reason)
        db.session.commit()
    except Exception:  # the database is what failed: the alert still goes out by email
        db.session.rollback()
        since = "tidak diketahui"
    template = "backup_failed" if name == "backup" else "offsite_failed"
    text = render(template, at=_clock(), reason=reason, last=since)
    tell_admins(f"{name}-failed-{utcnow():%Y%m%d%H}", text)
    return run


def unit_failed(unit: str) -> int:
    """systemd gave up on ``unit`` (``OnFailure=``): tell the admins, once an hour per unit; returns how many
    messages were queued or emailed. A backup that failed told them itself, with its reason: not twice."""
    unit = unit.strip()[:32] or "tangguh"  # named twice in one SMS: systemd's names for ours are shorter
    if unit.startswith("tangguh-backup") and _told_just_now(("backup", "offsite")):
        log.warning("%s failed; the backup told the admins itself", unit)
        return 0
    text = render("unit_failed", unit=unit, host=socket.gethostname(), at=_clock())
    return tell_admins(f"unit-failed-{unit}-{utcnow():%Y%m%d%H}", text)


def _told_just_now(names: tuple[str, ...]) -> bool:
    try:
        rows = [last(name) for name in names]
    except Exception:  # noqa: BLE001 - without the database nobody was told: tell them
        db.session.rollback()
        return False
    recent = utcnow() - timedelta(minutes=15)
    return any(row is not None and not row.ok and row.at > recent for row in rows)
