from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import Forbidden, ability_required, fetch
from ..extensions import db
from ..models import Report
from ..web.forms import ActionForm
from ..web.pagination import requested_page
from . import bp
from .service import InboxError, mark_handled, to_incident, waiting

PAGE_SIZE = 25


@bp.get("/pesan-masuk")
@ability_required("inbox")
def index():
    pagination = db.paginate(waiting(current_user), page=requested_page(), per_page=PAGE_SIZE, error_out=False,
                             count=True)  # fmt: skip
    return render_template("inbox/index.html", pagination=pagination, action_form=ActionForm())


def _act(report_id: int, action) -> tuple[Report, bool, object]:
    """Load the message (404, 403 outside reach), check the form, do ``action``: (message, done, its result)."""
    report = fetch(Report, report_id, "inbox")
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        return report, True, action(current_user, report)
    except Forbidden:
        abort(403)
    except InboxError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return report, False, None


@bp.post("/pesan-masuk/<int:report_id>/insiden")
@ability_required("inbox")
def make_incident(report_id: int):
    report, done, incident = _act(report_id, to_incident)
    if not done:
        return redirect(url_for("inbox.index"), code=303)
    flash(_("Pesan #%(id)d dijadikan insiden %(ticket)s.", id=report.id, ticket=incident.ticket))
    return redirect(url_for("incidents.detail", incident_id=incident.id), code=303)


@bp.post("/pesan-masuk/<int:report_id>/selesai")
@ability_required("inbox")
def handle(report_id: int):
    report, done, _nothing = _act(report_id, mark_handled)
    if done:
        flash(_("Pesan #%(id)d selesai.", id=report.id))
    return redirect(url_for("inbox.index"), code=303)
