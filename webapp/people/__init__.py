"""People: admins and kecamatan staff keep the accounts of the people in their region from the browser;
everyone changes their own password (and must, after a temporary one)."""

from flask import Blueprint

bp = Blueprint("people", __name__)

from . import routes  # noqa: E402,F401
