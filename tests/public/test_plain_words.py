"""The desk offers publishing only where it can succeed, and the image card speaks plainly: the status as a
citizen says it, counts only when a person stands behind them, one line of advice."""

from conftest import signed_in
from webapp.extensions import db
from webapp.incidents import actions
from webapp.models import utcnow
from webapp.public.service import card_lines, incident_share_text, publish_incident

WINONGAN = "35.14.19"


def test_the_publish_box_is_offered_only_on_a_verified_incident(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, staff)
    fresh = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert 'id="publikasi"' in fresh and 'name="summary"' not in fresh
    assert "Dapat dipublikasikan untuk warga setelah insiden diverifikasi." in fresh
    actions.change_status(incident, make_user("kecamatan_staff", WINONGAN), "diverifikasi")
    verified = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert 'name="summary"' in verified and ">Publikasikan</button>" in verified


def test_the_card_says_the_status_plainly_with_advice_and_owned_counts_only(app, make_user, make_incident):
    flood = make_incident(WINONGAN, "Gading", mengungsi=40, meninggal=1)
    flood.status = "diverifikasi"
    db.session.commit()
    lines = card_lines(flood, "6 Des 08.00")
    assert lines == ["Desa Gading, Kec. Winongan", "Sudah dipastikan petugas, 6 Des 08.00",
                     "Jauhi arus air dan matikan listrik bila air masuk rumah."]  # fmt: skip
    assert not any("Diverifikasi" in line for line in lines)  # nobody stood behind 40 and 1 yet: no counts
    publish_incident(flood, make_user("kecamatan_staff", WINONGAN), "Posko di balai desa")
    assert flood.figures_owned_at is not None and flood.figures_owned_at <= utcnow()
    assert card_lines(flood, "6 Des 08.00")[2] == "1 meninggal, 40 mengungsi"
    share = incident_share_text(flood)
    assert share.startswith("BANJIR di Desa Gading, Kec. Winongan (sudah dipastikan petugas). Data sementara: 1 ")
    assert "Posko di balai desa. Jauhi arus air dan matikan listrik bila air masuk rumah. Info resmi" in share
    flood.status = "selesai"
    assert card_lines(flood, "7 Des")[1:] == ["Penanganan sudah selesai, 7 Des", "1 meninggal, 40 mengungsi",
                                              "Tetap waspada dan ikuti info resmi kecamatan."]  # fmt: skip


def test_an_empty_konsultasi_list_has_no_page_of_zero(app, make_user):
    html = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/konsultasi").get_data(as_text=True)
    assert "Belum ada konsultasi." in html and "dari 0" not in html and 'class="pager"' not in html
