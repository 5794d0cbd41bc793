"""The outbound queue and its worker, against local fakes of Twilio's and the Android gateway's REST APIs."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.messaging.outbound import enqueue
from webapp.messaging.sending import claim
from webapp.models import OutboundMessage, ReceivingNumber, Reporter, utcnow
from webapp.worker import send_due

WINONGAN = "35.14.19"
TWILIO_FROM = "+6281100351419"
VILLAGER = "+6281234567890"


@pytest.fixture
def numbers(ctx):
    db.session.add_all(
        [
            ReceivingNumber(gateway="twilio", address=TWILIO_FROM, kecamatan_code=WINONGAN),
            ReceivingNumber(gateway="android", address="dev-winongan/2", kecamatan_code=WINONGAN),
        ]
    )
    db.session.commit()


def queue(key="m-1", to=VILLAGER, body="Air sungai naik, warga bantaran siaga.", **options):
    options.setdefault("purpose", "notify")
    message = enqueue(key=key, to=to, body=body, kecamatan_code=WINONGAN, **options)
    db.session.commit()
    return message


def row(message_id) -> OutboundMessage:
    db.session.expire_all()
    return db.session.get(OutboundMessage, message_id)


def make_due():
    """Let the clock reach every retry now, instead of waiting for the backoff."""
    db.session.execute(update(OutboundMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_a_key_is_queued_once(ctx):
    first = queue("reply-7")
    again = queue("reply-7", body="another text")
    assert again.id == first.id
    assert db.session.scalars(select(OutboundMessage)).all() == [first]
    assert (first.status, first.gateway, first.segments) == ("queued", "console", 1)


def test_console_worker_logs_each_message_once(ctx, caplog):
    caplog.set_level("INFO", logger="tangguh.outbound")
    message = queue()
    assert send_due() == {"sent": 1}
    assert send_due() == {}
    logged = [r.getMessage() for r in caplog.records if r.name == "tangguh.outbound"]
    assert logged == [f"SMS to {VILLAGER} (console gateway, tangguh-{message.id}): {message.body}"]
    assert (row(message.id).status, row(message.id).attempts) == ("sent", 1)


def test_twilio_send_uses_the_kecamatan_number_and_asks_for_status_callbacks(numbers, fake_twilio):
    sms = queue("m-sms")
    whatsapp = queue("m-wa", channel="whatsapp")
    assert send_due() == {"sent": 2}
    by_to = {m["To"]: m for m in fake_twilio.messages}
    assert by_to[VILLAGER]["From"] == TWILIO_FROM
    assert by_to[f"whatsapp:{VILLAGER}"]["From"] == f"whatsapp:{TWILIO_FROM}"
    assert by_to[VILLAGER]["StatusCallback"] == "https://tangguh.example.id/sms/twilio/status"
    assert row(sms.id).provider_id == by_to[VILLAGER]["sid"]
    assert row(whatsapp.id).provider_id == by_to[f"whatsapp:{VILLAGER}"]["sid"]


def test_android_send_uses_the_kecamatan_device_and_sim(numbers, fake_android):
    message = queue()
    send_due()
    (sent,) = fake_android.messages
    assert (sent["deviceId"], sent["simNumber"], sent["id"]) == ("dev-winongan", 2, f"tangguh-{message.id}")
    assert row(message.id).status == "sent"


@pytest.mark.parametrize("gateway", ["fake_twilio", "fake_android"])
@pytest.mark.parametrize("failures", [(500, 503), (429, "drop")])
def test_temporary_failures_are_retried_with_exponential_backoff(request, numbers, gateway, failures):
    fake = request.getfixturevalue(gateway)
    message = queue()
    fake.fail_next(*failures)
    before = utcnow()
    assert send_due() == {"queued": 1}
    first = row(message.id)
    assert first.status == "queued" and first.error
    assert timedelta(seconds=29) < first.next_attempt_at - before < timedelta(seconds=32)  # 30 s, then 60 s…
    assert send_due() == {}  # not due yet
    make_due()
    before = utcnow()
    assert send_due() == {"queued": 1}
    assert timedelta(seconds=59) < row(message.id).next_attempt_at - before < timedelta(seconds=62)
    make_due()
    assert send_due() == {"sent": 1}
    final = row(message.id)
    assert (final.status, final.attempts, final.error) == ("sent", 3, None)
    assert len(fake.messages) == 1


@pytest.mark.parametrize("gateway", ["fake_twilio", "fake_android"])
def test_a_timeout_after_the_gateway_took_the_message_does_not_send_it_twice(request, numbers, gateway):
    fake = request.getfixturevalue(gateway)
    message = queue()
    fake.fail_next("timeout")  # taken, but the answer comes after the client gave up
    assert send_due() == {"queued": 1}
    assert row(message.id).in_doubt is True
    make_due()
    assert send_due() == {"sent": 1}
    assert len(fake.messages) == 1
    assert [method for method, _ in fake.requests] == ["POST", "GET"]  # asked, found, not sent again
    adopted = row(message.id)
    assert adopted.provider_id == (fake.messages[0].get("sid") or fake.messages[0]["id"])
    assert adopted.in_doubt is False


@pytest.mark.parametrize("gateway", ["fake_twilio", "fake_android"])
def test_a_refused_message_fails_at_once_with_the_reason(request, numbers, gateway):
    fake = request.getfixturevalue(gateway)
    message = queue()
    fake.fail_next(400)
    assert send_due() == {"failed": 1}
    failed = row(message.id)
    assert (failed.status, failed.attempts) == ("failed", 1) and "400" in failed.error
    make_due()
    assert send_due() == {} and fake.messages == []


def test_the_worker_gives_up_after_the_last_attempt(numbers, fake_android, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_MAX_ATTEMPTS", 3)
    message = queue()
    fake_android.fail_next(503, 503, 503, 503)
    for _ in range(3):
        send_due()
        make_due()
    failed = row(message.id)
    assert (failed.status, failed.attempts) == ("failed", 3)
    assert failed.error.startswith("gave up after 3 attempts: Android gateway 503")
    assert send_due() == {}


def test_a_gateway_that_is_not_configured_fails_the_message_with_the_reason(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "twilio")
    monkeypatch.setitem(app.config, "TWILIO_ACCOUNT_SID", "")
    message = queue()
    assert send_due() == {"failed": 1}
    assert "TWILIO_ACCOUNT_SID" in row(message.id).error


def test_a_worker_without_a_twilio_number_for_the_kecamatan_says_so(ctx, fake_twilio):
    message = queue()
    assert send_due() == {"failed": 1}
    assert row(message.id).error == "no Twilio number to send from for this kecamatan"


# --- Never twice: restarts and concurrent workers ----------------------------------------------------------------


@pytest.mark.parametrize("gateway", ["fake_twilio", "fake_android"])
@pytest.mark.parametrize("reached_gateway", [True, False])
def test_a_message_left_by_a_dead_worker_is_sent_once(request, numbers, app, monkeypatch, gateway, reached_gateway):
    fake = request.getfixturevalue(gateway)
    message = queue()
    assert claim("dead-worker") == [message.id]  # claimed, then the worker died before recording anything
    if reached_gateway:  # … after the gateway had taken the message
        if gateway == "fake_twilio":
            fake.create(VILLAGER, message.body)
        else:
            fake.messages.append({"id": f"tangguh-{message.id}", "phoneNumbers": [VILLAGER]})
    assert send_due() == {}  # its lease has not run out: nobody else touches it
    monkeypatch.setitem(app.config, "OUTBOUND_LEASE_SECONDS", 0)
    time.sleep(0.01)
    assert send_due() == {"sent": 1}
    assert len(fake.messages) == 1
    recovered = row(message.id)
    assert (recovered.status, recovered.attempts, recovered.claimed_by != "dead-worker") == ("sent", 2, True)
    assert [m for m, _ in fake.requests][0] == "GET"  # it asked before sending


def test_an_identical_earlier_message_at_twilio_is_not_mistaken_for_the_one_in_doubt(numbers, fake_twilio, app,
                                                                                       monkeypatch):  # fmt: skip
    earlier = queue("broadcast-1-1")
    assert send_due() == {"sent": 1}
    again = queue("broadcast-2-1")  # the same warning to the same number, a second time, within the second
    assert claim("dead-worker") == [again.id]  # … and its worker died before reaching Twilio
    monkeypatch.setitem(app.config, "OUTBOUND_LEASE_SECONDS", 0)
    time.sleep(0.01)
    assert send_due() == {"sent": 1}
    assert len(fake_twilio.messages) == 2  # Twilio's only match was the earlier message's: sent, not adopted
    assert {row(earlier.id).provider_id, row(again.id).provider_id} == {m["sid"] for m in fake_twilio.messages}


def test_two_workers_at_once_send_every_message_exactly_once(app, numbers, fake_android):
    ids = [queue(f"m-{n}", to=f"+62812000{n:05d}").id for n in range(120)]
    fake_android.slow = 0.0
    errors = []

    def work(name):
        with app.app_context():
            try:
                while send_due(name, limit=5):
                    pass
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    sent_ids = sorted(m["id"] for m in fake_android.messages)
    assert sent_ids == sorted(f"tangguh-{i}" for i in ids)  # every message, none twice
    assert [m for m, _ in fake_android.requests].count("POST") == len(ids)
    db.session.expire_all()
    rows = db.session.scalars(select(OutboundMessage)).all()
    assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
    assert len({r.claimed_by for r in rows}) == 2  # both workers did their share


@pytest.mark.slow
def test_a_killed_worker_process_does_not_cause_a_duplicate(app, numbers, fake_android, monkeypatch):
    """A real ``flask sms worker`` is killed (SIGKILL) while the gateway holds its request; the next worker
    finds the message at the gateway and does not send it again."""
    message = queue()
    fake_android.fail_next("timeout")
    fake_android.slow = 30  # the request hangs at the gateway until the worker is killed
    env = {
        **os.environ,
        "FLASK_APP": "webapp.cli",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "SMS_GATEWAY": "android",
        "ANDROID_GATEWAY_URL": app.config["ANDROID_GATEWAY_URL"],
        "ANDROID_GATEWAY_USER": "sms",
        "ANDROID_GATEWAY_PASSWORD": "rahasia",
        "GATEWAY_TIMEOUT": "60",
    }
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    worker = subprocess.Popen([flask, "sms", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not fake_android.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        assert fake_android.messages, "the worker never reached the gateway"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    assert row(message.id).status == "sending"
    monkeypatch.setitem(app.config, "OUTBOUND_LEASE_SECONDS", 0)
    assert send_due() == {"sent": 1}
    assert len(fake_android.messages) == 1
    assert [m for m, _ in fake_android.requests] == ["POST", "GET"]


# --- Opt-out -----------------------------------------------------------------------------------------------------


def test_berhenti_after_queueing_cancels_notifications_but_not_the_reply(ctx, caplog):
    caplog.set_level("INFO", logger="tangguh.outbound")
    reporter = Reporter(phone=VILLAGER, opted_out=False)
    db.session.add(reporter)
    db.session.commit()
    notification = queue("notify-1", purpose="notify")
    reply = queue("reply-1", purpose="reply", body="Anda tidak akan menerima SMS lagi.")
    reporter.opted_out = True
    db.session.commit()
    assert send_due() == {"cancelled": 1, "sent": 1}
    assert (row(notification.id).status, row(notification.id).error) == ("cancelled", "recipient sent BERHENTI")
    assert row(reply.id).status == "sent"
    assert len([r for r in caplog.records if r.name == "tangguh.outbound"]) == 1


def test_worker_command_sends_what_is_due(runner, ctx, caplog):
    caplog.set_level("INFO", logger="tangguh.outbound")
    queue()
    result = runner.invoke(args=["sms", "worker", "--once"])
    assert result.exit_code == 0 and "sent=1" in result.output
