"""Slowing down password guessing: failed sign-ins are counted per account and per address in Flask-Limiter's
storage (memory by default, Redis through ``RATELIMIT_STORAGE_URI`` when several server processes share it).

- ``LOGIN_LIMIT_ACCOUNT`` (default 5 a minute, 20 an hour) for one email, from anywhere: guessing one person's
  password slows to 5 tries a minute, then stops for the hour.
- ``LOGIN_LIMIT_ADDRESS`` (default 10 a minute, 30 an hour) from one address, whatever the email: one machine
  trying many accounts. A kecamatan office behind one address has room for its people's typos.

Every attempt is counted before its password is looked at (``take_attempt``: the storage's increment is atomic,
so thirty guesses sent at once cannot all slip past the limit while the first is being checked). Once over a
limit, a sign-in is refused (429) with the same words whether or not the account exists; an unknown email costs
the same password-hashing time as a known one.

When the rate-limit store is down, each process counts in its own memory and the sign-in history in the
database (every wrong password is a row) holds the limits across processes: the right password still signs
in, and an attacker gains nothing from the outage.

An attacker must not lock the real person out (OWASP's advice on account lockout): from an address where the
account signed in successfully before (within ``SIGN_IN_KEEP_DAYS``), the account's limit counts that address's
attempts apart, so guesses from elsewhere never hold back the person at their own desk or phone.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from limits import parse, parse_many
from sqlalchemy import delete, select

from .. import ratelimit
from ..extensions import db
from ..models import SignIn, utcnow

_NOTE = parse("1/minute")


def _limits(name: str):
    return parse_many(current_app.config[name])


def known_address(email: str, address: str) -> bool:
    """The account ``email`` signed in successfully from ``address`` before (the history keeps
    ``SIGN_IN_KEEP_DAYS``)."""
    found = select(SignIn.id).where(SignIn.email == email, SignIn.address == address[:45], SignIn.outcome == "ok")
    return bool(address) and db.session.scalar(found.limit(1)) is not None


def _keys(email: str, address: str):
    account = (
        ("login-account-known", f"{email}|{address}") if known_address(email, address) else ("login-account", email)
    )
    return [("LOGIN_LIMIT_ACCOUNT", *account), ("LOGIN_LIMIT_ADDRESS", "login-address", address)]


def _wait(keys) -> int:
    wait = 0.0
    for setting, scope, key in keys:
        for item in _limits(setting):
            if not ratelimit.test(item, scope, key):
                wait = max(wait, ratelimit.window_reset(item, scope, key) - time.time())
    return max(int(wait + 0.999), 1) if wait > 0 else 0


def _recorded_wait(email: str, address: str) -> int:
    """While the rate-limit store is down, the sign-in history decides: the wrong passwords recorded for the
    account (from this address, if it signed in here before) and from the address within each limit's window,
    shared by every server process. Seconds until one may try again, or 0."""
    now = utcnow()
    account = SignIn.email == email
    if known_address(email, address):
        account &= SignIn.address == address[:45]
    wait = 0.0
    for setting, who in (("LOGIN_LIMIT_ACCOUNT", account), ("LOGIN_LIMIT_ADDRESS", SignIn.address == address[:45])):
        for item in _limits(setting):
            since = now - timedelta(seconds=item.get_expiry())
            times = select(SignIn.at).where(who, SignIn.outcome == "wrong", SignIn.at > since)
            recent = sorted(db.session.scalars(times.order_by(SignIn.at.desc()).limit(item.amount)))
            if len(recent) >= item.amount:  # the oldest of the last `amount` leaves the window first
                wait = max(wait, (recent[0] + timedelta(seconds=item.get_expiry()) - now).total_seconds())
    return max(int(wait + 0.999), 1) if wait > 0 else 0


def take_attempt(email: str, address: str) -> int:
    """Count this sign-in attempt against the account and the address before the password is checked: 0 when it
    may go ahead, else how many seconds until one may (a refused attempt is not counted)."""
    keys = _keys(email, address)
    wait = _wait(keys)
    if wait:
        return wait
    for setting, scope, key in keys:
        for item in _limits(setting):
            if not ratelimit.hit(item, scope, key):  # another attempt took the last one meanwhile
                return _wait(keys) or 1
    return _recorded_wait(email, address) if ratelimit.store_down() else 0


def worth_noting(address: str) -> bool:
    """True the first time in a minute a sign-in from ``address`` is refused: the sign-in history records that,
    not each of an attacker's thousand refusals."""
    return ratelimit.hit(_NOTE, "login-refused", address)


def forget_old_sign_ins() -> int:
    """Delete sign-in attempts older than ``SIGN_IN_KEEP_DAYS`` (addresses and emails typed are personal data);
    commits and returns how many. The worker calls this once an hour."""
    limit = utcnow() - timedelta(days=current_app.config["SIGN_IN_KEEP_DAYS"])
    removed = db.session.execute(delete(SignIn).where(SignIn.at < limit)).rowcount
    db.session.commit()
    return removed
