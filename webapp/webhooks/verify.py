"""Signature checks for the gateways: Twilio's RequestValidator and the Android gateway's HMAC."""

from __future__ import annotations

import hashlib
import hmac
import time

from twilio.request_validator import RequestValidator


def twilio_signature_ok(auth_token: str, url: str, params: dict, signature: str) -> bool:
    """True when ``X-Twilio-Signature`` matches the public URL and the form parameters."""
    if not auth_token or not signature:
        return False
    return RequestValidator(auth_token).validate(url, params, signature)


def android_signature_ok(
    signing_key: str, body: bytes, timestamp: str, signature: str, max_skew: int, now: float | None = None
) -> bool:
    """True when ``X-Signature`` is the hex HMAC-SHA256 of the raw body followed by ``X-Timestamp``, and that
    timestamp (Unix seconds) is within ``max_skew`` seconds of now (so an old request cannot be replayed)."""
    if not signing_key or not signature or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs((now if now is not None else time.time()) - int(timestamp)) > max_skew:
        return False
    expected = hmac.new(signing_key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.lower())
