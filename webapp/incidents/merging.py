"""Merging two incidents that are one, undoing it, and splitting a report out into an incident of its own. A merge
loses nothing and can be undone; figures a person stands behind are proposed, not taken (``figures``). The
incident page offers the likely duplicates to merge (``likely_duplicates``), and the reporters of a merged
incident are told, once, the ticket that now holds their report."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from sms.replies import hazard_label, render
from sms.vocab import COUNT_FIELDS

from ..access import scope
from ..extensions import db
from ..messaging.outbound import enqueue
from ..models import (
    OPEN_STATUSES,
    FigureProposal,
    Handover,
    Incident,
    IncidentEvent,
    OutboundMessage,
    Report,
    User,
    utcnow,
)
from .actions import ActionError, NeedsConfirmation, add_event, clean_note, require
from .figures import move_proposal, own, propose, settle
from .matching import merge_window, open_incident_for

MAX_DUPLICATES = 5


@dataclass(frozen=True)
class Duplicate:
    """An open incident that is likely the same event as another: ``same_place`` (same desa and hazard within the
    merge window) and/or ``same_reporter`` (a reporter of both, within the window); ``into_other`` says which way
    the merge goes: the newer incident joins the older, whose ticket people have had longer."""

    incident: Incident
    same_place: bool
    same_reporter: bool
    into_other: bool


def likely_duplicates(incident: Incident, user: User) -> list[Duplicate]:
    """The open incidents of its kecamatan ``user`` may merge with ``incident`` that are likely the same event: of
    the same desa and hazard, or with a reporter in common, their reports within the merge window of its own;
    nearest in time first, at most ``MAX_DUPLICATES``. None for an incident that is not open."""
    if incident.status not in OPEN_STATUSES:
        return []
    window = merge_window()
    near = and_(Incident.last_report_at >= incident.opened_at - window,
                Incident.opened_at <= incident.last_report_at + window)  # fmt: skip
    same_place = (
        and_(Incident.desa_code == incident.desa_code, Incident.hazard == incident.hazard)
        if incident.desa_code and incident.hazard
        else None
    )
    reporters = select(Report.reporter_id).where(Report.incident_id == incident.id, Report.reporter_id.is_not(None))
    shared = Incident.id.in_(select(Report.incident_id).where(Report.reporter_id.in_(reporters)))
    rows = db.session.scalars(
        select(Incident)
        .where(Incident.id != incident.id, Incident.status.in_(OPEN_STATUSES), near, scope(user, Incident, "merge"),
               Incident.kecamatan_code == incident.kecamatan_code,
               or_(shared, same_place) if same_place is not None else shared)
        .order_by(Incident.opened_at)
    ).all()  # fmt: skip
    ours = set(db.session.scalars(reporters))
    place = (incident.desa_code, incident.hazard)
    found = []
    for other in rows:
        theirs = {r.reporter_id for r in other.reports if r.reporter_id is not None}
        found.append(Duplicate(
            other,
            same_place=same_place is not None and (other.desa_code, other.hazard) == place,
            same_reporter=bool(ours & theirs),
            into_other=(other.opened_at, other.id) < (incident.opened_at, incident.id),
        ))  # fmt: skip
    found.sort(key=lambda d: abs((d.incident.opened_at - incident.opened_at).total_seconds()))
    return found[:MAX_DUPLICATES]


def _tell_reporters(source: Incident, target: Incident, moved: list[int]) -> int:
    """Queue, for each reporter of the reports moved from ``source``, one SMS naming the ticket that now holds
    their report; once per reporter and pair of incidents (a merge undone and redone tells nobody twice). Those
    who reported to ``target`` already know its ticket; those who sent BERHENTI are left out. Returns how many
    were queued now."""
    reports = db.session.scalars(select(Report).where(Report.id.in_(moved)).order_by(Report.received_at)).all()
    knew = set(db.session.scalars(select(Report.reporter_id).where(Report.incident_id == target.id)))
    first = {}  # each reporter's first moved report: its channel is the one to answer on
    for report in reports:
        reporter = report.reporter
        if reporter is not None and not reporter.opted_out and reporter.id not in knew:
            first.setdefault(reporter.id, report)
    keys = {reporter_id: f"merged-{source.id}-{target.id}-{reporter_id}" for reporter_id in first}
    told_before = set(db.session.scalars(select(OutboundMessage.key).where(OutboundMessage.key.in_(keys.values()))))
    desa = target.desa.label if target.desa else f"Kecamatan {target.kecamatan.name}"
    text = render("merged", old=source.ticket, ticket=target.ticket, hazard=hazard_label(target.hazard), desa=desa)
    for reporter_id, report in first.items():
        if keys[reporter_id] in told_before:
            continue
        enqueue(
            key=keys[reporter_id],
            to=report.reporter.phone,
            body=text,
            purpose="notify",
            channel="whatsapp" if report.channel == "whatsapp" else "sms",
            kecamatan_code=target.kecamatan_code,
            desa_code=target.desa_code,
            reporter_id=reporter_id,
            incident_id=target.id,
        )
    return len(first) - len(told_before)


# How far along an incident is, for a merge to keep the furthest of the two ("ditolak" gives way to any other).
PROGRESS = {"ditolak": -1, "baru": 0, "diverifikasi": 1, "ditangani": 2, "selesai": 3}
# What a merge compares, field by field: the target takes the source's value when it is further along or
# higher, or when the target has none.
_MERGED_FIELDS = ("status", "severity", "hazard", "desa_code", *COUNT_FIELDS)


def _takes(name: str, source, target) -> bool:
    if name == "status":
        return PROGRESS.get(source, -1) > PROGRESS.get(target, -1)
    if name in ("hazard", "desa_code"):
        return target is None and source is not None
    return source is not None and (target is None or source > target)


def merge(
    incident: Incident, user: User, target_ticket: str, note: str | None = None, confirmed: bool = True
) -> Incident:
    """Merge ``incident`` into the incident with ``target_ticket``, losing nothing: the reports move, and the
    target keeps the furthest status, every handover, the higher severity and the highest counts; its timeline
    says what it took. Asks for a confirmation first (``NeedsConfirmation`` unless ``confirmed``), with a
    warning when the two are in different desa or of different hazards. ``unmerge`` undoes it."""
    require(user, incident, "merge")
    note = clean_note(note)
    target = db.session.scalar(select(Incident).where(Incident.ticket == (target_ticket or "").strip().upper()))
    if target is None:
        raise ActionError(_("Tiket %(ticket)s tidak ditemukan.", ticket=target_ticket))
    require(user, target, "merge")
    if target.id == incident.id:
        raise ActionError(_("Insiden tidak dapat digabung dengan dirinya sendiri."))
    if target.status == "digabung" or incident.status == "digabung":
        raise ActionError(_("Insiden yang sudah digabung tidak dapat digabung lagi."))
    if not confirmed:
        if incident.desa_code != target.desa_code or incident.hazard != target.hazard:
            message = _("Desa atau jenis bencana kedua insiden berbeda. Yakin ini kejadian yang sama?")
        else:
            message = _("Gabungkan %(source)s ke %(target)s?", source=incident.ticket, target=target.ticket)
        raise NeedsConfirmation(message, other=target)

    taken = {}
    owned = target.figures_owned
    for name in _MERGED_FIELDS:
        if owned and name in COUNT_FIELDS:
            continue  # a person stands behind the target's figures: the source's higher ones are proposed below
        old, new = getattr(target, name), getattr(incident, name)
        if _takes(name, new, old):
            setattr(target, name, new)
            taken[name] = [old, new]
    before = target.luka
    settle(target)
    if target.luka != before:
        taken["luka"] = [taken.get("luka", [before])[0], target.luka]
    proposal = propose(target, incident.counts, source_ticket=incident.ticket) if owned else None
    owned_from = None  # a person stood behind the source's figures, which the target now holds: so it does
    if incident.figures_owned and not owned:
        own(target, incident.figures_owned_at)
        owned_from = incident.figures_owned_at.isoformat()
    waiting = list(db.session.scalars(select(FigureProposal).where(FigureProposal.incident_id == incident.id,
                                                                  FigureProposal.status == "terbuka")))  # fmt: skip
    for moved_proposal in waiting:
        move_proposal(moved_proposal, target)
    handed = []
    for handover in incident.handovers:
        if all(h.agency_id != handover.agency_id for h in target.handovers):
            copy = Handover(incident=target, agency_id=handover.agency_id, created_at=handover.created_at,
                            created_by_id=handover.created_by_id)  # fmt: skip
            db.session.add(copy)
            handed.append(handover.agency.name)
    moved = [report.id for report in incident.reports]
    told = _tell_reporters(incident, target, moved)  # before the move: who reported to the target already
    for report in list(incident.reports):
        report.incident = target
    # Incidents merged into this one earlier now belong to the target: their timelines count there.
    absorbed = [i.id for i in db.session.scalars(select(Incident).where(Incident.merged_into_id == incident.id))]
    for earlier in db.session.scalars(select(Incident).where(Incident.id.in_(absorbed))):
        earlier.merged_into = target
    times = {"opened_at": target.opened_at, "last_report_at": target.last_report_at}
    target.last_report_at = max(target.last_report_at, incident.last_report_at)
    target.opened_at = min(target.opened_at, incident.opened_at)  # the first report of all: response times start there
    old, incident.status, incident.merged_into = incident.status, "digabung", target
    db.session.flush()
    add_event(incident, user, "merge", note, old=old, into=target.ticket, reports=len(moved))
    add_event(target, user, "merge_in", note, source=incident.ticket, source_id=incident.id, reports=len(moved),
           report_ids=moved,
           absorbed=absorbed, taken=taken, agencies=handed,
           times={k: v.isoformat() for k, v in times.items()},
           proposals=[p.id for p in waiting], proposal=proposal.id if proposal else None,
           owned_from=owned_from, told=told)  # fmt: skip
    db.session.commit()
    return target


def unmerge(incident: Incident, user: User, note: str | None = None) -> Incident:
    """Undo the merge of ``incident`` into another: its reports come back, and the other incident gives back
    what it took from it, where nobody changed that since. Returns the incident restored."""
    require(user, incident, "merge")
    note = clean_note(note)
    target = incident.merged_into
    if incident.status != "digabung" or target is None:
        raise ActionError(_("Insiden ini tidak sedang digabung."))
    require(user, target, "merge")
    record = db.session.scalar(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == target.id, IncidentEvent.kind == "merge_in",
               IncidentEvent.data["source"].as_string() == incident.ticket)
        .order_by(IncidentEvent.at.desc(), IncidentEvent.id.desc())
        .limit(1)
    )  # fmt: skip
    merged = (record.data or {}) if record else {}
    back = list(db.session.scalars(select(Report).where(Report.id.in_(merged.get("report_ids", [])),
                                                        Report.incident_id == target.id)))  # fmt: skip
    for report in back:
        report.incident = incident
    for earlier in db.session.scalars(select(Incident).where(Incident.id.in_(merged.get("absorbed", [])))):
        earlier.merged_into = incident
    given_back = []
    for name, (old, new) in (merged.get("taken") or {}).items():
        if getattr(target, name) == new:  # still what the merge set: nobody changed it since
            setattr(target, name, old)
            given_back.append(name)
    owned = target.figures_owned_at
    if merged.get("owned_from") and owned and owned.isoformat() == merged["owned_from"]:
        target.figures_owned_at = None  # nobody acted on the target since: its figures follow its reports again
    for proposal in db.session.scalars(select(FigureProposal).where(
            FigureProposal.id.in_(merged.get("proposals") or []), FigureProposal.status == "terbuka")):  # fmt: skip
        move_proposal(proposal, incident)
    merge_proposal = db.session.get(FigureProposal, merged["proposal"]) if merged.get("proposal") else None
    if merge_proposal is not None and merge_proposal.status == "terbuka":
        merge_proposal.status, merge_proposal.decided_at = "diabaikan", utcnow()  # its source is apart again
    for handover in list(target.handovers):
        if handover.agency.name in merged.get("agencies", []):
            target.handovers.remove(handover)
            db.session.delete(handover)
    remaining = db.session.execute(
        select(func.min(Report.received_at), func.max(Report.received_at)).where(Report.incident_id == target.id)
    ).one()
    target.opened_at, target.last_report_at = remaining[0] or target.opened_at, remaining[1] or target.last_report_at
    old = (db.session.scalar(
        select(IncidentEvent.data).where(IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "merge")
        .order_by(IncidentEvent.at.desc(), IncidentEvent.id.desc()).limit(1)
    ) or {}).get("old", "baru")  # fmt: skip
    incident.status, incident.merged_into = old, None
    add_event(incident, user, "unmerge", note, source=target.ticket, reports=len(back))
    add_event(target, user, "unmerge_out", note, into=incident.ticket, reports=len(back), given_back=given_back)
    db.session.commit()
    return incident


def split(report: Report, user: User, note: str | None = None, confirmed: bool = True) -> Incident:
    """Take one report out of its incident into a new incident of its own (same hazard and desa); asks for a
    confirmation first (``NeedsConfirmation`` unless ``confirmed``)."""
    source = report.incident
    require(user, source, "split")
    note = clean_note(note)
    if len(source.reports) < 2:
        raise ActionError(_("Laporan ini satu-satunya di insiden; tidak ada yang dipisah."))
    if not confirmed:
        raise NeedsConfirmation(_("Pisahkan laporan #%(id)d menjadi insiden baru?", id=report.id))
    incident = open_incident_for(report)
    report.incident = incident
    for name, value in (report.counts or {}).items():
        if name in COUNT_FIELDS:
            setattr(incident, name, value)
    add_event(source, user, "split", note, report=report.id, into=incident.ticket)
    add_event(incident, user, "split_from", note, report=report.id, source=source.ticket, counts=report.counts or {})
    db.session.commit()
    return incident
