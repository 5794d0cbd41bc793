"""The rules behind the setup pages (and the matching ``flask sms numbers`` / ``flask agencies`` commands).

``actor`` is the signed-in user, checked against the access table; None is the command line (an admin at the
server's shell). Every change is written to the audit log with the change itself.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from sms.phone import InvalidPhone, normalize_phone

from ..access import Forbidden, can, reaches, role_of, scope
from ..audit import record
from ..extensions import db
from ..messaging.gateway_health import device_rows, new_signing_key
from ..messaging.pool import set_send_rate
from ..models import GATEWAYS, MEMBER_CHANNELS, Agency, AgencyMember, ReceivingNumber, Region, User, utcnow


class SetupError(ValueError):
    """Input that cannot be saved; the message (in the page's language) says what is wrong. Nothing is written."""


def _allowed(actor: User | None, ability: str, place: str | None) -> None:
    if actor is None:
        return
    if place is None:
        if not can(actor, ability) or role_of(actor).levels:
            raise Forbidden(ability)
    elif not can(actor, ability, place):
        raise Forbidden(ability)


def _kecamatan(code: str) -> Region:
    region = db.session.get(Region, (code or "").strip())
    if region is None or region.level != "kecamatan":
        raise SetupError(_("%(code)s bukan kode kecamatan yang dikenal (misalnya 35.14.19).", code=code))
    return region


def _address(gateway: str, address: str) -> str:
    address = (address or "").strip()
    if gateway == "twilio":
        try:
            return normalize_phone(address)
        except InvalidPhone as exc:
            raise SetupError(_("Nomor Twilio tidak sah: %(number)s", number=address)) from exc
    device, _sep, sim = address.partition("/")
    if not device or len(address) > 100 or any(c.isspace() for c in address) or (_sep and not sim.isdigit()):
        raise SetupError(_("ID perangkat Android ditulis <deviceId> atau <deviceId>/<nomor SIM>, tanpa spasi."))
    return address


def _sim_phone(phone: str | None) -> str | None:
    if not phone or not phone.strip():
        return None
    try:
        return normalize_phone(phone)
    except InvalidPhone as exc:
        raise SetupError(_("Nomor SIM tidak sah: %(number)s", number=phone)) from exc


def numbers_for(user: User):
    """A query for the receiving numbers and devices ``user`` may see (their kecamatan, or all for admins)."""
    return select(ReceivingNumber).where(scope(user, ReceivingNumber, "gateway_status"))


def add_number(actor: User | None, gateway: str, address: str, kecamatan_code: str, label: str | None = None,
               phone: str | None = None, new_key: bool = True) -> tuple[ReceivingNumber, str | None]:  # fmt: skip
    """Map a Twilio number or an Android device (or one of its SIMs) to a kecamatan, replacing an earlier
    mapping of the same address. An Android device gets its own signing key (returned, to be shown once) unless
    it has one already or ``new_key`` is False (it then signs with ``ANDROID_WEBHOOK_SIGNING_KEY``). Commits."""
    if gateway not in GATEWAYS:
        raise SetupError(_("Jenis gateway tidak dikenal."))
    kecamatan = _kecamatan(kecamatan_code)
    _allowed(actor, "gateways", kecamatan.code)
    address = _address(gateway, address)
    if gateway == "android":
        _one_kecamatan(address, kecamatan)
    number = db.session.scalar(
        select(ReceivingNumber).where(ReceivingNumber.gateway == gateway, ReceivingNumber.address == address)
    )
    if number is not None:
        _allowed(actor, "gateways", number.kecamatan_code)  # taking a number from another kecamatan: theirs too
    else:
        number = ReceivingNumber(gateway=gateway, address=address, kecamatan_code=kecamatan.code, failures=0)
        db.session.add(number)
    number.kecamatan_code = kecamatan.code
    number.label = (label or "").strip()[:80] or number.label
    number.phone = _sim_phone(phone) or number.phone
    key = None
    if gateway == "android":
        shared = next((row.signing_key for row in device_rows(number.device) if row.signing_key), None)
        if shared:
            number.signing_key = shared  # one key per device, whichever SIM
        elif new_key:
            key = number.signing_key = new_signing_key()
            number.key_set_at = utcnow()
    record(actor, "number_added", f"{gateway} {address}", kecamatan.code, label=number.label)
    db.session.commit()
    return number, key


def _one_kecamatan(address: str, kecamatan: Region) -> None:
    """A gateway phone belongs to one kecamatan: another SIM of a device mapped elsewhere is refused (its key and
    its villagers' messages are that kecamatan's). Move a phone by removing its mappings there first."""
    device = address.partition("/")[0]
    elsewhere = [row for row in device_rows(device) if row.address != address and row.kecamatan_code != kecamatan.code]
    if elsewhere:
        where = elsewhere[0].kecamatan.label
        raise SetupError(_("HP gateway %(device)s sudah dipakai %(kecamatan)s: satu HP melayani satu kecamatan. "
                           "Hapus dulu pemetaannya di sana.", device=device, kecamatan=where))  # fmt: skip


def update_number(actor: User | None, number: ReceivingNumber, label: str | None, phone: str | None,
                  send_per_minute: int | None = None) -> None:  # fmt: skip
    """Rename a number, set its SIM's own number and how many SMS a minute it may send (None: the server's
    default, ``GATEWAY_SEND_PER_MINUTE``); commits."""
    _allowed(actor, "gateways", number.kecamatan_code)
    number.label = (label or "").strip()[:80] or None
    number.phone = _sim_phone(phone)
    try:
        set_send_rate(number, send_per_minute)
    except ValueError as exc:
        raise SetupError(_("SMS per menit harus antara 1 dan 6000.")) from exc
    record(actor, "number_changed", f"{number.gateway} {number.address}", number.kecamatan_code, label=number.label,
           send_per_minute=number.send_per_minute)  # fmt: skip
    db.session.commit()


def rotate_key(actor: User | None, number: ReceivingNumber) -> str:
    """A new signing key for the device (every SIM of it); the old one stops working at once. Commits."""
    _allowed(actor, "gateways", number.kecamatan_code)
    if number.gateway != "android":
        raise SetupError(_("Hanya HP gateway Android yang memakai kunci tanda tangan."))
    rows = device_rows(number.device)
    for row in rows:  # every mapping of the phone: a key is not the caller's to change for another kecamatan
        _allowed(actor, "gateways", row.kecamatan_code)
    key, now = new_signing_key(), utcnow()
    for row in rows:
        row.signing_key, row.key_set_at = key, now
    record(actor, "key_rotated", f"android {number.device}", number.kecamatan_code)
    db.session.commit()
    return key


def remove_number(actor: User | None, number: ReceivingNumber) -> None:
    """Forget a mapping: messages to it are refused until it is mapped again. Commits."""
    _allowed(actor, "gateways", number.kecamatan_code)
    record(actor, "number_removed", f"{number.gateway} {number.address}", number.kecamatan_code)
    db.session.delete(number)
    db.session.commit()


# --- Agencies ---------------------------------------------------------------------------------------------------


def agencies_for(user: User) -> list[Agency]:
    """The agencies ``user`` keeps: all for an admin; those covering a region inside theirs for staff."""
    agencies = db.session.scalars(select(Agency).order_by(Agency.active.desc(), Agency.name))
    return [a for a in agencies if may_keep(user, a)]


def may_keep(user: User, agency: Agency) -> bool:
    if not can(user, "agencies"):
        return False
    if agency.region_code is None:
        return not role_of(user).levels
    return reaches(user, agency.region_code)


def agency_areas(user: User) -> list[Region]:
    """The regions an agency kept by ``user`` may cover: their own and the kecamatan inside it."""
    if not role_of(user).levels:
        return []
    own = db.session.get(Region, user.region_code)
    inside = db.session.scalars(
        select(Region).where(Region.parent_code == own.code, Region.level == "kecamatan").order_by(Region.name)
    )
    return [own, *inside]


def _area(actor: User | None, code: str | None) -> str | None:
    code = (code or "").strip() or None
    if code is not None:
        region = db.session.get(Region, code)
        if region is None or region.level not in ("kabupaten", "kecamatan"):
            raise SetupError(_("Wilayah instansi harus kode kabupaten atau kecamatan yang dikenal."))
    _allowed(actor, "agencies", code)
    return code


def add_agency(actor: User | None, name: str, region_code: str | None) -> Agency:
    """Add an agency covering a kabupaten or kecamatan (none: wherever it is handed an incident), or make an
    inactive one of that name active again. Commits."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 80:
        raise SetupError(_("Nama instansi 1 sampai 80 karakter."))
    if not name.isascii():  # "Dаmkar" with a Cyrillic а looks like Damkar on every screen
        raise SetupError(_("Nama instansi hanya boleh huruf Latin biasa, angka dan tanda baca."))
    area = _area(actor, region_code)
    agency = db.session.scalar(select(Agency).where(func.lower(Agency.name) == name.lower()))
    if agency is not None:
        if actor is not None and not may_keep(actor, agency):
            raise SetupError(_("Nama %(name)s sudah dipakai instansi lain.", name=name))
        agency.active, agency.region_code = True, area
        record(actor, "agency_activated", agency.name, area)
    else:
        agency = Agency(name=name, active=True, region_code=area)
        db.session.add(agency)
        record(actor, "agency_added", name, area)
    db.session.commit()
    return agency


def set_agency_area(actor: User | None, agency: Agency, region_code: str | None) -> None:
    if actor is not None and not may_keep(actor, agency):
        raise Forbidden("agencies")
    agency.region_code = _area(actor, region_code)
    record(actor, "agency_changed", agency.name, agency.region_code)
    db.session.commit()


def set_agency_active(actor: User | None, agency: Agency, active: bool) -> None:
    """Stop offering an agency for handovers (incidents already handed to it keep it), or offer it again."""
    if actor is not None and not may_keep(actor, agency):
        raise Forbidden("agencies")
    agency.active = active
    record(actor, "agency_activated" if active else "agency_deactivated", agency.name, agency.region_code)
    db.session.commit()


def add_member(actor: User | None, agency: Agency, name: str, phone: str, channel: str = "sms",
               region_code: str | None = None) -> AgencyMember:  # fmt: skip
    """Someone at the agency told of handovers by SMS or WhatsApp, who answers TERIMA/TANGANI/SELESAI. Commits."""
    if actor is not None and not may_keep(actor, agency):
        raise Forbidden("agencies")
    name = " ".join((name or "").split())[:120]
    if not name:
        raise SetupError(_("Nama petugas wajib diisi."))
    if channel not in MEMBER_CHANNELS:
        raise SetupError(_("Saluran harus SMS atau WhatsApp."))
    try:
        phone = normalize_phone(phone or "")
    except InvalidPhone as exc:
        raise SetupError(_("Nomor HP tidak sah: %(number)s", number=phone)) from exc
    if db.session.scalar(select(AgencyMember.id).where(AgencyMember.phone == phone)):
        raise SetupError(_("%(number)s sudah terdaftar sebagai petugas instansi.", number=phone))
    area = _area(actor, region_code) if region_code else None
    member = AgencyMember(agency=agency, name=name, phone=phone, channel=channel, region_code=area, active=True)
    db.session.add(member)
    record(actor, "agency_member_added", f"{agency.name}: {name}", agency.region_code, channel=channel)
    db.session.commit()
    return member


def remove_member(actor: User | None, member: AgencyMember) -> None:
    """A member leaves: no more handover SMS; an account of theirs stays, deactivated separately."""
    if actor is not None and not may_keep(actor, member.agency):
        raise Forbidden("agencies")
    record(actor, "agency_member_removed", f"{member.agency.name}: {member.name}", member.agency.region_code)
    if member.user_id is None:
        db.session.delete(member)
    else:
        member.active = False
    db.session.commit()
