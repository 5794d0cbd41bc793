"""Slowing down password guessing: failed sign-ins are counted per account and per address in Flask-Limiter's
storage (memory by default, Redis through ``RATELIMIT_STORAGE_URI`` when several server processes share it).

- ``LOGIN_LIMIT_ACCOUNT`` (default 5 a minute, 20 an hour) for one email, from anywhere: guessing one person's
  password slows to 5 tries a minute, then stops for the hour.
- ``LOGIN_LIMIT_ADDRESS`` (default 10 a minute, 30 an hour) from one address, whatever the email: one machine
  trying many accounts. A kecamatan office behind one address has room for its people's typos.

Only failures count, so people who type their password right are never held back by their own sign-ins. Once
over a limit, a sign-in is refused (429) before the password is looked at, with the same words whether or not
the account exists; an unknown email costs the same password-hashing time as a known one.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from limits import parse, parse_many
from sqlalchemy import delete

from ..extensions import db
from ..models import SignIn, utcnow
from ..ratelimit import limiter

_NOTE = parse("1/minute")


def _limits(name: str):
    return parse_many(current_app.config[name])


def _keys(email: str, address: str):
    return [("LOGIN_LIMIT_ACCOUNT", "login-account", email), ("LOGIN_LIMIT_ADDRESS", "login-address", address)]


def wait_seconds(email: str, address: str) -> int:
    """0 when a sign-in may be tried; else how many seconds until it may (the longest of the exhausted limits)."""
    strategy = limiter.limiter
    wait = 0.0
    for setting, scope, key in _keys(email, address):
        for item in _limits(setting):
            if not strategy.test(item, scope, key):
                reset, _remaining = strategy.get_window_stats(item, scope, key)
                wait = max(wait, reset - time.time())
    return max(int(wait + 0.999), 1) if wait > 0 else 0


def failed(email: str, address: str) -> None:
    """Count one failed sign-in against the account and the address, in every window."""
    for setting, scope, key in _keys(email, address):
        for item in _limits(setting):
            limiter.limiter.hit(item, scope, key)


def worth_noting(address: str) -> bool:
    """True the first time in a minute a sign-in from ``address`` is refused: the sign-in history records that,
    not each of an attacker's thousand refusals."""
    return limiter.limiter.hit(_NOTE, "login-refused", address)


def forget_old_sign_ins() -> int:
    """Delete sign-in attempts older than ``SIGN_IN_KEEP_DAYS`` (addresses and emails typed are personal data);
    commits and returns how many. The worker calls this once an hour."""
    limit = utcnow() - timedelta(days=current_app.config["SIGN_IN_KEEP_DAYS"])
    removed = db.session.execute(delete(SignIn).where(SignIn.at < limit)).rowcount
    db.session.commit()
    return removed
