"""The JSON API: ``Authorization: Bearer <token>``, scoped to the token owner's region, paginated."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import routes  # noqa: E402,F401
