"""The dashboard's figures as files and data: CSV for Excel, GeoJSON for maps, a dict for the JSON API."""

from __future__ import annotations

import csv
import io

from sms.vocab import COUNT_FIELDS

from ..incidents.facts import MILESTONES
from ..incidents.service import locations
from ..regions.gazetteer import zone_for
from .service import Dashboard, Durations, Group

CSV_COLUMNS = ("tiket", "jenis_bencana", "status", "kecamatan", "desa")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def incidents_csv(board: Dashboard, names: dict[str, str], delimiter: str = ",") -> str:
    """One row per incident, UTF-8 with a BOM so that Excel reads it as UTF-8.

    With ``;`` (Excel set to Indonesian, where the comma is the decimal mark) hours use a decimal comma.
    Times are in the region's own clock, named in the header.
    """
    zone_name = zone_for(board.area.code)
    zone = board.area.zone
    decimal = "," if delimiter == ";" else "."
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(
        [*CSV_COLUMNS, f"laporan_pertama ({zone_name})", *(f"{s} ({zone_name})" for s in MILESTONES),
         *(f"jam_sampai_{s}" for s in MILESTONES), *COUNT_FIELDS, "lintang", "bujur"]
    )  # fmt: skip
    places = locations([i.id for i in board.incidents])
    for incident in board.incidents:
        hours = [incident.hours_to(s) for s in MILESTONES]
        longitude, latitude = places.get(incident.id, (None, None))
        writer.writerow(
            [
                _cell(incident.ticket),
                _cell(incident.hazard),
                _cell(incident.status),
                _cell(names.get(incident.kecamatan_code)),
                _cell(names.get(incident.desa_code)),
                incident.first_report.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                *(incident.reached[s].astimezone(zone).strftime("%Y-%m-%d %H:%M") if s in incident.reached else ""
                  for s in MILESTONES),
                *("" if h is None else f"{h:.2f}".replace(".", decimal) for h in hours),
                *("" if incident.counts[name] is None else incident.counts[name] for name in COUNT_FIELDS),
                "" if latitude is None else f"{latitude:.6f}".replace(".", decimal),
                "" if longitude is None else f"{longitude:.6f}".replace(".", decimal),
            ]
        )  # fmt: skip
    return out.getvalue()


def incidents_geojson(board: Dashboard, names: dict[str, str]) -> dict:
    """A FeatureCollection of the period's incidents that have a GPS position (RFC 7946: longitude first)."""
    places = locations([i.id for i in board.incidents])
    features = []
    for incident in board.incidents:
        if incident.id not in places:
            continue
        longitude, latitude = places[incident.id]
        features.append(
            {
                "type": "Feature",
                "id": incident.ticket,
                "geometry": {"type": "Point", "coordinates": [round(longitude, 6), round(latitude, 6)]},
                "properties": {
                    "ticket": incident.ticket,
                    "hazard": incident.hazard,
                    "status": incident.status,
                    "kecamatan": names.get(incident.kecamatan_code),
                    "desa": names.get(incident.desa_code),
                    "first_report": incident.first_report.isoformat().replace("+00:00", "Z"),
                    **{name: value for name, value in incident.counts.items() if value is not None},
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _durations(times: dict[str, Durations]) -> dict:
    return {
        status: {"count": d.count, "median_hours": _round(d.median), "p90_hours": _round(d.p90)}
        for status, d in times.items()
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _group(group: Group) -> dict:
    return {
        "code": group.key,
        "name": group.label,
        "incidents": group.incidents,
        "statuses": group.statuses,
        "response_times": _durations(group.times),
        "verified_within_24h": {
            "verified": group.verified_24h,
            "of": group.decidable_24h,
            "pending": group.pending_24h,
            "share": _round(group.share_24h),
        },
        "totals": group.totals,
        "broadcasts": group.broadcasts,
        "residents_reached": group.residents_reached,
    }


def dashboard_json(board: Dashboard) -> dict:
    return {
        "area": {"code": board.area.code, "name": board.area.label},
        "period": {"from": board.period.first.isoformat(), "to": board.period.last.isoformat()},
        "overall": _group(board.overall),
        "by_area": [_group(g) for g in board.by_area],
        "by_hazard": [_group(g) for g in board.by_hazard],
    }
