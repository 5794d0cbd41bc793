"""POST /sms/twilio and /sms/android, signed as the gateways sign them."""

import time
from xml.etree import ElementTree

import pytest
from sqlalchemy import func, select

from conftest import desa_code
from sms.gsm import fits_one_segment
from webapp import create_app
from webapp.extensions import db
from webapp.models import Incident, OutboundMessage, ReceivingNumber, Report
from webapp.worker import send_due
from webhook_helpers import (
    TWILIO_NUMBER,
    android_event,
    android_signed,
    twilio_headers,
    twilio_params,
)


@pytest.fixture
def numbers(ctx):
    db.session.add_all(
        [
            ReceivingNumber(gateway="twilio", address=TWILIO_NUMBER, kecamatan_code="35.14.19"),
            ReceivingNumber(gateway="android", address="dev-winongan/1", kecamatan_code="35.14.19"),
            ReceivingNumber(gateway="android", address="dev-lampihong", kecamatan_code="63.11.05"),
        ]
    )
    db.session.commit()


def reports() -> list[Report]:
    db.session.expire_all()
    return list(db.session.scalars(select(Report).order_by(Report.id)))


def twiml_reply(response) -> str | None:
    messages = ElementTree.fromstring(response.data).findall("Message")
    return messages[0].text if messages else None


def post_twilio(client, params, headers=None):
    return client.post("/sms/twilio", data=params, headers=twilio_headers(params) if headers is None else headers)


def post_android(client, event, **sign):
    body, headers = android_signed(event, **sign)
    return client.post("/sms/android", data=body, headers=headers)


# --- Twilio ---------------------------------------------------------------------------------------------------


def test_twilio_sms_is_stored_and_answered_in_twiml(client, numbers):
    response = post_twilio(client, twilio_params("SM001", "banjir di sumberejo 12 rmh terendam"))
    assert response.status_code == 200 and response.mimetype == "text/xml"
    (report,) = reports()
    assert (report.channel, report.external_id, report.desa_code) == (
        "sms",
        "SM001",
        desa_code("35.14.19", "Sumberrejo"),
    )
    reply = twiml_reply(response)
    assert reply.startswith("Laporan banjir di Desa Sumberrejo diterima.") and report.incident.ticket in reply
    assert fits_one_segment(reply)


def test_whatsapp_comes_through_the_same_route(client, numbers):
    params = twilio_params(
        "SM002", "longsor di gading", sender="whatsapp:+6281234567890", to=f"whatsapp:{TWILIO_NUMBER}"
    )
    response = post_twilio(client, params)
    assert response.status_code == 200
    (report,) = reports()
    assert report.channel == "whatsapp" and report.reporter.phone == "+6281234567890"


def test_a_twilio_retry_creates_no_second_report(client, numbers):
    params = twilio_params("SM003", "banjir di prodo")
    first, second = post_twilio(client, params), post_twilio(client, params)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert len(reports()) == 1


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Twilio-Signature": "Zm9yZ2Vk"}, "wrong-token", "wrong-url"],
    ids=["missing", "forged", "wrong-token", "wrong-url"],
)
def test_twilio_forged_or_missing_signature_is_403(client, numbers, headers):
    params = twilio_params("SM004", "banjir di prodo")
    if headers == "wrong-token":
        headers = twilio_headers(params, token="not-the-token")
    elif headers == "wrong-url":
        headers = twilio_headers(params, url="https://evil.example/sms/twilio")
    response = post_twilio(client, params, headers)
    assert response.status_code == 403
    assert reports() == []


def test_twilio_tampered_body_is_403(client, numbers):
    params = twilio_params("SM005", "banjir di prodo")
    headers = twilio_headers(params)
    response = post_twilio(client, {**params, "Body": "banjir di gading"}, headers)
    assert response.status_code == 403 and reports() == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"MessageSid": ""}, "missing MessageSid"), ({"From": "+62 bukan nomor"}, "From is not a phone number"),
     ({"To": ""}, "missing To")],
)  # fmt: skip
def test_twilio_malformed_request_is_400_and_stores_nothing(client, numbers, change, reason):
    params = {**twilio_params("SM006", "banjir"), **change}
    response = post_twilio(client, params)
    assert response.status_code == 400 and reason in response.get_data(as_text=True)
    assert reports() == []


def test_twilio_unknown_receiving_number_is_refused(client, numbers):
    response = post_twilio(client, twilio_params("SM007", "banjir di prodo", to="+14155550199"))
    assert response.status_code == 422
    assert "+14155550199 is not mapped to a kecamatan" in response.get_data(as_text=True)
    assert reports() == []


def test_twilio_signature_checked_against_the_public_url_behind_a_proxy(app, numbers):
    proxied = create_app({**app.config, "TRUSTED_PROXY_COUNT": 1})
    params = twilio_params("SM008", "banjir di prodo")
    public = "https://tangguh.example.id/sms/twilio"
    headers = {
        **twilio_headers(params, url=public),
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "tangguh.example.id",
    }
    assert proxied.test_client().post("/sms/twilio", data=params, headers=headers).status_code == 200
    with proxied.app_context():
        db.engine.dispose()
    # Without trusting the proxy the app sees http://localhost and refuses the same request.
    assert app.test_client().post("/sms/twilio", data=params, headers=headers).status_code == 403


def test_oversized_body_is_413(client, numbers):
    params = twilio_params("SM009", "x" * 70_000)
    assert post_twilio(client, params).status_code == 413
    body, headers = android_signed(android_event("ev-big", "x" * 70_000))
    assert client.post("/sms/android", data=body, headers=headers).status_code == 413
    assert reports() == []


# --- Android gateway ------------------------------------------------------------------------------------------


def test_android_sms_is_stored_with_its_time_and_answered(client, numbers, caplog):
    caplog.set_level("INFO", logger="tangguh.outbound")
    response = post_android(client, android_event("ev-1", "banjir di sumberejo 12 rmh terendam"))
    assert response.status_code == 200
    body = response.json
    (report,) = reports()
    assert body["report_id"] == report.id and body["duplicate"] is False
    assert report.channel == "sms" and report.external_id == "ev-1"
    assert report.received_at.isoformat() == "2026-11-22T01:15:00+00:00"  # 08:15 WIB as the phone said
    assert report.reporter.phone == "+6281234567890"
    assert fits_one_segment(body["reply"])
    assert send_due() == {"sent": 1}  # the worker sends the reply
    (sent,) = [r.getMessage() for r in caplog.records if r.name == "tangguh.outbound"]
    assert sent.startswith("SMS to +6281234567890 (console gateway") and sent.endswith(body["reply"])


def test_android_repeat_event_is_one_report_and_one_reply(client, numbers, caplog):
    caplog.set_level("INFO", logger="tangguh.outbound")
    event = android_event("ev-2", "banjir di prodo")
    first, second = post_android(client, event), post_android(client, event)
    assert first.json["reply"] == second.json["reply"] and second.json["duplicate"] is True
    assert len(reports()) == 1
    send_due()
    assert len([r for r in caplog.records if r.name == "tangguh.outbound"]) == 1  # the reply went out once


def test_android_device_without_sim_mapping_falls_back_to_the_device(client, numbers):
    response = post_android(client, android_event("ev-3", "banjir di lajar", device="dev-lampihong", sim=2))
    assert response.status_code == 200
    assert reports()[0].kecamatan_code == "63.11.05"


def test_android_unknown_device_is_refused(client, numbers):
    response = post_android(client, android_event("ev-4", "banjir", device="dev-unknown"))
    assert response.status_code == 422 and "dev-unknown" in response.json["error"]
    assert reports() == []


@pytest.mark.parametrize(
    ("key", "skew"), [("wrong-key", 0), (None, -310), (None, 310)], ids=["wrong-key", "too-old", "from-the-future"]
)
def test_android_bad_or_stale_signature_is_401(client, numbers, key, skew):
    sign = {"timestamp": int(time.time()) + skew}  # the allowed skew is 300 s
    if key:
        sign["key"] = key
    response = post_android(client, android_event("ev-5", "banjir di prodo"), **sign)
    assert response.status_code == 401 and reports() == []


def test_android_missing_signature_headers_are_401(client, numbers):
    response = client.post("/sms/android", json=android_event("ev-6", "banjir di prodo"))
    assert response.status_code == 401 and reports() == []


def test_android_tampered_body_is_401(client, numbers):
    body, headers = android_signed(android_event("ev-7", "banjir di prodo"))
    tampered = body.replace(b"prodo", b"gading")
    assert client.post("/sms/android", data=tampered, headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        ({"event": "sms:received", "id": "ev-8", "deviceId": "dev-winongan"}, "missing payload"),
        ({**android_event("ev-8", "x"), "id": ""}, "missing or invalid id"),
        (android_event("ev-8", "x", phone="+62 halo"), "phoneNumber is not a phone number"),
        (android_event("ev-8", "x", received_at="kemarin"), "invalid receivedAt"),
        (android_event("ev-8", "x", received_at="2026-11-22T08:15:00"), "receivedAt has no time zone"),
    ],
)
def test_android_malformed_event_is_400_and_stores_nothing(client, numbers, event, reason):
    response = post_android(client, event)
    assert response.status_code == 400 and reason in response.json["error"]
    assert reports() == []


def test_android_other_events_are_acknowledged_and_ignored(client, numbers):
    event = {"event": "mms:received", "id": "ev-9", "deviceId": "dev-winongan", "payload": {}}
    response = post_android(client, event)
    assert response.status_code == 200 and response.json["status"] == "ignored"
    assert reports() == []


def test_android_reply_goes_back_through_the_gateway_api_once(client, numbers, fake_android):
    event = android_event("ev-10", "banjir di prodo", sim=1)
    first = post_android(client, event)
    post_android(client, event)  # the gateway's retry
    send_due()
    send_due()
    (message,) = fake_android.messages
    assert message["_path"] == "/3rdparty/v1/messages" and message["_auth"].startswith("Basic ")
    assert message["phoneNumbers"] == ["+6281234567890"] and message["simNumber"] == 1
    assert message["deviceId"] == "dev-winongan"  # from the phone the message arrived on
    assert message["textMessage"]["text"] == first.json["reply"]
    (row,) = db.session.scalars(select(OutboundMessage)).all()
    assert (row.key, row.purpose, row.status) == (f"reply-{first.json['report_id']}", "reply", "sent")
    assert message["id"] == row.provider_id == f"tangguh-{row.id}"


def test_a_failing_gateway_loses_no_report(client, numbers, app, monkeypatch):
    """The gateway is down when the report arrives and when the worker tries to answer: the report is kept and
    answered at once, and the reply waits in the queue for a retry instead of being lost."""
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "android")
    monkeypatch.setitem(app.config, "ANDROID_GATEWAY_URL", "http://127.0.0.1:9/3rdparty/v1")  # nothing listens
    monkeypatch.setitem(app.config, "ANDROID_GATEWAY_PASSWORD", "x")
    monkeypatch.setitem(app.config, "GATEWAY_TIMEOUT", 0.5)
    response = post_android(client, android_event("ev-11", "banjir di prodo"))
    assert response.status_code == 200 and response.json["reply"].startswith("Laporan banjir di Desa Prodo")
    assert send_due() == {"queued": 1}  # the send failed: back in the queue, not dropped
    (reply,) = db.session.scalars(select(OutboundMessage))
    assert reply.status == "queued" and reply.attempts == 1 and "connect" in reply.error.lower()
    assert len(reports()) == 1 and reports()[0].incident is not None


# --- Both -----------------------------------------------------------------------------------------------------


def test_rate_limit_answers_once_then_stays_quiet_and_loses_nothing(client, numbers, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_RATE_LIMIT", "3/minute")
    sender = "+6285799990001"
    replies = [
        twiml_reply(post_twilio(client, twilio_params(f"SM1{i}", "banjir di prodo", sender=sender))) for i in range(5)
    ]
    assert all(r and r.startswith("Laporan banjir di Desa Prodo") for r in replies[:3])
    assert replies[3] == "Terlalu banyak pesan dari nomor ini. Pesan berikutnya akan dibaca petugas nanti."
    assert replies[4] is None
    assert len(reports()) == 5  # stored all the same
    other = twiml_reply(post_twilio(client, twilio_params("SM20", "banjir di prodo", sender="+6285799990002")))
    assert other.startswith("Laporan banjir")  # the limit is per number


def test_gateway_retries_of_one_message_never_count_toward_the_rate_limit(client, numbers, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_RATE_LIMIT", "3/minute")
    sender = "+6285799990003"
    first = twiml_reply(post_twilio(client, twilio_params("SM40", "banjir di prodo", sender=sender)))
    retries = [
        twiml_reply(post_twilio(client, twilio_params("SM40", "banjir di prodo", sender=sender))) for _ in range(6)
    ]
    event = android_event("ev-40", "banjir di prodo", phone=sender)
    android = [post_android(client, event).json["reply"] for _ in range(7)]
    assert first.startswith("Laporan banjir di Desa Prodo") and retries == [first] * 6
    assert android == [android[0]] * 7 and android[0].startswith("Laporan banjir di Desa Prodo")
    new = twiml_reply(post_twilio(client, twilio_params("SM41", "banjir di prodo", sender=sender)))
    assert new.startswith("Laporan banjir")  # the third message of the minute: still within 3/minute
    assert len(reports()) == 3


def test_api_shows_merged_incidents_with_report_counts(client, numbers, make_user):
    from webapp.accounts import issue_api_token

    post_twilio(client, twilio_params("SM30", "banjir di prodo 10 rumah terendam"))
    post_android(client, android_event("ev-30", "banjir lagi di prodo, 25 rumah terendam", phone="081311112222"))
    post_twilio(client, twilio_params("SM31", "longsor di gading"))
    token = issue_api_token(make_user("kecamatan_staff", "35.14.19"))
    items = client.get("/api/incidents", headers={"Authorization": f"Bearer {token}"}).json["items"]
    by_hazard = {item["hazard"]: item for item in items}
    assert by_hazard["banjir"]["report_count"] == 2 and by_hazard["banjir"]["counts"] == {"rumah_terendam": 25}
    assert by_hazard["tanah_longsor"]["report_count"] == 1
    assert db.session.scalar(select(func.count()).select_from(Incident)) == 2
