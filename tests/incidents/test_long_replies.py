"""A staff reply to the reporters is never cut: longer than one SMS it goes whole, as a multi-part SMS whose cost is
shown before sending and on the timeline, or it is refused with its count."""

from sqlalchemy import select

from conftest import csrf_token, signed_in
from webapp.extensions import db
from webapp.models import IncidentEvent, OutboundMessage

WINONGAN = "35.14.19"
# 166 characters: cut at 160, the emergency number is lost.
LONG = ("Air sungai masih naik. Warga RT 03 dan RT 04 segera mengungsi ke balai desa, bawa surat penting dan obat. "
        "Jangan seberangi jembatan. Bila darurat, segera telepon: 112")  # fmt: skip


def test_a_reply_of_166_characters_goes_whole_after_its_cost_is_shown(app, make_user, make_incident):
    assert len(LONG) == 166 and LONG.endswith("112")
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading", reports=("+6281200000001", "+6281200000002"))
    client = signed_in(app, staff)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert 'maxlength="160"' not in page  # the browser must not cut it either
    token = csrf_token(client, f"/incidents/{incident.id}")

    asked = client.post(f"/incidents/{incident.id}/reply", data={"text": LONG, "csrf_token": token})
    question = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "2 SMS per pelapor, dikirim utuh: 4 SMS untuk 2 pelapor" in question
    assert db.session.scalars(select(OutboundMessage)).all() == []  # nothing before the person confirms

    sent = client.post(f"/incidents/{incident.id}/reply", data={"text": LONG, "confirm": "1", "csrf_token": token})
    assert sent.status_code == 303
    rows = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(m.to_phone, m.body, m.segments) for m in rows] == [
        ("+6281200000001", LONG, 2), ("+6281200000002", LONG, 2)
    ]  # fmt: skip
    (event,) = db.session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "sms"))
    assert (event.note, event.data["segments"], event.data["total"]) == (LONG, 2, 4)
    timeline = client.get(f"/incidents/{incident.id}/timeline").get_data(as_text=True)
    assert "SMS diantrekan untuk 2 pelapor, utuh: 2 bagian per pesan, 4 SMS" in timeline


def test_a_reply_longer_than_three_sms_is_refused_with_its_count(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, staff)
    token = csrf_token(client, f"/incidents/{incident.id}")
    text = " ".join([LONG] * 3)  # 500 characters: 4 SMS
    response = client.post(f"/incidents/{incident.id}/reply", data={"text": text, "confirm": "1", "csrf_token": token},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 422
    assert "Pesan terlalu panjang: 4 SMS (500 karakter). Paling banyak 3 SMS" in response.get_data(as_text=True)
    assert db.session.scalars(select(OutboundMessage)).all() == []
