"""Figures with an owner: what an incident's BNPB counts are, and who stands behind them.

- A report's counts are evidence. Until a person acts on the incident, its counts follow its reports: the
  highest figure reported wins (reports repeat each other; they are never added).
- Once a person verified, handled, corrected, accepted or published the incident (``figures_owned_at``), a new
  report's higher figures become a ``FigureProposal``; nothing changes until a person accepts it
  (``incidents.actions.decide_figures``). A rumour SMS cannot change a verified, published death toll.
- A count nobody gave is None ("belum ada data"), never 0; 0 is a count someone gave as none.
- ``sources`` tells, for each figure shown, where it came from: which report, or who corrected or accepted it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from sms.vocab import COUNT_FIELDS

from ..extensions import db
from ..models import FigureProposal, Incident, IncidentEvent, Report, utcnow


def settle(incident: Incident) -> None:
    """``luka`` is every injured person: never fewer than those split into luka berat and luka ringan (highest
    figures taken from different reports may not add up otherwise)."""
    if incident.luka_berat is None and incident.luka_ringan is None:
        return
    parts = (incident.luka_berat or 0) + (incident.luka_ringan or 0)
    if incident.luka is None or parts > incident.luka:
        incident.luka = parts


def higher(incident: Incident, counts: dict[str, int]) -> dict[str, int]:
    """The figures of ``counts`` above the incident's (a figure the incident does not have is above it)."""
    return {
        name: value
        for name, value in counts.items()
        if name in COUNT_FIELDS and (getattr(incident, name) is None or value > getattr(incident, name))
    }


def raise_counts(incident: Incident, counts: dict[str, int]) -> None:
    """Reports of one incident repeat each other's figures: keep the highest reported, never the sum."""
    for name, value in higher(incident, counts).items():
        setattr(incident, name, value)
    settle(incident)


def own(incident: Incident, now: datetime | None = None) -> None:
    """A person acted on the incident: from now on its figures change only when a person accepts them."""
    if incident.figures_owned_at is None:
        incident.figures_owned_at = now or utcnow()


def propose(
    incident: Incident, counts: dict[str, int], report: Report | None = None, source_ticket: str | None = None
) -> FigureProposal | None:
    """Offer the figures of ``counts`` that are above the owned ones to a person; None when there are none. The
    timeline says what was proposed. The caller commits."""
    new = higher(incident, counts)
    if not new:
        return None
    before = {name: getattr(incident, name) for name in new}
    proposal = FigureProposal(incident=incident, report=report, source_ticket=source_ticket, counts=new, before=before)
    db.session.add(proposal)
    db.session.flush()
    data = {"proposal": proposal.id, "counts": new, "before": before, "source": source_ticket}
    report_id = report.id if report else None
    db.session.add(IncidentEvent(incident=incident, kind="figures_proposed", report_id=report_id, data=data))
    return proposal


def move_proposal(proposal: FigureProposal, incident: Incident) -> None:
    """A waiting proposal now concerns ``incident`` (a merge, or its undo): it keeps only the figures above that
    incident's, beside the figures they would replace there, and is set aside when none are left."""
    proposal.incident_id = incident.id
    counts = higher(incident, proposal.counts)
    if not counts:
        proposal.status, proposal.decided_at = "diabaikan", utcnow()
        return
    proposal.counts, proposal.before = counts, {name: getattr(incident, name) for name in counts}


def take_report(incident: Incident, report: Report) -> FigureProposal | None:
    """A new report's figures: they raise the incident's while nobody owns them, else they are proposed."""
    if incident.figures_owned:
        return propose(incident, report.counts or {}, report=report)
    raise_counts(incident, report.counts or {})
    return None


def open_proposals(incident_ids: list[int]) -> dict[int, list[FigureProposal]]:
    """The proposals still waiting for a person, per incident, oldest first."""
    if not incident_ids:
        return {}
    found: dict[int, list[FigureProposal]] = {}
    for proposal in db.session.scalars(
        select(FigureProposal)
        .where(FigureProposal.incident_id.in_(incident_ids), FigureProposal.status == "terbuka")
        .order_by(FigureProposal.id)
    ):
        found.setdefault(proposal.incident_id, []).append(proposal)
    return found


@dataclass(frozen=True)
class Source:
    """Where a figure came from: a report (``laporan``), or a person (``actor``) who corrected (``koreksi``),
    accepted a proposal (``diterima``) or merged another incident in (``gabung``)."""

    kind: str  # laporan, koreksi, diterima, gabung
    at: datetime
    report_id: int | None = None
    actor: str | None = None  # the person's name
    ticket: str | None = None  # the merged incident's


def sources(incident: Incident, events: list[IncidentEvent]) -> dict[str, Source]:
    """For each figure the incident shows, where it came from, read back from its timeline (``events``, in order,
    as the incident page already loaded them with their actors). A figure whose origin the timeline does not tell
    (older data) has no entry."""
    state: dict[str, int | None] = dict.fromkeys(COUNT_FIELDS)
    found: dict[str, Source] = {}
    proposed = {e.report_id for e in events if e.kind == "figures_proposed" and e.report_id}

    def take(values: dict, source: Source, replace: bool = False) -> None:
        for name in COUNT_FIELDS:
            if name not in values and not replace:
                continue
            value = values.get(name)
            if replace and value == state[name]:
                continue
            if replace or state[name] is None or (value is not None and value > state[name]):
                state[name] = value
                found[name] = source

    for event in events:
        data = event.data or {}
        if event.kind in ("opened", "report") and event.report_id not in proposed:
            take(data.get("counts") or {}, Source("laporan", event.at, report_id=event.report_id))
        elif event.kind == "split_from":
            take(data.get("counts") or {}, Source("laporan", event.at, report_id=data.get("report")))
        elif event.kind == "counts":
            take(data.get("new") or {}, Source("koreksi", event.at, actor=_name(event)), replace=True)
        elif event.kind == "figures_accepted":
            take(data.get("new") or {}, Source("diterima", event.at, report_id=data.get("report"),
                                               actor=_name(event), ticket=data.get("source")))  # fmt: skip
        elif event.kind == "merge_in":
            taken = {name: pair[1] for name, pair in (data.get("taken") or {}).items() if name in COUNT_FIELDS}
            take(taken, Source("gabung", event.at, actor=_name(event), ticket=data.get("source")))
    return {name: source for name, source in found.items() if getattr(incident, name) == state[name]}


def _name(event: IncidentEvent) -> str | None:
    return event.actor.name if event.actor else None
