from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from sms.phone import InvalidPhone, normalize_phone

from ..access import ability_required, area_in_reach, can, desa_in_reach, fetch
from ..extensions import db
from ..models import (
    EMERGENCY_STATUSES,
    NEED_ITEMS,
    OPEN_STATUSES,
    Agency,
    EmergencyStatus,
    Incident,
    Need,
    RapidAssessment,
    Region,
    Shelter,
    utcnow,
)
from ..regions.areas import BadQuery, read_day, requested_area
from ..regions.gazetteer import ZONES, zone_for
from . import bp
from .service import (
    DAMAGE,
    FACILITIES,
    SITUATION,
    VULNERABLE,
    ReliefError,
    add_need,
    close_shelter,
    count_shelter,
    daily_report,
    deliver,
    open_needs,
    open_shelter,
    open_shelters,
    record_assessment,
    set_b1,
    set_emergency,
    set_need_quantity,
    statuses_for,
)


def _get(model, item_id: int, ability: str):
    return fetch(model, item_id, ability)


def _today(code: str):
    return utcnow().astimezone(ZONES[zone_for(code)]).date()


def _number(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ReliefError(_("Tulis angka saja."))
    return int(raw)


def _done(message: str, back: str):
    db.session.commit()
    flash(message)
    return redirect(back, code=303)


def _refused(exc: ReliefError, back: str):
    db.session.rollback()
    flash(str(exc), "error")
    return redirect(back, code=303)


# --- Form B-1 and kaji cepat ----------------------------------------------------------------------------------


@bp.get("/incidents/<int:incident_id>/b1")
@ability_required("relief")
def form_b1(incident_id: int):
    """Form B-1 (laporan awal kejadian bencana) for printing, with the form to complete it for those who may."""
    return _b1_page(_get(Incident, incident_id, "relief"))


def _b1_page(incident: Incident, typed=None, error: str | None = None, status: int = 200):
    """Form B-1; after a refused save, with what was typed (``typed``) and why it was refused."""
    today = _today(incident.kecamatan_code)
    statuses = statuses_for(incident.kecamatan_code, incident.hazard, today)
    needs = [n for n in db.session.scalars(select(Need).where(Need.incident_id == incident.id).order_by(Need.id))
             if n.is_open]  # fmt: skip
    shelters = db.session.scalars(
        select(Shelter).where(Shelter.incident_id == incident.id, Shelter.closed_at.is_(None)).order_by(Shelter.name)
    ).all()
    body = render_template("relief/b1.html", incident=incident, facilities=FACILITIES, damage=DAMAGE,
                           vulnerable=VULNERABLE, situation=SITUATION, statuses=statuses, today=today, needs=needs,
                           shelters=shelters, typed=typed, error=error,
                           assessments=incident_assessments(incident), kinds=EMERGENCY_STATUSES)  # fmt: skip
    return body, status


def incident_assessments(incident: Incident):
    return db.session.scalars(select(RapidAssessment).where(RapidAssessment.incident_id == incident.id)
                              .order_by(RapidAssessment.assessed_at)).all()  # fmt: skip


@bp.post("/incidents/<int:incident_id>/b1")
@ability_required("counts")
def save_b1(incident_id: int):
    incident = _get(Incident, incident_id, "counts")
    back = url_for("relief.form_b1", incident_id=incident.id)
    try:
        set_b1(incident, current_user, request.form)
    except ReliefError as exc:
        db.session.rollback()  # nothing is stored; the page comes back with what was typed
        return _b1_page(incident, typed=request.form, error=str(exc), status=422)
    return _done(_("Data B-1 disimpan."), back)


@bp.post("/incidents/<int:incident_id>/kaji-cepat")
@ability_required("assess")
def assess(incident_id: int):
    incident = _get(Incident, incident_id, "assess")
    back = url_for("relief.form_b1", incident_id=incident.id)
    try:
        at = request.form.get("at", "").strip()
        when = datetime.strptime(at, "%d-%m-%Y %H:%M").replace(tzinfo=ZONES[zone_for(incident.kecamatan_code)]) if at \
            else utcnow()  # fmt: skip
        record_assessment(incident, current_user, request.form.get("assessor", ""), when,
                          request.form.get("findings", ""), request.form.get("recommended") or None)  # fmt: skip
    except ValueError as exc:
        return _refused(exc if isinstance(exc, ReliefError) else ReliefError(_("Waktu: tulis hh-bb-tttt jj:mm.")), back)
    return _done(_("Kaji cepat dicatat."), back)


# --- Emergency status ---------------------------------------------------------------------------------------------


@bp.route("/status-darurat", methods=["GET", "POST"])
@ability_required("dashboard")
def emergency():
    """The emergency statuses of the user's region; those who hold the authority set and end them here."""
    reach = area_in_reach(current_user, None)
    if request.method == "POST":
        if not can(current_user, "emergency"):
            abort(403)
        region = db.session.get(Region, request.form.get("region", ""))
        if region is None:
            abort(400)
        try:
            starts = read_day(request.form.get("starts_on", ""))
            ends = read_day(request.form["ends_on"]) if request.form.get("ends_on") else None
            set_emergency(current_user, region, request.form.get("hazard", ""), request.form.get("status", ""), starts,
                          request.form.get("basis", ""), ends)  # fmt: skip
        except PermissionError:
            abort(403)
        except (ValueError, BadQuery) as exc:
            return _refused(exc if isinstance(exc, ReliefError) else ReliefError(_("Tanggal: tulis hh-bb-tttt.")),
                            url_for("relief.emergency"))  # fmt: skip
        return _done(_("Status darurat dicatat."), url_for("relief.emergency"))
    query = select(EmergencyStatus).order_by(EmergencyStatus.starts_on.desc())
    if reach:
        kabupaten = reach.split(".")[0] + "." + reach.split(".")[1] if reach.count(".") >= 1 else reach
        query = query.where((EmergencyStatus.region_code == reach) | EmergencyStatus.region_code.like(f"{reach}.%")
                            | (EmergencyStatus.region_code == kabupaten))  # fmt: skip
    regions = []
    if can(current_user, "emergency"):
        below = db.select(Region).where(Region.level.in_(("kabupaten", "kecamatan")))
        if reach:
            below = below.where((Region.code == reach) | Region.code.like(f"{reach}.%"))
        regions = db.session.scalars(below.order_by(Region.code).limit(300)).all()
    return render_template("relief/emergency.html", statuses=db.session.scalars(query.limit(100)).all(),
                           regions=regions, kinds=EMERGENCY_STATUSES, today=_today(reach or ""))  # fmt: skip


@bp.post("/status-darurat/<int:status_id>/akhiri")
@ability_required("emergency")
def end_emergency(status_id: int):
    row = fetch(EmergencyStatus, status_id, "emergency")
    row.ends_on = max(_today(row.region_code), row.starts_on)
    return _done(_("Status darurat diakhiri."), url_for("relief.emergency"))


# --- Shelters and needs ---------------------------------------------------------------------------------------


@bp.get("/pengungsian")
@ability_required("relief")
def shelters():
    return render_template("relief/shelters.html", shelters=db.session.scalars(open_shelters(current_user)).all(),
                           needs=open_needs(current_user), desa=desa_in_reach(current_user, "shelters"),
                           items=NEED_ITEMS)  # fmt: skip


@bp.post("/pengungsian")
@ability_required("shelters")
def new_shelter():
    desa = db.session.get(Region, request.form.get("desa", ""))
    if desa is None or desa.level != "desa":
        abort(400)
    if not can(current_user, "shelters", desa.code):
        abort(403)
    back = url_for("relief.shelters")
    try:
        phone = request.form.get("coordinator", "").strip()
        coordinator = normalize_phone(phone) if phone else None
        incident = _shelter_incident(desa)
        shelter = open_shelter(current_user, desa, request.form.get("name", ""), _number("capacity"), coordinator,
                               incident=incident)  # fmt: skip
    except InvalidPhone:
        return _refused(ReliefError(_("Nomor koordinator tidak valid.")), back)
    except ReliefError as exc:
        return _refused(exc, back)
    return _done(_("Pengungsian %(name)s dibuka, kode SMS %(code)s.", name=shelter.name, code=shelter.code),
                 url_for("relief.shelter", shelter_id=shelter.id))  # fmt: skip


def _shelter_incident(desa: Region) -> Incident | None:
    """The incident a new shelter belongs to (``insiden``, a ticket), which must be open and in the same desa."""
    ticket = (request.form.get("insiden") or "").strip().upper()
    if not ticket:
        return None
    incident = db.session.scalar(select(Incident).where(Incident.ticket == ticket))
    if incident is None or incident.desa_code != desa.code or incident.status not in OPEN_STATUSES:
        raise ReliefError(_("Insiden %(ticket)s bukan insiden terbuka di %(desa)s.", ticket=ticket, desa=desa.label))
    return incident


@bp.get("/pengungsian/<int:shelter_id>")
@ability_required("relief")
def shelter(shelter_id: int):
    item = _get(Shelter, shelter_id, "relief")
    needs = db.session.scalars(select(Need).where(Need.shelter_id == item.id).order_by(Need.id)).all()
    agencies = db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)).all()
    return render_template("relief/shelter.html", shelter=item, needs=needs, items=NEED_ITEMS,
                           delivering_agencies=agencies, vulnerable=VULNERABLE)  # fmt: skip


@bp.post("/pengungsian/<int:shelter_id>")
@ability_required("shelters")
def count(shelter_id: int):
    item = _get(Shelter, shelter_id, "shelters")
    back = url_for("relief.shelter", shelter_id=item.id)
    try:
        vulnerable = {name: _number(f"rentan_{name}") or 0 for name in VULNERABLE}
        count_shelter(item, _number("people") or 0, _number("households") or 0, vulnerable, user=current_user)
    except ReliefError as exc:
        return _refused(exc, back)
    return _done(_("Jumlah pengungsi dicatat."), back)


@bp.post("/pengungsian/<int:shelter_id>/tutup")
@ability_required("shelters")
def close(shelter_id: int):
    item = _get(Shelter, shelter_id, "shelters")
    close_shelter(item)
    return _done(_("Pengungsian ditutup."), url_for("relief.shelters"))


@bp.post("/kebutuhan")
@ability_required("needs")
def new_need():
    shelter = incident = None
    if request.form.get("shelter"):
        shelter = _get(Shelter, int(request.form["shelter"]) if request.form["shelter"].isdigit() else 0, "needs")
    elif request.form.get("incident"):
        incident = _get(Incident, int(request.form["incident"]) if request.form["incident"].isdigit() else 0, "needs")
    back = url_for("relief.shelter", shelter_id=shelter.id) if shelter else url_for("relief.needs")
    if incident is not None:
        back = url_for("incidents.detail", incident_id=incident.id, _anchor="kebutuhan")
    try:
        add_need(current_user, request.form.get("item", ""), request.form.get("quantity"), request.form.get("unit", ""),
                 incident=incident, shelter=shelter, note=request.form.get("note"))  # fmt: skip
    except ReliefError as exc:
        return _refused(exc, back)
    return _done(_("Kebutuhan dicatat."), back)


@bp.get("/kebutuhan")
@ability_required("deliver")
def needs():
    """The open needs of the user's region, for those who deliver (agencies, the kecamatan, the kabupaten)."""
    agencies = db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)).all()
    return render_template("relief/needs.html", needs=open_needs(current_user, "deliver"), delivering_agencies=agencies)


@bp.post("/kebutuhan/<int:need_id>/serahkan")
@ability_required("deliver")
def deliver_view(need_id: int):
    need = _get(Need, need_id, "deliver")
    back = _need_page(need)
    agency = request.form.get("agency", "")
    try:
        deliver(need, current_user, request.form.get("quantity"), int(agency) if agency.isdigit() else None,
                request.form.get("donor"))  # fmt: skip
    except ReliefError as exc:
        return _refused(exc, back)
    return _done(_("Penyerahan dicatat."), back)


@bp.post("/kebutuhan/<int:need_id>/jumlah")
@ability_required("needs")
def need_quantity(need_id: int):
    """How much of a need asked for without a quantity (a ticked box, an SMS) is needed, once somebody knows."""
    need = _get(Need, need_id, "needs")
    back = _need_page(need)
    try:
        set_need_quantity(need, current_user, request.form.get("quantity"), request.form.get("unit", ""))
    except ReliefError as exc:
        return _refused(exc, back)
    return _done(_("Jumlah kebutuhan dicatat."), back)


def _need_page(need: Need) -> str:
    """Where a form about a need came from: its shelter's page, its incident's page, or the needs list."""
    where = request.form.get("back")
    if where == "pengungsian" and need.shelter_id:
        return url_for("relief.shelter", shelter_id=need.shelter_id)
    if where == "insiden" and need.incident_id:
        return url_for("incidents.detail", incident_id=need.incident_id, _anchor="kebutuhan")
    return url_for("relief.needs")


# --- Reports ----------------------------------------------------------------------------------------------------


@bp.get("/laporan-harian")
@ability_required("dashboard")
def daily():
    region = requested_area()
    try:
        day = read_day(request.args["tanggal"]) if request.args.get("tanggal") else _today(region.code)
    except (ValueError, BadQuery):
        abort(400)
    return render_template("relief/daily.html", report=daily_report(region, day))
