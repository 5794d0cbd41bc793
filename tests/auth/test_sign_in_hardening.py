"""Sign-in hardening: throttling by account and address, no account enumeration, idle sessions, the sign-in
history and the audit log."""

from __future__ import annotations

import time
import types
from pathlib import Path

import limits.storage.memory
import pytest
from sqlalchemy import select

from conftest import PASSWORD, csrf_token, login, signed_in
from webapp.auth import routes as auth_routes
from webapp.auth import throttle
from webapp.extensions import db
from webapp.models import SignIn

WINONGAN = "35.14.19"


class FakeTime:
    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """One clock for the limits' storage, the throttle and the session's last use."""
    fake = FakeTime()
    for module in (limits.storage.memory, throttle, auth_routes):
        monkeypatch.setattr(module, "time", types.SimpleNamespace(time=fake.time))
    return fake


def attempt(client, email: str, password: str = "salah-sekali"):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_fifty_guesses_from_one_address_are_slowed_then_refused_while_others_sign_in(app, clock, make_user):
    make_user("kecamatan_staff", WINONGAN, email="target@uji.test")
    colleague = make_user("kecamatan_staff", WINONGAN, email="rekan@uji.test")
    attacker = from_address(app, "203.0.113.9")
    statuses = [attempt(attacker, f"orang{n}@uji.test").status_code for n in range(50)]
    assert statuses == [422] * 10 + [429] * 40  # 10 a minute from one address, then refused
    outcomes = [s.outcome for s in db.session.scalars(select(SignIn).where(SignIn.address == "203.0.113.9"))]
    assert outcomes == ["wrong"] * 10 + ["throttled"]  # the history keeps one refusal a minute, not forty
    refused = attempt(attacker, "target@uji.test")
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Terlalu banyak percobaan masuk. Coba lagi dalam 1 menit." in refused.get_data(as_text=True)
    # the same correct password from that address is refused too, before it is even looked at
    assert attempt(attacker, colleague.email, PASSWORD).status_code == 429
    assert attempt(from_address(app, "198.51.100.7"), colleague.email, PASSWORD).status_code == 303

    clock.now += 61  # slowed: the next minute allows ten more guesses …
    statuses = [attempt(attacker, f"lagi{n}@uji.test").status_code for n in range(12)]
    assert statuses == [422] * 10 + [429] * 2
    clock.now += 61  # … until 30 in the hour: then refused for the rest of it
    statuses = [attempt(attacker, f"terus{n}@uji.test").status_code for n in range(12)]
    assert statuses == [422] * 10 + [429] * 2
    clock.now += 61
    wait = attempt(attacker, "target@uji.test")
    assert wait.status_code == 429 and int(wait.headers["Retry-After"]) > 60


def test_one_account_is_slowed_from_every_address(app, clock, make_user):
    user = make_user("kecamatan_staff", WINONGAN, email="target@uji.test")
    statuses = [attempt(from_address(app, f"203.0.113.{n}"), user.email).status_code for n in range(7)]
    assert statuses == [422] * 5 + [429] * 2
    clock.now += 61
    assert attempt(from_address(app, "198.51.100.7"), user.email, PASSWORD).status_code == 303


def test_an_unknown_email_and_a_wrong_password_look_the_same(app, make_user):
    make_user("kecamatan_staff", WINONGAN, email="ada@uji.test")
    known, unknown = attempt(app.test_client(), "ada@uji.test"), attempt(app.test_client(), "tidak-ada@uji.test")
    assert known.status_code == unknown.status_code == 422
    assert "Email atau kata sandi salah." in known.get_data(as_text=True)
    assert "Email atau kata sandi salah." in unknown.get_data(as_text=True)


def test_a_deactivated_account_cannot_sign_in_and_is_told_nothing_more(app, make_user):
    user = make_user("kecamatan_staff", WINONGAN)
    user.active = False
    db.session.commit()
    response = attempt(app.test_client(), user.email, PASSWORD)
    assert response.status_code == 422 and "Email atau kata sandi salah." in response.get_data(as_text=True)


def test_admins_see_every_attempt_and_others_may_not(app, clock, make_user):
    staff = make_user("kecamatan_staff", WINONGAN, email="staf@uji.test")
    admin = make_user("admin", email="admin@uji.test")
    attacker = from_address(app, "203.0.113.9")
    for _ in range(6):
        attempt(attacker, "staf@uji.test")
    login(from_address(app, "198.51.100.7"), staff.email)
    outcomes = [s.outcome for s in db.session.scalars(select(SignIn).order_by(SignIn.id))]
    # The sixth guess is held, and so is the staff's own sign-in from elsewhere: the account is being guessed.
    assert outcomes == ["wrong"] * 5 + ["throttled", "throttled"]
    page = signed_in(app, admin).get("/pengaturan/masuk").get_data(as_text=True)
    assert "203.0.113.9" in page and "sandi salah" in page and "ditahan: terlalu banyak percobaan" in page
    assert signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/pengaturan/masuk").status_code == 403


def test_a_session_ends_after_the_idle_time(app, clock, make_user):
    user = make_user("kecamatan_staff", WINONGAN)
    browser = app.test_client()
    login(browser, user.email)
    clock.now += 60 * 60  # an hour later: still signed in, and the hour counts as use
    assert browser.get("/incidents").status_code == 200
    clock.now += app.config["SESSION_IDLE_MINUTES"] * 60 - 30
    assert browser.get("/incidents").status_code == 200
    clock.now += app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    response = browser.get("/incidents")
    assert response.status_code == 302 and "/login" in response.location
    assert "Sesi berakhir" in browser.get(response.location).get_data(as_text=True)


def test_admin_actions_are_in_the_audit_log(app, make_user):
    admin = make_user("admin", email="admin@uji.test")
    official = make_user("desa_official", WINONGAN, desa="Gading", email="kades@uji.test")
    browser = signed_in(app, admin)
    token = csrf_token(browser, "/akun")
    assert browser.post(f"/akun/{official.id}/sandi", data={"csrf_token": token}).status_code == 200
    assert browser.post(f"/akun/{official.id}/aktif", data={"csrf_token": token}).status_code == 303
    page = browser.get("/pengaturan/audit").get_data(as_text=True)
    assert page.count("kades@uji.test") == 2
    assert "Kata sandi sementara dibuat" in page and "Akun dinonaktifkan" in page and admin.name in page


ATTEMPTS = """
import sys
from webapp import create_app
from conftest import csrf_token
app = create_app({"TESTING": True, "SECRET_KEY": "s" * 40, "SQLALCHEMY_DATABASE_URI": sys.argv[1],
                  "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
app.config["PROPAGATE_EXCEPTIONS"] = True
client = app.test_client()
client.environ_base["REMOTE_ADDR"] = sys.argv[3]
for _ in range(int(sys.argv[4])):
    token = csrf_token(client, "/login")
    print(client.post("/login", data={"email": sys.argv[2], "password": "salah", "csrf_token": token}).status_code)
"""


def test_server_processes_share_the_count_through_redis(app, database_uri, tmp_path):
    """Two server processes (two gunicorn workers) count one account's failures together in Redis."""
    import subprocess
    import sys
    import uuid

    email, address = f"redis-{uuid.uuid4().hex[:8]}@uji.test", f"10.{uuid.uuid4().int % 250}.0.1"
    script = tmp_path / "attempts.py"
    script.write_text(ATTEMPTS)
    env = {"PYTHONPATH": str(Path(__file__).parents[2]) + ":" + str(Path(__file__).parents[1]), "PATH": "/usr/bin"}

    def attempts(n: int) -> list[int]:
        done = subprocess.run([sys.executable, str(script), database_uri, email, address, str(n)], env=env,
                              capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
        return [int(line) for line in done.stdout.split()]

    assert attempts(4) == [422] * 4
    assert attempts(3) == [422, 429, 429]  # the fifth failure is the account's last this minute, in either process


def test_old_sign_in_attempts_are_forgotten(app, ctx, make_user):
    from datetime import timedelta

    from webapp.models import utcnow

    old, recent = utcnow() - timedelta(days=app.config["SIGN_IN_KEEP_DAYS"] + 1), utcnow() - timedelta(days=1)
    db.session.add_all([SignIn(email="a@uji.test", outcome="wrong", at=old), SignIn(email="b@uji.test",
                        outcome="ok", at=recent)])  # fmt: skip
    db.session.commit()
    assert throttle.forget_old_sign_ins() == 1
    assert [s.email for s in db.session.scalars(select(SignIn))] == ["b@uji.test"]
