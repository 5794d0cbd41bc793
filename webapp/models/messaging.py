"""Messaging: the numbers and gateway phones messages come in through, gateway tests, the outbound queue
and web push subscriptions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow
from .people import (
    Reporter,
    User,
)
from .regions import Region

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

    # Sending: how many SMS a minute this phone or SIM may send (none: GATEWAY_SEND_PER_MINUTE for Android,
    # TWILIO_SEND_PER_SECOND for Twilio), and when its next send slot opens (the worker keeps to it).
    send_per_minute: Mapped[int | None] = mapped_column(Integer)
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The SIM's credit, as its operator last reported it by SMS (None: never reported, which is not Rp 0).
    credit_rupiah: Mapped[int | None] = mapped_column(Integer)
    active_until: Mapped[date | None] = mapped_column(Date)  # the last day the SIM may send
    in_grace: Mapped[bool] = mapped_column(Boolean, default=False)  # "masa tenggang": receives, cannot send
    credit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when that notice arrived
    credit_low_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # staff were told it runs out

    kecamatan: Mapped[Region] = relationship()

    __table_args__ = (
        UniqueConstraint("gateway", "address", name="uq_receiving_number_gateway_address"),
        CheckConstraint(gateway.in_(GATEWAYS), name="gateway"),
        CheckConstraint("send_per_minute IS NULL OR send_per_minute BETWEEN 1 AND 6000", name="send_per_minute"),
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


class OperatorMessage(db.Model):
    """An SMS the mobile operator sent to a gateway SIM (a short code or an alphanumeric sender): kept for the
    phone's page, never a report; exactly once per (gateway, the gateway's own message id)."""

    __tablename__ = "operator_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(10))
    external_id: Mapped[str] = mapped_column(String(100))
    receiving_number_id: Mapped[int] = mapped_column(ForeignKey("receiving_number.id"), index=True)
    sender: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    credit_rupiah: Mapped[int | None] = mapped_column(Integer)  # what it reported, when it was a balance notice
    active_until: Mapped[date | None] = mapped_column(Date)

    number: Mapped[ReceivingNumber] = relationship()

    __table_args__ = (UniqueConstraint("gateway", "external_id", name="uq_operator_message_gateway_external_id"),)


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


OUTBOUND_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "cancelled")
OUTBOUND_GATEWAYS = ("console", "twilio", "android", "webpush", "smtp", "telegram")
OUTBOUND_PURPOSES = ("reply", "notify", "broadcast", "test", "public")
OUTBOUND_CHANNELS = ("sms", "whatsapp", "push", "email", "telegram")

# Lanes: the worker sends the lowest first. The answer to the person who just wrote, then notices to people on
# duty (and gateway tests), then early warnings to residents, then information broadcasts and public posts.
LANE_REPLY, LANE_NOTIFY, LANE_WARNING, LANE_BULK = 0, 1, 2, 3


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
    priority: Mapped[int] = mapped_column(SmallInteger, default=LANE_BULK)  # its lane (LANE_*), set by enqueue
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
    # The kecamatan it is sent for (its receiving number sends it); none for the server's own alerts to admins
    # (a backup or a service that failed), which go out through any number.
    kecamatan_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
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
        db.Index("ix_outbound_message_lane", "status", "gateway", "priority", "next_attempt_at"),
        CheckConstraint("priority BETWEEN 0 AND 3", name="priority"),
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
