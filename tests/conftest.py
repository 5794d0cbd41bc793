"""One app per test session on a throw-away database: SQLite by default, PostgreSQL with TEST_DATABASE_URL.

The schema is built by the real migrations; every test starts with empty tables except the regions of the
demo kabupaten (Pasuruan 35.14, Balangan 63.11), which are loaded once.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from fakes.bmkg import FakeBMKG
from fakes.gateways import FakeAndroid, FakeTwilio
from fakes.redis_server import RedisServer, free_port
from webapp import caching, ratelimit
from webapp.accounts import create_user
from webapp.cli import create_app
from webapp.config import database_url, storage_options
from webapp.extensions import db
from webapp.models import Agency, Incident, Region, Report, Reporter
from webapp.operations import state
from webapp.operations.health import forget_forwarded_headers
from webapp.regions.gazetteer import load_kabupaten

DEMO_KABUPATEN = ["35.14", "63.11"]
PASSWORD = "kata-sandi-uji"
TWILIO_TOKEN = "test-twilio-auth-token"
ANDROID_KEY = "test-android-signing-key"
SEEDED_AGENCIES: set[str] = set()


def _reset_database(app) -> None:
    """Drop whatever an earlier run left, so the migrations start from empty."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return database_url(url) if url else f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as it does in production.

    Without this, a request made while a test holds an app context (the ``ctx`` fixture) would reuse it,
    and ``g`` (where Flask-Login caches the signed-in user) and the database session would leak between
    requests and between clients.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_uri):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "ANDROID_WEBHOOK_SIGNING_KEY": ANDROID_KEY,
            "SMS_GATEWAY": "console",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # production keeps scrypt
            "WARNINGS_NOWCAST_URL": "",  # no test reaches BMKG; tests/fakes/bmkg.py stands in for it
            "WARNINGS_QUAKE_URL": "",
            "OUTBOUND_ALLOW_PRIVATE": True,  # the fakes of push services, BMKG and Telegram are on 127.0.0.1
            # Unpaced unless a test is about pacing (tests/messaging/test_pool.py sets rates and its own clock).
            "GATEWAY_SEND_PER_MINUTE": 0,
            "TWILIO_SEND_PER_SECOND": 0,
        }
    )
    app.test_client_class = FreshContextClient
    _reset_database(app)
    with app.app_context():
        upgrade()
        load_kabupaten(DEMO_KABUPATEN)
        SEEDED_AGENCIES.update(db.session.scalars(select(Agency.name)))  # the list the migrations seed
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """Empty every table but the regions after each test that used the database."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        ratelimit.reset()  # per-number SMS counts must not leak from one test into the next
        caching.forget()  # nor the copies each process keeps of what the tables below held
        forget_forwarded_headers()
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                if table.name == "agency":  # keep the list the migration seeds
                    conn.execute(table.delete().where(table.c.name.not_in(SEEDED_AGENCIES)))
                elif table.name == "region":  # loaded once; only what a test set on it is undone
                    changed = table.c.languages.is_not(None) | table.c.latitude.is_not(None)
                    conn.execute(table.update().where(changed).values(languages=None, latitude=None, longitude=None))
                else:
                    conn.execute(table.delete())


@pytest.fixture
def worker_alive(app):
    """The worker just did a round (``/healthz`` says ``worker_stopped`` until one has)."""
    with app.app_context():
        state.report("worker", True, "test")
        db.session.commit()


@pytest.fixture
def ctx(app):
    """An application context for service-level tests."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def live_server(app, ctx):
    """The app behind a real threaded HTTP server on 127.0.0.1, for concurrency and browser tests."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fake_android(app, monkeypatch):
    """The Android gateway's REST API on 127.0.0.1, configured as the app's SMS gateway."""
    fake = FakeAndroid().start()
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "android")
    monkeypatch.setitem(app.config, "ANDROID_GATEWAY_URL", f"{fake.url}/3rdparty/v1")
    monkeypatch.setitem(app.config, "ANDROID_GATEWAY_USER", "sms")
    monkeypatch.setitem(app.config, "ANDROID_GATEWAY_PASSWORD", "rahasia")
    monkeypatch.setitem(app.config, "GATEWAY_TIMEOUT", 0.5)
    fake.slow = 1.0
    yield fake
    fake.stop()


@pytest.fixture
def fake_twilio(app, monkeypatch):
    """Twilio's REST API on 127.0.0.1 (the twilio Client pointed at it), configured as the SMS gateway."""
    fake = FakeTwilio().start()
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "twilio")
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", fake.account_sid)
    monkeypatch.setitem(app.config, "TWILIO_API_URL", fake.url)
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://tangguh.example.id")
    monkeypatch.setitem(app.config, "GATEWAY_TIMEOUT", 0.5)
    fake.slow = 1.0
    yield fake
    fake.stop()


@pytest.fixture
def fake_bmkg(app, monkeypatch):
    """BMKG's nowcast and earthquake feeds on 127.0.0.1; the poller reads the nowcast from it (a test about
    earthquakes sets ``WARNINGS_QUAKE_URL`` to ``fake.quake_url``)."""
    fake = FakeBMKG().start()
    monkeypatch.setitem(app.config, "WARNINGS_NOWCAST_URL", fake.index_url)
    monkeypatch.setitem(app.config, "WARNINGS_TIMEOUT", 2)
    yield fake
    fake.stop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def desa_code(kecamatan_code: str, name: str) -> str:
    code = db.session.scalar(select(Region.code).where(Region.parent_code == kecamatan_code, Region.name == name))
    assert code, f"no desa {name} in {kecamatan_code}"
    return code


@pytest.fixture
def make_user(ctx):
    """Create a user: ``make_user("desa_official", "35.14.19", desa="Sumberrejo")``."""
    counter = itertools.count(1)

    def make(role: str, kecamatan: str | None = None, desa: str | None = None, email: str | None = None, phone=None,
             agency: int | None = None):  # fmt: skip
        region = desa_code(kecamatan, desa) if desa else kecamatan
        email = email or f"{role}{next(counter)}@uji.test"
        return create_user(email, role.replace("_", " ").title(), role, PASSWORD, region, phone, agency)

    return make


@pytest.fixture
def make_incident(ctx):
    """Create an incident with one report per entry in ``reports`` (phone numbers of the reporters)."""
    counter = itertools.count(1)

    def make(
        kecamatan: str,
        desa: str | None,
        hazard="banjir",
        opened_at=None,
        reports=("+6281234567890",),
        **counts,
    ):
        n = next(counter)
        opened_at = opened_at or datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
        incident = Incident(
            ticket=f"T{n:04d}",
            hazard=hazard,
            kecamatan_code=kecamatan,
            desa_code=desa_code(kecamatan, desa) if desa else None,
            opened_at=opened_at,
            **counts,
        )
        db.session.add(incident)
        for i, phone in enumerate(reports):
            reporter = db.session.scalar(select(Reporter).where(Reporter.phone == phone)) or Reporter(phone=phone)
            db.session.add(
                Report(
                    channel="sms",
                    external_id=f"msg-{n}-{i}",
                    raw_text=f"{hazard} di {desa}",
                    hazard=hazard,
                    kecamatan_code=kecamatan,
                    desa_code=incident.desa_code,
                    reporter=reporter,
                    incident=incident,
                    received_at=opened_at,
                )
            )
        db.session.commit()
        return incident

    return make


CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token a browser would find in the form at ``path``."""
    page = client.get(path)
    match = CSRF_INPUT.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def signed_in(app, user):
    """A browser of its own, signed in as ``user``."""
    client = app.test_client()
    login(client, user.email)
    return client


def tickets_in(html: str) -> list[str]:
    """The tickets a list page shows, in its order."""
    return re.findall(r'<span class="ticket">([A-Z0-9]+)</span>', html)


def login(client, email: str, password: str = PASSWORD):
    """Sign in through the real form, CSRF token included, as a browser would."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def store(monkeypatch):
    """Point the rate limits at another store: ``store("redis://127.0.0.1:6390")``; undone after the test."""

    def use(uri: str):
        storage = storage_from_string(uri, **storage_options(uri))
        monkeypatch.setattr(ratelimit.limiter, "_storage", storage)
        monkeypatch.setattr(ratelimit.limiter, "_limiter", FixedWindowRateLimiter(storage))
        ratelimit.reset()

    yield use
    ratelimit.reset()


@pytest.fixture
def redis_server():
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (Debian: apt install redis-server)")
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def closed_port_uri() -> str:
    """A Redis address where nothing listens."""
    return f"redis://127.0.0.1:{free_port()}"


@contextmanager
def scratch_database(database_uri: str, tmp_path):
    """An empty database on the same kind of server as the suite's, removed afterwards."""
    url = make_url(database_uri)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / f'desk-{uuid.uuid4().hex[:6]}.sqlite3'}"
        return
    name = f"tangguh_upgrade_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
