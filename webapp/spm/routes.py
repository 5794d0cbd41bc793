from datetime import date

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from ..access import Forbidden, ability_required, can, desa_for_form, desa_in_reach, fetch
from ..extensions import db
from ..models import HazardPopulation, PreparednessActivity, Region, utcnow
from ..regions.areas import BadQuery, read_day, requested_area
from ..regions.gazetteer import ZONES, zone_for
from ..web.forms import IDEMPOTENCY_KEY, photo_type
from ..web.pagination import requested_page
from . import bp
from .forms import ActivityForm
from .self_assessment import evidence
from .service import SpmError, achievement, import_population, log_activity, set_population
from .sheet import sheet_csv

PAGE_SIZE = 30


def _period(region: Region) -> tuple[date, date]:
    """``tahun=2026`` (the default: this year), or ``dari``/``sampai`` days."""
    today = utcnow().astimezone(ZONES[zone_for(region.code)]).date()
    try:
        if request.args.get("dari") or request.args.get("sampai"):
            first, last = read_day(request.args.get("dari", "")), read_day(request.args.get("sampai", ""))
        else:
            year = int(request.args.get("tahun") or today.year)
            first, last = date(year, 1, 1), date(year, 12, 31)
    except (ValueError, BadQuery):
        abort(400)
    if last < first or (last - first).days > 366 * 2:
        abort(400)
    return first, last


def _desa(region: Region) -> str | None:
    code = request.args.get("desa") or None
    if code and not (code.startswith(region.code + ".") and code.count(".") == 3):
        abort(404)
    return code


@bp.get("/spm")
@ability_required("dashboard")
def index():
    region = requested_area()
    first, last = _period(region)
    desa = _desa(region)
    figures = achievement(region, first, last, desa)
    return render_template("spm/index.html", figures=figures, desa=db.session.get(Region, desa) if desa else None)


@bp.get("/spm.csv")
@ability_required("dashboard")
def csv_export():
    region = requested_area()
    first, last = _period(region)
    body = sheet_csv(achievement(region, first, last))
    name = f"spm-{region.code}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(body.encode("utf-8-sig"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@bp.get("/kencana")
@ability_required("dashboard")
def kencana():
    region = requested_area()
    first, last = _period(region)
    return render_template("spm/kencana.html", region=region, first=first, last=last,
                           evidence=evidence(region, first, last))  # fmt: skip


@bp.route("/spm/penduduk", methods=["GET", "POST"])
@ability_required("denominators")
def denominators():
    """Residents in hazard-prone areas per desa and hazard: one at a time, or a CSV from BPBD/InaRISK."""
    desa = desa_in_reach(current_user, "denominators")
    error = None
    if request.method == "POST":
        try:
            if request.files.get("file"):
                stored = import_population(current_user, request.files["file"].read())
                flash(_("%(num)d baris disimpan.", num=stored))
            else:
                desa_for_form(current_user, "denominators", [request.form.get("desa", "")])  # 403 outside
                place = next((d for d in desa if d.code == request.form.get("desa")), None)
                if place is None:
                    abort(400)
                people, year = request.form.get("people", ""), request.form.get("year", "")
                if not (people.isascii() and people.isdigit() and year.isascii() and year.isdigit()):
                    raise SpmError(_("Jiwa dan tahun harus angka."))
                set_population(current_user, place, request.form.get("hazard", ""), int(people),
                               request.form.get("source", ""), int(year))  # fmt: skip
                db.session.commit()
                flash(_("Disimpan."))
            return redirect(url_for("spm.denominators"), code=303)
        except Forbidden:
            abort(403)
        except SpmError as exc:
            db.session.rollback()
            error = str(exc)
    rows = db.session.scalars(
        select(HazardPopulation).where(HazardPopulation.desa_code.in_([d.code for d in desa]))
        .order_by(HazardPopulation.desa_code, HazardPopulation.hazard)
    ).all()  # fmt: skip
    return render_template("spm/denominators.html", rows=rows, desa=desa, error=error,
                           year=utcnow().year), 422 if error else 200  # fmt: skip


def _activity_form() -> ActivityForm:
    form = ActivityForm()
    desa = desa_in_reach(current_user, "preparedness")
    form.desa.choices = [SelectChoice(d.code, d.name) for d in desa]
    if request.method == "GET" and len(desa) == 1:
        form.desa.data = desa[0].code
    return form


@bp.route("/kesiapsiagaan/baru", methods=["GET", "POST"])
@ability_required("preparedness")
def new_activity():
    """Log an activity; the page's outbox keeps it on the phone until it is sent."""
    form = _activity_form()
    header_key = request.headers.get("Idempotency-Key", "")
    if request.method == "POST" and IDEMPOTENCY_KEY.match(header_key):
        form.idempotency_key.data = header_key
    if request.method == "POST" and form.desa.data and form.desa.data not in {c.value for c in form.desa.choices}:
        abort(403)
    if not form.validate_on_submit():
        return render_template("spm/new_activity.html", form=form), 422 if request.method == "POST" else 200
    try:
        held_on = read_day(form.held_on.data)
    except ValueError:
        form.held_on.errors.append(_("Tanggal tidak terbaca: tulis hh-bb-tttt."))
        return render_template("spm/new_activity.html", form=form), 422
    photo = form.photo.data.read() if form.photo.data else b""
    desa = db.session.get(Region, form.desa.data)
    try:
        log_activity(current_user, form.idempotency_key.data, desa, form.kind.data, form.hazard.data or None, held_on,
                     form.participants.data, form.names.data, form.note.data, photo or None,
                     photo_type(photo) if photo else None)  # fmt: skip
    except SpmError as exc:
        form.participants.errors.append(str(exc))
        return render_template("spm/new_activity.html", form=form), 422
    db.session.commit()
    destination = url_for("spm.activities")
    if request.headers.get("X-Tangguh-Outbox"):
        return jsonify(status="ok", url=destination), 201
    flash(_("Kegiatan tercatat."))
    return redirect(destination, code=303)


@bp.get("/kesiapsiagaan")
@ability_required("preparedness")
def activities():
    codes = [d.code for d in desa_in_reach(current_user, "preparedness")]
    pagination = db.paginate(
        select(PreparednessActivity).where(PreparednessActivity.desa_code.in_(codes))
        .order_by(PreparednessActivity.held_on.desc(), PreparednessActivity.id.desc()),
        page=requested_page(), per_page=PAGE_SIZE, error_out=False,
    )  # fmt: skip
    return render_template("spm/activities.html", pagination=pagination)


@bp.get("/kesiapsiagaan/<int:activity_id>/foto")
@ability_required("preparedness")
def activity_photo(activity_id: int):
    activity = fetch(PreparednessActivity, activity_id)
    if not can(current_user, "preparedness", activity.desa_code) or not activity.photo:
        abort(404 if not activity.photo else 403)
    return Response(activity.photo, mimetype=activity.photo_type or "application/octet-stream")
