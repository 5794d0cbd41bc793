"""Queries over incidents and reports, always limited to what the user may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload, undefer

from ..extensions import db
from ..models import Incident, Report, User
from ..scope import in_scope


def incidents_page(user: User, page: int, per_page: int):
    """The user's incidents, newest first, with their desa, kecamatan and report count loaded."""
    stmt = (
        select(Incident)
        .where(in_scope(Incident, user))
        .options(selectinload(Incident.desa), selectinload(Incident.kecamatan), undefer(Incident.report_count))
        .order_by(Incident.opened_at.desc(), Incident.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def reports_page(user: User, page: int, per_page: int):
    """The user's reports, newest first, with their reporter, desa and incident loaded."""
    stmt = (
        select(Report)
        .where(in_scope(Report, user))
        .options(
            selectinload(Report.reporter),
            selectinload(Report.desa),
            selectinload(Report.kecamatan),
            selectinload(Report.incident),
        )
        .order_by(Report.received_at.desc(), Report.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
