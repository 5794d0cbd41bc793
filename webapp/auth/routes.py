import math
import time
from functools import cache
from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import public, signed_in
from ..accounts import find_user, normalize_email
from ..extensions import db
from ..models import SignIn, utcnow
from ..web.labels import LANGUAGES
from . import bp, throttle
from .forms import LoginForm, LogoutForm


def _safe_next(target: str | None) -> str:
    """Only same-site paths: a crafted ``next`` must not send anyone to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("incidents.home")


@cache
def _decoy_hash(method: str) -> str:
    return generate_password_hash("not anyone's password", method=method)


def _password_ok(user, password: str) -> bool:
    """Check the password; for an unknown email, spend the same hashing time so timing reveals nothing."""
    if user is None:
        check_password_hash(_decoy_hash(current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")), password)
        return False
    return user.check_password(password)


def _note(email: str, user, outcome: str) -> None:
    db.session.add(SignIn(email=email[:254], user_id=user.id if user else None,
                          address=(request.remote_addr or "")[:45] or None, outcome=outcome))  # fmt: skip
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("incidents.home"))
    form = LoginForm()
    if form.validate_on_submit():
        email, address = normalize_email(form.email.data), request.remote_addr or ""
        wait = throttle.take_attempt(email, address)
        if wait:  # refused before the password is looked at; the same words whether or not the account exists
            if throttle.worth_noting(address):
                _note(email, find_user(email), "throttled")
            form.password.errors.append(
                _("Terlalu banyak percobaan masuk. Coba lagi dalam %(num)d menit.", num=math.ceil(wait / 60))
            )
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(wait)}
        user = find_user(email)
        if _password_ok(user, form.password.data) and user.active:
            login_user(user)
            session.permanent = True  # the cookie lasts SESSION_IDLE_MINUTES from the last request
            session["seen"], session["started"] = int(time.time()), time.time()
            # The password this session was opened with: when it changes (a reset), the session ends.
            session["password_changed_at"] = user.password_changed_at.isoformat() if user.password_changed_at else ""
            _note(email, user, "ok")
            return redirect(_safe_next(request.args.get("next")), code=303)
        _note(email, user, "inactive" if user is not None and not user.active else "wrong")
        form.password.errors.append(_("Email atau kata sandi salah."))
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@signed_in
def logout():
    if LogoutForm().validate_on_submit():
        current_user.signed_out_at = utcnow()  # a copy of this session's cookie, or any other, no longer works
        db.session.commit()
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


def init_app(app):
    @app.before_request
    def end_idle_sessions():
        """A session unused for ``SESSION_IDLE_MINUTES`` ends (a phone left on a desk, a borrowed browser), and so
        does one older than ``SESSION_MAX_HOURS`` or opened before the account last signed out (a copied cookie);
        the times live in the signed session, the last use refreshed at most once a minute."""
        if not current_user.is_authenticated:
            return None
        now, seen, started = int(time.time()), session.get("seen"), session.get("started")
        signed_out = current_user.signed_out_at.timestamp() if current_user.signed_out_at else None
        ended = started is None or now - float(started) > app.config["SESSION_MAX_HOURS"] * 3600
        ended = ended or (signed_out is not None and float(started) < signed_out)
        if ended:
            logout_user()
            session.pop("seen", None)
            flash(_("Sesi berakhir. Silakan masuk lagi."))
            return None
        if seen is None or now - int(seen) > app.config["SESSION_IDLE_MINUTES"] * 60:
            logout_user()
            session.pop("seen", None)
            flash(_("Sesi berakhir karena lama tidak dipakai. Silakan masuk lagi."))
            return None  # the view's own rule now sends the visitor to sign in
        if now - int(seen) >= 60:
            session["seen"] = now
        return None
