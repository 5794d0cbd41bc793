"""Areas and periods: what a page of figures covers (one kecamatan, one kabupaten or everything) and over which
days, read from its ``wilayah``, ``bulan``, ``dari`` and ``sampai`` parameters. The dashboard, the recap, the
daily situation report, SPM and the Kencana evidence all read them here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import true

from ..access import Forbidden, area_in_reach
from ..extensions import db
from ..models import Region, User
from .gazetteer import ZONES, zone_for


def requested_area() -> Region:
    """``wilayah=…`` or the user's own region: 403 outside the user's reach, 400 unless a kecamatan or kabupaten."""
    try:
        code = area_in_reach(current_user, request.args.get("wilayah") or None)
    except Forbidden:
        abort(403)
    region = db.session.get(Region, code) if code else None
    if region is None or region.level not in ("kecamatan", "kabupaten"):
        abort(Response(render_template("errors/error.html", status=400,
                                       message=_("Pilih kecamatan atau kabupaten (wilayah=…).")), 400))  # fmt: skip
    return region


MAX_DAYS = 366 * 2


class BadQuery(ValueError):
    """The period or area asked for cannot be read; the message is for the person asking."""


@dataclass(frozen=True)
class Area:
    """What the figures cover: one kecamatan (grouped by desa), one kabupaten or everything (by kecamatan)."""

    code: str | None  # a kecamatan or kabupaten code; None is every region
    label: str

    @property
    def is_kecamatan(self) -> bool:
        return self.code is not None and self.code.count(".") == 2

    @property
    def zone(self) -> ZoneInfo:
        return ZONES[zone_for(self.code)]

    def covers(self, kecamatan_column):
        """A condition on a kecamatan code column: inside this area."""
        if self.code is None:
            return true()
        if self.is_kecamatan:
            return kecamatan_column == self.code
        return kecamatan_column.like(f"{self.code}.%")

    def group_of(self, kecamatan_code: str, desa_code: str | None) -> str | None:
        """The row an incident or message falls in: its desa for a kecamatan, its kecamatan otherwise."""
        return desa_code if self.is_kecamatan else kecamatan_code


def area_for(user: User, requested: str | None) -> Area:
    """The kabupaten or kecamatan asked for, else the user's own region (everything for an admin); raises
    ``access.Forbidden`` for a region outside the user's reach."""
    code = area_in_reach(user, requested)
    if code is None:
        return Area(None, _("Semua wilayah"))
    region = db.session.get(Region, code)
    if region is None or region.level not in ("kabupaten", "kecamatan"):
        raise BadQuery(_("Wilayah %(code)s tidak dikenal.", code=code))
    return Area(code, region.label)


def read_day(raw: str) -> date:
    """A date as the page writes it (``24-11-2026``, day first) or as ISO (``2026-11-24``, links and the API)."""
    raw = raw.strip()
    match = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", raw)
    if match:
        return date(int(match[3]), int(match[2]), int(match[1]))
    return date.fromisoformat(raw)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1))

    @classmethod
    def from_args(cls, args, today: date) -> Period:
        """``bulan=2026-11``, or ``dari=2026-11-01&sampai=2026-11-30`` (or ``01-11-2026``, day first); the current
        month when neither is given."""
        month, start, end = args.get("bulan", ""), args.get("dari", ""), args.get("sampai", "")
        if month:
            match = re.fullmatch(r"(\d{4})-(\d{2})", month)
            if not match or not 1 <= int(match[2]) <= 12:
                raise BadQuery(_("Bulan harus berbentuk TTTT-BB, misalnya 2026-11."))
            return cls.month(int(match[1]), int(match[2]))
        if start or end:
            try:
                first, last = read_day(start), read_day(end)
            except ValueError as exc:
                raise BadQuery(_("Tanggal harus berbentuk HH-BB-TTTT, misalnya 01-11-2026.")) from exc
            if last < first:
                raise BadQuery(_("Tanggal akhir sebelum tanggal awal."))
            if (last - first).days > MAX_DAYS:
                raise BadQuery(_("Periode paling panjang dua tahun."))
            return cls(first, last)
        return cls.month(today.year, today.month)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as [start, end) in UTC, midnight to midnight in ``zone``."""
        start = datetime.combine(self.first, time(), zone).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone).astimezone(UTC)
        return start, end

    @property
    def is_month(self) -> bool:
        return self.first.day == 1 and self == Period.month(self.first.year, self.first.month)
