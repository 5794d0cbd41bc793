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


def _pem(key, form) -> str:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, form, serialization.NoEncryption()).decode()


def _browser_key(key) -> str:
    """The applicationServerKey as cryptography derives it from the private key."""
    import base64

    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_the_vapid_public_key_is_read_from_either_pem_as_cryptography_derives_it():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from webapp.push.service import public_key

    for _ in range(20):
        key = ec.generate_private_key(ec.SECP256R1())
        for form in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
            assert public_key(_pem(key, form)) == _browser_key(key)
    assert public_key("") == ""


def test_a_vapid_key_that_cannot_give_its_public_key_stops_the_start_with_what_to_set():
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    from webapp.push.service import public_key

    # A SEC 1 key written without its optional public key: version, the secret, the curve; nothing else.
    secret = ec.generate_private_key(ec.SECP256R1()).private_numbers().private_value.to_bytes(32, "big")
    curve = bytes.fromhex("06082a8648ce3d030107")  # prime256v1
    body = b"\x02\x01\x01" + b"\x04\x20" + secret + b"\xa0" + bytes([len(curve)]) + curve
    bare = base64.b64encode(b"\x30" + bytes([len(body)]) + body).decode()
    p384 = ec.generate_private_key(ec.SECP384R1())
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    for pem in (
        f"-----BEGIN EC PRIVATE KEY-----\n{bare}\n-----END EC PRIVATE KEY-----\n",
        _pem(p384, serialization.PrivateFormat.PKCS8),
        _pem(rsa_key, serialization.PrivateFormat.PKCS8),
        "-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIIBVQ==\n-----END PRIVATE KEY-----\n",  # a sequence cut short
    ):
        with pytest.raises(ConfigError, match="VAPID_PRIVATE_KEY .* docs/deploy.md"):
            public_key(pem)


def test_in_development_the_command_line_makes_the_push_key_and_the_web_app_reads_it(tmp_path, monkeypatch):
    """The web app loads no cryptography library: the first ``flask`` command (``make run``) makes the key."""
    from webapp import cli

    key_file = tmp_path / "vapid_private_key.pem"
    monkeypatch.setattr(config_module, "DEV_VAPID_KEY", key_file)
    monkeypatch.setattr(cli, "DEV_VAPID_KEY", key_file)
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("TANGGUH_ENV", raising=False)
    assert from_environment({})["VAPID_PRIVATE_KEY"] == ""  # before any command: push stays off
    made = cli.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert key_file.stat().st_mode & 0o077 == 0
    web = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert web.config["VAPID_PRIVATE_KEY"] == made.config["VAPID_PRIVATE_KEY"] == key_file.read_text()
    assert web.config["VAPID_PUBLIC_KEY"] and web.config["VAPID_PUBLIC_KEY"] == made.config["VAPID_PUBLIC_KEY"]
    cli.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert key_file.read_text() == made.config["VAPID_PRIVATE_KEY"]  # made once, kept across restarts

    monkeypatch.setenv("TANGGUH_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", LONG_SECRET)
    key_file.unlink()
    cli.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert not key_file.exists()  # production takes its key from the environment, never from instance/
