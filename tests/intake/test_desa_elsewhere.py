"""A report naming a desa of another kecamatan with its kecamatan ("banjir di desa X kec. Y", issue 28)."""

import itertools
from datetime import UTC, datetime

from conftest import signed_in
from webapp.extensions import db
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import Region, Report

WINONGAN, GRATI = "35.14.19", "35.14.20"
GRATITUNON = "35.14.20.1005"  # a kelurahan of Grati, Winongan's neighbour in Kabupaten Pasuruan
T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
_ids = itertools.count(1)


def sms(text, kecamatan=WINONGAN, phone="+6281234567890"):
    result = ingest(InboundMessage("sms", f"elsewhere-{next(_ids)}", text, kecamatan, phone, T0))
    return result, db.session.get(Report, result.report_id)


def test_a_desa_of_a_served_neighbour_goes_to_its_kecamatan(ctx):
    result, report = sms("banjir di desa gratitunon kec. grati 12 rumah terendam")
    assert (report.kecamatan_code, report.desa_code) == (GRATI, GRATITUNON)
    assert (report.incident.kecamatan_code, report.incident.desa_code) == (GRATI, GRATITUNON)
    # the villager is answered as usual (through the number written to: the webhook's answer)
    assert result.reply.startswith("Laporan banjir di Kelurahan Gratitunon diterima.")


def test_a_desa_of_this_kecamatan_stays(ctx):
    _result, report = sms("banjir di desa prodo kec. winongan")
    assert (report.kecamatan_code, report.desa_code) == (WINONGAN, "35.14.19.2009")


def test_a_desa_of_a_kecamatan_not_served_stays_flagged_for_staff(app, ctx, make_user):
    gratitunon = db.session.get(Region, GRATITUNON)
    kept = {"code": gratitunon.code, "level": gratitunon.level, "name": gratitunon.name, "parent_code": GRATI}
    db.session.delete(gratitunon)  # Tangguh does not serve it (yet)
    db.session.commit()
    try:
        result, report = sms("banjir di desa gratitunon kec. grati 12 rumah terendam")
        assert (report.kecamatan_code, report.desa_code) == (WINONGAN, None)
        assert report.incident.kecamatan_code == WINONGAN and report.incident.desa_code is None
        # the villager is not asked which desa again: told the report was received and is passed on
        assert result.reply == (
            f"Laporan banjir diterima, tiket {report.incident.ticket}. Kelurahan Gratitunon, Kec. Grati di luar "
            "kecamatan ini, petugas akan meneruskannya. Bila darurat hubungi 112."
        )
        assert report.question is None
        page = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get(f"/incidents/{report.incident_id}")
        assert "Kelurahan Gratitunon, Kec. Grati — di luar kecamatan ini" in page.get_data(as_text=True)
    finally:
        db.session.add(Region(**kept))
        db.session.commit()


def test_a_registered_villager_s_own_desa_does_not_stand_in_for_one_named_elsewhere(ctx):
    _result, first = sms("daftar budi prodo")
    assert first.reporter.desa_code == "35.14.19.2009"
    db.session.delete(db.session.get(Region, GRATITUNON))
    db.session.commit()
    try:
        _result, report = sms("banjir di gratitunon kecamatan grati")
        assert report.desa_code is None  # not Prodo, where the villager lives
        assert report.evidence["desa_outside"] == "Kelurahan Gratitunon, Kec. Grati"
    finally:
        db.session.add(Region(code=GRATITUNON, level="desa", name="Gratitunon", parent_code=GRATI))
        db.session.commit()
