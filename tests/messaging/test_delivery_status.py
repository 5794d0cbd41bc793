"""Delivery reports: Twilio's status callback and the Android gateway's sms:sent / sms:delivered / sms:failed."""

import pytest

from webapp.extensions import db
from webapp.messaging.outbound import enqueue
from webapp.models import OutboundMessage
from webapp.setup.service import add_number
from webhook_helpers import android_signed, twilio_headers

STATUS_URL = "http://localhost/sms/twilio/status"


def sent_message(gateway: str, provider_id: str | None = None, status: str = "sent") -> OutboundMessage:
    message = enqueue(key=f"m-{gateway}", to="+6281234567890", body="Tes", purpose="notify", kecamatan_code="35.14.19")
    db.session.flush()
    message.gateway = gateway  # as if sent by that gateway (the suite's configured gateway is the console)
    message.status, message.provider_id = status, provider_id or f"tangguh-{message.id}"
    db.session.commit()
    return message


def current(message) -> OutboundMessage:
    db.session.expire_all()
    return db.session.get(OutboundMessage, message.id)


def twilio_callback(client, params, headers=None):
    return client.post("/sms/twilio/status", data=params, headers=headers or twilio_headers(params, STATUS_URL))


@pytest.fixture
def winongan_phone(ctx):
    """The Android gateway phone of Winongan, whose messages the reports below are about."""
    add_number(None, "android", "dev-winongan", "35.14.19", new_key=False)


def android_callback(client, kind, message_id, **payload):
    event = {"event": kind, "id": f"ev-{kind}", "deviceId": "dev-winongan", "payload": {"messageId": message_id,
             "phoneNumber": "+6281234567890", **payload}}  # fmt: skip
    body, headers = android_signed(event)
    return client.post("/sms/android", data=body, headers=headers)


def test_twilio_delivered_then_a_late_sent_keeps_delivered(client, ctx):
    message = sent_message("twilio", "SM" + "1" * 32)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    assert twilio_callback(client, params).status_code == 204
    delivered = current(message)
    assert delivered.status == "delivered" and delivered.delivered_at is not None
    late = {**params, "MessageStatus": "sent"}
    assert twilio_callback(client, late).status_code == 204
    assert current(message).status == "delivered"


def test_twilio_undelivered_records_the_error_code(client, ctx):
    message = sent_message("twilio", "SM" + "2" * 32)
    params = {"MessageSid": message.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert twilio_callback(client, params).status_code == 204
    failed = current(message)
    assert (failed.status, failed.error) == ("failed", "Twilio undelivered, error 30003")


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 403), ({"X-Twilio-Signature": "bm90LWEtc2lnbmF0dXJl"}, 403)],
)
def test_twilio_callback_with_a_bad_signature_is_refused_and_changes_nothing(client, ctx, headers, status):
    message = sent_message("twilio", "SM" + "3" * 32)
    params = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    assert twilio_callback(client, params, headers=headers or {"X-Other": "1"}).status_code == status
    forged = twilio_headers(params, STATUS_URL, token="not-the-token")
    assert twilio_callback(client, params, headers=forged).status_code == 403
    assert current(message).status == "sent"


def test_twilio_callback_for_an_unknown_message_or_missing_fields(client, ctx):
    params = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "delivered"}
    assert twilio_callback(client, params).status_code == 404
    assert twilio_callback(client, {"MessageStatus": "delivered"}).status_code == 400
    queued = {"MessageSid": "SM" + "9" * 32, "MessageStatus": "queued"}
    assert twilio_callback(client, queued).status_code == 204  # says nothing about delivery


def test_android_sent_delivered_and_failed(client, ctx, winongan_phone):
    message = sent_message("android", status="sending")
    response = android_callback(client, "sms:sent", message.provider_id, sentAt="2026-11-22T09:00:00.000+07:00")
    assert response.status_code == 200 and response.json["message_status"] == "sent"
    assert current(message).sent_at.isoformat() == "2026-11-22T02:00:00+00:00"
    android_callback(client, "sms:delivered", message.provider_id, deliveredAt="2026-11-22T09:00:05.000+07:00")
    assert current(message).status == "delivered"
    other = sent_message("twilio")  # a different gateway's message is not the Android gateway's to report on
    response = android_callback(client, "sms:failed", other.provider_id)
    assert response.status_code == 200 and response.json["status"] == "ignored"  # else the gateway retries for days
    assert current(other).status == "sent"


def test_android_failed_keeps_the_gateway_reason(client, ctx, winongan_phone):
    message = sent_message("android")
    android_callback(client, "sms:failed", message.provider_id, reason="RESULT_ERROR_NO_SERVICE")
    failed = current(message)
    assert (failed.status, failed.error) == ("failed", "gateway: RESULT_ERROR_NO_SERVICE")


def test_android_delivery_event_with_a_bad_signature_is_refused(client, ctx):
    message = sent_message("android")
    event = {"event": "sms:delivered", "id": "ev-x", "deviceId": "d", "payload": {"messageId": message.provider_id}}
    body, headers = android_signed(event, key="not-the-key")
    assert client.post("/sms/android", data=body, headers=headers).status_code == 401
    assert current(message).status == "sent"


def test_android_delivery_event_without_a_message_id_is_400(client, ctx):
    body, headers = android_signed({"event": "sms:delivered", "id": "ev-y", "deviceId": "d", "payload": {}})
    response = client.post("/sms/android", data=body, headers=headers)
    assert response.status_code == 400 and "messageId" in response.json["error"]


def test_superscript_digits_in_a_timestamp_or_message_id_are_refused_not_a_crash(client, ctx):
    body, headers = android_signed({"event": "sms:delivered", "id": "ev-z", "deviceId": "d",
                                    "payload": {"messageId": "tangguh-²"}})  # fmt: skip
    assert client.post("/sms/android", data=body, headers=headers).json["status"] == "ignored"
    headers["X-Timestamp"] = "²"
    assert client.post("/sms/android", data=body, headers=headers).status_code == 401
