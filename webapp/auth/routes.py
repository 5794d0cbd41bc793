from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..access import public, signed_in
from ..accounts import find_user
from ..labels import LANGUAGES
from . import bp
from .forms import LoginForm, LogoutForm


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a crafted ``next`` must not send anyone to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("incidents.home")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("incidents.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if user is not None and user.active and user.check_password(form.password.data):
            login_user(user)
            # The password this session was opened with: when it changes (a reset), the session ends.
            session["password_changed_at"] = user.password_changed_at.isoformat() if user.password_changed_at else ""
            return redirect(_safe_next(request.args.get("next")), code=303)
        form.password.errors.append(_("Email atau kata sandi salah."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@signed_in
def logout():
    if LogoutForm().validate_on_submit():
        logout_user()
        flash(_("Anda sudah keluar."))
        return redirect(url_for("auth.login"), code=303)
    return redirect(url_for("incidents.index"), code=303)


@bp.get("/bahasa/<code>")
@public
def language(code: str):
    """Switch the language of the pages (a cookie for a year); Bahasa Indonesia is the default."""
    if code not in LANGUAGES:
        abort(404)
    response = redirect(_safe_next(request.args.get("next")), code=303)
    response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
