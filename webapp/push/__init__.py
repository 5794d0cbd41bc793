"""Web push: a signed-in user's browsers subscribe to notifications (``notices`` decides what they get)."""

from flask import Blueprint

bp = Blueprint("push", __name__, url_prefix="/push")

from . import routes  # noqa: E402,F401
