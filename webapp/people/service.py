"""Creating, deactivating and resetting accounts in the browser, within ``access.manages``."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from sms.phone import InvalidPhone, normalize_phone

from ..access import Forbidden, manages, region_levels
from ..accounts import EMAIL, MIN_PASSWORD_LENGTH, AccountError, create_user, normalize_email
from ..audit import record
from ..extensions import db
from ..models import Agency, AgencyMember, User, utcnow
from ..regions.gazetteer import find as find_regions


def temporary_password() -> str:
    """Twelve characters people can read out over the phone (no 0/O, 1/l/I)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


LEVEL_WORDS = {"provinsi": _l("provinsi"), "kabupaten": _l("kabupaten/kota"), "kecamatan": _l("kecamatan"),
               "desa": _l("desa/kelurahan")}  # fmt: skip


def account_region(role: str, region: str | None) -> str | None:
    """The region code an account of ``role`` gets from what was typed or chosen: a code, or a name meaning one
    region of a level the role may hold. ``AccountError`` for the region field, in words for the manager, when it
    names none, several (``choices``), or one of the wrong level."""
    region = " ".join((region or "").split())
    levels = region_levels(role)
    if not region:
        if levels:
            raise AccountError(_("Pilih wilayah: peran ini perlu wilayah tingkat %(levels)s.",
                                 levels=_levels(levels)), "region")  # fmt: skip
        return None
    found = find_regions(region)
    fitting = [r for r in found if not levels or r.level in levels]
    if len(fitting) == 1:
        return fitting[0].code
    if len(fitting) > 1:
        raise AccountError(_("Ada %(num)d wilayah dengan nama itu. Pilih satu:", num=len(fitting)), "region", fitting)
    if found:
        raise AccountError(_("%(region)s bukan wilayah tingkat %(levels)s, yang diperlukan peran ini.",
                             region=found[0].label, levels=_levels(levels)), "region")  # fmt: skip
    raise AccountError(_("Wilayah bernama %(name)s tidak ditemukan. Cari dengan nama, misalnya Prodo, atau tulis "
                         "kodenya, misalnya 35.14.19.", name=region), "region")  # fmt: skip


def _levels(levels: tuple[str, ...]) -> str:
    return _(" atau ").join(str(LEVEL_WORDS.get(level, level)) for level in levels)


def _check(email: str, role: str, phone: str | None, agency_id: int | None) -> str | None:
    """What ``create_user`` would refuse, said in words for the manager under the field concerned; returns the
    phone number in its stored form."""
    if not EMAIL.match(normalize_email(email)):
        raise AccountError(_("Alamat email tidak sah, misalnya nama@desa.id."), "email")
    if (role == "agency") != bool(agency_id) or (agency_id and db.session.get(Agency, agency_id) is None):
        message = _("Pilih instansinya.") if role == "agency" else _("Hanya petugas instansi yang punya instansi.")
        raise AccountError(message, "agency")
    try:
        return normalize_phone(phone) if phone else None
    except InvalidPhone as exc:
        raise AccountError(_("Nomor HP tidak sah, misalnya 0812 3456 7890."), "phone") from exc


def create_account(manager: User, email: str, name: str, role: str, region: str | None, phone: str | None,
                   agency_id: int | None) -> tuple[User, str]:  # fmt: skip
    """A new account with a temporary password, to be changed at first sign-in; an agency's account is also a
    member of it (told of handovers by SMS when it has a phone). ``region`` is a code or a region's name
    (``account_region``). Returns the user and the password; ``AccountError`` says what is wrong, and where."""
    region_code = account_region(role, region)
    probe = User(role=role, region_code=region_code)
    if not manages(manager, probe):
        raise Forbidden(role)
    _check(email, role, phone, agency_id)
    taken = _taken_elsewhere(manager, email, phone)
    if taken:  # the same words as for an address that cannot be used at all: no one learns who has an account
        raise AccountError(taken, "email")
    password = temporary_password()
    try:
        user = create_user(email, name, role, password, region_code, phone or None, agency_id or None)
    except AccountError as exc:
        db.session.rollback()
        raise AccountError(_("Akun tidak dapat dibuat. Periksa isiannya.")) from exc
    user.must_change_password = True
    if role == "agency":
        db.session.add(AgencyMember(agency_id=agency_id, name=user.name, phone=user.phone, user_id=user.id))
    record(manager, "account_created", user.email, user.region_code, role=role)
    db.session.commit()
    return user, password


def _taken_elsewhere(manager: User, email: str, phone: str | None) -> str | None:
    """Why the email or phone cannot be used, when an account outside the manager's reach has it; an account the
    manager keeps is named as such (they can see it in their list anyway)."""
    clauses = [User.email == normalize_email(email or "")]
    try:
        if phone:
            clauses.append(User.phone == normalize_phone(phone))
    except InvalidPhone:
        pass  # create_user says why
    for other in db.session.scalars(select(User).where(or_(*clauses))):
        if manages(manager, other):
            return _("Email atau nomor HP itu sudah dipakai akun %(email)s di daftar Anda.", email=other.email)
        return _("Email atau nomor HP itu tidak dapat dipakai. Pakai yang lain.")
    return None


def reset_password(manager: User, user: User) -> str:
    """A new temporary password for ``user``; their sessions end and they must change it at sign-in."""
    if not manages(manager, user):
        raise Forbidden(user.email)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = utcnow()
    record(manager, "password_reset", user.email, user.region_code)
    db.session.commit()
    return password


def set_active(manager: User, user: User, active: bool) -> None:
    """Deactivate (or reactivate) an account: it can no longer sign in and its API token stops working; what it
    did stays on the timelines."""
    if not manages(manager, user) or user.id == manager.id:
        raise Forbidden(user.email)
    user.active = active
    for member in db.session.query(AgencyMember).filter(AgencyMember.user_id == user.id):
        member.active = active
    record(manager, "account_activated" if active else "account_deactivated", user.email, user.region_code)
    db.session.commit()


def change_own_password(user: User, current: str, new: str, repeated: str) -> None:
    """The user's own new password; ``AccountError`` says what is wrong and nothing changes."""
    if not user.check_password(current or ""):
        raise AccountError(_("Kata sandi sekarang salah."))
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Kata sandi baru paling sedikit %(num)d karakter.", num=MIN_PASSWORD_LENGTH))
    if new != repeated:
        raise AccountError(_("Ulangan kata sandi baru tidak sama."))
    if new == current:
        raise AccountError(_("Kata sandi baru harus berbeda dari yang lama."))
    user.set_password(new)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    db.session.commit()
