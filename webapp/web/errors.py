"""Error pages in Bahasa Indonesia, or JSON for API clients; the session is rolled back first."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db


def _wants_json() -> bool:
    return (
        request.path.startswith("/api/")
        or request.is_json
        or (request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json")
    )


def _messages():
    return {
        400: _("Permintaan tidak dapat diproses. Periksa kembali isian Anda."),
        403: _("Anda tidak berwenang membuka halaman ini."),
        404: _("Halaman tidak ditemukan."),
        405: _("Cara permintaan ini tidak diizinkan."),
        413: _("Kiriman terlalu besar."),
        429: _("Terlalu banyak permintaan. Coba lagi sebentar lagi."),
        500: _("Terjadi kesalahan di server. Laporan Anda tidak hilang; coba lagi sebentar lagi."),
    }


def _render(status: int, message: str):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("errors/error.html", status=status, message=message), status


def _has_nul(values) -> bool:
    return any("\x00" in value for _key, items in values.lists() for value in items)


def init_app(app):
    @app.before_request
    def refuse_nul_characters():
        """A browser never sends NUL and PostgreSQL can neither store nor compare it: a clear 400, not a 500.
        The webhooks are exempt: an SMS is never refused, and the intake keeps NUL as U+FFFD."""
        if request.blueprint == "webhooks":
            return None
        if _has_nul(request.args) or (request.method == "POST" and _has_nul(request.form)):
            return _render(400, _messages()[400])
        return None

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, _("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu kirim lagi."))

    @app.errorhandler(HTTPException)
    def http_error(error):
        db.session.rollback()
        return _render(error.code, _messages().get(error.code, error.name))

    @app.errorhandler(Exception)
    def server_error(error):
        db.session.rollback()
        app.logger.exception("unhandled error")
        return _render(500, _messages()[500])
