"""Health that tells the truth (issue 34): the worker's rounds, the backups and their age, backup files others
can read, a proxy the app does not trust; the admins told when a backup or a service fails; deploy/check.py
failing with a one-line reason on each."""

from __future__ import annotations

import importlib.util
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from conftest import signed_in
from webapp.extensions import db
from webapp.models import OutboundMessage, ServiceState, utcnow
from webapp.operations import state
from webapp.worker import Schedule, run_round

spec = importlib.util.spec_from_file_location("deploy_check_health", Path(__file__).parents[2] / "deploy" / "check.py")
deploy_check = importlib.util.module_from_spec(spec)
sys.modules["deploy_check_health"] = deploy_check
spec.loader.exec_module(deploy_check)


def reasons(client) -> list[str]:
    return client.get("/healthz").json["reasons"]


def alerts() -> list[OutboundMessage]:
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.kecamatan_code.is_(None))))


@pytest.fixture
def backups_in(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(tmp_path / "backups"))
    monkeypatch.setitem(app.config, "BACKUP_MAX_AGE_HOURS", 26)
    return tmp_path / "backups"


def test_a_worker_that_stopped_making_rounds_is_named(app, client, ctx):
    assert "worker_stopped" in reasons(client)  # never ran
    run_round("worker-test", 5, Schedule(), lambda _line: None)
    assert "worker_stopped" not in reasons(client)
    db.session.get(ServiceState, "worker").at = utcnow() - timedelta(minutes=app.config["WORKER_STALE_MINUTES"] + 1)
    db.session.commit()
    assert "worker_stopped" in reasons(client)


def test_a_backup_is_recorded_and_its_age_watched(app, client, ctx, backups_in, worker_alive):
    assert reasons(client) == ["backup_stale"]  # production watches backups: none was ever taken
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    health = client.get("/healthz").json
    assert health["status"] == "ok" and health["backup"] == {"age_hours": 0.0}
    (written,) = backups_in.iterdir()
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    db.session.get(ServiceState, "backup").ok_at = utcnow() - timedelta(hours=27)
    db.session.commit()
    assert reasons(client) == ["backup_stale"]
    written.chmod(0o644)  # copied by hand with the wrong mode
    assert reasons(client) == ["backup_stale", "backup_readable"]


def test_a_failed_backup_is_told_to_the_admins_and_shown_on_their_pages(
    app, client, ctx, backups_in, make_user, worker_alive, monkeypatch
):
    admin = make_user("admin", phone="081277776666")
    staff = make_user("kecamatan_staff", "35.14.19")
    backups_in.parent.mkdir(exist_ok=True)
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(backups_in.parent / "a-file" / "backups"))
    (backups_in.parent / "a-file").write_text("not a directory")
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code == 1
    assert "cannot create the backup directory" in result.output and "the admins were told" in result.output
    assert "Traceback" not in result.output
    assert reasons(client) == ["backup_failed", "backup_stale"]
    (sms,) = alerts()
    assert sms.to_phone == "+6281277776666" and sms.segments == 1
    assert sms.body.startswith("Tangguh: cadangan data GAGAL") and "Cadangan baik terakhir: belum ada" in sms.body
    app.test_cli_runner().invoke(args=["backup"])
    assert len(alerts()) == 1  # the next failure in the same hour tells nobody again
    assert app.test_cli_runner().invoke(args=["ops", "alert-failed", "tangguh-backup.service"]).exit_code == 0
    assert len(alerts()) == 1  # systemd's OnFailure= after the failed backup: the admins already know why
    page = signed_in(app, admin).get("/incidents").get_data(as_text=True)
    assert "Server bermasalah:" in page and "cadangan terakhir gagal" in page
    assert "Server bermasalah" not in signed_in(app, staff).get("/incidents").get_data(as_text=True)
    details = signed_in(app, admin).get("/pengaturan/server").get_data(as_text=True)
    assert "cannot create the backup directory" in details and "belum pernah" in details


def test_a_unit_systemd_gave_up_on_reaches_the_admins_once_an_hour(app, ctx, make_user):
    make_user("admin", phone="081277776666")
    make_user("admin", phone="081277775555").active = False
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ops", "alert-failed", "tangguh-worker.service"])
    assert result.exit_code == 0 and "1 alert(s)" in result.output
    runner.invoke(args=["ops", "alert-failed", "tangguh-worker.service"])
    (sms,) = alerts()
    assert sms.to_phone == "+6281277776666" and "tangguh-worker.service" in sms.body and sms.segments == 1


def test_forwarded_headers_while_no_proxy_is_trusted_are_named(app, client, worker_alive, monkeypatch):
    client.get("/login")
    assert "proxy_untrusted" not in reasons(client)
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 1)
    client.get("/login", headers={"X-Forwarded-For": "203.0.113.7"})  # trusted: as it should be
    assert "proxy_untrusted" not in reasons(client)
    monkeypatch.setitem(app.config, "TRUSTED_PROXY_COUNT", 0)
    client.get("/login", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert reasons(client) == ["proxy_untrusted"]


def test_check_fails_with_one_line_per_trouble(app, live_server, backups_in, store, closed_port_uri):
    def failed() -> dict[str, str]:
        return {c.name: c.detail for c in deploy_check.check_health(live_server) if not c.ok}

    assert set(failed()) == {"health worker_stopped", "health backup_stale"}
    assert failed()["health worker_stopped"] == deploy_check.REASONS["worker_stopped"]
    state.report("worker", True, "test")
    assert app.test_cli_runner().invoke(args=["backup"]).exit_code == 0
    assert failed() == {}
    (written,) = backups_in.iterdir()
    written.chmod(0o640)
    store(closed_port_uri)
    requests.get(f"{live_server}/login", headers={"X-Forwarded-For": "198.51.100.4"}, timeout=5)
    assert set(failed()) == {"health backup_readable", "health proxy_untrusted", "health ratelimit_store"}
    assert all(line and "\n" not in line for line in failed().values())
