import hashlib
import re

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Forbidden, ability_required, desa_for_form, fetch, is_published, public
from ..extensions import db
from ..models import DESTANA_LEVELS, Broadcast, DesaInfo, Incident, Region
from ..web.formatting import local_time
from ..web.labels import HAZARD_LABELS
from . import bp
from .card import render as render_card
from .documents import atom, cap, cap_index
from .service import (
    PublishError,
    area,
    broadcast_share_text,
    card_lines,
    feed_entries,
    incident_share_text,
    public_until,
    public_url,
    publish_broadcast,
    publish_incident,
    set_desa_info,
    withdraw_broadcast,
    withdraw_incident,
)

CODES = {"kecamatan": re.compile(r"^\d{2}\.\d{2}\.\d{2}$"), "kabupaten": re.compile(r"^\d{2}\.\d{2}$")}


def _region(level: str, code: str) -> Region:
    region = db.session.get(Region, code) if CODES[level].match(code) else None
    if region is None or region.level != level:
        abort(404)
    return region


def _conditional(body, version: str, modified, mimetype: str = "text/html"):
    """A public answer that caches: an ETag of what it shows (and the language), Last-Modified, and 304 when the
    reader already has it. Always revalidated (no-cache), so that a withdrawn item is gone at the next look.
    ``body`` may be a function, called only when the reader does not have it yet (an image card is costly)."""
    etag = hashlib.sha256(f"{version}-{get_locale()}".encode()).hexdigest()[:20]
    if callable(body):
        body = b"" if request.if_none_match.contains(etag) else body()
    response = make_response(body)
    response.mimetype = mimetype
    response.set_etag(etag)
    if modified is not None:
        response.last_modified = modified
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


# --- Public pages ------------------------------------------------------------------------------------------------


@bp.get("/kecamatan/<code>")
@public
def kecamatan(code: str):
    info = area(_region("kecamatan", code))
    body = render_template("public/kecamatan.html", area=info, public_until=public_until)
    return _conditional(body, info.version, info.modified)


@bp.get("/kabupaten/<code>")
@public
def kabupaten(code: str):
    region = _region("kabupaten", code)
    info = area(region)
    kecamatan = db.session.scalars(
        db.select(Region).where(Region.parent_code == region.code, Region.level == "kecamatan").order_by(Region.name)
    ).all()
    body = render_template("public/kabupaten.html", area=info, kecamatan=kecamatan)
    return _conditional(body, info.version, info.modified)


@bp.get("/<any(kecamatan, kabupaten):level>/<code>/feed.atom")
@public
def feed(level: str, code: str):
    region = _region(level, code)
    info = area(region)
    body = atom(region, feed_entries(region.code), request.path)
    return _conditional(body, info.version, info.modified, "application/atom+xml")


@bp.get("/<any(kecamatan, kabupaten):level>/<code>/cap.atom")
@public
def cap_feed(level: str, code: str):
    region = _region(level, code)
    info = area(region)
    broadcasts = [item for item in feed_entries(region.code) if isinstance(item, Broadcast)]
    return _conditional(cap_index(region, broadcasts, request.path), info.version, info.modified,
                        "application/atom+xml")  # fmt: skip


def _published(model, item_id: int):
    item = db.session.get(model, item_id)
    if item is None or not is_published(item):
        abort(404)
    return item


def _version(item) -> str:
    return f"{item.id}-{(getattr(item, 'updated_at', None) or item.published_at).timestamp()}"


@bp.get("/publik/insiden/<int:incident_id>")
@public
def incident(incident_id: int):
    item = _published(Incident, incident_id)
    body = render_template("public/item.html", incident=item, broadcast=None, share=incident_share_text(item),
                           image=public_url(url_for("public.incident_card", incident_id=item.id)),
                           page_url=public_url(request.path))  # fmt: skip
    return _conditional(body, _version(item), item.updated_at)


@bp.get("/publik/siaran/<int:broadcast_id>")
@public
def broadcast(broadcast_id: int):
    item = _published(Broadcast, broadcast_id)
    body = render_template("public/item.html", incident=None, broadcast=item, share=broadcast_share_text(item),
                           image=public_url(url_for("public.broadcast_card", broadcast_id=item.id)),
                           page_url=public_url(request.path), until=public_until(item))  # fmt: skip
    return _conditional(body, _version(item), item.published_at)


@bp.get("/publik/siaran/<int:broadcast_id>/cap.xml")
@public
def broadcast_cap(broadcast_id: int):
    item = db.session.get(Broadcast, broadcast_id)
    if item is None or item.published_at is None or item.kind != "peringatan":
        abort(404)
    version = f"{item.id}-{item.published_at.timestamp()}-{item.withdrawn_at}"
    return _conditional(cap(item), version, item.withdrawn_at or item.published_at, "application/cap+xml")


@bp.get("/publik/insiden/<int:incident_id>.png")
@public
def incident_card(incident_id: int):
    item = _published(Incident, incident_id)
    lines = card_lines(item, local_time(item.updated_at, item.kecamatan_code))
    title = str(HAZARD_LABELS.get(item.hazard, _("Kejadian")))
    return _conditional(lambda: render_card(title, lines, item.kecamatan.label, item.hazard), _version(item),
                        item.updated_at, "image/png")  # fmt: skip


@bp.get("/publik/siaran/<int:broadcast_id>.png")
@public
def broadcast_card(broadcast_id: int):
    item = _published(Broadcast, broadcast_id)
    title = _("Peringatan dini") if item.kind == "peringatan" else _("Informasi bencana")
    lines = [item.body.split(":", 1)[-1].strip()[:160], local_time(item.published_at, item.kecamatan_code)]
    kind = "peringatan" if item.kind == "peringatan" else "default"
    return _conditional(lambda: render_card(title, lines, item.kecamatan.label, kind), _version(item),
                        item.published_at, "image/png")  # fmt: skip


# --- Staff: publish, withdraw, desa information ------------------------------------------------------------------


def _staff_item(model, item_id: int):
    return fetch(model, item_id, "publish")


def _act(action, item, done: str, back: str):
    """Publish or withdraw ``item`` (the service says why not, as a flash), then back to where staff were."""
    try:
        action(item, current_user)
    except PublishError as exc:
        flash(str(exc), "error")
    else:
        flash(done)
    return redirect(back, code=303)


@bp.post("/incidents/<int:incident_id>/publikasi")
@ability_required("publish")
def publish_incident_view(incident_id: int):
    item = _staff_item(Incident, incident_id)
    summary = request.form.get("summary")
    return _act(lambda i, u: publish_incident(i, u, summary), item,
                _("Insiden dipublikasikan di halaman publik kecamatan."),
                url_for("incidents.detail", incident_id=item.id))  # fmt: skip


@bp.post("/incidents/<int:incident_id>/tarik")
@ability_required("publish")
def withdraw_incident_view(incident_id: int):
    item = _staff_item(Incident, incident_id)
    return _act(withdraw_incident, item, _("Insiden ditarik dari halaman publik."),
                url_for("incidents.detail", incident_id=item.id))  # fmt: skip


@bp.post("/broadcasts/<int:broadcast_id>/publikasi")
@ability_required("publish")
def publish_broadcast_view(broadcast_id: int):
    return _act(publish_broadcast, _staff_item(Broadcast, broadcast_id),
                _("Siaran dipublikasikan di halaman publik kecamatan."), url_for("broadcasts.index"))  # fmt: skip


@bp.post("/broadcasts/<int:broadcast_id>/tarik")
@ability_required("publish")
def withdraw_broadcast_view(broadcast_id: int):
    return _act(withdraw_broadcast, _staff_item(Broadcast, broadcast_id), _("Siaran ditarik dari halaman publik."),
                url_for("broadcasts.index"))  # fmt: skip


@bp.route("/info-desa", methods=["GET", "POST"])
@ability_required("desa_info")
def desa_info():
    """Each desa's public information, for its official (their own desa) or the kecamatan (every desa)."""
    try:
        desa = desa_for_form(current_user, "desa_info", [request.form.get("desa", "")])
    except Forbidden:
        abort(403)
    if request.method == "POST":
        chosen = next((d for d in desa if d.code == request.form.get("desa")), None)
        if chosen is None:
            abort(400)  # no desa named (one outside the user's reach was refused above)
        level = request.form.get("destana") or None
        if level not in (None, *DESTANA_LEVELS):
            abort(400)
        set_desa_info(current_user, chosen, request.form.get("evacuation", ""), request.form.get("numbers", ""), level)
        flash(_("Info publik %(desa)s disimpan.", desa=chosen.label))
        return redirect(url_for("public.desa_info") + f"#desa-{chosen.code}", code=303)
    infos = {i.desa_code: i for i in db.session.scalars(
        db.select(DesaInfo).where(DesaInfo.desa_code.in_([d.code for d in desa])))}  # fmt: skip
    return render_template("public/desa_info.html", desa=desa, infos=infos, levels=DESTANA_LEVELS)
