"""The facts of an area's incidents over a period, as the dashboard and SPM count them: each incident's counts
and the first time it reached each milestone (diverifikasi, ditangani, selesai), merged incidents counting in
the one they were merged into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from sqlalchemy import and_, func, select

from sms.vocab import COUNT_FIELDS

from ..extensions import db
from ..models import Incident, IncidentEvent
from ..regions.areas import Area, Period

MILESTONES = ("diverifikasi", "ditangani", "selesai")


@dataclass
class IncidentFacts:
    """One incident as the dashboard and SPM need it."""

    id: int
    ticket: str
    hazard: str | None
    status: str
    kecamatan_code: str
    desa_code: str | None
    first_report: datetime
    counts: dict[str, int]
    reached: dict[str, datetime] = field(default_factory=dict)  # first time it reached each milestone

    def hours_to(self, status: str) -> float | None:
        return self.hours[status]

    @cached_property
    def hours(self) -> dict[str, float | None]:
        """Hours from the first report to each milestone (None: not reached); read once all times are known."""
        return {
            status: None
            if status not in self.reached
            else (self.reached[status] - self.first_report).total_seconds() / 3600
            for status in MILESTONES
        }


def chosen_incidents(area: Area, period: Period):
    """The incidents the figures cover: opened in the period inside the area, merged ones left out."""
    start, end = period.bounds(area.zone)
    return and_(
        area.covers(Incident.kecamatan_code),
        Incident.opened_at >= start,
        Incident.opened_at < end,
        Incident.status != "digabung",
    )


def incident_facts(area: Area, period: Period) -> list[IncidentFacts]:
    """The period's incidents with their milestone times: two queries, whatever the size."""
    chosen = chosen_incidents(area, period)
    columns = [Incident.id, Incident.ticket, Incident.hazard, Incident.status, Incident.kecamatan_code,
               Incident.desa_code, Incident.opened_at, *(getattr(Incident, name) for name in COUNT_FIELDS)]  # fmt: skip
    facts = {}
    for row in db.session.execute(select(*columns).where(chosen).order_by(Incident.opened_at, Incident.id)):
        counts = dict(zip(COUNT_FIELDS, row[7:], strict=True))
        facts[row.id] = IncidentFacts(row.id, row.ticket, row.hazard, row.status, row.kecamatan_code, row.desa_code,
                                      row.opened_at, counts)  # fmt: skip
    ids = select(Incident.id).where(chosen)
    new = IncidentEvent.data["new"].as_string()  # json_extract on SQLite, ->> on PostgreSQL

    def first_reached(incident_ids):
        return db.session.execute(
            select(IncidentEvent.incident_id, new, func.min(IncidentEvent.at))
            .where(IncidentEvent.kind == "status", new.in_(MILESTONES), IncidentEvent.incident_id.in_(incident_ids))
            .group_by(IncidentEvent.incident_id, new)
        )

    for incident_id, status, moment in first_reached(ids):
        facts[incident_id].reached[status] = aware(moment)
    # An incident merged into another counts there: its verification is the target's (a merge keeps the
    # furthest status), and an undone merge counts again where it was. Merges are few: usually no second query.
    merged_into = dict(db.session.execute(select(Incident.id, Incident.merged_into_id).where(
        Incident.merged_into_id.in_(ids))).all())  # fmt: skip
    for incident_id, status, moment in first_reached(list(merged_into)) if merged_into else ():
        reached = facts[merged_into[incident_id]].reached
        if status not in reached or aware(moment) < reached[status]:
            reached[status] = aware(moment)
    return list(facts.values())


def aware(moment: datetime) -> datetime:
    """A time read back from the database as aware UTC (SQLite's aggregates lose the zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
