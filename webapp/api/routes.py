from functools import wraps

from flask import g, jsonify, request

from sms.phone import mask_phone

from ..access import Forbidden, can
from ..accounts import user_for_token
from ..dashboard.exports import dashboard_json
from ..dashboard.routes import board_for
from ..extensions import csrf
from ..incidents.actions import reveal_phones
from ..incidents.service import incidents_page, reports_page
from ..models import Incident, Region, Report, User
from ..regions.areas import BadQuery
from ..web.pagination import BadPage, page_args
from . import bp

csrf.exempt(bp)  # bearer tokens, not cookies: there is no cross-site request to forge


def _error(status: int, message: str):
    response = jsonify(error=message)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="tangguh"'
    return response


def token_required(ability: str):
    """A view for a bearer token whose owner's role holds ``ability`` (401 without a valid token, 403 without
    the ability); like ``access.ability_required``, it marks the view with the ability it needs."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return _error(401, "missing bearer token (Authorization: Bearer <token>)")
            user = user_for_token(token.strip())
            if user is None:
                return _error(401, "invalid or revoked token")
            if not can(user, ability):
                return _error(403, f"this account's role may not use {request.path}")
            g.api_user = user
            return view(*args, **kwargs)

        wrapped.ability = ability
        return wrapped

    return decorator


def _region(region: Region | None) -> dict | None:
    return {"code": region.code, "name": region.name} if region else None


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _page(pagination, serialize):
    return jsonify(
        items=[serialize(item) for item in pagination.items],
        page=pagination.page,
        per_page=pagination.per_page,
        total=pagination.total,
        next_page=pagination.next_num if pagination.has_next else None,
    )


def _incident(incident: Incident) -> dict:
    return {
        "id": incident.id,
        "ticket": incident.ticket,
        "hazard": incident.hazard,
        "status": incident.status,
        "severity": incident.severity,
        "kecamatan": _region(incident.kecamatan),
        "desa": _region(incident.desa),
        "counts": incident.counts,
        "report_count": incident.report_count,
        "opened_at": _iso(incident.opened_at),
        "updated_at": _iso(incident.updated_at),
    }


def _report_serializer(user: User, revealed: dict[int, str]):
    """Numbers are masked, but those revealed (``?nomor=lengkap``, for who may, each reveal on the timeline)."""

    def serialize(report: Report) -> dict:
        phone = report.reporter.phone if report.reporter else None
        return {
            "id": report.id,
            "channel": report.channel,
            "received_at": _iso(report.received_at),
            "text": report.raw_text,
            "command": report.command,
            "hazard": report.hazard,
            "counts": report.counts or {},
            "kecamatan": _region(report.kecamatan),
            "desa": _region(report.desa),
            "reporter_phone": revealed.get(report.id) or mask_phone(phone) or None,
            "incident_ticket": report.incident.ticket if report.incident else None,
        }

    return serialize


def _paged(query):
    try:
        page, per_page = page_args()
    except BadPage as exc:
        return None, _error(400, str(exc))
    return query(g.api_user, page, per_page), None


@bp.get("/dashboard")
@token_required("dashboard")
def dashboard():
    """The SPM figures of the token owner's kecamatan (admins: ``wilayah``) for ``bulan`` or ``dari``/``sampai``."""
    try:
        board = board_for(g.api_user, request.args)
    except Forbidden:
        return _error(403, "that area is outside this account's region")
    except BadQuery as exc:
        return _error(400, str(exc))
    return jsonify(dashboard_json(board))


@bp.get("/incidents")
@token_required("incidents")
def incidents():
    pagination, error = _paged(incidents_page)
    return error or _page(pagination, _incident)


@bp.get("/reports")
@token_required("incidents")
def reports():
    pagination, error = _paged(reports_page)
    if error:
        return error
    revealed = {}
    if request.args.get("nomor") == "lengkap":  # a full number is a logged reveal, here as on the incident page
        revealed = reveal_phones(pagination.items, g.api_user, "api")
    return _page(pagination, _report_serializer(g.api_user, revealed))
