"""Sending the outbound queue: the worker (``webapp.worker``) calls ``deliver_due`` in a loop: it claims due
messages, hands each to its gateway, records the outcome, and returns what each Android device did, which the
worker passes on to gateway health. Only the worker imports this module (and with it the gateways' clients).

Never twice:
- Claiming is one UPDATE … RETURNING over ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two workers
  never take the same row; SQLite has a single writer, so the same statement is atomic there too.
- A worker that dies mid-send leaves its row ``sending``. After ``OUTBOUND_LEASE_SECONDS`` another worker takes
  it over ``in_doubt`` and first asks the gateway whether the message already arrived (``gateways``: the
  Android gateway by our message id, which it also refuses to take twice; Twilio by listing the recipient's
  latest messages). Only a message the gateway does not know is sent again.
- The claim is renewed just before each send, and results are written only by the worker holding it.

Lanes and the pool: ``claim`` takes the lowest lane first. SMS through the Android gateway and Twilio go through
``pool``: one message per open send slot of a number, bound to that number when claimed, so a kecamatan's
broadcast spreads over its healthy phones at each phone's rate and a reply waits at most one slot.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, delete, select, update

from ..extensions import db
from ..models import (
    OUTBOUND_GATEWAYS,
    OutboundMessage,
    PushSubscription,
    ReceivingNumber,
    Reporter,
    utcnow,
)
from . import pool
from .gateways import (
    AndroidGateway,
    ConsoleGateway,
    Outgoing,
    PermanentFailure,
    SmtpGateway,
    SubscriptionGone,
    TelegramGateway,
    TemporaryFailure,
    TwilioGateway,
    WebPushGateway,
)
from .outbound import MESSAGE_ID_PREFIX

log = logging.getLogger("tangguh.outbound")


# --- The worker -----------------------------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _take(worker: str, where, limit: int, now: datetime, number: ReceivingNumber | None = None) -> list[int]:
    """Claim up to ``limit`` due messages matching ``where``, lowest lane first, then the longest due; bound to
    ``number`` when one is given. Does not commit.

    Due: queued and past ``next_attempt_at`` (read in lane order along ``ix_outbound_message_lane``, so a queue of
    thousands costs no more than a short one), or left ``sending`` by a worker whose lease ran out (few)."""
    lease = timedelta(seconds=current_app.config["OUTBOUND_LEASE_SECONDS"])
    taken: list[int] = []
    for due in (
        and_(OutboundMessage.status == "sending", OutboundMessage.claimed_at < now - lease),
        and_(OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= now),
    ):
        if len(taken) < limit:
            taken += _claim_rows(worker, and_(due, where), limit - len(taken), now, number)
    return taken


def _claim_rows(worker: str, where, limit: int, now: datetime, number: ReceivingNumber | None) -> list[int]:
    due = (
        select(OutboundMessage.id)
        .where(where)
        .order_by(OutboundMessage.priority, OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite renders none and has one writer anyway
    )
    values = dict(
        in_doubt=case((OutboundMessage.status == "sending", True), else_=OutboundMessage.in_doubt),
        status="sending",
        claimed_at=now,
        claimed_by=worker,
        attempts=OutboundMessage.attempts + 1,
    )
    if number is not None and number.gateway == "twilio":
        values["sender"] = number.address
    elif number is not None:  # the SIM goes with the device: a message moved from another phone takes this one's
        same_device = OutboundMessage.sender == number.device
        values["sim_number"] = (
            number.sim if number.sim is not None else case((same_device, OutboundMessage.sim_number), else_=None)
        )
        values["sender"] = number.device
    rows = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_(due.scalar_subquery()))
        .values(**values)
        .returning(OutboundMessage.priority, OutboundMessage.next_attempt_at, OutboundMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    return [row.id for row in sorted(rows)]  # RETURNING keeps no order: send lowest lane first, then oldest


def claim(
    worker: str,
    limit: int = 20,
    now: datetime | None = None,
    offline: Collection[int] = (),
    sweep: bool = True,
) -> list[int]:
    """Take due messages for ``worker`` and commit; returns their ids in the order to send them.

    Due: queued and past ``next_attempt_at``, or left ``sending`` by a worker whose lease ran out (those
    come back ``in_doubt``). SMS that a number of the pool carries: one per number whose send slot is open,
    healthy numbers first (``offline``: ids of the numbers gateway health says are offline). Everything else
    (push, email, Telegram, the console): up to ``limit``, lowest lane first; with ``sweep``, also SMS through
    the Android gateway or Twilio that no number carries (a kecamatan without a phone: sent as before, through
    the gateway's own choice), which takes a look at the whole queue (the worker sweeps once a second).
    """
    now = now or utcnow()
    numbers = pool.numbers()
    ids: list[int] = []
    for number in sorted(numbers, key=lambda n: n.id in offline):
        if pool.per_minute(number) <= 0:
            continue  # not paced: sent with the rest below
        if not pool.slot_open(number, now) or not pool.take_slot(number, now):
            db.session.rollback()
            continue
        taken = _take(worker, pool.serving(number, numbers, offline), 1, now, number)
        if not taken:
            db.session.rollback()  # the slot stays open for the next message
            continue
        segments = db.session.scalar(select(OutboundMessage.segments).where(OutboundMessage.id == taken[0]))
        pool.hold(number, now, segments)
        db.session.commit()
        ids += taken
    paced = [n for n in numbers if pool.per_minute(n) > 0]
    unpaced = [n for n in numbers if pool.per_minute(n) <= 0]
    for number in unpaced:  # a number without a rate still binds its messages, so that health knows the device
        if limit > len(ids):
            ids += _take(worker, pool.serving(number, numbers, offline), limit - len(ids), now, number)
    others = [g for g in OUTBOUND_GATEWAYS if g not in pool.PACED]
    if limit > len(ids):
        ids += _take(worker, OutboundMessage.gateway.in_(others), limit - len(ids), now)
    if sweep and limit > len(ids):
        unserved = OutboundMessage.gateway.in_(pool.PACED) & ~pool.served_by_any(paced + unpaced)
        ids += _take(worker, unserved, limit - len(ids), now)
    db.session.commit()
    return ids


@dataclass
class Gateways:
    """One client per gateway for a batch, built on first use."""

    built: dict

    def get(self, name: str):
        if name not in self.built:
            config = current_app.config
            if name == "console":
                self.built[name] = ConsoleGateway()
            elif name == "twilio":
                callback = f"{config['PUBLIC_URL']}/sms/twilio/status" if config["PUBLIC_URL"] else None
                self.built[name] = TwilioGateway(
                    config["TWILIO_ACCOUNT_SID"],
                    config["TWILIO_AUTH_TOKEN"],
                    status_callback=callback,
                    api_url=config["TWILIO_API_URL"],
                    timeout=config["GATEWAY_TIMEOUT"],
                )
            elif name == "smtp":
                self.built[name] = SmtpGateway(
                    config["SMTP_URL"], config["MAIL_FROM"], timeout=config["GATEWAY_TIMEOUT"]
                )
            elif name == "telegram":
                self.built[name] = TelegramGateway(
                    config["TELEGRAM_BOT_TOKEN"], config["TELEGRAM_CHANNEL_ID"], api_url=config["TELEGRAM_API_URL"],
                    timeout=config["GATEWAY_TIMEOUT"],
                )  # fmt: skip
            elif name == "webpush":
                self.built[name] = WebPushGateway(
                    config["VAPID_PRIVATE_KEY"], config["VAPID_SUBJECT"], timeout=config["GATEWAY_TIMEOUT"]
                )
            else:
                self.built[name] = AndroidGateway(
                    config["ANDROID_GATEWAY_URL"],
                    config["ANDROID_GATEWAY_USER"],
                    config["ANDROID_GATEWAY_PASSWORD"],
                    timeout=config["GATEWAY_TIMEOUT"],
                )
        return self.built[name]


def _sender(message: OutboundMessage) -> tuple[str | None, int | None]:
    """Who sends: the number or device the message names, else the kecamatan's own receiving number (any, for
    a message of no kecamatan)."""
    if message.sender or message.gateway == "console":
        return message.sender, message.sim_number
    numbers = select(ReceivingNumber.address).where(ReceivingNumber.gateway == message.gateway)
    if message.kecamatan_code is not None:  # the server's own alerts belong to no kecamatan: any number sends
        numbers = numbers.where(ReceivingNumber.kecamatan_code == message.kecamatan_code)
    address = db.session.scalar(numbers.order_by(ReceivingNumber.id).limit(1))
    if address is None or message.gateway == "twilio":
        return address, message.sim_number
    device, _, sim = address.partition("/")
    return device, message.sim_number or (int(sim) if sim.isdigit() else None)


def _subscription(message: OutboundMessage) -> dict | None:
    if message.push_subscription_id is None:
        return None
    subscription = db.session.get(PushSubscription, message.push_subscription_id)
    return {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}


def _outgoing(message: OutboundMessage) -> Outgoing:
    sender, sim = _sender(message) if message.channel in ("sms", "whatsapp") else (None, None)
    return Outgoing(
        message_id=f"{MESSAGE_ID_PREFIX}{message.id}",
        to=message.to_email if message.channel == "email" else message.to_phone,
        body=message.body,
        channel=message.channel,
        sender=sender,
        sim_number=sim,
        created_at=message.created_at,
        subscription=_subscription(message),
    )


def _record(message_id: int, worker: str, **values) -> bool:
    """Write the outcome of an attempt, only while ``worker`` still holds the claim."""
    done = db.session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.id == message_id,
            OutboundMessage.status == "sending",
            OutboundMessage.claimed_by == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(done)


def _backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["OUTBOUND_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["OUTBOUND_RETRY_MAX_SECONDS"]))


def _opted_out(message: OutboundMessage) -> bool:
    """A reply answers what the person just sent (even BERHENTI); everything else respects BERHENTI."""
    if message.purpose == "reply":
        return False
    return bool(db.session.scalar(select(Reporter.opted_out).where(Reporter.phone == message.to_phone)))


@dataclass(frozen=True)
class Delivery:
    """What became of one claimed message, and what its Android device showed of its health."""

    status: str  # sent, queued (to be retried), failed, cancelled, or lost (another worker took it over)
    device: str | None = None  # the Android device it went through, when the send said something about it
    device_ok: bool = True  # the device took the message (False: it, or its relay, did not answer)
    reason: str | None = None  # why the device failed


def deliver(message_id: int, worker: str, gateways: Gateways) -> Delivery:
    """Send one claimed message and record the outcome; returns it, with what the Android device (if one was
    asked) did, for gateway health."""
    # Renew the lease just before sending: a batch may take a while, and the lease must cover this one send,
    # not the whole batch. A message another worker took over meanwhile is left to it.
    if not _record(message_id, worker, claimed_at=utcnow()):
        return Delivery("lost")
    message = db.session.get(OutboundMessage, message_id)
    if _opted_out(message):
        _record(message_id, worker, status="cancelled", error="recipient sent BERHENTI", in_doubt=False)
        return Delivery("cancelled")
    attempts, in_doubt, gateway_name, purpose = message.attempts, message.in_doubt, message.gateway, message.purpose
    outgoing = _outgoing(message)
    db.session.rollback()  # end the read transaction: no database locks are held while the gateway is called
    max_attempts = current_app.config["OUTBOUND_MAX_ATTEMPTS"]
    try:
        gateway = gateways.get(gateway_name)
        provider_id = gateway.find(outgoing) if in_doubt else None
        if provider_id is not None and _belongs_to_another(gateway_name, provider_id, message_id):
            provider_id = None  # the same text to the same number, sent earlier for another purpose
        if provider_id is None:
            provider_id = gateway.send(outgoing)
    except PermanentFailure as exc:
        _record(message_id, worker, status="failed", error=str(exc), in_doubt=False)
        if isinstance(exc, SubscriptionGone):
            _forget_subscription(message_id)
        return Delivery("failed")
    except Exception as exc:  # temporary, or unexpected (a bug, an odd client error): retried with backoff
        unreached = None
        if isinstance(exc, TemporaryFailure):
            reason, doubt = str(exc), in_doubt or exc.in_doubt
            if gateway_name == "android":  # the phone (or its relay) did not answer: a sign of a dead gateway
                unreached = outgoing.sender
        else:
            log.exception("sending outbound message %s failed unexpectedly", message_id)
            reason, doubt = f"unexpected error: {exc.__class__.__name__}", True
        if attempts >= max_attempts:
            _record(message_id, worker, status="failed", error=f"gave up after {attempts} attempts: {reason}")
            return Delivery("failed", unreached, device_ok=False, reason=reason)
        # The pool bound it to a phone when it was claimed; unless an answer must go back through that phone (or
        # the gateway may have it), the next attempt goes through whichever phone has a slot.
        unbind = {"sender": None, "sim_number": None} if gateway_name == "android" and not doubt and purpose not in (
            "reply", "test") else {}  # fmt: skip
        _record(
            message_id,
            worker,
            status="queued",
            error=reason,
            in_doubt=doubt,
            next_attempt_at=utcnow() + _backoff(attempts),
            **unbind,
        )
        return Delivery("queued", unreached, device_ok=False, reason=reason)
    if not _record(
        message_id, worker, status="sent", provider_id=provider_id, sent_at=utcnow(), error=None, in_doubt=False
    ):
        _late_provider_id(message_id, provider_id)
    return Delivery("sent", outgoing.sender if gateway_name == "android" else None)


def _forget_subscription(message_id: int) -> None:
    """The browser's subscription expired or was withdrawn: stop pushing to it."""
    subscription_id = db.session.scalar(
        select(OutboundMessage.push_subscription_id).where(OutboundMessage.id == message_id)
    )
    if subscription_id is not None:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id == subscription_id))
    db.session.commit()


def _belongs_to_another(gateway: str, provider_id: str, message_id: int) -> bool:
    taken = db.session.scalar(
        select(OutboundMessage.id).where(
            OutboundMessage.gateway == gateway,
            OutboundMessage.provider_id == provider_id,
            OutboundMessage.id != message_id,
        )
    )
    db.session.rollback()
    return taken is not None


def _late_provider_id(message_id: int, provider_id: str) -> None:
    """A delivery callback can arrive before the worker records the send: keep its later status, add the id."""
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_id, OutboundMessage.provider_id.is_(None))
        .values(provider_id=provider_id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def deliver_due(
    worker: str | None = None,
    limit: int = 20,
    now: datetime | None = None,
    offline: Collection[int] = (),
    sweep: bool = True,
) -> list[Delivery]:
    """Claim what is due (``offline``: ids of numbers to spare, see ``claim``) and send it; returns what became of
    each message, in the order sent."""
    worker = worker or worker_name()
    gateways = Gateways({})
    return [deliver(message_id, worker, gateways) for message_id in claim(worker, limit, now, offline, sweep)]
