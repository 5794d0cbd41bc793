"""Inbound SMS and WhatsApp webhooks: verify the sender, turn the request into an InboundMessage, ingest it."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/sms")

from . import routes  # noqa: E402,F401
