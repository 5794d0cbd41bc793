"""What the SMS keywords do: ``CEK <tiket>``, ``DAFTAR <nama> <desa>``, ``BERHENTI``/``MULAI``, ``BANTUAN``, and
an agency member's ``TERIMA``/``TANGANI``/``SELESAI <tiket>``.

The intake calls ``run`` for a message the parser read as a command (anything but a report). Each handler
changes what the command asks for (the caller commits) and returns the one-segment answer.
"""

from __future__ import annotations

from sqlalchemy import func, select

from sms.parse import AGENCY_COMMANDS, Parsed
from sms.replies import STATUS_WORDS, hazard_label, render

from ..access import can
from ..extensions import db
from ..incidents.actions import handover_progress
from ..messaging.reach import covers
from ..models import AgencyMember, Incident, IncidentEvent, Region, Report, Reporter, User, utcnow
from ..relief.service import shelter_sms


def example_desa(kecamatan_code: str) -> str:
    """A real desa of the kecamatan, in capitals, for format examples in replies ("LAPOR BANJIR BANDARAN")."""
    name = db.session.scalar(
        select(Region.name).where(Region.parent_code == kecamatan_code).order_by(Region.name).limit(1)
    )
    return (name or "").upper()


def run(
    parsed: Parsed, reporter: Reporter | None, phone: str | None, kecamatan_code: str, report: Report | None = None
) -> str:
    """Carry out the command ``parsed`` from ``phone`` (its ``reporter``) and return the answer."""
    if parsed.command == "cek":
        return check(parsed.ticket, phone, reporter)
    if parsed.command == "daftar":
        return register(reporter, parsed, kecamatan_code)
    if parsed.command in AGENCY_COMMANDS:
        return agency_answer(parsed, phone)
    if parsed.command == "posko":
        staff = {u.phone for u in db.session.scalars(select(User).where(User.active.is_(True), User.phone == phone))
                 if can(u, "shelters", kecamatan_code)}  # fmt: skip
        return shelter_sms(parsed, phone, report, staff, kecamatan_code)
    if parsed.command in ("berhenti", "mulai"):
        if reporter is not None:
            reporter.opted_out = parsed.command == "berhenti"
        return render(parsed.command)
    return render("bantuan")


STAGE_WORDS = {"terima": "diterima", "tangani": "penanganan di lokasi", "selesai": "selesai"}


def agency_answer(parsed: Parsed, phone: str | None) -> str:
    """``TERIMA``/``TANGANI``/``SELESAI <tiket> [catatan]`` from an agency member's phone: recorded on the handover
    to their agency, exactly once (a repeat is told it was recorded before)."""
    member = db.session.scalar(
        select(AgencyMember).where(AgencyMember.phone == phone, AgencyMember.active.is_(True))
    ) if phone else None  # fmt: skip
    if member is None:
        return render("agency_unknown_sender")
    incident = db.session.scalar(select(Incident).where(Incident.ticket == parsed.ticket))
    if incident is None:
        return render("cek_unknown", ticket=parsed.ticket)
    handover = next((h for h in incident.handovers if h.agency_id == member.agency_id), None)
    if handover is None or not covers(member, incident):  # another area's member of the same agency
        return render("agency_not_handed", ticket=parsed.ticket)
    recorded = handover_progress(handover, parsed.command, member=member.name, note=parsed.note)
    template = "agency_recorded" if recorded else "agency_already"
    return render(template, ticket=incident.ticket, stage=STAGE_WORDS[parsed.command], agency=member.agency.name)


def _official_may_see(phone: str | None, incident: Incident) -> bool:
    """An official whose account has this phone number and who may see the incident."""
    if not phone:
        return False
    user = db.session.scalar(select(User).where(User.phone == phone, User.active.is_(True)))
    return user is not None and can(user, "incidents", incident)


def check(ticket: str | None, phone: str | None, reporter: Reporter | None) -> str:
    """``CEK <tiket>``: the incident's status, for its reporters and for officials who may see it."""
    if ticket is None:
        return render("cek_missing")
    incident = db.session.scalar(select(Incident).where(Incident.ticket == ticket))
    if incident is None:
        return render("cek_unknown", ticket=ticket)
    joined = incident.merged_into if incident.status == "digabung" else None
    holder = joined or incident  # a merged incident's reports are in the one it joined
    theirs = select(func.count()).select_from(Report).where(Report.incident_id == holder.id)
    if joined:  # only the reports that were the merged incident's own: its reporters, not the other's
        theirs = theirs.where(Report.id.in_(_merged_reports(ticket)))
    reported = reporter is not None and db.session.scalar(theirs.where(Report.reporter_id == reporter.id))
    if not reported and not _official_may_see(phone, incident):
        return render("cek_unknown", ticket=ticket)  # the same words as for no such ticket
    parts = {
        "hazard": hazard_label(holder.hazard),
        "desa": holder.desa.label if holder.desa else "desa belum jelas",
        "status": STATUS_WORDS[holder.status],
    }
    if joined:
        return render("status_merged", old=ticket, ticket=joined.ticket, **parts)
    return render("status", ticket=ticket, **parts)


def _merged_reports(ticket: str) -> list[int]:
    """The reports a merge moved out of the incident with ``ticket`` (the merge records them on the target)."""
    events = db.session.scalars(
        select(IncidentEvent.data).where(IncidentEvent.kind == "merge_in",
                                         IncidentEvent.data["source"].as_string() == ticket)
    )  # fmt: skip
    return sorted({report_id for data in events for report_id in (data or {}).get("report_ids", [])})


def register(reporter: Reporter | None, parsed: Parsed, kecamatan_code: str) -> str:
    """``DAFTAR <nama> <desa>``: the sender becomes a resident of the desa and receives its broadcasts."""
    if reporter is None or parsed.desa_code is None or not parsed.name:
        return render("daftar_invalid", example=example_desa(kecamatan_code))
    if reporter.desa_code != parsed.desa_code or reporter.source is None:
        reporter.source, reporter.registered_at, reporter.added_by_id = "sms", utcnow(), None
    reporter.name = parsed.name[:120]
    reporter.desa_code = parsed.desa_code
    reporter.opted_out = False  # DAFTAR is the resident's own request: it undoes their BERHENTI
    return render("daftar_ok", name=parsed.name, desa=db.session.get(Region, parsed.desa_code).label)
