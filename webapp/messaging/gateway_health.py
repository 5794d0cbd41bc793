"""Is the SMS door still open? The health of the Android phones that receive villagers' SMS.

A phone running SMS Gateway for Android dies quietly: battery optimisation or the maker's app killer stops the
app, the data runs out, the credit runs out, the battery goes flat. Tangguh watches what each device sends
(``system:ping`` at the interval set in the app, every message in, every delivery report) and what the worker
sees when it hands the device a message:

- a device not heard from for ``GATEWAY_SILENT_MINUTES`` (counted from when it was set up if it never spoke), or
  whose last ``GATEWAY_FAILURES_OFFLINE`` sends failed, is offline: every staff page shows a strip, ``/healthz``
  says ``degraded``;
- the worker (``check``, every round) declares it offline once and tells the kecamatan's staff and the admins
  once, through channels other than the dead phone: web push, SMS through Twilio when Twilio is set up (the
  console in development), email when ``SMTP_URL`` is set; and once more when it is heard from again;
- a test SMS (the setup page's button, or the periodic canary every ``GATEWAY_CANARY_MINUTES``) goes to the
  device's own SIM through the device and is expected back through its webhook: both directions, timed.

Twilio numbers live in Twilio's cloud and send no pings; only their last message in is shown.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from sms.replies import render

from ..access import can, scope
from ..caching import Kept
from ..extensions import db
from ..models import GatewayTest, OutboundMessage, PushSubscription, ReceivingNumber, User, utcnow
from ..regions.gazetteer import ZONES, zone_for
from .outbound import enqueue, stalled_since

TEST_TOKEN = re.compile(r"\bTes Tangguh ([A-Z0-9]{8})\b")
TOKEN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone if need be


class GatewayError(ValueError):
    """A request about a gateway that cannot be done; the message says why, for the page."""


def sent_through(message: OutboundMessage, device: str | None) -> bool:
    """Could ``message`` have gone out through the Android ``device``: the device it names, or, when it names
    none, a device mapped to its kecamatan."""
    if not device:
        return False
    if message.sender:
        return message.sender.partition("/")[0] == device
    return any(row.kecamatan_code == message.kecamatan_code for row in device_rows(device))


@dataclass(frozen=True)
class Door:
    """A receiving number (a Twilio number, an Android device or one of its SIMs) as a webhook needs it: which
    kecamatan a message to it belongs to and which key signs the device's requests."""

    id: int
    gateway: str
    address: str
    kecamatan_code: str
    signing_key: str | None


DOORS = Kept("doors", ReceivingNumber.gateway, ReceivingNumber.address, ReceivingNumber.kecamatan_code,
             ReceivingNumber.signing_key)  # fmt: skip


def _door(row: ReceivingNumber) -> Door:
    return Door(row.id, row.gateway, row.address, row.kecamatan_code, row.signing_key)


def receiving_door(gateway: str, *addresses: str) -> Door | None:
    """The receiving number (or device/SIM) a message came to, the most specific address first; kept per process
    (``webapp.caching``), so a webhook does not read it again."""
    for address in addresses:
        door = DOORS.get((gateway, address), lambda address=address: _read_door(gateway, address))
        if door is not None:
            return door
    return None


def _read_door(gateway: str, address: str) -> Door | None:
    row = db.session.scalar(
        select(ReceivingNumber).where(ReceivingNumber.gateway == gateway, ReceivingNumber.address == address)
    )
    return _door(row) if row is not None else None


def device_rows(device: str) -> list[ReceivingNumber]:
    """Every mapping of an Android device: ``<device>`` and each ``<device>/<sim>``."""
    return list(
        db.session.scalars(
            select(ReceivingNumber).where(
                ReceivingNumber.gateway == "android",
                or_(
                    ReceivingNumber.address == device,
                    ReceivingNumber.address.startswith(f"{device}/", autoescape=True),  # "_" is no wildcard here
                ),
            )
        )
    )


def signing_keys(device: str) -> list[str]:
    """The keys a device may sign its webhooks with: its own when one was set, else the global one (the device's
    own are kept per process, as its doors are)."""
    own = DOORS.get(("keys", device), lambda: sorted({row.signing_key for row in device_rows(device)
                                                      if row.signing_key}))  # fmt: skip
    return own or [k for k in [current_app.config["ANDROID_WEBHOOK_SIGNING_KEY"]] if k]


def new_signing_key() -> str:
    return secrets.token_urlsafe(24)


def _silent_limit(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["GATEWAY_SILENT_MINUTES"])


def is_silent(row: ReceivingNumber, now: datetime) -> bool:
    return row.gateway == "android" and (row.last_seen_at or row.created_at) < _silent_limit(now)


def never_heard(row: ReceivingNumber) -> bool:
    """An Android phone that has not sent a single webhook since it was set up: not known to be connected."""
    return row.gateway == "android" and row.last_seen_at is None


def is_failing(row: ReceivingNumber) -> bool:
    return row.gateway == "android" and row.failures >= current_app.config["GATEWAY_FAILURES_OFFLINE"]


def offline_clause(now: datetime):
    """SQL: Android rows that are offline now, whether or not the worker has declared it yet."""
    return (ReceivingNumber.gateway == "android") & or_(
        ReceivingNumber.offline_since.is_not(None),
        func.coalesce(ReceivingNumber.last_seen_at, ReceivingNumber.created_at) < _silent_limit(now),
        ReceivingNumber.failures >= current_app.config["GATEWAY_FAILURES_OFFLINE"],
    )


@dataclass(frozen=True)
class Trouble:
    """One offline gateway, as the strip says it."""

    number: ReceivingNumber
    silent: bool
    since: datetime
    never: bool = False  # silent since it was set up: it has never been heard from


def trouble(number: ReceivingNumber, now: datetime) -> Trouble | None:
    """Why ``number`` is offline now, or None. None is not "connected" for a phone never heard from: that is its
    own state (``never_heard``) until ``GATEWAY_SILENT_MINUTES`` after it was set up, then it is silent."""
    if is_silent(number, now):
        return Trouble(number, True, number.last_seen_at or number.created_at, never=never_heard(number))
    if is_failing(number) or number.offline_since:
        return Trouble(number, False, number.last_failure_at or number.offline_since or now)
    return None


def troubles_for(user: User, now: datetime | None = None) -> list[Trouble]:
    """The offline gateways of the kecamatan ``user`` reaches (for the strip on every staff page)."""
    if not can(user, "gateway_status"):
        return []
    if now is None and has_request_context() and "gateway_troubles" in g:
        return g.gateway_troubles  # the strip and the list's stamp ask in the same request
    cached, now = now is None, now or utcnow()
    rows = db.session.scalars(
        select(ReceivingNumber)
        .where(offline_clause(now), scope(user, ReceivingNumber, "gateway_status"))
        .order_by(ReceivingNumber.kecamatan_code, ReceivingNumber.id)
    )
    troubles = [t for t in (trouble(row, now) for row in rows) if t]
    if cached and has_request_context():
        g.gateway_troubles = troubles
    return troubles


def outbound_stalled_for(user: User) -> datetime | None:
    """When messages of the user's region stopped going out (no worker sending), for the strip; None when they
    flow."""
    if not can(user, "gateway_status"):
        return None
    if has_request_context() and "outbound_stalled" in g:
        return g.outbound_stalled
    stalled = stalled_since(scope(user, OutboundMessage, "gateway_status"))
    if has_request_context():
        g.outbound_stalled = stalled
    return stalled


def state(user: User) -> str:
    """A short stamp of the offline gateways ``user`` sees ("" when none): pages cached or refreshed by it change
    when a gateway goes down or comes back."""
    troubles = troubles_for(user)
    stamp = ("-g" + ".".join(str(t.number.id) for t in troubles)) if troubles else ""
    return stamp + ("-w" if outbound_stalled_for(user) else "")


def offline_kecamatan(now: datetime | None = None) -> list[str]:
    """Kecamatan codes with an offline gateway (``/healthz``: codes only, nothing about people)."""
    now = now or utcnow()
    codes = db.session.scalars(select(ReceivingNumber.kecamatan_code).where(offline_clause(now)).distinct())
    return sorted(codes)


# --- What the devices and the worker report -------------------------------------------------------------------


# Health is kept to the half minute: a burst of SMS through one phone writes its row once, not once per message.
FRESH = timedelta(seconds=30)


def _stale(moment: datetime | None, now: datetime) -> bool:
    return moment is None or now - moment >= FRESH


def device_event(device: str, kind: str, sim: int | None = None, reason: str | None = None) -> list:
    """A signed webhook from an Android device: ``ping``, ``inbound``, ``sent``, ``delivered`` or ``failed``.

    Updates the device's rows (each SIM's ``last_inbound_at`` for its own SIM) and brings an offline one back;
    the caller commits. Returns the rows: none for a device nobody set up (acknowledged, logged, not stored)."""
    now = utcnow()
    rows = device_rows(device)
    for row in rows:
        if _stale(row.last_seen_at, now):
            row.last_seen_at = now
        if kind == "ping":
            row.last_ping_at = now
        elif kind == "inbound" and (row.sim is None or sim is None or row.sim == sim):
            if _stale(row.last_inbound_at, now):
                row.last_inbound_at = now
        elif kind in ("sent", "delivered"):
            if _stale(row.last_sent_at, now) or row.failures:
                row.last_sent_at, row.failures = now, 0
        elif kind == "failed":
            _failed(row, now, reason or "SMS gagal terkirim")
        _maybe_recovered(row, now)
    if not rows:
        current_app.logger.warning("%s from Android device %s, which is not set up: ignored", kind, device)
    return rows


def number_event(door: Door) -> None:
    """A message arrived on a Twilio number: its last SMS in, kept to the half minute (written once per half
    minute by each process, not read); the caller commits."""
    now = utcnow()
    if _heard_here(("number", door.id), now):
        return
    # Through the connection: a health stamp is not what the kept copies of the doors are built from.
    db.session.connection().execute(
        update(ReceivingNumber)
        .where(
            ReceivingNumber.id == door.id,
            or_(ReceivingNumber.last_inbound_at.is_(None), ReceivingNumber.last_inbound_at <= now - FRESH),
        )  # fmt: skip
        .values(last_inbound_at=now, last_seen_at=now)
    )


def device_inbound(device: str, sim: int | None) -> None:
    """A message in through an Android device: ``device_event(…, "inbound")``, which this process writes once per
    half minute per SIM and otherwise skips unread (a device heard that recently cannot have fallen silent, and a
    message in says nothing about its sending); the caller commits."""
    if not _heard_here(("android", device, sim), utcnow()):
        device_event(device, "inbound", sim)


def _heard_here(key: tuple, now: datetime) -> bool:
    """True when this process already wrote, within the last half minute, that ``key`` heard a message."""
    heard = current_app.extensions.setdefault("tangguh.heard", {})
    if key in heard and now - heard[key] < FRESH:
        return True
    heard[key] = now
    return False


def record_send(device: str | None, ok: bool, reason: str | None = None) -> None:
    """The worker handed a message to an Android device (``ok``), or could not reach it; commits."""
    if not device:
        return
    now = utcnow()
    for row in device_rows(device):
        if ok:
            if _stale(row.last_sent_at, now) or row.failures:
                row.last_sent_at, row.failures = now, 0
            _maybe_recovered(row, now)
        else:
            _failed(row, now, reason or "tidak dapat dihubungi")
    db.session.commit()


def _failed(row: ReceivingNumber, now: datetime, reason: str) -> None:
    row.failures = (row.failures or 0) + 1
    row.last_failure_at = now
    row.failure_reason = reason[:200]


# --- The worker's round ------------------------------------------------------------------------------------------


def check(now: datetime | None = None) -> dict[str, int]:
    """Declare newly offline devices (and tell people once), give up on tests that never came back, and send
    the canary's test SMS when due. Commits; returns what it did, for the worker's log line."""
    now = now or utcnow()
    done = {"offline": 0, "recovered": 0, "tests_lost": 0, "canary": 0}
    for row in db.session.scalars(select(ReceivingNumber).where(ReceivingNumber.gateway == "android")):
        if row.offline_since is None and (is_silent(row, now) or is_failing(row)):
            row.offline_since = now
            tell(row, "gateway_silent" if is_silent(row, now) else "gateway_failing", now)
            done["offline"] += 1
        elif _maybe_recovered(row, now):
            done["recovered"] += 1
    done["tests_lost"] = _give_up_tests(now)
    done["canary"] = _canary(now)
    db.session.commit()
    return {k: v for k, v in done.items() if v}


def _maybe_recovered(row: ReceivingNumber, now: datetime) -> bool:
    if row.offline_since is None or is_silent(row, now) or is_failing(row):
        return False
    tell(row, "gateway_online", now)
    row.offline_since = None
    return True


def _clock(moment: datetime, region_code: str) -> str:
    zone = zone_for(region_code)
    return moment.astimezone(ZONES[zone]).strftime("%H:%M ") + zone


def tell(row: ReceivingNumber, template: str, now: datetime, key: str | None = None, **parts: str) -> int:
    """Tell the kecamatan's staff and the admins, once per outage (the key holds when it began; ``key`` names
    another trouble), by every channel that does not go through the Android gateway itself. Returns how many
    messages were queued."""
    kecamatan = row.kecamatan.name
    since = row.last_failure_at if template == "gateway_failing" else (row.last_seen_at or row.created_at)
    text = render(template, gateway=row.name, kecamatan=kecamatan, since=_clock(since, row.kecamatan_code),
                  at=_clock(now, row.kecamatan_code), reason=row.failure_reason or "", **parts)  # fmt: skip
    outage = int((row.offline_since or now).timestamp())
    key = key or f"gateway-{'up' if template == 'gateway_online' else 'down'}-{row.id}-{outage}"
    common = dict(purpose="notify", kecamatan_code=row.kecamatan_code)
    people = [u for u in db.session.scalars(select(User).where(User.active.is_(True))) if can(u, "gateways", row)]
    queued = 0
    for subscription in db.session.scalars(
        select(PushSubscription).where(PushSubscription.user_id.in_([u.id for u in people]))
    ):
        payload = {"title": "Tangguh: gateway SMS", "body": text, "url": "/pengaturan/gateway", "tag": key}
        enqueue(key=f"{key}-push-{subscription.id}", to=None, channel="push", body=json.dumps(payload),
                push_subscription_id=subscription.id, **common)  # fmt: skip
        queued += 1
    sender = _other_sms_route(row)
    if sender is not None:
        phones = {u.phone for u in people if u.phone}
        duty = current_app.config["ON_DUTY_PHONES"].get(row.kecamatan_code)
        phones |= {duty} if duty else set()
        for phone in sorted(phones):
            enqueue(key=f"{key}-sms-{phone}", to=phone, body=text, via="twilio", sender=sender or None, **common)
            queued += 1
    if current_app.config["SMTP_URL"]:
        for user in people:
            enqueue(key=f"{key}-email-{user.id}", to=None, to_email=user.email, channel="email", body=text, **common)
            queued += 1
    current_app.logger.warning("gateway %s (%s): %s; %d notices queued", row.address, kecamatan, template, queued)
    return queued


def _other_sms_route(row: ReceivingNumber) -> str | None:
    """The Twilio number an alert about an Android device goes out from: the kecamatan's own, else any; "" in
    development (the console gateway needs none); None when SMS can only go through Android devices."""
    config = current_app.config
    if config["SMS_GATEWAY"] == "console":
        return ""
    if not (config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"]):
        return None
    numbers = db.session.scalars(
        select(ReceivingNumber.address)
        .where(ReceivingNumber.gateway == "twilio")
        .order_by((ReceivingNumber.kecamatan_code != row.kecamatan_code), ReceivingNumber.id)
        .limit(1)
    )
    return next(iter(numbers), None)


# --- Test SMS ---------------------------------------------------------------------------------------------------


def pending_test(number: ReceivingNumber) -> GatewayTest | None:
    return db.session.scalar(
        select(GatewayTest).where(GatewayTest.receiving_number_id == number.id, GatewayTest.pending.is_(True))
    )


def request_test(number: ReceivingNumber, user: User | None) -> tuple[GatewayTest, bool]:
    """Send a test SMS through the device to its own SIM; returns the test and whether it is new (a test still
    pending is returned as it is: nothing is queued twice). Commits."""
    if number.gateway != "android":
        raise GatewayError("SMS uji hanya untuk HP gateway Android.")
    if not number.phone:
        raise GatewayError("Isi dulu nomor SIM HP gateway ini: SMS uji dikirim ke nomor itu.")
    existing = pending_test(number)
    if existing is not None:
        return existing, False
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(8))
    test = GatewayTest(number=number, token=token, requested_by_id=user.id if user else None, pending=True,
                       requested_at=utcnow())  # fmt: skip
    db.session.add(test)
    try:
        db.session.flush()
    except IntegrityError:  # another click won the race for the one pending test
        db.session.rollback()
        existing = pending_test(number)
        if existing is None:
            raise
        return existing, False
    message = enqueue(key=f"gateway-test-{test.id}", to=number.phone, body=render("gateway_test", token=token),
                      purpose="test", via="android", sender=number.device, sim_number=number.sim,
                      kecamatan_code=number.kecamatan_code)  # fmt: skip
    db.session.flush()
    test.outbound_message_id = message.id
    db.session.commit()
    return test, True


def test_arrived(text: str, device: str) -> GatewayTest | None:
    """A test SMS came back through ``device``: record when (once) and return it; None when ``text`` is not one of
    our tests (then it is an ordinary message). The caller commits."""
    match = TEST_TOKEN.search(text or "")
    if not match:
        return None
    test = db.session.scalar(select(GatewayTest).where(GatewayTest.token == match.group(1)))
    if test is None or test.number.device != device:
        return None
    if test.arrived_at is None:
        test.arrived_at = max(utcnow(), test.requested_at)
        test.pending = False
    return test


def round_trip(test: GatewayTest) -> float | None:
    """Seconds from the worker handing the test to the gateway (or the request) to its return."""
    if test.arrived_at is None:
        return None
    start = test.message.sent_at if test.message and test.message.sent_at else test.requested_at
    return max((test.arrived_at - start).total_seconds(), 0.0)


def recent_tests(number: ReceivingNumber, limit: int = 5) -> list[GatewayTest]:
    return list(
        db.session.scalars(
            select(GatewayTest)
            .where(GatewayTest.receiving_number_id == number.id)
            .order_by(GatewayTest.id.desc())
            .limit(limit)
        )
    )


def _give_up_tests(now: datetime) -> int:
    limit = now - timedelta(minutes=current_app.config["GATEWAY_TEST_MINUTES"])
    lost = list(
        db.session.scalars(select(GatewayTest).where(GatewayTest.pending.is_(True), GatewayTest.requested_at < limit))
    )
    for test in lost:
        test.pending = False
    return len(lost)


def _canary(now: datetime) -> int:
    """Every ``GATEWAY_CANARY_MINUTES`` (0: off), a test SMS through each Android device with a SIM number."""
    minutes = current_app.config["GATEWAY_CANARY_MINUTES"]
    if not minutes:
        return 0
    sent = 0
    for row in db.session.scalars(
        select(ReceivingNumber).where(ReceivingNumber.gateway == "android", ReceivingNumber.phone.is_not(None))
    ):
        last = db.session.scalar(
            select(func.max(GatewayTest.requested_at)).where(GatewayTest.receiving_number_id == row.id)
        )
        if last is None or last <= now - timedelta(minutes=minutes):
            _test, new = request_test(row, None)
            sent += new
    return sent


def unsent(number: ReceivingNumber) -> int:
    """Messages waiting to go out through this device (queued or being sent)."""
    if number.gateway != "android":
        return 0
    return db.session.scalar(
        select(func.count(OutboundMessage.id)).where(
            OutboundMessage.gateway == "android",
            OutboundMessage.status.in_(("queued", "sending")),
            or_(
                OutboundMessage.sender == number.device,
                (OutboundMessage.sender.is_(None)) & (OutboundMessage.kecamatan_code == number.kecamatan_code),
            ),
        )
    )
