"""The smaller holes of the review (issue 26, #10), each reproduced as it was found; every test here failed on
the code before its fix."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from lxml import etree

from conftest import csrf_token, desa_code, signed_in
from webapp.extensions import db
from webapp.incidents import actions
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import Agency, AgencyMember, Broadcast, Handover, Incident, Region, Report, Reporter, utcnow
from webapp.operations.backup import backup
from webapp.public.service import PublishError, publish_incident
from webapp.setup.service import SetupError, add_agency

WINONGAN, REJOSO, LAMPIHONG = "35.14.19", "35.14.23", "63.11.05"


@pytest.mark.parametrize("summary", ["Hubungi +62 812 3456 7890", "Hubungi (0812) 3456 7890", "hub 0812-3456-7890"])
def test_no_resident_number_hides_in_a_public_summary_by_its_spacing(make_incident, make_user, summary):
    incident = make_incident(WINONGAN, "Gading")
    incident.status = "diverifikasi"
    with pytest.raises(PublishError, match="nomor telepon"):
        publish_incident(incident, make_user("kecamatan_staff", WINONGAN), summary)


def test_a_control_character_in_a_summary_never_breaks_the_feeds(app, make_incident, make_user):
    incident = make_incident(WINONGAN, "Gading")
    incident.status = "diverifikasi"
    publish_incident(incident, make_user("kecamatan_staff", WINONGAN), "Air surut\x0b, warga kembali\x1b")
    feed = app.test_client().get(f"/kecamatan/{WINONGAN}/feed.atom").data
    etree.fromstring(feed)  # well-formed XML
    assert b"warga kembali" in feed and b"\x1b" not in feed


def test_an_agency_member_answers_only_handovers_in_their_area(make_incident, ctx):
    agency = Agency(name="Puskesmas Keliling", active=True)
    elsewhere = AgencyMember(agency=agency, name="Perawat Lampihong", phone="+6281244440001", region_code=LAMPIHONG)
    db.session.add_all([agency, elsewhere])
    incident = make_incident(WINONGAN, "Gading")
    incident.ticket = "K7M3P"
    db.session.add(Handover(incident=incident, agency=agency))
    db.session.commit()
    reply = ingest(InboundMessage("sms", "terima-x", "TERIMA K7M3P", WINONGAN, elsewhere.phone)).reply
    assert "K7M3P" in reply and "dicatat" not in reply
    assert db.session.get(Incident, incident.id).handovers[0].acknowledged_at is None


def test_cek_tells_a_stranger_nothing_about_which_tickets_exist(make_incident, ctx):
    incident = make_incident(WINONGAN, "Gading")
    stranger = "+6289912340000"
    real = ingest(InboundMessage("sms", "cek-1", f"CEK {incident.ticket}", WINONGAN, stranger)).reply
    made_up = ingest(InboundMessage("sms", "cek-2", "CEK ZZZZZ", WINONGAN, stranger)).reply
    assert real.replace(incident.ticket, "?") == made_up.replace("ZZZZZ", "?")


def test_healthz_says_how_many_gateways_are_offline_not_where(app, ctx):
    from webapp.setup.service import add_number  # noqa: PLC0415 - one call

    number, _key = add_number(None, "android", "dev-lampihong", LAMPIHONG, new_key=False)
    number.offline_since = utcnow()
    db.session.commit()
    body = app.test_client().get("/healthz").get_data(as_text=True)
    assert LAMPIHONG not in body and "Lampihong" not in body and '"offline":1' in body.replace(" ", "")


def test_creating_an_account_does_not_tell_whether_an_email_exists_elsewhere(app, make_user):
    make_user("kecamatan_staff", LAMPIHONG, email="camat@lampihong.test")
    staff = make_user("kecamatan_staff", WINONGAN)
    client = signed_in(app, staff)
    token = csrf_token(client, "/akun")
    form = {"csrf_token": token, "name": "X", "role": "desa_official", "region": desa_code(WINONGAN, "Gading")}
    taken = client.post("/akun", data={**form, "email": "camat@lampihong.test"}).get_data(as_text=True)
    assert "camat@lampihong.test already exists" not in taken and "tidak dapat dipakai" in taken


def test_searching_residents_by_digits_does_not_unmask_their_numbers(app, make_user):
    db.session.add(Reporter(phone="+6281234567890", name="Bu Sari", desa_code=desa_code(WINONGAN, "Gading")))
    db.session.commit()
    client = signed_in(app, make_user("desa_official", WINONGAN, desa="Gading"))
    assert "Bu Sari" not in client.get("/residents?q=4567").get_data(as_text=True)  # a part of the number: nothing
    assert "Bu Sari" in client.get("/residents?q=081234567890").get_data(as_text=True)  # the whole number finds her
    assert "Bu Sari" in client.get("/residents?q=sari").get_data(as_text=True)


def test_a_hostile_cap_value_never_reaches_our_cap(app, make_user, ctx):
    from webapp.models import WarningAlert, WarningDraft  # noqa: PLC0415 - only this test builds a warning

    alert = WarningAlert(source="nowcast", identifier="CAP-h", event="Hujan", hazard="banjir", issued_at=utcnow(),
                         expires_at=utcnow() + timedelta(hours=3), matched=True, urgency="<Now!>",
                         severity="Catastrophic", certainty="Observed")  # fmt: skip
    draft = WarningDraft(alert=alert, kecamatan_code=WINONGAN, body="BMKG")
    staff = make_user("kecamatan_staff", WINONGAN)
    broadcast = Broadcast(key="b-h", kind="peringatan", body="PERINGATAN", kecamatan_code=WINONGAN,
                          created_by_id=staff.id, published_at=utcnow(), warning_draft=draft,
                          desa=[db.session.get(Region, desa_code(WINONGAN, "Gading"))])  # fmt: skip
    db.session.add_all([draft, broadcast])
    db.session.commit()
    cap = app.test_client().get(f"/publik/siaran/{broadcast.id}/cap.xml").data
    assert b"<urgency>Unknown</urgency>" in cap and b"<severity>Unknown</severity>" in cap
    assert b"<certainty>Observed</certainty>" in cap


def test_an_image_card_is_not_drawn_for_a_reader_who_has_it(app, make_incident, make_user, monkeypatch):
    incident = make_incident(WINONGAN, "Gading")
    incident.status = "diverifikasi"
    publish_incident(incident, make_user("kecamatan_staff", WINONGAN), None)
    client = app.test_client()
    first = client.get(f"/publik/insiden/{incident.id}.png")
    drawn = []
    monkeypatch.setattr("webapp.public.routes.render_card", lambda *args: drawn.append(args) or b"png")
    again = client.get(f"/publik/insiden/{incident.id}.png", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and drawn == []


def test_the_database_and_its_backups_are_their_owners_alone(app, tmp_path, ctx):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("a file mode is SQLite's; PostgreSQL keeps its own files")
    path = backup(url, tmp_path / "backups", keep=2)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(url.removeprefix("sqlite:///")).st_mode) == 0o600


def test_a_forged_host_header_never_reaches_share_links_in_production(app, make_incident, make_user, monkeypatch):
    incident = make_incident(WINONGAN, "Gading")
    incident.status = "diverifikasi"
    publish_incident(incident, make_user("kecamatan_staff", WINONGAN), None)
    monkeypatch.setitem(app.config, "TANGGUH_ENV", "production")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    page = app.test_client().get(f"/publik/insiden/{incident.id}", headers={"Host": "evil.example"})
    assert b"evil.example" not in page.data


def test_a_look_alike_agency_is_refused_and_another_kabupatens_agency_not_offered(app, make_incident, make_user):
    with pytest.raises(SetupError, match="huruf Latin"):
        add_agency(None, "D\u0430mkar", None)  # a Cyrillic а
    db.session.rollback()
    balangan = add_agency(None, "BPBD Balangan", "63.11")
    incident = make_incident(WINONGAN, "Gading")
    staff = make_user("kecamatan_staff", WINONGAN)
    assert "BPBD Balangan" not in signed_in(app, staff).get(f"/incidents/{incident.id}").get_data(as_text=True)
    with pytest.raises(actions.ActionError):
        actions.hand_over(incident, staff, balangan.id)
    assert db.session.query(Report).count() >= 1
