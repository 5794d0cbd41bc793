"""Accounts: creating users, checking their region scope, and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlalchemy import func, select

from sms.phone import InvalidPhone, normalize_phone

from .access import region_levels
from .extensions import db
from .models import ROLES, Agency, Region, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """Input that cannot make an account; the message says what is wrong, and ``field`` (when known) which of the
    form's fields it concerns; ``choices`` are the regions a name could mean."""

    def __init__(self, message: str, field: str | None = None, choices: list | None = None):
        super().__init__(message)
        self.field, self.choices = field, choices or []


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(
    email: str,
    name: str,
    role: str,
    password: str,
    region_code: str | None = None,
    phone: str | None = None,
    agency_id: int | None = None,
) -> User:
    """Create and commit a user whose region matches the role.

    Kecamatan staff need a kecamatan code, desa officials a desa/kelurahan code, admins need none
    (a region given to an admin is kept for display). ``phone`` lets the official check tickets by SMS.
    Raises :class:`AccountError`, writing nothing, for a malformed or taken email or phone, an unknown
    role, a short password, or a region that does not fit.
    """
    email = normalize_email(email)
    if not EMAIL.match(email):
        raise AccountError(f"invalid email address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    region = None
    if region_code:
        region = db.session.get(Region, region_code.strip())
        if region is None:
            raise AccountError(f"unknown region code {region_code!r}; load it first with 'flask regions load'")
    needed = region_levels(role)
    if needed and (region is None or region.level not in needed):
        raise AccountError(f"role {role} needs a {' or '.join(needed)} region code (--region)")
    if (role == "agency") != bool(agency_id) or (agency_id and db.session.get(Agency, agency_id) is None):
        raise AccountError("an agency member needs their agency (--agency), and only they have one")
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AccountError(f"an account with email {email} already exists")
    if phone:
        try:
            phone = normalize_phone(phone)
        except InvalidPhone as exc:
            raise AccountError(f"invalid phone number {phone!r}") from exc
        if db.session.scalar(select(func.count()).select_from(User).where(User.phone == phone)):
            raise AccountError(f"an account with phone {phone} already exists")
    user = User(
        email=email,
        name=(name or email).strip(),
        role=role,
        region_code=region.code if region else None,
        phone=phone or None,
        agency_id=agency_id or None,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _token_hash(token: str) -> str:
    # API tokens are 256 random bits: a plain SHA-256 is enough and makes lookup by hash possible.
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User) -> str:
    """Give the user a new API token, replacing any earlier one, and return it; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    user.api_token_hash = _token_hash(token)
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user holding this API token, or None."""
    if not token:
        return None
    user = db.session.scalar(select(User).where(User.api_token_hash == _token_hash(token)))
    return user if user is not None and user.active else None
