"""The one door every report comes through: SMS (Twilio, Android gateway), WhatsApp, the web form.

``ingest`` stores the message as a ``Report`` exactly once per (channel, external id), then understands it
and acts on it in the same transaction, inside a savepoint: whatever fails on the message's content rolls
back to the savepoint and the report is still committed, unclassified, for a person to read.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from sms.desa import Gazetteer
from sms.parse import Parsed, parse
from sms.replies import STATUS_WORDS, hazard_label, render
from sms.tickets import new_ticket
from sms.vocab import HAZARD_KEYWORDS

from .extensions import db
from .models import OPEN_STATUSES, Incident, IncidentEvent, Region, Report, Reporter, User, utcnow
from .ratelimit import may_send_notice

log = logging.getLogger(__name__)
TICKET_ATTEMPTS = 8


@dataclass(frozen=True)
class InboundMessage:
    """A message as a channel delivered it, before anything is understood."""

    channel: str  # sms | whatsapp | web
    external_id: str  # the channel's own id: Twilio MessageSid, the gateway's event id, an Idempotency-Key
    text: str
    kecamatan_code: str
    sender_phone: str | None = None  # E.164
    received_at: datetime | None = None
    submitted_by_id: int | None = None
    # A form says these outright: they win over what the parser reads in the text, which fills the gaps.
    hazard: str | None = None
    desa_code: str | None = None
    counts: dict | None = None
    details: dict | None = None
    latitude: float | None = None
    longitude: float | None = None
    photo: bytes | None = None
    photo_type: str | None = None


@dataclass(frozen=True)
class IntakeResult:
    report_id: int
    reply: str | None
    duplicate: bool  # this delivery was a repeat of one already stored: nothing new was done


def _existing(message: InboundMessage) -> Report | None:
    return db.session.scalar(
        select(Report).where(Report.channel == message.channel, Report.external_id == message.external_id)
    )


def gazetteer(kecamatan_code: str) -> Gazetteer:
    """The desa of a kecamatan as loaded in the database (so a renamed desa is matched by its new name)."""
    kecamatan = db.session.get(Region, kecamatan_code)
    rows = db.session.execute(
        select(Region.code, Region.name).where(Region.parent_code == kecamatan_code).order_by(Region.code)
    )
    return _gazetteer(kecamatan.name if kecamatan else "", tuple(rows.all()))


@lru_cache(maxsize=256)
def _gazetteer(kecamatan_name: str, desa: tuple[tuple[str, str], ...]) -> Gazetteer:
    # Building the typo index costs up to 1.3 ms (Lampihong), several parses' worth: build it once per set
    # of names, not once per message. Keyed on the names themselves, so a rename builds a new one.
    return Gazetteer(kecamatan_name, dict(desa))


def ingest(message: InboundMessage, limited: bool = False) -> IntakeResult:
    """Store, understand and answer one inbound message; safe to call again with the same message.

    A repeat (same channel and external id), even one arriving at the same moment, stores nothing and
    returns the reply given the first time, with ``duplicate=True``: the caller must not send it again.
    A ``limited`` message (its sender is over the rate limit) is stored but not acted on.
    """
    existing = _existing(message)
    if existing is not None:
        return IntakeResult(existing.id, existing.reply, True)
    report = Report(
        channel=message.channel,
        external_id=message.external_id,
        raw_text=message.text.replace("\x00", "\ufffd"),  # PostgreSQL text cannot hold NUL; all else is kept
        kecamatan_code=message.kecamatan_code,
        submitted_by_id=message.submitted_by_id,
        received_at=message.received_at or utcnow(),
        counts={},
        details=message.details,
        latitude=message.latitude,
        longitude=message.longitude,
        photo=message.photo,
        photo_type=message.photo_type,
    )
    db.session.add(report)
    try:
        db.session.flush()  # the unique key: a concurrent twin waits here until this transaction ends
    except IntegrityError:
        db.session.rollback()
        existing = _existing(message)
        if existing is None:  # not a duplicate after all: a real constraint failure on our input
            raise
        return IntakeResult(existing.id, existing.reply, True)

    if limited:
        report.reporter = _reporter(message.sender_phone) if message.sender_phone else None
        report.reply = (
            render("rate_limited") if message.sender_phone and may_send_notice(message.sender_phone) else None
        )
        db.session.commit()
        return IntakeResult(report.id, report.reply, False)
    try:
        with db.session.begin_nested():
            reply = _understand(report, message)
    except Exception:  # the report stays, unclassified; a person reads it in the list
        log.exception("could not process report %s; kept unclassified", report.id)
        db.session.refresh(report)
        reply = None
    report.reply = reply
    db.session.commit()
    return IntakeResult(report.id, reply, False)


def _understand(report: Report, message: InboundMessage) -> str | None:
    parsed = parse(message.text, gazetteer(message.kecamatan_code))
    if message.channel == "web":  # a form is always a report, whatever its description starts with
        parsed.command = "lapor"
    parsed.hazard = message.hazard or parsed.hazard
    parsed.desa_code = message.desa_code or parsed.desa_code
    parsed.counts = {k: v for k, v in {**parsed.counts, **(message.counts or {})}.items() if v}
    report.command = parsed.command
    report.hazard = parsed.hazard
    report.counts = parsed.counts
    reporter = _reporter(message.sender_phone) if message.sender_phone else None
    report.reporter = reporter
    report.desa_code = parsed.desa_code or (reporter.desa_code if reporter and _in(reporter, message) else None)

    if parsed.command == "lapor":
        return _report(report, parsed)
    if parsed.command == "cek":
        return _check(parsed.ticket, message.sender_phone, reporter)
    if parsed.command == "daftar":
        return _register(reporter, parsed, message.kecamatan_code)
    if parsed.command in ("berhenti", "mulai"):
        if reporter is not None:
            reporter.opted_out = parsed.command == "berhenti"
        return render(parsed.command)
    return render("bantuan")


def _in(reporter: Reporter, message: InboundMessage) -> bool:
    """A reporter's registered desa is a fallback only inside the kecamatan the message arrived for."""
    return bool(reporter.desa_code) and reporter.desa_code.startswith(message.kecamatan_code + ".")


def _reporter(phone: str) -> Reporter:
    reporter = db.session.scalar(select(Reporter).where(Reporter.phone == phone))
    if reporter is not None:
        return reporter
    try:
        with db.session.begin_nested():
            reporter = Reporter(phone=phone)
            db.session.add(reporter)
    except IntegrityError:  # the same new number, registered by a concurrent message
        reporter = db.session.scalar(select(Reporter).where(Reporter.phone == phone))
    return reporter


def _window() -> timedelta:
    return timedelta(hours=current_app.config["INCIDENT_MERGE_HOURS"])


def _serialize_incident_choice(kecamatan: str, desa: str, hazard: str) -> None:
    """On PostgreSQL, make concurrent reports for the same desa and hazard choose their incident one at a time.

    (SQLite already serialises writers: the report insert holds the write lock.)
    """
    if db.session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"{kecamatan}|{desa}|{hazard}".encode())
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _report(report: Report, parsed: Parsed) -> str:
    incident = None
    if report.hazard and report.desa_code:
        _serialize_incident_choice(report.kecamatan_code, report.desa_code, report.hazard)
        incident = db.session.scalar(
            select(Incident)
            .where(
                Incident.kecamatan_code == report.kecamatan_code,
                Incident.desa_code == report.desa_code,
                Incident.hazard == report.hazard,
                Incident.status.in_(OPEN_STATUSES),
                Incident.last_report_at >= report.received_at - _window(),
            )
            .order_by(Incident.last_report_at.desc())
            .limit(1)
        )
    if incident is None:
        incident = open_incident_for(report)
    else:
        db.session.add(IncidentEvent(incident=incident, kind="laporan", report_id=report.id, data=_event_data(report)))
        incident.last_report_at = max(incident.last_report_at, report.received_at)
    report.incident = incident
    _raise_counts(incident, report.counts)
    db.session.flush()
    return _received_reply(incident)


def _event_data(report: Report) -> dict:
    return {"channel": report.channel, "hazard": report.hazard, "desa": report.desa_code, "counts": report.counts}


def open_incident_for(report: Report) -> Incident:
    """A new incident for ``report`` (its hazard, desa and time) with a fresh ticket, opened on the timeline."""
    for _ in range(TICKET_ATTEMPTS):
        ticket = new_ticket()
        if db.session.scalar(select(func.count()).select_from(Incident).where(Incident.ticket == ticket)):
            continue
        try:
            with db.session.begin_nested():
                incident = Incident(
                    ticket=ticket,
                    hazard=report.hazard,
                    kecamatan_code=report.kecamatan_code,
                    desa_code=report.desa_code,
                    opened_at=report.received_at,
                    last_report_at=report.received_at,
                )
                db.session.add(incident)
                db.session.flush()
        except IntegrityError:  # the same ticket drawn by a concurrent report
            continue
        db.session.add(IncidentEvent(incident=incident, kind="dibuka", report_id=report.id, data=_event_data(report)))
        return incident
    raise RuntimeError("no free ticket code after several attempts")


def _raise_counts(incident: Incident, counts: dict[str, int]) -> None:
    """Reports of one incident repeat each other's figures: keep the highest reported, never the sum."""
    for name, value in counts.items():
        if value > getattr(incident, name):
            setattr(incident, name, value)


def _example_desa(kecamatan_code: str) -> str:
    """A real desa of the kecamatan, in capitals, for format examples in replies ("LAPOR BANJIR BANDARAN")."""
    name = db.session.scalar(
        select(Region.name).where(Region.parent_code == kecamatan_code).order_by(Region.name).limit(1)
    )
    return (name or "").upper()


def _received_reply(incident: Incident) -> str:
    if incident.hazard is None:
        return render("received_unclassified", ticket=incident.ticket, example=_example_desa(incident.kecamatan_code))
    if incident.desa_code is None:
        return render(
            "received_no_desa",
            ticket=incident.ticket,
            hazard=hazard_label(incident.hazard),
            keyword=HAZARD_KEYWORDS[incident.hazard],
        )
    return render("received", ticket=incident.ticket, hazard=hazard_label(incident.hazard), desa=incident.desa.label)


def _is_official_for(phone: str | None, incident: Incident) -> bool:
    if not phone:
        return False
    user = db.session.scalar(select(User).where(User.phone == phone, User.active.is_(True)))
    if user is None:
        return False
    return (
        user.role == "admin"
        or (user.role == "kecamatan_staff" and user.region_code == incident.kecamatan_code)
        or (user.role == "desa_official" and user.region_code == incident.desa_code)
    )


def _check(ticket: str | None, phone: str | None, reporter: Reporter | None) -> str:
    if ticket is None:
        return render("cek_missing")
    incident = db.session.scalar(select(Incident).where(Incident.ticket == ticket))
    if incident is None:
        return render("cek_unknown", ticket=ticket)
    reported = reporter is not None and db.session.scalar(
        select(func.count())
        .select_from(Report)
        .where(Report.incident_id == incident.id, Report.reporter_id == reporter.id)
    )
    if not reported and not _is_official_for(phone, incident):
        return render("cek_denied", ticket=ticket)
    return render(
        "status",
        ticket=ticket,
        hazard=hazard_label(incident.hazard),
        desa=incident.desa.label if incident.desa else "desa belum jelas",
        status=STATUS_WORDS[incident.status],
    )


def _register(reporter: Reporter | None, parsed: Parsed, kecamatan_code: str) -> str:
    if reporter is None or parsed.desa_code is None or not parsed.name:
        return render("daftar_invalid", example=_example_desa(kecamatan_code))
    if reporter.desa_code != parsed.desa_code or reporter.source is None:
        reporter.source, reporter.registered_at, reporter.added_by_id = "sms", utcnow(), None
    reporter.name = parsed.name[:120]
    reporter.desa_code = parsed.desa_code
    reporter.opted_out = False  # DAFTAR is the resident's own request: it undoes their BERHENTI
    return render("daftar_ok", name=parsed.name, desa=db.session.get(Region, parsed.desa_code).label)
