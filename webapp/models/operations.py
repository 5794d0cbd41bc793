"""Operations: what the worker, the backups and the helper services last did, for ``/healthz`` and the admin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

SERVICES = ("worker", "backup", "offsite")


class ServiceState(db.Model):
    """One row per service the server relies on outside the web process: the worker's last round, the last
    backup (and its off-site copy). ``at`` is the last report, ``ok`` whether it went well, ``ok_at`` the last
    time it did (a backup's age), ``detail`` what happened in the operator's words (a file name and size, or the
    error), never anything about people."""

    __tablename__ = "service_state"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(String(500), default="")
