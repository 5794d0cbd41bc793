"""Residents of a desa: registered by SMS (DAFTAR), or by officials one by one or from a CSV file."""

from flask import Blueprint

bp = Blueprint("residents", __name__)

from . import routes  # noqa: E402,F401
