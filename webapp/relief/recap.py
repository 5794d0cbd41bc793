"""The casualty and damage recap per desa (or per kecamatan of a kabupaten) in BNPB's columns: victims with luka
berat, luka ringan and the injured not split, the displaced and affected, houses, and damaged public facilities."""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from sqlalchemy import select

from sms.vocab import injuries_not_split

from ..extensions import db
from ..models import Incident
from .service import FACILITIES, facilities_total

VICTIMS = ("meninggal", "hilang", "luka_berat", "luka_ringan")
OTHERS = ("mengungsi", "mengungsi_kk", "terdampak", "terdampak_kk", "rumah_rusak_berat", "rumah_rusak_sedang",
          "rumah_rusak_ringan", "rumah_terendam")  # fmt: skip


TOTAL = "*"  # the whole area's key among the rows' (None is the row of incidents whose desa is not known)


def recap_facilities(board) -> dict:
    """{group key (``TOTAL``: the whole area): {facility type: damaged, all levels}} over the recap's incidents."""
    facts = {f.id: f for f in board.incidents if f.status != "ditolak"}
    totals: dict = defaultdict(lambda: defaultdict(int))
    if not facts:
        return {}
    for incident_id, b1 in db.session.execute(select(Incident.id, Incident.b1).where(Incident.id.in_(list(facts)))):
        fact = facts[incident_id]
        key = board.area.group_of(fact.kecamatan_code, fact.desa_code)
        for kind, number in facilities_total(b1).items():
            totals[key][kind] += number
            totals[TOTAL][kind] += number
    return {k: dict(v) for k, v in totals.items()}


def recap_rows_csv(board, facilities: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["no", "wilayah", "kejadian", *VICTIMS, "luka_belum_dirinci", *OTHERS,
                     *(f"fasilitas_{k}" for k in FACILITIES)])  # fmt: skip

    def row(n, label, group, key):
        t = {name: "" if value is None else value for name, value in group.totals.items()}  # "": nobody said
        unsplit = injuries_not_split(group.totals)
        f = facilities.get(key, {})
        return [n, label, group.incidents - group.statuses.get("ditolak", 0), *(t[k] for k in VICTIMS),
                "" if unsplit is None else unsplit, *(t[k] for k in OTHERS),
                *("" if f.get(k) is None else f[k] for k in FACILITIES)]  # fmt: skip

    for n, group in enumerate(board.by_area, start=1):
        writer.writerow(row(n, group.label, group, group.key))
    writer.writerow(row("", "Jumlah", board.overall, TOTAL))
    return out.getvalue()
