from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..access import Forbidden, ability_required, can, desa_for_form, fetch
from ..consultations.service import asked_by
from ..extensions import db
from ..incidents.service import latest_answers
from ..intake.ingest import ingest
from ..models import Handover, Incident, Report
from ..web.forms import IDEMPOTENCY_KEY
from ..web.pagination import requested_page
from . import bp
from .forms import ReportForm

MINE_PAGE_SIZE = 20


def _desa_choices() -> list[tuple[str, str]]:
    """The desa the user may report for; admins have none and report through a desa or kecamatan account."""
    try:
        desa = desa_for_form(current_user, "report", request.form.getlist("desa"))
    except Forbidden:
        abort(403)
    return [(d.code, d.name) for d in desa]


@bp.get("/beranda")
@ability_required("report")
def mine():
    """The reporter's home: "Lapor" first, then their own reports and what became of each."""
    pagination = db.paginate(
        select(Report)
        .where(Report.submitted_by_id == current_user.id)
        .options(selectinload(Report.incident).selectinload(Incident.handovers).selectinload(Handover.agency),
                 selectinload(Report.desa))
        .order_by(Report.received_at.desc(), Report.id.desc()),
        page=requested_page(), per_page=MINE_PAGE_SIZE, error_out=False, count=True,
    )  # fmt: skip
    incident_ids = [r.incident_id for r in pagination.items if r.incident_id]
    questions = asked_by(current_user) if can(current_user, "consult") else []
    return render_template("reports/mine.html", pagination=pagination, answers=latest_answers(incident_ids),
                           questions=questions)  # fmt: skip


@bp.route("/reports/new", methods=["GET", "POST"])
@ability_required("report")
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
        notice, destination, ticket = _("Laporan tersimpan dan akan dibaca petugas."), url_for("incidents.index"), None
    else:
        ticket = report.incident.ticket
        notice = _("Laporan terkirim. Tiket: %(ticket)s", ticket=ticket)
        destination = url_for("incidents.detail", incident_id=report.incident_id)
    if request.headers.get("X-Tangguh-Outbox") != "later":  # sent later from the outbox: the page names it, once
        flash(notice)
    if request.headers.get("X-Tangguh-Outbox"):  # the page's outbox goes to the page itself
        return jsonify(status="ok", duplicate=result.duplicate, ticket=ticket, url=destination), 201
    return redirect(destination, code=303)


@bp.get("/reports/<int:report_id>/photo")
@ability_required("incidents")
def photo(report_id: int):
    report = fetch(Report, report_id)
    if report.photo_type is None:
        abort(404)
    if report.incident is None or not can(current_user, "incidents", report.incident):
        abort(403)
    response = db.session.scalar(select(Report.photo).where(Report.id == report_id))
    return response, 200, {"Content-Type": report.photo_type, "Cache-Control": "private, max-age=86400"}
