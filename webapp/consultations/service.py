"""Asking, answering and forwarding konsultasi; who sees which comes from ``access``."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sms.parse import parse
from sms.vocab import HAZARDS

from ..access import can, scope
from ..extensions import db
from ..intake.ingest import InboundMessage, ingest
from ..messaging import notices
from ..models import Agency, Consultation, Incident, IncidentEvent, Region, Report, User, utcnow
from ..vocabulary.parsers import parser_for, readable

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


def asked_by(user: User, limit: int = 5) -> list[Consultation]:
    """The user's own latest konsultasi, the most recently answered first: what their home page shows."""
    latest = func.coalesce(Consultation.answered_at, Consultation.asked_at)
    return list(
        db.session.scalars(
            select(Consultation)
            .where(Consultation.asked_by_id == user.id, scope(user, Consultation, "consultations"))
            .order_by(latest.desc(), Consultation.id.desc())
            .limit(limit)
        )
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


def agencies_for(consultation: Consultation) -> list[Agency]:
    """The agencies a konsultasi may be forwarded to: active ones whose area holds its desa (none set: anywhere)."""
    agencies = db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name))
    place = consultation.desa_code
    return [a for a in agencies if a.region_code is None or place == a.region_code
            or place.startswith(a.region_code + ".")]  # fmt: skip


def forward(user: User, consultation: Consultation, agency_id: int | None) -> dict:
    """The kecamatan hands the question to an agency, whose people then see and answer it; its members are told
    by SMS and its accounts by push (``notices.forwarded``: nobody there, the on-duty phone or the Pusdalops).
    Commits; returns who was told."""
    if not can(user, "forward", consultation):
        raise PermissionError
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None or agency not in agencies_for(consultation):
        raise ConsultationError(_("Instansi tidak dikenal."))
    consultation.agency_id, consultation.status = agency.id, "diteruskan"
    consultation.agency = agency
    told = notices.forwarded(consultation, agency)
    db.session.commit()
    return told


# --- A konsultasi that is an incident after all ("Air masih naik, perlu perahu") ------------------------------


def _external_id(consultation: Consultation) -> str:
    return f"konsultasi-{consultation.id}"


def guess_hazard(consultation: Consultation) -> str | None:
    """The hazard the parser reads in the question, to prefill the form that opens an incident from it."""
    lexicon, gazetteer = parser_for(consultation.kecamatan_code)
    return parse(readable(consultation.question), gazetteer, lexicon).hazard


def incident_of(consultation: Consultation) -> Incident | None:
    """The incident opened (or joined) from this konsultasi, through the report it became; None when none."""
    report = db.session.scalar(
        select(Report).where(Report.channel == "web", Report.external_id == _external_id(consultation))
    )
    return report.incident if report is not None else None


def open_incident(user: User, consultation: Consultation, hazard: str | None) -> Incident:
    """Turn the question into a report of its desa, through the one intake door, exactly once per konsultasi: it
    opens an incident (or joins the open one of the same desa and hazard), the asker's own report, whose
    figures the parser reads from the question. The timeline says it came from this konsultasi, and the
    konsultasi shows the ticket. Commits; ``ConsultationError`` when it cannot become an incident."""
    if not (can(user, "report", consultation) and can(user, "consultations", consultation)):
        raise PermissionError
    if hazard is not None and hazard not in HAZARDS:
        raise ConsultationError(_("Jenis bencana tidak dikenal."))
    existing = incident_of(consultation)
    if existing is not None:
        return existing
    result = ingest(InboundMessage(channel="web", external_id=_external_id(consultation), text=consultation.question,
                                   kecamatan_code=consultation.kecamatan_code, desa_code=consultation.desa_code,
                                   submitted_by_id=consultation.asked_by_id, hazard=hazard))  # fmt: skip
    incident = db.session.get(Report, result.report_id).incident
    if incident is None:
        raise ConsultationError(_("Pertanyaan tersimpan sebagai laporan, tetapi belum menjadi insiden."))
    if not result.duplicate:
        db.session.add(IncidentEvent(incident=incident, actor_id=user.id, kind="consultation",
                                     data={"consultation": consultation.id}))  # fmt: skip
        incident.updated_at = utcnow()
    db.session.commit()
    return incident
