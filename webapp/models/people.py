"""People and accounts: users who sign in, residents who report by SMS, agencies and their members,
sign-ins and the audit log."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .base import JSONType, UTCDateTime, utcnow
from .regions import Region

# The roles an account can hold; what each may see and do is ``webapp.access.ROLES``.
ROLES = ("admin", "kabupaten_staff", "kecamatan_staff", "desa_official", "agency")


class User(UserMixin, db.Model):
    """A person who signs in: an admin, kecamatan staff, or a desa official."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)  # E.164; lets an official use CEK by SMS
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the user last opened the incident list: what came after is "new" in the menu and the chip.
    list_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)  # role "agency": whose
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)  # a temporary one was set
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sessions from before end
    nip: Mapped[str | None] = mapped_column(String(30))  # civil servant number, printed under a signature
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # every session from before has ended

    region: Mapped[Region | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (
        CheckConstraint(role.in_(ROLES), name="role"),
        CheckConstraint("role = 'admin' OR region_code IS NOT NULL", name="scoped_role_has_region"),
        CheckConstraint("(role = 'agency') = (agency_id IS NOT NULL)", name="agency_role_has_agency"),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        # scrypt by default; the test suite sets a cheap method so that hundreds of logins stay fast.
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


RESIDENT_SOURCES = ("sms", "petugas", "csv")


class Reporter(db.Model):
    """Someone who reports by SMS or WhatsApp, known by phone number (E.164).

    A reporter with a desa is a registered resident of it (by ``DAFTAR`` or added by an official) and
    receives that desa's broadcasts unless they sent ``BERHENTI`` (``opted_out``), which nobody else can undo.
    """

    __tablename__ = "reporter"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    desa_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How the resident was registered (DAFTAR by SMS, by an official one by one, by CSV import), when, by whom.
    source: Mapped[str | None] = mapped_column(String(10))
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    desa: Mapped[Region | None] = relationship()
    added_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(source.is_(None) | source.in_(RESIDENT_SOURCES), name="source"),)


class Agency(db.Model):
    """An agency an incident can be handed to (BPBD, Puskesmas, Damkar, …), covering a kabupaten or one kecamatan
    (none: wherever it is handed an incident); its members are told of each handover in the place they cover."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)

    region: Mapped[Region | None] = relationship()
    members: Mapped[list[AgencyMember]] = relationship(back_populates="agency", order_by="AgencyMember.id")


MEMBER_CHANNELS = ("sms", "whatsapp")


class AgencyMember(db.Model):
    """Someone at an agency who is told of handovers: by phone only, or with an account (role ``agency``).

    ``region_code`` narrows what they cover (a Puskesmas nurse for one kecamatan); none: the agency's area."""

    __tablename__ = "agency_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)  # E.164
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), unique=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    agency: Mapped[Agency] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(channel.in_(MEMBER_CHANNELS), name="channel"),)


SIGN_IN_OUTCOMES = ("ok", "wrong", "inactive", "throttled")


class SignIn(db.Model):
    """One attempt to sign in, for admins to review: who was tried, from where, and how it ended."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    email: Mapped[str] = mapped_column(String(254))  # as typed (normalised): an unknown one is kept too
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    address: Mapped[str | None] = mapped_column(String(45))
    outcome: Mapped[str] = mapped_column(String(10))

    user: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint(outcome.in_(SIGN_IN_OUTCOMES), name="outcome"),)


class AuditEntry(db.Model):
    """One administrative action (accounts, receiving numbers, signing keys, agencies): who, when, what.

    Append-only, like the incident timeline. ``actor`` none: done from the command line."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(13), index=True)  # where it applies, for scoping
    data: Mapped[dict | None] = mapped_column(JSONType)

    actor: Mapped[User | None] = relationship()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(mapper, connection, target):
    raise RuntimeError(f"{mapper.local_table.name} rows are append-only")
