"""Lanes and the pool of gateway phones: replies before broadcasts, each phone at its own rate, a kecamatan's
messages spread over its healthy phones, an offline phone's messages moved without a second send.

The clock is the worker's ``now`` (``send_due(now=…)``), stepped by the test: no test waits for real time."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.messaging.outbound import enqueue
from webapp.messaging.pool import set_send_rate
from webapp.models import OutboundMessage, ReceivingNumber, utcnow
from webapp.worker import send_due

WINONGAN = "35.14.19"
REJOSO = "35.14.18"


@pytest.fixture
def phones(ctx, fake_android):
    """Two gateway phones in Winongan and one in Rejoso, each sending 25 SMS a minute."""
    rows = [
        ReceivingNumber(gateway="android", address="hp-satu", kecamatan_code=WINONGAN),
        ReceivingNumber(gateway="android", address="hp-dua/1", kecamatan_code=WINONGAN),
        ReceivingNumber(gateway="android", address="hp-rejoso", kecamatan_code=REJOSO),
    ]
    db.session.add_all(rows)
    db.session.flush()
    for row in rows:
        set_send_rate(row, 25)
    db.session.commit()
    return rows


def broadcast(count, kecamatan=WINONGAN, start=0, warning=False):
    for n in range(start, start + count):
        enqueue(key=f"broadcast-1-{n}", to=f"+62812{n:08d}", body="INFO Kec. Winongan: kerja bakti saluran air.",
                purpose="broadcast", kecamatan_code=kecamatan, warning=warning)  # fmt: skip
    db.session.commit()


def reply(key="reply-1", to="+6281299990000", device="hp-satu", sim=None):
    message = enqueue(key=key, to=to, body="Laporan diterima.", purpose="reply", kecamatan_code=WINONGAN,
                      via="android", sender=device, sim_number=sim)  # fmt: skip
    db.session.commit()
    return message


def sent_ids(fake) -> list[str]:
    return [m["id"] for m in fake.messages]


def start_clock():
    return utcnow() + timedelta(seconds=1)  # everything queued so far is due


def test_a_reply_queued_during_a_broadcast_goes_out_in_the_phones_next_slot(phones, fake_android):
    satu = phones[0]
    db.session.delete(phones[1])  # one phone: the reply competes with the broadcast for the same slots
    db.session.commit()
    broadcast(60)
    now = start_clock()
    assert send_due(now=now) == {"sent": 1}
    assert send_due(now=now) == {}  # the slot is taken: 60/25 = 2.4 s
    message = reply(device=satu.device)
    assert send_due(now=now + timedelta(seconds=2.4)) == {"sent": 1}
    assert sent_ids(fake_android)[-1] == f"tangguh-{message.id}"  # ahead of 59 broadcast messages
    assert fake_android.messages[-1]["deviceId"] == "hp-satu"


def test_lanes_reply_then_notice_then_warning_then_information(ctx, capsys):
    order = [("info", "broadcast", False), ("warning", "broadcast", True), ("notice", "notify", False),
             ("reply", "reply", False)]  # fmt: skip
    for name, purpose, warning in order:
        enqueue(key=name, to="+6281200000001", body=name, purpose=purpose, kecamatan_code=WINONGAN, warning=warning)
    db.session.commit()
    assert send_due() == {"sent": 4}
    printed = [line.rsplit(": ", 1)[1] for line in capsys.readouterr().out.splitlines()]
    assert printed == ["reply", "notice", "warning", "info"]


def test_a_phone_never_sends_more_than_its_rate_in_any_minute(phones, fake_android):
    set_send_rate(phones[1], 10)
    db.session.commit()
    broadcast(200)
    start = now = start_clock()
    sends: dict[str, list] = {"hp-satu": [], "hp-dua": []}
    while now < start + timedelta(minutes=3):
        before = len(fake_android.messages)
        send_due(now=now)
        for message in fake_android.messages[before:]:
            sends[message["deviceId"]].append(now)
        now += timedelta(milliseconds=200)
    for device, rate in (("hp-satu", 25), ("hp-dua", 10)):
        times = sends[device]
        busiest = max(sum(1 for t in times if first <= t < first + timedelta(minutes=1)) for first in times)
        assert busiest == rate  # kept to, and used
        assert len(times) == 3 * rate  # three minutes' worth


def test_a_kecamatans_messages_spread_over_its_phones_only(phones, fake_android):
    broadcast(30)
    now = start_clock()
    for _ in range(10):
        send_due(now=now)
        now += timedelta(seconds=2.4)
    devices = [m["deviceId"] for m in fake_android.messages]
    assert devices.count("hp-satu") == devices.count("hp-dua") == 10
    assert "hp-rejoso" not in devices  # Rejoso's phone sends Rejoso's messages
    sims = {m["deviceId"]: m.get("simNumber") for m in fake_android.messages}
    assert sims == {"hp-satu": None, "hp-dua": 1}
    bound = db.session.scalars(select(OutboundMessage.sender).where(OutboundMessage.status == "sent")).all()
    assert sorted(set(bound)) == ["hp-dua", "hp-satu"]  # each message remembers the phone that sent it


def test_an_offline_phones_reply_moves_to_a_healthy_phone(phones, fake_android):
    satu, dua = phones[0], phones[1]
    message = reply(device="hp-satu")
    satu.failures = 3  # its last three sends failed: offline
    db.session.commit()
    assert send_due(now=start_clock()) == {"sent": 1}
    (sent,) = fake_android.messages
    assert (sent["id"], sent["deviceId"], sent.get("simNumber")) == (f"tangguh-{message.id}", "hp-dua", 1)
    db.session.expire_all()
    assert db.session.get(OutboundMessage, message.id).sender == dua.device


def test_a_message_in_doubt_on_a_phone_that_went_offline_is_not_sent_again(phones, fake_android, app, monkeypatch):
    message = reply(device="hp-satu")
    fake_android.fail_next("timeout")  # the phone took it, but its answer never came
    assert send_due(now=start_clock()) == {"queued": 1}
    db.session.expire_all()
    assert db.session.get(OutboundMessage, message.id).in_doubt
    phones[0].failures = 3
    db.session.commit()
    assert send_due(now=utcnow() + timedelta(minutes=2)) == {"sent": 1}  # after the backoff, through hp-dua
    assert sent_ids(fake_android) == [f"tangguh-{message.id}"]  # asked first, found, not sent twice
    assert [method for method, _ in fake_android.requests] == ["POST", "GET"]


def test_an_offline_phone_keeps_its_test_sms_and_sends_when_no_other_phone_is_healthy(phones, fake_android):
    satu, dua = phones[0], phones[1]
    test = enqueue(key="gateway-test-1", to="+6281100000001", body="Tes Tangguh ABCDEFGH", purpose="test",
                   kecamatan_code=WINONGAN, via="android", sender="hp-satu")  # fmt: skip
    satu.failures = 3
    db.session.commit()
    assert send_due(now=start_clock()) == {"sent": 1}
    assert fake_android.messages[0]["deviceId"] == "hp-satu"  # a test checks its own phone
    satu.failures = dua.failures = 3  # now no phone of Winongan is healthy: they still try
    db.session.commit()
    broadcast(1)
    assert send_due(now=start_clock() + timedelta(seconds=5)) == {"sent": 1}
    assert fake_android.messages[-1]["id"] != f"tangguh-{test.id}"


def test_a_long_message_holds_the_slot_for_each_segment(phones, fake_android):
    db.session.delete(phones[1])
    db.session.commit()
    enqueue(key="long", to="+6281200000002", body="x" * 300, purpose="broadcast", kecamatan_code=WINONGAN)
    broadcast(1)
    now = start_clock()
    assert send_due(now=now) == {"sent": 1}  # two segments: 4.8 s
    assert send_due(now=now + timedelta(seconds=2.5)) == {}
    assert send_due(now=now + timedelta(seconds=4.8)) == {"sent": 1}


def test_a_twilio_number_keeps_its_own_rate(ctx, fake_twilio, app, monkeypatch):
    monkeypatch.setitem(app.config, "TWILIO_SEND_PER_SECOND", 1)
    db.session.add(ReceivingNumber(gateway="twilio", address="+6281100351419", kecamatan_code=WINONGAN))
    for n in range(3):
        enqueue(key=f"n-{n}", to=f"+6281200000{n:03d}", body="Banjir di Sumberrejo.", purpose="notify",
                kecamatan_code=WINONGAN)  # fmt: skip
    db.session.commit()
    now = start_clock()
    assert send_due(now=now) == {"sent": 1}
    assert send_due(now=now + timedelta(milliseconds=900)) == {}
    assert send_due(now=now + timedelta(seconds=1)) == {"sent": 1}
    assert {m["From"] for m in fake_twilio.messages} == {"+6281100351419"}


def test_the_console_gateway_prints_each_message_for_make_run(ctx, capsys):
    enqueue(key="reply-9", to="+6281234567890", body="Laporan diterima. Tiket B-12.", purpose="reply",
            kecamatan_code=WINONGAN)  # fmt: skip
    db.session.commit()
    send_due()
    assert capsys.readouterr().out == "[console] SMS to +6281234567890: Laporan diterima. Tiket B-12.\n"


def test_staff_set_a_phones_rate_on_its_page(app, ctx, make_user):
    from conftest import csrf_token, signed_in  # noqa: PLC0415 - the browser helpers

    number = ReceivingNumber(gateway="android", address="hp-kantor", kecamatan_code=WINONGAN)
    db.session.add(number)
    db.session.commit()
    browser = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    page = f"/pengaturan/gateway/{number.id}"

    def save(rate: str):
        data = {"label": "HP kantor", "phone": "", "send_per_minute": rate, "csrf_token": csrf_token(browser, page)}
        return browser.post(page, data=data)

    assert save("12").status_code == 303
    db.session.refresh(number)
    assert number.send_per_minute == 12
    refused = save("0")
    assert refused.status_code == 422 and number.send_per_minute == 12
    assert save("").status_code == 303  # empty: the server's GATEWAY_SEND_PER_MINUTE again
    db.session.refresh(number)
    assert number.send_per_minute is None
