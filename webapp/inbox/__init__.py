"""Pesan masuk: the messages that are not reports (a greeting, a thank-you, a question) from people with no open
incident; the kecamatan turns one into an incident with one tap, or marks it handled."""

from flask import Blueprint

bp = Blueprint("inbox", __name__)

from . import routes  # noqa: E402,F401
