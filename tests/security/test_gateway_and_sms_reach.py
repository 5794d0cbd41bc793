"""Holes a hostile neighbour or a hostile phone could use, each reproduced as the attack was made (issue 26):
another kecamatan's gateway key reporting on our messages, taking over our phone, our shelter counted from
their staff phone, an official verifying their own SMS, and the API handing out numbers unlogged."""

from datetime import timedelta

import pytest

from webapp.accounts import issue_api_token
from webapp.extensions import db
from webapp.incidents import actions
from webapp.intake.ingest import InboundMessage, ingest
from webapp.messaging.outbound import enqueue
from webapp.models import IncidentEvent, OutboundMessage, ReceivingNumber, Region, Report, Shelter, utcnow
from webapp.relief.service import open_shelter
from webapp.setup.service import SetupError, add_number, rotate_key
from webhook_helpers import android_signed

WINONGAN, REJOSO = "35.14.19", "35.14.23"


def _warning_to_winongan(status: str = "queued") -> OutboundMessage:
    message = enqueue(key=f"w-{status}", to="+6281234567890", body="PERINGATAN DINI", purpose="broadcast",
                      kecamatan_code=WINONGAN)  # fmt: skip
    db.session.flush()
    message.gateway, message.status = "android", status
    db.session.commit()
    return message


def _report(client, device: str, key: str, message: OutboundMessage, kind: str = "sms:delivered"):
    event = {"event": kind, "id": f"ev-{device}-{message.id}", "deviceId": device,
             "payload": {"messageId": f"tangguh-{message.id}", "phoneNumber": message.to_phone}}  # fmt: skip
    body, headers = android_signed(event, key=key)
    return client.post("/sms/android", data=body, headers=headers)


def test_another_kecamatans_key_cannot_mark_our_warning_delivered(client, ctx):
    _number, winongan_key = add_number(None, "android", "WINPHONE1", WINONGAN)
    _number, rejoso_key = add_number(None, "android", "REJPHONE1", REJOSO)
    queued = _warning_to_winongan("queued")
    sending = _warning_to_winongan("sending")
    for message in (queued, sending):
        assert _report(client, "REJPHONE1", rejoso_key, message).status_code == 200  # acknowledged, ignored
    db.session.expire_all()
    assert (db.session.get(OutboundMessage, queued.id).status, db.session.get(OutboundMessage, sending.id).status) \
        == ("queued", "sending")  # fmt: skip
    assert _report(client, "WINPHONE1", winongan_key, queued).status_code == 200
    assert db.session.get(OutboundMessage, queued.id).status == "queued"  # never handed to a gateway: not delivered
    assert _report(client, "WINPHONE1", winongan_key, sending).json["message_status"] == "delivered"


def test_a_kecamatan_cannot_take_over_anothers_gateway_phone(make_user, ctx):
    winongan_phone, winongan_key = add_number(None, "android", "WINPHONE1", WINONGAN)
    rejoso_staff = make_user("kecamatan_staff", REJOSO)
    with pytest.raises(SetupError, match="satu HP melayani satu kecamatan"):
        add_number(rejoso_staff, "android", "WINPHONE1/1", REJOSO)
    with pytest.raises(SetupError):
        add_number(None, "android", "WINPHONE1/2", REJOSO)  # not even an admin maps one phone to two kecamatan
    db.session.rollback()
    own_phone, _key = add_number(rejoso_staff, "android", "REJPHONE1", REJOSO)
    assert db.session.query(ReceivingNumber).filter_by(address="WINPHONE1/1").count() == 0
    assert db.session.get(ReceivingNumber, winongan_phone.id).signing_key == winongan_key
    rotate_key(rejoso_staff, own_phone)
    assert db.session.get(ReceivingNumber, winongan_phone.id).signing_key == winongan_key


def test_posko_from_another_kecamatans_staff_phone_changes_nothing(make_user, ctx):
    winongan_staff = make_user("kecamatan_staff", WINONGAN)
    rejoso_staff = make_user("kecamatan_staff", REJOSO, phone="081277770001")
    sumberrejo = db.session.scalar(db.select(Region).where(Region.parent_code == WINONGAN, Region.name == "Sumberrejo"))
    shelter = open_shelter(winongan_staff, sumberrejo, "Balai Desa Sumberrejo", 150, "+6281230000030")
    db.session.commit()
    result = ingest(InboundMessage("sms", "posko-x", f"POSKO {shelter.code} 999 jiwa", REJOSO, rejoso_staff.phone))
    db.session.expire_all()
    assert db.session.get(Shelter, shelter.id).people is None  # Rejoso's number knows no Winongan shelter
    assert shelter.code in result.reply


def test_an_official_does_not_verify_their_own_sms(make_user, ctx):
    official = make_user("desa_official", WINONGAN, desa="Sumberrejo", phone="081277770002")
    result = ingest(InboundMessage("sms", "own-1", "banjir di sumberrejo 3 rumah terendam", WINONGAN,
                                   "+6281277770002", utcnow() - timedelta(minutes=1)))  # fmt: skip
    incident = db.session.get(Report, result.report_id).incident
    with pytest.raises(actions.ActionError, match="Laporan Anda sendiri"):
        actions.change_status(incident, official, "diverifikasi")
    assert incident.status == "baru"


def test_the_api_gives_a_full_number_only_as_a_logged_reveal(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281299990001", "+6281299990002"))
    staff = make_user("kecamatan_staff", WINONGAN)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {issue_api_token(staff)}"}
    masked = client.get("/api/reports", headers=headers).json["items"]
    assert {r["reporter_phone"] for r in masked}.isdisjoint({"+6281299990001", "+6281299990002"})
    assert db.session.query(IncidentEvent).filter_by(incident_id=incident.id, kind="reveal").count() == 0
    full = client.get("/api/reports?nomor=lengkap", headers=headers).json["items"]
    assert {r["reporter_phone"] for r in full} == {"+6281299990001", "+6281299990002"}
    reveals = db.session.query(IncidentEvent).filter_by(incident_id=incident.id, kind="reveal").all()
    assert len(reveals) == 2 and {e.actor_id for e in reveals} == {staff.id}
