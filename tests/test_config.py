import pytest

from webapp import config as config_module
from webapp import create_app
from webapp.config import ConfigError, database_url, from_environment

LONG_SECRET = "x" * 48


def test_postgres_urls_use_psycopg3():
    assert database_url("postgres://u:p@db:5432/tangguh") == "postgresql+psycopg://u:p@db:5432/tangguh"
    assert database_url("postgresql://u@db/tangguh") == "postgresql+psycopg://u@db/tangguh"
    assert database_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"


def test_default_database_is_sqlite_under_instance():
    assert database_url(None) == f"sqlite:///{config_module.INSTANCE / 'tangguh.sqlite3'}"


@pytest.mark.parametrize("secret", [None, "", "change-me", "dev", "short-but-random-7f3a"])
def test_production_refuses_missing_placeholder_or_short_secret(secret):
    env = {"TANGGUH_ENV": "production"}
    if secret is not None:
        env["SECRET_KEY"] = secret
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        from_environment(env)


def test_production_refuses_to_build_the_app_without_a_secret(monkeypatch):
    monkeypatch.setenv("TANGGUH_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="TANGGUH_ENV=production"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_with_a_real_secret_uses_secure_cookies():
    settings = from_environment({"TANGGUH_ENV": "production", "SECRET_KEY": LONG_SECRET})
    assert settings["SECRET_KEY"] == LONG_SECRET
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_development_keeps_one_random_secret_across_restarts(tmp_path, monkeypatch):
    monkeypatch.setattr(config_module, "INSTANCE", tmp_path)
    first = from_environment({})["SECRET_KEY"]
    second = from_environment({})["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only
    assert from_environment({})["SESSION_COOKIE_SECURE"] is False


def test_sqlite_runs_with_wal_and_foreign_keys(app):
    from sqlalchemy import text

    from webapp.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas")
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
