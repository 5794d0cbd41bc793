"""Per-number limits on inbound SMS (Flask-Limiter storage: memory by default, Redis via RATELIMIT_STORAGE_URI).

Over the limit a message is still stored (nothing is lost) but not acted on; the sender is told once per
hour and then hears nothing, so a broken phone or a relayer loop cannot make the kecamatan pay for replies.
"""

from __future__ import annotations

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import parse, parse_many

limiter = Limiter(key_func=get_remote_address, default_limits=[])
_NOTICE = parse("1/hour")


def count_toward_limit(phone: str) -> bool:
    """Count one new message from ``phone`` against ``SMS_RATE_LIMIT``; True when that puts it over the limit.

    Count only messages stored for the first time: a gateway's retry of the same message is not the sender's."""
    items = parse_many(current_app.config["SMS_RATE_LIMIT"])
    allowed = [limiter.limiter.hit(item, "sms", phone) for item in items]  # count in every window
    return not all(allowed)


def may_send_notice(phone: str) -> bool:
    """True the first time in an hour that ``phone`` is over its limit."""
    return limiter.limiter.hit(_NOTICE, "sms-notice", phone)
