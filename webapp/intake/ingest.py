"""The one door every report comes through: SMS (Twilio, Android gateway), WhatsApp, the web form.

``ingest`` stores the message as a ``Report`` exactly once per (channel, external id), then understands it
(its first ``PARSE_MAX_CHARS`` characters: a long text costs no more than a long SMS) and answers it in the same
transaction: whatever fails on the message's content rolls the transaction back and the message is stored again
alone, unclassified, for a person to read. A new incident is told to the desk by the worker, after the commit
(``notices.tell_new_incidents``).

A message that is conversation, not a report (``sms.conversation``), opens no incident: it follows up its
sender's open incident or lands in the inbox (``inbox``); a stop request written as a sentence unsubscribes as
the BERHENTI keyword does.

It only stores, deduplicates, parses and dispatches: which incident a report joins is
``incidents.matching``'s rule, and what the SMS keywords do is ``commands``'.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sms.conversation import CONVERSATION, STOP, read
from sms.desa import Gazetteer
from sms.lexicon import Lexicon
from sms.parse import Parsed, parse, tokenize
from sms.replies import hazard_label, render
from sms.vocab import HAZARD_KEYWORDS

from ..extensions import db, insert_new
from ..incidents.matching import attach, complete
from ..models import Incident, Region, Report, Reporter, desa_label, utcnow
from ..ratelimit import count_toward_limit, may_send_notice
from ..relief.service import record_needs
from ..vocabulary.parsers import parser_for, readable
from . import commands, inbox
from .elsewhere import elsewhere_reply, settle_desa

log = logging.getLogger(__name__)


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
    # Where the report went, for a reply queued after the commit: read without loading the report again.
    desa_code: str | None = None
    reporter_id: int | None = None
    incident_id: int | None = None


def _store(message: InboundMessage) -> tuple[Report, bool]:
    """Insert the message as a new report, or find the one stored earlier with its channel and external id (on
    PostgreSQL a concurrent twin waits at the unique key until this transaction ends); and whether it is new."""
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
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(
            select(Report).where(Report.channel == message.channel, Report.external_id == message.external_id)
        )
        if existing is None:  # not a duplicate after all: a real constraint failure on our input
            raise
        return existing, False
    return report, True


def _result(report: Report, duplicate: bool = False) -> IntakeResult:
    return IntakeResult(report.id, report.reply, duplicate, report.desa_code, report.reporter_id, report.incident_id)


QUESTION_MINUTES = 30  # an answer to a follow-up question counts from the same number within this long


def ingest(message: InboundMessage, rate_limited: bool = False) -> IntakeResult:
    """Store, understand and answer one inbound message; safe to call again with the same message.

    A repeat (same channel and external id), even one arriving at the same moment, stores nothing and
    returns the reply given the first time, with ``duplicate=True``: the caller must not send it again.
    With ``rate_limited`` a new message counts toward its sender's limit (``SMS_RATE_LIMIT``; a repeat never
    does); one over the limit is stored but not acted on.

    The report is inserted first, on its unique key, and understood in the same transaction with autoflush off,
    so what the understanding changes is written in one flush at the commit. Whatever fails on the message's
    content rolls the whole transaction back, and the message is stored again alone, unclassified, for a person
    to read: either way it is committed exactly once.
    """
    report, new = _store(message)
    if not new:
        return _result(report, duplicate=True)
    if rate_limited and message.sender_phone and count_toward_limit(message.sender_phone):
        with db.session.no_autoflush:
            report.reporter = _reporter(message.sender_phone)[0]
        report.reply = render("rate_limited") if may_send_notice(message.sender_phone) else None
        return _commit(report)
    report_id = report.id
    try:
        with db.session.no_autoflush:
            report.reply = _understand(report, message)
        return _commit(report)
    except Exception:  # stored again alone, unclassified: a person reads it in the list
        log.exception("could not process report %s; kept unclassified", report_id)
        db.session.rollback()
    report, new = _store(message)
    return _commit(report) if new else _result(report, duplicate=True)  # or a concurrent twin was, meanwhile


def _commit(report: Report) -> IntakeResult:
    db.session.flush()
    result = _result(report)
    db.session.commit()
    return result


def _understand(report: Report, message: InboundMessage) -> str | None:
    lexicon, gazetteer = parser_for(message.kecamatan_code)
    text = readable(message.text)  # the first PARSE_MAX_CHARS characters; the report keeps the whole text
    parsed = parse(text, gazetteer, lexicon)
    if message.channel == "web":  # a form is always a report, whatever its description starts with
        parsed.command = "lapor"
    parsed.hazard = message.hazard or parsed.hazard
    parsed.desa_code = message.desa_code or parsed.desa_code
    parsed.counts = {k: v for k, v in {**parsed.counts, **(message.counts or {})}.items() if v}
    report.command = parsed.command
    report.hazard = parsed.hazard
    report.counts = parsed.counts
    report.evidence = parsed.evidence or None
    reporter, known = _reporter(message.sender_phone) if message.sender_phone else (None, False)
    report.reporter = reporter
    parsed.desa_code, outside = settle_desa(report, parsed.desa_code)  # "desa X kec. Y": Y's report, or flagged
    home = reporter.desa_code if reporter and not outside and _in(reporter, message) else None
    report.desa_code = parsed.desa_code or home

    if parsed.command == "lapor":
        question = _open_question(report) if known and message.channel != "web" else None
        if question is not None:
            answered = _answer(question, report, parsed, text, lexicon, gazetteer)
            if answered is not None:
                return answered
        if message.channel != "web":
            reading = read(text, parsed, lexicon)
            if reading.kind == STOP:  # "jangan kirim sms lagi": BERHENTI, in a sentence
                parsed.command = report.command = "berhenti"
                return commands.run(parsed, reporter, message.sender_phone, message.kecamatan_code, report)
            if reading.kind == CONVERSATION:
                return inbox.receive(report, reading)
        incident, opened = attach(report)
        asked = [*((report.details or {}).get("needs") or []), *parsed.needs]
        record_needs(incident, asked, report=report)  # ticked on the web form or named in the message
        elsewhere = elsewhere_reply(incident, report) if outside else None  # "Desa X, Kec. Y di luar kecamatan ini"
        asking = report if message.channel != "web" else None
        return elsewhere or _received_reply(incident, asking, gazetteer)
    return commands.run(parsed, reporter, message.sender_phone, message.kecamatan_code, report)


def _open_question(report: Report) -> Report | None:
    """The latest report from the same number in this kecamatan whose follow-up question is still open (asked
    within ``QUESTION_MINUTES``); None when there is none."""
    if report.reporter is None or report.reporter.id is None:
        return None
    return db.session.scalar(
        select(Report)
        .where(
            Report.reporter_id == report.reporter.id,
            Report.kecamatan_code == report.kecamatan_code,
            Report.question.is_not(None),
            Report.answered_at.is_(None),
            Report.id != report.id,
            Report.received_at >= report.received_at - timedelta(minutes=QUESTION_MINUTES),
        )
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(1)
    )


def _answer(question: Report, report: Report, parsed: Parsed, text: str, lexicon: Lexicon, gazetteer: Gazetteer):
    """Read ``report`` as the answer to ``question`` when it gives what was asked (and is not a whole new report
    of its own); the reply then confirms the completed report. None: not an answer, an ordinary report."""
    if question.question == "desa":
        desa = parsed.desa_code or gazetteer.find(tokenize(text, lexicon), lexicon.known_words, slot=0,
                                                  place_cues=lexicon.place_cues).code  # fmt: skip
        if (
            desa is None
            or not desa.startswith(question.kecamatan_code + ".")
            or (parsed.hazard and parsed.hazard != question.hazard)
        ):
            return None
        incident = complete(question, report, desa_code=desa)
    else:
        if parsed.hazard is None or (parsed.desa_code and parsed.desa_code != question.desa_code):
            return None
        incident = complete(question, report, hazard=parsed.hazard)
    report.command = "jawab"
    return _received_reply(incident, gazetteer=gazetteer)


def _in(reporter: Reporter, message: InboundMessage) -> bool:
    """A reporter's registered desa is a fallback only inside the kecamatan the message arrived for."""
    return bool(reporter.desa_code) and reporter.desa_code.startswith(message.kecamatan_code + ".")


def _reporter(phone: str) -> tuple[Reporter, bool]:
    """The reporter with this number, added when new; and whether it was known before this message."""
    reporter = db.session.scalar(select(Reporter).where(Reporter.phone == phone))
    if reporter is not None:
        return reporter, True
    reporter = db.session.scalar(
        insert_new(Reporter).values(phone=phone).on_conflict_do_nothing(index_elements=["phone"]).returning(Reporter)
    )
    if reporter is None:  # the same new number, registered by a concurrent message
        return db.session.scalar(select(Reporter).where(Reporter.phone == phone)), True
    return reporter, False


def _received_reply(incident: Incident, asking: Report | None = None, gazetteer: Gazetteer | None = None) -> str:
    """The reply to a report; with ``asking`` (an SMS or WhatsApp report lacking its desa or its hazard, not
    both) it asks for what is missing, once: that report remembers the question and the next answer from the
    same number completes it."""
    if asking is not None and asking.question is None and bool(asking.hazard) != bool(asking.desa_code):
        asking.question = "desa" if asking.hazard else "hazard"
        if asking.question == "desa":
            example = commands.example_desa(incident.kecamatan_code).title()
            return render("ask_desa", ticket=incident.ticket, hazard=hazard_label(asking.hazard), example=example)
        desa = _desa_label(asking.desa_code, gazetteer) if asking.desa_code else "desa"
        return render("ask_hazard", ticket=incident.ticket, desa=desa)
    if incident.hazard is None:
        return render(
            "received_unclassified", ticket=incident.ticket, example=commands.example_desa(incident.kecamatan_code)
        )
    if incident.desa_code is None:
        return render(
            "received_no_desa",
            ticket=incident.ticket,
            hazard=hazard_label(incident.hazard),
            keyword=HAZARD_KEYWORDS[incident.hazard],
        )
    return render("received", ticket=incident.ticket, hazard=hazard_label(incident.hazard),
                  desa=_desa_label(incident.desa_code, gazetteer))  # fmt: skip


def _desa_label(code: str, gazetteer: Gazetteer | None) -> str:
    """ "Desa Sumberrejo": from the parser's desa names when the desa is the kecamatan's own, else its region."""
    name = gazetteer.names.get(code) if gazetteer else None
    return desa_label(code, name) if name else db.session.get(Region, code).label
