"""A konsultasi forwarded to an agency reaches its members (or says it reached nobody, and who was told instead),
its answer is on the asker's home page, and a question that is an incident becomes one in one step."""

from __future__ import annotations

from sqlalchemy import select

from conftest import csrf_token, desa_code, signed_in
from webapp.extensions import db
from webapp.models import Agency, AgencyMember, Consultation, Incident, IncidentEvent, OutboundMessage

WINONGAN = "35.14.19"
DUTY = "+6281277770000"


def agency(name: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.name == name))


def question(official, text: str = "Air masih naik, perlu perahu karet di RT 03") -> Consultation:
    consultation = Consultation(key=f"k-{text[:8]}", desa_code=official.region_code, kecamatan_code=WINONGAN,
                                asked_by_id=official.id, question=text)  # fmt: skip
    db.session.add(consultation)
    db.session.commit()
    return consultation


def forward(client, consultation: Consultation, to: Agency):
    token = csrf_token(client, f"/konsultasi/{consultation.id}")
    data = {"csrf_token": token, "agency_id": str(to.id)}
    return client.post(f"/konsultasi/{consultation.id}/teruskan", data=data, follow_redirects=True)


def test_a_forward_reaches_the_agencys_member_once(app, make_user):
    damkar = agency("Damkar")
    damkar.members = [AgencyMember(name="Pak Budi", phone="+6281255550001")]
    db.session.commit()
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    consultation = question(official)
    desk = signed_in(app, staff)
    form = desk.get(f"/konsultasi/{consultation.id}").get_data(as_text=True)
    assert "Damkar · SMS ke 1 anggota Damkar" in form and "PLN · tidak ada yang bisa dihubungi" in form

    page = forward(desk, consultation, damkar).get_data(as_text=True)
    assert "Diteruskan ke Damkar: SMS ke 1 anggota Damkar." in page
    (told,) = db.session.scalars(select(OutboundMessage)).all()
    assert told.to_phone == "+6281255550001" and told.segments == 1 and told.purpose == "notify"
    assert told.body.startswith("TANGGUH Damkar, konsultasi dari Desa Gading: Air masih naik, perlu perahu")
    forward(desk, consultation, damkar)  # the same forward again: nobody is told twice
    assert len(db.session.scalars(select(OutboundMessage)).all()) == 1


def test_a_forward_that_reaches_nobody_says_so_and_goes_to_the_on_duty_phone(app, make_user, monkeypatch):
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    consultation = question(official)
    desk = signed_in(app, staff)
    monkeypatch.setitem(app.config, "ON_DUTY_PHONES", {WINONGAN: DUTY})
    page = forward(desk, consultation, agency("PLN")).get_data(as_text=True)
    said = "tidak ada anggota PLN yang bisa dihubungi; diteruskan: SMS ke HP piket kecamatan"
    assert f"Diteruskan ke PLN: {said}." in page
    (duty,) = db.session.scalars(select(OutboundMessage)).all()
    assert duty.to_phone == DUTY and "tak ada petugas PLN yg bisa dihubungi" in duty.body
    assert said in desk.get(f"/konsultasi/{consultation.id}").get_data(as_text=True)  # read back from the rows

    monkeypatch.setitem(app.config, "ON_DUTY_PHONES", {})
    pusdalops = make_user("kabupaten_staff", "35.14", phone="+6281277771111")
    other = question(official, "Bagaimana meminta terpal untuk posko?")
    page = forward(desk, other, agency("PLN")).get_data(as_text=True)
    assert "diteruskan: SMS ke 1 petugas Pusdalops kabupaten" in page
    assert [m.to_phone for m in db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id))] == [
        DUTY, pusdalops.phone
    ]  # fmt: skip


def test_the_answer_is_on_the_askers_home_page(app, make_user):
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    consultation = question(official, "Bagaimana meminta terpal untuk posko?")
    home = signed_in(app, official)
    assert "Belum dijawab." in home.get("/beranda").get_data(as_text=True)
    desk = signed_in(app, staff)
    token = csrf_token(desk, f"/konsultasi/{consultation.id}")
    desk.post(f"/konsultasi/{consultation.id}/jawab", data={"csrf_token": token, "text": "Ajukan lewat BPBD, form A."})
    page = home.get("/beranda").get_data(as_text=True)
    assert "Bagaimana meminta terpal untuk posko?" in page and "Ajukan lewat BPBD, form A." in page


def test_staff_open_an_incident_from_a_konsultasi_linked_both_ways(app, make_user):
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    consultation = question(official, "Air naik terus, perlu perahu karet di RT 03")
    desk = signed_in(app, staff)
    page = desk.get(f"/konsultasi/{consultation.id}").get_data(as_text=True)
    assert '<option value="banjir" selected>' in page  # prefilled from "Air naik", as the parser reads it
    token = csrf_token(desk, f"/konsultasi/{consultation.id}")
    opened = desk.post(f"/konsultasi/{consultation.id}/insiden", data={"csrf_token": token, "hazard": "banjir"})
    (incident,) = db.session.scalars(select(Incident)).all()
    assert opened.status_code == 303 and opened.location.endswith(f"/incidents/{incident.id}")
    assert (incident.hazard, incident.desa_code) == ("banjir", desa_code(WINONGAN, "Gading"))
    assert incident.reports[0].raw_text == consultation.question and incident.reports[0].submitted_by_id == official.id
    (link,) = db.session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "consultation"))
    assert link.data == {"consultation": consultation.id} and link.actor_id == staff.id
    timeline = desk.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert f"Dibuka dari konsultasi #{consultation.id}" in timeline and f"/konsultasi/{consultation.id}" in timeline
    back = desk.get(f"/konsultasi/{consultation.id}").get_data(as_text=True)
    assert f'<span class="ticket">{incident.ticket}</span>' in back and "Buka insiden" not in back
    desk.post(f"/konsultasi/{consultation.id}/insiden", data={"csrf_token": token, "hazard": "banjir"})
    assert len(db.session.scalars(select(Incident)).all()) == 1  # once per konsultasi
