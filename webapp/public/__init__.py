"""Information for citizens: public pages per kecamatan and kabupaten, feeds, CAP, share texts and image cards,
and the staff's publish and withdraw actions."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401
