"""Telling the admins when the server itself is in trouble: a backup that failed, a service systemd gave up on.

Every active admin hears it through the outbound queue, once per ``key``: a browser notification on each device
they turned notifications on, an SMS to their phone (from the first receiving number of the SMS gateway), and
an email when ``SMTP_URL`` is set. When the queue cannot be written (the database is what failed), the email
goes out at once, directly; the journal keeps the rest, and ``/healthz`` answers ``error`` for any monitor.
"""

from __future__ import annotations

import json
import logging

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..messaging.gateways import Outgoing, SmtpGateway
from ..messaging.outbound import enqueue, gateway_for
from ..models import PushSubscription, ReceivingNumber, User

log = logging.getLogger("tangguh.operations")


def _admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == "admin", User.active.is_(True))))


def _sms_sender() -> str | None:
    """The number the alert goes out from (any, it belongs to no kecamatan), named on the message so that only
    that number's delivery reports can change it."""
    gateway = gateway_for("sms")
    if gateway == "console":
        return None
    return db.session.scalar(
        select(ReceivingNumber.address).where(ReceivingNumber.gateway == gateway).order_by(ReceivingNumber.id).limit(1)
    )


def tell_admins(key: str, text: str, url: str = "/pengaturan/server") -> int:
    """Queue ``text`` for every active admin, by every channel they can be reached on, once per ``key``;
    commits, and returns how many messages were queued. When the queue cannot be written, emails directly."""
    try:
        queued = _queue(key, text, url)
        db.session.commit()
        return queued
    except Exception:  # the database is what failed: the email does not need it
        db.session.rollback()
        log.exception("alert %s could not be queued; emailing directly", key)
        return _email_now(text)


def _queue(key: str, text: str, url: str) -> int:
    admins = _admins()
    common = dict(purpose="notify", kecamatan_code=None)
    queued = 0
    subscriptions = select(PushSubscription).where(PushSubscription.user_id.in_([a.id for a in admins]))
    for subscription in db.session.scalars(subscriptions):
        payload = {"title": "Tangguh: server", "body": text, "url": url, "tag": key}
        enqueue(key=f"{key}-push-{subscription.id}", to=None, channel="push", body=json.dumps(payload),
                push_subscription_id=subscription.id, **common)  # fmt: skip
        queued += 1
    sender = _sms_sender()
    for phone in sorted({a.phone for a in admins if a.phone}):
        enqueue(key=f"{key}-sms-{phone}", to=phone, body=text, sender=sender, **common)
        queued += 1
    if current_app.config["SMTP_URL"]:
        for admin in admins:
            enqueue(key=f"{key}-email-{admin.id}", to=None, to_email=admin.email, channel="email", body=text,
                    **common)  # fmt: skip
            queued += 1
    log.warning("%s; %d alerts queued", text, queued)
    return queued


def _email_now(text: str) -> int:
    config = current_app.config
    if not config["SMTP_URL"]:
        log.error("%s (no SMTP_URL: nobody could be told)", text)
        return 0
    try:
        emails = [a.email for a in _admins()]
    except Exception:  # noqa: BLE001 - without the database, the address the mail comes from is all we know
        emails = []
    smtp = SmtpGateway(config["SMTP_URL"], config["MAIL_FROM"])
    sent = 0
    for address in emails or [config["MAIL_FROM"]]:
        try:
            smtp.send(Outgoing(message_id="tangguh-alert", to=address, body=text, channel="email"))
            sent += 1
        except Exception:  # noqa: BLE001 - tell the journal, try the next
            log.exception("alert email to %s failed", address)
    return sent
