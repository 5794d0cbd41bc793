"""deploy/check.py against real servers on 127.0.0.1: what it passes, and that each check can fail."""

from __future__ import annotations

import importlib.util
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from webapp import create_app

spec = importlib.util.spec_from_file_location("deploy_check", Path(__file__).parents[2] / "deploy" / "check.py")
deploy_check = importlib.util.module_from_spec(spec)
sys.modules["deploy_check"] = deploy_check
spec.loader.exec_module(deploy_check)


def serve(app_or_handler):
    if isinstance(app_or_handler, type):
        server = ThreadingHTTPServer(("127.0.0.1", 0), app_or_handler)
    else:
        server = make_server("127.0.0.1", 0, app_or_handler, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def by_name(checks) -> dict:
    return {check.name: check for check in checks}


def test_a_development_server_fails_what_production_needs_and_passes_the_rest(live_server, worker_alive):
    checks = by_name(deploy_check.run(live_server))
    assert checks["health"].ok and checks["health"].detail == "ok"
    assert checks["signature /sms/android"].ok and checks["signature /sms/twilio"].ok
    assert checks["secret key"].ok and checks["security headers"].ok
    assert not checks["https"].ok  # plain http
    assert not checks["session cookie"].ok and "secure" in checks["session cookie"].detail


def test_a_known_secret_is_found_by_a_forged_session(live_server, app):
    check = deploy_check.check_secret(live_server, candidates=("dev", app.config["SECRET_KEY"]))
    assert not check.ok and app.config["SECRET_KEY"] in check.detail


def test_production_mode_sets_a_secure_cookie(app, database_uri):
    production = create_app(
        {"TANGGUH_ENV": "production", "SECRET_KEY": "p" * 48, "SQLALCHEMY_DATABASE_URI": database_uri}
    )
    server = serve(production)
    try:
        check = deploy_check.check_cookie(f"http://127.0.0.1:{server.server_port}")
        assert check.ok, check.detail
    finally:
        server.shutdown()
        server.server_close()


class Redirect(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        self.send_response(308)
        self.send_header("Location", f"https://tangguh.example.go.id{self.path}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_plain_http_redirected_to_https_passes(ctx):
    server = serve(Redirect)
    try:
        port = server.server_port
        checks = by_name(deploy_check.check_https(f"https://127.0.0.1:{port}", http_port=port))
        assert checks["https redirect"].ok and "308" in checks["https redirect"].detail
    finally:
        server.shutdown()
        server.server_close()


def test_the_command_exits_1_when_a_check_fails(live_server, capsys):
    assert deploy_check.main([live_server]) == 1
    out = capsys.readouterr().out
    assert "FAIL https" in out and "ok   signature /sms/android" in out


@pytest.mark.parametrize("path", ["/sms/android", "/sms/twilio"])
def test_a_server_without_signature_checks_fails(path, ctx):
    class Open(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = serve(Open)
    try:
        checks = by_name(deploy_check.check_signatures(f"http://127.0.0.1:{server.server_port}"))
        assert not checks[f"signature {path}"].ok and "200" in checks[f"signature {path}"].detail
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_plain_http_is_asked_on_port_80_whatever_the_https_port(ctx):
    checks = by_name(deploy_check.check_https(f"https://127.0.0.1:{closed_port()}"))
    assert checks["https redirect"].detail.startswith("http://127.0.0.1/login ")


def test_an_instance_on_other_ports_is_checked_with_http_port(ctx, capsys):
    server = serve(Redirect)
    try:
        assert deploy_check.main([f"https://127.0.0.1:{closed_port()}", "--http-port", str(server.server_port)]) == 1
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert f"ok   https redirect: http://127.0.0.1:{server.server_port}/login → 308" in out
