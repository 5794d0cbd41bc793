"""Signing in and out (Flask-Login sessions, CSRF-protected forms)."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ..extensions import db, login_manager
from ..models import User

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isascii() and user_id.isdigit() else None


from . import routes  # noqa: E402,F401
