"""Agencies at the table: handovers reach their members by SMS, members answer TERIMA/TANGANI/SELESAI from any
phone or from their list, unanswered handovers are escalated, and the dashboard measures each agency."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from conftest import csrf_token, signed_in
from webapp.extensions import db
from webapp.incidents import actions
from webapp.messaging.notices import escalate_due
from webapp.models import Agency, AgencyMember, Incident, IncidentEvent, OutboundMessage, ReceivingNumber, utcnow
from webhook_helpers import TWILIO_NUMBER, twilio_headers, twilio_params

WINONGAN, REJOSO = "35.14.19", "35.14.23"
DAMKAR_PHONE, OTHER_PHONE = "+6281255550001", "+6281255550002"


def sms(client, sid: str, body: str, sender: str) -> str | None:
    params = twilio_params(sid, body, sender=sender)
    response = client.post("/sms/twilio", data=params, headers=twilio_headers(params))
    assert response.status_code == 200
    messages = ElementTree.fromstring(response.data).findall("Message")
    return messages[0].text if messages else None


def agency(name: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.name == name))


@pytest.fixture
def damkar(ctx):
    """Damkar of Kabupaten Pasuruan with a member who covers Winongan, one for Rejoso only, and a number on
    WhatsApp; Puskesmas with a member too."""
    db.session.add(ReceivingNumber(gateway="twilio", address=TWILIO_NUMBER, kecamatan_code=WINONGAN))
    damkar = agency("Damkar")
    damkar.region_code = "35.14"
    damkar.members = [
        AgencyMember(name="Pak Budi", phone=DAMKAR_PHONE),
        AgencyMember(name="Bu Rina", phone="+6281255550003", region_code=REJOSO),
        AgencyMember(name="Pos Damkar", phone="+6281255550004", channel="whatsapp"),
    ]
    agency("Puskesmas").members = [AgencyMember(name="Bidan Sri", phone=OTHER_PHONE)]
    db.session.commit()
    return damkar


def queued_to(phone: str) -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.to_phone == phone)))


def test_the_whole_story_from_a_villagers_sms_to_the_agencys_times(app, client, damkar, make_user):
    reporter = "+6281299990001"
    reply = sms(client, "SM100", "kebakaran rumah di gading 2 org luka", reporter)
    incident = db.session.scalar(select(Incident))
    assert reply.startswith("Laporan kebakaran")
    staff = make_user("kecamatan_staff", WINONGAN)
    actions.change_status(incident, staff, "diverifikasi")
    actions.hand_over(incident, staff, damkar.id)

    (told,) = queued_to(DAMKAR_PHONE)
    assert told.body.startswith(f"TANGGUH Damkar: tiket {incident.ticket}, kebakaran") and "2 luka" in told.body
    assert f"TERIMA {incident.ticket}" in told.body and told.segments == 1
    assert queued_to("+6281255550003") == []  # covers Rejoso only
    assert queued_to("+6281255550004")[0].channel == "whatsapp"

    assert sms(client, "SM101", f"TERIMA {incident.ticket}", DAMKAR_PHONE) == (
        f"Tiket {incident.ticket}: diterima oleh Damkar tercatat. Terima kasih."
    )
    assert sms(client, "SM101", f"TERIMA {incident.ticket}", DAMKAR_PHONE).startswith(f"Tiket {incident.ticket}")
    again = sms(client, "SM102", f"terima {incident.ticket}", DAMKAR_PHONE)
    assert again == f"Tiket {incident.ticket}: diterima oleh Damkar sudah tercatat sebelumnya."
    done = sms(client, "SM103", f"SELESAI {incident.ticket} api padam, 1 rumah rusak berat", DAMKAR_PHONE)
    assert done.startswith(f"Tiket {incident.ticket}: selesai oleh Damkar tercatat")

    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    (handover,) = incident.handovers
    assert handover.acknowledged_at and handover.on_site_at and handover.done_at and incident.status == "selesai"
    told_done = [m for m in queued_to(reporter) if "sudah selesai" in m.body]
    assert len(told_done) == 1  # the reporter is told it is done, once
    lines = [e for e in incident.events if e.kind == "handover"]
    assert [(e.data["stage"], e.data["member"], e.data["via"]) for e in lines] == [
        ("terima", "Pak Budi", "sms"), ("selesai", "Pak Budi", "sms")
    ]  # fmt: skip
    assert lines[1].note == "api padam, 1 rumah rusak berat"

    page = signed_in(app, staff).get("/dashboard").get_data(as_text=True)
    row = page.split("Waktu tanggap instansi")[1].split('<th scope="row">Damkar</th>')[1].split("</tr>")[0]
    assert row.count("(1)") == 3 and row.strip().endswith("<td>0</td>")  # acknowledged, on site, done; none late


def test_wrong_tickets_and_strangers_change_nothing(client, damkar, make_incident, make_user):
    incident = make_incident(WINONGAN, "Gading")
    incident.ticket = "KKKKK"  # a code SMS readers take for a ticket
    actions.hand_over(incident, make_user("kecamatan_staff", WINONGAN), agency("PLN").id)
    assert (
        sms(client, "SM200", "SELESAI AAAAA", DAMKAR_PHONE)
        == "Tiket AAAAA tidak ditemukan, atau tidak dapat dicek dari nomor ini. Format: CEK <tiket>"
    )
    assert sms(client, "SM201", f"SELESAI {incident.ticket}", DAMKAR_PHONE) == (
        f"Tiket {incident.ticket} tidak diserahkan ke instansi Anda. Tidak ada yang diubah."
    )
    assert sms(client, "SM202", f"TERIMA {incident.ticket}", "+6281299998888").startswith("Nomor ini tidak terdaftar")
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).handovers[0].acknowledged_at is None


def test_an_unacknowledged_handover_is_escalated_once(app, damkar, make_incident, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "ON_DUTY_PHONES", {WINONGAN: "+6281277770000"})
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    actions.change_status(incident, staff, "diverifikasi")
    actions.hand_over(incident, staff, damkar.id)
    incident.handovers[0].created_at = utcnow() - timedelta(minutes=31)
    db.session.commit()
    assert escalate_due() == 1 and escalate_due() == 0
    (duty,) = queued_to("+6281277770000")
    assert duty.body.startswith(f"Tangguh: Damkar belum menerima tiket {incident.ticket}")
    assert [e.kind for e in incident.events][-1] == "handover_late"


def test_a_signed_in_member_answers_from_their_list(app, damkar, make_incident, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    member = make_user("agency", "35.14", agency=damkar.id)
    handed, other = make_incident(WINONGAN, "Gading"), make_incident(WINONGAN, "Prodo")
    actions.hand_over(handed, staff, damkar.id)
    actions.hand_over(other, staff, agency("PLN").id)
    client = signed_in(app, member)
    page = client.get("/incidents").get_data(as_text=True)
    assert "Tugas Damkar" in page and handed.ticket in page and other.ticket not in page
    token = csrf_token(client, "/incidents")
    client.post(f"/incidents/{handed.id}/handover", data={"stage": "tangani", "from": "list", "csrf_token": token})
    db.session.expire_all()
    handover = db.session.get(Incident, handed.id).handovers[0]
    assert (
        handover.acknowledged_at and handover.on_site_at and db.session.get(Incident, handed.id).status == "ditangani"
    )
    assert client.get(f"/incidents/{other.id}").status_code == 403
    refused = client.post(f"/incidents/{other.id}/handover", data={"stage": "terima", "csrf_token": token})
    assert refused.status_code == 403
    events = db.session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "handover")).all()
    assert [(e.data["via"], e.actor_id) for e in events] == [("web", member.id)]


def test_the_thread_is_shared_and_a_message_can_go_to_the_reporters(app, damkar, make_incident, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    member = make_user("agency", "35.14", agency=damkar.id)
    pusdalops = make_user("kabupaten_staff", "35.14")
    incident = make_incident(WINONGAN, "Gading", reports=("+6281233334444",))
    actions.hand_over(incident, staff, damkar.id)
    for user, text in ((member, "Regu 2 menuju lokasi, 15 menit."), (pusdalops, "Pusdalops memantau.")):
        client = signed_in(app, user)
        token = csrf_token(client, f"/incidents/{incident.id}")
        assert (
            client.post(f"/incidents/{incident.id}/notes", data={"note": text, "csrf_token": token}).status_code == 303
        )
    desk = signed_in(app, staff)
    page = desk.get(f"/incidents/{incident.id}/timeline").get_data(as_text=True)
    assert "Regu 2 menuju lokasi" in page and "Pusdalops memantau." in page and "kirim ke pelapor lewat SMS" in page
    token = csrf_token(desk, f"/incidents/{incident.id}")
    desk.post(f"/incidents/{incident.id}/reply", data={"text": "Regu 2 menuju lokasi, 15 menit.", "csrf_token": token})
    assert [m.body for m in queued_to("+6281233334444")] == ["Regu 2 menuju lokasi, 15 menit."]
    kabupaten_page = signed_in(app, pusdalops).get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert 'value="diverifikasi"' not in kabupaten_page  # the kecamatan does its own triage
