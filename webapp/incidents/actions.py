"""What triage does to an incident. Each action checks who may do it, changes the incident, appends one
timeline event (who, what, when, note) and commits; a refused action raises ``ActionError`` and changes nothing.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from sms.gsm import fits_one_segment
from sms.replies import hazard_label, render
from sms.vocab import COUNT_FIELDS

from ..access import can
from ..extensions import db
from ..models import SEVERITIES, Agency, Incident, IncidentEvent, Report, Reporter, User
from ..outbound import enqueue
from .matching import open_incident_for

# Allowed status changes; "digabung" is reached only by merging.
TRANSITIONS = {
    "baru": ("diverifikasi", "ditolak"),
    "diverifikasi": ("ditangani", "selesai", "ditolak"),
    "ditangani": ("selesai",),
    "selesai": ("ditangani",),  # reopened: the water came back
    "ditolak": ("baru",),  # rejected by mistake
    "digabung": (),
}
MAX_COUNT = 1_000_000


class ActionError(ValueError):
    """An action that is not allowed or not valid; the message is for the person who tried it."""


class Forbidden(ActionError):
    """The user may not do this to this incident."""


def _require(user: User, incident: Incident, action: str) -> None:
    if not can(user, action, incident):
        raise Forbidden(_("Anda tidak berwenang melakukan ini pada insiden %(ticket)s.", ticket=incident.ticket))


def _event(incident: Incident, user: User, kind: str, note: str | None = None, **data) -> None:
    db.session.add(IncidentEvent(incident=incident, actor_id=user.id, kind=kind, note=note or None, data=data or None))


def _clean_note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > 2000:
        raise ActionError(_("Catatan terlalu panjang (maksimal 2000 karakter)."))
    return note or None


def reporter_contacts(incident: Incident) -> list[tuple[Reporter, Report]]:
    """Distinct reporters of an incident, each with their latest report in it, oldest reporter first."""
    rows = db.session.execute(
        select(Reporter, Report)
        .join(Report, Report.reporter_id == Reporter.id)
        .where(Report.incident_id == incident.id)
        .order_by(Report.received_at, Report.id)
    ).all()
    latest: dict[int, tuple[Reporter, Report]] = {}
    for reporter, report in rows:
        latest[reporter.id] = (reporter, report)
    return list(latest.values())


def _notify(incident: Incident, user: User, text: str, purpose: str) -> int:
    """Queue ``text`` for every reporter of the incident, once each, by the channel they reported on; those who
    sent BERHENTI are left out. The timeline records how many it was queued for."""
    contacts = reporter_contacts(incident)
    reachable = [(reporter, report) for reporter, report in contacts if not reporter.opted_out]
    event = IncidentEvent(
        incident=incident,
        actor_id=user.id,
        kind="sms",
        note=text,
        data={"purpose": purpose, "recipients": len(reachable), "opted_out": len(contacts) - len(reachable)},
    )
    db.session.add(event)
    db.session.flush()  # the event's id makes each message's key: one message per reporter per action
    for reporter, report in reachable:
        enqueue(
            key=f"notify-{event.id}-{reporter.id}",
            to=reporter.phone,
            body=text,
            purpose="notify",
            channel="whatsapp" if report.channel == "whatsapp" else "sms",
            kecamatan_code=incident.kecamatan_code,
            desa_code=incident.desa_code,
            reporter_id=reporter.id,
            incident_id=incident.id,
        )
    return len(reachable)


def change_status(incident: Incident, user: User, status: str, note: str | None = None) -> None:
    """Move the incident along its lifecycle; reporters are told by SMS when it is verified and when resolved."""
    _require(user, incident, "verify" if status == "diverifikasi" else "status")
    note = _clean_note(note)
    if status not in TRANSITIONS.get(incident.status, ()):
        raise ActionError(
            _(
                "Status tidak dapat diubah dari %(old)s ke %(new)s.",
                old=incident.status,
                new=status,
            )
        )
    old, incident.status = incident.status, status
    _event(incident, user, "status", note, old=old, new=status)
    template = {"diverifikasi": "verified", "selesai": "resolved"}.get(status)
    if template and not (status == "selesai" and old == "selesai"):
        desa = incident.desa.label if incident.desa else f"Kecamatan {incident.kecamatan.name}"
        text = render(template, ticket=incident.ticket, hazard=hazard_label(incident.hazard), desa=desa)
        _notify(incident, user, text, template)
    db.session.commit()


def assign_agency(incident: Incident, user: User, agency_id: int | None, note: str | None = None) -> None:
    _require(user, incident, "agency")
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency_id and (agency is None or not agency.active):
        raise ActionError(_("Instansi tidak dikenal."))
    incident.agency = agency
    _event(incident, user, "agency", _clean_note(note), agency=agency.name if agency else None)
    db.session.commit()


def set_severity(incident: Incident, user: User, severity: int | None) -> None:
    _require(user, incident, "severity")
    if severity is not None and severity not in SEVERITIES:
        raise ActionError(_("Tingkat keparahan tidak dikenal."))
    old, incident.severity = incident.severity, severity
    _event(incident, user, "severity", old=old, new=severity)
    db.session.commit()


def correct_counts(incident: Incident, user: User, counts: dict[str, int], note: str | None = None) -> None:
    """Set the BNPB counts to what a person checked; the old figures stay in the timeline."""
    _require(user, incident, "counts")
    note = _clean_note(note)
    unknown = set(counts) - set(COUNT_FIELDS)
    if unknown:
        raise ActionError(_("Kategori tidak dikenal: %(names)s.", names=", ".join(sorted(unknown))))
    if any(not isinstance(v, int) or v < 0 or v > MAX_COUNT for v in counts.values()):
        raise ActionError(_("Jumlah harus bilangan bulat 0 sampai 1.000.000."))
    before = incident.counts
    for name, value in counts.items():
        setattr(incident, name, value)
    _event(incident, user, "counts", note, old=before, new=incident.counts)
    db.session.commit()


def add_note(incident: Incident, user: User, note: str) -> None:
    _require(user, incident, "note")
    note = _clean_note(note)
    if not note:
        raise ActionError(_("Catatan kosong."))
    _event(incident, user, "note", note)
    db.session.commit()


def reply_to_reporters(incident: Incident, user: User, text: str) -> int:
    """Queue one SMS to each reporter of the incident; the text must fit one GSM-7 segment."""
    _require(user, incident, "reply")
    text = " ".join((text or "").split())
    if not text:
        raise ActionError(_("Pesan kosong."))
    if not fits_one_segment(text):
        raise ActionError(_("Pesan harus muat satu SMS: maksimal 160 karakter, tanpa emoji atau tanda kutip miring."))
    if not any(not reporter.opted_out for reporter, _report in reporter_contacts(incident)):
        raise ActionError(_("Insiden ini tidak punya pelapor yang dapat dihubungi lewat SMS."))
    queued = _notify(incident, user, text, "balasan")
    db.session.commit()
    return queued


def merge(incident: Incident, user: User, target_ticket: str, note: str | None = None) -> Incident:
    """Merge ``incident`` into the incident with ``target_ticket``: its reports move, the highest counts stay."""
    _require(user, incident, "merge")
    note = _clean_note(note)
    target = db.session.scalar(select(Incident).where(Incident.ticket == (target_ticket or "").strip().upper()))
    if target is None:
        raise ActionError(_("Tiket %(ticket)s tidak ditemukan.", ticket=target_ticket))
    _require(user, target, "merge")
    if target.id == incident.id:
        raise ActionError(_("Insiden tidak dapat digabung dengan dirinya sendiri."))
    if target.status == "digabung" or incident.status == "digabung":
        raise ActionError(_("Insiden yang sudah digabung tidak dapat digabung lagi."))
    moved = list(incident.reports)
    for report in moved:
        report.incident = target
    for name in COUNT_FIELDS:
        setattr(target, name, max(getattr(target, name), getattr(incident, name)))
    target.last_report_at = max(target.last_report_at, incident.last_report_at)
    target.opened_at = min(target.opened_at, incident.opened_at)  # the first report of all: response times start there
    old, incident.status, incident.merged_into = incident.status, "digabung", target
    _event(incident, user, "merge", note, old=old, into=target.ticket, reports=len(moved))
    _event(target, user, "merge_in", note, source=incident.ticket, reports=len(moved))
    db.session.commit()
    return target


def split(report: Report, user: User, note: str | None = None) -> Incident:
    """Take one report out of its incident into a new incident of its own (same hazard and desa)."""
    source = report.incident
    _require(user, source, "split")
    note = _clean_note(note)
    if len(source.reports) < 2:
        raise ActionError(_("Laporan ini satu-satunya di insiden; tidak ada yang dipisah."))
    incident = open_incident_for(report)
    report.incident = incident
    for name, value in (report.counts or {}).items():
        if name in COUNT_FIELDS:
            setattr(incident, name, value)
    _event(source, user, "split", note, report=report.id, into=incident.ticket)
    _event(incident, user, "split_from", note, report=report.id, source=source.ticket)
    db.session.commit()
    return incident


def reveal_phone(report: Report, user: User) -> str:
    """The reporter's full number, for staff; every reveal is written to the timeline."""
    _require(user, report.incident, "reveal")
    if report.reporter is None:
        raise ActionError(_("Laporan ini tidak punya nomor pelapor."))
    _event(report.incident, user, "reveal", report=report.id)
    db.session.commit()
    return report.reporter.phone
