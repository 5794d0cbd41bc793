"""Which kecamatan a BMKG warning covers, and the words of the SMS draft each of them gets.

A kecamatan matches when the alert lists it under its kabupaten, when its position lies inside one of the
alert's polygons, or, for a felt earthquake, when its kabupaten is felt or it lies within
``WARNINGS_QUAKE_RADIUS_KM`` of the epicentre. A draft is at most ``MAX_SEGMENTS`` GSM-7 segments, with BMKG's
validity in the region's own clock.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from sms.gsm import encoding_of
from sms.replies import to_gsm7

from ..extensions import db
from ..models import Region, WarningAlert
from ..regions.gazetteer import ZONES, zone_for
from .feeds import distance_km, felt_kabupaten, inside, named_kecamatan
from .feeds import normalise as normalise_name

MAX_SEGMENTS = 2
DAYS = ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min")
ADVICE = {
    "banjir": "Waspada banjir & genangan, amankan dokumen, siap mengungsi bila air naik.",
    "cuaca_ekstrem": "Jauhi pohon besar & baliho, amankan atap, waspada banjir.",
    "gelombang_pasang": "Jangan melaut, jauhi pantai.",
    "gempabumi": "Waspada gempa susulan, jauhi bangunan retak.",
    "tsunami": "Segera menjauh dari pantai ke tempat tinggi.",
    "kekeringan": "Hemat air bersih.",
    "karhutla": "Jangan membakar lahan, laporkan titik api.",
}


# --- Matching ----------------------------------------------------------------------------------------------------


def _kecamatan() -> list[tuple[Region, Region]]:
    parent = aliased(Region)
    query = select(Region, parent).join(parent, Region.parent_code == parent.code).where(Region.level == "kecamatan")
    return [(kecamatan, kabupaten) for kecamatan, kabupaten in db.session.execute(query)]


def _key(name: str) -> str:
    """Names compared without spaces: BMKG writes "Batumandi" for Kemendagri's "Batu Mandi"."""
    return normalise_name(name).replace(" ", "")


def _bare(kabupaten_name: str) -> str:
    name = normalise_name(kabupaten_name)
    for prefix in ("kabupaten ", "kota "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def matched_kecamatan(alert: WarningAlert) -> dict[str, str]:
    """The kecamatan Tangguh holds that ``alert`` covers: {code: how} with how ``nama``, ``poligon``,
    ``dirasakan`` or ``radius``."""
    found: dict[str, str] = {}
    rows = _kecamatan()
    if alert.source == "nowcast":
        texts = [alert.description or ""] + [area["desc"] for area in alert.areas or []]
        pairs = {(_key(k), _key(c)) for k, c in named_kecamatan(texts)}
        rings = [ring for area in alert.areas or [] for ring in area["polygons"]]
        for kecamatan, kabupaten in rows:
            if (_key(kabupaten.name), _key(kecamatan.name)) in pairs:
                found[kecamatan.code] = "nama"
            elif kecamatan.latitude is not None and any(
                inside((kecamatan.latitude, kecamatan.longitude), [tuple(p) for p in ring]) for ring in rings
            ):
                found[kecamatan.code] = "poligon"
        return found
    felt = felt_kabupaten(alert.description or "")
    radius = current_app.config["WARNINGS_QUAKE_RADIUS_KM"]
    for kecamatan, kabupaten in rows:
        if _bare(kabupaten.name) in felt:
            found[kecamatan.code] = "dirasakan"
        elif _near(kecamatan, alert, radius):
            found[kecamatan.code] = "radius"
    return found


def _near(kecamatan: Region, alert: WarningAlert, radius_km: float) -> bool:
    if kecamatan.latitude is None or alert.latitude is None or not radius_km:
        return False
    return distance_km((kecamatan.latitude, kecamatan.longitude), (alert.latitude, alert.longitude)) <= radius_km


# --- The draft's words ---------------------------------------------------------------------------------------


def local_clock(moment: datetime, code: str) -> datetime:
    """A UTC time in the clock of the region (WIB, WITA, WIT)."""
    return moment.astimezone(ZONES[zone_for(code)])


def hour_minute(moment: datetime) -> str:
    """``14.05``: hours and minutes as an SMS writes them."""
    return moment.strftime("%H.%M")


def validity(alert: WarningAlert, code: str) -> str:
    """BMKG's validity window in the kecamatan's own clock: "Sen 1/12 14.20-17.00 WIB"."""
    end = local_clock(alert.expires_at, code)
    start = local_clock(alert.effective_at or alert.issued_at, code)
    day = f"{DAYS[start.weekday()]} {start.day}/{start.month}"
    if start.date() != end.date():
        until = f"{DAYS[end.weekday()]} {end.day}/{end.month} {hour_minute(end)}"
        return f"{day} {hour_minute(start)} - {until} {zone_for(code)}"
    return f"{day} {hour_minute(start)}-{hour_minute(end)} {zone_for(code)}"


def _fits(prefix: str, body: str) -> bool:
    return encoding_of(prefix + body).segments <= MAX_SEGMENTS and encoding_of(prefix + body).encoding == "GSM-7"


def draft_text(alert: WarningAlert, kecamatan: Region) -> str:
    """The draft's text after the broadcast prefix ("PERINGATAN DINI Kec. Winongan: "), at most two GSM-7
    segments with it: what BMKG warns of, when (the kecamatan's clock), what to do; "BMKG" named as the source."""
    prefix = f"PERINGATAN DINI Kec. {kecamatan.name}: "
    advice = ADVICE.get(alert.hazard, "")
    code = kecamatan.code
    if alert.source == "gempa":
        when = local_clock(alert.issued_at, code)
        day = f"{DAYS[when.weekday()]} {when.day}/{when.month}"
        what = f"BMKG: gempa M{alert.magnitude:.1f} {day} pukul {hour_minute(when)} "
        what += f"{zone_for(code)}, {alert.headline or ''}, dirasakan {alert.description or '-'}."
        tail = [f" {advice}"]
    else:
        what = f"BMKG {validity(alert, code)}: {alert.event.lower()} berpotensi terjadi di wilayah kita."
        tail = [f" {advice}"]
    what, tail = to_gsm7(what), [to_gsm7(t) for t in tail]
    for keep in range(len(tail), -1, -1):  # drop the advice before cutting BMKG's words
        body = what + "".join(tail[:keep])
        if _fits(prefix, body):
            return body
    while what and not _fits(prefix, what + ".."):
        what = what[: max(len(what) - 10, 0)]
    return what.rstrip(" ,.") + ".."
