"""The region a report page covers, read from its ``wilayah`` parameter for pages that need one kecamatan or
kabupaten (the SPM sheet, the Kencana evidence, the daily situation report)."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Forbidden, area_in_reach
from ..extensions import db
from ..models import Region


def requested_area() -> Region:
    """``wilayah=…`` or the user's own region: 403 outside the user's reach, 400 unless a kecamatan or kabupaten."""
    try:
        code = area_in_reach(current_user, request.args.get("wilayah") or None)
    except Forbidden:
        abort(403)
    region = db.session.get(Region, code) if code else None
    if region is None or region.level not in ("kecamatan", "kabupaten"):
        abort(Response(render_template("errors/error.html", status=400,
                                       message=_("Pilih kecamatan atau kabupaten (wilayah=…).")), 400))  # fmt: skip
    return region
