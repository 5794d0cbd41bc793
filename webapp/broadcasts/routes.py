from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from wtforms import SelectChoice

from ..access import Forbidden, ability_required, desa_for_form, fetch
from ..extensions import db
from ..models import BROADCAST_KINDS, Broadcast, WarningDraft
from ..warnings.matching import validity
from ..warnings.service import DraftError, sendable
from ..web.pagination import requested_page
from . import bp
from .forms import BroadcastForm
from .service import (
    BroadcastError,
    delivery_counts,
    in_progress,
    message_text,
    preview,
    progress,
    residents_per_desa,
    send,
    unreached,
    visible,
)

PAGE_SIZE = 20


def _draft() -> WarningDraft | None:
    """The BMKG draft this form sends (``?peringatan=<id>``, then the form's hidden field), checked for reach."""
    raw = request.form.get("warning") or request.args.get("peringatan") or ""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        abort(404)
    return fetch(WarningDraft, int(raw), "warn")


def _prefill(form: BroadcastForm, draft: WarningDraft) -> None:
    """A draft opens as a ready broadcast: an early warning, its hazard, every desa of the kecamatan, its text."""
    form.warning.data = str(draft.id)
    form.kind.data, form.hazard.data, form.body.data = "peringatan", draft.alert.hazard, draft.body
    inside = draft.kecamatan_code + "."
    form.desa.data = [choice.value for choice in form.desa.choices if choice.value.startswith(inside)]


def _form() -> BroadcastForm:
    try:  # admins broadcast through a kecamatan or desa account
        desa = desa_for_form(current_user, "broadcast", request.form.getlist("desa"))
    except Forbidden:
        abort(403)
    form = BroadcastForm()
    counts = residents_per_desa([d.code for d in desa])
    form.desa.choices = [
        SelectChoice(d.code, ngettext("%(name)s (%(num)d warga)", "%(name)s (%(num)d warga)", counts.get(d.code, 0),
                                      name=d.name))
        for d in desa
    ]  # fmt: skip
    form.all_residents = sum(counts.values())
    if request.method == "GET" and len(desa) == 1:
        form.desa.data = [desa[0].code]  # a desa official's own desa
    if request.form.get("semua"):
        form.desa.data = [d.code for d in desa]  # "every desa", with or without JavaScript
    return form


def _preview(form: BroadcastForm):
    """The preview for what the form holds; a desa outside the user's choices counts for nothing (the form
    itself reports it)."""
    allowed = {choice.value for choice in form.desa.choices}
    desa = [code for code in form.desa.data or [] if code in allowed]
    kind = form.kind.data if form.kind.data in ("peringatan", "informasi") else "peringatan"
    return preview(current_user, kind, desa, form.body.data or "")


@bp.get("/broadcasts")
@ability_required("broadcasts")
def index():
    pagination = db.paginate(
        visible(current_user).order_by(Broadcast.created_at.desc(), Broadcast.id.desc()),
        page=requested_page(), per_page=PAGE_SIZE, error_out=False, count=True,
    )  # fmt: skip
    counts = delivery_counts([b.id for b in pagination.items])
    return render_template("broadcasts/index.html", pagination=pagination, counts=counts)


@bp.route("/broadcasts/new", methods=["GET", "POST"])
@ability_required("broadcast")
def new():
    form = _form()
    draft = _draft()
    error = None
    if draft is not None and request.method == "GET":
        _prefill(form, draft)
    if request.method == "POST" and request.form.get("action") == "send" and form.validate_on_submit():
        expected = int(form.expected.data) if form.expected.data else None
        try:
            broadcast = send(current_user, form.key.data, form.kind.data, form.hazard.data, form.desa.data,
                             form.body.data, expected, draft)  # fmt: skip
        except BroadcastError as exc:  # RecipientsChanged too: the fresh preview shows the new count
            error = str(exc)
        else:
            flash(_("Siaran diantrekan untuk %(num)d warga.", num=broadcast.recipients))
            return redirect(url_for("broadcasts.detail", broadcast_id=broadcast.id), code=303)
    status = 422 if request.method == "POST" and (error or form.errors) else 200
    prefixes = {kind: message_text(current_user, kind, "") for kind in BROADCAST_KINDS}
    return render_template(
        "broadcasts/new.html",
        form=form,
        preview=_preview(form),
        error=error,
        prefixes=prefixes,
        draft=draft,
        sendable=_sendable(draft),
        warning_validity=validity(draft.alert, draft.kecamatan_code) if draft else None,
    ), status


def _sendable(draft: WarningDraft | None) -> str | None:
    """Why the draft can no longer be sent (None when it can, or when there is no draft)."""
    if draft is None:
        return None
    try:
        sendable(draft)
    except DraftError as exc:
        return str(exc)
    return None


@bp.post("/broadcasts/preview")
@ability_required("broadcast")
def live_preview():
    """The preview fragment, refreshed by htmx as the sender types and picks desa."""
    form = _form()
    if not form.validate_on_submit() and "csrf_token" in form.errors:
        abort(400)
    return render_template(
        "broadcasts/_preview.html", form=form, preview=_preview(form), error=None, sendable=_sendable(_draft())
    )


def _progress(broadcast: Broadcast) -> dict:
    return dict(broadcast=broadcast, desa=progress(broadcast), unreached=unreached(broadcast, current_user),
                running=in_progress(broadcast))  # fmt: skip


@bp.get("/broadcasts/<int:broadcast_id>")
@ability_required("broadcasts")
def detail(broadcast_id: int):
    """One broadcast: its text, and how far it got in each desa (refreshing itself while it is sent)."""
    broadcast = fetch(Broadcast, broadcast_id, "broadcasts")
    return render_template("broadcasts/detail.html", **_progress(broadcast))


@bp.get("/broadcasts/<int:broadcast_id>/kemajuan")
@ability_required("broadcasts")
def progress_fragment(broadcast_id: int):
    """The progress fragment the broadcast page polls with htmx while messages still wait."""
    broadcast = fetch(Broadcast, broadcast_id, "broadcasts")
    return render_template("broadcasts/_progress.html", **_progress(broadcast))
