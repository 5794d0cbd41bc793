"""Queries over incidents and reports, always limited to what the user may see."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import selectinload, undefer

from sms.vocab import HAZARDS

from ..access import desa_in_reach, scope
from ..extensions import db
from ..models import CHANNELS, INCIDENT_STATUSES, OPEN_STATUSES, Incident, Region, Report, User, utcnow

PERIODS = {"24j": timedelta(hours=24), "7h": timedelta(days=7), "30h": timedelta(days=30)}
STATUS_CHOICES = ("aktif", *INCIDENT_STATUSES)  # "aktif": baru, diverifikasi, ditangani
UNCLASSIFIED = "belum"  # hazard filter for reports the parser could not classify
_STATUS_RANK = {"baru": 0, "diverifikasi": 1, "ditangani": 2, "selesai": 3, "ditolak": 4, "digabung": 5}


class BadFilter(ValueError):
    """A filter value that is not one of the choices; the message says which."""


@dataclass(frozen=True)
class Filters:
    status: str = ""
    hazard: str = ""
    desa: str = ""
    channel: str = ""
    period: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """Read and check the list's query parameters (unknown values are a ``BadFilter``)."""
        values = {name: (args.get(name) or "").strip() for name in cls.__dataclass_fields__}
        allowed = {
            "status": STATUS_CHOICES,
            "hazard": (*HAZARDS, UNCLASSIFIED),
            "channel": CHANNELS,
            "period": tuple(PERIODS),
        }
        for name, choices in allowed.items():
            if values[name] and values[name] not in choices:
                raise BadFilter(_("Nilai saringan %(name)s tidak dikenal: %(value)s", name=name, value=values[name]))
        if values["desa"] and not (len(values["desa"]) == 13 and values["desa"].replace(".", "").isdigit()):
            raise BadFilter(_("Kode desa tidak sah: %(value)s", value=values["desa"]))
        values["q"] = values["q"][:100]
        return cls(**values)

    def as_args(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}


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
    if filters.q:
        pattern = "%" + filters.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Incident.ticket == filters.q.upper(),
                exists().where(Report.incident_id == Incident.id, Report.raw_text.ilike(pattern, escape="\\")),
            )
        )
    return stmt


def _urgency():
    """Open before closed, then severity, then people affected, then the oldest first."""
    people = Incident.meninggal + Incident.hilang + Incident.luka + Incident.mengungsi + Incident.terdampak
    rank = case(_STATUS_RANK, value=Incident.status, else_=9)
    return (rank, func.coalesce(Incident.severity, 0).desc(), people.desc(), Incident.opened_at, Incident.id)


def incident_list(user: User, filters: Filters, page: int, per_page: int):
    """The triage list: the user's incidents matching ``filters``, most urgent first, one page."""
    stmt = (
        _filtered(user, filters)
        .options(
            selectinload(Incident.desa),
            selectinload(Incident.kecamatan),
            selectinload(Incident.agency),
            undefer(Incident.report_count),
        )
        .order_by(*_urgency())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def list_version(user: User, filters: Filters, page: int) -> str:
    """A short stamp that changes whenever anything shown on that page of the list could have changed."""
    subquery = _filtered(user, filters).subquery()
    count, updated, last_report = db.session.execute(
        select(func.count(), func.max(subquery.c.updated_at), func.max(subquery.c.last_report_at))
    ).one()
    raw = f"{count}|{updated}|{last_report}|{page}|{sorted(filters.as_args().items())}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def desa_choices(user: User) -> list[Region]:
    """The desa a user can filter the list by: those they reach, when there is more than one to choose from."""
    desa = desa_in_reach(user, "incidents")
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
