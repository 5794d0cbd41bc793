from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sms.vocab import COUNT_FIELDS

from ..access import ability_required, answers_handover, can, fetch, public, publishable, role_of
from ..extensions import db, htmx
from ..messaging import gateway_health
from ..messaging.reach import agency_reach
from ..models import Agency, FigureProposal, Incident, IncidentEvent, Need, Region, Report, utcnow
from ..regions.gazetteer import ZONES, zone_for
from ..relief.service import statuses_for
from ..vocabulary.service import proposals
from ..warnings.service import state as warnings_state
from ..web.formatting import told as describe_told
from ..web.labels import COUNT_LABELS, HAZARD_LABELS, SEVERITY_LABELS
from ..web.pagination import BadPage, page_number
from . import actions, bp, figures, merging
from .actions import ActionError, Forbidden
from .service import (
    BadFilter,
    Filters,
    desa_choices,
    inbox_waiting,
    incident_list,
    last_actions,
    list_count,
    list_version,
    locations,
    map_incidents,
    needs_of,
)

LIST_PAGE_SIZE = 25


@bp.get("/")
@public
def home():
    """Each role's own first page (``access.ROLES``); sign in first."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(role_of(current_user).home))


def _page() -> int:
    try:
        return page_number(request.args.get("page"))
    except BadPage as exc:
        raise BadPage(_("Nomor halaman harus bilangan bulat positif.")) from exc


@bp.get("/incidents")
@ability_required("incidents")
def index():
    try:
        filters, page = Filters.from_args(request.args), _page()
    except (BadFilter, BadPage) as exc:
        return render_template("errors/error.html", status=400, message=str(exc)), 400
    counted = list_count(current_user, filters, page, LIST_PAGE_SIZE)
    # The gateway strip and the BMKG banner ride along with the list: a desk left open all night sees the phone
    # go quiet, and the warning arrive.
    version = list_version(current_user, filters, page, LIST_PAGE_SIZE, counted) + gateway_health.state(current_user)
    version += warnings_state(current_user)
    inbox = inbox_waiting(current_user)  # messages that are not reports, waiting in "Pesan masuk"
    version += f"{inbox:04x}"
    if htmx and request.args.get("v") == version:
        return "", 204  # the 30-second refresh: nothing changed, nothing sent
    etag = f"{version}-{get_locale()}"  # a language switch must not be answered with the cached page (304)
    if request.if_none_match.contains(etag):
        return "", 304
    partial = bool(htmx and htmx.target == "incident-list")
    last_visit = current_user.list_seen_at
    if not partial:  # what comes after this visit is "new" in the menu (set before loading: the commit expires)
        current_user.list_seen_at = utcnow()
        db.session.commit()
    pagination = incident_list(current_user, filters, page, LIST_PAGE_SIZE, counted)
    ids = [incident.id for incident in pagination.items]
    context = {
        "pagination": pagination,
        "filters": filters,
        "version": version,
        "needs": needs_of(ids),
        "proposals": figures.open_proposals(ids),
        "last_actions": last_actions(ids),
        "now": utcnow(),
        "late_minutes": current_app.config["UNVERIFIED_ALERT_MINUTES"],
        "inbox": inbox,
    }
    if partial:
        response = make_response(render_template("incidents/_list.html", refresh=True, **context))
    else:
        context["desa_choices"] = desa_choices(current_user)
        context["last_visit"] = last_visit
        response = make_response(render_template("incidents/index.html", **context))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("HX-Request")
    return response


def _map_settings() -> dict:
    return {"tiles": current_app.config["MAP_TILE_URL"], "attribution": current_app.config["MAP_ATTRIBUTION"]}


def _point(incident: Incident, place: tuple[float, float]) -> dict:
    """What the map shows of an incident: where, what, which desa and status; nothing personal."""
    longitude, latitude = place
    return {
        "lat": round(latitude, 5), "lon": round(longitude, 5), "ticket": incident.ticket,
        "label": f"{incident.ticket} · {incident.desa.name if incident.desa else '?'}",
        "hazard": str(HAZARD_LABELS.get(incident.hazard, _("Belum tergolong"))),
        "status": incident.status, "url": url_for("incidents.detail", incident_id=incident.id),
    }  # fmt: skip


@bp.get("/peta")
@ability_required("incidents")
def map_page():
    """Open incidents on a map (those with a GPS position) and, beside it, every one by desa."""
    placed, unplaced = map_incidents(current_user)
    points = [_point(incident, place) for incident, place in placed]
    return render_template("incidents/map.html", placed=placed, unplaced=unplaced, points=points, map=_map_settings())


def _incident(incident_id: int) -> Incident:
    return fetch(Incident, incident_id, "incidents")


def _detail_context(incident: Incident) -> dict:
    reports = db.session.scalars(
        select(Report)
        .where(Report.incident_id == incident.id)
        .options(selectinload(Report.reporter))
        .order_by(Report.received_at, Report.id)
    ).all()
    events = db.session.scalars(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident.id)
        .options(selectinload(IncidentEvent.actor))
        .order_by(IncidentEvent.at, IncidentEvent.id)
    ).all()
    agencies = db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)).all()
    handed = {h.agency_id for h in incident.handovers}
    offered = [a for a in agencies if a.id not in handed and actions.serves(a, incident)]
    reach = agency_reach(offered, incident) if can(current_user, "agency", incident) else {a.id: [] for a in offered}
    reach = [reach[a.id] for a in offered]
    place = locations([incident.id]).get(incident.id)
    today = utcnow().astimezone(ZONES[zone_for(incident.kecamatan_code)]).date()
    return {
        "emergency_statuses": statuses_for(incident.kecamatan_code, incident.hazard, today),
        "points": [_point(incident, place)] if place else [],
        "map": _map_settings(),
        "incident": incident,
        "reports": reports,
        "events": events,
        "agencies": offered,
        "agency_reach": {a.id: describe_told({"told": lines}) for a, lines in zip(offered, reach, strict=True)},
        "delivering_agencies": agencies,
        "needs": db.session.scalars(select(Need).where(Need.incident_id == incident.id).order_by(Need.id)).all(),
        "transitions": actions.TRANSITIONS[incident.status],
        "bpbd_waiting": [
            h for h in incident.handovers if h.acknowledged_at is None and answers_handover(current_user, h, "terima")
        ],
        "own_report_only": actions.own_report_only(incident, current_user),
        "publishable": publishable(incident),
        "duplicates": merging.likely_duplicates(incident, current_user) if can(current_user, "merge", incident) else [],
        "merged_here": set(db.session.scalars(select(Incident.id).where(Incident.merged_into_id == incident.id))),
        "COUNT_FIELDS": COUNT_FIELDS,
        "figure_sources": figures.sources(incident, events),
        "figure_proposals": figures.open_proposals([incident.id]).get(incident.id, []),
        "SEVERITIES": SEVERITY_LABELS,
        "kecamatan_desa": (
            db.session.scalars(
                select(Region).where(Region.parent_code == incident.kecamatan_code).order_by(Region.name)
            ).all()
            if can(current_user, "classify", incident)
            else []
        ),
    }


@bp.get("/incidents/<int:incident_id>")
@ability_required("incidents")
def detail(incident_id: int):
    incident = _incident(incident_id)
    return render_template("incidents/detail.html", **_detail_context(incident))


def _respond(incident: Incident, fragment: str, message: str | None = None, error: str | None = None, **extra):
    """htmx: the changed fragment (and the timeline, out of band); without JavaScript: back to the page."""
    if not htmx:
        if error or message:
            flash(error or message, "error" if error else "info")
        return redirect(url_for("incidents.detail", incident_id=incident.id), code=303)
    context = {**_detail_context(incident), "message": message, "error": error, **extra}
    body = render_template(f"incidents/{fragment}.html", **context)
    if fragment != "_timeline":
        body += render_template("incidents/_timeline.html", oob=True, **context)
    return body, 422 if error else 200


def _confirm(incident: Incident, fragment: str, question: actions.NeedsConfirmation):
    """Ask before an action that is hard to take back: the same form again, with ``confirm=1``. With htmx the
    question replaces the fragment the action would change; without JavaScript it is a page of its own."""
    context = {
        **_detail_context(incident),
        "question": str(question),
        "other": question.other,
        "action_url": request.path,
        "fields": [(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirm")],
        "target": fragment.removeprefix("_"),
    }
    if htmx:
        return render_template("incidents/_confirm.html", **context)
    return render_template("incidents/confirm.html", **context)


def _confirmed() -> bool:
    return request.form.get("confirm") == "1"


def _act(incident: Incident, fragment: str, action, success: str | None = None, **extra):
    try:
        result = action()
    except Forbidden:
        abort(403)
    except actions.NeedsConfirmation as exc:
        db.session.rollback()
        return _confirm(incident, fragment, exc)
    except ActionError as exc:
        db.session.rollback()
        return _respond(incident, fragment, error=str(exc), **extra)
    return _respond(incident, fragment, message=success(result) if callable(success) else success, **extra)


def _optional_int(name: str, label=None) -> int | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        raise ActionError(_("Isian %(name)s harus angka.", name=label or name))
    return int(raw)


@bp.get("/incidents/<int:incident_id>/timeline")
@ability_required("incidents")
def timeline(incident_id: int):
    """The incident's conversation and timeline, refreshed every 30 seconds on its page."""
    incident = _incident(incident_id)
    return render_template("incidents/_timeline.html", **_detail_context(incident))


@bp.post("/incidents/<int:incident_id>/status")
@ability_required("incidents")
def change_status(incident_id: int):
    incident = _incident(incident_id)
    status, note = request.form.get("status", ""), request.form.get("note")
    return _act(
        incident,
        "_summary",
        lambda: actions.change_status(incident, current_user, status, note, confirmed=_confirmed()),
        _("Status diperbarui."),
    )


@bp.post("/incidents/<int:incident_id>/agency")
@ability_required("agency")
def hand_over(incident_id: int):
    incident = _incident(incident_id)
    return _act(
        incident,
        "_summary",
        lambda: actions.hand_over(incident, current_user, _optional_int("agency_id"), request.form.get("note")),
        lambda told: _("Insiden diserahkan ke %(agency)s: %(told)s.", agency=told["agency"], told=describe_told(told)),
    )


@bp.post("/incidents/<int:incident_id>/agency/withdraw")
@ability_required("agency")
def withdraw_handover(incident_id: int):
    incident = _incident(incident_id)
    return _act(
        incident,
        "_summary",
        lambda: actions.withdraw_handover(incident, current_user, _optional_int("agency_id")),
        _("Penyerahan ke instansi ditarik."),
    )


@bp.post("/incidents/<int:incident_id>/handover")
@ability_required("handover")
def record_handover(incident_id: int):
    """An agency member records their agency's answer from the list or the incident page."""
    incident = _incident(incident_id)
    stage = request.form.get("stage", "")
    handover = next((h for h in incident.handovers if h.agency_id == current_user.agency_id), None)
    if handover is None or stage not in actions.HANDOVER_STAGES:
        abort(403 if handover is None else 400)

    def run():
        actions.handover_progress(handover, stage, user=current_user, note=request.form.get("note"))
        db.session.commit()

    if request.form.get("from") == "list":  # a plain form on the list: back to the list
        try:
            run()
        except Forbidden:
            abort(403)
        except ActionError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            flash(_("Tiket %(ticket)s: tercatat.", ticket=incident.ticket))
        return redirect(url_for("incidents.index"), code=303)
    return _act(incident, "_summary", run, _("Tercatat."))


@bp.post("/incidents/<int:incident_id>/bpbd")
@ability_required("acknowledge")
def acknowledge_for_bpbd(incident_id: int):
    """The kabupaten's Pusdalops records that its BPBD received the incident."""
    incident = _incident(incident_id)
    return _act(
        incident,
        "_summary",
        lambda: actions.acknowledge_for_bpbd(incident, current_user, request.form.get("note")),
        lambda recorded: _("Tercatat: BPBD menerima.") if recorded else _("BPBD sudah tercatat menerima."),
    )


@bp.post("/incidents/<int:incident_id>/severity")
@ability_required("severity")
def set_severity(incident_id: int):
    incident = _incident(incident_id)
    return _act(
        incident,
        "_summary",
        lambda: actions.set_severity(incident, current_user, _optional_int("severity")),
        _("Tingkat keparahan diperbarui."),
    )


@bp.post("/incidents/<int:incident_id>/classify")
@ability_required("classify")
def classify(incident_id: int):
    """Set the hazard and desa the parser could not read; then propose what Tangguh could remember."""
    incident = _incident(incident_id)
    hazard, desa = request.form.get("hazard") or None, request.form.get("desa") or None
    try:
        actions.classify(incident, current_user, hazard, desa)
    except Forbidden:
        abort(403)
    except ActionError as exc:
        db.session.rollback()
        return _respond(incident, "_summary", error=str(exc))
    proposed = proposals(incident) if can(current_user, "vocabulary", incident.kecamatan_code) else []
    return _respond(incident, "_summary", message=_("Jenis dan desa disimpan."), proposals=proposed)


@bp.post("/incidents/<int:incident_id>/counts")
@ability_required("counts")
def correct_counts(incident_id: int):
    incident = _incident(incident_id)

    def run():
        counts = {name: _optional_int(name, COUNT_LABELS[name]) for name in COUNT_FIELDS}  # blank: unknown
        actions.correct_counts(incident, current_user, counts, request.form.get("note"))

    # a refused correction shows the form again with what was typed
    return _act(incident, "_counts", run, _("Jumlah korban dan kerusakan diperbarui."), typed=request.form)


@bp.post("/incidents/<int:incident_id>/figures/<int:proposal_id>")
@ability_required("counts")
def decide_figures(incident_id: int, proposal_id: int):
    """Accept the figures a new report proposed, or set them aside (``keputusan=terima|abaikan``)."""
    incident = _incident(incident_id)
    proposal = fetch(FigureProposal, proposal_id)
    if proposal.incident_id != incident.id:
        abort(404)
    accept = request.form.get("keputusan") == "terima"
    done = _("Angka baru diterima.") if accept else _("Usulan angka diabaikan; angka tetap.")
    return _act(incident, "_counts", lambda: actions.decide_figures(proposal, current_user, accept), done)


@bp.post("/incidents/<int:incident_id>/notes")
@ability_required("note")
def add_note(incident_id: int):
    incident = _incident(incident_id)
    note = request.form.get("note", "")
    return _act(
        incident, "_timeline", lambda: actions.add_note(incident, current_user, note), _("Catatan ditambahkan.")
    )


def _queued_message(queued: dict) -> str:
    if queued["segments"] > 1:
        return _("SMS diantrekan untuk %(num)d pelapor, utuh: %(segments)d bagian per pesan, %(total)d SMS.",
                 num=queued["recipients"], segments=queued["segments"], total=queued["total"])  # fmt: skip
    return _("SMS diantrekan untuk %(num)d pelapor.", num=queued["recipients"])


@bp.post("/incidents/<int:incident_id>/reply")
@ability_required("reply")
def reply(incident_id: int):
    incident = _incident(incident_id)
    return _act(
        incident,
        "_reply",
        lambda: actions.reply_to_reporters(incident, current_user, request.form.get("text", ""), _confirmed()),
        _queued_message,
    )


def _go_to(incident: Incident, message: str):
    flash(message)
    destination = url_for("incidents.detail", incident_id=incident.id)
    if htmx:
        return "", 204, {"HX-Redirect": destination}
    return redirect(destination, code=303)


@bp.post("/incidents/<int:incident_id>/merge")
@ability_required("merge")
def merge(incident_id: int):
    incident = _incident(incident_id)
    ticket, note = request.form.get("ticket", ""), request.form.get("note")
    try:
        target = merging.merge(incident, current_user, ticket, note, confirmed=_confirmed())
    except Forbidden:
        abort(403)
    except actions.NeedsConfirmation as exc:
        db.session.rollback()
        return _confirm(incident, "_summary", exc)
    except ActionError as exc:
        db.session.rollback()
        return _respond(incident, "_summary", error=str(exc))
    return _go_to(target, _("Insiden %(source)s digabung ke %(target)s.", source=incident.ticket, target=target.ticket))


@bp.post("/incidents/<int:incident_id>/unmerge")
@ability_required("merge")
def unmerge(incident_id: int):
    incident = _incident(incident_id)
    try:
        merging.unmerge(incident, current_user, request.form.get("note"))
    except Forbidden:
        abort(403)
    except ActionError as exc:
        db.session.rollback()
        return _respond(incident, "_summary", error=str(exc))
    return _go_to(incident, _("Penggabungan %(ticket)s dibatalkan.", ticket=incident.ticket))


def _report(report_id: int) -> Report:
    report = fetch(Report, report_id)
    if report.incident is None:
        abort(404)
    _incident(report.incident_id)
    return report


@bp.post("/reports/<int:report_id>/split")
@ability_required("split")
def split(report_id: int):
    report = _report(report_id)
    source = report.incident
    return _act(
        source,
        "_reports",
        lambda: merging.split(report, current_user, request.form.get("note"), confirmed=_confirmed()),
        lambda new: _("Laporan dipisah menjadi insiden baru %(ticket)s.", ticket=new.ticket),
    )


@bp.post("/reports/<int:report_id>/phone")
@ability_required("reveal")
def reveal_phone(report_id: int):
    report = _report(report_id)
    try:
        phone = actions.reveal_phone(report, current_user)
    except Forbidden:
        abort(403)
    except ActionError as exc:
        return _respond(report.incident, "_reports", error=str(exc))
    if not htmx:
        flash(_("Nomor pelapor laporan #%(id)d: %(phone)s", id=report.id, phone=phone))
        return redirect(url_for("incidents.detail", incident_id=report.incident_id), code=303)
    return render_template("incidents/_phone.html", report=report, phone=phone)
