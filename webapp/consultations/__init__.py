"""Konsultasi: a desa official asks the kecamatan what is not an incident; the kecamatan answers or forwards it
to an agency."""

from flask import Blueprint

bp = Blueprint("consultations", __name__)

from . import routes  # noqa: E402,F401
