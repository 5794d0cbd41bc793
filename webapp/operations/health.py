"""What works and what does not, for the operator: ``/healthz`` for monitors and ``deploy/check.py``, a strip on
the admin's pages, and ``/pengaturan/server`` with the details.

``/healthz`` answers ``ok``, ``degraded`` (the server works, but something it relies on does not) or ``error``
(503: the database does not answer), with ``reasons``, words a monitor can match:

- ``database``: the database does not answer;
- ``ratelimit_store``: the rate-limit store (Redis) does not answer; counting goes on in each process;
- ``worker_stopped``: no worker round for ``WORKER_STALE_MINUTES`` (escalations, BMKG and sending stop);
- ``outbound_stalled``: messages due for ``OUTBOUND_STALE_MINUTES`` that nobody sent;
- ``gateway_offline``: an Android gateway phone is offline (villagers' SMS may not arrive);
- ``gateway_credit``: a gateway SIM's operator says its credit or active period is running out;
- ``backup_failed``, ``backup_stale`` (no good backup for ``BACKUP_MAX_AGE_HOURS``), ``backup_readable`` (a
  backup file others may read), ``offsite_failed`` (the last off-site copy failed);
- ``proxy_untrusted``: forwarded headers arrive while ``TRUSTED_PROXY_COUNT`` is 0, so every visitor looks
  like the proxy's address (one address's failed sign-ins then hold everyone back).

Only counts, ages and times are given, never which kecamatan, number, device or person: the page is public.
"""

from __future__ import annotations

import stat
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import func, select, text

from .. import ratelimit
from ..access import ability_required, public
from ..extensions import db
from ..messaging.gateway_health import offline_kecamatan
from ..messaging.outbound import stalled_since
from ..models import OutboundMessage, ReceivingNumber, ServiceState, utcnow
from .backup import backups

bp = Blueprint("health", __name__)

# When this process last saw forwarded headers it was not told to trust (``time.monotonic``).
_forwarded = {"at": None}
FORWARDED_MEMORY_SECONDS = 24 * 3600


@dataclass
class Health:
    """What the server relies on, as it stands; ``reasons`` lists what does not work."""

    database: bool = True
    store: str | None = None  # why the rate-limit store is down, or None
    worker_at: datetime | None = None
    stalled: datetime | None = None
    backlog: int = 0  # messages due now and not yet sent
    offline_gateways: int = 0
    short_credit: int = 0  # gateway SIMs whose credit or active period runs short
    backup: ServiceState | None = None
    backup_age_hours: float | None = None
    readable_backups: list[str] = field(default_factory=list)
    offsite: ServiceState | None = None
    proxy_untrusted: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "error" if not self.database else "degraded" if self.reasons else "ok"


def _readable(directory: str) -> list[str]:
    """The backups in ``directory`` that someone other than their owner may read (none when it cannot be
    listed: the strip and /healthz speak of what they can see)."""
    try:
        return [p.name for p in backups(directory) if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)]
    except OSError:
        return []


def assess(now: datetime | None = None) -> Health:
    """Look at everything ``/healthz`` reports, asking the rate-limit store now."""
    now = now or utcnow()
    health = Health()
    try:
        db.session.execute(text("SELECT 1"))
        health.offline_gateways = len(offline_kecamatan())
        short = select(func.count()).where(ReceivingNumber.credit_low_since.is_not(None))
        health.short_credit = db.session.scalar(short)
        health.stalled = stalled_since()
        due = select(func.count()).where(OutboundMessage.status == "queued", OutboundMessage.next_attempt_at <= now)
        health.backlog = db.session.scalar(due)
        states = {row.name: row for row in db.session.scalars(select(ServiceState))}
    except Exception:  # any failure to reach the database is an unhealthy answer, not a crash
        db.session.rollback()
        health.database = False
        health.reasons.append("database")
        return health
    ratelimit.check_store()
    health.reasons += ["outbound_stalled"] if health.stalled else []
    health.reasons += ["gateway_offline"] if health.offline_gateways else []
    health.reasons += ["gateway_credit"] if health.short_credit else []
    _server_side(health, states, now)
    return health


def _server_side(health: Health, states: dict[str, ServiceState], now: datetime) -> None:
    """Fill in what the server itself relies on (the worker, backups, the store, the proxy) from the services'
    last reports and this process's experience, adding the reasons it finds."""
    config, reasons = current_app.config, health.reasons
    health.store = ratelimit.store_down()
    reasons += ["ratelimit_store"] if health.store else []
    worker, health.backup, health.offsite = states.get("worker"), states.get("backup"), states.get("offsite")
    health.worker_at = worker.at if worker else None
    if health.worker_at is None or now - health.worker_at > timedelta(minutes=config["WORKER_STALE_MINUTES"]):
        reasons.append("worker_stopped")
    if health.backup is not None and health.backup.ok_at is not None:
        health.backup_age_hours = round((now - health.backup.ok_at).total_seconds() / 3600, 1)
    reasons += ["backup_failed"] if health.backup is not None and not health.backup.ok else []
    max_age = config["BACKUP_MAX_AGE_HOURS"]
    if max_age and (health.backup_age_hours is None or health.backup_age_hours > max_age):
        reasons.append("backup_stale")
    health.readable_backups = _readable(config["BACKUP_DIR"])
    reasons += ["backup_readable"] if health.readable_backups else []
    reasons += ["offsite_failed"] if health.offsite is not None and not health.offsite.ok else []
    seen = _forwarded["at"]
    health.proxy_untrusted = seen is not None and time.monotonic() - seen < FORWARDED_MEMORY_SECONDS
    reasons += ["proxy_untrusted"] if health.proxy_untrusted else []


def server_troubles() -> list[str]:
    """The reasons about the server itself, for the strip on the admin's pages: one query, no call to the store
    (this process's experience of it). Offline gateways and stalled messages have the staff strip."""
    health = Health()
    _server_side(health, {row.name: row for row in db.session.scalars(select(ServiceState))}, utcnow())
    return health.reasons


@bp.before_app_request
def _notice_forwarded_headers():
    """Forwarded headers on a request while no proxy is trusted: a proxy is in front and the app does not know."""
    if not current_app.config["TRUSTED_PROXY_COUNT"] and "X-Forwarded-For" in request.headers:
        _forwarded["at"] = time.monotonic()


def forget_forwarded_headers() -> None:
    """Start afresh (the test suite)."""
    _forwarded["at"] = None


@bp.get("/healthz")
@public
def healthz():
    health = assess()
    if not health.database:
        return jsonify(status="error", reasons=health.reasons, database="unreachable"), 503
    outbound = {
        "stalled_since": health.stalled.isoformat(timespec="seconds") if health.stalled else None,
        "backlog": health.backlog,
    }
    return jsonify(
        status=health.status,
        reasons=health.reasons,
        database="ok",
        gateways={"offline": health.offline_gateways},
        outbound=outbound,
        backup={"age_hours": health.backup_age_hours},
    )


@bp.get("/pengaturan/server")
@ability_required("server")
def server():
    """The admin's view of the server: every check of ``/healthz`` with its details."""
    health = assess()
    return render_template("operations/server.html", health=health)
