"""Asking, answering and forwarding konsultasi; who sees which comes from ``access``."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access import can, scope
from ..extensions import db
from ..models import Agency, Consultation, Region, User, utcnow

MAX_TEXT = 2000


class ConsultationError(ValueError):
    """A konsultasi that cannot be asked, answered or forwarded as given; the message says why."""


def visible(user: User):
    """The konsultasi ``user`` may see, newest first: a desa official's desa, the staff's kecamatan, an
    agency's forwarded ones."""
    return (
        select(Consultation)
        .where(scope(user, Consultation, "consultations"))
        .order_by(Consultation.asked_at.desc(), Consultation.id.desc())
    )


def ask(user: User, key: str, question: str, photo: bytes | None, photo_type: str | None) -> Consultation:
    """The official's question for their own desa, once per ``key`` (the form's Idempotency-Key: the offline
    outbox may send it again). The caller commits."""
    key = f"u{user.id}:{key}"
    existing = db.session.scalar(select(Consultation).where(Consultation.key == key))
    if existing is not None:
        return existing
    question = (question or "").strip()
    if not question or len(question) > MAX_TEXT:
        raise ConsultationError(_("Tulis pertanyaan (paling panjang 2000 karakter)."))
    desa = db.session.get(Region, user.region_code)
    consultation = Consultation(key=key, desa_code=desa.code, kecamatan_code=desa.parent_code, asked_by_id=user.id,
                                question=question, photo=photo, photo_type=photo_type)  # fmt: skip
    try:
        with db.session.begin_nested():  # the outbox and a retry at the same moment: the unique key lets one in
            db.session.add(consultation)
            db.session.flush()
    except IntegrityError:
        return db.session.scalar(select(Consultation).where(Consultation.key == key))
    return consultation


def answer(user: User, consultation: Consultation, text: str) -> None:
    """The kecamatan's (or the forwarded agency's) answer; the official sees it in their list. Commits."""
    if not can(user, "answer", consultation):
        raise PermissionError
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise ConsultationError(_("Tulis jawaban (paling panjang 2000 karakter)."))
    consultation.answer, consultation.answered_by_id, consultation.answered_at = text, user.id, utcnow()
    consultation.status = "dijawab"
    db.session.commit()


def forward(user: User, consultation: Consultation, agency_id: int | None) -> None:
    """The kecamatan hands the question to an agency, whose people then see and answer it. Commits."""
    if not can(user, "forward", consultation):
        raise PermissionError
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None or not agency.active:
        raise ConsultationError(_("Instansi tidak dikenal."))
    consultation.agency_id, consultation.status = agency.id, "diteruskan"
    db.session.commit()
