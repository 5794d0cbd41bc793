import json
from datetime import UTC, datetime

from flask import current_app, jsonify, request
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import RequestEntityTooLarge

from sms.operator import operator_sender
from sms.phone import InvalidPhone, normalize_phone

from ..access import public
from ..extensions import csrf, db
from ..intake.ingest import InboundMessage, IntakeResult, ingest
from ..messaging import gateway_health, sim_credit
from ..messaging.outbound import enqueue, message_by_provider, record_delivery
from ..models import ReceivingNumber
from . import bp
from .verify import android_signature_ok, twilio_signature_ok

csrf.exempt(bp)  # gateways sign their requests; there is no browser session to forge


class BadRequest(ValueError):
    """A webhook request we refuse, with the reason the caller is told."""


def _body() -> bytes | None:
    """The request body, or None when it is larger than ``WEBHOOK_MAX_BYTES``. The limit holds while the body is
    read, not only by its Content-Length, which a chunked body has none of: the stream is read to one byte past
    the limit at most (a Content-Length over it is refused before anything is read). ``request.form`` then parses
    what was read, never the stream."""
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    request.max_content_length = limit + 1  # Werkzeug's stream stops there, whatever the client still sends
    try:
        body = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return None
    return body if len(body) <= limit else None


def _twiml(reply: str | None, status: int = 200):
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return str(response), status, {"Content-Type": "text/xml; charset=utf-8"}


def _phone(raw: str, what: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise BadRequest(f"{what} is not a phone number") from exc


def _sender(raw: str, what: str) -> tuple[str | None, str | None]:
    """(phone, None) for a phone number, (None, sender) for the operator's short code or alphanumeric sender
    ("3636", "TELKOMSEL"); BadRequest for anything else."""
    try:
        return normalize_phone(raw), None
    except InvalidPhone:
        operator = operator_sender(raw)
        if operator is None:
            raise BadRequest(f"{what} is not a phone number, a short code or a sender name") from None
        return None, operator


def _twilio_refusal():
    """413 for an oversized body, 403 unless X-Twilio-Signature matches the public URL and the form; else None."""
    if _body() is None:
        return "request body too large", 413
    signature = request.headers.get("X-Twilio-Signature", "")
    if not twilio_signature_ok(current_app.config["TWILIO_AUTH_TOKEN"], request.url, request.form, signature):
        return "invalid or missing X-Twilio-Signature", 403
    return None


@bp.post("/twilio")
@public  # signed by the gateway: each view checks the signature first
def twilio():
    """Twilio SMS and WhatsApp: signed with X-Twilio-Signature over the public URL; answered with TwiML."""
    refused = _twilio_refusal()
    if refused:
        return refused
    try:
        form = request.form
        missing = [name for name in ("MessageSid", "From", "To") if not form.get(name, "").strip()]
        if missing:
            raise BadRequest(f"missing {', '.join(missing)}")
        sender = form["From"].strip()
        channel = "whatsapp" if sender.lower().startswith("whatsapp:") else "sms"
        phone, operator = _sender(sender, "From") if channel == "sms" else (_phone(sender, "From"), None)
        receiver = _phone(form["To"], "To")
    except BadRequest as exc:
        return str(exc), 400
    number = gateway_health.receiving_door("twilio", receiver)
    if number is None:
        current_app.logger.error("message %s to unmapped Twilio number %s", form["MessageSid"], receiver)
        return f"receiving number {receiver} is not mapped to a kecamatan", 422
    kecamatan = number.kecamatan_code
    if operator is not None:  # the carrier writing to the number itself: kept for it, never a report
        row = db.session.get(ReceivingNumber, number.id)
        if row is None:  # removed by another process since this one kept it
            return f"receiving number {receiver} is not mapped to a kecamatan", 422
        sim_credit.receive("twilio", form["MessageSid"].strip(), row, operator, form.get("Body", ""))
        db.session.commit()
        return _twiml(None)
    message = InboundMessage(
        channel=channel,
        external_id=form["MessageSid"].strip(),
        text=form.get("Body", ""),
        kecamatan_code=kecamatan,
        sender_phone=phone,
    )
    result = ingest(message, rate_limited=True)
    gateway_health.number_event(number)
    db.session.commit()
    return _twiml(result.reply)


# Twilio's message statuses that say something about delivery; the rest (queued, sending, …) change nothing.
TWILIO_DELIVERY = {
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
}
ANDROID_DELIVERY = {"sms:sent": "sent", "sms:delivered": "delivered", "sms:failed": "failed"}


@bp.post("/twilio/status")
@public
def twilio_status():
    """Twilio's status callback for a message the worker sent (signed like every Twilio request)."""
    refused = _twilio_refusal()
    if refused:
        return refused
    sid, status = request.form.get("MessageSid", "").strip(), request.form.get("MessageStatus", "").strip()
    if not sid or not status:
        return "missing MessageSid or MessageStatus", 400
    delivery = TWILIO_DELIVERY.get(status.lower())
    if delivery is None:
        return "", 204
    message = message_by_provider("twilio", sid)
    if message is None:
        return f"unknown MessageSid {sid}", 404
    code = request.form.get("ErrorCode", "").strip()
    record_delivery(message, delivery, error=f"Twilio {status}" + (f", error {code}" if code else ""))
    db.session.commit()
    return "", 204


def _android_event(body: bytes) -> tuple[dict, dict]:
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("body is not JSON") from exc
    if not isinstance(event, dict):
        raise BadRequest("body is not a JSON object")
    payload = event.get("payload")
    if event.get("event") in ("sms:received", *ANDROID_DELIVERY) and not isinstance(payload, dict):
        raise BadRequest("missing payload")
    return event, payload or {}


def _android_delivery(kind: str, payload: dict, device: str | None):
    """``sms:sent`` / ``sms:delivered`` / ``sms:failed`` for a message the worker handed to this device: another
    kecamatan's phone (whose key signed the event) can say nothing about this kecamatan's messages."""
    message_id = _text_field(payload, "messageId")
    moment_field = {"sms:sent": "sentAt", "sms:delivered": "deliveredAt", "sms:failed": "failedAt"}[kind]
    at = _moment(payload, moment_field)
    message = message_by_provider("android", message_id)
    if message is not None and not gateway_health.sent_through(message, device):
        current_app.logger.warning("device %s reported on message %s of another device", device, message_id)
        message = None
    if message is None:  # sent from the phone by hand, or by another app: acknowledged so the gateway stops retrying
        current_app.logger.warning("delivery report for unknown Android message %s", message_id)
        return jsonify(status="ignored", reason=f"unknown messageId {message_id}")
    reason = payload.get("reason")
    error = f"gateway: {reason}" if isinstance(reason, str) and reason.strip() else None
    changed = record_delivery(message, ANDROID_DELIVERY[kind], error=error, at=at)
    db.session.commit()
    return jsonify(status="ok" if changed else "unchanged", message_status=message.status)


def _text_field(source: dict, name: str, required: bool = True) -> str:
    value = source.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequest(f"missing or invalid {name}")
    return value


def _moment(payload: dict, field: str) -> datetime:
    raw = payload.get(field)
    if raw is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest(f"invalid {field}") from exc
    if moment.tzinfo is None:
        raise BadRequest(f"{field} has no time zone offset")
    return moment.astimezone(UTC)


def _queue_android_reply(result: IntakeResult, phone: str, device: str, sim: int | None, kecamatan: str):
    """The answer goes back from the phone and SIM the message arrived on, through the outbound queue (the
    caller commits)."""
    enqueue(
        key=f"reply-{result.report_id}",
        to=phone,
        body=result.reply,
        purpose="reply",
        kecamatan_code=kecamatan,
        via="android",
        sender=device,
        sim_number=sim,
        desa_code=result.desa_code,
        reporter_id=result.reporter_id,
        incident_id=result.incident_id,
    )


def _device_of(body: bytes) -> str | None:
    """The device a body claims to come from, to pick its signing key (the signature is checked next)."""
    try:
        event = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    device = event.get("deviceId") if isinstance(event, dict) else None
    return device if isinstance(device, str) and device.strip() else None


def _android_signed(body: bytes) -> bool:
    """X-Signature matches the body and X-Timestamp under the device's own key (or the global one)."""
    device = _device_of(body)
    keys = gateway_health.signing_keys(device) if device else []
    keys = keys or [k for k in [current_app.config["ANDROID_WEBHOOK_SIGNING_KEY"]] if k]
    timestamp, signature = request.headers.get("X-Timestamp", ""), request.headers.get("X-Signature", "")
    skew = current_app.config["ANDROID_WEBHOOK_MAX_SKEW"]
    return any(android_signature_ok(key, body, timestamp, signature, skew) for key in keys)


def _android_ping(device: str):
    """``system:ping``: the device is alive. One from a device nobody set up is acknowledged and logged only."""
    known = gateway_health.device_event(device, "ping")
    db.session.commit()
    if not known:
        return jsonify(status="ignored", reason=f"device {device} is not set up")
    return jsonify(status="ok")


@bp.post("/android")
@public
def android():
    """SMS Gateway for Android, signed with HMAC-SHA256 (X-Signature, X-Timestamp) by the device's own key (set
    on the setup page) or ``ANDROID_WEBHOOK_SIGNING_KEY``: ``sms:received`` is a report (or a test SMS coming
    back); ``sms:sent``, ``sms:delivered`` and ``sms:failed`` update a message the worker sent; ``system:ping``
    says the device is alive. Every signed event counts as the device being seen."""
    body = _body()
    if body is None:
        return jsonify(error="request body too large"), 413
    if not _android_signed(body):
        return jsonify(error="invalid, missing or expired X-Signature/X-Timestamp"), 401
    try:
        event, payload = _android_event(body)
        kind = event.get("event")
        if kind == "system:ping":
            return _android_ping(_text_field(event, "deviceId"))
        if kind in ANDROID_DELIVERY:
            device = _device_of(body)
            response = _android_delivery(kind, payload, device)
            if device:
                reason = payload.get("reason") if isinstance(payload.get("reason"), str) else None
                gateway_health.device_event(device, kind.removeprefix("sms:"), reason=reason)
                db.session.commit()
            return response
        if kind != "sms:received":
            return jsonify(status="ignored", event=kind)
        event_id = _text_field(event, "id")
        device = _text_field(event, "deviceId")
        text = _text_field(payload, "message", required=False)
        phone, operator = _sender(_text_field(payload, "phoneNumber"), "phoneNumber")
        sim = payload.get("simNumber")
        if sim is not None and (not isinstance(sim, int) or isinstance(sim, bool)):
            raise BadRequest("invalid simNumber")
        received_at = _moment(payload, "receivedAt")
    except BadRequest as exc:
        return jsonify(error=str(exc)), 400
    test = gateway_health.test_arrived(text, device)
    if test is not None:  # our own test SMS, back through the device: timed, not a report
        gateway_health.device_event(device, "inbound", sim)
        db.session.commit()
        return jsonify(status="ok", test=test.token)
    number = gateway_health.receiving_door("android", f"{device}/{sim}", device)
    if number is None:
        current_app.logger.error("event %s from unmapped Android device %s (SIM %s)", event_id, device, sim)
        return jsonify(error=f"device {device} (SIM {sim}) is not mapped to a kecamatan"), 422
    kecamatan = number.kecamatan_code
    if operator is not None:  # the operator writing to the SIM itself (credit, active period, promos)
        row = db.session.get(ReceivingNumber, number.id)
        if row is None:  # removed by another process since this one kept it
            return jsonify(error=f"device {device} (SIM {sim}) is not mapped to a kecamatan"), 422
        stored, duplicate = sim_credit.receive("android", event_id, row, operator, text, received_at)
        gateway_health.device_event(device, "inbound", sim)
        db.session.commit()
        return jsonify(status="ok", operator_message_id=stored.id, duplicate=duplicate)
    message = InboundMessage(
        channel="sms",
        external_id=event_id,
        text=text,
        kecamatan_code=kecamatan,
        sender_phone=phone,
        received_at=received_at,
    )
    result = ingest(message, rate_limited=True)
    if result.reply:  # queued once per report, so a retried delivery queues nothing new
        _queue_android_reply(result, phone, device, sim, kecamatan)
    gateway_health.device_inbound(device, sim)
    db.session.commit()  # the reply and the device's health together, after the report was committed
    return jsonify(status="ok", report_id=result.report_id, duplicate=result.duplicate, reply=result.reply)
