"""Template helpers: labels from the domain vocabulary and times in the region's own time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import get_locale
from flask_login import current_user

from sms.vocab import COUNT_LABELS, HAZARDS

from .auth.forms import LogoutForm
from .models import SEVERITIES

STATUS_LABELS = {
    "baru": "Baru",
    "diverifikasi": "Diverifikasi",
    "ditangani": "Ditangani",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
    "digabung": "Digabung",
}

# Province code prefixes by Indonesian time zone; everything else is WIB (Asia/Jakarta).
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96", "97"}
_ZONES = {
    "WIB": ZoneInfo("Asia/Jakarta"),
    "WITA": ZoneInfo("Asia/Makassar"),
    "WIT": ZoneInfo("Asia/Jayapura"),
}


def zone_for(region_code: str | None) -> str:
    """WIB, WITA or WIT for a region code: Balangan (63.11) is WITA, Pasuruan (35.14) WIB."""
    province = (region_code or "")[:2]
    return "WITA" if province in _WITA else "WIT" if province in _WIT else "WIB"


def local_time(moment: datetime | None, region_code: str | None = None) -> str:
    """``22-11-2026 14:05 WITA``: a UTC time shown in the clock of the region it happened in."""
    if moment is None:
        return ""
    zone = zone_for(region_code)
    return moment.astimezone(_ZONES[zone]).strftime("%d-%m-%Y %H:%M ") + zone


def init_app(app):
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals.update(
        HAZARDS=HAZARDS,
        COUNT_LABELS=COUNT_LABELS,
        STATUS_LABELS=STATUS_LABELS,
        SEVERITIES=SEVERITIES,
        get_locale=get_locale,
    )

    @app.context_processor
    def _forms():
        return {"logout_form": LogoutForm() if current_user.is_authenticated else None}
