"""SPM sub-urusan bencana achievement: denominators, the preparedness log, achievement per service, hazard and
desa, the SPM sheet and the Kencana self-assessment."""

from flask import Blueprint

bp = Blueprint("spm", __name__)

from . import routes  # noqa: E402,F401
