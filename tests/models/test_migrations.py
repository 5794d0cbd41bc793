"""The migrations build the schema from empty on SQLite and PostgreSQL, and agree with the models."""

import uuid
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from webapp.cli import create_app
from webapp.extensions import db
from webapp.models import compared_by_autogenerate

TABLES = {
    "outbound_message",
    "broadcast",
    "broadcast_desa",
    "region",
    "user",
    "reporter",
    "report",
    "incident",
    "incident_event",
    "figure_proposal",
    "service_state",
    "operator_message",
    "receiving_number",
    "agency",
    "handover",
    "agency_member",
    "consultation",
    "push_subscription",
    "gateway_test",
    "sign_in",
    "audit_entry",
    "dusun",
    "learned_term",
    "warning_alert",
    "warning_message",
    "warning_draft",
    "warning_feed",
    "desa_info",
    "hazard_population",
    "preparedness_activity",
    "rapid_assessment",
    "emergency_status",
    "shelter",
    "shelter_update",
    "need",
    "need_delivery",
    "alembic_version",
}


def test_models_and_migrations_agree(app):
    opts = {"compare_type": True, "include_object": compared_by_autogenerate}  # as migrations/env.py compares
    with app.app_context(), db.engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect an index on expressions (the list's urgency order): it says so, and skips it
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index")
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
    assert diff == []


def _fresh_database(database_uri, tmp_path):
    """A second, empty database of the same kind as the suite's, and a function that removes it."""
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'fresh.sqlite3'}", lambda: None
    name = f"tangguh_migration_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def test_upgrade_from_empty_then_down_and_up_again(database_uri, tmp_path):
    uri, drop = _fresh_database(database_uri, tmp_path)
    try:
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "s" * 40})
        with fresh.app_context():
            upgrade()
            assert set(inspect(db.engine).get_table_names()) == TABLES
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
            upgrade()
            assert set(inspect(db.engine).get_table_names()) == TABLES
            db.engine.dispose()
    finally:
        drop()


def _insert_incident(conn, number: int, agency: int | None = None) -> None:
    """An incident of Winongan written in plain SQL, as the schema of 0003 to 0006 holds it."""
    if number == 1:
        conn.execute(text("INSERT INTO region (code, level, name) VALUES ('35.14.19', 'kecamatan', 'Winongan')"))
    conn.execute(
        text(
            "INSERT INTO incident (id, ticket, kecamatan_code, status, meninggal, hilang, luka, mengungsi, terdampak,"
            " mengungsi_kk, terdampak_kk, rumah_rusak_berat, rumah_rusak_sedang, rumah_rusak_ringan, rumah_terendam,"
            " agency_id, opened_at, last_report_at, updated_at) VALUES (:id, :ticket, '35.14.19', 'diverifikasi',"
            " 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, :agency, :t, :t, :t)"
        ),
        {"id": number, "ticket": f"AAAA{number}", "agency": agency, "t": "2026-11-01 08:00:00"},
    )


def test_event_kinds_are_renamed_forward_and_back(database_uri, tmp_path):
    uri, drop = _fresh_database(database_uri, tmp_path)
    try:
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "s" * 40})
        with fresh.app_context():
            upgrade(revision="0005")
            with db.engine.begin() as conn:
                _insert_incident(conn, 1)
                for kind in ("dibuka", "instansi", "keparahan", "dipisah", "status"):
                    conn.execute(
                        text("INSERT INTO incident_event (incident_id, at, kind) VALUES (1, :t, :kind)"),
                        {"t": "2026-11-01 08:00:00", "kind": kind},
                    )

            def kinds():
                with db.engine.connect() as conn:
                    return [row[0] for row in conn.execute(text("SELECT kind FROM incident_event ORDER BY id"))]

            upgrade()
            assert kinds() == ["opened", "agency", "severity", "split", "status"]
            downgrade(revision="0005")
            assert kinds() == ["dibuka", "instansi", "keparahan", "dipisah", "status"]
            db.engine.dispose()
    finally:
        drop()


def test_an_incidents_agency_becomes_a_handover_and_back(database_uri, tmp_path):
    uri, drop = _fresh_database(database_uri, tmp_path)
    try:
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "s" * 40})
        with fresh.app_context():
            upgrade(revision="0006")
            with db.engine.begin() as conn:
                agency = conn.execute(text("SELECT id FROM agency WHERE name = 'Damkar'")).scalar_one()
                _insert_incident(conn, 1, agency)
                _insert_incident(conn, 2)
                conn.execute(text("INSERT INTO incident_event (incident_id, at, kind) VALUES (1, :t, 'instansi')"),
                             {"t": "2026-11-01 08:00:00"})  # fmt: skip
            upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT incident_id, agency_id FROM handover")).all() == [(1, agency)]
            downgrade(revision="0006")
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT id, agency_id FROM incident ORDER BY id")).all()
            assert rows == [(1, agency), (2, None)]
            db.engine.dispose()
    finally:
        drop()


def test_android_devices_set_up_before_0009_get_a_grace_period_not_an_alarm(database_uri, tmp_path):
    uri, drop = _fresh_database(database_uri, tmp_path)
    try:
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "s" * 40})
        with fresh.app_context():
            upgrade(revision="0008")
            with db.engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO region (code, level, name) VALUES ('35.14.19', 'kecamatan', 'Winongan')")
                )
                insert = text(
                    "INSERT INTO receiving_number (gateway, address, kecamatan_code, created_at) "
                    "VALUES (:g, :a, '35.14.19', '2026-01-01 00:00:00')"
                )
                for gateway, address in (("android", "dev-lama"), ("twilio", "+6281100351419")):
                    conn.execute(insert, {"g": gateway, "a": address})
            upgrade()
            fresh.config["GATEWAY_SILENT_MINUTES"] = 30
            with fresh.test_request_context():
                from webapp.messaging.gateway_health import offline_kecamatan

                assert offline_kecamatan() == []  # a year-old device is not called silent the minute we upgrade
                query = "SELECT gateway, failures, last_seen_at IS NOT NULL FROM receiving_number ORDER BY gateway"
                rows = db.session.execute(text(query)).all()
                assert rows == [("android", 0, True), ("twilio", 0, False)]
                db.session.remove()
            db.engine.dispose()
    finally:
        drop()


def test_old_injury_counts_stay_whole_and_not_split(database_uri, tmp_path):
    """0014 splits luka into luka berat and luka ringan; incidents counted before keep their total, all of it
    "not split" (never guessed), and going back keeps the total."""
    uri, drop = _fresh_database(database_uri, tmp_path)
    try:
        fresh = create_app({"SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "s" * 40})
        with fresh.app_context():
            upgrade(revision="0013")
            with db.engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO region (code, level, name) VALUES ('35.14.19', 'kecamatan', 'Winongan')")
                )
                conn.execute(text(
                    "INSERT INTO incident (id, ticket, kecamatan_code, status, meninggal, hilang, luka, mengungsi,"
                    " terdampak, mengungsi_kk, terdampak_kk, rumah_rusak_berat, rumah_rusak_sedang, rumah_rusak_ringan,"
                    " rumah_terendam, opened_at, last_report_at, updated_at) VALUES (7, 'AAAA7', '35.14.19',"
                    " 'diverifikasi', 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, :t, :t, :t)"),
                    {"t": "2026-11-01 08:00:00"})  # fmt: skip
            upgrade()
            with db.engine.connect() as conn:
                row = conn.execute(text("SELECT luka, luka_berat, luka_ringan FROM incident WHERE id = 7")).one()
            assert tuple(row) == (6, None, None)  # 6 injured; nobody said how many were heavy or light
            with db.engine.connect() as conn:
                query = "SELECT meninggal, hilang, figures_owned_at FROM incident WHERE id = 7"
                owned = conn.execute(text(query)).one()
            assert owned[:2] == (1, None) and owned[2] is not None  # a 0 nobody gave is unknown; verified: owned
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text("UPDATE incident SET luka_berat = 5, luka_ringan = 5 WHERE id = 7"))  # 10 > 6
            downgrade(revision="0013")
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT luka FROM incident WHERE id = 7")).scalar() == 6
            db.engine.dispose()
    finally:
        drop()
