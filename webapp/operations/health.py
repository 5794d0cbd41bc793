"""``/healthz`` for load balancers and uptime checks: whether the database answers, whether every SMS gateway
does, and whether the outbound worker sends. An offline Android gateway, or messages due for
``OUTBOUND_STALE_MINUTES`` that nobody sent, make the answer ``degraded``: the server works, but villagers' SMS
may not arrive, or nothing Tangguh says goes out.

Only how many gateway phones are offline and a time are given, never which kecamatan, number, device or person:
the page is public, and which kecamatan cannot receive SMS is not for everyone to read (staff see it on their
pages' strip).
"""

from flask import Blueprint, jsonify
from sqlalchemy import text

from ..access import public
from ..extensions import db
from ..messaging.gateway_health import offline_kecamatan
from ..messaging.outbound import stalled_since

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        offline = offline_kecamatan()
        stalled = stalled_since()
    except Exception:  # any failure to reach the database is an unhealthy answer, not a crash
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    outbound = {"stalled_since": stalled.isoformat(timespec="seconds") if stalled else None}
    status = "degraded" if offline or stalled else "ok"
    return jsonify(status=status, database="ok", gateways={"offline": len(offline)}, outbound=outbound)
