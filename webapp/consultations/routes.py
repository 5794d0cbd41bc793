from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ability_required, fetch
from ..extensions import db
from ..models import Agency, Consultation
from ..web.forms import IDEMPOTENCY_KEY, photo_type
from ..web.pagination import requested_page
from . import bp
from .forms import AnswerForm, ForwardForm, QuestionForm
from .service import ConsultationError, answer, ask, forward, visible

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


def _agencies():
    return db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)).all()


@bp.get("/konsultasi/<int:consultation_id>")
@ability_required("consultations")
def detail(consultation_id: int, answer_form=None, forward_form=None, status=200):
    consultation = _consultation(consultation_id)
    forward_form = forward_form or ForwardForm()
    forward_form.agency_id.choices = [(str(a.id), a.name) for a in _agencies()]
    return render_template("consultations/detail.html", consultation=consultation,
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
    form.agency_id.choices = [(str(a.id), a.name) for a in _agencies()]
    if form.validate_on_submit():
        try:
            forward(current_user, consultation, int(form.agency_id.data))
        except PermissionError:
            abort(403)
        except ConsultationError as exc:
            form.agency_id.errors.append(str(exc))
        else:
            flash(_("Diteruskan ke %(agency)s.", agency=consultation.agency.name))
            return redirect(url_for("consultations.detail", consultation_id=consultation.id), code=303)
    return detail(consultation_id, forward_form=form, status=422)


@bp.get("/konsultasi/<int:consultation_id>/foto")
@ability_required("consultations")
def photo(consultation_id: int):
    consultation = _consultation(consultation_id)
    if consultation.photo_type is None:
        abort(404)
    data = db.session.scalar(select(Consultation.photo).where(Consultation.id == consultation.id))
    return data, 200, {"Content-Type": consultation.photo_type, "Cache-Control": "private, max-age=86400"}
