"""The kecamatan's inbox of messages that are not reports (``intake.inbox`` files them): what is waiting, and the
two things staff do with one: make it an incident (through the same matching as any report) or mark it handled.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import Forbidden, can, scope
from ..extensions import db
from ..incidents.matching import attach
from ..models import INBOX_COMMAND, Incident, IncidentEvent, Report, User, utcnow


class InboxError(ValueError):
    """The message cannot be acted on (already handled); the message says why. Nothing is written."""


def waiting(user: User):
    """A query for the unhandled inbox messages ``user`` reaches, newest first, with their sender and desa."""
    return (
        select(Report)
        .where(scope(user, Report, "inbox"), Report.command == INBOX_COMMAND, Report.handled_at.is_(None))
        .options(selectinload(Report.reporter), selectinload(Report.desa))
        .order_by(Report.received_at.desc(), Report.id.desc())
    )


def _check(user: User, report: Report) -> None:
    if not can(user, "inbox", report):
        raise Forbidden("inbox")
    if report.command != INBOX_COMMAND or report.incident_id is not None or report.handled_at is not None:
        raise InboxError(_("Pesan ini sudah ditangani."))


def to_incident(user: User, report: Report) -> Incident:
    """Make the message a report: it opens or joins an incident as any report would (``matching.attach``), keeps
    its text and sender, and leaves the inbox. Commits."""
    _check(user, report)
    report.command = "lapor"
    report.handled_at, report.handled_by_id = utcnow(), user.id
    incident, _opened = attach(report)  # a new one is told to the desk by the worker, as any new incident
    db.session.add(IncidentEvent(incident=incident, actor_id=user.id, kind="from_inbox", report_id=report.id))
    db.session.commit()
    return incident


def mark_handled(user: User, report: Report) -> None:
    """The message needs nothing more ("Selesai"): it leaves the inbox, kept with who handled it. Commits."""
    _check(user, report)
    report.handled_at, report.handled_by_id = utcnow(), user.id
    db.session.commit()
