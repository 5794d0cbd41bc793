"""The door never depends on the rate-limit store (issue 34): with Redis stopped or never there, SMS are stored
and answered, the right password signs in, the wrong ones are still limited, and /healthz names the store;
once it answers again the shared limits apply again. A real redis-server on a port of its own plays the store."""

from __future__ import annotations

from sqlalchemy import func, select

from conftest import PASSWORD, csrf_token
from webapp import ratelimit
from webapp.extensions import db
from webapp.models import Report, SignIn
from webapp.setup.service import add_number
from webhook_helpers import TWILIO_NUMBER, android_event, android_signed, twilio_headers, twilio_params

WINONGAN = "35.14.19"


def gateways(kecamatan: str) -> None:
    add_number(None, "twilio", TWILIO_NUMBER, kecamatan)
    add_number(None, "android", "dev-winongan", kecamatan, new_key=False)
    db.session.commit()


def sign_in(app, email: str, password: str = PASSWORD, address: str = "10.9.8.7"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_with_the_store_on_a_closed_port_reports_are_stored_answered_and_healthz_names_it(
    app, client, ctx, store, closed_port_uri, make_user, worker_alive
):
    store(closed_port_uri)
    gateways(WINONGAN)
    params = twilio_params("SM-redis-down", "banjir di gading 2 rumah terendam")
    twilio = client.post("/sms/twilio", data=params, headers=twilio_headers(params))
    assert twilio.status_code == 200 and "diterima" in twilio.get_data(as_text=True)
    body, headers = android_signed(android_event("ev-redis-down", "longsor di prodo"))
    android = client.post("/sms/android", data=body, headers=headers)
    assert android.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Report)) == 2

    user = make_user("kecamatan_staff", WINONGAN)
    assert sign_in(app, user.email).status_code == 303  # the right password signs in

    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "degraded"
    assert health.json["reasons"] == ["ratelimit_store"]


def test_with_the_store_down_wrong_passwords_are_still_limited_across_processes(
    app, ctx, store, closed_port_uri, make_user
):
    store(closed_port_uri)
    user = make_user("kecamatan_staff", WINONGAN, email="camat@uji.test")
    statuses = []
    for _ in range(7):
        statuses.append(sign_in(app, user.email, "salah", address="203.0.113.9").status_code)
        ratelimit._state.counter = None  # the next attempt lands on another gunicorn process  # noqa: SLF001
    assert statuses[:5] == [422] * 5 and statuses[5:] == [429, 429]  # LOGIN_LIMIT_ACCOUNT: 5 a minute
    wrong = select(func.count()).select_from(SignIn).where(SignIn.outcome == "wrong")
    assert db.session.scalar(wrong) == 5  # the sign-in history held the count, not any process's memory


def test_when_the_store_dies_and_comes_back_the_shared_limits_apply_again(app, client, ctx, store, redis_server):
    gateways(WINONGAN)
    app.config["RATELIMIT_RECHECK_SECONDS"] = 0
    try:
        store(redis_server.uri)
        sender = "+6281299990000"

        def sms(n: int):
            params = twilio_params(f"SM-flap-{n}", f"banjir di gading pesan {n}", sender=sender)
            return client.post("/sms/twilio", data=params, headers=twilio_headers(params)).status_code

        assert [sms(n) for n in range(4)] == [200] * 4
        redis_server.stop()  # Redis dies mid-burst
        assert [sms(n) for n in range(4, 8)] == [200] * 4
        assert ratelimit.store_down() and client.get("/healthz").json["reasons"][0] == "ratelimit_store"
        redis_server.start()  # Redis is back, empty (it keeps nothing on disk)
        assert [sms(n) for n in range(8, 20)] == [200] * 12
        assert ratelimit.store_down() is None
        assert "ratelimit_store" not in client.get("/healthz").json["reasons"]
    finally:
        app.config["RATELIMIT_RECHECK_SECONDS"] = 30
    reports = list(db.session.scalars(select(Report).where(Report.channel == "sms")))
    assert len(reports) == 20  # nothing lost while the store was away
    # Back on the store: its count started afresh at message 9, so the 11th of its window is over SMS_RATE_LIMIT.
    assert sum(r.incident_id is None for r in reports) == 2  # stored, not acted on
