"""Broadcasts: preview (recipients, encoding, segments, cost), sending once, scope, history with delivery counts."""

import re

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, desa_code, login
from webapp.extensions import db
from webapp.models import Broadcast, OutboundMessage, Reporter
from webapp.setup.service import add_number
from webapp.worker import send_due
from webhook_helpers import android_signed

WINONGAN = "35.14.19"


@pytest.fixture
def villagers(ctx):
    """Gading: 3 residents, one of whom sent BERHENTI; Prodo: 2 residents; one reporter with no desa."""
    gading, prodo = desa_code(WINONGAN, "Gading"), desa_code(WINONGAN, "Prodo")
    db.session.add_all(
        [
            Reporter(phone="+6281200000001", name="A", desa_code=gading),
            Reporter(phone="+6281200000002", name="B", desa_code=gading),
            Reporter(phone="+6281200000003", name="C", desa_code=gading, opted_out=True),
            Reporter(phone="+6281200000004", name="D", desa_code=prodo),
            Reporter(phone="+6281200000005", name="E", desa_code=prodo),
            Reporter(phone="+6281200000006"),
        ]
    )
    db.session.commit()
    return {"gading": gading, "prodo": prodo}


@pytest.fixture
def staff(client, make_user):
    user = make_user("kecamatan_staff", WINONGAN, email="staf@winongan.test")
    login(client, user.email)
    return user


def form(client, desa, body, action="send", key="siaran-0001", expected=None, kind="peringatan", hazard="banjir"):
    data = {
        "csrf_token": csrf_token(client, "/broadcasts/new"), "key": key, "kind": kind, "hazard": hazard,
        "desa": desa, "body": body, "action": action,
    }  # fmt: skip
    if expected is not None:
        data["expected"] = str(expected)
    return data


def queued() -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.to_phone)))


def test_preview_counts_recipients_encoding_segments_and_cost(client, staff, villagers, app, monkeypatch):
    monkeypatch.setitem(app.config, "COST_PER_SEGMENT", {"sms": 350, "whatsapp": 0})
    body = "Air Kali Gembong naik 1 meter. Warga bantaran siapkan barang berharga & mengungsi ke balai desa."
    data = form(client, [villagers["gading"], villagers["prodo"]], body, action="preview")
    page = client.post("/broadcasts/preview", data=data).get_data(as_text=True)
    expected_text = f"PERINGATAN DINI Kec. Winongan: {body}"
    assert expected_text.replace("&", "&amp;") in page
    assert "4 warga" in page and "1 memilih BERHENTI" in page
    assert f"{len(expected_text)} karakter GSM-7 · 1 SMS per warga" in page
    assert "Rp 1.400" in page and "Rp 350 per warga" in page
    assert 'name="expected" value="4"' in page
    assert queued() == []  # a preview sends nothing


def test_preview_makes_curly_quotes_gsm_and_warns_about_emoji(client, staff, villagers):
    data = form(client, [villagers["gading"]], "Jangan \u201cpanik\u201d \u2013 ikuti arahan petugas\u2026")
    page = client.post("/broadcasts/preview", data=data).get_data(as_text=True)
    assert "Jangan &#34;panik&#34; - ikuti arahan petugas..." in page and "GSM-7" in page
    data = form(client, [villagers["gading"]], "Tetap waspada \U0001f64f " + "x" * 60)
    page = client.post("/broadcasts/preview", data=data).get_data(as_text=True)
    assert "UCS-2" in page and "70 karakter" in page and "2 SMS per warga" in page


def test_sending_queues_one_message_per_resident_once(client, staff, villagers):
    data = form(client, [villagers["gading"], villagers["prodo"]], "Hujan deras malam ini.", expected=4)
    first = client.post("/broadcasts/new", data=data)
    again = client.post("/broadcasts/new", data=data)  # a double click sends the same form twice
    assert first.status_code == again.status_code == 303
    messages = queued()
    assert [m.to_phone for m in messages] == ["+6281200000001", "+6281200000002", "+6281200000004", "+6281200000005"]
    assert {m.body for m in messages} == {"PERINGATAN DINI Kec. Winongan: Hujan deras malam ini."}
    assert {(m.purpose, m.status, m.gateway) for m in messages} == {("broadcast", "queued", "console")}
    (broadcast,) = db.session.scalars(select(Broadcast)).all()
    assert (broadcast.recipients, broadcast.segments, broadcast.hazard) == (4, 1, "banjir")
    assert sorted(d.name for d in broadcast.desa) == ["Gading", "Prodo"]
    assert "Siaran diantrekan untuk 4 warga" in client.get("/broadcasts").get_data(as_text=True)


def test_nothing_is_sent_when_the_recipients_changed_since_the_preview(client, staff, villagers):
    data = form(client, [villagers["gading"]], "Hujan deras malam ini.", expected=5)
    response = client.post("/broadcasts/new", data=data)
    assert response.status_code == 422
    assert "Jumlah penerima berubah menjadi 2" in response.get_data(as_text=True)
    assert queued() == [] and db.session.scalar(select(func.count()).select_from(Broadcast)) == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [("   ", "Isi pesan kosong"), ("x" * 470, "paling banyak 3 SMS")],
)
def test_an_empty_or_too_long_message_is_refused(client, staff, villagers, body, reason):
    response = client.post("/broadcasts/new", data=form(client, [villagers["gading"]], body, expected=2))
    assert response.status_code == 422 and reason in response.get_data(as_text=True)
    assert queued() == []


def test_a_desa_without_residents_has_nothing_to_send(client, staff, villagers):
    kandung = desa_code(WINONGAN, "Kandung")
    response = client.post("/broadcasts/new", data=form(client, [kandung], "Tes", expected=0))
    assert response.status_code == 422 and "Belum ada warga terdaftar" in response.get_data(as_text=True)


def test_a_desa_official_broadcasts_to_their_own_desa_only(client, make_user, villagers):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    login(client, official.email)
    page = client.get("/broadcasts/new").get_data(as_text=True)
    assert len(re.findall(r'name="desa"', page)) == 1 and "checked" in page
    response = client.post("/broadcasts/new", data=form(client, [villagers["prodo"]], "Tes", expected=2))
    assert response.status_code == 403 and queued() == []  # a desa outside their own is refused outright
    response = client.post("/broadcasts/new", data=form(client, [villagers["gading"]], "Tes", expected=2))
    assert response.status_code == 303
    assert {m.body for m in queued()} == {"PERINGATAN DINI Desa Gading: Tes"}


def test_staff_of_another_kecamatan_and_admins_cannot_broadcast_here(app, client, make_user, villagers):
    rejoso = make_user("kecamatan_staff", "35.14.23")
    login(client, rejoso.email)
    response = client.post("/broadcasts/new", data=form(client, [villagers["gading"]], "Tes", expected=2))
    assert response.status_code == 403 and queued() == []  # another kecamatan's desa: refused outright
    admin, browser = make_user("admin"), app.test_client()
    login(browser, admin.email)
    assert browser.get("/broadcasts/new").status_code == 403


def test_history_counts_sent_delivered_failed_and_opted_out(client, staff, villagers, fake_android):
    data = form(client, [villagers["gading"], villagers["prodo"]], "Hujan deras malam ini.", expected=4)
    client.post("/broadcasts/new", data=data)
    quitter = db.session.scalar(select(Reporter).where(Reporter.phone == "+6281200000005"))
    quitter.opted_out = True  # sent BERHENTI after the broadcast was queued
    db.session.commit()
    fake_android.fail_next(400)  # the gateway refuses the first number it is given
    send_due()
    messages = queued()
    assert sorted(m.status for m in messages) == ["cancelled", "failed", "sent", "sent"]
    first, second = [m for m in messages if m.status == "sent"]
    add_number(None, "android", "dev", "35.14.19", new_key=False)  # Winongan's phone, which sent them, reports
    for kind, message in (("sms:delivered", first), ("sms:sent", second)):
        payload = {"messageId": message.provider_id}
        event = {"event": kind, "id": f"ev-{message.id}", "deviceId": "dev", "payload": payload}
        body, headers = android_signed(event)
        assert client.post("/sms/android", data=body, headers=headers).status_code == 200
    page = client.get("/broadcasts").get_data(as_text=True)
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert facts == {
        "Penerima": "4", "Menunggu": "0", "Terkirim": "2", "Diterima": "1", "Gagal": "1",
        "Batal (BERHENTI)": "1", "Perkiraan biaya": "Rp 1.400",
    }  # fmt: skip


def test_a_desa_official_sees_only_broadcasts_that_reached_their_desa(app, client, staff, villagers, make_user):
    client.post(
        "/broadcasts/new", data=form(client, [villagers["prodo"]], "Untuk Prodo", key="siaran-prodo", expected=2)
    )
    client.post(
        "/broadcasts/new", data=form(client, [villagers["gading"]], "Untuk Gading", key="siaran-gading", expected=2)
    )
    official, browser = make_user("desa_official", WINONGAN, desa="Gading"), app.test_client()
    login(browser, official.email)
    page = browser.get("/broadcasts").get_data(as_text=True)
    assert "Untuk Gading" in page and "Untuk Prodo" not in page


def test_full_pages_stay_under_14_kb_compressed(client, staff, villagers):
    for n in range(25):  # more than a page of history, each to every desa of the kecamatan
        data = form(client, [villagers["gading"], villagers["prodo"]], f"Peringatan {n}: " + "air naik " * 30,
                    key=f"siaran-{n:04d}", expected=4)  # fmt: skip
        assert client.post("/broadcasts/new", data=data).status_code == 303
    for path in ("/broadcasts", "/broadcasts/new"):
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
        assert len(packed.data) <= 14 * 1024, (path, len(packed.data))
