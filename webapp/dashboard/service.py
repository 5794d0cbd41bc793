"""The SPM sub-urusan bencana figures of a kecamatan (or a kabupaten, for admins) over a period.

Definitions, so that every number can be checked by hand:
- An incident belongs to the period when its first report came within it, in the region's own clock (WIB,
  WITA, WIT). Its ``opened_at`` is that first report (a merge moves it back to the earliest of the two).
  Merged incidents (``digabung``) count in the incident they were merged into.
- Response times run from the incident's first report to the first time it reached ``diverifikasi``,
  ``ditangani`` and ``selesai``; an incident that has not reached a status yet has no time for it. The status
  changes of incidents merged into it count too (a merge keeps the furthest status of the two).
  Rejected incidents (``ditolak``) are left out of response times and totals: they were not real.
- Median: the middle value (the mean of the two middle values for an even count). 90th percentile: nearest
  rank, the smallest time with at least 90 % of the times at or below it.
- Verified within ``SPM_VERIFY_HOURS`` (24 by default; a local target, not a figure from the SPM regulation,
  whose source is ``SPM_VERIFY_SOURCE``): incidents verified within that many hours of their first report, out of
  those that were verified or are already older than that unverified. Younger unverified ones are pending and
  counted apart. (The fields keep the name ``*_24h``.)
- People and houses: the sums of the incidents' BNPB counts.
- Broadcasts: those sent in the period to the area; residents reached are distinct residents with a message
  sent or delivered.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from sms.vocab import COUNT_FIELDS, add_counts

from ..extensions import db
from ..incidents.facts import MILESTONES, IncidentFacts, aware, chosen_incidents, incident_facts
from ..models import (
    FOLLOW_UP_COMMAND,
    INBOX_COMMAND,
    INCIDENT_STATUSES,
    Agency,
    Broadcast,
    Handover,
    Incident,
    OutboundMessage,
    Region,
    Report,
    broadcast_desa,
)
from ..regions.areas import Area, Period


@dataclass(frozen=True)
class Durations:
    """Response times in hours: how many, the median and the 90th percentile (nearest rank)."""

    count: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, hours: list[float]) -> Durations:
        if not hours:
            return cls(0, None, None)
        ordered = sorted(hours)
        return cls(len(ordered), statistics.median(ordered), ordered[math.ceil(0.9 * len(ordered)) - 1])


@dataclass
class Group:
    """The figures of one row: a desa, a kecamatan, a hazard, or the whole area."""

    key: str | None
    label: str
    incidents: int = 0
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INCIDENT_STATUSES[:5], 0))
    times: dict[str, Durations] = field(default_factory=dict)
    verified_24h: int = 0
    decidable_24h: int = 0  # verified, or unverified for more than 24 hours
    pending_24h: int = 0  # unverified and younger than 24 hours
    totals: dict[str, int | None] = field(default_factory=lambda: dict.fromkeys(COUNT_FIELDS))  # None: nobody said
    broadcasts: int = 0
    residents_reached: int = 0

    @property
    def share_24h(self) -> float | None:
        return self.verified_24h / self.decidable_24h if self.decidable_24h else None


@dataclass
class Dashboard:
    area: Area
    period: Period
    overall: Group
    by_area: list[Group]  # desa of a kecamatan, or kecamatan of a kabupaten
    by_hazard: list[Group]
    incidents: list[IncidentFacts]
    agencies: list[AgencyTimes] = field(default_factory=list)


@dataclass
class AgencyTimes:
    """How fast one agency answered the period's handovers: to acknowledged, on site and done (hours), and how
    many handovers went unacknowledged long enough to be escalated."""

    name: str
    handovers: int
    times: dict[str, Durations]
    escalated: int


AGENCY_STAGES = {"diterima": "acknowledged_at", "di_lokasi": "on_site_at", "selesai": "done_at"}


def agency_times(area: Area, period: Period) -> list[AgencyTimes]:
    """Per agency, over the handovers of the period's incidents: one query."""
    incident_ids = select(Incident.id).where(chosen_incidents(area, period))
    rows = db.session.execute(
        select(Agency.name, Handover.created_at, Handover.acknowledged_at, Handover.on_site_at, Handover.done_at,
               Handover.escalated_at)
        .join(Agency, Agency.id == Handover.agency_id)
        .where(Handover.incident_id.in_(incident_ids))
    )  # fmt: skip
    by_agency: dict[str, list] = defaultdict(list)
    for row in rows:
        by_agency[row.name].append(row)
    result = []
    for name, handovers in sorted(by_agency.items()):
        times = {}
        for stage, column in AGENCY_STAGES.items():
            hours = [(aware(getattr(h, column)) - aware(h.created_at)).total_seconds() / 3600
                     for h in handovers if getattr(h, column)]  # fmt: skip
            times[stage] = Durations.of(hours)
        result.append(AgencyTimes(name, len(handovers), times, sum(1 for h in handovers if h.escalated_at)))
    return result


def _fill(group: Group, incidents: list[IncidentFacts], now: datetime) -> Group:
    hours: dict[str, list[float]] = {status: [] for status in MILESTONES}
    for incident in incidents:
        group.incidents += 1
        group.statuses[incident.status] = group.statuses.get(incident.status, 0) + 1
        if incident.status == "ditolak":
            continue
        for status, value in incident.hours.items():
            if value is not None:
                hours[status].append(value)
        to_verify = incident.hours["diverifikasi"]
        target = current_app.config["SPM_VERIFY_HOURS"]
        if to_verify is not None or now - incident.first_report > timedelta(hours=target):
            group.decidable_24h += 1
            group.verified_24h += to_verify is not None and to_verify <= target
        else:
            group.pending_24h += 1
        add_counts(group.totals, incident.counts)
    group.times = {status: Durations.of(values) for status, values in hours.items()}
    return group


def region_names(codes) -> dict[str, str]:
    """{code: name} for the region codes given (None and empty ones skipped)."""
    codes = [c for c in codes if c]
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


def _broadcasts_in(area: Area, period: Period) -> list:
    start, end = period.bounds(area.zone)
    conditions = [Broadcast.created_at >= start, Broadcast.created_at < end]
    if area.code is not None:
        conditions.append(
            Broadcast.kecamatan_code == area.code
            if area.is_kecamatan
            else Broadcast.kecamatan_code.like(f"{area.code}.%")
        )
    return conditions


def _broadcast_reach(area: Area, period: Period) -> tuple[dict[str, int], dict[str, int]]:
    """Per area row: broadcasts sent to it in the period, and distinct residents they reached."""
    in_area = _broadcasts_in(area, period)
    sent: dict[str, int] = defaultdict(int)
    for desa, kecamatan, number in db.session.execute(
        select(broadcast_desa.c.desa_code, Broadcast.kecamatan_code, func.count(func.distinct(Broadcast.id)))
        .join(Broadcast, Broadcast.id == broadcast_desa.c.broadcast_id)
        .where(*in_area)
        .group_by(broadcast_desa.c.desa_code, Broadcast.kecamatan_code)
    ):
        sent[area.group_of(kecamatan, desa)] += number
    reached: dict[str, int] = defaultdict(int)
    for desa, kecamatan, number in db.session.execute(
        select(
            OutboundMessage.desa_code,
            OutboundMessage.kecamatan_code,
            func.count(func.distinct(OutboundMessage.reporter_id)),
        )
        .join(Broadcast, Broadcast.id == OutboundMessage.broadcast_id)
        .where(*in_area, OutboundMessage.status.in_(("sent", "delivered")))
        .group_by(OutboundMessage.desa_code, OutboundMessage.kecamatan_code)
    ):  # fmt: skip
        reached[area.group_of(kecamatan, desa)] += number
    return sent, reached


def dashboard(area: Area, period: Period, now: datetime) -> Dashboard:
    incidents = incident_facts(area, period)
    overall = _fill(Group(area.code, area.label), incidents, now)

    by_area: dict[str | None, list[IncidentFacts]] = defaultdict(list)
    for incident in incidents:
        by_area[area.group_of(incident.kecamatan_code, incident.desa_code)].append(incident)
    sent, reached = _broadcast_reach(area, period)
    if area.is_kecamatan:  # every desa has a row, even a quiet one: the recap lists them all
        keys = list(db.session.scalars(select(Region.code).where(Region.parent_code == area.code)))
    else:
        keys = [k for k in by_area if k] + [k for k in sent if k not in by_area]
    labels = region_names(set(keys) | set(sent))
    area_rows = []
    for key in sorted(set(keys) | set(by_area) | set(sent), key=lambda k: (k is None, labels.get(k, ""), k or "")):
        group = _fill(Group(key, labels.get(key) or _("desa belum jelas")), by_area.get(key, []), now)
        group.broadcasts, group.residents_reached = sent.get(key, 0), reached.get(key, 0)
        area_rows.append(group)
    overall.broadcasts = db.session.scalar(select(func.count(Broadcast.id)).where(*_broadcasts_in(area, period)))
    overall.residents_reached = sum(reached.values())

    by_hazard: dict[str | None, list[IncidentFacts]] = defaultdict(list)
    for incident in incidents:
        by_hazard[incident.hazard].append(incident)
    hazard_rows = [_fill(Group(key, key or ""), group, now) for key, group in by_hazard.items()]
    hazard_rows.sort(key=lambda g: (-g.incidents, g.key or "~"))
    return Dashboard(area, period, overall, area_rows, hazard_rows, incidents, agency_times(area, period))


@dataclass(frozen=True)
class UnclassifiedMonth:
    month: date  # the first day of the month, in the area's clock
    messages: int  # SMS and WhatsApp reports
    unclassified: int  # of which the parser read no hazard (before any person set one)

    @property
    def share(self) -> float | None:
        return self.unclassified / self.messages if self.messages else None


def unclassified_by_month(area: Area, now: datetime, months: int = 12) -> list[UnclassifiedMonth]:
    """Per month, the share of SMS and WhatsApp reports the parser left without a hazard (the messages read as
    conversation, in the inbox or following up an incident, among them): what the languages, the dusun and the
    words taught from triage have still to learn. Newest month first."""
    first = now.astimezone(area.zone).date().replace(day=1)
    for _month in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    start = datetime.combine(first, time(0), area.zone).astimezone(UTC)
    rows = db.session.execute(
        select(Report.received_at, Report.hazard).where(
            area.covers(Report.kecamatan_code),
            Report.channel.in_(("sms", "whatsapp")),
            # conversation is a message the parser read no hazard in
            Report.command.in_(("lapor", INBOX_COMMAND, FOLLOW_UP_COMMAND)),
            Report.received_at >= start,
        )
    ).all()
    totals: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    for received_at, hazard in rows:
        month = aware(received_at).astimezone(area.zone).date().replace(day=1)
        totals[month][0] += 1
        totals[month][1] += hazard is None
    return [UnclassifiedMonth(m, n, u) for m, (n, u) in sorted(totals.items(), reverse=True)]
