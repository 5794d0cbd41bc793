"""After the first hours (Destana's "pasca bencana"): Form B-1 data, kaji cepat, the emergency status, shelters,
urgent needs and who met them, and the reports BNPB asks for."""

from flask import Blueprint

bp = Blueprint("relief", __name__)

from . import routes  # noqa: E402,F401
