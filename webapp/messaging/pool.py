"""The pool of sending numbers: each Android gateway phone (or SIM) and each Twilio number sends at its own rate,
and a kecamatan's messages spread over its numbers that are healthy.

- A number's rate is its own ``send_per_minute`` when set (the phone's setup page), else
  ``GATEWAY_SEND_PER_MINUTE`` for Android (25: Android's SmsUsageMonitor lets an app send about 30 SMS a minute,
  counted in segments) or ``TWILIO_SEND_PER_SECOND`` for Twilio. 0 turns pacing off (the gateway paces itself).
- Pacing is a send slot per number (``next_send_at``): the worker takes a slot with one conditional UPDATE, so
  several workers share it, and one message per slot; a message of n segments holds the slot n times as long.
  A number therefore never sends more than its rate in any minute, and a reply queued behind a broadcast waits
  at most one slot of its number: the lanes (``LANE_*``) decide which message each slot carries.
- Which messages a number carries (``serving``): those bound to it (a reply goes back through the phone and SIM
  the villager wrote to), and the unbound ones of its kecamatan. A phone offline (``gateway_health``) carries
  only its own test SMS while another phone of its kecamatan is healthy, and the healthy ones take over the
  messages bound to it; with no healthy phone left, it keeps trying everything as before.

No gateway calls and no commits here: ``outbound.claim`` drives it inside its claim transactions.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, false, or_, select, update

from ..extensions import db
from ..models import OutboundMessage, ReceivingNumber

PACED = ("android", "twilio")  # gateways whose numbers have a send rate; the others send as fast as they answer


def per_minute(number: ReceivingNumber) -> float:
    """SMS a minute ``number`` sends at (0: not paced)."""
    if number.send_per_minute:
        return float(number.send_per_minute)
    if number.gateway == "twilio":
        return float(current_app.config["TWILIO_SEND_PER_SECOND"]) * 60
    return float(current_app.config["GATEWAY_SEND_PER_MINUTE"])


def slot(number: ReceivingNumber, segments: int = 1) -> timedelta:
    """How long one message of ``segments`` segments holds ``number``'s send slot."""
    rate = per_minute(number)
    return timedelta(seconds=60 * max(segments, 1) / rate) if rate > 0 else timedelta(0)


def set_send_rate(number: ReceivingNumber, value: int | None) -> None:
    """Set how many SMS a minute ``number`` may send (None: the server's default); the caller commits.
    Raises ValueError outside 1–6000."""
    if value is not None and not 1 <= value <= 6000:
        raise ValueError("send_per_minute must lie between 1 and 6000")
    number.send_per_minute = value


def numbers() -> list[ReceivingNumber]:
    """Every number that sends at a rate, oldest first."""
    return list(
        db.session.scalars(
            select(ReceivingNumber).where(ReceivingNumber.gateway.in_(PACED)).order_by(ReceivingNumber.id)
        )
    )


def _bound_to(number: ReceivingNumber):
    """SQL: messages that name ``number`` as their sender (an Android device, and its SIM when both say one)."""
    if number.gateway == "twilio":
        return OutboundMessage.sender == number.address
    bound = OutboundMessage.sender == number.device
    if number.sim is not None:
        bound = bound & or_(OutboundMessage.sim_number.is_(None), OutboundMessage.sim_number == number.sim)
    return bound


def _unbound(number: ReceivingNumber):
    return OutboundMessage.sender.is_(None) & or_(
        OutboundMessage.kecamatan_code == number.kecamatan_code, OutboundMessage.kecamatan_code.is_(None)
    )


def _ours(number: ReceivingNumber, condition):
    return (OutboundMessage.gateway == number.gateway) & condition


def served_by_any(pool: list[ReceivingNumber]):
    """SQL: messages some number of the pool carries (whatever its health); the others are sent unpaced."""
    if not pool:
        return false()
    return or_(*[_ours(n, or_(_bound_to(n), _unbound(n))) for n in pool])


def serving(number: ReceivingNumber, pool: list[ReceivingNumber], offline: Collection[int]):
    """SQL: the messages ``number`` carries now, given which numbers of the pool are ``offline`` (their ids)."""
    siblings = [n for n in pool if n.gateway == number.gateway and n.kecamatan_code == number.kecamatan_code]
    healthy_sibling = any(n.id not in offline for n in siblings if n.id != number.id)
    if number.id in offline and healthy_sibling:
        return _ours(number, _bound_to(number) & (OutboundMessage.purpose == "test"))  # only what tests the phone
    carried = [_bound_to(number), _unbound(number)]
    if number.id not in offline:
        moved = [_bound_to(n) for n in siblings if n.id in offline and n.device != number.device]
        if moved:  # the messages of a phone that stopped answering, but not its tests
            carried.append(
                and_(or_(*moved), OutboundMessage.kecamatan_code == number.kecamatan_code,
                     OutboundMessage.purpose != "test")
            )  # fmt: skip
    return _ours(number, or_(*carried))


def take_slot(number: ReceivingNumber, now: datetime) -> bool:
    """Take ``number``'s send slot if it is open at ``now`` (atomic: two workers never both get it); the slot is
    held one segment's time until ``hold`` says how long the claimed message needs. The caller commits, or rolls
    back to give the slot up."""
    taken = db.session.execute(
        update(ReceivingNumber)
        .where(
            ReceivingNumber.id == number.id,
            or_(ReceivingNumber.next_send_at.is_(None), ReceivingNumber.next_send_at <= now),
        )
        .values(next_send_at=now + slot(number))
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(taken)


def hold(number: ReceivingNumber, now: datetime, segments: int) -> None:
    """The slot taken at ``now`` carries a message of ``segments`` segments: keep it that long."""
    if segments > 1:
        db.session.execute(
            update(ReceivingNumber)
            .where(ReceivingNumber.id == number.id)
            .values(next_send_at=now + slot(number, segments))
            .execution_options(synchronize_session=False)
        )


def slot_open(number: ReceivingNumber, now: datetime) -> bool:
    return number.next_send_at is None or number.next_send_at <= now


def next_slot(now: datetime) -> datetime | None:
    """When the earliest closed slot of a number with messages waiting opens (None: nothing waits for a slot)."""
    pool = numbers()
    waiting = select(OutboundMessage.id).where(
        OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= now, served_by_any(pool)
    )
    if not pool or db.session.scalar(waiting.limit(1)) is None:
        return None
    closed = [n.next_send_at for n in pool if n.next_send_at is not None and n.next_send_at > now]
    return min(closed) if closed else None
