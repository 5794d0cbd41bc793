"""Setting a kecamatan up from the browser: receiving numbers and Android gateways (keys, test SMS, health),
agencies, and for admins the sign-in attempts and the audit log."""

from flask import Blueprint

bp = Blueprint("setup", __name__, url_prefix="/pengaturan")

from . import routes  # noqa: E402,F401
