from flask import abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..pagination import BadPage, page_args
from . import bp
from .service import incidents_page


@bp.get("/")
def home():
    return redirect(url_for("incidents.index"))


@bp.get("/incidents")
@login_required
def index():
    try:
        page, per_page = page_args()
    except BadPage:
        abort(400)
    pagination = incidents_page(current_user, page, per_page)
    return render_template("incidents/index.html", pagination=pagination)
