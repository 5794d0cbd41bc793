"""Gateway health: pings, silence, failing sends, the strip, /healthz, the alerts, and test SMS."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conftest import ANDROID_KEY, csrf_token, signed_in
from fakes.gateways import FakeSmtp
from webapp.extensions import db
from webapp.messaging import gateway_health
from webapp.messaging.outbound import enqueue
from webapp.models import GatewayTest, OutboundMessage, ReceivingNumber, Report
from webapp.setup.service import add_number, rotate_key
from webapp.worker import send_due
from webhook_helpers import android_event, android_signed

WINONGAN = "35.14.19"
SIM_PHONE = "+6281299998888"
T0 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 14:00 WIB


class Clock:
    def __init__(self):
        self.now = T0

    def at(self, minutes: float) -> datetime:
        self.now = T0 + timedelta(minutes=minutes)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The health rules' clock (pings, silence, the strip and /healthz all read it)."""
    clock = Clock()
    monkeypatch.setattr(gateway_health, "utcnow", lambda: clock.now)
    return clock


@pytest.fixture
def device(ctx):
    number, key = add_number(None, "android", "dev-winongan", WINONGAN, label="HP gateway Winongan", phone=SIM_PHONE)
    return number, key


def ping(client, key: str, device: str = "dev-winongan"):
    event = {"event": "system:ping", "id": "ping", "deviceId": device, "payload": {"health": {"status": "pass"}}}
    body, headers = android_signed(event, key=key)
    return client.post("/sms/android", data=body, headers=headers)


def alerts(kind: str = "down") -> list[OutboundMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.key.like(f"gateway-{kind}-%")).order_by(OutboundMessage.id)
        )
    )


def test_a_silent_gateway_is_flagged_once_and_its_recovery_told_once(
    app, client, clock, device, make_user, worker_alive
):
    number, key = device
    staff = make_user("kecamatan_staff", WINONGAN, phone="081211112222")
    browser = signed_in(app, staff)
    before = browser.get("/incidents")
    version = re.search(r'"v": "([0-9a-f-g.]+)"', before.get_data(as_text=True)).group(1)
    for minute in range(0, 25, 5):
        clock.at(minute)
        assert ping(client, key).json["status"] == "ok"
        gateway_health.check()
    assert alerts() == [] and client.get("/healthz").json["status"] == "ok"
    assert "diam sejak" not in browser.get("/incidents").get_data(as_text=True)

    clock.at(20 + 29)  # the last ping was at 14:20; 29 minutes of silence are still within the threshold
    gateway_health.check()
    assert alerts() == []
    clock.at(20 + 31)
    gateway_health.check()
    gateway_health.check()  # the next rounds of the worker tell nobody again
    (alert,) = alerts()
    assert alert.to_phone == "+6281211112222" and alert.purpose == "notify" and alert.gateway != "android"
    assert alert.body.startswith("Tangguh: HP gateway Winongan (Winongan) diam sejak 14:20 WIB")
    assert alert.segments == 1
    page = browser.get("/incidents", headers={"If-None-Match": before.headers["ETag"]})
    assert page.status_code == 200  # not the cached list without the strip
    assert "HP gateway Winongan diam sejak 24-11-2026 14:20 WIB" in page.get_data(as_text=True)
    # A list left open refreshes itself every 30 seconds: the strip comes with the refresh.
    refresh = browser.get(f"/incidents?v={version}", headers={"HX-Request": "true", "HX-Target": "incident-list"})
    assert refresh.status_code == 200
    assert 'id="gateway-strip" hx-swap-oob="true" class="strip"' in refresh.get_data(as_text=True)
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json["status"] == "degraded"
    assert health.json["gateways"] == {"offline": 1}  # how many, never which kecamatan: the page is public

    clock.at(60)
    assert ping(client, key).json["status"] == "ok"  # the phone is charged again
    gateway_health.check()
    (recovered,) = alerts("up")
    assert recovered.body == (
        "Tangguh: HP gateway Winongan (Winongan) tersambung lagi 15:00 WIB. SMS warga masuk kembali."
    )
    assert len(alerts()) == 1
    assert "diam sejak" not in browser.get("/incidents").get_data(as_text=True)
    assert client.get("/healthz").json["status"] == "ok"


def test_a_ping_from_an_unknown_device_is_acknowledged_and_not_stored(client, ctx):
    response = ping(client, ANDROID_KEY, device="dev-asing")
    assert response.status_code == 200 and response.json["status"] == "ignored"
    assert db.session.scalar(select(func.count()).select_from(ReceivingNumber)) == 0


def test_each_device_signs_with_its_own_key_and_a_new_key_retires_the_old(client, device):
    number, key = device
    assert key and key != ANDROID_KEY
    assert ping(client, ANDROID_KEY).status_code == 401  # the server-wide key no longer speaks for this device
    assert ping(client, "kunci-palsu").status_code == 401
    assert ping(client, key).status_code == 200
    new = rotate_key(None, number)
    assert ping(client, key).status_code == 401 and ping(client, new).status_code == 200


def test_sends_failing_in_a_row_flag_the_gateway_and_people_hear_by_email(app, clock, device, make_user, monkeypatch,
                                                                          fake_android):  # fmt: skip
    number, _key = device
    smtp = FakeSmtp().start()
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", smtp.url)
        staff = make_user("kecamatan_staff", WINONGAN, email="camat@winongan.test")
        for n in range(3):
            enqueue(key=f"uji-{n}", to=f"+62812000000{n}", body="Siaga banjir", purpose="notify",
                    kecamatan_code=WINONGAN, via="android")  # fmt: skip
        db.session.commit()
        fake_android.fail_next(503, 503, 503)
        send_due()
        db.session.refresh(number)
        assert number.failures == 3 and "503" in number.failure_reason
        gateway_health.check()
        (alert,) = alerts()
        assert alert.channel == "email" and alert.to_email == staff.email
        assert "gagal kirim SMS sejak 14:00 WIB" in alert.body
        assert send_due() == {"sent": 1}
        ((recipients, email),) = smtp.emails
        assert recipients == [staff.email] and email["Subject"].startswith("Tangguh: HP gateway Winongan")
        assert "gagal kirim SMS" in email.get_payload()
    finally:
        smtp.stop()


def test_alerts_go_through_twilio_when_the_sms_gateway_is_the_phone_that_died(app, clock, device, make_user,
                                                                           monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "android")
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    add_number(None, "twilio", "+6281100351419", WINONGAN)
    make_user("kecamatan_staff", WINONGAN, phone="081211112222")
    make_user("admin", phone="081233334444")
    clock.now = device[0].created_at + timedelta(minutes=31)  # never heard from since it was set up
    gateway_health.check()
    sent = alerts()
    assert {m.to_phone for m in sent} == {"+6281211112222", "+6281233334444"}
    assert {(m.gateway, m.sender) for m in sent} == {("twilio", "+6281100351419")}


def test_without_another_route_no_sms_alert_is_queued_through_the_dead_phone(app, clock, device, make_user,
                                                                             monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "android")
    make_user("kecamatan_staff", WINONGAN, phone="081211112222")
    clock.now = device[0].created_at + timedelta(minutes=31)
    gateway_health.check()
    assert alerts() == []
    assert db.session.scalar(select(ReceivingNumber.offline_since)) is not None  # the strip and /healthz still say it


def _htmx_post(browser, path, token):
    return browser.post(path, data={"csrf_token": token}, headers={"HX-Request": "true"})


def test_a_test_sms_goes_out_through_the_phone_and_comes_back_timed(app, client, device, make_user, fake_android):
    number, key = device
    browser = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    path = f"/pengaturan/gateway/{number.id}"
    token = csrf_token(browser, path)
    first = _htmx_post(browser, f"{path}/uji", token)
    assert first.status_code == 200 and "dalam antrean" in first.get_data(as_text=True)
    again = _htmx_post(browser, f"{path}/uji", token)
    assert again.status_code == 200 and "belum kembali; tidak dikirim lagi" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 1  # nothing queued twice
    assert send_due() == {"sent": 1}
    (sent,) = fake_android.messages
    assert sent["phoneNumbers"] == [SIM_PHONE] and sent["deviceId"] == "dev-winongan"
    text = sent["textMessage"]["text"]
    assert browser.get(f"{path}/uji").get_data(as_text=True).count("menunggu kembali") == 1

    body, headers = android_signed(android_event("ev-test", text, phone=SIM_PHONE, sim=None), key=key)
    response = client.post("/sms/android", data=body, headers=headers)
    assert response.status_code == 200 and response.json["test"] in text
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0  # our own test is not a report
    fragment = browser.get(f"{path}/uji").get_data(as_text=True)
    assert "kembali dalam" in fragment and "hx-trigger" not in fragment  # done: the page stops asking
    (test,) = db.session.scalars(select(GatewayTest))
    db.session.refresh(test)
    assert test.arrived_at is not None and not test.pending and gateway_health.round_trip(test) >= 0


def test_a_test_sms_while_the_gateway_is_unreachable_says_so_and_is_queued_once(app, device, make_user, fake_android):
    number, _key = device
    browser = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    path = f"/pengaturan/gateway/{number.id}"
    token = csrf_token(browser, path)
    _htmx_post(browser, f"{path}/uji", token)
    fake_android.fail_next("drop")
    assert send_due() == {"queued": 1}
    fragment = _htmx_post(browser, f"{path}/uji", token).get_data(as_text=True)
    assert "belum terkirim: the Android gateway is unreachable" in fragment
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 1
    assert db.session.scalar(select(func.count()).select_from(GatewayTest)) == 1


def test_a_test_needs_the_sims_number(app, ctx, make_user):
    number, _key = add_number(None, "android", "dev-tanpa-nomor", WINONGAN)
    browser = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    path = f"/pengaturan/gateway/{number.id}"
    response = browser.post(f"{path}/uji", data={"csrf_token": csrf_token(browser, path)}, follow_redirects=True)
    assert "Isi dulu nomor SIM" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 0


def test_the_canary_sends_a_test_at_its_interval_and_gives_up_on_lost_ones(app, clock, device, monkeypatch):
    monkeypatch.setitem(app.config, "GATEWAY_CANARY_MINUTES", 60)
    assert gateway_health.check()["canary"] == 1
    clock.at(30)
    assert gateway_health.check() == {"tests_lost": 1}  # not back within GATEWAY_TEST_MINUTES; no new one yet
    clock.at(61)
    assert gateway_health.check() == {"canary": 1}
    assert db.session.scalar(select(func.count()).select_from(GatewayTest)) == 2


def test_a_device_id_with_sql_wildcards_reaches_no_other_device(client, device):
    _number, key = device
    assert ping(client, key, device="dev_winongan").status_code == 401  # "_" is not "any character"
    assert ping(client, key, device="dev-%").status_code == 401


def test_messages_no_worker_sends_show_on_staff_pages_and_healthz(app, client, ctx, make_user, worker_alive):
    staff, elsewhere = make_user("kecamatan_staff", WINONGAN), make_user("kecamatan_staff", "63.11.05")
    message = enqueue(key="uji-macet", to="+6281200000001", body="Siaga banjir", purpose="notify",
                      kecamatan_code=WINONGAN)  # fmt: skip
    db.session.commit()
    assert client.get("/healthz").json["status"] == "ok"  # just queued: the worker has not had its turn
    message.next_attempt_at -= timedelta(minutes=app.config["OUTBOUND_STALE_MINUTES"] + 1)  # nobody sent it
    db.session.commit()
    health = client.get("/healthz").json
    assert health["status"] == "degraded" and health["outbound"]["stalled_since"]
    assert "Pesan keluar tertahan sejak" in signed_in(app, staff).get("/incidents").get_data(as_text=True)
    assert "Pesan keluar tertahan" not in signed_in(app, elsewhere).get("/incidents").get_data(as_text=True)
    assert send_due() == {"sent": 1}  # the worker is back
    assert client.get("/healthz").json["status"] == "ok"
    assert "Pesan keluar tertahan" not in signed_in(app, staff).get("/incidents").get_data(as_text=True)


def test_a_twilio_number_shows_its_last_sms_in(app, client, ctx, make_user, worker_alive):
    from webhook_helpers import TWILIO_NUMBER, twilio_headers, twilio_params

    number, _key = add_number(None, "twilio", TWILIO_NUMBER, WINONGAN, label="Nomor Twilio Winongan")
    params = twilio_params("SM-health", "banjir di gading")
    assert client.post("/sms/twilio", data=params, headers=twilio_headers(params)).status_code == 200
    db.session.refresh(number)
    assert number.last_inbound_at is not None and number.offline_since is None
    page = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get(f"/pengaturan/gateway/{number.id}")
    assert "Twilio (awan): tidak mengirim ping" in page.get_data(as_text=True)
    assert client.get("/healthz").json["status"] == "ok"  # a Twilio number is never "silent"
