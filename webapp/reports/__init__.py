"""The web report form: desa officials and kecamatan staff report through the same door as SMS."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from . import routes  # noqa: E402,F401
