from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access import ability_required, area_in_reach, can, fetch
from ..extensions import db
from ..models import WarningDraft, WarningFeed
from ..web.pagination import requested_page
from . import bp
from .matching import validity
from .service import DraftError, discard, drafts_for, unmatched

PAGE_SIZE = 20


def _draft(draft_id: int, ability: str) -> WarningDraft:
    return fetch(WarningDraft, draft_id, ability)


@bp.get("/peringatan")
@ability_required("warnings")
def index():
    pagination = db.paginate(drafts_for(current_user), page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    lost = None
    if area_in_reach(current_user, None) is None:  # admins: what named no kecamatan Tangguh holds
        lost = db.session.scalars(unmatched().limit(PAGE_SIZE)).all()
    feeds = db.session.scalars(select(WarningFeed).order_by(WarningFeed.url)).all()
    return render_template("warnings/index.html", pagination=pagination, unmatched=lost, validity=validity,
                           feeds=feeds)  # fmt: skip


@bp.get("/w/<int:draft_id>")
@ability_required("warnings")
def short_link(draft_id: int):
    """The link in the on-duty SMS: straight to the broadcast preview for those who send it."""
    draft = _draft(draft_id, "warnings")
    if can(current_user, "warn", draft):
        return redirect(url_for("broadcasts.new", peringatan=draft.id))
    return redirect(url_for("warnings.index"))


@bp.post("/peringatan/<int:draft_id>/buang")
@ability_required("warn")
def discard_view(draft_id: int):
    draft = _draft(draft_id, "warn")
    try:
        discard(draft, current_user)
    except DraftError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Draf peringatan dibuang; tidak ada yang dikirim ke warga."))
    if request.form.get("next") == "list":
        return redirect(url_for("warnings.index"), code=303)
    return redirect(url_for("broadcasts.index"), code=303)
