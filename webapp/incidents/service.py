"""Queries over incidents and reports, always limited to what the user may see."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, union
from sqlalchemy.orm import joinedload, selectinload, undefer

from sms.vocab import HAZARDS

from ..access import can, desa_in_reach, scope
from ..caching import Kept
from ..extensions import db
from ..models import (
    CHANNELS,
    INBOX_COMMAND,
    INCIDENT_STATUSES,
    OPEN_STATUSES,
    Handover,
    Incident,
    IncidentEvent,
    Need,
    Region,
    Report,
    User,
    urgency_order,
    utcnow,
)

PERIODS = {"24j": timedelta(hours=24), "7h": timedelta(days=7), "30h": timedelta(days=30)}
STATUS_CHOICES = ("aktif", *INCIDENT_STATUSES)  # "aktif": baru, diverifikasi, ditangani
UNCLASSIFIED = "belum"  # hazard filter for reports the parser could not classify


class BadFilter(ValueError):
    """A filter value that is not one of the choices; the message says which."""


MAP_LIMIT = 500  # open incidents on one map: more than a kabupaten has at once
ORDERS = ("mendesak", "terbaru", "terlama")  # most urgent (the default), newest, longest waiting
WAITING = ("instansi",)  # handed to an agency, not yet being handled


@dataclass(frozen=True)
class Filters:
    status: str = ""
    hazard: str = ""
    desa: str = ""
    channel: str = ""
    period: str = ""
    q: str = ""
    menunggu: str = ""
    sejak: str = ""  # ISO time: only incidents with something new after it ("since my last visit")
    urutan: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read and check the list's query parameters (unknown values are a ``BadFilter``)."""
        values = {name: (args.get(name) or "").strip() for name in cls.__dataclass_fields__}
        allowed = {
            "status": STATUS_CHOICES,
            "hazard": (*HAZARDS, UNCLASSIFIED),
            "channel": CHANNELS,
            "period": tuple(PERIODS),
            "menunggu": WAITING,
            "urutan": ORDERS,
        }
        for name, choices in allowed.items():
            if values[name] and values[name] not in choices:
                raise BadFilter(_("Nilai saringan %(name)s tidak dikenal: %(value)s", name=name, value=values[name]))
        if values["desa"] and not (len(values["desa"]) == 13 and values["desa"].replace(".", "").isdigit()):
            raise BadFilter(_("Kode desa tidak sah: %(value)s", value=values["desa"]))
        if values["sejak"]:
            try:
                datetime.fromisoformat(values["sejak"]).astimezone(UTC)
            except ValueError as exc:
                raise BadFilter(_("Waktu tidak sah: %(value)s", value=values["sejak"])) from exc
        values["q"] = values["q"][:100]
        return cls(**values)

    def as_args(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}

    def without(self, *names: str) -> dict[str, str]:
        """The query arguments with ``names`` left out (to switch the order or drop a chip)."""
        return {name: value for name, value in self.as_args().items() if name not in names}

    @property
    def narrowing(self) -> int:
        """How many filters narrow the list (the order does not)."""
        return len(self.without("urutan"))


def last_action():
    """When a person last acted on the incident (a status, a handover, a note …), or None."""
    return (
        select(func.max(IncidentEvent.at))
        .where(IncidentEvent.incident_id == Incident.id, IncidentEvent.actor_id.is_not(None))
        .correlate(Incident)
        .scalar_subquery()
    )


def news_since(user: User, moment: datetime):
    """Something new for ``user`` since ``moment``: a report came in, or someone else acted on it."""
    return or_(
        Incident.last_report_at > moment,
        exists().where(
            IncidentEvent.incident_id == Incident.id,
            IncidentEvent.at > moment,
            IncidentEvent.actor_id.is_not(None),
            IncidentEvent.actor_id != user.id,
        ),
    )


def _filtered(user: User, filters: Filters):
    stmt = select(Incident).where(scope(user, Incident))
    if filters.status == "aktif":
        stmt = stmt.where(Incident.status.in_(OPEN_STATUSES))
    elif filters.status:
        stmt = stmt.where(Incident.status == filters.status)
    if filters.hazard == UNCLASSIFIED:
        stmt = stmt.where(Incident.hazard.is_(None))
    elif filters.hazard:
        stmt = stmt.where(Incident.hazard == filters.hazard)
    if filters.desa:
        stmt = stmt.where(Incident.desa_code == filters.desa)
    if filters.channel:
        stmt = stmt.where(exists().where(Report.incident_id == Incident.id, Report.channel == filters.channel))
    if filters.period:
        stmt = stmt.where(Incident.last_report_at >= utcnow() - PERIODS[filters.period])
    if filters.menunggu == "instansi":
        stmt = stmt.where(Incident.status == "diverifikasi", exists().where(Handover.incident_id == Incident.id))
    if filters.sejak:
        stmt = stmt.where(news_since(user, datetime.fromisoformat(filters.sejak).astimezone(UTC)))
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Incident.ticket == filters.q.upper(),
                exists().where(Report.incident_id == Incident.id, Report.raw_text.ilike(pattern, escape="\\")),
            )
        )
    return stmt


@functools.cache  # built once a process: the same expressions every page (building them took a third of a ms)
def urgency():
    """ "Paling mendesak", the rule the list states in one sentence: open incidents first; then the dead and
    missing, then the injured, then the displaced, then the affected (the highest first, whether verified or
    not: an unverified flood with casualties is not buried under verified ones without); then the severity
    staff gave; then the one waiting longest since its first report. A figure nobody gave counts as none here.
    (``models.urgency_order``: the SQL, which indexes serve.)"""
    return urgency_order()


def _order(order: str):
    """Most urgent (the default, ``urgency``). Newest: the latest first report first. Longest waiting: open
    first, then the longest since a person acted."""
    if order == "terbaru":
        return (Incident.opened_at.desc(), Incident.id.desc())
    if order == "terlama":
        waiting = func.coalesce(last_action(), Incident.opened_at)
        return (urgency()[0], waiting, Incident.id)
    return urgency()


COUNT_CAP = 1000  # the list counts its incidents up to here (40 pages); beyond, it says "more than"


@dataclass(frozen=True)
class ListPage:
    """One page of the list: its incidents, and how many match. ``total`` is exact unless ``more``: then at
    least ``total`` + 1 match, and the page says "more than ``total``" (counting the whole history would read it
    all on every visit)."""

    items: list
    page: int
    per_page: int
    total: int
    more: bool = False

    @property
    def pages(self) -> int | None:
        """How many pages there are; None when only a lower bound is known."""
        return None if self.more else -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def has_next(self) -> bool:
        return self.more or self.page * self.per_page < self.total

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None


def _listed(user: User, filters: Filters):
    return _filtered(user, filters).order_by(*_order(filters.urutan))


def list_count(user: User, filters: Filters, page: int, per_page: int) -> tuple[int, bool]:
    """How many of the user's incidents match ``filters``: ``(n, False)`` exactly, or ``(cap, True)`` when more
    than the cap match (``COUNT_CAP``, or as far as ``page`` reaches). Reads at most cap + 1 index entries."""
    cap = max(COUNT_CAP, page * per_page)
    found = _filtered(user, filters).with_only_columns(Incident.id).limit(cap + 1).subquery()
    counted = db.session.scalar(select(func.count()).select_from(found))
    return (cap, True) if counted > cap else (counted, False)


def list_version(user: User, filters: Filters, page: int, per_page: int, counted: tuple[int, bool]) -> str:
    """A short stamp that changes whenever anything shown on that page of the list could have changed: which
    incidents are on it and when each last changed (a status, a handover, a figure … stamps ``updated_at``; a
    report ``last_report_at``), and how many match (``counted``, from ``list_count``). One read of the page's
    rows through the order's index, whatever the history."""
    rows = db.session.execute(
        _listed(user, filters)
        .with_only_columns(Incident.id, Incident.updated_at, Incident.last_report_at)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    # Waiting times and the late mark move with the clock: the stamp changes every five minutes too.
    clock = int(utcnow().timestamp() // 300)
    shown = ";".join(f"{i},{_aware(u).timestamp()},{_aware(r).timestamp()}" for i, u, r in rows)
    raw = f"{counted}|{shown}|{page}|{sorted(filters.as_args().items())}|{clock}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def incident_list(user: User, filters: Filters, page: int, per_page: int, counted: tuple[int, bool]) -> ListPage:
    """The triage list: the user's incidents matching ``filters``, most urgent first, one page, with what each
    card shows loaded in a fixed number of statements (``counted`` from ``list_count``)."""
    stmt = (
        _listed(user, filters)
        .options(
            joinedload(Incident.desa),  # many-to-one: in the page's own statement
            joinedload(Incident.kecamatan),
            selectinload(Incident.handovers).selectinload(Handover.agency),
            undefer(Incident.report_count),
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    total, more = counted
    return ListPage(list(db.session.scalars(stmt)), page, per_page, total, more)


def last_actions(incident_ids: list[int]) -> dict[int, datetime]:
    """When a person last acted on each incident (incidents nobody acted on are left out)."""
    rows = db.session.execute(
        select(IncidentEvent.incident_id, func.max(IncidentEvent.at))
        .where(IncidentEvent.incident_id.in_(incident_ids), IncidentEvent.actor_id.is_not(None))
        .group_by(IncidentEvent.incident_id)
    )
    return {incident_id: _aware(moment) for incident_id, moment in rows}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite's max() hands back naive text


def latest_answers(incident_ids: list[int]) -> dict[int, IncidentEvent]:
    """The latest thing a person did on each incident (its timeline event, with who did it)."""
    latest = (
        select(func.max(IncidentEvent.id))
        .where(IncidentEvent.incident_id.in_(incident_ids), IncidentEvent.actor_id.is_not(None))
        .group_by(IncidentEvent.incident_id)
    )
    events = db.session.scalars(
        select(IncidentEvent).where(IncidentEvent.id.in_(latest)).options(selectinload(IncidentEvent.actor))
    )
    return {event.incident_id: event for event in events}


def needs_of(incident_ids: list[int]) -> dict[int, list[str]]:
    """The urgent needs of each incident still open, from every door (web form, SMS, Form B-1, by hand), in the
    order first asked."""
    needs: dict[int, list[str]] = {i: [] for i in incident_ids}
    if not incident_ids:
        return needs
    rows = db.session.scalars(
        select(Need).where(Need.incident_id.in_(incident_ids)).options(selectinload(Need.deliveries)).order_by(Need.id)
    )
    for need in rows:
        if need.is_open and need.item not in needs[need.incident_id]:
            needs[need.incident_id].append(need.item)
    return needs


def new_count(user: User) -> int:
    """How many incidents have something new for ``user`` since they last opened the list (the menu badge).
    ``news_since`` as two reads of what happened after that moment (reports, then other people's actions), each
    through its time's index: the cost follows what happened since, not the history."""
    if user.list_seen_at is None:
        return 0
    moment = user.list_seen_at
    reported = select(Incident.id).where(scope(user, Incident), Incident.last_report_at > moment)
    acted = (
        select(Incident.id)
        .join(IncidentEvent, IncidentEvent.incident_id == Incident.id)
        .where(
            scope(user, Incident),
            IncidentEvent.at > moment,
            IncidentEvent.actor_id.is_not(None),
            IncidentEvent.actor_id != user.id,
        )
    )
    return db.session.scalar(select(func.count()).select_from(union(reported, acted).subquery()))


class DesaChoice(NamedTuple):
    code: str
    name: str


DESA_CHOICES = Kept("desa_choices", Region.code, Region.name, Region.level)


def desa_choices(user: User) -> list[DesaChoice]:
    """The desa a user can filter the list by: those they reach, when there is more than one to choose from (a
    kabupaten's several hundred, kept per process: names change rarely, and the list is drawn on every page)."""
    if not can(user, "incidents"):
        return []
    desa = DESA_CHOICES.get((user.role, user.region_code), lambda: [DesaChoice(r.code, r.name)
                                                        for r in desa_in_reach(user, "incidents")])  # fmt: skip
    return desa if len(desa) > 1 else []


def incidents_page(user: User, page: int, per_page: int):
    """The user's incidents, newest first, with their desa, kecamatan and report count loaded (the JSON API)."""
    stmt = (
        select(Incident)
        .where(scope(user, Incident))
        .options(selectinload(Incident.desa), selectinload(Incident.kecamatan), undefer(Incident.report_count))
        .order_by(Incident.opened_at.desc(), Incident.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def reports_page(user: User, page: int, per_page: int):
    """The user's reports, newest first, with their reporter, desa and incident loaded."""
    stmt = (
        select(Report)
        .where(scope(user, Report))
        .options(
            selectinload(Report.reporter),
            selectinload(Report.desa),
            selectinload(Report.kecamatan),
            selectinload(Report.incident),
        )
        .order_by(Report.received_at.desc(), Report.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def locations(incident_ids: list[int]) -> dict[int, tuple[float, float]]:
    """Where each incident is, from its latest report with a GPS position: {id: (longitude, latitude)}."""
    found: dict[int, tuple[float, float]] = {}
    for chunk in range(0, len(incident_ids), 1000):  # bound parameters stay well inside every database's limit
        rows = db.session.execute(
            select(Report.incident_id, Report.longitude, Report.latitude)
            .where(
                Report.incident_id.in_(incident_ids[chunk : chunk + 1000]),
                Report.latitude.is_not(None),
                Report.longitude.is_not(None),
            )
            .order_by(Report.received_at, Report.id)
        )
        for incident_id, longitude, latitude in rows:
            found[incident_id] = (longitude, latitude)  # later reports overwrite earlier ones
    return found


def map_incidents(user: User) -> tuple[list[tuple[Incident, tuple[float, float]]], dict[str, list[Incident]]]:
    """The user's open incidents for the map: those with a GPS position (with it), and the rest by desa name."""
    incidents = list(
        db.session.scalars(
            select(Incident)
            .where(scope(user, Incident), Incident.status.in_(OPEN_STATUSES))
            .options(selectinload(Incident.desa))
            .order_by(*_order("mendesak"))
            .limit(MAP_LIMIT)
        )
    )
    places = locations([i.id for i in incidents])
    placed = [(i, places[i.id]) for i in incidents if i.id in places]
    by_desa: dict[str, list[Incident]] = {}
    for incident in incidents:
        if incident.id not in places:
            by_desa.setdefault(incident.desa.name if incident.desa else "", []).append(incident)
    return placed, dict(sorted(by_desa.items(), key=lambda item: (not item[0], item[0])))


def inbox_waiting(user: User) -> int:
    """How many messages that are not reports wait in "Pesan masuk" for ``user`` (0 without the ability): the list
    links them. (The inbox itself, which makes incidents of them, stands above the incidents.)"""
    if not can(user, "inbox"):
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(Report)
        .where(scope(user, Report, "inbox"), Report.command == INBOX_COMMAND, Report.handled_at.is_(None))
    )
