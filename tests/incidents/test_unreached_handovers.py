"""Reachable or said so: a handover or escalation that reaches nobody says so on the page and the timeline and goes
to the next person who can act (the on-duty phone, then the kabupaten's Pusdalops); every "diberi tahu" names
the queued messages behind it; the Pusdalops accept a handover to their own BPBD."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import csrf_token, signed_in
from webapp.extensions import db
from webapp.incidents import actions
from webapp.messaging.notices import escalate_due
from webapp.models import Agency, AgencyMember, Incident, IncidentEvent, OutboundMessage, PushSubscription, utcnow

WINONGAN, LAMPIHONG = "35.14.19", "63.11.05"
DUTY, PUSDALOPS = "+6281277770000", "+6281277771111"


def agency(name: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.name == name))


def queued() -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))


def hand_over(app, user, incident: Incident, to: Agency) -> str:
    client = signed_in(app, user)
    token = csrf_token(client, f"/incidents/{incident.id}")
    client.post(f"/incidents/{incident.id}/agency", data={"agency_id": str(to.id), "csrf_token": token})
    return client.get(f"/incidents/{incident.id}").get_data(as_text=True)  # the flash, then the timeline


@pytest.fixture
def staff(make_user):
    return make_user("kecamatan_staff", WINONGAN)


def test_the_handover_form_says_how_each_agency_will_be_told(app, staff, make_incident, make_user):
    damkar = agency("Damkar")
    damkar.members = [AgencyMember(name="Pak Budi", phone="+6281255550001"),
                      AgencyMember(name="Pos Damkar", phone="+6281255550004", channel="whatsapp")]  # fmt: skip
    agency("Puskesmas").members = [AgencyMember(name="Bidan Sri", phone="+6281255550002", region_code=LAMPIHONG)]
    member = make_user("agency", "35.14", agency=agency("PMI").id)
    db.session.add(PushSubscription(user_id=member.id, endpoint="https://push.example.test/pmi", p256dh="B", auth="a"))
    db.session.commit()
    incident = make_incident(WINONGAN, "Gading")
    page = signed_in(app, staff).get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Damkar · SMS ke 1 anggota Damkar, WhatsApp ke 1 anggota Damkar</option>" in page
    assert "PMI · push ke 1 petugas PMI</option>" in page
    assert "Puskesmas · tidak ada yang bisa dihubungi</option>" in page  # its only member covers Lampihong
    assert "BPBD · tidak ada yang bisa dihubungi</option>" in page
    setup = signed_in(app, make_user("admin")).get("/pengaturan/instansi").get_data(as_text=True)
    assert "SMS ke 1 anggota Damkar, WhatsApp ke 1 anggota Damkar" in setup and "tidak ada yang bisa dihubungi" in setup


def test_a_handover_to_an_agency_with_nobody_goes_to_the_on_duty_phone_and_says_so(app, staff, make_incident,
                                                                                   monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "ON_DUTY_PHONES", {WINONGAN: DUTY})
    incident = make_incident(WINONGAN, "Gading")
    page = hand_over(app, staff, incident, agency("BPBD"))
    said = "tidak ada anggota BPBD yang bisa dihubungi; diteruskan: SMS ke HP piket kecamatan"
    assert f"Insiden diserahkan ke BPBD: {said}." in page  # the flash
    assert f"Ditugaskan ke BPBD: {said}" in page  # the timeline
    (duty,) = [m for m in queued() if m.to_phone == DUTY]
    assert duty.incident_id == incident.id and duty.purpose == "notify" and duty.segments == 1
    assert duty.body.startswith(f"Tangguh: tiket {incident.ticket} (banjir, Desa Gading) diserahkan ke BPBD, tapi")


def test_without_an_on_duty_phone_the_pusdalops_is_told_and_nobody_at_all_is_said(app, staff, make_incident,
                                                                                  make_user):  # fmt: skip
    incident = make_incident(WINONGAN, "Gading")
    page = hand_over(app, staff, incident, agency("BPBD"))
    assert "Ditugaskan ke BPBD: tidak ada yang bisa dihubungi" in page
    assert [m for m in queued() if m.incident_id == incident.id and m.purpose == "notify"] == []

    pusdalops = make_user("kabupaten_staff", "35.14", phone=PUSDALOPS)
    make_user("kabupaten_staff", "63.11", phone="+6281277772222")  # another kabupaten: not theirs
    second = make_incident(WINONGAN, "Prodo")
    page = hand_over(app, staff, second, agency("BPBD"))
    said = "tidak ada anggota BPBD yang bisa dihubungi; diteruskan: SMS ke 1 petugas Pusdalops"
    assert f"Ditugaskan ke BPBD: {said}" in page
    assert [(m.to_phone, m.incident_id) for m in queued()] == [(pusdalops.phone, second.id)]


def test_escalations_queue_real_messages_and_name_them(app, staff, make_incident, make_user, monkeypatch):
    make_user("kabupaten_staff", "35.14", phone=PUSDALOPS)
    unverified = make_incident(WINONGAN, "Gading", opened_at=utcnow() - timedelta(minutes=31))
    handed = make_incident(WINONGAN, "Prodo")
    actions.change_status(handed, staff, "diverifikasi")
    damkar = agency("Damkar")
    damkar.members = [AgencyMember(name="Pak Budi", phone="+6281255550001")]
    actions.hand_over(handed, staff, damkar.id)
    handed.handovers[0].created_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    before = {m.id for m in queued()}

    assert escalate_due() == 2 and escalate_due() == 0
    new = [m for m in queued() if m.id not in before]
    # The desk has no browser subscribed and no on-duty phone: the Pusdalops, once for each.
    assert sorted((m.to_phone, m.incident_id) for m in new) == sorted(
        [(PUSDALOPS, unverified.id), (PUSDALOPS, handed.id)]
    )
    assert any("belum diverifikasi setelah 30 menit" in m.body for m in new)
    assert any(f"Damkar belum menerima tiket {handed.ticket}" in m.body for m in new)
    client = signed_in(app, staff)
    said = "petugas kecamatan tidak bisa dihubungi; diteruskan: SMS ke 1 petugas Pusdalops kabupaten"
    page = client.get(f"/incidents/{unverified.id}").get_data(as_text=True)
    assert f"Belum diverifikasi setelah 30 menit: {said}" in page
    page = client.get(f"/incidents/{handed.id}").get_data(as_text=True)
    assert f"Damkar belum menerima setelah 30 menit: {said}" in page

    monkeypatch.setitem(app.config, "ON_DUTY_PHONES", {WINONGAN: DUTY})
    later = make_incident(WINONGAN, "Sumberrejo", opened_at=utcnow() - timedelta(minutes=40))
    escalate_due()
    (told,) = [m for m in queued() if m.incident_id == later.id]
    assert told.to_phone == DUTY  # the on-duty phone first; the Pusdalops only when it is not there
    (event,) = db.session.scalars(
        select(IncidentEvent).where(IncidentEvent.kind == "escalated", IncidentEvent.incident_id == later.id)
    )
    assert event.data["told"] == [{"to": "duty", "channel": "sms", "n": 1}] and "unreached" not in event.data


def test_the_pusdalops_accept_a_handover_to_their_own_bpbd_only(app, staff, make_incident, make_user):
    pusdalops = make_user("kabupaten_staff", "35.14")
    incident = make_incident(WINONGAN, "Gading")
    actions.hand_over(incident, staff, agency("BPBD").id)
    actions.hand_over(incident, staff, agency("Damkar").id)
    client = signed_in(app, pusdalops)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Terima atas nama BPBD" in page and "Terima atas nama Damkar" not in page
    token = csrf_token(client, f"/incidents/{incident.id}")
    response = client.post(f"/incidents/{incident.id}/bpbd", data={"csrf_token": token, "note": "TRC berangkat"})
    assert response.status_code == 303
    db.session.expire_all()
    bpbd, damkar = db.session.get(Incident, incident.id).handovers
    assert bpbd.acknowledged_at is not None and damkar.acknowledged_at is None
    (line,) = db.session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "handover"))
    assert (line.actor_id, line.data["stage"], line.data["agency"], line.data["via"]) == (pusdalops.id, "terima",
                                                                                          "BPBD", "web")  # fmt: skip
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "BPBD menerima (Kabupaten Staff, lewat web)" in page

    # Damkar is not theirs to answer for; neither is an incident of another kabupaten.
    other = make_incident(WINONGAN, "Prodo")
    actions.hand_over(other, staff, agency("Damkar").id)
    assert client.post(f"/incidents/{other.id}/bpbd", data={"csrf_token": token}).status_code == 403
    with pytest.raises(actions.Forbidden):
        actions.handover_progress(other.handovers[0], "terima", user=pusdalops)
    province = Agency(name="BPBD Jawa Timur", region_code="35")  # a BPBD, but the province's, not their kabupaten's
    db.session.add(province)
    db.session.commit()
    actions.hand_over(other, staff, province.id)
    assert client.post(f"/incidents/{other.id}/bpbd", data={"csrf_token": token}).status_code == 403
    db.session.expire_all()
    assert all(h.acknowledged_at is None for h in db.session.get(Incident, other.id).handovers)
