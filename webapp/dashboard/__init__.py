"""The kecamatan's SPM dashboard: response times, recap per desa and hazard, exports, a printable monthly recap."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from . import routes  # noqa: E402,F401
