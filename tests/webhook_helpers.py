"""Signing webhook requests as the gateways do: Twilio's own RequestValidator, the Android gateway's HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from twilio.request_validator import RequestValidator

from conftest import ANDROID_KEY, TWILIO_TOKEN

TWILIO_NUMBER = "+14155550100"
TWILIO_URL = "http://localhost/sms/twilio"


def twilio_params(sid: str, body: str, sender: str = "+6281234567890", to: str = TWILIO_NUMBER) -> dict:
    return {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": to, "Body": body, "NumMedia": "0"}


def twilio_headers(params: dict, url: str = TWILIO_URL, token: str = TWILIO_TOKEN) -> dict:
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def android_event(event_id: str, text: str, phone: str = "081234567890", device: str = "dev-winongan",
                  sim: int | None = 1, received_at: str = "2026-11-22T08:15:00.000+07:00") -> dict:  # fmt: skip
    return {
        "deviceId": device,
        "event": "sms:received",
        "id": event_id,
        "payload": {
            "messageId": "not-unique",
            "message": text,
            "phoneNumber": phone,
            "simNumber": sim,
            "receivedAt": received_at,
        },
        "webhookId": "wh-1",
    }


def android_signed(body: bytes | dict, key: str = ANDROID_KEY, timestamp: int | None = None) -> tuple[bytes, dict]:
    """The body and the headers the gateway sends: hex HMAC-SHA256 over body + X-Timestamp (its documentation)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = hmac.new(key.encode(), raw + stamp.encode(), hashlib.sha256).hexdigest()
    return raw, {"X-Signature": signature, "X-Timestamp": stamp, "Content-Type": "application/json"}
