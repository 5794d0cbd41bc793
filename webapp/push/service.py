"""Keeping browsers' push subscriptions, and the server's VAPID public key they subscribe with.

A subscription's endpoint is where the worker will POST, chosen by whoever subscribes: it is kept only when it is
https and none of the addresses its name resolves to is one the guarded client refuses (``messaging.guarded``).
The worker's connection checks again, so a name that changes its address later is still refused."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..extensions import db
from ..messaging import guarded
from ..models import PushSubscription, User

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class SubscriptionError(ValueError):
    """A subscription that cannot be kept; the message says why."""


def public_key(private_key_pem: str) -> str:
    """The VAPID public key as browsers take it (``applicationServerKey``): base64url of the raw point."""
    if not private_key_pem:
        return ""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64url(value, name: str, size: int) -> str:
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= size
        or not value.replace("-", "").replace("_", "").rstrip("=").isalnum()
    ):
        raise SubscriptionError(_("Langganan notifikasi tidak sah (%(name)s).", name=name))
    return value


def _reachable(endpoint: str, guard: guarded.Guard) -> None:
    try:
        guard.check_url(endpoint)
    except guarded.Refused as exc:
        raise SubscriptionError(
            _("Alamat layanan notifikasi ditolak: alamat itu menuju jaringan lokal atau internal.")
        ) from exc
    except OSError:
        # The name does not resolve now (a DNS hiccup, or nothing there yet): kept, since nothing can be reached
        # through it; the worker's connection checks whatever it resolves to when it pushes.
        pass


def subscribe(user: User, data, allow_http_loopback: bool = False, guard: guarded.Guard | None = None
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
    _reachable(endpoint, guard or guarded.configured())
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
