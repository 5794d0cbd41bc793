"""What the worker, the backups and the helper services last did (one ``ServiceState`` row each), read by
``/healthz``, ``deploy/check.py`` through it, and the admin's strip."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import ServiceState, utcnow


def report(name: str, ok: bool, detail: str = "", now: datetime | None = None) -> ServiceState:
    """Record what ``name`` just did; the caller commits."""
    now = now or utcnow()
    row = db.session.get(ServiceState, name)
    if row is None:
        row = ServiceState(name=name, at=now, ok=ok, detail="")
        db.session.add(row)
    row.at, row.ok, row.detail = now, ok, detail[:500]
    if ok:
        row.ok_at = now
    return row


def last(name: str) -> ServiceState | None:
    """The last report of ``name``, or None when it never reported."""
    return db.session.get(ServiceState, name)
