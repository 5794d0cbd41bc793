"""The web report form: the same door as SMS, without JavaScript, exactly once per Idempotency-Key."""

import gzip
import io
import re

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, desa_code, signed_in
from webapp.extensions import db
from webapp.models import Incident, Report

WINONGAN = "35.14.19"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000


def form_fields(client) -> dict:
    html = client.get("/reports/new").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', html).group(1)
    return {"csrf_token": csrf_token(client, "/reports/new"), "idempotency_key": key}


def reports() -> list[Report]:
    db.session.expire_all()
    return list(db.session.scalars(select(Report)))


@pytest.fixture
def official(make_user):
    return make_user("desa_official", WINONGAN, desa="Sumberrejo", phone="081277776666")


def valid(**extra) -> dict:
    return {
        "hazard": "banjir",
        "desa": desa_code(WINONGAN, "Sumberrejo"),
        "dusun": "Krajan",
        "rt": "03",
        "rw": "01",
        "description": "Air masuk rumah warga setinggi 50 cm",
        "rumah_terendam": "14",
        "mengungsi_kk": "5",
        "needs": ["air_bersih", "tenda"],
        "latitude": "-7.7412",
        "longitude": "112.9876",
        **extra,
    }


def test_form_is_small_and_defaults_to_the_officials_desa(app, official):
    page = signed_in(app, official).get("/reports/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Lapor kejadian" in html
    assert re.findall(r'<option[^>]*value="(35\.14\.19\.\d{4})"', html) == [desa_code(WINONGAN, "Sumberrejo")]
    assert 'enctype="multipart/form-data"' in html and "Air bersih" in html
    assert len(gzip.compress(page.data)) < 14 * 1024


def test_no_hazard_is_chosen_for_the_reporter_and_the_photo_needs_no_care(app, official):
    html = signed_in(app, official).get("/reports/new").get_data(as_text=True)
    hazard = re.search(r'<select[^>]*id="hazard".*?</select>', html, re.S).group(0)
    assert re.findall(r"<option selected[^>]*>([^<]*)<", hazard) == ["— pilih jenis bencana —"]  # no hazard chosen
    assert "HP ini mengecilkan foto sendiri" in html and "100 KB" not in html


def test_a_report_goes_through_the_intake_door(app, official):
    client = signed_in(app, official)
    response = client.post("/reports/new", data={**form_fields(client), **valid()})
    (report,) = reports()
    incident = report.incident
    assert response.status_code == 303 and response.headers["Location"] == f"/incidents/{incident.id}"
    assert (report.channel, report.hazard, report.desa_code) == ("web", "banjir", desa_code(WINONGAN, "Sumberrejo"))
    assert report.counts == {"rumah_terendam": 14, "mengungsi_kk": 5}
    assert report.details == {"dusun": "Krajan", "rt": "03", "rw": "01", "needs": ["air_bersih", "tenda"]}
    assert (report.latitude, report.longitude) == (-7.7412, 112.9876)
    assert report.submitted_by_id == official.id and report.reporter.phone == "+6281277776666"
    assert incident.rumah_terendam == 14
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Laporan terkirim. Tiket: {incident.ticket}" in page and "Air bersih, Tenda/hunian" in page


def test_web_and_sms_reports_of_one_flood_share_an_incident(app, official):
    from webapp.intake.ingest import InboundMessage, ingest

    first = ingest(InboundMessage("sms", "SM-x", "banjir di sumberejo 20 rumah terendam", WINONGAN, "+6281100000001"))
    client = signed_in(app, official)
    client.post("/reports/new", data={**form_fields(client), **valid()})
    assert {r.incident_id for r in reports()} == {db.session.get(Report, first.report_id).incident_id}
    assert db.session.scalar(select(Incident.rumah_terendam)) == 20


def test_the_same_key_twice_is_one_report(app, official):
    client = signed_in(app, official)
    fields = form_fields(client)
    first = client.post("/reports/new", data={**fields, **valid()})
    again = client.post("/reports/new", data={**fields, **valid()})
    assert first.headers["Location"] == again.headers["Location"]
    assert len(reports()) == 1


def test_the_outbox_key_header_wins(app, official):
    client = signed_in(app, official)
    fields = form_fields(client)
    headers = {"Idempotency-Key": "outbox-7f3a9c21"}
    client.post("/reports/new", data={**fields, **valid()}, headers=headers)
    client.post("/reports/new", data={**fields, "idempotency_key": "another-key-1234", **valid()}, headers=headers)
    assert [r.external_id for r in reports()] == [f"u{official.id}:outbox-7f3a9c21"]


def test_a_description_that_starts_like_a_command_is_still_a_report(app, official):
    client = signed_in(app, official)
    client.post("/reports/new", data={**form_fields(client), **valid(description="stop, air naik terus")})
    (report,) = reports()
    assert report.command == "lapor" and report.incident is not None


def test_a_photo_is_kept_and_shown_to_those_who_may_see_it(app, official, make_user):
    client = signed_in(app, official)
    data = {**form_fields(client), **valid(), "photo": (io.BytesIO(PNG), "banjir.png")}
    client.post("/reports/new", data=data, content_type="multipart/form-data")
    (report,) = reports()
    photo = client.get(f"/reports/{report.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == PNG
    other = signed_in(app, make_user("desa_official", WINONGAN, desa="Gading"))
    assert other.get(f"/reports/{report.id}/photo").status_code == 403


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"description": ""}, "Ceritakan apa yang terjadi."),
        ({"hazard": "zombie"}, "Pilihan tidak sah."),
        ({"hazard": ""}, '<p class="error" id="hazard-error">Pilih jenis bencana.</p>'),
        ({"rt": "tiga"}, "RT berupa angka."),
        ({"rumah_terendam": "-3"}, "Angka harus antara 0 dan 1000000."),
        ({"latitude": "95"}, "Angka harus antara -90 dan 90."),
        ({"longitude": ""}, "Lokasi GPS tidak lengkap."),
        ({"idempotency_key": "x"}, "Muat ulang halaman"),
        ({"luka": "dua"}, "Harus bilangan bulat."),
        ({"photo": (io.BytesIO(b"GIF89a" + b"\x00" * 100), "x.gif")}, "Foto harus JPEG, PNG atau WebP."),
        ({"photo": (io.BytesIO(b"\xff\xd8\xff" + b"\x00" * 110_000), "x.jpg")}, "Foto terlalu besar"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_nothing_stored(app, official, change, message):
    client = signed_in(app, official)
    response = client.post(
        "/reports/new", data={**form_fields(client), **valid(), **change}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert "Laporan belum terkirim" in response.get_data(as_text=True)
    assert reports() == [] and db.session.scalar(select(func.count()).select_from(Incident)) == 0


def test_a_desa_outside_the_officials_own_is_refused_outright(app, official):
    client = signed_in(app, official)
    gading = {"desa": "35.14.19.2018"}  # not this official's desa
    response = client.post("/reports/new", data={**form_fields(client), **valid(), **gading})
    assert response.status_code == 403
    assert reports() == [] and db.session.scalar(select(func.count()).select_from(Incident)) == 0


def test_csrf_is_required(app, official):
    client = signed_in(app, official)
    fields = form_fields(client)
    del fields["csrf_token"]
    assert client.post("/reports/new", data={**fields, **valid()}).status_code == 400
    assert reports() == []


def test_staff_choose_among_their_kecamatan_and_admins_are_refused(app, make_user):
    staff = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    assert len(re.findall(r'<option[^>]*value="35\.14\.19\.', staff.get("/reports/new").get_data(as_text=True))) == 18
    assert signed_in(app, make_user("admin")).get("/reports/new").status_code == 403
