"""Broadcasts by SMS to the registered residents of one, several or all desa of a kecamatan."""

from flask import Blueprint

bp = Blueprint("broadcasts", __name__)

from . import routes  # noqa: E402,F401
