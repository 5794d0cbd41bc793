"""``/healthz`` for load balancers and uptime checks: answers whether the database answers."""

from flask import Blueprint, jsonify
from sqlalchemy import text

from .access import public
from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is an unhealthy answer, not a crash
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
