"""How long a broadcast takes to reach the last resident, who goes first, and its page desa by desa."""

import re

from sqlalchemy import select, update

from conftest import csrf_token, desa_code, login
from webapp.broadcasts.service import estimate
from webapp.extensions import db
from webapp.messaging.outbound import enqueue
from webapp.messaging.pool import set_send_rate
from webapp.models import LANE_BULK, LANE_WARNING, Broadcast, OutboundMessage, ReceivingNumber, Reporter

WINONGAN = "35.14.19"


def residents(desa: str, count: int, start: int = 0):
    code = desa_code(WINONGAN, desa)
    db.session.add_all(
        [Reporter(phone=f"+62812{start + n:08d}", name=f"Warga {start + n}", desa_code=code) for n in range(count)]
    )
    db.session.commit()
    return code


def phones(app, monkeypatch, count: int, rate: int = 25):
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "android")
    monkeypatch.setitem(app.config, "GATEWAY_SEND_PER_MINUTE", rate)
    for n in range(count):
        db.session.add(ReceivingNumber(gateway="android", address=f"hp-{n}", kecamatan_code=WINONGAN))
    db.session.commit()


def send_form(
    client, desa: list[str], body="Air Kali Gembong naik, siap mengungsi.", kind="peringatan", key="siaran-0001"
):
    return {"csrf_token": csrf_token(client, "/broadcasts/new"), "key": key, "kind": kind, "hazard": "banjir",
            "desa": desa, "body": body, "action": "send"}  # fmt: skip


def test_the_preview_says_how_long_two_phones_need_for_5000_residents(ctx, app, monkeypatch):
    phones(app, monkeypatch, 2)
    timing = estimate(WINONGAN, 5000, 1, warning=True)
    assert (timing.duration, timing.senders, timing.long) == ("± 1 jam 40 menit", "2 HP", True)  # 5000 / 50 a minute
    one = estimate(WINONGAN, 300, 1, warning=True)
    assert (one.duration, one.long) == ("± 6 menit", False)


def test_what_is_queued_ahead_counts_and_an_offline_phone_does_not(ctx, app, monkeypatch):
    phones(app, monkeypatch, 2)
    for n in range(100):
        enqueue(key=f"old-{n}", to=f"+62813{n:08d}", body="INFO", purpose="broadcast", kecamatan_code=WINONGAN)
    db.session.commit()
    assert estimate(WINONGAN, 400, 1, warning=True).ahead == 0  # information waits behind a warning
    information = estimate(WINONGAN, 400, 1, warning=False)
    assert (information.ahead, information.duration) == (100, "± 10 menit")
    db.session.execute(update(ReceivingNumber).where(ReceivingNumber.address == "hp-1").values(failures=3))
    db.session.commit()
    alone = estimate(WINONGAN, 400, 1, warning=False)
    assert (alone.numbers, alone.duration) == (1, "± 20 menit")


def test_the_preview_page_suggests_a_second_phone_when_it_is_long(client, make_user, app, monkeypatch):
    phones(app, monkeypatch, 1)
    gading = residents("Gading", 800)
    login(client, make_user("kecamatan_staff", WINONGAN).email)
    data = send_form(client, [gading]) | {"action": "preview"}
    page = client.post("/broadcasts/preview", data=data).get_data(as_text=True)
    assert "± 32 menit untuk 800 warga dengan 1 HP" in page
    assert "Tambahkan HP gateway kedua" in page
    monkeypatch.setitem(app.config, "GATEWAY_SEND_PER_MINUTE", 30)
    page = client.post("/broadcasts/preview", data=data).get_data(as_text=True)
    assert "± 27 menit untuk 800 warga dengan 1 HP" in page and "Tambahkan HP gateway kedua" not in page


def test_a_warning_goes_in_its_lane_and_desa_with_open_incidents_first(client, make_user, make_incident):
    gading, prodo = residents("Gading", 3), residents("Prodo", 3, start=10)
    make_incident(WINONGAN, "Prodo")
    login(client, make_user("kecamatan_staff", WINONGAN).email)
    assert client.post("/broadcasts/new", data=send_form(client, [gading, prodo])).status_code == 303
    rows = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [r.desa_code for r in rows] == [prodo] * 3 + [gading] * 3
    assert {r.priority for r in rows} == {LANE_WARNING}
    assert (
        client.post(
            "/broadcasts/new", data=send_form(client, [gading], kind="informasi", key="siaran-0002")
        ).status_code
        == 303
    )
    info = db.session.scalars(select(OutboundMessage.priority).where(OutboundMessage.id > rows[-1].id)).all()
    assert info == [LANE_BULK] * 3


def test_the_broadcast_page_shows_progress_per_desa_and_masked_unreached_residents(client, make_user):
    gading, prodo = residents("Gading", 2), residents("Prodo", 2, start=10)
    login(client, make_user("kecamatan_staff", WINONGAN).email)
    response = client.post("/broadcasts/new", data=send_form(client, [gading, prodo]))
    broadcast = db.session.scalar(select(Broadcast))
    assert response.headers["Location"].endswith(f"/broadcasts/{broadcast.id}")
    page = client.get(f"/broadcasts/{broadcast.id}").get_data(as_text=True)
    assert "every 5s" in page and "Masih dikirim" in page  # it follows itself while messages wait
    messages = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    statuses = {messages[0].id: "delivered", messages[1].id: "failed", messages[2].id: "sent", messages[3].id: "failed"}
    for message_id, status in statuses.items():
        db.session.execute(update(OutboundMessage).where(OutboundMessage.id == message_id)
                           .values(status=status, error="gave up after 6 attempts: timeout"))  # fmt: skip
    db.session.commit()
    fragment = client.get(f"/broadcasts/{broadcast.id}/kemajuan").get_data(as_text=True)
    assert "every 5s" not in fragment and "Selesai" in fragment
    rows = dict(
        (desa, cells) for desa, cells in
        re.findall(r'<th scope="row">(\w+)</th>((?:<td>\d+</td>)+)', fragment)
    )  # fmt: skip
    assert rows == {"Gading": "<td>0</td><td>1</td><td>1</td><td>1</td><td>0</td>",
                    "Prodo": "<td>0</td><td>1</td><td>0</td><td>1</td><td>0</td>"}  # fmt: skip
    assert "+62812****0001" in fragment and "+62812****0011" in fragment
    assert "+6281200000001" not in fragment and "+6281200000011" not in fragment
    assert "gagal setelah beberapa kali dicoba" in fragment


def test_a_desa_official_sees_only_their_own_desas_unreached_residents(client, make_user):
    gading, prodo = residents("Gading", 1), residents("Prodo", 1, start=10)
    login(client, make_user("kecamatan_staff", WINONGAN, email="staf@w.test").email)
    client.post("/broadcasts/new", data=send_form(client, [gading, prodo]))
    db.session.execute(update(OutboundMessage).values(status="failed", error="Android gateway 400"))
    db.session.commit()
    broadcast = db.session.scalar(select(Broadcast))
    other = client.application.test_client()
    login(other, make_user("desa_official", WINONGAN, desa="Gading", email="desa@w.test").email)
    page = other.get(f"/broadcasts/{broadcast.id}").get_data(as_text=True)
    assert "+62812****0000" in page and "Warga 0" in page
    assert "****0010" not in page and "Warga 10" not in page


def test_set_send_rate_refuses_what_no_phone_can_do(ctx):
    number = ReceivingNumber(gateway="android", address="hp-x", kecamatan_code=WINONGAN)
    set_send_rate(number, 40)
    assert number.send_per_minute == 40
    set_send_rate(number, None)
    assert number.send_per_minute is None
    for wrong in (0, 6001):
        try:
            set_send_rate(number, wrong)
        except ValueError:
            continue
        raise AssertionError(f"{wrong} accepted")
