"""The outbound queue: every SMS or WhatsApp message Tangguh sends is first a row, then the worker sends it.

Every producer (replies, notices, broadcasts, and whatever comes next) goes through ``enqueue`` for one
message or ``enqueue_many`` for a bulk insert: both write a message once per key (asking again changes
nothing), choose its gateway and fill its defaults in one place, and leave the commit to the caller. The
gateways' delivery reports come back through ``record_delivery``. Sending is ``sending``'s, which only the worker
imports: a web process never loads the gateways' clients.

Lanes: every message has a lane (``priority``: the reply to the person who just wrote, then notices to people on
duty, then early warnings, then information broadcasts and public posts), which the worker takes lowest first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from sms.gsm import encoding_of

from ..extensions import db, insert_new
from ..models import LANE_BULK, LANE_NOTIFY, LANE_REPLY, LANE_WARNING, OutboundMessage, utcnow

MESSAGE_ID_PREFIX = "tangguh-"  # + the row id: the id the Android gateway knows the message by


def gateway_for(channel: str, via: str | None = None) -> str:
    """Which gateway sends a message on ``channel`` with the current configuration: the console when that is
    configured, Twilio for WhatsApp, else ``via`` (a reply goes back through the gateway its message came
    from) or the configured SMS gateway."""
    if channel == "push":
        return "webpush"  # a browser notification, whatever carries the SMS
    if channel == "email":
        return "smtp"  # only queued when SMTP_URL is set
    if channel == "telegram":
        return "telegram"  # the public channel (TELEGRAM_CHANNEL_ID), only queued when the bot is configured
    configured = current_app.config["SMS_GATEWAY"]
    if configured == "console":
        return "console"
    if channel == "whatsapp":
        return "twilio"
    return via or configured


def cost_per_segment(channel: str = "sms") -> int:
    return current_app.config["COST_PER_SEGMENT"].get(channel, 0)


def lane(purpose: str, warning: bool = False) -> int:
    """The lane a message waits in: replies first, then notices (and gateway tests), then early warnings to
    residents, then information broadcasts and public posts."""
    if purpose == "reply":
        return LANE_REPLY
    if purpose in ("notify", "test"):
        return LANE_NOTIFY
    if purpose == "broadcast" and warning:
        return LANE_WARNING
    return LANE_BULK


def _row(
    *,
    key: str,
    to: str | None,
    body: str,
    to_email: str | None = None,
    purpose: str,
    kecamatan_code: str,
    channel: str = "sms",
    via: str | None = None,
    sender: str | None = None,
    sim_number: int | None = None,
    desa_code: str | None = None,
    reporter_id: int | None = None,
    incident_id: int | None = None,
    broadcast_id: int | None = None,
    push_subscription_id: int | None = None,
    warning: bool = False,
    now: datetime | None = None,
) -> dict:
    """Every column of a new queued message, defaults filled: the one place they are chosen."""
    now = now or utcnow()
    return dict(
        key=key,
        purpose=purpose,
        channel=channel,
        gateway=gateway_for(channel, via),
        to_phone=to,
        to_email=to_email,
        sender=sender,
        sim_number=sim_number,
        body=body,
        segments=encoding_of(body).segments,
        status="queued",
        priority=lane(purpose, warning),
        attempts=0,
        in_doubt=False,
        next_attempt_at=now,
        created_at=now,
        kecamatan_code=kecamatan_code,
        desa_code=desa_code,
        reporter_id=reporter_id,
        incident_id=incident_id,
        broadcast_id=broadcast_id,
        push_subscription_id=push_subscription_id,
    )


def enqueue(**message) -> OutboundMessage:
    """Queue one message, once per ``key``; returns the queued row, or the one queued earlier with that key.

    Arguments: ``key``, ``to`` (E.164), ``body``, ``purpose`` and ``kecamatan_code``; optionally ``channel``
    (sms, whatsapp, push with ``push_subscription_id`` instead of ``to``, or email with ``to_email``), ``via``
    (the gateway an answer must go back through), ``sender`` and ``sim_number``, and the ``desa_code``,
    ``reporter_id``, ``incident_id`` or ``broadcast_id`` it belongs to; ``warning=True`` puts a broadcast in the
    early warnings' lane.

    Who commits: never the producer. The caller commits with the change that made the message, so a message
    exists exactly when its cause does.
    """
    row = _row(**message)
    queued = db.session.scalar(
        insert_new(OutboundMessage)
        .values(row)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboundMessage)
    )
    if queued is None:  # queued before with that key (a repeat, or a concurrent request)
        queued = db.session.scalar(select(OutboundMessage).where(OutboundMessage.key == row["key"]))
    return queued


def enqueue_many(messages: list[dict]) -> None:
    """Queue many messages in one statement (a broadcast to thousands of residents), each once per ``key``:
    a key already queued is left as it was. Each dict takes ``enqueue``'s arguments; the caller commits."""
    if not messages:
        return
    now = utcnow()
    rows = [_row(**message, now=now) for message in messages]
    db.session.execute(insert_new(OutboundMessage).on_conflict_do_nothing(index_elements=["key"]), rows)


def stalled_since(where=None, now: datetime | None = None) -> datetime | None:
    """When the oldest message still waiting was due, if that is more than ``OUTBOUND_STALE_MINUTES`` ago: then
    no worker is sending (none runs, or it hangs), and nothing Tangguh says reaches anyone. ``where``: a SQL
    condition narrowing the messages (a user's region). Messages waiting out a retry's backoff are not due."""
    now = now or utcnow()
    limit = now - timedelta(minutes=current_app.config["OUTBOUND_STALE_MINUTES"])
    query = select(func.min(OutboundMessage.next_attempt_at)).where(
        OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= limit
    )
    if where is not None:
        query = query.where(where)
    return db.session.scalar(query)


# --- Delivery status from the gateways ----------------------------------------------------------------------

# What a callback may move a message to, from which statuses. Callbacks arrive late and out of order:
# "delivered" is never undone by a late "sent", and a failure after delivery is ignored.
# A report about a message still queued is refused: the message was never handed to a gateway (a report that
# came ahead of a retry is recovered by the retry's own check, ``gateways.find``).
_ADVANCES = {
    "sent": ("sending",),
    "delivered": ("sending", "sent", "failed"),
    "failed": ("sending", "sent"),
}


def record_delivery(message: OutboundMessage, status: str, error: str | None = None, at: datetime | None = None):
    """Apply a gateway's delivery report (``sent``, ``delivered`` or ``failed``) to ``message``; the caller
    commits. Returns True when it changed anything."""
    if message.status not in _ADVANCES.get(status, ()):
        return False
    at = at or utcnow()
    message.status = status
    message.in_doubt = False
    if status == "sent":
        message.sent_at = message.sent_at or at
    elif status == "delivered":
        message.sent_at = message.sent_at or at
        message.delivered_at = at
        message.error = None
    else:
        message.error = error or "the gateway reported the message as failed"
    return True


def message_by_provider(gateway: str, provider_id: str) -> OutboundMessage | None:
    """The message a gateway reports on: by the id the gateway gave it, or by our own ``tangguh-<id>``."""
    message = db.session.scalar(
        select(OutboundMessage).where(OutboundMessage.gateway == gateway, OutboundMessage.provider_id == provider_id)
    )
    if message is None and provider_id.startswith(MESSAGE_ID_PREFIX):
        number = provider_id.removeprefix(MESSAGE_ID_PREFIX)
        if number.isascii() and number.isdigit():
            candidate = db.session.get(OutboundMessage, int(number))
            if candidate is not None and candidate.gateway == gateway:
                message = candidate
    return message
