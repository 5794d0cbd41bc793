"""What triage does to an incident. Each action checks who may do it, changes the incident, appends one
timeline event (who, what, when, note) and commits; a refused action raises ``ActionError`` and changes nothing.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from sms.gsm import encoding_of, plain
from sms.replies import hazard_label, render
from sms.vocab import COUNT_FIELDS, HAZARDS

from ..access import answers_handover, can
from ..extensions import db
from ..messaging import notices
from ..messaging.outbound import enqueue
from ..models import (
    OPEN_STATUSES,
    SEVERITIES,
    Agency,
    FigureProposal,
    Handover,
    Incident,
    IncidentEvent,
    Region,
    Report,
    Reporter,
    User,
    utcnow,
)
from . import figures
from .figures import move_proposal, own, settle

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
MAX_REPLY_SEGMENTS = 3  # a reply longer than this is refused with its count, never cut


class ActionError(ValueError):
    """An action that is not allowed or not valid; the message is for the person who tried it."""


class Forbidden(ActionError):
    """The user may not do this to this incident."""


class NeedsConfirmation(ActionError):
    """The action cannot be undone lightly: the person confirms first. The message says what will happen."""

    def __init__(self, message: str, other: Incident | None = None):
        super().__init__(message)
        self.other = other  # a merge's other incident, shown side by side


def require(user: User, incident: Incident, action: str) -> None:
    """``Forbidden`` unless ``user`` may do ``action`` to ``incident``."""
    if not can(user, action, incident):
        raise Forbidden(_("Anda tidak berwenang melakukan ini pada insiden %(ticket)s.", ticket=incident.ticket))


def add_event(incident: Incident, user: User | None, kind: str, note: str | None = None, **data) -> None:
    """One timeline line; ``user`` None for what an agency member answered by SMS (``data`` says who)."""
    actor = user.id if user else None
    db.session.add(IncidentEvent(incident=incident, actor_id=actor, kind=kind, note=note or None, data=data or None))


def clean_note(note: str | None) -> str | None:
    """A note as stored: trimmed, None when empty; ``ActionError`` when too long."""
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


def _notify(incident: Incident, user: User | None, text: str, purpose: str) -> dict:
    """Queue ``text``, whole, for every reporter of the incident, once each, by the channel they reported on; those
    who sent BERHENTI are left out. The timeline records how many it was queued for and what the SMS among them
    cost in segments (each, and in all), as the queued rows count them. Returns the same."""
    contacts = reporter_contacts(incident)
    reachable = [(reporter, report) for reporter, report in contacts if not reporter.opted_out]
    by_sms = sum(1 for _reporter, report in reachable if report.channel != "whatsapp")
    segments = encoding_of(text).segments  # what the outbound queue records on each row (``outbound._row``)
    cost = {"segments": segments if by_sms else 0, "total": segments * by_sms}
    event = IncidentEvent(
        incident=incident,
        actor_id=user.id if user else None,
        kind="sms",
        note=text,
        data={"purpose": purpose, "recipients": len(reachable), "opted_out": len(contacts) - len(reachable), **cost},
    )
    db.session.add(event)
    db.session.flush()  # the event's id makes each message's key: one message per reporter per action
    rows = [
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
        for reporter, report in reachable
    ]
    if sum(row.segments for row in rows if row.channel == "sms") != cost["total"] or any(r.body != text for r in rows):
        raise RuntimeError("the timeline would not say what was queued")  # the event is append-only: check first
    return {"recipients": len(rows), **cost}


def own_report_only(incident: Incident, user: User) -> bool:
    """Every report of the incident came from ``user``, by the web form or by SMS or WhatsApp from the phone on
    their account: they may not verify it themselves."""
    return bool(incident.reports) and all(
        report.submitted_by_id == user.id
        or (user.phone is not None and report.reporter is not None and report.reporter.phone == user.phone)
        for report in incident.reports
    )


def change_status(incident: Incident, user: User, status: str, note: str | None = None, confirmed: bool = True) -> None:
    """Move the incident along its lifecycle; reporters are told by SMS when it is verified and when resolved.
    Rejecting asks for a confirmation first (``NeedsConfirmation`` unless ``confirmed``)."""
    require(user, incident, "verify" if status == "diverifikasi" else "status")
    note = clean_note(note)
    if status not in TRANSITIONS.get(incident.status, ()):
        raise ActionError(
            _(
                "Status tidak dapat diubah dari %(old)s ke %(new)s.",
                old=incident.status,
                new=status,
            )
        )
    if status == "diverifikasi" and own_report_only(incident, user):
        raise ActionError(_("Laporan Anda sendiri diverifikasi oleh petugas lain."))
    if status == "ditolak" and not confirmed:
        raise NeedsConfirmation(_("Tolak insiden %(ticket)s? Insiden yang ditolak tidak dihitung dan tidak ditangani.",
                                  ticket=incident.ticket))  # fmt: skip
    old, incident.status = incident.status, status
    if status in ("diverifikasi", "ditangani", "selesai"):
        own(incident)
    add_event(incident, user, "status", note, old=old, new=status)
    template = {"diverifikasi": "verified", "selesai": "resolved"}.get(status)
    if template and not (status == "selesai" and old == "selesai"):
        desa = incident.desa.label if incident.desa else f"Kecamatan {incident.kecamatan.name}"
        text = render(template, ticket=incident.ticket, hazard=hazard_label(incident.hazard), desa=desa)
        _notify(incident, user, text, template)
    notices.answered(incident, user)
    db.session.commit()


def serves(agency: Agency, incident: Incident) -> bool:
    """Does the agency cover the incident's place (its kabupaten or kecamatan; none set: anywhere)? Only those are
    offered and may be handed the incident: another kabupaten's agencies are not this desk's to call."""
    area = agency.region_code
    return area is None or incident.kecamatan_code == area or incident.kecamatan_code.startswith(area + ".")


def hand_over(incident: Incident, user: User, agency_id: int | None, note: str | None = None) -> dict:
    """Hand the incident to one more agency (an incident may be handed to several, each once). Returns who was
    told (``notices.handed_over``), which the timeline line says too."""
    require(user, incident, "agency")
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None or not agency.active or not serves(agency, incident):
        raise ActionError(_("Instansi tidak dikenal."))
    if any(h.agency_id == agency.id for h in incident.handovers):
        raise ActionError(_("Insiden ini sudah diserahkan ke %(agency)s.", agency=agency.name))
    handover = Handover(incident=incident, agency=agency, created_by_id=user.id)
    db.session.add(handover)
    incident.updated_at = utcnow()  # the list shows handovers: its version must change
    note = clean_note(note)
    db.session.flush()
    told = notices.handed_over(handover)
    add_event(incident, user, "agency", note, agency=agency.name, **told)
    notices.answered(incident, user)
    db.session.commit()
    return {"agency": agency.name, **told}


# An agency's answer to a handover, and the column it fills; a later stage fills the earlier ones too.
HANDOVER_STAGES = {"terima": "acknowledged_at", "tangani": "on_site_at", "selesai": "done_at"}


def handover_progress(
    handover: Handover, stage: str, *, user: User | None = None, member: str | None = None, note: str | None = None
) -> bool:
    """The agency received the incident (``terima``), is on site (``tangani``) or is done (``selesai``), from its
    list or by SMS (``member``: who sent it). On site moves the incident to ``ditangani``; once every agency
    handed it is done, the incident is ``selesai`` and its reporters are told. The caller commits. Returns
    False, changing nothing, when that stage was already recorded (a repeated SMS)."""
    if user is not None and not answers_handover(user, handover, stage):
        raise Forbidden(_("Anda tidak dapat menjawab penyerahan ke %(agency)s.", agency=handover.agency.name))
    column = HANDOVER_STAGES[stage]
    if getattr(handover, column) is not None:
        return False
    now = utcnow()
    for earlier in list(HANDOVER_STAGES.values())[: list(HANDOVER_STAGES).index(stage) + 1]:
        if getattr(handover, earlier) is None:
            setattr(handover, earlier, now)
    incident = handover.incident
    incident.updated_at = now
    add_event(incident, user, "handover", clean_note(note), agency=handover.agency.name, stage=stage,
           member=member or (user.name if user else None), via="web" if user else "sms")  # fmt: skip
    if stage == "tangani" and incident.status in ("baru", "diverifikasi"):
        _system_status(incident, user, "ditangani")
    if stage == "selesai" and all(h.done_at for h in incident.handovers) and incident.status in OPEN_STATUSES:
        _system_status(incident, user, "selesai")
    notices.answered(incident, user)
    return True


def acknowledge_for_bpbd(incident: Incident, user: User, note: str | None = None) -> bool:
    """The Pusdalops records that its BPBD received the incident, as a BPBD member's TERIMA would (``Forbidden``
    unless the incident was handed to a BPBD they answer for). Commits; False when it was received already."""
    theirs = [h for h in incident.handovers if answers_handover(user, h, "terima")]
    handover = next((h for h in theirs if h.acknowledged_at is None), theirs[0] if theirs else None)
    if handover is None:
        raise Forbidden(_("Insiden ini tidak diserahkan ke BPBD kabupaten Anda."))
    recorded = handover_progress(handover, "terima", user=user, note=note)
    db.session.commit()
    return recorded


def _system_status(incident: Incident, user: User | None, status: str) -> None:
    """A status an agency's answer brings about (not a triage decision); reporters are told when it is resolved."""
    own(incident)
    old, incident.status = incident.status, status
    add_event(incident, user, "status", old=old, new=status, by="instansi")
    if status == "selesai":
        desa = incident.desa.label if incident.desa else f"Kecamatan {incident.kecamatan.name}"
        text = render("resolved", ticket=incident.ticket, hazard=hazard_label(incident.hazard), desa=desa)
        _notify(incident, user, text, "resolved")


def withdraw_handover(incident: Incident, user: User, agency_id: int | None) -> None:
    """Take the incident back from one agency (handed there by mistake)."""
    require(user, incident, "agency")
    handover = next((h for h in incident.handovers if h.agency_id == agency_id), None)
    if handover is None:
        raise ActionError(_("Insiden ini tidak diserahkan ke instansi itu."))
    name = handover.agency.name
    incident.handovers.remove(handover)
    db.session.delete(handover)
    incident.updated_at = utcnow()
    add_event(incident, user, "agency", agency=name, withdrawn=True)
    db.session.commit()


def set_severity(incident: Incident, user: User, severity: int | None) -> None:
    require(user, incident, "severity")
    if severity is not None and severity not in SEVERITIES:
        raise ActionError(_("Tingkat keparahan tidak dikenal."))
    old, incident.severity = incident.severity, severity
    add_event(incident, user, "severity", old=old, new=severity)
    db.session.commit()


def classify(incident: Incident, user: User, hazard: str | None, desa_code: str | None) -> None:
    """Set what the parser could not read: the incident's hazard and desa (a desa of its kecamatan). The reports
    keep what the parser read, so the dashboard still counts them as unclassified."""
    require(user, incident, "classify")
    if hazard is not None and hazard not in HAZARDS:
        raise ActionError(_("Jenis bencana tidak dikenal."))
    if desa_code is not None:
        desa = db.session.get(Region, desa_code)
        if desa is None or desa.parent_code != incident.kecamatan_code:
            raise ActionError(_("Desa itu bukan desa kecamatan ini."))
    old = {"hazard": incident.hazard, "desa_code": incident.desa_code}
    incident.hazard = hazard or incident.hazard
    incident.desa_code = desa_code or incident.desa_code
    new = {"hazard": incident.hazard, "desa_code": incident.desa_code}
    if new != old:
        add_event(incident, user, "classified", old=old, new=new)
    db.session.commit()


def correct_counts(incident: Incident, user: User, counts: dict[str, int | None], note: str | None = None) -> None:
    """Set the BNPB counts to what a person checked (None: nobody knows yet, 0: none); the old figures stay in the
    timeline, and from now on the incident's figures change only when a person accepts them."""
    require(user, incident, "counts")
    note = clean_note(note)
    unknown = set(counts) - set(COUNT_FIELDS)
    if unknown:
        raise ActionError(_("Kategori tidak dikenal: %(names)s.", names=", ".join(sorted(unknown))))
    if any(v is not None and (not isinstance(v, int) or v < 0 or v > MAX_COUNT) for v in counts.values()):
        raise ActionError(_("Jumlah harus bilangan bulat 0 sampai 1.000.000."))
    berat = counts.get("luka_berat", incident.luka_berat) or 0
    ringan = counts.get("luka_ringan", incident.luka_ringan) or 0
    total = counts.get("luka", incident.luka)
    if total is not None and berat + ringan > total:
        raise ActionError(_("Luka berat (%(berat)d) dan luka ringan (%(ringan)d) melebihi jumlah luka (%(total)d).",
                            berat=berat, ringan=ringan, total=total))  # fmt: skip
    before = incident.counts
    for name, value in counts.items():
        setattr(incident, name, value)
    settle(incident)
    own(incident)
    add_event(incident, user, "counts", note, old=before, new=incident.counts)
    for waiting in figures.open_proposals([incident.id]).get(incident.id, []):
        move_proposal(waiting, incident)  # what is left of it is set against the corrected figures
    db.session.commit()


def decide_figures(proposal: FigureProposal, user: User, accept: bool) -> None:
    """A person accepts the figures a report proposed (the incident takes them, together) or sets them aside;
    either way the timeline says who. A proposal already decided changes nothing."""
    incident = proposal.incident
    require(user, incident, "counts")
    if proposal.status != "terbuka":
        raise ActionError(_("Usulan angka ini sudah diputuskan."))
    proposal.status = "diterima" if accept else "diabaikan"
    proposal.decided_by_id, proposal.decided_at = user.id, utcnow()
    incident.updated_at = proposal.decided_at  # the list shows the waiting proposal: its stamp must change
    if not accept:
        add_event(incident, user, "figures_ignored", report=proposal.report_id, counts=proposal.counts)
        db.session.commit()
        return
    taken = figures.higher(incident, proposal.counts)  # a proposal never lowers what a person set since
    if not taken:
        raise ActionError(_("Angka insiden sudah sama atau lebih tinggi dari usulan ini; abaikan saja."))
    old = {name: getattr(incident, name) for name in taken}
    for name, value in taken.items():
        setattr(incident, name, value)
    settle(incident)
    own(incident)
    new = {name: getattr(incident, name) for name in COUNT_FIELDS if name in taken or name == "luka"}
    add_event(incident, user, "figures_accepted", report=proposal.report_id, source=proposal.source_ticket, old=old,
           new={k: v for k, v in new.items() if v is not None})  # fmt: skip
    db.session.commit()


def add_note(incident: Incident, user: User, note: str) -> None:
    require(user, incident, "note")
    note = clean_note(note)
    if not note:
        raise ActionError(_("Catatan kosong."))
    add_event(incident, user, "note", note)
    notices.answered(incident, user)
    db.session.commit()


def reply_to_reporters(incident: Incident, user: User, text: str, confirmed: bool = True) -> dict:
    """Queue the text, whole, to each reporter of the incident. A text longer than one SMS goes as a multi-part
    SMS of at most ``MAX_REPLY_SEGMENTS`` segments, after the person confirmed its cost (``NeedsConfirmation``
    unless ``confirmed``); a longer one is refused with its count. Nothing is ever cut. Returns how many it was
    queued for and what it costs, counted from the queued rows."""
    require(user, incident, "reply")
    text = plain(" ".join((text or "").split()))  # curly quotes and dashes would make it UCS-2: 70 a segment
    if not text:
        raise ActionError(_("Pesan kosong."))
    encoding = encoding_of(text)
    if encoding.segments > MAX_REPLY_SEGMENTS:
        raise ActionError(_("Pesan terlalu panjang: %(num)d SMS (%(chars)d karakter). Paling banyak %(max)d SMS; "
                            "persingkat pesannya.", num=encoding.segments, chars=encoding.units,
                            max=MAX_REPLY_SEGMENTS))  # fmt: skip
    reachable = [r for r, _report in reporter_contacts(incident) if not r.opted_out]
    if not reachable:
        raise ActionError(_("Insiden ini tidak punya pelapor yang dapat dihubungi lewat SMS."))
    if encoding.segments > 1 and not confirmed:
        raise NeedsConfirmation(_("Pesan ini %(num)d SMS per pelapor, dikirim utuh: %(total)d SMS untuk %(people)d "
                                  "pelapor. Kirim?", num=encoding.segments, total=encoding.segments * len(reachable),
                                  people=len(reachable)))  # fmt: skip
    queued = _notify(incident, user, text, "balasan")
    db.session.commit()
    return queued


def reveal_phones(reports: list[Report], user: User, via: str) -> dict[int, str]:
    """The full numbers of the reporters of ``reports`` that ``user`` may reveal, each reveal written to its
    incident's timeline (``via``: where it was shown, e.g. the API). Returns {report id: number}; commits."""
    shown = {}
    for report in reports:
        if report.reporter is not None and report.incident is not None and can(user, "reveal", report.incident):
            add_event(report.incident, user, "reveal", report=report.id, via=via)
            shown[report.id] = report.reporter.phone
    db.session.commit()
    return shown


def reveal_phone(report: Report, user: User) -> str:
    """The reporter's full number, for staff; every reveal is written to the timeline."""
    require(user, report.incident, "reveal")
    if report.reporter is None:
        raise ActionError(_("Laporan ini tidak punya nomor pelapor."))
    add_event(report.incident, user, "reveal", report=report.id)
    db.session.commit()
    return report.reporter.phone
