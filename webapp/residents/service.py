"""Residents: the people of a desa who receive its broadcasts.

A resident is a ``Reporter`` with a desa. They register themselves by SMS (``DAFTAR``), or a desa official or
kecamatan staff adds them one by one or from a CSV file (name, phone, desa). Nobody but the resident can undo
``BERHENTI``: adding or importing a number that opted out keeps it opted out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from sms.phone import InvalidPhone, normalize_phone

from ..access import can, desa_in_reach
from ..extensions import db
from ..models import Region, Reporter, User, utcnow

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
MAX_NAME = 120
HEADER_NAMES = {
    "name": ("nama", "name", "nama lengkap", "nama warga"),
    "phone": ("telepon", "nomor", "no hp", "hp", "nomor hp", "no. hp", "phone", "telp", "no telepon", "nomor telepon"),
    "desa": ("desa", "kelurahan", "desa/kelurahan", "village"),
}


class ResidentError(ValueError):
    """A resident that cannot be added as given; the message is for the person adding them."""


def residents_of(desa_codes: list[str], search: str = ""):
    """A query for the registered residents of ``desa_codes``, by desa then name; ``search`` finds a name by any
    part of it, but a number only whole (searching digit by digit would unmask the numbers the page masks)."""
    query = select(Reporter).where(Reporter.desa_code.in_(desa_codes))
    search = search.strip()
    if search:
        try:
            number = normalize_phone(search)
        except InvalidPhone:
            number = None
        like = f"%{search.lower()}%"
        query = query.where(or_(func.lower(Reporter.name).like(like), Reporter.phone == number))
    return query.order_by(Reporter.desa_code, func.lower(Reporter.name), Reporter.id)


def resident_counts(desa_codes: list[str]) -> tuple[int, int]:
    """(registered residents, of whom opted out) in ``desa_codes``."""
    total, opted_out = db.session.execute(
        select(func.count(Reporter.id), func.count(Reporter.id).filter(Reporter.opted_out.is_(True))).where(
            Reporter.desa_code.in_(desa_codes)
        )
    ).one()
    return total, opted_out


def read_phone(raw: str) -> str:
    """A phone number as people type it, or as a spreadsheet mangled it (a lost leading 0)."""
    raw = (raw or "").strip()
    if re.fullmatch(r"\d+([.,]\d+)?[eE]\+?\d+", raw):
        raise ResidentError(
            _("nomor telepon tertulis sebagai angka Excel (%(raw)s); simpan kolom nomor sebagai teks", raw=raw)
        )
    if re.fullmatch(r"8\d{8,11}", raw):  # 0812… saved as a number loses its 0
        raw = "0" + raw
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise ResidentError(_("nomor telepon tidak sah: %(raw)s", raw=raw or "-")) from exc


def _clean_name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise ResidentError(_("nama kosong"))
    if len(name) > MAX_NAME:
        raise ResidentError(_("nama terlalu panjang (maksimal %(max)s karakter)", max=MAX_NAME))
    return name


def register(user: User, name: str, phone: str, desa_code: str, source: str = "petugas") -> tuple[Reporter, str]:
    """Add or update one resident for ``user``; the caller commits. Returns the resident and what happened
    (``added``, ``updated`` or ``unchanged``). Raises ``ResidentError`` and changes nothing when refused."""
    allowed = {d.code for d in desa_in_reach(user, "residents")}
    if desa_code not in allowed:
        raise ResidentError(_("desa di luar wilayah Anda"))
    name, phone = _clean_name(name), read_phone(phone)
    resident = db.session.scalar(select(Reporter).where(Reporter.phone == phone))
    if resident is None:
        resident = Reporter(phone=phone, opted_out=False)
        db.session.add(resident)
        outcome = "added"
    elif resident.desa_code is not None and resident.desa_code not in allowed:
        raise ResidentError(_("nomor ini sudah terdaftar sebagai warga desa lain"))
    elif resident.desa_code == desa_code and resident.name == name:
        return resident, "unchanged"
    else:
        outcome = "updated" if resident.desa_code else "added"
    if resident.desa_code is None:
        resident.source, resident.registered_at, resident.added_by_id = source, utcnow(), user.id
    resident.name, resident.desa_code = name, desa_code
    return resident, outcome


def unregister(user: User, resident: Reporter) -> None:
    """Take a resident off their desa's list (their reports stay); the caller commits."""
    if not resident.desa_code or not can(user, "residents", resident.desa_code):
        raise ResidentError(_("warga di luar wilayah Anda"))
    resident.desa_code = None
    resident.source = resident.registered_at = resident.added_by_id = None


# --- CSV import --------------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    opted_out: int = 0  # imported numbers that sent BERHENTI earlier: kept, and still receive nothing
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def imported(self) -> int:
        return self.added + self.updated + self.unchanged


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Windows saves "CSV" in the ANSI code page
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ResidentError(_("Berkas tidak dapat dibaca sebagai teks CSV."))


def _rows(text: str) -> list[list[str]]:
    text = text.replace("\x00", "")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)  # newline="": \r\n, \n and a lone \r all end a row
    try:
        return list(reader)
    except csv.Error as exc:
        raise ResidentError(_("Berkas CSV rusak di baris %(line)d.", line=reader.line_num)) from exc


def _columns(header: list[str]) -> dict[str, int] | None:
    """Column positions when the first row is a header (nama, telepon, desa in any order), else None."""
    names = [" ".join(cell.strip().lower().split()) for cell in header]
    found = {}
    for key, accepted in HEADER_NAMES.items():
        for position, cell in enumerate(names):
            if cell in accepted:
                found[key] = position
                break
    return found if {"name", "phone"} <= set(found) else None


def _desa_lookup(desa: list[Region]) -> dict[str, str]:
    lookup = {}
    for region in desa:
        for spelling in (region.name, region.label, region.code):
            lookup[re.sub(r"\s+", "", spelling.lower())] = region.code
    return lookup


def import_csv(user: User, data: bytes) -> ImportReport:
    """Import residents from a CSV file: every good row is added, every bad row is reported by line number.

    Columns: name, phone, desa (desa name, "Desa …" or its code), with or without a header row, separated by
    commas, semicolons or tabs. Someone who keeps one desa only (a desa official) may leave the desa empty.
    The caller commits.
    """
    if len(data) > MAX_IMPORT_BYTES:
        raise ResidentError(_("Berkas terlalu besar (maksimal 1 MB)."))
    rows = _rows(_decode(data))
    if not rows:
        raise ResidentError(_("Berkas kosong."))
    columns = _columns(rows[0])
    first_line = 2 if columns else 1
    body = rows[1:] if columns else rows
    if len(body) > MAX_IMPORT_ROWS:
        raise ResidentError(_("Terlalu banyak baris (maksimal %(max)s).", max=MAX_IMPORT_ROWS))
    columns = columns or {"name": 0, "phone": 1, "desa": 2}
    desa = desa_in_reach(user, "residents")
    lookup = _desa_lookup(desa)
    own_desa = desa[0].code if len(desa) == 1 else None  # a desa official's own desa may be left out

    report = ImportReport()
    seen: dict[str, int] = {}
    for line, row in enumerate(body, start=first_line):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row=row) -> str:
            position = columns.get(key)
            return row[position].strip() if position is not None and position < len(row) else ""

        try:
            raw_desa = cell("desa")
            desa_code = lookup.get(re.sub(r"\s+", "", raw_desa.lower())) if raw_desa else own_desa
            if desa_code is None:
                raise ResidentError(
                    _('desa "%(desa)s" tidak ada di wilayah Anda', desa=raw_desa) if raw_desa else _("desa kosong")
                )
            phone = read_phone(cell("phone"))
            if phone in seen:
                raise ResidentError(_("nomor sama dengan baris %(line)s", line=seen[phone]))
            with db.session.begin_nested():
                resident, outcome = register(user, cell("name"), phone, desa_code, source="csv")
                db.session.flush()
        except ResidentError as exc:
            report.errors.append((line, str(exc)))
            continue
        seen[phone] = line
        setattr(report, outcome, getattr(report, outcome) + 1)
        report.opted_out += bool(resident.opted_out)
    return report
