"""The evidence Tangguh holds for a kecamatan's Kencana self-assessment (Pratama, Madya, Utama review).

Tangguh does not score the kecamatan: the Kemendagri review does. This groups what is recorded under the
headings a reviewer asks about; the grouping is Tangguh's, not the official list of criteria.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..models import Broadcast, DesaInfo, Handover, Incident, PreparednessActivity, Region
from .service import _bounds, _within, achievement


@dataclass(frozen=True)
class Evidence:
    heading: str
    facts: list[tuple[str, str]]  # (what, how much)


def evidence(region: Region, first: date, last: date) -> list[Evidence]:
    start, end = _bounds(first, last, region.code)
    figures = achievement(region, first, last)
    activities = dict(db.session.execute(
        select(PreparednessActivity.kind, func.count()).where(
            _within(PreparednessActivity.kecamatan_code, region.code), PreparednessActivity.held_on >= first,
            PreparednessActivity.held_on <= last).group_by(PreparednessActivity.kind)).all())  # fmt: skip
    broadcasts = dict(db.session.execute(
        select(Broadcast.kind, func.count()).where(_within(Broadcast.kecamatan_code, region.code),
                                                   Broadcast.created_at >= start, Broadcast.created_at < end)
        .group_by(Broadcast.kind)).all())  # fmt: skip
    bmkg = db.session.scalar(select(func.count()).select_from(Broadcast).where(
        _within(Broadcast.kecamatan_code, region.code), Broadcast.warning_draft_id.is_not(None),
        Broadcast.created_at >= start, Broadcast.created_at < end))  # fmt: skip
    handovers = db.session.execute(
        select(func.count(), func.count(func.distinct(Handover.agency_id)), func.count(Handover.acknowledged_at))
        .join(Incident, Handover.incident_id == Incident.id)
        .where(_within(Incident.kecamatan_code, region.code), Handover.created_at >= start, Handover.created_at < end)
    ).one()  # fmt: skip
    levels = dict(db.session.execute(
        select(DesaInfo.destana_level, func.count()).where(_within(DesaInfo.desa_code, region.code),
                                                           DesaInfo.destana_level.is_not(None))
        .group_by(DesaInfo.destana_level)).all())  # fmt: skip
    desa_total = db.session.scalar(select(func.count()).select_from(Region).where(
        Region.level == "desa", Region.code.like(f"{region.code}.%")))  # fmt: skip
    share = figures.verified_share
    return [
        Evidence(_("Informasi dan sosialisasi"), [
            (_("Sesi sosialisasi/KIE tercatat"), str(activities.get("sosialisasi", 0))),
            (_("Peserta sosialisasi"), str(figures.total.sessions)),
            (_("Siaran informasi rawan bencana"), str(broadcasts.get("informasi", 0))),
            (_("Warga yang menerima informasi"), str(figures.total.informed)),
        ]),
        Evidence(_("Kesiapsiagaan"), [
            (_("Gladi/simulasi"), str(activities.get("gladi", 0))),
            (_("Pelatihan"), str(activities.get("pelatihan", 0))),
            (_("Peserta gladi dan pelatihan"), str(figures.total.drilled)),
            (_("Rencana kontinjensi"), str(activities.get("rencana_kontinjensi", 0))),
            (_("Kajian risiko"), str(activities.get("kajian_risiko", 0))),
            (_("Peralatan dicatat"), str(activities.get("peralatan", 0))),
        ]),
        Evidence(_("Peringatan dini"), [
            (_("Peringatan dini disiarkan"), str(broadcasts.get("peringatan", 0))),
            (_("Dari peringatan BMKG"), str(bmkg)),
            (_("Warga yang menerima peringatan"), str(figures.total.warned)),
        ]),
        Evidence(_("Respon dan koordinasi dengan instansi"), [
            (_("Insiden diverifikasi dalam %(hours)s jam (%(source)s)", hours=f"{figures.target_hours:g}",
               source=figures.target_source),
             _("%(num)d dari %(of)d", num=figures.verified_within, of=figures.verifiable)
             + (f" ({100 * share:.0f} %)" if share is not None else "")),
            (_("Penyerahan ke instansi"), str(handovers[0])),
            (_("Instansi yang dilibatkan"), str(handovers[1])),
            (_("Penyerahan yang diterima instansi"), str(handovers[2])),
            (_("Korban dievakuasi/ditolong (layanan 3)"),
             _("%(num)d dari %(of)d", num=figures.total.rescue.served, of=figures.total.rescue.should)),
        ]),
        Evidence(_("Destana (Kencana yang momong Destana)"), [
            (_("Desa/kelurahan di wilayah"), str(desa_total)),
            (_("Destana Pratama"), str(levels.get("pratama", 0))),
            (_("Destana Madya"), str(levels.get("madya", 0))),
            (_("Destana Utama"), str(levels.get("utama", 0))),
        ]),
    ]  # fmt: skip
