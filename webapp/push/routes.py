"""The browser's push subscription, kept or forgotten at the request of the page's script (JSON)."""

from flask import current_app, jsonify, request
from flask_login import current_user

from ..access import signed_in
from ..extensions import db
from ..messaging import addresses
from . import bp
from .service import SubscriptionError, subscribe, unsubscribe


@bp.post("/subscriptions")
@signed_in
def add():
    """The page's service worker subscribed: keep the subscription (JSON, CSRF token in X-CSRFToken); one whose
    endpoint is not https or leads into a local or internal network is refused with 400 and the reason."""
    try:
        subscription = subscribe(current_user, request.get_json(silent=True),
                                 current_app.config["PUSH_ALLOW_HTTP_LOOPBACK"],
                                 addresses.from_config(current_app.config))  # fmt: skip
    except SubscriptionError as exc:
        return jsonify(error=str(exc)), 400
    db.session.commit()
    return jsonify(status="ok", id=subscription.id), 201


@bp.post("/subscriptions/remove")
@signed_in
def remove():
    """The browser turned notifications off."""
    data = request.get_json(silent=True) or {}
    removed = unsubscribe(current_user, data.get("endpoint"))
    db.session.commit()
    return jsonify(status="ok", removed=removed)
