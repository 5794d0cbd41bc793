from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..incidents.actions import can_view
from ..intake import ingest
from ..models import Region, Report
from . import bp
from .forms import IDEMPOTENCY_KEY, ReportForm


def _desa_choices() -> list[tuple[str, str]]:
    """The desa the user may report for: a desa official's own, or every desa of the staff's kecamatan."""
    if current_user.role == "desa_official":
        desa = [db.session.get(Region, current_user.region_code)]
    elif current_user.role == "kecamatan_staff":
        desa = db.session.scalars(
            select(Region).where(Region.parent_code == current_user.region_code).order_by(Region.name)
        ).all()
    else:
        abort(403)  # admins have no desa; they report through a desa or kecamatan account
    return [(d.code, d.name) for d in desa]


@bp.route("/reports/new", methods=["GET", "POST"])
@login_required
def new():
    form = ReportForm(desa_choices=_desa_choices())
    header_key = request.headers.get("Idempotency-Key", "")
    if request.method == "POST" and IDEMPOTENCY_KEY.match(header_key):
        form.idempotency_key.data = header_key  # the offline outbox replays with its own key
    if not form.validate_on_submit():
        return render_template("reports/new.html", form=form), 422 if request.method == "POST" else 200

    result = ingest(form.inbound_message(current_user))
    report = db.session.get(Report, result.report_id)
    if report.incident is None:
        flash(_("Laporan tersimpan dan akan dibaca petugas."))
        destination, ticket = url_for("incidents.index"), None
    else:
        ticket = report.incident.ticket
        flash(_("Laporan terkirim. Tiket: %(ticket)s", ticket=ticket))
        destination = url_for("incidents.detail", incident_id=report.incident_id)
    if request.headers.get("X-Tangguh-Outbox"):  # the page's outbox goes to the page itself
        return jsonify(status="ok", duplicate=result.duplicate, ticket=ticket, url=destination), 201
    return redirect(destination, code=303)


@bp.get("/reports/<int:report_id>/photo")
@login_required
def photo(report_id: int):
    report = db.session.get(Report, report_id)
    if report is None or report.photo_type is None:
        abort(404)
    if report.incident is None or not can_view(current_user, report.incident):
        abort(403)
    response = db.session.scalar(select(Report.photo).where(Report.id == report_id))
    return response, 200, {"Content-Type": report.photo_type, "Cache-Control": "private, max-age=86400"}
