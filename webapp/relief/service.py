"""Form B-1 data, kaji cepat, emergency status, shelters and urgent needs: rules in plain functions.

Every function checks its input whole before writing anything (a clear ``ReliefError`` otherwise, nothing
partial stored) and leaves the commit to its caller, except where it says it commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from sms.replies import render
from sms.vocab import add_counts

from ..access import can, scope
from ..extensions import db
from ..models import (
    EMERGENCY_STATUSES,
    NEED_ITEMS,
    EmergencyStatus,
    Incident,
    IncidentEvent,
    Need,
    NeedDelivery,
    RapidAssessment,
    Region,
    Report,
    Shelter,
    ShelterUpdate,
    User,
    utcnow,
)
from ..web.labels import DAMAGE_LABELS, FACILITY_LABELS, VULNERABLE_LABELS

FACILITIES = ("pendidikan", "peribadatan", "kesehatan", "perkantoran", "jembatan")
DAMAGE = ("berat", "sedang", "ringan")
VULNERABLE = ("bayi_balita", "ibu_hamil_menyusui", "lansia", "disabilitas")
SIGNER = ("nama", "nip", "jabatan", "tempat", "tanggal")  # who signs Form B-1, where and when
SITUATION = ("akses", "komunikasi", "listrik", "air_bersih", "faskes", "upaya", "bantuan", "lokasi_pengungsian")
MAX_COUNT = 1_000_000
MAX_PEOPLE_PER_PLACE = 5  # people per place of capacity beyond which a shelter count is refused as implausible
MAX_SHELTER = 50_000  # people in one shelter without a capacity
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class ReliefError(ValueError):
    """Input that cannot be stored; the message says why, for the form or the SMS reply."""


def _count(value, what: str) -> int | None:
    """A count typed in a form: None when left blank (nobody said), else 0 to ``MAX_COUNT``."""
    if value in (None, ""):
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_COUNT:
        raise ReliefError(_("%(what)s harus bilangan 0 sampai 1.000.000.", what=what))
    return int(text)


# --- Form B-1 beyond the counts -------------------------------------------------------------------------------


def set_b1(incident: Incident, user: User, form: dict) -> None:
    """Facilities damaged by type and level, vulnerable groups among the displaced and the situation, from a
    form's fields (``fasilitas_pendidikan_berat``, ``rentan_lansia``, ``akses`` …); on the timeline. The
    vulnerable may not outnumber the displaced."""
    facilities = {kind: {level: _count(form.get(f"fasilitas_{kind}_{level}"),
                                       f"{FACILITY_LABELS[kind]} ({str(DAMAGE_LABELS[level]).lower()})")
                         for level in DAMAGE} for kind in FACILITIES}  # fmt: skip
    facilities = {k: {lv: n for lv, n in v.items() if n is not None} for k, v in facilities.items()}
    facilities = {k: v for k, v in facilities.items() if v}  # a blank level is unknown; a 0 is kept as said
    vulnerable = {name: _count(form.get(f"rentan_{name}"), VULNERABLE_LABELS[name]) for name in VULNERABLE}
    vulnerable = {k: v for k, v in vulnerable.items() if v is not None}
    if vulnerable and incident.mengungsi is not None and sum(vulnerable.values()) > incident.mengungsi:
        raise ReliefError(_("Kelompok rentan (%(num)d) lebih banyak dari pengungsi (%(of)d). Periksa jumlah mengungsi.",
                            num=sum(vulnerable.values()), of=incident.mengungsi))  # fmt: skip
    situation = {key: " ".join(str(form.get(key) or "").split())[:500] for key in SITUATION}
    situation = {k: v for k, v in situation.items() if v}
    signer = {key: " ".join(str(form.get(f"ttd_{key}") or "").split())[:120] for key in SIGNER}
    signer = {k: v for k, v in signer.items() if v}
    if signer.get("nip") and not (signer["nip"].replace(" ", "").isdigit() and len(signer["nip"]) <= 30):
        raise ReliefError(_("NIP hanya berisi angka."))
    if signer.get("nip") and not user.nip and signer.get("nama") == user.name:
        user.nip = signer["nip"]  # the next form is signed with it already filled in
    old = incident.b1 or {}
    incident.b1 = {"fasilitas": facilities, "rentan": vulnerable, **situation, "penandatangan": signer}
    asked = form.getlist("kebutuhan") if hasattr(form, "getlist") else list(form.get("kebutuhan") or [])
    record_needs(incident, asked, user=user)
    db.session.add(IncidentEvent(incident=incident, kind="b1", actor_id=user.id, data={"old": old, "new": incident.b1}))


def record_needs(place: Incident | Shelter, items: list[str], report: Report | None = None, user: User | None = None):
    """The needs a report (a ticked box, words in an SMS, a POSKO message) or Form B-1 asked for, as need rows of
    the incident or shelter with the quantity not yet known; an item it already has open is not asked for twice.
    The caller commits."""
    wanted = [item for item in dict.fromkeys(items) if item in NEED_ITEMS]
    if not wanted:
        return []
    shelter = isinstance(place, Shelter)
    owner = Need.shelter_id if shelter else Need.incident_id
    have = {n.item for n in db.session.scalars(select(Need).where(owner == place.id)) if n.is_open}
    added = []
    for item in wanted:
        if item in have:
            continue
        need = Need(kecamatan_code=place.kecamatan_code, desa_code=place.desa_code, item=item,
                    incident_id=None if shelter else place.id, shelter_id=place.id if shelter else None,
                    report_id=report.id if report else None, created_by_id=user.id if user else None)  # fmt: skip
        db.session.add(need)
        added.append(need)
    db.session.flush()
    return added


def facilities_total(b1: dict | None) -> dict[str, int]:
    """Damaged facilities per type, all levels together."""
    return {kind: sum(levels.values()) for kind, levels in ((b1 or {}).get("fasilitas") or {}).items()}


# --- Kaji cepat and the emergency status ----------------------------------------------------------------------


def record_assessment(incident: Incident, user: User, assessor: str, at: datetime, findings: str,
                      recommended: str | None) -> RapidAssessment:  # fmt: skip
    assessor, findings = " ".join((assessor or "").split())[:120], (findings or "").strip()[:5000]
    if not assessor or not findings:
        raise ReliefError(_("Tulis siapa yang mengkaji dan temuannya."))
    if recommended and recommended not in EMERGENCY_STATUSES:
        raise ReliefError(_("Status darurat yang direkomendasikan tidak dikenal."))
    if at > utcnow():
        raise ReliefError(_("Waktu kaji cepat belum lewat."))
    assessment = RapidAssessment(incident_id=incident.id, assessor=assessor, assessed_at=at, findings=findings,
                                 recommended_status=recommended or None, created_by_id=user.id)  # fmt: skip
    db.session.add(assessment)
    db.session.add(IncidentEvent(incident=incident, kind="assessment", actor_id=user.id,
                                 data={"assessor": assessor, "recommended": recommended or ""}))  # fmt: skip
    return assessment


def set_emergency(user: User, region: Region, hazard: str, status: str, starts_on: date, basis: str,
                  ends_on: date | None = None) -> EmergencyStatus:  # fmt: skip
    """The Pemda's decision, recorded by those who hold that authority (``emergency``) for their region."""
    if region.level not in ("kabupaten", "kecamatan") or not can(user, "emergency", region.code):
        raise PermissionError(region.code)
    if status not in EMERGENCY_STATUSES:
        raise ReliefError(_("Status darurat tidak dikenal."))
    basis = " ".join((basis or "").split())[:200]
    if not basis:
        raise ReliefError(_("Tulis dasar penetapannya (misalnya nomor SK Bupati)."))
    if ends_on is not None and ends_on < starts_on:
        raise ReliefError(_("Tanggal berakhir sebelum tanggal mulai."))
    row = EmergencyStatus(region_code=region.code, hazard=hazard, status=status, starts_on=starts_on,
                          ends_on=ends_on, basis=basis, set_by_id=user.id)  # fmt: skip
    db.session.add(row)
    return row


def statuses_for(kecamatan_code: str, hazard: str | None, day: date) -> list[EmergencyStatus]:
    """The emergency statuses in force on ``day`` for a kecamatan (its own, or its kabupaten's) and hazard."""
    kabupaten = kecamatan_code.rsplit(".", 1)[0]
    query = select(EmergencyStatus).where(
        EmergencyStatus.region_code.in_((kecamatan_code, kabupaten)), EmergencyStatus.starts_on <= day,
        (EmergencyStatus.ends_on.is_(None)) | (EmergencyStatus.ends_on >= day),
    )  # fmt: skip
    if hazard:
        query = query.where(EmergencyStatus.hazard == hazard)
    return list(db.session.scalars(query.order_by(EmergencyStatus.starts_on.desc())))


def statuses_in(code: str, day: date) -> list[EmergencyStatus]:
    """Every status in force on ``day`` in a region: its own, those inside it, and its kabupaten's."""
    parent = code.rsplit(".", 1)[0] if code.count(".") == 2 else code
    return list(db.session.scalars(select(EmergencyStatus).where(
        (EmergencyStatus.region_code == code) | EmergencyStatus.region_code.like(f"{code}.%")
        | (EmergencyStatus.region_code == parent),
        EmergencyStatus.starts_on <= day, (EmergencyStatus.ends_on.is_(None)) | (EmergencyStatus.ends_on >= day),
    ).order_by(EmergencyStatus.starts_on.desc())))  # fmt: skip


# --- Shelters ---------------------------------------------------------------------------------------------------


def _plausible(shelter: Shelter, people: int) -> None:
    limit = shelter.capacity * MAX_PEOPLE_PER_PLACE if shelter.capacity else MAX_SHELTER
    if people > limit:
        raise ReliefError(_("%(num)d jiwa tidak masuk akal untuk %(name)s (kapasitas %(cap)s).", num=people,
                            name=shelter.name, cap=shelter.capacity or "-"))  # fmt: skip


def open_shelter(user: User, desa: Region, name: str, capacity: int | None, coordinator_phone: str | None,
                 latitude: float | None = None, longitude: float | None = None,
                 incident: Incident | None = None) -> Shelter:  # fmt: skip
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ReliefError(_("Tulis nama tempat pengungsian."))
    if capacity is not None and not 0 < capacity <= MAX_SHELTER:
        raise ReliefError(_("Kapasitas tidak masuk akal."))
    code = ""
    while not code or db.session.scalar(select(Shelter.id).where(Shelter.code == code)):
        code = "".join(secrets.choice(CODE_ALPHABET) for _n in range(4))
    shelter = Shelter(code=code, kecamatan_code=desa.parent_code, desa_code=desa.code, name=name, capacity=capacity,
                      coordinator_phone=coordinator_phone, latitude=latitude, longitude=longitude,
                      incident_id=incident.id if incident else None)  # fmt: skip
    db.session.add(shelter)
    db.session.flush()
    return shelter


def count_shelter(shelter: Shelter, people: int, households: int, vulnerable: dict[str, int] | None = None,
                  user: User | None = None, report: Report | None = None) -> ShelterUpdate:  # fmt: skip
    """The people and households in a shelter now (and the vulnerable among them), from the web or an SMS."""
    if shelter.closed_at is not None:
        raise ReliefError(_("Pengungsian %(code)s sudah ditutup.", code=shelter.code))
    vulnerable = {k: v for k, v in (vulnerable or {}).items() if k in VULNERABLE and v}
    if any(v < 0 for v in (people, households, *vulnerable.values())):
        raise ReliefError(_("Jumlah tidak boleh negatif."))
    _plausible(shelter, people)
    if households > people:
        raise ReliefError(_("KK (%(kk)d) lebih banyak dari jiwa (%(num)d).", kk=households, num=people))
    if sum(vulnerable.values()) > people:
        raise ReliefError(_("Kelompok rentan lebih banyak dari jiwa di pengungsian."))
    shelter.people, shelter.households, shelter.updated_at = people, households, utcnow()
    if vulnerable:
        shelter.vulnerable = vulnerable
    update = ShelterUpdate(shelter_id=shelter.id, people=people, households=households, vulnerable=vulnerable or None,
                           user_id=user.id if user else None, report_id=report.id if report else None)  # fmt: skip
    db.session.add(update)
    return update


def shelter_sms(parsed, phone: str | None, report: Report | None, staff_phones: set[str], kecamatan_code: str) -> str:
    """``POSKO <kode> 120 jiwa 35 kk`` to a kecamatan's number from the coordinator of one of its shelters (or a
    staff phone of that kecamatan): the count, once per message (the report is stored once by the intake door),
    and a one-segment answer. Another kecamatan's shelter is unknown here."""
    shelter = db.session.scalar(
        select(Shelter).where(Shelter.code == parsed.ticket, Shelter.kecamatan_code == kecamatan_code)
    )
    if shelter is None:
        return render("shelter_unknown", code=parsed.ticket or "-")
    if phone not in {shelter.coordinator_phone, *staff_phones}:
        return render("shelter_not_coordinator", code=shelter.code)
    people = parsed.counts.get("mengungsi", shelter.people or 0)
    households = parsed.counts.get("mengungsi_kk", shelter.households or 0)
    vulnerable = {k: parsed.counts[k] for k in VULNERABLE if k in parsed.counts}
    try:
        with db.session.begin_nested():
            count_shelter(shelter, people, households, vulnerable, report=report)
            record_needs(shelter, list(parsed.needs), report=report)  # "POSKO 4FFV 120 jiwa butuh selimut"
    except ReliefError as exc:
        return render("shelter_refused", code=shelter.code, reason=str(exc))
    return render("shelter_counted", code=shelter.code, name=shelter.name, people=str(people),
                  households=str(households))  # fmt: skip


def close_shelter(shelter: Shelter) -> None:
    shelter.closed_at = shelter.closed_at or utcnow()


def open_shelters(user: User, ability: str = "relief"):
    return (select(Shelter).where(Shelter.closed_at.is_(None), scope(user, Shelter, ability))
            .order_by(Shelter.kecamatan_code, Shelter.name))  # fmt: skip


# --- Urgent needs -------------------------------------------------------------------------------------------------


def add_need(user: User, item: str, quantity, unit: str, incident: Incident | None = None,
             shelter: Shelter | None = None, note: str | None = None) -> Need:  # fmt: skip
    if item not in NEED_ITEMS:
        raise ReliefError(_("Jenis kebutuhan tidak dikenal."))
    quantity = _count(quantity, _("Jumlah"))
    if quantity == 0:
        raise ReliefError(_("Jumlah yang dibutuhkan harus lebih dari 0, atau kosongkan bila belum diketahui."))
    place = shelter or incident
    if place is None:
        raise ReliefError(_("Kebutuhan harus untuk satu insiden atau satu pengungsian."))
    need = Need(kecamatan_code=place.kecamatan_code, desa_code=place.desa_code, incident_id=incident.id if incident
                else None, shelter_id=shelter.id if shelter else None, item=item, quantity=quantity,
                unit=" ".join((unit or "").split())[:30] or None, note=(note or "").strip()[:300] or None,
                created_by_id=user.id)  # fmt: skip
    db.session.add(need)
    return need


def set_need_quantity(need: Need, user: User, quantity, unit: str) -> None:
    """How much of a need is needed, set by a person once known; on its incident's timeline when it has one."""
    amount = _count(quantity, _("Jumlah"))
    if not amount:
        raise ReliefError(_("Tulis jumlah yang dibutuhkan."))
    need.quantity, need.unit = amount, " ".join((unit or "").split())[:30] or need.unit
    if need.incident_id:
        data = {"item": need.item, "quantity": amount, "unit": need.unit or ""}
        db.session.add(IncidentEvent(incident_id=need.incident_id, kind="need", actor_id=user.id, data=data))


def deliver(need: Need, user: User, quantity, agency_id: int | None = None, donor: str | None = None) -> NeedDelivery:
    """What an agency (the user's own, for an agency member) or a donor delivered against a need."""
    quantity = _count(quantity, _("Jumlah"))
    if not quantity:
        raise ReliefError(_("Tulis jumlah yang diserahkan."))
    if user.agency_id:
        agency_id, donor = user.agency_id, None  # a member delivers for their own agency
    donor = " ".join((donor or "").split())[:120] or None
    if agency_id is None and donor is None:
        raise ReliefError(_("Tulis instansi atau donatur yang menyerahkan."))
    delivery = NeedDelivery(need=need, quantity=quantity, agency_id=agency_id, donor=donor, user_id=user.id)
    db.session.add(delivery)
    return delivery


def open_needs(user: User, ability: str = "relief") -> list[Need]:
    """The needs of the user's region not yet met in full, oldest first."""
    needs = db.session.scalars(select(Need).where(scope(user, Need, ability)).order_by(Need.created_at, Need.id))
    return [need for need in needs if need.is_open]


# --- The daily situation report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyReport:
    region: Region
    day: date
    incidents: list[Incident]  # verified, handled or done
    unverified: list[Incident]  # reported, not yet verified: listed apart, never left out
    shelters: list[Shelter]
    needs: list[Need]
    statuses: list[EmergencyStatus]
    as_of: datetime  # the moment the figures were read

    @property
    def displaced(self) -> tuple[int | None, int | None]:
        """People and households in the open shelters that were counted (None: none was)."""
        totals: dict[str, int | None] = {}
        for shelter in self.shelters:
            add_counts(totals, {"people": shelter.people, "households": shelter.households})
        return totals.get("people"), totals.get("households")

    @property
    def sheltered(self) -> dict[int, int]:
        """{incident id: people in its open shelters}, beside the displaced its reports give."""
        people: dict[int, int] = {}
        for shelter in self.shelters:
            if shelter.incident_id and shelter.people is not None:
                people[shelter.incident_id] = people.get(shelter.incident_id, 0) + shelter.people
        return people


def daily_report(region: Region, day: date) -> DailyReport:
    """A kecamatan's (or kabupaten's) situation on ``day``: incidents not closed or closed that day, open shelters,
    open needs and the emergency statuses in force."""
    inside = (Incident.kecamatan_code == region.code) | Incident.kecamatan_code.like(f"{region.code}.%")
    incidents = list(db.session.scalars(
        select(Incident).where(inside, Incident.status.in_(("baru", "diverifikasi", "ditangani", "selesai")))
        .order_by(Incident.opened_at)
    ))  # fmt: skip
    within = (Shelter.kecamatan_code == region.code) | Shelter.kecamatan_code.like(f"{region.code}.%")
    shelters = list(db.session.scalars(select(Shelter).where(within, Shelter.closed_at.is_(None))
                                       .order_by(Shelter.name)))  # fmt: skip
    in_region = (Need.kecamatan_code == region.code) | Need.kecamatan_code.like(f"{region.code}.%")
    needs = [n for n in db.session.scalars(select(Need).where(in_region).order_by(Need.id)) if n.is_open]
    verified = [i for i in incidents if i.status != "baru"]
    unverified = [i for i in incidents if i.status == "baru"]
    return DailyReport(region, day, verified, unverified, shelters, needs, statuses_in(region.code, day), utcnow())
