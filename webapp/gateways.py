"""Sending replies back through the gateway a message came from.

``SMS_GATEWAY=console`` (the default, for demos and development) writes every outbound message to the log.
Otherwise messages go through the Android gateway's REST API (a reply from the SIM the message arrived on);
Twilio replies travel inline as TwiML and need nothing here. The durable outbound queue with
retries comes with the broadcast work; until then a failed send is logged, never retried, never repeated.
"""

from __future__ import annotations

import logging

from android_sms_gateway import client as android_client
from android_sms_gateway import domain as android_domain
from flask import current_app

log = logging.getLogger("tangguh.outbound")


def send_sms(to: str, text: str, message_id: str, sim_number: int | None = None) -> bool:
    """Send one SMS; True when it was sent (or, on the console gateway, logged).

    ``message_id`` is stable for the message (derived from what it answers), so a repeated call is recognised
    by the Android gateway as the same message rather than sent again. With ``SMS_GATEWAY=twilio`` and no
    Android gateway configured, only inline TwiML replies go out until the outbound queue exists: anything
    else is logged as not sent and False is returned.
    """
    config = current_app.config
    if config["SMS_GATEWAY"] == "console":
        log.info("SMS to %s (console gateway): %s", to, text)
        return True
    if not config["ANDROID_GATEWAY_URL"]:
        log.error("SMS to %s not sent: no outbound route for SMS_GATEWAY=%s", to, config["SMS_GATEWAY"])
        return False
    message = android_domain.Message(
        phone_numbers=[to],
        text_message=android_domain.TextMessage(text=text),
        sim_number=sim_number,
        id=message_id,
    )
    try:
        with android_client.APIClient(
            config["ANDROID_GATEWAY_USER"] or None,
            config["ANDROID_GATEWAY_PASSWORD"],
            base_url=config["ANDROID_GATEWAY_URL"],
        ) as api:
            api.send(message)
    except Exception:  # the report or the action is stored either way; only this SMS failed
        log.exception("Android gateway refused message %s to %s", message_id, to)
        return False
    return True
