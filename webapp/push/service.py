"""Keeping browsers' push subscriptions, and the server's VAPID public key they subscribe with (read from the PEM
as it is written: no cryptography library in the web app; the worker signs with the private key).

A subscription's endpoint is where the worker will POST, chosen by whoever subscribes: it is kept only when it is
https and none of the addresses its name resolves to is one the outbound address rule refuses (``messaging.addresses``).
The worker's connection checks again, so a name that changes its address later is still refused."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..config import ConfigError
from ..extensions import db
from ..messaging import addresses
from ..models import PushSubscription, User

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SubscriptionError(ValueError):
    """A subscription that cannot be kept; the message says why."""


# DER tags of the key's ASN.1 (RFC 5208 PKCS #8 wrapping RFC 5915 SEC 1 ECPrivateKey).
SEQUENCE, OCTET_STRING, BIT_STRING, EXPLICIT_PUBLIC_KEY = 0x30, 0x04, 0x03, 0xA1


def _der(data: bytes, at: int = 0) -> tuple[int, bytes, int]:
    """The DER element at ``at``: its tag, its content and where the next element begins."""
    tag, length, at = data[at], data[at + 1], at + 2
    if length & 0x80:
        size = length & 0x7F
        length, at = int.from_bytes(data[at : at + size], "big"), at + size
    if at + length > len(data):
        raise ValueError("truncated")
    return tag, data[at : at + length], at + length


def _fields(sequence: bytes) -> list[tuple[int, bytes]]:
    fields, at = [], 0
    while at < len(sequence):
        tag, content, at = _der(sequence, at)
        fields.append((tag, content))
    return fields


def public_key(private_key_pem: str) -> str:
    """The VAPID public key as browsers take it (``applicationServerKey``): base64url of the raw P-256 point.

    The point is read where the PEM carries it, beside the private key (OpenSSL, cryptography and py_vapid all
    write it, in a "PRIVATE KEY" or an "EC PRIVATE KEY"); a key without it, or not a P-256 key, is a
    ``ConfigError`` that says what to set."""
    if not private_key_pem:
        return ""
    try:
        body = "".join(line for line in private_key_pem.strip().splitlines() if not line.startswith("-----"))
        key = _der(base64.b64decode(body, validate=True))[1]
        fields = _fields(key)
        if fields[1][0] == SEQUENCE and fields[2][0] == OCTET_STRING:  # PKCS #8: the SEC 1 key is inside
            fields = _fields(_der(fields[2][1])[1])
        tag, bits, _ = _der(next(content for kind, content in fields if kind == EXPLICIT_PUBLIC_KEY))
        point = bits[1:]
        if tag != BIT_STRING or bits[0] != 0 or len(point) != 65 or point[0] != 4:
            raise ValueError("not an uncompressed P-256 point")
    except (ValueError, IndexError, StopIteration, binascii.Error) as exc:
        raise ConfigError(
            "VAPID_PRIVATE_KEY is not a P-256 private key in PEM that carries its public key: make one as "
            "docs/deploy.md shows"
        ) from exc
    return base64.urlsafe_b64encode(point).rstrip(b"=").decode()


def _b64url(value, name: str, size: int) -> str:
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= size
        or not value.replace("-", "").replace("_", "").rstrip("=").isalnum()
    ):
        raise SubscriptionError(_("Langganan notifikasi tidak sah (%(name)s).", name=name))
    return value


def _reachable(endpoint: str, guard: addresses.Guard) -> None:
    try:
        guard.check_url(endpoint)
    except addresses.Refused as exc:
        raise SubscriptionError(
            _("Alamat layanan notifikasi ditolak: alamat itu menuju jaringan lokal atau internal.")
        ) from exc
    except OSError:
        # The name does not resolve now (a DNS hiccup, or nothing there yet): kept, since nothing can be reached
        # through it; the worker's connection checks whatever it resolves to when it pushes.
        pass


def subscribe(user: User, data, allow_http_loopback: bool = False, guard: addresses.Guard | None = None
              ) -> PushSubscription:  # fmt: skip
    """Keep the browser's subscription (``{"endpoint", "keys": {"p256dh", "auth"}}``) for ``user``; a browser
    that subscribed for someone else before now notifies ``user``. An endpoint that is not https, or whose name
    resolves to any address ``guard`` (the application's by default) refuses, is refused with the reason and
    nothing is kept. The caller commits."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise SubscriptionError(_("Langganan notifikasi tidak sah."))
    endpoint = data.get("endpoint")
    parts = urlsplit(endpoint) if isinstance(endpoint, str) and len(endpoint) <= 1000 else None
    secure = parts is not None and parts.scheme == "https" and parts.hostname
    local = parts is not None and allow_http_loopback and parts.scheme == "http" and parts.hostname in LOOPBACK
    if not (secure or local):
        raise SubscriptionError(_("Alamat layanan notifikasi harus https."))
    p256dh = _b64url(data["keys"].get("p256dh"), "p256dh", 200)
    auth = _b64url(data["keys"].get("auth"), "auth", 100)
    _reachable(endpoint, guard or addresses.configured())
    subscription = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    if subscription is None:
        subscription = PushSubscription(endpoint=endpoint)
        db.session.add(subscription)
    subscription.user_id, subscription.p256dh, subscription.auth = user.id, p256dh, auth
    return subscription


def unsubscribe(user: User, endpoint) -> bool:
    """Forget the user's subscription at ``endpoint``; the caller commits. True when there was one."""
    return bool(
        db.session.execute(
            delete(PushSubscription).where(PushSubscription.user_id == user.id, PushSubscription.endpoint == endpoint)
        ).rowcount
    )
