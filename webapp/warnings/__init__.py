"""BMKG's early warnings: polled, matched to the kecamatan they name, and made into drafts a person sends."""

from flask import Blueprint

bp = Blueprint("warnings", __name__)

from . import routes  # noqa: E402,F401
