"""Information for citizens: publishing and withdrawing, the public pages, feeds and CAP, the share text and
image card, the Telegram channel, desa information, and the privacy rule (nothing personal ever public)."""

from __future__ import annotations

import io
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from lxml import etree
from PIL import Image
from sqlalchemy import select

from conftest import csrf_token, desa_code, login
from fakes.gateways import FakeTelegram
from webapp.extensions import db
from webapp.models import Broadcast, IncidentEvent, OutboundMessage, Region, Reporter
from webapp.public.service import publish_broadcast, publish_incident, withdraw_broadcast, withdraw_incident
from webapp.worker import send_due

WINONGAN, LAMPIHONG = "35.14.19", "63.11.05"
CAP_SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "data" / "cap" / "CAP-v1.2.xsd")))
SECRETS = ("Bu Sumiati", "081234999888", "+6281234999888", "6281234999888", "rumah saya di belakang masjid",
           "-7.74219", "112.91634")  # fmt: skip


@pytest.fixture
def staff(make_user):
    return make_user("kecamatan_staff", WINONGAN)


@pytest.fixture
def flood(make_incident):
    """A verified flood in Gading whose report holds a name, a number, raw words, a photo and a home's position."""
    incident = make_incident(WINONGAN, "Gading", reports=("+6281234999888",), meninggal=1, mengungsi=40)
    incident.status = "diverifikasi"
    report = incident.reports[0]
    report.raw_text = "banjir, Bu Sumiati 081234999888 rumah saya di belakang masjid"
    report.latitude, report.longitude = -7.74219, 112.91634
    report.photo, report.photo_type = b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "image/png"
    report.reporter.name = "Bu Sumiati"
    db.session.commit()
    return incident


def _warning(staff) -> Broadcast:
    broadcast = Broadcast(key="b-1", kind="peringatan", hazard="banjir", body="PERINGATAN DINI Kec. Winongan: air "
                          "Kali Gembong naik, warga bantaran siaga.", kecamatan_code=WINONGAN, created_by_id=staff.id,
                          desa=[db.session.get(Region, desa_code(WINONGAN, "Gading"))])  # fmt: skip
    db.session.add(broadcast)
    db.session.commit()
    return broadcast


def test_staff_publish_an_incident_citizens_see_it_and_withdraw_it(app, client, staff, flood):
    assert flood.ticket not in client.get("/kecamatan/35.14.19").get_data(as_text=True)
    assert client.get(f"/publik/insiden/{flood.id}").status_code == 404  # nothing is public by itself
    staff_client = app.test_client()
    login(staff_client, staff.email)
    token = csrf_token(staff_client, f"/incidents/{flood.id}")
    answer = staff_client.post(f"/incidents/{flood.id}/publikasi",
                               data={"csrf_token": token, "summary": "Posko di balai desa Gading."})  # fmt: skip
    assert answer.status_code == 303
    page = client.get("/kecamatan/35.14.19").get_data(as_text=True)
    assert "Banjir · Desa Gading" in page and "Posko di balai desa Gading." in page and "Meninggal: 1" in page
    assert "Kabupaten Pasuruan" in client.get("/kabupaten/35.14").get_data(as_text=True)
    assert "Banjir · Desa Gading" in client.get("/kabupaten/35.14").get_data(as_text=True)
    item = client.get(f"/publik/insiden/{flood.id}").get_data(as_text=True)
    assert 'property="og:title" content="Banjir · Desa Gading"' in item and 'name="twitter:card"' in item
    assert "https://wa.me/?text=BANJIR%20di%20Desa%20Gading" in item
    staff_client.post(f"/incidents/{flood.id}/tarik", data={"csrf_token": token})
    assert "Desa Gading" not in client.get("/kecamatan/35.14.19").get_data(as_text=True).split("Info desa")[0]
    assert client.get(f"/publik/insiden/{flood.id}").status_code == 404
    kinds = [e.kind for e in db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == flood.id))]
    assert kinds.count("publish") == 1 and kinds.count("unpublish") == 1


def test_only_verified_incidents_and_no_phone_numbers_in_summaries(app, staff, flood, make_incident):
    from webapp.public.service import PublishError

    fresh = make_incident(WINONGAN, "Prodo")
    with pytest.raises(PublishError, match="diverifikasi"):
        publish_incident(fresh, staff, "")
    with pytest.raises(PublishError, match="nomor telepon"):
        publish_incident(flood, staff, "Hubungi Pak RT 0812-3456-7890")
    db.session.rollback()
    assert flood.published_at is None and fresh.published_at is None


def test_nothing_personal_reaches_any_public_page_or_feed(app, client, staff, flood):
    publish_incident(flood, staff, "Air mulai surut.")
    broadcast = _warning(staff)
    publish_broadcast(broadcast, staff)
    db.session.add(Reporter(phone="+6281234999777", name="Pak Darmo Rahasia", desa_code=desa_code(WINONGAN, "Gading")))
    db.session.commit()
    paths = ["/kecamatan/35.14.19", "/kabupaten/35.14", "/kecamatan/35.14.19/feed.atom", "/kabupaten/35.14/feed.atom",
             "/kecamatan/35.14.19/cap.atom", f"/publik/insiden/{flood.id}", f"/publik/siaran/{broadcast.id}",
             f"/publik/siaran/{broadcast.id}/cap.xml"]  # fmt: skip
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        for secret in (*SECRETS, "Pak Darmo Rahasia", "081234999777", flood.ticket, "/reports/"):
            assert secret not in body, (path, secret)
    card = client.get(f"/publik/insiden/{flood.id}.png")
    assert card.mimetype == "image/png" and Image.open(io.BytesIO(card.data)).size == (1080, 1080)
    assert b"Sumiati" not in card.data


def test_published_warnings_are_valid_cap_and_a_withdrawal_is_a_cancel(app, client, staff):
    broadcast = _warning(staff)
    assert client.get(f"/publik/siaran/{broadcast.id}/cap.xml").status_code == 404
    publish_broadcast(broadcast, staff)
    document = client.get(f"/publik/siaran/{broadcast.id}/cap.xml")
    assert document.mimetype == "application/cap+xml"
    CAP_SCHEMA.assertValid(etree.fromstring(document.data))
    tree = etree.fromstring(document.data)
    ns = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
    assert tree.findtext("cap:msgType", namespaces=ns) == "Alert"
    assert tree.findtext(".//cap:geocode/cap:value", namespaces=ns) == desa_code(WINONGAN, "Gading")
    page = client.get("/kecamatan/35.14.19").get_data(as_text=True)
    assert "Peringatan yang berlaku" in page and "Kali Gembong" in page.split("Kejadian")[0]
    index = feedparser.parse(client.get("/kecamatan/35.14.19/cap.atom").data)
    assert index.entries and index.entries[0].links[0].type == "application/cap+xml"
    withdraw_broadcast(broadcast, staff)
    cancel = etree.fromstring(client.get(f"/publik/siaran/{broadcast.id}/cap.xml").data)
    CAP_SCHEMA.assertValid(cancel)
    assert cancel.findtext("cap:msgType", namespaces=ns) == "Cancel"
    assert tree.findtext("cap:identifier", namespaces=ns) in cancel.findtext("cap:references", namespaces=ns)
    assert "Kali Gembong" not in client.get("/kecamatan/35.14.19").get_data(as_text=True)


def test_the_atom_feed_parses_and_keeps_a_tombstone_for_what_was_withdrawn(app, client, staff, flood):
    publish_incident(flood, staff, "Air mulai surut.")
    feed = feedparser.parse(client.get("/kecamatan/35.14.19/feed.atom").data)
    assert not feed.bozo and feed.feed.title == "Tangguh · Kecamatan Winongan"
    [entry] = feed.entries
    assert entry.title == "Banjir di Desa Gading" and entry.link.endswith(f"/publik/insiden/{flood.id}")
    withdraw_incident(flood, staff)
    raw = client.get("/kecamatan/35.14.19/feed.atom").data
    assert feedparser.parse(raw).entries == []
    tombstones = ElementTree.fromstring(raw).findall("{http://purl.org/atompub/tombstones/1.0}deleted-entry")
    assert [t.get("ref") for t in tombstones] == [entry.id]


def test_public_pages_answer_conditional_requests_and_unknown_codes_plainly(client):
    first = client.get("/kecamatan/35.14.19")
    assert first.status_code == 200 and first.headers["ETag"] and "public" in first.headers["Cache-Control"]
    again = client.get("/kecamatan/35.14.19", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    feed = client.get("/kecamatan/35.14.19/feed.atom")
    assert (
        client.get("/kecamatan/35.14.19/feed.atom", headers={"If-None-Match": feed.headers["ETag"]}).status_code == 304
    )
    unknown = ("/kecamatan/99.99.99", "/kecamatan/35.14", "/kecamatan/abc", "/kabupaten/35.14.19",
               "/kecamatan/99.99.99/feed.atom", "/publik/insiden/999999", "/publik/siaran/999999/cap.xml")  # fmt: skip
    for path in unknown:
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "text/html", path
        assert "tidak ditemukan" in response.get_data(as_text=True), path


def test_published_items_go_to_the_telegram_channel_once(app, monkeypatch, staff, flood):
    fake = FakeTelegram().start()
    try:
        monkeypatch.setitem(app.config, "TELEGRAM_BOT_TOKEN", fake.token)
        monkeypatch.setitem(app.config, "TELEGRAM_CHANNEL_ID", "@tangguh_winongan")
        monkeypatch.setitem(app.config, "TELEGRAM_API_URL", fake.url)
        monkeypatch.setitem(app.config, "PUBLIC_URL", "https://tangguh.example.id")
        monkeypatch.setitem(app.config, "OUTBOUND_RETRY_SECONDS", 0)
        publish_incident(flood, staff, "Posko di balai desa.")
        publish_incident(flood, staff, "Posko pindah ke masjid.")  # an update of the summary: no second post
        fake.fail_next(502)
        assert send_due("w1") == {"queued": 1}  # retried later
        assert send_due("w1") == {"sent": 1}
        assert send_due("w1") == {}
        [post] = fake.messages
        assert post["chat_id"] == "@tangguh_winongan" and post["text"].startswith("BANJIR di Desa Gading")
        assert f"https://tangguh.example.id/publik/insiden/{flood.id}" in post["text"]
        message = db.session.scalar(select(OutboundMessage).where(OutboundMessage.channel == "telegram"))
        assert (message.status, message.attempts, message.provider_id) == ("sent", 2, "-1001:1")
    finally:
        fake.stop()


def test_desa_officials_keep_their_own_desa_information(app, client, make_user):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    browser = app.test_client()
    login(browser, official.email)
    token = csrf_token(browser, "/info-desa")
    gading = desa_code(WINONGAN, "Gading")
    form = {"csrf_token": token, "desa": gading, "evacuation": "Balai Desa Gading\nMasjid Al-Ikhlas",
            "numbers": "Posko Desa 0343-123456", "destana": "pratama"}  # fmt: skip
    assert browser.post("/info-desa", data=form).status_code == 303
    page = client.get("/kecamatan/35.14.19").get_data(as_text=True)
    assert "Masjid Al-Ikhlas" in page and "Destana Pratama" in page and "0343-123456" in page
    other = {**form, "desa": desa_code(WINONGAN, "Prodo")}
    assert browser.post("/info-desa", data=other).status_code == 403
    assert browser.post("/info-desa", data={**form, "destana": "super"}).status_code == 400
