"""SPM sub-urusan bencana achievement, counted as Kemendagri's technical guide counts it: people served ÷ people
who should be served, per basic service and hazard, drillable per desa.

What counts (stated on the page too):
- Who should be served, for services 1 and 2: the residents of each desa living in areas prone to the hazard
  (``HazardPopulation``: imported from the BPBD's or InaRISK's figures, or entered by staff; source and year kept).
- Service 1, informasi rawan bencana: participants of sosialisasi/KIE sessions on the hazard in the period, plus
  the distinct registered residents who received an *informasi rawan bencana* broadcast on it. Early warnings
  (*peringatan dini*) are a different service and are shown apart, never added here.
- Service 2, pencegahan dan kesiapsiagaan: participants of drills (gladi/simulasi) and trainings on the hazard;
  contingency plans, risk studies and equipment are listed as evidence, not counted as people.
- Service 3, penyelamatan dan evakuasi korban: of the people in the period's incidents who needed rescue or
  evacuation (displaced, missing and injured; rejected and merged incidents left out), those in incidents that
  reached "ditangani" or "selesai" (help on site); and the incidents verified within ``SPM_VERIFY_HOURS``, a
  local target whose source is ``SPM_VERIFY_SOURCE`` (no time limit was found in the regulation text).
- A share above 100 % is shown as counted (a person may attend two sessions): the page gives both numbers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sms.vocab import HAZARDS

from ..access import desa_in_reach
from ..extensions import db
from ..incidents.facts import incident_facts
from ..models import (
    Broadcast,
    HazardPopulation,
    Incident,
    OutboundMessage,
    PreparednessActivity,
    Region,
    User,
    utcnow,
)
from ..regions.areas import Area, Period
from ..regions.gazetteer import ZONES, zone_for

SERVICE_1 = ("sosialisasi",)
SERVICE_2 = ("gladi", "pelatihan")
EVIDENCE = ("rencana_kontinjensi", "kajian_risiko", "peralatan")
NEEDED_RESCUE = ("mengungsi", "hilang", "luka")
HELPED = ("ditangani", "selesai")
MAX_PARTICIPANTS = 100_000
MAX_PEOPLE = 10_000_000


class SpmError(ValueError):
    """Input that cannot be stored; the message says why (and, for a CSV, on which line)."""


# --- Denominators -----------------------------------------------------------------------------------------------


def set_population(user: User, desa: Region, hazard: str, people: int, source: str, year: int) -> HazardPopulation:
    """Residents of ``desa`` in areas prone to ``hazard``; the caller commits."""
    if hazard not in HAZARDS:
        raise SpmError(_("Jenis bencana tidak dikenal: %(hazard)s.", hazard=hazard))
    if not 0 <= people <= MAX_PEOPLE:
        raise SpmError(_("Jumlah penduduk tidak masuk akal: %(num)s.", num=people))
    if not 2000 <= year <= 2100:
        raise SpmError(_("Tahun data tidak masuk akal: %(year)s.", year=year))
    source = " ".join((source or "").split())[:120]
    if not source:
        raise SpmError(_("Tulis sumber data (misalnya kajian risiko BPBD 2025 atau InaRISK)."))
    row = db.session.scalar(
        select(HazardPopulation).where(HazardPopulation.desa_code == desa.code, HazardPopulation.hazard == hazard)
    ) or HazardPopulation(desa_code=desa.code, hazard=hazard)
    row.people, row.source, row.year, row.entered_by_id, row.updated_at = people, source, year, user.id, utcnow()
    db.session.add(row)
    return row


def import_population(user: User, data: bytes) -> int:
    """A CSV of ``desa,bencana,jiwa,sumber,tahun`` (commas or semicolons, header optional) for the desa in the
    user's reach: every line is checked first; one bad line stores nothing (``SpmError`` names it). Commits."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "ANSI"
    first = text.splitlines()[0] if text.strip() else ""
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","))
    desa = {d.name.lower(): d for d in desa_in_reach(user, "denominators")} | {
        d.code: d for d in desa_in_reach(user, "denominators")
    }
    hazards = {slug: slug for slug in HAZARDS} | {label.lower(): slug for slug, label in HAZARDS.items()}
    stored = 0
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and cells and cells[0].lower() in ("desa", "kode", "nama desa")):
            continue
        if len(cells) < 5:
            raise SpmError(_("Baris %(line)d: perlu 5 kolom (desa, bencana, jiwa, sumber, tahun).", line=number))
        place, hazard = desa.get(cells[0].lower()) or desa.get(cells[0]), hazards.get(cells[1].lower())
        if place is None:
            raise SpmError(_("Baris %(line)d: desa %(desa)s tidak ada di wilayah Anda.", line=number, desa=cells[0]))
        if hazard is None:
            raise SpmError(_("Baris %(line)d: jenis bencana %(hazard)s tidak dikenal.", line=number,
                             hazard=cells[1]))  # fmt: skip
        people, year = cells[2].replace(".", "").replace(" ", ""), cells[4]
        if not (people.isascii() and people.isdigit() and year.isascii() and year.isdigit()):
            raise SpmError(_("Baris %(line)d: jiwa dan tahun harus angka.", line=number))
        try:
            set_population(user, place, hazard, int(people), cells[3], int(year))
        except SpmError as exc:
            raise SpmError(_("Baris %(line)d: %(reason)s", line=number, reason=str(exc))) from exc
        stored += 1
    db.session.commit()
    return stored


# --- The preparedness log ---------------------------------------------------------------------------------------


def log_activity(user: User, key: str, desa: Region, kind: str, hazard: str | None, held_on: date,
                 participants: int, names: str | None, note: str | None, photo: bytes | None,
                 photo_type: str | None) -> PreparednessActivity:  # fmt: skip
    """One activity, once per ``key`` (the form's Idempotency-Key); the caller commits."""
    key = f"u{user.id}:{key}"
    existing = db.session.scalar(select(PreparednessActivity).where(PreparednessActivity.key == key))
    if existing is not None:
        return existing
    if not 0 <= participants <= MAX_PARTICIPANTS:
        raise SpmError(_("Jumlah peserta tidak masuk akal."))
    if kind in SERVICE_1 + SERVICE_2 and participants == 0:
        raise SpmError(_("Tulis jumlah peserta kegiatan ini."))
    if held_on > utcnow().astimezone(ZONES[zone_for(desa.code)]).date():
        raise SpmError(_("Tanggal kegiatan belum lewat."))
    activity = PreparednessActivity(key=key, desa_code=desa.code, kecamatan_code=desa.parent_code, kind=kind,
                                    hazard=hazard or None, held_on=held_on, participants=participants,
                                    participant_names=(names or "").strip() or None, note=(note or "").strip() or None,
                                    photo=photo, photo_type=photo_type, created_by_id=user.id)  # fmt: skip
    try:
        with db.session.begin_nested():  # the outbox and a retry at the same moment: the unique key lets one in
            db.session.add(activity)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(select(PreparednessActivity).where(PreparednessActivity.key == key))
    return activity


# --- Achievement ---------------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """People served of people who should be served."""

    served: int = 0
    should: int = 0

    @property
    def share(self) -> float | None:
        return self.served / self.should if self.should else None


@dataclass
class Line:
    """One hazard (or one desa) across the three services."""

    key: str
    label: str
    should: int = 0  # residents in hazard-prone areas (services 1 and 2)
    sessions: int = 0  # service 1: sosialisasi participants
    informed: int = 0  # service 1: residents reached by informasi broadcasts
    warned: int = 0  # early warnings, apart
    drilled: int = 0  # service 2: drill and training participants
    evidence: dict[str, int] = field(default_factory=dict)  # plans, studies, equipment
    rescue: Cell = field(default_factory=Cell)  # service 3

    @property
    def service1(self) -> Cell:
        return Cell(self.sessions + self.informed, self.should)

    @property
    def service2(self) -> Cell:
        return Cell(self.drilled, self.should)


@dataclass
class Achievement:
    region: Region
    first: date
    last: date
    hazards: list[Line]
    desa: list[Line]
    total: Line
    verified_within: int
    verifiable: int
    target_hours: float
    target_source: str

    @property
    def verified_share(self) -> float | None:
        return self.verified_within / self.verifiable if self.verifiable else None


def _bounds(first: date, last: date, code: str) -> tuple[datetime, datetime]:
    zone = ZONES[zone_for(code)]
    return (datetime.combine(first, time(), zone).astimezone(UTC),
            datetime.combine(last + timedelta(days=1), time(), zone).astimezone(UTC))  # fmt: skip


def _within(column, code: str):
    return (column == code) | column.like(f"{code}.%")


def achievement(region: Region, first: date, last: date, desa_code: str | None = None,
                now: datetime | None = None) -> Achievement:  # fmt: skip
    """The SPM figures of ``region`` (a kecamatan or kabupaten; one desa of it with ``desa_code``) for the days
    ``first``..``last`` in the region's clock."""
    now = now or utcnow()
    place = desa_code or region.code
    start, end = _bounds(first, last, region.code)
    cells: dict[tuple[str, str], Line] = {}

    def line(desa: str, hazard: str) -> Line:
        return cells.setdefault((desa, hazard), Line(f"{desa}/{hazard}", ""))

    for desa, hazard, people in db.session.execute(
        select(HazardPopulation.desa_code, HazardPopulation.hazard, HazardPopulation.people)
        .where(_within(HazardPopulation.desa_code, place))
    ):  # fmt: skip
        line(desa, hazard).should += people
    activities = db.session.execute(
        select(PreparednessActivity.desa_code, PreparednessActivity.hazard, PreparednessActivity.kind,
               func.sum(PreparednessActivity.participants), func.count())
        .where(_within(PreparednessActivity.desa_code, place), PreparednessActivity.held_on >= first,
               PreparednessActivity.held_on <= last)
        .group_by(PreparednessActivity.desa_code, PreparednessActivity.hazard, PreparednessActivity.kind)
    )  # fmt: skip
    for desa, hazard, kind, participants, count in activities:
        target = line(desa, hazard or "-")
        if kind in SERVICE_1:
            target.sessions += participants or 0
        elif kind in SERVICE_2:
            target.drilled += participants or 0
        else:
            target.evidence[kind] = target.evidence.get(kind, 0) + count
    reach = db.session.execute(
        select(OutboundMessage.desa_code, Broadcast.hazard, Broadcast.kind,
               func.count(func.distinct(OutboundMessage.reporter_id)))
        .join(Broadcast, OutboundMessage.broadcast_id == Broadcast.id)
        .where(_within(OutboundMessage.desa_code, place), OutboundMessage.status.in_(("sent", "delivered")),
               Broadcast.created_at >= start, Broadcast.created_at < end)
        .group_by(OutboundMessage.desa_code, Broadcast.hazard, Broadcast.kind)
    )  # fmt: skip
    for desa, hazard, kind, residents in reach:
        target = line(desa, hazard or "-")
        if kind == "informasi":
            target.informed += residents
        else:
            target.warned += residents
    hours = current_app.config["SPM_VERIFY_HOURS"]
    verified = verifiable = 0
    where = _within(Incident.desa_code, place) if desa_code else _within(Incident.kecamatan_code, place)
    incidents = db.session.scalars(
        select(Incident).where(where, Incident.opened_at >= start, Incident.opened_at < end,
                               Incident.status.not_in(("ditolak", "digabung")))
    )  # fmt: skip
    reached = {f.id: f for f in incident_facts(Area(region.code, region.label), Period(first, last))}
    for incident in incidents:
        needed = sum(getattr(incident, name) or 0 for name in NEEDED_RESCUE)  # known figures only
        target = line(incident.desa_code or "-", incident.hazard or "-")
        target.rescue.should += needed
        target.rescue.served += needed if incident.status in HELPED else 0
        facts = reached.get(incident.id)
        to_verify = facts.hours["diverifikasi"] if facts else None
        if to_verify is not None or now - incident.opened_at > timedelta(hours=hours):
            verifiable += 1
            verified += to_verify is not None and to_verify <= hours
    names = dict(db.session.execute(select(Region.code, Region.name).where(_within(Region.code, place))).all())
    by_hazard: dict[str, Line] = {}
    by_desa: dict[str, Line] = {}
    total = Line("total", _("Semua"))
    for (desa, hazard), cell in cells.items():
        for group, key, label in ((by_hazard, hazard, str(HAZARDS.get(hazard, _("tidak disebut")))),
                                  (by_desa, desa, names.get(desa, _("desa tidak diketahui")))):  # fmt: skip
            _add(group.setdefault(key, Line(key, label)), cell)
        _add(total, cell)
    return Achievement(region, first, last, sorted(by_hazard.values(), key=lambda line: line.label),
                       sorted(by_desa.values(), key=lambda line: line.label), total, verified, verifiable, hours,
                       current_app.config["SPM_VERIFY_SOURCE"])  # fmt: skip


def _add(into: Line, cell: Line) -> None:
    into.should += cell.should
    into.sessions += cell.sessions
    into.informed += cell.informed
    into.warned += cell.warned
    into.drilled += cell.drilled
    into.rescue.should += cell.rescue.should
    into.rescue.served += cell.rescue.served
    for kind, count in cell.evidence.items():
        into.evidence[kind] = into.evidence.get(kind, 0) + count
