"""Counting toward limits: per-number limits on inbound SMS, and the sign-in throttle (``auth.throttle``).

Flask-Limiter's storage keeps the counts: memory by default, Redis via ``RATELIMIT_STORAGE_URI`` so that every
gunicorn process shares them. Over the SMS limit a message is still stored (nothing is lost) but not acted
on; the sender is told once per hour and then hears nothing, so a broken phone or a relayer loop cannot make
the kecamatan pay for replies.

The door never depends on the store: when it fails (Redis stopped, unreachable, out of memory), counting goes
on in this process's memory, the failure is logged once, ``/healthz`` says ``ratelimit_store`` and the
admin's pages say so; every ``RATELIMIT_RECHECK_SECONDS`` the store is tried again, and once it answers the
shared counts apply again. A report is never refused or lost because a count could not be kept.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse, parse_many
from limits.storage import MemoryStorage
from limits.strategies import RateLimiter

limiter = Limiter(key_func=get_remote_address, default_limits=[])
_NOTICE = parse("1/hour")
log = logging.getLogger(__name__)


@dataclass
class _Fallback:
    """This process's view of the store: since when it failed (``time.time()``), when it was last tried, and
    the counts kept in memory meanwhile."""

    down_since: float | None = None
    tried: float = 0.0
    error: str = ""
    counter: RateLimiter | None = None


_state = _Fallback()


def _primary() -> RateLimiter:
    return limiter.limiter  # the configured store (Flask-Limiter's own fallback is off)


def _fallen(exc: Exception) -> RateLimiter:
    """Note that the store failed (logged the first time) and return the in-memory counter."""
    now = time.time()
    if _state.down_since is None:
        _state.down_since, _state.error = now, f"{exc.__class__.__name__}: {exc}"[:200]
        log.warning("rate-limit store unreachable (%s); counting in this process until it answers", _state.error)
    _state.tried = now
    if _state.counter is None:
        _state.counter = type(_primary())(MemoryStorage())  # the store's strategy, counting in memory
    return _state.counter


def _counter() -> RateLimiter:
    """The store while it works; the in-memory counter while it is down and not due for another try."""
    if _state.down_since is None:
        return _primary()
    if time.time() - _state.tried < current_app.config["RATELIMIT_RECHECK_SECONDS"]:
        return _state.counter or _fallen(RuntimeError("unknown"))
    try:
        alive = _primary().storage.check()
    except Exception as exc:  # noqa: BLE001 - any failure of the store means it is still down
        return _fallen(exc)
    if not alive:
        return _fallen(RuntimeError("no answer"))
    _recovered()
    return _primary()


def _recovered() -> None:
    log.warning("rate-limit store answers again after %d s; shared counts apply", time.time() - _state.down_since)
    _state.down_since, _state.error = None, ""


def hit(item: RateLimitItem, *identifiers: str) -> bool:
    """Count one hit against ``item`` for ``identifiers``; False when that goes over the limit."""
    counter = _counter()
    try:
        return counter.hit(item, *identifiers)
    except Exception as exc:  # noqa: BLE001 - the store failed: count in memory rather than fail the request
        return _fallen(exc).hit(item, *identifiers)


def test(item: RateLimitItem, *identifiers: str) -> bool:
    """Would one more hit stay within ``item``?"""
    counter = _counter()
    try:
        return counter.test(item, *identifiers)
    except Exception as exc:  # noqa: BLE001
        return _fallen(exc).test(item, *identifiers)


def window_reset(item: RateLimitItem, *identifiers: str) -> float:
    """When the current window of ``item`` for ``identifiers`` ends (``time.time()``)."""
    counter = _counter()
    try:
        return counter.get_window_stats(item, *identifiers).reset_time
    except Exception as exc:  # noqa: BLE001
        return _fallen(exc).get_window_stats(item, *identifiers).reset_time


def store_down() -> str | None:
    """Why the rate-limit store is down, in this process's experience, or None while it works."""
    return _state.error if _state.down_since is not None else None


def check_store() -> bool:
    """Ask the store now whether it answers (``/healthz``); a failure also switches this process to memory."""
    try:
        alive = _primary().storage.check()
    except Exception as exc:  # noqa: BLE001
        _fallen(exc)
        return False
    if not alive:
        _fallen(RuntimeError("no answer"))
        return False
    if _state.down_since is not None:
        _recovered()
    return True


def reset() -> None:
    """Forget every count, shared and in memory (the test suite, between tests)."""
    global _state  # noqa: PLW0603
    _state = _Fallback()
    try:
        limiter.reset()
    except Exception:  # noqa: BLE001
        log.warning("rate-limit store could not be reset")


def count_toward_limit(phone: str) -> bool:
    """Count one new message from ``phone`` against ``SMS_RATE_LIMIT``; True when that puts it over the limit.

    Count only messages stored for the first time: a gateway's retry of the same message is not the sender's."""
    items = parse_many(current_app.config["SMS_RATE_LIMIT"])
    allowed = [hit(item, "sms", phone) for item in items]  # count in every window
    return not all(allowed)


def may_send_notice(phone: str) -> bool:
    """True the first time in an hour that ``phone`` is over its limit."""
    return hit(_NOTICE, "sms-notice", phone)
