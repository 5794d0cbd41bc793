"""The data model: regions, people, reports and the incidents they belong to.

Every table change comes with an Alembic migration under ``migrations/``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    event,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator
from werkzeug.security import check_password_hash, generate_password_hash

from sms.vocab import COUNT_FIELDS, HAZARDS

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    PostgreSQL keeps ``timestamp with time zone``; SQLite has no time zones, so the value is stored as
    naive UTC and handed back as aware UTC. Naive datetimes are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

REGION_LEVELS = ("provinsi", "kabupaten", "kecamatan", "desa")


class Region(db.Model):
    """A Kemendagri region, keyed by its full dotted code (``35.14.19.2008``)."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    # A kecamatan: the languages its people write SMS in (codes of sms/languages, comma-separated); none: all.
    languages: Mapped[str | None] = mapped_column(String(60))
    # A kecamatan's position (its office or centre), for matching BMKG warning polygons and earthquake radii.
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    parent: Mapped[Region | None] = relationship(remote_side=[code])

    __table_args__ = (CheckConstraint(level.in_(REGION_LEVELS), name="level"),)

    @property
    def is_kelurahan(self) -> bool:
        """Desa-level codes whose fourth segment starts with 1 are kelurahan, the rest desa."""
        return self.level == "desa" and self.code.split(".")[3].startswith("1")

    @property
    def label(self) -> str:
        """The name as people say it: ``Desa Sumberrejo``, ``Kecamatan Winongan``, ``Kabupaten Pasuruan``."""
        if self.level == "desa":
            return ("Kelurahan " if self.is_kelurahan else "Desa ") + self.name
        if self.level == "kecamatan":
            return "Kecamatan " + self.name
        return self.name

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


# The roles an account can hold; what each may see and do is ``webapp.access.ROLES``.
ROLES = ("admin", "kabupaten_staff", "kecamatan_staff", "desa_official", "agency")


class User(UserMixin, db.Model):
    """A person who signs in: an admin, kecamatan staff, or a desa official."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)  # E.164; lets an official use CEK by SMS
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the user last opened the incident list: what came after is "new" in the menu and the chip.
    list_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)  # role "agency": whose
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)  # a temporary one was set
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sessions from before end

    region: Mapped[Region | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (
        CheckConstraint(role.in_(ROLES), name="role"),
        CheckConstraint("role = 'admin' OR region_code IS NOT NULL", name="scoped_role_has_region"),
        CheckConstraint("(role = 'agency') = (agency_id IS NOT NULL)", name="agency_role_has_agency"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        # scrypt by default; the test suite sets a cheap method so that hundreds of logins stay fast.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


RESIDENT_SOURCES = ("sms", "petugas", "csv")


class Reporter(db.Model):
    """Someone who reports by SMS or WhatsApp, known by phone number (E.164).

    A reporter with a desa is a registered resident of it (by ``DAFTAR`` or added by an official) and
    receives that desa's broadcasts unless they sent ``BERHENTI`` (``opted_out``), which nobody else can undo.
    """

    __tablename__ = "reporter"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How the resident was registered (DAFTAR by SMS, by an official one by one, by CSV import), when, by whom.
    source: Mapped[str | None] = mapped_column(String(10))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    desa: Mapped[Region | None] = relationship()
    added_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(source.is_(None) | source.in_(RESIDENT_SOURCES), name="source"),)


CHANNELS = ("sms", "whatsapp", "web")
INCIDENT_STATUSES = ("baru", "diverifikasi", "ditangani", "selesai", "ditolak", "digabung")
OPEN_STATUSES = ("baru", "diverifikasi", "ditangani")
SEVERITIES = {1: "rendah", 2: "sedang", 3: "tinggi"}


def _hazard_check(column) -> CheckConstraint:
    return CheckConstraint(column.is_(None) | column.in_(tuple(HAZARDS)), name="hazard")


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

    reporter: Mapped[Reporter | None] = relationship()
    submitted_by: Mapped[User | None] = relationship()
    desa: Mapped[Region | None] = relationship(foreign_keys=[desa_code])
    kecamatan: Mapped[Region] = relationship(foreign_keys=[kecamatan_code])
    incident: Mapped[Incident | None] = relationship(back_populates="reports")

    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_report_channel_external_id"),
        CheckConstraint(channel.in_(CHANNELS), name="channel"),
        _hazard_check(hazard),
    )


DUSUN_SOURCES = ("csv", "petugas")


class Dusun(db.Model):
    """A dusun, kampung or dukuh of a desa, as villagers name it ("dusun Krajan", "kampung Jimamun"), with other
    spellings; the parser reads a name unique in the kecamatan as its desa."""

    __tablename__ = "dusun"

    id: Mapped[int] = mapped_column(primary_key=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    aliases: Mapped[str | None] = mapped_column(String(300))  # other spellings, separated by ";"
    source: Mapped[str] = mapped_column(String(10), default="petugas")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship()

    __table_args__ = (
        UniqueConstraint("desa_code", "name", name="uq_dusun_desa_code_name"),
        CheckConstraint(source.in_(DUSUN_SOURCES), name="source"),
    )

    @property
    def names(self) -> list[str]:
        return [self.name, *[a.strip() for a in (self.aliases or "").split(";") if a.strip()]]


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


class Agency(db.Model):
    """An agency an incident can be handed to (BPBD, Puskesmas, Damkar, …), covering a kabupaten or one kecamatan
    (none: wherever it is handed an incident); its members are told of each handover in the place they cover."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)

    region: Mapped[Region | None] = relationship()
    members: Mapped[list[AgencyMember]] = relationship(back_populates="agency", order_by="AgencyMember.id")


MEMBER_CHANNELS = ("sms", "whatsapp")


class AgencyMember(db.Model):
    """Someone at an agency who is told of handovers: by phone only, or with an account (role ``agency``).

    ``region_code`` narrows what they cover (a Puskesmas nurse for one kecamatan); none: the agency's area."""

    __tablename__ = "agency_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)  # E.164
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    agency: Mapped[Agency] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(channel.in_(MEMBER_CHANNELS), name="channel"),)


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
    meninggal: Mapped[int] = mapped_column(Integer, default=0)
    hilang: Mapped[int] = mapped_column(Integer, default=0)
    luka: Mapped[int] = mapped_column(Integer, default=0)  # every injured person; the split below may be partial
    luka_berat: Mapped[int] = mapped_column(Integer, default=0)
    luka_ringan: Mapped[int] = mapped_column(Integer, default=0)
    mengungsi: Mapped[int] = mapped_column(Integer, default=0)
    terdampak: Mapped[int] = mapped_column(Integer, default=0)
    mengungsi_kk: Mapped[int] = mapped_column(Integer, default=0)
    terdampak_kk: Mapped[int] = mapped_column(Integer, default=0)
    rumah_rusak_berat: Mapped[int] = mapped_column(Integer, default=0)
    rumah_rusak_sedang: Mapped[int] = mapped_column(Integer, default=0)
    rumah_rusak_ringan: Mapped[int] = mapped_column(Integer, default=0)
    rumah_terendam: Mapped[int] = mapped_column(Integer, default=0)
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
        _hazard_check(hazard),
        CheckConstraint(
            and_(*(db.column(name) >= 0 for name in COUNT_FIELDS)),
            name="counts_not_negative",
        ),
        CheckConstraint("luka >= luka_berat + luka_ringan", name="injuries_add_up"),
    )

    @property
    def counts(self) -> dict[str, int]:
        """The BNPB counts that are not zero, in display order."""
        return {name: getattr(self, name) for name in COUNT_FIELDS if getattr(self, name)}


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


GATEWAYS = ("twilio", "android")


class ReceivingNumber(db.Model):
    """Where a message arrived (a Twilio number, an Android gateway's device or SIM) and the kecamatan it serves.

    ``address`` is the E.164 number for Twilio (SMS and WhatsApp share it), and ``<deviceId>`` or
    ``<deviceId>/<simNumber>`` for the Android gateway.
    """

    __tablename__ = "receiving_number"

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(100))
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    label: Mapped[str | None] = mapped_column(String(80))  # what people call it: "HP gateway Winongan"
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164: the SIM's own number, for test SMS
    # Android: the key the app signs its webhooks with (Settings → Webhooks → Signing key); shown once when set.
    signing_key: Mapped[str | None] = mapped_column(String(64))
    key_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Health, from what the device sends (pings, messages, delivery reports) and what the worker sees.
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ping_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    failures: Mapped[int] = mapped_column(Integer, default=0)  # sends failed in a row
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # declared offline (people were told)

    kecamatan: Mapped[Region] = relationship()

    __table_args__ = (
        UniqueConstraint("gateway", "address", name="uq_receiving_number_gateway_address"),
        CheckConstraint(gateway.in_(GATEWAYS), name="gateway"),
    )

    @property
    def device(self) -> str:
        """The Android device id (the address without its ``/<sim>``)."""
        return self.address.partition("/")[0]

    @property
    def sim(self) -> int | None:
        sim = self.address.partition("/")[2]
        return int(sim) if sim.isdigit() else None

    @property
    def name(self) -> str:
        return self.label or self.address


class GatewayTest(db.Model):
    """A test SMS sent to a gateway's own SIM, expected back through the gateway: from the setup page's button
    (``requested_by``) or the periodic canary (none). At most one is pending per number."""

    __tablename__ = "gateway_test"

    id: Mapped[int] = mapped_column(primary_key=True)
    receiving_number_id: Mapped[int] = mapped_column(ForeignKey("receiving_number.id", ondelete="CASCADE"))
    token: Mapped[str] = mapped_column(String(12), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id", ondelete="SET NULL"))
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pending: Mapped[bool] = mapped_column(Boolean, default=True)  # neither arrived nor given up

    number: Mapped[ReceivingNumber] = relationship()
    message: Mapped[OutboundMessage | None] = relationship()

    __table_args__ = (
        db.Index(
            "uq_gateway_test_pending",
            "receiving_number_id",
            unique=True,
            sqlite_where=db.text("pending"),
            postgresql_where=db.text("pending"),
        ),
    )


SIGN_IN_OUTCOMES = ("ok", "wrong", "inactive", "throttled")


class SignIn(db.Model):
    """One attempt to sign in, for admins to review: who was tried, from where, and how it ended."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254))  # as typed (normalised): an unknown one is kept too
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    address: Mapped[str | None] = mapped_column(String(45))
    outcome: Mapped[str] = mapped_column(String(10))

    user: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(outcome.in_(SIGN_IN_OUTCOMES), name="outcome"),)


class AuditEntry(db.Model):
    """One administrative action (accounts, receiving numbers, signing keys, agencies): who, when, what.

    Append-only, like the incident timeline. ``actor`` none: done from the command line."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(13), index=True)  # where it applies, for scoping
    data: Mapped[dict | None] = mapped_column(JSONType)

    actor: Mapped[User | None] = relationship()


OUTBOUND_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "cancelled")
OUTBOUND_GATEWAYS = ("console", "twilio", "android", "webpush", "smtp", "telegram")
OUTBOUND_PURPOSES = ("reply", "notify", "broadcast", "test", "public")
OUTBOUND_CHANNELS = ("sms", "whatsapp", "push", "email", "telegram")


class OutboundMessage(db.Model):
    """One SMS or WhatsApp message to one number: the durable queue the worker sends from.

    ``key`` says what the message is for (``reply-<report>``, ``notify-…``, ``broadcast-<id>-<reporter>``) and is
    unique, so asking twice for the same message queues it once. ``queued`` → ``sending`` (claimed by a worker)
    → ``sent`` → ``delivered``, or ``failed`` with the reason, or ``cancelled`` (the recipient opted out).
    """

    __tablename__ = "outbound_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    purpose: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    gateway: Mapped[str] = mapped_column(String(10))
    to_phone: Mapped[str | None] = mapped_column(String(16))  # E.164; none for a web push or an email
    to_email: Mapped[str | None] = mapped_column(String(254))  # an email (gateway alerts when SMTP is set up)
    push_subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscription.id", ondelete="SET NULL"), index=True
    )
    sender: Mapped[str | None] = mapped_column(String(100))  # Twilio From number or Android device; else looked up
    sim_number: Mapped[int | None] = mapped_column(SmallInteger)
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # The last attempt may have reached the gateway without our knowing (worker killed, timeout): ask first.
    in_doubt: Mapped[bool] = mapped_column(Boolean, default=False)
    provider_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporter.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    broadcast_id: Mapped[int | None] = mapped_column(ForeignKey("broadcast.id"), index=True)

    reporter: Mapped[Reporter | None] = relationship()

    __table_args__ = (
        CheckConstraint(status.in_(OUTBOUND_STATUSES), name="status"),
        CheckConstraint(gateway.in_(OUTBOUND_GATEWAYS), name="gateway"),
        CheckConstraint(purpose.in_(OUTBOUND_PURPOSES), name="purpose"),
        CheckConstraint(channel.in_(OUTBOUND_CHANNELS), name="channel"),
        CheckConstraint(
            "(channel IN ('push', 'telegram')) OR (channel = 'email' AND to_email IS NOT NULL) OR to_phone IS NOT NULL",
            name="has_recipient",
        ),
        UniqueConstraint("gateway", "provider_id", name="uq_outbound_message_gateway_provider_id"),
        db.Index("ix_outbound_message_due", "status", "next_attempt_at"),
    )


class PushSubscription(db.Model):
    """A browser that asked for web push notifications for a signed-in user (the Push API's subscription)."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


BROADCAST_KINDS = ("peringatan", "informasi")

broadcast_desa = db.Table(
    "broadcast_desa",
    db.Column("broadcast_id", ForeignKey("broadcast.id", ondelete="CASCADE"), primary_key=True),
    db.Column("desa_code", ForeignKey("region.code"), primary_key=True, index=True),
)


class Broadcast(db.Model):
    """An early warning (peringatan dini) or hazard information (informasi rawan bencana) sent by SMS to the
    registered residents of one or more desa; each recipient gets one ``OutboundMessage``."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # the form's one-time token: a double click sends once
    kind: Mapped[str] = mapped_column(String(12))
    hazard: Mapped[str | None] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(SmallInteger, default=1)
    estimated_cost: Mapped[int] = mapped_column(Integer, default=0)  # rupiah, at the configured price per segment
    # Published for citizens by staff (withdrawn: gone from the public page, a tombstone in the feeds).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sent from a BMKG warning's draft: at most one broadcast per draft.
    warning_draft_id: Mapped[int | None] = mapped_column(ForeignKey("warning_draft.id"), unique=True)

    desa: Mapped[list[Region]] = relationship(secondary=broadcast_desa, order_by=Region.name)
    created_by: Mapped[User] = relationship()
    kecamatan: Mapped[Region] = relationship(foreign_keys=[kecamatan_code])
    warning_draft: Mapped[WarningDraft | None] = relationship(back_populates="broadcast")

    __table_args__ = (CheckConstraint(kind.in_(BROADCAST_KINDS), name="kind"), _hazard_check(hazard))


EMERGENCY_STATUSES = ("siaga_darurat", "tanggap_darurat", "transisi_darurat")  # PP 21/2008
NEED_ITEMS = ("air_bersih", "pangan", "sandang", "tenda", "selimut", "obat", "evakuasi", "lainnya")


class RapidAssessment(db.Model):
    """Kaji cepat: who assessed an incident's site (TRC BPBD, the kecamatan), when, what they found, and the
    emergency status they recommend to the Pemda (the decision itself is an ``EmergencyStatus``)."""

    __tablename__ = "rapid_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id"), index=True)
    assessor: Mapped[str] = mapped_column(String(120))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    findings: Mapped[str] = mapped_column(Text)
    recommended_status: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint(recommended_status.is_(None) | recommended_status.in_(EMERGENCY_STATUSES), name="status"),
    )


class EmergencyStatus(db.Model):
    """The emergency status the Pemda set for a kabupaten or kecamatan and a hazard (siaga darurat, tanggap
    darurat, transisi darurat ke pemulihan), from ``starts_on`` until ``ends_on`` (open: still in force).
    Separate from any incident's triage status."""

    __tablename__ = "emergency_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    hazard: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(200))  # the decree (SK Bupati …) or decision it rests on
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()

    __table_args__ = (
        CheckConstraint(status.in_(EMERGENCY_STATUSES), name="status"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
        _hazard_check(hazard),
    )


class Shelter(db.Model):
    """A pengungsian: a place (desa, name, position), its capacity, the people and households there now and the
    vulnerable among them; its coordinator updates it by SMS (``POSKO <kode> 120 jiwa 35 kk``)."""

    __tablename__ = "shelter"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[int | None] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer, default=0)
    households: Mapped[int] = mapped_column(Integer, default=0)
    vulnerable: Mapped[dict | None] = mapped_column(JSONType)  # bayi_balita, ibu_hamil_menyusui, lansia, disabilitas
    coordinator_phone: Mapped[str | None] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship(foreign_keys=[desa_code])
    kecamatan: Mapped[Region] = relationship(foreign_keys=[kecamatan_code])

    __table_args__ = (
        CheckConstraint("people >= 0 AND households >= 0 AND (capacity IS NULL OR capacity > 0)", name="counts"),
    )


class ShelterUpdate(db.Model):
    """One count of a shelter's people, from the web or by SMS (exactly once: one per report)."""

    __tablename__ = "shelter_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelter_id: Mapped[int] = mapped_column(ForeignKey("shelter.id", ondelete="CASCADE"), index=True)
    people: Mapped[int] = mapped_column(Integer)
    households: Mapped[int] = mapped_column(Integer)
    vulnerable: Mapped[dict | None] = mapped_column(JSONType)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Need(db.Model):
    """An urgent need of an incident or a shelter: an item and how much; deliveries record who met it."""

    __tablename__ = "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incident.id"), index=True)
    shelter_id: Mapped[int | None] = mapped_column(ForeignKey("shelter.id"), index=True)
    item: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    shelter: Mapped[Shelter | None] = relationship()
    incident: Mapped[Incident | None] = relationship()
    deliveries: Mapped[list[NeedDelivery]] = relationship(back_populates="need", order_by="NeedDelivery.id")

    __table_args__ = (
        CheckConstraint(item.in_(NEED_ITEMS), name="item"),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("incident_id IS NOT NULL OR shelter_id IS NOT NULL", name="for_something"),
    )

    @property
    def delivered(self) -> int:
        return sum(d.quantity for d in self.deliveries)

    @property
    def open(self) -> int:
        return max(self.quantity - self.delivered, 0)


class NeedDelivery(db.Model):
    """What an agency (or a donor) delivered against a need."""

    __tablename__ = "need_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    donor: Mapped[str | None] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[Need] = relationship(back_populates="deliveries")
    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("agency_id IS NOT NULL OR donor IS NOT NULL", name="by_someone"),
    )


PREPAREDNESS_KINDS = ("sosialisasi", "gladi", "pelatihan", "rencana_kontinjensi", "kajian_risiko", "peralatan")


class HazardPopulation(db.Model):
    """The SPM denominator: residents of a desa living in areas prone to one hazard, with where the figure comes
    from (a BPBD study, an InaRISK export, the desa's own count) and its year."""

    __tablename__ = "hazard_population"

    id: Mapped[int] = mapped_column(primary_key=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    hazard: Mapped[str] = mapped_column(String(20))
    people: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(120))
    year: Mapped[int] = mapped_column(SmallInteger)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship()

    __table_args__ = (
        UniqueConstraint("desa_code", "hazard", name="uq_hazard_population_desa_code_hazard"),
        CheckConstraint("people >= 0", name="people"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        _hazard_check(hazard),
    )


class PreparednessActivity(db.Model):
    """One preparedness or information activity of a desa (face to face counts): a sosialisasi/KIE session, a
    drill, a training, a contingency plan or risk study, equipment; once per ``key`` (the offline outbox may send
    it again)."""

    __tablename__ = "preparedness_activity"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    hazard: Mapped[str | None] = mapped_column(String(20))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    participant_names: Mapped[str | None] = mapped_column(Text)  # the attendance list, when there is one
    note: Mapped[str | None] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    desa: Mapped[Region] = relationship(foreign_keys=[desa_code])
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint(kind.in_(PREPAREDNESS_KINDS), name="kind"),
        CheckConstraint("participants >= 0", name="participants"),
        _hazard_check(hazard),
    )


DESTANA_LEVELS = ("pratama", "madya", "utama")  # Perka BNPB 1/2012


class DesaInfo(db.Model):
    """What a desa wants every citizen to know before and during a disaster, kept by its official or the
    kecamatan and shown on the public page: where to gather and shelter, whom to call, its Destana level."""

    __tablename__ = "desa_info"

    desa_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    evacuation_points: Mapped[str | None] = mapped_column(Text)  # titik kumpul / tempat evakuasi, one per line
    emergency_numbers: Mapped[str | None] = mapped_column(Text)  # public numbers (posko, Puskesmas), one per line
    destana_level: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    desa: Mapped[Region] = relationship()

    __table_args__ = (CheckConstraint(destana_level.in_(DESTANA_LEVELS), name="destana_level"),)


WARNING_SOURCES = ("nowcast", "gempa")  # BMKG's CAP weather warnings; BMKG's felt-earthquake list
WARNING_STATES = ("aktif", "dibatalkan")
DRAFT_STATES = ("draf", "terkirim", "dibuang", "ditarik")  # ditarik: BMKG cancelled it, or the area dropped it


class WarningAlert(db.Model):
    """A warning from BMKG, stored once per source and identifier: a CAP nowcast alert (its content as its latest
    Update left it) or a felt earthquake. Kept whether or not it matched a kecamatan Tangguh serves."""

    __tablename__ = "warning_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    identifier: Mapped[str] = mapped_column(String(200))  # the first message's CAP identifier (or the quake's)
    state: Mapped[str] = mapped_column(String(12), default="aktif")
    event: Mapped[str] = mapped_column(String(200))
    hazard: Mapped[str] = mapped_column(String(20))
    headline: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str | None] = mapped_column(String(20))
    severity: Mapped[str | None] = mapped_column(String(20))
    certainty: Mapped[str | None] = mapped_column(String(20))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)  # CAP sent (of the latest message), or origin time
    effective_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # the first message, here
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    areas: Mapped[list | None] = mapped_column(JSONType)  # [{"desc": …, "polygons": [[[lat, lon], …]]}]
    web: Mapped[str | None] = mapped_column(String(300))
    magnitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)  # an earthquake's epicentre
    longitude: Mapped[float | None] = mapped_column(Float)
    matched: Mapped[bool] = mapped_column(Boolean, default=False)  # some kecamatan Tangguh serves is in it

    drafts: Mapped[list[WarningDraft]] = relationship(back_populates="alert", order_by="WarningDraft.id")

    __table_args__ = (
        UniqueConstraint("source", "identifier", name="uq_warning_alert_source_identifier"),
        CheckConstraint(source.in_(WARNING_SOURCES), name="source"),
        CheckConstraint(state.in_(WARNING_STATES), name="state"),
        _hazard_check(hazard),
    )


class WarningMessage(db.Model):
    """Every BMKG message taken in (Alert, Update, Cancel), once per identifier: a message fetched again, or
    listed again by the feed, changes nothing."""

    __tablename__ = "warning_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    identifier: Mapped[str] = mapped_column(String(200))
    msg_type: Mapped[str] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(500), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    alert_id: Mapped[int] = mapped_column(ForeignKey("warning_alert.id", ondelete="CASCADE"), index=True)

    alert: Mapped[WarningAlert] = relationship()

    __table_args__ = (UniqueConstraint("source", "identifier", name="uq_warning_message_source_identifier"),)


class WarningDraft(db.Model):
    """A ready broadcast for one kecamatan a warning names: staff send it (through the broadcast preview) or
    discard it; BMKG's Update rewrites it while it is a draft, its Cancel withdraws it."""

    __tablename__ = "warning_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("warning_alert.id", ondelete="CASCADE"))
    kecamatan_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="draf")
    body: Mapped[str] = mapped_column(Text)  # what follows the broadcast's "PERINGATAN DINI Kec. …:" prefix
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alert: Mapped[WarningAlert] = relationship(back_populates="drafts")
    kecamatan: Mapped[Region] = relationship()
    decided_by: Mapped[User | None] = relationship()
    broadcast: Mapped[Broadcast | None] = relationship(back_populates="warning_draft", uselist=False)

    desa_code = None  # a draft covers a whole kecamatan: the access rules read it at kecamatan level

    __table_args__ = (
        UniqueConstraint("alert_id", "kecamatan_code", name="uq_warning_draft_alert_id_kecamatan_code"),
        CheckConstraint(state.in_(DRAFT_STATES), name="state"),
    )


class WarningFeed(db.Model):
    """What the poller knows of one feed URL: the validators for conditional requests, and its backoff."""

    __tablename__ = "warning_feed"

    url: Mapped[str] = mapped_column(String(500), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(200))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))


@event.listens_for(IncidentEvent, "before_update")
@event.listens_for(IncidentEvent, "before_delete")
@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _events_are_append_only(mapper, connection, target):
    raise RuntimeError(f"{mapper.local_table.name} rows are append-only")


# How many reports an incident has, loaded on demand (``undefer``) as one correlated subquery, not one query a row.
Incident.report_count = db.column_property(
    db.select(db.func.count(Report.id))
    .where(Report.incident_id == Incident.id)
    .correlate_except(Report)
    .scalar_subquery(),
    deferred=True,
)
