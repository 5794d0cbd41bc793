from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy import select

from ..access import Forbidden, ability_required, desa_for_form, desa_in_reach, fetch, managed_users, role_of, signed_in
from ..accounts import AccountError
from ..extensions import db
from ..models import Agency, User
from ..regions.gazetteer import find as find_regions
from ..web.forms import ActionForm
from ..web.labels import ROLE_LABELS
from ..web.pagination import requested_page
from . import bp
from .forms import AccountForm, AdminAccountForm, PasswordForm
from .service import change_own_password, create_account, reset_password, set_active

PAGE_SIZE = 50


def _form() -> AccountForm:
    scoped = bool(role_of(current_user).levels)
    form = AccountForm() if scoped else AdminAccountForm()
    form.role.choices = [(role, str(ROLE_LABELS[role])) for role in role_of(current_user).manages]
    if scoped:
        form.region.choices = [(d.code, d.name) for d in desa_in_reach(current_user, "accounts")]
    form.agency.choices = [("", "-")] + [
        (str(a.id), a.name)
        for a in db.session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name))
    ]
    return form


def _page(form=None, created=None, status=200, region_choices=()):
    pagination = db.paginate(managed_users(current_user).order_by(User.role, User.name), page=requested_page(),
                             per_page=PAGE_SIZE, error_out=False, count=True)  # fmt: skip
    search = not role_of(current_user).levels  # the region is typed: a search by name, without JavaScript
    query = request.args.get("cari", "").strip()[:100] if search else ""
    if form is None:
        form = _form()
        if search and request.args.get("wilayah"):
            form.region.data = request.args["wilayah"][:100]  # chosen from the search's results
    found = find_regions(query) if query else []
    return render_template("people/index.html", pagination=pagination, form=form, created=created,
                           action_form=ActionForm(), search=search, query=query, found=found,
                           region_choices=region_choices), status  # fmt: skip


@bp.get("/akun")
@ability_required("accounts")
def index():
    """The accounts the user manages, the form for a new one, and (for admins) the region search by name."""
    return _page()


@bp.post("/akun")
@ability_required("accounts")
def create():
    if role_of(current_user).levels:
        try:  # a region outside the manager's, forced into the form: refused outright
            desa_for_form(current_user, "accounts", [request.form.get("region", "")])
        except Forbidden:
            abort(403)
    form = _form()
    if request.form.get("pilih_wilayah"):  # one of the regions a typed name could mean, tapped
        form.region.data = request.form["pilih_wilayah"][:13]
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        user, password = create_account(current_user, form.email.data, form.name.data, form.role.data,
                                        form.region.data, form.phone.data,
                                        int(form.agency.data) if form.agency.data else None)  # fmt: skip
    except Forbidden:
        abort(403)
    except AccountError as exc:
        field = getattr(form, exc.field or "name", form.name)  # each error under the field it concerns
        field.errors = [*field.errors, str(exc)]
        return _page(form, status=422, region_choices=exc.choices)
    return _page(created=(user, password))  # the temporary password is shown this once, never stored in clear


def _managed(user_id: int) -> User:
    user = fetch(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return user


@bp.post("/akun/<int:user_id>/sandi")
@ability_required("accounts")
def reset(user_id: int):
    user = _managed(user_id)
    try:
        password = reset_password(current_user, user)
    except Forbidden:
        abort(403)
    return _page(created=(user, password))


@bp.post("/akun/<int:user_id>/aktif")
@ability_required("accounts")
def toggle(user_id: int):
    user = _managed(user_id)
    try:
        set_active(current_user, user, not user.active)
    except Forbidden:
        abort(403)
    flash(
        _("%(name)s dinonaktifkan.", name=user.name) if not user.active else _("%(name)s aktif lagi.", name=user.name)
    )
    return redirect(url_for("people.index"), code=303)


@bp.route("/sandi", methods=["GET", "POST"])
@signed_in
def own_password():
    """Change one's own password; after a temporary one, every page leads here first."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current.data, form.new.data, form.repeat.data)
        except AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            session["password_changed_at"] = current_user.password_changed_at.isoformat()
            flash(_("Kata sandi diganti."))
            return redirect(url_for("incidents.home"), code=303)
    return render_template("people/password.html", form=form), 422 if form.errors else 200


def init_app(app):
    @app.before_request
    def temporary_password_first():
        """Someone signed in with a temporary password changes it before anything else; a session from before
        the password last changed (someone else reset it) ends."""
        if not current_user.is_authenticated:
            return None
        changed = current_user.password_changed_at
        if changed and session.get("password_changed_at") != changed.isoformat():
            logout_user()
            return redirect(url_for("auth.login"))
        if current_user.must_change_password and request.endpoint not in (
            "people.own_password",
            "auth.logout",
            "static",
            "service_worker",
            "auth.language",
        ):
            return redirect(url_for("people.own_password"))
        return None
