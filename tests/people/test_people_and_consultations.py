"""Accounts in the browser (temporary passwords, deactivation, one's own password) and konsultasi."""

import re

import pytest
from sqlalchemy import select

from conftest import PASSWORD, csrf_token, login, signed_in
from webapp.accounts import issue_api_token
from webapp.extensions import db
from webapp.models import Agency, AgencyMember, Consultation, User

WINONGAN, REJOSO = "35.14.19", "35.14.23"
GADING = "35.14.19.2018"


def test_staff_create_a_desa_official_who_must_change_the_temporary_password(app, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    client = signed_in(app, staff)
    token = csrf_token(client, "/akun")
    page = client.post("/akun", data={"csrf_token": token, "name": "Kades Gading", "email": "kades@gading.test",
                                      "role": "desa_official", "region": GADING})  # fmt: skip
    html = page.get_data(as_text=True)
    password = re.search(r'Kata sandi sementara untuk kades@gading.test:</strong> <span class="ticket">(\w+)</span>',
                         html)[1]  # fmt: skip
    assert page.status_code == 200 and len(password) == 12
    rejoso = {"csrf_token": token, "name": "X", "email": "x@rejoso.test", "role": "desa_official",
              "region": "35.14.23.2001"}  # fmt: skip
    assert client.post("/akun", data=rejoso).status_code == 403
    assert client.post("/akun", data={"csrf_token": token, "name": "Y", "email": "y@winongan.test",
                                      "role": "kecamatan_staff", "region": GADING}).status_code == 422  # fmt: skip

    official = app.test_client()
    login(official, "kades@gading.test", password)
    assert official.get("/beranda").headers["Location"] == "/sandi"  # nothing else before a password of one's own
    token = csrf_token(official, "/sandi")
    short = official.post(
        "/sandi", data={"csrf_token": token, "current": password, "new": "pendek", "repeat": "pendek"}
    )
    assert short.status_code == 422 and "paling sedikit 8 karakter" in short.get_data(as_text=True)
    done = official.post("/sandi", data={"csrf_token": token, "current": password, "new": "sandi-baru-saya",
                                         "repeat": "sandi-baru-saya"})  # fmt: skip
    assert done.status_code == 303 and official.get("/beranda").status_code == 200


def test_a_reset_ends_the_old_session_and_deactivation_stops_sign_in_and_token(app, make_user, make_incident):
    staff, official = make_user("kecamatan_staff", WINONGAN), make_user("desa_official", WINONGAN, desa="Gading")
    incident = make_incident(WINONGAN, "Gading")
    from webapp.incidents import actions

    actions.add_note(incident, official, "air naik")
    token = issue_api_token(official)
    browser = signed_in(app, official)
    manager = signed_in(app, staff)
    csrf = csrf_token(manager, "/akun")
    manager.post(f"/akun/{official.id}/sandi", data={"csrf_token": csrf})
    assert browser.get("/beranda").headers["Location"] == "/login"  # the old session ended with the reset
    manager.post(f"/akun/{official.id}/aktif", data={"csrf_token": csrf})
    db.session.expire_all()
    assert db.session.get(User, official.id).active is False
    assert login(app.test_client(), official.email, PASSWORD).status_code == 422
    assert app.test_client().get("/api/incidents", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert any(e.actor_id == official.id for e in incident.events)  # what they did stays on the timeline


def test_an_admin_creates_an_agency_account_that_is_also_a_member(app, make_user):
    damkar = db.session.scalar(select(Agency).where(Agency.name == "Damkar"))
    client = signed_in(app, make_user("admin"))
    token = csrf_token(client, "/akun")
    client.post(
        "/akun",
        data={
            "csrf_token": token,
            "name": "Komandan Regu",
            "email": "regu@damkar.test",
            "role": "agency",
            "region": "35.14",
            "agency": str(damkar.id),
            "phone": "0812 5555 0009",
        },
    )
    member = db.session.scalar(select(AgencyMember).where(AgencyMember.phone == "+6281255550009"))
    assert member.agency_id == damkar.id and member.user.email == "regu@damkar.test"


def test_a_question_is_asked_forwarded_answered_and_seen_by_its_asker(app, make_user):
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    pmi = db.session.scalar(select(Agency).where(Agency.name == "PMI"))
    member = make_user("agency", "35.14", agency=pmi.id)
    asker = signed_in(app, official)
    token = csrf_token(asker, "/konsultasi/baru")
    data = {"csrf_token": token, "question": "Tanggul Kali Rejoso retak 3 m, apa yang harus kami lakukan?",
            "idempotency_key": "tanya-0001"}  # fmt: skip
    first = asker.post("/konsultasi/baru", data=data, headers={"X-Tangguh-Outbox": "1"})
    again = asker.post("/konsultasi/baru", data=data, headers={"X-Tangguh-Outbox": "1"})
    assert first.status_code == 201 and again.json == first.json  # the outbox sends it again: stored once
    (question,) = db.session.scalars(select(Consultation))
    assert question.status == "terbuka" and question.desa_code == GADING

    kecamatan = signed_in(app, staff)
    assert "Tanggul Kali Rejoso" in kecamatan.get("/konsultasi").get_data(as_text=True)
    agency = signed_in(app, member)
    assert "Tanggul" not in agency.get("/konsultasi").get_data(as_text=True)  # not forwarded yet
    token = csrf_token(kecamatan, f"/konsultasi/{question.id}")
    kecamatan.post(f"/konsultasi/{question.id}/teruskan", data={"csrf_token": token, "agency_id": str(pmi.id)})
    assert "Tanggul" in agency.get("/konsultasi").get_data(as_text=True)
    token = csrf_token(agency, f"/konsultasi/{question.id}")
    assert (
        agency.post(
            f"/konsultasi/{question.id}/teruskan", data={"csrf_token": token, "agency_id": str(pmi.id)}
        ).status_code
        == 403
    )
    agency.post(f"/konsultasi/{question.id}/jawab", data={"csrf_token": token, "text": "Tim PMI datang jam 10."})
    page = asker.get(f"/konsultasi/{question.id}").get_data(as_text=True)
    assert "Tim PMI datang jam 10." in page
    listing = asker.get("/konsultasi").get_data(as_text=True)
    assert "dijawab" in listing and "PMI" in listing
    token = csrf_token(asker, "/konsultasi/baru")
    empty = asker.post("/konsultasi/baru", data={"csrf_token": token, "question": " ", "idempotency_key": "tanya-02"})
    assert empty.status_code == 422 and db.session.scalar(select(db.func.count()).select_from(Consultation)) == 1


def test_an_admin_finds_the_region_by_name_without_javascript(app, make_user):
    client = signed_in(app, make_user("admin"))
    found = client.get("/akun?cari=prodo").get_data(as_text=True)
    assert "Desa Prodo · Kecamatan Winongan" in found and "35.14.19.2009" in found
    assert 'href="/akun?wilayah=35.14.19.2009#akun-baru"' in found
    chosen = client.get("/akun?wilayah=35.14.19.2009").get_data(as_text=True)
    assert 'id="region" maxlength="100" name="region" type="text" value="35.14.19.2009"' in chosen
    token = csrf_token(client, "/akun")
    form = {"csrf_token": token, "name": "Kades Prodo", "email": "kades@prodo.test", "role": "desa_official"}
    page = client.post("/akun", data={**form, "region": "Prodo"})  # a name that means one desa is enough
    assert page.status_code == 200 and "Kata sandi sementara untuk kades@prodo.test" in page.get_data(as_text=True)
    assert db.session.scalar(select(User.region_code).where(User.email == "kades@prodo.test")) == "35.14.19.2009"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"region": "Prodoo"}, "region", "Wilayah bernama Prodoo tidak ditemukan."),
        ({"region": "Winongan"}, "region", "Kecamatan Winongan bukan wilayah tingkat desa/kelurahan"),
        ({"region": ""}, "region", "Pilih wilayah: peran ini perlu wilayah tingkat desa/kelurahan."),
        ({"email": "kades-at-prodo"}, "email", "Alamat email tidak sah"),
        ({"phone": "12"}, "phone", "Nomor HP tidak sah"),
        ({"agency": "1"}, "agency", "Hanya petugas instansi yang punya instansi."),
    ],
)
def test_every_account_error_is_in_bahasa_under_its_field(app, make_user, change, field, message):
    client = signed_in(app, make_user("admin"))
    data = {"csrf_token": csrf_token(client, "/akun"), "name": "Kades", "email": "kades@prodo.test",
            "role": "desa_official", "region": "35.14.19.2009", **change}  # fmt: skip
    page = client.post("/akun", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and f'<p class="error" id="{field}-error">{message}' in html
    assert "unknown" not in html and "flask regions" not in html
    assert db.session.scalar(select(User).where(User.email == "kades@prodo.test")) is None


def test_a_name_several_regions_share_is_chosen_from_a_list(app, make_user):
    client = signed_in(app, make_user("admin"))
    data = {"csrf_token": csrf_token(client, "/akun"), "name": "Kades", "email": "kades@x.test",
            "role": "desa_official", "region": "Sumber"}  # fmt: skip
    page = client.post("/akun", data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "wilayah dengan nama itu. Pilih satu:" in html
    choices = re.findall(r'name="pilih_wilayah" value="([\d.]+)"', html)
    assert len(choices) > 1
    done = client.post("/akun", data={**data, "pilih_wilayah": choices[0]})
    assert done.status_code == 200
    assert db.session.scalar(select(User.region_code).where(User.email == "kades@x.test")) == choices[0]


def test_the_settings_page_links_what_each_role_may_change(app, make_user):
    staff = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/pengaturan").get_data(as_text=True)
    official = signed_in(app, make_user("desa_official", WINONGAN, desa="Gading")).get("/pengaturan")
    admin = signed_in(app, make_user("admin")).get("/pengaturan").get_data(as_text=True)
    for path in ("/pengaturan/gateway", "/pengaturan/instansi", "/akun", "/kosakata", "/dusun", "/info-desa", "/sandi"):
        assert f'href="{path}"' in staff, path
    assert 'href="/pengaturan/server"' not in staff and 'href="/pengaturan/audit"' not in staff
    assert all(f'href="{p}"' in admin for p in ("/pengaturan/server", "/pengaturan/audit", "/pengaturan/masuk"))
    html = official.get_data(as_text=True)
    assert official.status_code == 200 and 'href="/dusun"' in html and 'href="/pengaturan/gateway"' not in html
    assert 'href="/pengaturan" aria-current="page">Pengaturan</a>' in staff  # the menu's "Pengaturan" leads here
