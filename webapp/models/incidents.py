"""Reports and the incidents they belong to: the timeline, handovers to agencies, konsultasi, and words
learned from triage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    event,
    false,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sms.vocab import COUNT_FIELDS

from ..extensions import db
from .base import JSONType, UTCDateTime, hazard_check, utcnow
from .people import (
    Agency,
    Reporter,
    User,
)
from .regions import Region

CHANNELS = ("sms", "whatsapp", "web")


CHANNELS = ("sms", "whatsapp", "web")
INCIDENT_STATUSES = ("baru", "diverifikasi", "ditangani", "selesai", "ditolak", "digabung")


INCIDENT_STATUSES = ("baru", "diverifikasi", "ditangani", "selesai", "ditolak", "digabung")
OPEN_STATUSES = ("baru", "diverifikasi", "ditangani")


OPEN_STATUSES = ("baru", "diverifikasi", "ditangani")
SEVERITIES = {1: "rendah", 2: "sedang", 3: "tinggi"}
# A message that is not a report (``sms.conversation``): waiting in the kecamatan's "Pesan masuk", or a follow-up
# in the timeline of its sender's open incident. Both are kept as reports with these commands.
INBOX_COMMAND, FOLLOW_UP_COMMAND = "pesan", "susulan"


class Report(db.Model):
    """One inbound message or form submission, kept whole; exactly once per (channel, external id)."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    external_id: Mapped[str] = mapped_column(String(100))
    raw_text: Mapped[str] = mapped_column(Text)
    command: Mapped[str | None] = mapped_column(String(12))
    hazard: Mapped[str | None] = mapped_column(String(20))
    counts: Mapped[dict] = mapped_column(JSONType, default=dict)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporter.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The automatic answer, kept so a repeated delivery is answered exactly as the first one was.
    reply: Mapped[str | None] = mapped_column(Text)
    # From the web form: where (the phone's GPS), dusun/RT/RW, urgent needs, and a photo of at most 100 KB.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict | None] = mapped_column(JSONType)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    # The words that decided the hazard and the counts ({"hazard": "obbar", "counts": {"hilang": "2 oreng elang"}}).
    evidence: Mapped[dict | None] = mapped_column(JSONType)
    # The one follow-up question its reply asked ("desa" or "hazard"), and when an answer completed it.
    question: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answers_report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)  # on the answer
    # A message that is not a report (``command`` "pesan", in the kecamatan's "Pesan masuk"): when and by whom
    # staff marked it handled, or turned it into an incident.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    reporter: Mapped[Reporter | None] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])
    desa: Mapped[Region | None] = relationship(foreign_keys=[desa_code])
    kecamatan: Mapped[Region] = relationship(foreign_keys=[kecamatan_code])
    incident: Mapped[Incident | None] = relationship(back_populates="reports")

    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_report_channel_external_id"),
        Index("ix_report_inbox", "kecamatan_code", "command", "handled_at"),
        Index("ix_report_command_handled", "command", "handled_at"),  # an admin's inbox: the unhandled only
        CheckConstraint(channel.in_(CHANNELS), name="channel"),
        hazard_check(hazard),
    )


LEARNED_KINDS = ("hazard", "desa")


class LearnedTerm(db.Model):
    """A word staff taught the parser from triage, for one kecamatan: a hazard word ("galodo" → banjir) or another
    name of a desa ("Sei Tabuk" → Sungai Tabuk)."""

    __tablename__ = "learned_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    phrase: Mapped[str] = mapped_column(String(80))  # as the parser sees it: lowercase, single spaces
    value: Mapped[str] = mapped_column(String(20))  # a hazard slug or a desa code
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        UniqueConstraint("kecamatan_code", "kind", "phrase", name="uq_learned_term_kecamatan_code_kind_phrase"),
        CheckConstraint(kind.in_(LEARNED_KINDS), name="kind"),
    )


class Incident(db.Model):
    """Something happening in a desa that the kecamatan triages; one or more reports belong to it."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(6), unique=True)
    hazard: Mapped[str | None] = mapped_column(String(20))
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="baru", index=True)
    severity: Mapped[int | None] = mapped_column(SmallInteger)
    # The BNPB counts. None: nobody said (never shown as 0); 0: someone said none.
    meninggal: Mapped[int | None] = mapped_column(Integer)
    hilang: Mapped[int | None] = mapped_column(Integer)
    luka: Mapped[int | None] = mapped_column(Integer)  # every injured person; the split below may be partial
    luka_berat: Mapped[int | None] = mapped_column(Integer)
    luka_ringan: Mapped[int | None] = mapped_column(Integer)
    mengungsi: Mapped[int | None] = mapped_column(Integer)
    terdampak: Mapped[int | None] = mapped_column(Integer)
    mengungsi_kk: Mapped[int | None] = mapped_column(Integer)
    terdampak_kk: Mapped[int | None] = mapped_column(Integer)
    rumah_rusak_berat: Mapped[int | None] = mapped_column(Integer)
    rumah_rusak_sedang: Mapped[int | None] = mapped_column(Integer)
    rumah_rusak_ringan: Mapped[int | None] = mapped_column(Integer)
    rumah_terendam: Mapped[int | None] = mapped_column(Integer)
    # Since when a person stands behind the counts (verified, corrected, accepted or published the incident):
    # from then on a new report's figures are a ``FigureProposal`` a person accepts, never applied by themselves.
    figures_owned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_report_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Form B-1 beyond the counts: damaged public facilities by type and level, vulnerable groups among the
    # displaced, and the situation (access, communication, electricity, water, health services, actions, needs).
    b1: Mapped[dict | None] = mapped_column(JSONType)
    # What citizens see, once staff publish it (withdrawn: gone from the public page, a tombstone in the feeds).
    public_summary: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Opened by a report and not yet told to the desk: the worker tells it in its next round (``notices``).
    desk_untold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    desa: Mapped[Region | None] = relationship(foreign_keys=[desa_code])
    kecamatan: Mapped[Region] = relationship(foreign_keys=[kecamatan_code])
    handovers: Mapped[list[Handover]] = relationship(back_populates="incident", order_by="Handover.id")
    merged_into: Mapped[Incident | None] = relationship(remote_side=[id])
    reports: Mapped[list[Report]] = relationship(back_populates="incident", order_by="Report.received_at")
    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.at, IncidentEvent.id"
    )

    __table_args__ = (
        CheckConstraint(status.in_(INCIDENT_STATUSES), name="status"),
        CheckConstraint(severity.is_(None) | severity.between(1, 3), name="severity"),
        hazard_check(hazard),
        CheckConstraint(
            and_(*(db.column(name) >= 0 for name in COUNT_FIELDS)),
            name="counts_not_negative",
        ),
        CheckConstraint(
            "luka IS NULL OR luka >= coalesce(luka_berat, 0) + coalesce(luka_ringan, 0)", name="injuries_add_up"
        ),
        # The list's and the API's reads (migration 0020; the urgency order's indexes are below the class).
        Index("ix_incident_kecamatan_opened", "kecamatan_code", "opened_at", "id"),
        Index("ix_incident_last_report_at", "last_report_at"),
        Index("ix_incident_desk_untold", "id", sqlite_where=desk_untold, postgresql_where=desk_untold),
    )

    @property
    def counts(self) -> dict[str, int]:
        """The BNPB counts somebody gave (0 included, unknown left out), in display order."""
        return {name: value for name in COUNT_FIELDS if (value := getattr(self, name)) is not None}

    @property
    def figures_owned(self) -> bool:
        return self.figures_owned_at is not None


class Handover(db.Model):
    """An incident handed to an agency (BPBD, Damkar, …); an incident may be handed to several, each once."""

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    # The agency's answers, by SMS (TERIMA, TANGANI, SELESAI) or from its list: when, and which member.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_site_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # not acknowledged in time: staff told

    incident: Mapped[Incident] = relationship(back_populates="handovers")
    agency: Mapped[Agency] = relationship()

    __table_args__ = (UniqueConstraint("incident_id", "agency_id", name="uq_handover_incident_agency"),)

    @property
    def stage(self) -> str:
        """diserahkan → diterima → di_lokasi → selesai."""
        if self.done_at:
            return "selesai"
        if self.on_site_at:
            return "di_lokasi"
        return "diterima" if self.acknowledged_at else "diserahkan"


CONSULTATION_STATUSES = ("terbuka", "dijawab", "diteruskan")


class Consultation(db.Model):
    """A desa official's question to the kecamatan that is not an incident; answered, or forwarded to an agency."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # u<id>:<Idempotency-Key>: the outbox sends once
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    question: Mapped[str] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="terbuka")
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)  # forwarded to
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    desa: Mapped[Region] = relationship(foreign_keys=[desa_code])
    asked_by: Mapped[User] = relationship(foreign_keys=[asked_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (CheckConstraint(status.in_(CONSULTATION_STATUSES), name="status"),)


PROPOSAL_STATES = ("terbuka", "diterima", "diabaikan")


class FigureProposal(db.Model):
    """Figures a report (or a merged incident) gives that are higher than those a person stands behind: they
    change the incident only when a person accepts them."""

    __tablename__ = "figure_proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"), unique=True)
    source_ticket: Mapped[str | None] = mapped_column(String(6))  # a merged incident's, when no report gave them
    counts: Mapped[dict] = mapped_column(JSONType)  # {name: proposed value}, only those above the owned figures
    before: Mapped[dict] = mapped_column(JSONType)  # {name: the owned value then, or None}
    status: Mapped[str] = mapped_column(String(10), default="terbuka")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    incident: Mapped[Incident] = relationship()
    report: Mapped[Report | None] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(status.in_(PROPOSAL_STATES), name="status"),)


class IncidentEvent(db.Model):
    """One line of an incident's timeline and audit log: who did what, when, with an optional note.

    Append-only: the ORM refuses to change or delete an event once written.
    """

    __tablename__ = "incident_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSONType)

    incident: Mapped[Incident] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_incident_event_at", "at"),)  # what is new since a visit


@event.listens_for(IncidentEvent, "before_update")
@event.listens_for(IncidentEvent, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise RuntimeError(f"{mapper.local_table.name} rows are append-only")


# How many reports an incident has (a reporter's follow-up, "susulan", is no report), loaded on demand
# (``undefer``) as one correlated subquery, not one query a row.
Incident.report_count = db.column_property(
    db.select(db.func.count(Report.id))
    .where(Report.incident_id == Incident.id, db.or_(Report.command.is_(None), Report.command != FOLLOW_UP_COMMAND))
    .correlate_except(Report)
    .scalar_subquery(),
    deferred=True,
)


def urgency_order() -> tuple:
    """The list's "paling mendesak" order as SQL (``incidents.service.urgency`` says it in words). Its constants
    are written into the SQL, not bound, so that SQLite and PostgreSQL match it to the two indexes on the same
    expressions below (migration 0020 holds their frozen copy): a page reads 25 incidents in order, not the whole
    history sorted."""
    zero = literal_column("0")

    def known(column):
        return func.coalesce(column, zero)

    def at_least(people, households):  # a household is at least one person: never a guess of its size
        return case((known(households) > known(people), known(households)), else_=known(people))

    opened = Incident.status.in_([literal_column(f"'{status}'") for status in OPEN_STATUSES])
    return (
        case((opened, zero), else_=literal_column("1")),
        (known(Incident.meninggal) + known(Incident.hilang)).desc(),
        known(Incident.luka).desc(),
        at_least(Incident.mengungsi, Incident.mengungsi_kk).desc(),
        at_least(Incident.terdampak, Incident.terdampak_kk).desc(),
        known(Incident.severity).desc(),
        Incident.opened_at,
        Incident.id,
    )


Index("ix_incident_urgency", *urgency_order())  # admins, and kabupaten staff (a range of kecamatan)
Index("ix_incident_kecamatan_urgency", Incident.kecamatan_code, *urgency_order())  # a kecamatan's staff

# Indexes on expressions, which autogenerate cannot compare: SQLite does not reflect them and PostgreSQL gives them
# back rewritten. Migration 0020 is their source; the list's tests check that pages read through them.
EXPRESSION_INDEXES = frozenset({"ix_incident_urgency", "ix_incident_kecamatan_urgency"})


def compared_by_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's ``include_object``: everything but ``EXPRESSION_INDEXES``."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)
