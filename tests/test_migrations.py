"""The migrations build the schema from empty on SQLite and PostgreSQL, and agree with the models."""

import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from webapp import create_app
from webapp.extensions import db

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
    "receiving_number",
    "agency",
    "alembic_version",
}


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
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
