from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ability_required, can, fetch
from ..extensions import db
from ..messaging import notices
from ..messaging.reach import agency_reach
from ..models import Consultation
from ..web.formatting import told
from ..web.forms import IDEMPOTENCY_KEY, ActionForm, photo_type
from ..web.pagination import requested_page
from . import bp
from .forms import AnswerForm, ForwardForm, QuestionForm
from .service import (
    ConsultationError,
    agencies_for,
    answer,
    ask,
    forward,
    guess_hazard,
    incident_of,
    open_incident,
    visible,
)

PAGE_SIZE = 20


@bp.get("/konsultasi")
@ability_required("consultations")
def index():
    pagination = db.paginate(visible(current_user), page=requested_page(), per_page=PAGE_SIZE, error_out=False,
                             count=True)  # fmt: skip
    return render_template("consultations/index.html", pagination=pagination)


@bp.route("/konsultasi/baru", methods=["GET", "POST"])
@ability_required("consult")
def new():
    """Ask the kecamatan; the page's outbox keeps the question on the phone until it is sent."""
    form = QuestionForm()
    header_key = request.headers.get("Idempotency-Key", "")
    if request.method == "POST" and IDEMPOTENCY_KEY.match(header_key):
        form.idempotency_key.data = header_key
    if not form.validate_on_submit():
        return render_template("consultations/new.html", form=form), 422 if request.method == "POST" else 200
    photo = form.photo.data.read() if form.photo.data else b""
    try:
        consultation = ask(current_user, form.idempotency_key.data, form.question.data, photo or None,
                           photo_type(photo) if photo else None)  # fmt: skip
    except ConsultationError as exc:
        form.question.errors.append(str(exc))
        return render_template("consultations/new.html", form=form), 422
    db.session.commit()
    destination = url_for("consultations.detail", consultation_id=consultation.id)
    if request.headers.get("X-Tangguh-Outbox"):
        return jsonify(status="ok", url=destination), 201
    flash(_("Pertanyaan terkirim ke kecamatan."))
    return redirect(destination, code=303)


def _consultation(consultation_id: int) -> Consultation:
    return fetch(Consultation, consultation_id, "consultations")


def _choices(consultation: Consultation) -> list[tuple[str, str]]:
    """The agencies it may go to, each with how it would be told ("SMS ke 2 anggota Damkar")."""
    agencies = agencies_for(consultation)
    if not can(current_user, "forward", consultation):
        return [(str(a.id), a.name) for a in agencies]
    reach = agency_reach(agencies, consultation)
    return [(str(a.id), f"{a.name} · {told({'told': reach[a.id]})}") for a in agencies]


@bp.get("/konsultasi/<int:consultation_id>")
@ability_required("consultations")
def detail(consultation_id: int, answer_form=None, forward_form=None, status=200):
    consultation = _consultation(consultation_id)
    forward_form = forward_form or ForwardForm()
    forward_form.agency_id.choices = _choices(consultation)
    forwarded = notices.forward_told(consultation) if can(current_user, "forward", consultation) else None
    incident = incident_of(consultation)
    guess = guess_hazard(consultation) if incident is None and can(current_user, "report", consultation) else None
    return render_template("consultations/detail.html", consultation=consultation, forwarded=forwarded,
                           incident=incident, guess=guess, action_form=ActionForm(),
                           answer_form=answer_form or AnswerForm(), forward_form=forward_form), status  # fmt: skip


@bp.post("/konsultasi/<int:consultation_id>/jawab")
@ability_required("answer")
def reply(consultation_id: int):
    consultation = _consultation(consultation_id)
    form = AnswerForm()
    if form.validate_on_submit():
        try:
            answer(current_user, consultation, form.text.data)
        except PermissionError:
            abort(403)
        except ConsultationError as exc:
            form.text.errors.append(str(exc))
        else:
            flash(_("Jawaban terkirim."))
            return redirect(url_for("consultations.detail", consultation_id=consultation.id), code=303)
    return detail(consultation_id, answer_form=form, status=422)


@bp.post("/konsultasi/<int:consultation_id>/teruskan")
@ability_required("forward")
def forward_to_agency(consultation_id: int):
    consultation = _consultation(consultation_id)
    form = ForwardForm()
    form.agency_id.choices = _choices(consultation)
    if form.validate_on_submit():
        try:
            said = forward(current_user, consultation, int(form.agency_id.data))
        except PermissionError:
            abort(403)
        except ConsultationError as exc:
            form.agency_id.errors.append(str(exc))
        else:
            flash(_("Diteruskan ke %(agency)s: %(told)s.", agency=consultation.agency.name, told=told(said)),
                  "info" if "unreached" not in said else "error")  # fmt: skip
            return redirect(url_for("consultations.detail", consultation_id=consultation.id), code=303)
    return detail(consultation_id, forward_form=form, status=422)


@bp.post("/konsultasi/<int:consultation_id>/insiden")
@ability_required("report")
def to_incident(consultation_id: int):
    """Open an incident from the question in one step (the hazard prefilled from it); then go to the incident."""
    consultation = _consultation(consultation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    hazard = request.form.get("hazard") or None
    try:
        incident = open_incident(current_user, consultation, hazard)
    except PermissionError:
        abort(403)
    except ConsultationError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("consultations.detail", consultation_id=consultation.id), code=303)
    flash(_("Insiden %(ticket)s dari konsultasi ini.", ticket=incident.ticket))
    return redirect(url_for("incidents.detail", incident_id=incident.id), code=303)


@bp.get("/konsultasi/<int:consultation_id>/foto")
@ability_required("consultations")
def photo(consultation_id: int):
    consultation = _consultation(consultation_id)
    if consultation.photo_type is None:
        abort(404)
    data = db.session.scalar(select(Consultation.photo).where(Consultation.id == consultation.id))
    return data, 200, {"Content-Type": consultation.photo_type, "Cache-Control": "private, max-age=86400"}
