import json

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import Forbidden, ability_required, reaches
from ..extensions import db
from ..models import Region, utcnow
from ..regions.areas import BadQuery, Period, area_for
from ..regions.gazetteer import ZONES, zone_for
from ..relief.recap import FACILITIES, TOTAL, recap_facilities, recap_rows_csv
from ..warnings.service import timings
from ..web.labels import HAZARD_LABELS, STATUS_LABELS
from . import bp
from .exports import incidents_csv, incidents_geojson
from .service import Dashboard, dashboard, region_names, unclassified_by_month


def board_for(user, args) -> Dashboard:  # also the JSON API's
    """The dashboard ``user`` asked for with ``args`` (wilayah, bulan or dari/sampai); raises ``Forbidden`` for an
    area outside the user's reach and ``BadQuery`` for a period or area that cannot be read."""
    area = area_for(user, args.get("wilayah") or None)
    today = utcnow().astimezone(ZONES[zone_for(area.code)]).date()
    return dashboard(area, Period.from_args(args, today), utcnow())


def _board() -> Dashboard:
    try:
        return board_for(current_user, request.args)
    except Forbidden:
        abort(403)
    except BadQuery as exc:
        abort(Response(render_template("errors/error.html", status=400, message=str(exc)), 400))


def _names(board: Dashboard) -> dict[str, str]:
    return region_names({c for i in board.incidents for c in (i.kecamatan_code, i.desa_code)})


def _areas() -> list[Region]:
    """The kabupaten and kecamatan the user can choose among (kabupaten first within each province), when there
    is more than one."""
    regions = db.session.scalars(
        select(Region).where(Region.level.in_(("kabupaten", "kecamatan"))).order_by(Region.code)
    )
    areas = [region for region in regions if reaches(current_user, region.code)]
    return areas if len(areas) > 1 else []


def _filename(board: Dashboard, extension: str) -> str:
    where = (board.area.code or "semua").replace(".", "")
    return f"tangguh-{where}-{board.period.first:%Y%m%d}-{board.period.last:%Y%m%d}.{extension}"


def _query(board: Dashboard) -> dict:
    args = {"dari": board.period.first.isoformat(), "sampai": board.period.last.isoformat()}
    if board.area.code:
        args["wilayah"] = board.area.code
    return args


def _charts(board: Dashboard) -> dict[str, list[tuple[str, int]]]:
    """(label, value) rows for the bar charts; the tables beside them carry every number too."""
    return {
        "status": [(str(STATUS_LABELS[s]), n) for s, n in board.overall.statuses.items()],
        "hazard": [(str(HAZARD_LABELS.get(g.key, _("Belum tergolong"))), g.incidents) for g in board.by_hazard],
        "area": [(g.label, g.incidents) for g in board.by_area if g.incidents],
    }


@bp.get("/dashboard")
@ability_required("dashboard")
def index():
    board = _board()
    unread = unclassified_by_month(board.area, utcnow())
    warnings = timings(current_user, board.area.code, *board.period.bounds(board.area.zone))
    return render_template("dashboard/index.html", board=board, areas=_areas(), query=_query(board),
                           charts=_charts(board), unread=unread, warnings=warnings)  # fmt: skip


@bp.get("/dashboard/incidents.csv")
@ability_required("dashboard")
def csv_export():
    board = _board()
    delimiter = ";" if request.args.get("pemisah") == "titikkoma" else ","
    body = incidents_csv(board, _names(board), delimiter)
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_filename(board, "csv")}"'},
    )


@bp.get("/dashboard/incidents.geojson")
@ability_required("dashboard")
def geojson_export():
    board = _board()
    body = json.dumps(incidents_geojson(board, _names(board)), ensure_ascii=False)
    return Response(
        body,
        mimetype="application/geo+json",
        headers={"Content-Disposition": f'attachment; filename="{_filename(board, "geojson")}"'},
    )


@bp.get("/dashboard/recap")
@ability_required("dashboard")
def recap():
    """The monthly recap of casualties and damage per desa, laid out for printing."""
    board = _board()
    kabupaten = None
    if board.area.code:
        region = db.session.get(Region, board.area.code)
        kabupaten = region.parent if region and region.level == "kecamatan" else None
    return render_template("dashboard/recap.html", board=board, kabupaten=kabupaten, printed=utcnow(),
                           facilities=recap_facilities(board), facility_kinds=FACILITIES, total_key=TOTAL)  # fmt: skip


@bp.get("/dashboard/recap.csv")
@ability_required("dashboard")
def recap_csv():
    """The recap per desa (or kecamatan) in BNPB's columns, as CSV."""
    board = _board()
    body = recap_rows_csv(board, recap_facilities(board))
    disposition = f'attachment; filename="{_filename(board, "rekap.csv")}"'
    return Response(body.encode("utf-8-sig"), mimetype="text/csv", headers={"Content-Disposition": disposition})
