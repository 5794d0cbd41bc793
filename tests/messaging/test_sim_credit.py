"""The gateway SIM's own messages: the operator's short codes and sender names are taken (not refused, not
reports), kept against the phone, and a balance notice gives the phone's credit, which tells people when it runs
short."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conftest import signed_in
from sms.operator import Credit, operator_sender, read_credit
from webapp.extensions import db
from webapp.messaging import sim_credit
from webapp.models import OperatorMessage, OutboundMessage, Report
from webapp.setup.service import add_number
from webhook_helpers import TWILIO_NUMBER, android_event, android_signed, twilio_headers, twilio_params

WINONGAN = "35.14.19"
TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(
    ("text", "credit"),
    [
        (
            "Sisa pulsa Anda Rp2.000. Masa aktif s.d 12/12/2026. Beli paket ketik *363#",
            Credit(2000, date(2026, 12, 12)),
        ),
        ("pulsa Rp 2 000, aktif s.d. 12-12", Credit(2000, date(2026, 12, 12))),
        ("Pulsa: Rp 5250 Masa Aktif: 12-Des-2026", Credit(5250, date(2026, 12, 12))),
        ("Saldo pulsa anda adalah Rp 10.000 berlaku hingga 3 Januari 2027", Credit(10000, date(2027, 1, 3))),
        ("Masa aktif kartu Anda berakhir tgl 08/12/2026. Segera isi ulang", Credit(None, date(2026, 12, 8))),
        ("Pulsa utama Rp0. Masa tenggang s/d 20-12-26", Credit(0, None, grace=True)),
        ("aktif s.d. 02-01", Credit(None, date(2027, 1, 2))),  # no year: the next such day
        ("Isi pulsa Rp25.000 dapat bonus kuota 10GB", None),  # a promo names prices, not the balance
        ("Nikmati paket 10GB hanya Rp10.000, aktifkan di *123#", None),
        ("Selamat! Anda dapat hadiah pulsa Rp5.000", None),
        ("Selamat pagi pelanggan setia", None),
    ],
)
def test_a_balance_notice_is_read_and_a_promo_is_not(text, credit):
    assert read_credit(text, TODAY) == credit


@pytest.mark.parametrize(
    ("raw", "sender"),
    [("TELKOMSEL", "TELKOMSEL"), ("3636", "3636"), ("by.U", "by.U"), ("INDOSAT", "INDOSAT"), ("+62 halo", None),
     ("this is not a number", None), ("12", None), ("", None)],
)  # fmt: skip
def test_an_operator_sender_is_a_short_code_or_a_sender_name(raw, sender):
    assert operator_sender(raw) == sender


@pytest.fixture
def device(ctx):
    number, key = add_number(
        None, "android", "dev-winongan", WINONGAN, label="HP gateway Winongan", phone="+6281299998888"
    )
    return number, key


def from_operator(client, key, event_id, text, sender="TELKOMSEL", received_at="2026-12-06T09:00:00.000+07:00"):
    event = android_event(event_id, text, phone=sender, received_at=received_at)
    body, headers = android_signed(event, key=key)
    return client.post("/sms/android", data=body, headers=headers)


def credit_alerts() -> list[OutboundMessage]:
    db.session.expire_all()
    query = select(OutboundMessage).where(OutboundMessage.key.like("gateway-credit-%")).order_by(OutboundMessage.id)
    return list(db.session.scalars(query))


def test_a_low_balance_sms_is_kept_for_the_phone_and_tells_its_staff_once(app, client, device, make_user):
    number, key = device
    staff = make_user("kecamatan_staff", WINONGAN, phone="081211112222")
    response = from_operator(client, key, "op-1", "Sisa pulsa Anda Rp2.000. Masa aktif s.d 12/12/2026.")
    assert response.status_code == 200 and response.json["status"] == "ok"  # not 400: the gateway stops retrying
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0  # never a report
    assert db.session.scalar(select(func.count()).where(OutboundMessage.to_phone == "TELKOMSEL")) == 0  # no reply
    (kept,) = db.session.scalars(select(OperatorMessage))
    assert kept.number.id == number.id and kept.sender == "TELKOMSEL" and kept.credit_rupiah == 2000
    db.session.refresh(number)
    assert number.credit_rupiah == 2000 and number.active_until == date(2026, 12, 12) and not number.in_grace
    (alert,) = credit_alerts()
    assert alert.to_phone == "+6281211112222" and alert.purpose == "notify"
    assert alert.body == (
        "Tangguh: HP gateway Winongan (Winongan): pulsa tinggal Rp 2.000. Isi pulsa agar SMS ke warga tetap terkirim."
    )
    assert alert.segments == 1

    assert from_operator(client, key, "op-1", "Sisa pulsa Anda Rp2.000.").json["duplicate"] is True  # a retry
    from_operator(client, key, "op-2", "Sisa pulsa Anda Rp1.500.", received_at="2026-12-06T10:00:00.000+07:00")
    assert len(credit_alerts()) == 1  # still the same shortage: told once
    db.session.refresh(number)
    assert number.credit_rupiah == 1500

    page = signed_in(app, staff).get(f"/pengaturan/gateway/{number.id}").get_data(as_text=True)
    assert "Rp 1.500" in page and "SMS dari operator" in page and "Sisa pulsa Anda Rp1.500." in page

    from_operator(
        client, key, "op-3", "Pulsa Anda Rp50.000, aktif s.d. 30-01-2027", received_at="2026-12-06T11:00:00.000+07:00"
    )
    db.session.refresh(number)
    assert number.credit_rupiah == 50000 and number.credit_low_since is None and len(credit_alerts()) == 1
    from_operator(client, key, "op-4", "Sisa pulsa Rp3.000", received_at="2026-12-07T08:00:00.000+07:00")
    assert len(credit_alerts()) == 2  # short again after a top-up: told again


def test_an_older_notice_delivered_late_does_not_undo_a_newer_balance(client, device):
    number, key = device
    from_operator(client, key, "op-new", "Sisa pulsa Rp50.000", received_at="2026-12-06T11:00:00.000+07:00")
    from_operator(client, key, "op-old", "Sisa pulsa Rp2.000", received_at="2026-12-06T09:00:00.000+07:00")
    db.session.refresh(number)
    assert number.credit_rupiah == 50000 and credit_alerts() == []


def test_a_promo_from_a_short_code_is_kept_and_changes_nothing(client, device):
    number, key = device
    response = from_operator(client, key, "op-5", "Nikmati paket 10GB hanya Rp10.000, ketik *363#", sender="3636")
    assert response.status_code == 200
    db.session.refresh(number)
    assert number.credit_rupiah is None and credit_alerts() == []
    assert db.session.scalar(select(OperatorMessage.sender)) == "3636"


def test_a_phone_without_a_balance_notice_shows_its_credit_as_unknown_not_zero(app, device, make_user):
    number, _key = device
    admin = make_user("admin", None)
    page = signed_in(app, admin).get(f"/pengaturan/gateway/{number.id}").get_data(as_text=True)
    assert "belum diketahui (belum ada SMS saldo dari operator)" in page and "Rp 0" not in page


def test_an_active_period_running_out_is_told_by_the_worker_as_the_days_pass(app, client, device, make_user,
                                                                            monkeypatch):  # fmt: skip
    number, key = device
    make_user("kecamatan_staff", WINONGAN, phone="081211112222")
    from_operator(client, key, "op-6", "Pulsa Anda Rp50.000, aktif s.d. 12-12-2026")
    assert credit_alerts() == []  # six days left
    later = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    assert sim_credit.check_all(later) == 1
    (alert,) = credit_alerts()
    assert "aktif s.d. 12-12-2026" in alert.body
    assert sim_credit.check_all(later + timedelta(hours=1)) == 0


def test_the_grace_period_is_told_as_unable_to_send(client, device, make_user):
    _number, key = device
    make_user("kecamatan_staff", WINONGAN, phone="081211112222")
    from_operator(client, key, "op-7", "Pulsa utama Rp0. Masa tenggang s/d 20-12-26")
    (alert,) = credit_alerts()
    assert "masa tenggang, tidak bisa kirim SMS" in alert.body
    health = client.get("/healthz").json
    assert "gateway_credit" in health["reasons"] and "dev-winongan" not in str(health)  # counts, never which


def test_a_twilio_number_takes_a_carrier_message_without_a_reply(client, ctx):
    add_number(None, "twilio", TWILIO_NUMBER, WINONGAN)
    params = twilio_params("SM-op-1", "Your balance is low", sender="Twilio")
    response = client.post("/sms/twilio", data=params, headers=twilio_headers(params))
    assert response.status_code == 200 and "<Message>" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
    assert db.session.scalar(select(OperatorMessage.sender)) == "Twilio"
