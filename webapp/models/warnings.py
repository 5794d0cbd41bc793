"""Early warnings and information: broadcasts to residents, BMKG warnings, their drafts and feeds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import JSONType, UTCDateTime, hazard_check, utcnow
from .people import (
    User,
)
from .regions import Region

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

    __table_args__ = (CheckConstraint(kind.in_(BROADCAST_KINDS), name="kind"), hazard_check(hazard))


WARNING_SOURCES = ("nowcast", "gempa")  # BMKG's CAP weather warnings; BMKG's felt-earthquake list


WARNING_SOURCES = ("nowcast", "gempa")  # BMKG's CAP weather warnings; BMKG's felt-earthquake list
WARNING_STATES = ("aktif", "dibatalkan")


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
        hazard_check(hazard),
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
