"""Sending replies back through the gateway a message came from.

``SMS_GATEWAY=console`` (the default, for demos and development) writes every outbound message to the log.
Otherwise a reply to an Android-gateway message goes back through that gateway's REST API, from the SIM it
arrived on; Twilio replies travel inline as TwiML and need nothing here. The durable outbound queue with
retries comes with the broadcast work; until then a failed send is logged, never retried, never repeated.
"""

from __future__ import annotations

import logging

from android_sms_gateway import client as android_client
from android_sms_gateway import domain as android_domain
from flask import current_app

log = logging.getLogger("tangguh.outbound")


def send_android_reply(to: str, text: str, message_id: str, sim_number: int | None = None) -> bool:
    """Send one SMS through the Android gateway; True when the gateway accepted it.

    ``message_id`` is stable for the reply (derived from the report), so a repeated call is recognised by the
    gateway as the same message rather than sent again.
    """
    config = current_app.config
    if config["SMS_GATEWAY"] == "console" or not config["ANDROID_GATEWAY_URL"]:
        log.info("SMS to %s (console gateway): %s", to, text)
        return True
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
    except Exception:  # the report is stored either way; the reply is what failed
        log.exception("Android gateway refused reply %s to %s", message_id, to)
        return False
    return True
