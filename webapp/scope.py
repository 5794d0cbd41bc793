"""Who may see what: every query for reports or incidents goes through ``in_scope``."""

from __future__ import annotations

from sqlalchemy import false, true

from .models import User


def in_scope(model, user: User):
    """A SQL condition limiting ``model`` (anything with ``kecamatan_code`` and ``desa_code``) to the user's region.

    Admins see everything; kecamatan staff see their kecamatan; desa officials see their desa.
    """
    if user.role == "admin":
        return true()
    if user.role == "kecamatan_staff" and user.region_code:
        return model.kecamatan_code == user.region_code
    if user.role == "desa_official" and user.region_code:
        return model.desa_code == user.region_code
    return false()
