"""``/healthz`` for load balancers and uptime checks: whether the database answers, and whether every SMS gateway
does (an offline Android gateway makes the answer ``degraded``: the server works, villagers' SMS may not arrive).

Only kecamatan codes are named, never a number, device or person: the page is public.
"""

from flask import Blueprint, jsonify
from sqlalchemy import text

from .access import public
from .extensions import db
from .gateway_health import offline_kecamatan

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        offline = offline_kecamatan()
    except Exception:  # any failure to reach the database is an unhealthy answer, not a crash
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    if offline:
        return jsonify(status="degraded", database="ok", gateways={"offline_kecamatan": offline})
    return jsonify(status="ok", database="ok", gateways={"offline_kecamatan": []})
