"""The gateway SIM's own messages: what its operator tells it, and the credit that keeps it sending.

An Android gateway's SIM gets SMS from its operator (short codes, alphanumeric senders): balances, the end of
the active period, promos. The webhook accepts them (a refusal makes the gateway retry forever) and ``receive``
keeps each once against the phone it came to, never as a report and never answered. A balance or active-period
notice updates the phone's credit; when the credit falls below ``GATEWAY_LOW_CREDIT_RUPIAH``, the active period
ends within ``GATEWAY_ACTIVE_WARN_DAYS`` or the SIM is in its grace period, the people who look after the phone
are told once (through ``gateway_health.tell``: push, SMS through another route, email), and again only after a
notice showed it topped up. A credit nobody reported is unknown, never Rp 0.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sms.operator import read_credit

from ..extensions import db
from ..models import OperatorMessage, ReceivingNumber, utcnow
from ..regions.gazetteer import ZONES, zone_for
from ..web.formatting import rupiah
from . import gateway_health


def receive(gateway: str, external_id: str, number: ReceivingNumber, sender: str, text: str,
            received_at: datetime | None = None) -> tuple[OperatorMessage, bool]:  # fmt: skip
    """Keep one operator message for ``number`` (the caller commits); ``(message, duplicate)``: a repeat of the
    same gateway message id stores and changes nothing."""
    existing = _existing(gateway, external_id)
    if existing is not None:
        return existing, True
    received_at = received_at or utcnow()
    message = OperatorMessage(gateway=gateway, external_id=external_id, number=number, sender=sender[:20],
                              text=text.replace("\x00", "\ufffd"), received_at=received_at)  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # the same delivery, stored by a concurrent request
        return _existing(gateway, external_id), True
    credit = read_credit(text, local_today(number, received_at))
    if credit is not None:
        message.credit_rupiah, message.active_until = credit.rupiah, credit.active_until
        if number.credit_at is None or received_at >= number.credit_at:  # an older notice retried late says less
            if credit.rupiah is not None:
                number.credit_rupiah = credit.rupiah
            if credit.active_until is not None:
                number.active_until = credit.active_until
            number.in_grace = credit.grace
            number.credit_at = received_at
            check(number, received_at)
    return message, False


def _existing(gateway: str, external_id: str) -> OperatorMessage | None:
    return db.session.scalar(
        select(OperatorMessage).where(OperatorMessage.gateway == gateway, OperatorMessage.external_id == external_id)
    )


def local_today(number: ReceivingNumber, moment: datetime) -> date:
    return moment.astimezone(ZONES[zone_for(number.kecamatan_code)]).date()


def shortage(number: ReceivingNumber, today: date) -> list[str]:
    """Why the SIM may soon stop sending, in the words the alert and the page use; empty when it is fine or
    unknown."""
    config, found = current_app.config, []
    if number.in_grace:
        found.append("masa tenggang, tidak bisa kirim SMS")
    if number.credit_rupiah is not None and number.credit_rupiah < config["GATEWAY_LOW_CREDIT_RUPIAH"]:
        found.append(f"pulsa tinggal {rupiah(number.credit_rupiah)}")
    if number.active_until is not None and not number.in_grace:
        if number.active_until < today:
            found.append(f"masa aktif habis {number.active_until:%d-%m-%Y}")
        elif number.active_until - today <= timedelta(days=config["GATEWAY_ACTIVE_WARN_DAYS"]):
            found.append(f"aktif s.d. {number.active_until:%d-%m-%Y}")
    return found


def check(number: ReceivingNumber, now: datetime | None = None) -> int:
    """Tell people once when the SIM's credit runs short, and forget it when a notice shows it topped up.
    Returns how many messages were queued."""
    now = now or utcnow()
    short = shortage(number, local_today(number, now))
    if not short:
        number.credit_low_since = None
        return 0
    if number.credit_low_since is not None:
        return 0
    number.credit_low_since = now
    key = f"gateway-credit-{number.id}-{int(now.timestamp())}"
    queued = gateway_health.tell(number, "gateway_credit", now, key=key, state=", ".join(short))
    current_app.logger.warning("gateway %s: credit short (%s)", number.address, "; ".join(short))
    return queued


def check_all(now: datetime | None = None) -> int:
    """The worker's round: an active period that ends as the days pass (with no new notice) is told too."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(ReceivingNumber).where(
            ReceivingNumber.active_until.is_not(None), ReceivingNumber.credit_low_since.is_(None)
        )
    )
    told = sum(1 for row in rows if check(row, now))
    db.session.commit()
    return told


def recent(number: ReceivingNumber, limit: int = 5) -> list[OperatorMessage]:
    """The operator's latest messages to this phone, newest first, for its page."""
    return list(
        db.session.scalars(
            select(OperatorMessage)
            .where(OperatorMessage.receiving_number_id == number.id)
            .order_by(OperatorMessage.received_at.desc(), OperatorMessage.id.desc())
            .limit(limit)
        )
    )
