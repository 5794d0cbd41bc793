"""Which incident a report belongs to: the open incident of the same hazard and desa within the merge window,
or a new one with a fresh ticket. Used by the intake for every report and by triage to split one out; and which
incident a message that is not a report follows up (its sender's own open incident).
"""

from __future__ import annotations

import zlib
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, text

from sms.tickets import new_ticket

from ..extensions import db, insert_new
from ..models import OPEN_STATUSES, Incident, IncidentEvent, Report
from .figures import take_report

TICKET_ATTEMPTS = 8


def merge_window() -> timedelta:
    """How recent an open incident's latest report must be for a new report to join it."""
    return timedelta(hours=current_app.config["INCIDENT_MERGE_HOURS"])


def _serialize_incident_choice(kecamatan: str, desa: str, hazard: str) -> None:
    """On PostgreSQL, make concurrent reports for the same desa and hazard choose their incident one at a time.

    (SQLite already serialises writers: the report insert holds the write lock.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"{kecamatan}|{desa}|{hazard}".encode())
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _event_data(report: Report) -> dict:
    return {"channel": report.channel, "hazard": report.hazard, "desa": report.desa_code, "counts": report.counts}


def attach(report: Report) -> tuple[Incident, bool]:
    """Put ``report`` in the open incident of its hazard and desa within the merge window, or open one; its
    figures raise the incident's, or are proposed once a person owns them (``figures``). Returns the incident
    and whether it is new; the caller flushes and commits."""
    incident = None
    if report.hazard and report.desa_code:
        _serialize_incident_choice(report.kecamatan_code, report.desa_code, report.hazard)
        incident = db.session.scalar(
            select(Incident)
            .where(
                Incident.kecamatan_code == report.kecamatan_code,
                Incident.desa_code == report.desa_code,
                Incident.hazard == report.hazard,
                Incident.status.in_(OPEN_STATUSES),
                Incident.last_report_at >= report.received_at - merge_window(),
            )
            .order_by(Incident.last_report_at.desc())
            .limit(1)
        )
    opened = incident is None
    if opened:
        incident = open_incident_for(report, untold=True)
    else:
        db.session.add(IncidentEvent(incident=incident, kind="report", report_id=report.id, data=_event_data(report)))
        incident.last_report_at = max(incident.last_report_at, report.received_at)
        if incident.figures_owned:  # what citizens and printouts show has not changed: nor has its stamp
            incident.updated_at = Incident.updated_at
    report.incident = incident
    take_report(incident, report)
    return incident, opened


def open_incident_for(report: Report, untold: bool = False) -> Incident:
    """A new incident for ``report`` (its hazard, desa and time) with a fresh ticket, opened on the timeline; one
    statement, which a ticket already taken (by an older incident or a concurrent report) makes draw again.
    ``untold``: the desk is to be told it is new (``notices.tell_new_incidents``, the worker's next round)."""
    for _ in range(TICKET_ATTEMPTS):
        incident = db.session.scalar(
            insert_new(Incident)
            .values(ticket=new_ticket(), hazard=report.hazard, kecamatan_code=report.kecamatan_code,
                    desa_code=report.desa_code, opened_at=report.received_at, last_report_at=report.received_at,
                    desk_untold=untold)
            .on_conflict_do_nothing(index_elements=["ticket"])
            .returning(Incident)
        )  # fmt: skip
        if incident is None:
            continue
        db.session.add(IncidentEvent(incident=incident, kind="opened", report_id=report.id, data=_event_data(report)))
        return incident
    raise RuntimeError("no free ticket code after several attempts")


def complete(question: Report, answer: Report, desa_code: str | None = None, hazard: str | None = None) -> Incident:
    """An SMS answer (``answer``) to the follow-up question of ``question`` gives the desa or the hazard it lacked:
    the asking report and its incident take it (an incident keeps what staff already set), the answer joins the
    incident, and the timeline says so. The caller commits."""
    incident = question.incident
    if desa_code:
        question.desa_code = desa_code
        incident.desa_code = incident.desa_code or desa_code
    if hazard:
        question.hazard = hazard
        incident.hazard = incident.hazard or hazard
    question.answered_at = answer.received_at
    answer.answers_report_id = question.id
    answer.incident = incident
    answer.desa_code, answer.hazard = question.desa_code, question.hazard
    incident.last_report_at = max(incident.last_report_at, answer.received_at)
    db.session.add(IncidentEvent(incident=incident, kind="answered", report_id=answer.id,
                                 data={"question": question.question, "report": question.id}))  # fmt: skip
    db.session.flush()
    return incident


def sender_incident(report: Report) -> Incident | None:
    """The open incident that the sender's own latest report in this kecamatan joined within the merge window:
    what a thank-you or a question from them is about. None for a stranger (or a number with no recent report)."""
    if report.reporter is None or report.reporter.id is None:
        return None
    return db.session.scalar(
        select(Incident)
        .join(Report, Report.incident_id == Incident.id)
        .where(
            Report.reporter_id == report.reporter.id,
            Report.kecamatan_code == report.kecamatan_code,
            Report.id != report.id,
            Report.received_at >= report.received_at - merge_window(),
            Incident.status.in_(OPEN_STATUSES),
        )
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(1)
    )


def follow_up(report: Report, incident: Incident) -> None:
    """``report`` (conversation, not a report) joins ``incident``'s timeline as its reporter's follow-up: no new
    ticket, no figures, and the merge window does not move. The caller commits."""
    report.incident = incident
    db.session.add(IncidentEvent(incident=incident, kind="follow_up", report_id=report.id,
                                 data={"channel": report.channel}))  # fmt: skip
    db.session.flush()
