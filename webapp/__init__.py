"""Tangguh: the Flask application. ``create_app`` builds the web application, as gunicorn serves it; nothing
happens at import time. The command line (``flask --app webapp.cli …``: the worker, migrations, backups, users)
is ``webapp.cli.create_app``, the same application with its commands: a web process never loads them, nor what
only they use (Alembic, the gateways' clients)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from . import templating
from .api import bp as api_bp
from .auth import bp as auth_bp
from .auth.routes import init_app as auth_init
from .broadcasts import bp as broadcasts_bp
from .config import INSTANCE, ROOT, from_environment
from .consultations import bp as consultations_bp
from .dashboard import bp as dashboard_bp
from .extensions import babel, csrf, db, htmx, login_manager
from .inbox import bp as inbox_bp
from .incidents import bp as incidents_bp
from .operations.health import bp as health_bp
from .people import bp as people_bp
from .people.routes import init_app as people_init
from .public import bp as public_bp
from .push import bp as push_bp
from .push.service import public_key
from .ratelimit import limiter
from .relief import bp as relief_bp
from .reports import bp as reports_bp
from .residents import bp as residents_bp
from .setup import bp as setup_bp
from .spm import bp as spm_bp
from .vocabulary import bp as vocabulary_bp
from .warnings import bp as warnings_bp
from .web import assets, errors
from .webhooks import bp as webhooks_bp


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment; keys in ``config`` override it (tests use this)."""
    config = dict(config or {})
    env = dict(os.environ)
    if "SECRET_KEY" in config:
        env["SECRET_KEY"] = config["SECRET_KEY"]
    if "TANGGUH_ENV" in config:
        env["TANGGUH_ENV"] = config["TANGGUH_ENV"]

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=None,  # served by assets: fingerprinted, pre-compressed
        instance_path=str(INSTANCE),
    )
    app.config.update(from_environment(env))
    app.config.update(config)

    _init_database(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    htmx.init_app(app)
    limiter.init_app(app)
    if app.config["TRUSTED_PROXY_COUNT"]:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    app.register_blueprint(auth_bp)
    app.register_blueprint(incidents_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(residents_bp)
    app.register_blueprint(broadcasts_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(push_bp)
    app.register_blueprint(people_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(setup_bp)
    app.register_blueprint(vocabulary_bp)
    app.register_blueprint(warnings_bp)
    app.register_blueprint(public_bp)
    app.register_blueprint(spm_bp)
    app.register_blueprint(relief_bp)
    auth_init(app)
    people_init(app)
    app.config["VAPID_PUBLIC_KEY"] = public_key(app.config["VAPID_PRIVATE_KEY"])
    errors.init_app(app)
    templating.init_app(app)
    assets.init_app(app, ROOT / "static")
    app.config["CSP"] = _content_security_policy(app.config["MAP_TILE_URL"])
    app.after_request(_security_headers)
    return app


def _init_database(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        path = Path(uri.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # The database holds residents' numbers and gateway keys: its owner's alone (SQLite gives its -wal and
        # -shm files the same mode).
        if not path.exists():
            path.touch(mode=0o600)
        elif path.stat().st_uid == os.getuid():
            path.chmod(0o600)
    db.init_app(app)
    if uri.startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers work while the webhook writes; foreign keys are off in SQLite unless asked for;
    # the busy timeout makes concurrent writers wait instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _select_locale() -> str:
    lang = request.cookies.get("lang") if request else None
    return lang if lang in ("id", "en") else "id"


def _content_security_policy(tile_url: str) -> str:
    """Everything a page loads comes from this server; the one exception is the map's tile server, when set."""
    tiles = ""
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}.", "*."))
        tiles = f" {parts.scheme}://{parts.netloc}"
    return (
        f"default-src 'self'; img-src 'self' data:{tiles}; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
    )


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", current_app.config["CSP"])
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
