import gzip

from conftest import login


def test_each_role_sees_only_incidents_of_their_region(app, make_user, make_incident):
    sumberrejo = make_incident("35.14.19", "Sumberrejo", rumah_terendam=3)
    gading = make_incident("35.14.19", "Gading", hazard="tanah_longsor")
    lajar = make_incident("63.11.05", "Lajar", hazard="karhutla")
    cases = [
        (make_user("desa_official", "35.14.19", desa="Sumberrejo"), {sumberrejo}),
        (make_user("kecamatan_staff", "35.14.19"), {sumberrejo, gading}),
        (make_user("kecamatan_staff", "63.11.05"), {lajar}),
        (make_user("admin"), {sumberrejo, gading, lajar}),
    ]
    for user, visible in cases:
        client = app.test_client()
        login(client, user.email)
        html = client.get("/incidents").get_data(as_text=True)
        for incident in (sumberrejo, gading, lajar):
            assert (incident.ticket in html) == (incident in visible), (user.email, incident.ticket)


def test_list_shows_hazard_desa_status_and_local_time(client, make_user, make_incident):
    make_incident("63.11.05", "Lajar", hazard="karhutla")  # 08:00 UTC is 16:00 WITA in Balangan
    login(client, make_user("kecamatan_staff", "63.11.05").email)
    html = client.get("/incidents").get_data(as_text=True)
    assert "Kebakaran hutan dan lahan" in html and "Desa Lajar" in html and "Baru" in html
    assert "01-11-2026 16:00 WITA" in html
    assert "1 laporan" in html


def test_empty_list_says_so(client, make_user):
    login(client, make_user("desa_official", "35.14.23", desa="Patuguran").email)
    page = client.get("/incidents")
    assert "Belum ada insiden di wilayah Anda." in page.get_data(as_text=True)
    assert len(gzip.compress(page.data)) < 14 * 1024


def test_bad_page_number_is_a_clear_400(client, make_user):
    login(client, make_user("admin").email)
    page = client.get("/incidents?page=nol")
    assert page.status_code == 400
    assert "Nomor halaman harus bilangan bulat positif." in page.get_data(as_text=True)
