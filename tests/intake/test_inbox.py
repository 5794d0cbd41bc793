"""Not every SMS is a report (issue 35): a reporter's thank-you follows up their incident, a stranger's greeting
waits in the inbox ("Pesan masuk"), one tap makes it an incident, and a stop request in a sentence unsubscribes."""

import gzip
import itertools
import random
import re
import string
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from conftest import csrf_token, login
from sms.gsm import fits_one_segment
from webapp.extensions import db
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import Incident, IncidentEvent, Report, Reporter

WINONGAN, LAMPIHONG = "35.14.19", "63.11.05"
T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
_ids = itertools.count(1)


def sms(text, phone="+6281234567890", kecamatan=WINONGAN, at=T0):
    result = ingest(InboundMessage("sms", f"i{next(_ids)}", text, kecamatan, phone, at))
    assert result.reply is None or fits_one_segment(result.reply), result.reply
    return result, db.session.get(Report, result.report_id)


def incidents() -> int:
    return db.session.scalar(select(func.count()).select_from(Incident))


def test_a_reporters_thank_you_joins_their_open_incident(ctx):
    _, first = sms("banjir di gading 12 rumah terendam")
    result, thanks = sms("makasih bu atas bantuannya", at=T0 + timedelta(hours=3))
    assert thanks.incident_id == first.incident_id and incidents() == 1
    assert result.reply is None  # a thank-you needs no answer, and is never "Laporan diterima"
    assert thanks.counts == {} and first.incident.rumah_terendam == 12
    assert first.incident.last_report_at == T0  # a thank-you does not keep the incident open for merges
    assert first.incident.events[-1].kind == "follow_up"
    question, _ = sms("kapan bantuan datang pak?", at=T0 + timedelta(hours=4))
    assert first.incident.ticket in question.reply and "diterima" not in question.reply.split(".")[0].lower()


def test_the_incident_page_shows_a_follow_up_as_one(app, ctx, make_user):
    _, first = sms("longsor di jeladri", phone="+6281311110003")
    sms("terima kasih pak", phone="+6281311110003", at=T0 + timedelta(minutes=30))
    html = _staff(app, make_user).get(f"/incidents/{first.incident_id}").get_data(as_text=True)
    assert "terima kasih pak" in html and "Pesan susulan dari pelapor, bukan laporan baru" in html
    assert "Terbaca sebagai percakapan: “terima kasih” (terima kasih)" in html
    assert "1 laporan" in html  # the thank-you is not counted as a report


def test_a_strangers_greeting_lands_in_the_inbox_with_one_reply_a_day(ctx):
    result, greeting = sms("Selamat pagi pak camat", phone="+6281311112222")
    assert greeting.incident_id is None and greeting.command == "pesan" and incidents() == 0
    assert result.reply and "Laporan diterima" not in result.reply and "LAPOR" in result.reply
    again, _ = sms("apa besok hujan deras ya?", phone="+6281311112222", at=T0 + timedelta(hours=2))
    assert again.reply is None  # one answer per sender per day
    assert incidents() == 0
    next_day, _ = sms("halo pak, apa kabar?", phone="+6281311112222", at=T0 + timedelta(hours=25))
    assert next_day.reply is not None


def test_inbox_replies_can_be_switched_off(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "INBOX_REPLY", False)
    result, greeting = sms("Assalamualaikum wr wb", phone="+6281311113333")
    assert result.reply is None and greeting.command == "pesan"


def test_a_promo_costs_no_reply_and_a_memory_no_counts(ctx):
    promo, _ = sms("Paket internet 10GB hanya Rp25.000! Ketik *123# sekarang", phone="+6281311114444")
    assert promo.reply is None
    _, memory = sms("masih ingat banjir besar tahun 2013 dulu di sini", phone="+6281311115555")
    assert memory.command == "pesan" and memory.counts == {} and incidents() == 0


def test_a_terse_report_still_opens_an_incident(ctx):
    for text in ("bnjr", "longsor dsn krajan", "Mae mai, le ma tapu i le vai"):
        result, report = sms(text, phone="+6281311116666")
        assert report.incident_id is not None, text
        assert "diterima" in result.reply
    assert incidents() == 3


def test_a_sentence_form_stop_request_unsubscribes(ctx):
    sms("DAFTAR Siti Gading", phone="+6281311117777")
    result, stop = sms("tolong jangan kirim sms lagi ke nomor ini", phone="+6281311117777")
    reporter = db.session.scalar(select(Reporter).where(Reporter.phone == "+6281311117777"))
    assert reporter.opted_out and stop.command == "berhenti" and stop.incident_id is None
    assert result.reply.startswith("Anda tidak akan menerima info bencana lagi")


def _staff(app, make_user, kecamatan=WINONGAN):
    user = make_user("kecamatan_staff", kecamatan)
    client = app.test_client()
    login(client, user.email)
    return client


def test_an_inbox_message_becomes_an_incident_in_one_tap(app, ctx, make_user):
    _, message = sms("Permisi pak, di sini ada yang aneh", phone="+6281311118888")
    client = _staff(app, make_user)
    listing = client.get("/incidents").get_data(as_text=True)
    assert "1 pesan masuk bukan laporan" in listing
    page = client.get("/pesan-masuk")
    html = page.get_data(as_text=True)
    assert "di sini ada yang aneh" in html and "+6281311118888" not in html  # the number masked, as elsewhere
    assert len(gzip.compress(page.data)) < 14 * 1024
    token = csrf_token(client, "/pesan-masuk")
    response = client.post(f"/pesan-masuk/{message.id}/insiden", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    message = db.session.get(Report, message.id)
    incident = message.incident
    assert incident is not None and incident.hazard is None and response.location.endswith(f"/incidents/{incident.id}")
    assert message.raw_text == "Permisi pak, di sini ada yang aneh" and message.reporter.phone == "+6281311118888"
    assert message.command == "lapor" and message.handled_at is not None
    assert {e.kind for e in incident.events} >= {"opened", "from_inbox"}
    assert "di sini ada yang aneh" not in client.get("/pesan-masuk").get_data(as_text=True)
    again = client.post(f"/pesan-masuk/{message.id}/insiden", data={"csrf_token": token})
    assert again.status_code == 303 and incidents() == 1  # a second tap opens nothing more


def test_selesai_takes_a_message_out_of_the_inbox(app, ctx, make_user):
    _, message = sms("sama sama pak", phone="+6281311119999")
    client = _staff(app, make_user)
    token = csrf_token(client, "/pesan-masuk")
    assert client.post(f"/pesan-masuk/{message.id}/selesai", data={"csrf_token": token}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Report, message.id).handled_at is not None and incidents() == 0
    assert "pesan masuk bukan laporan" not in client.get("/incidents").get_data(as_text=True)


def test_the_inbox_shows_only_the_staffs_own_kecamatan(app, ctx, make_user):
    sms("Selamat pagi dari Winongan", phone="+6281311110001")
    sms("salamat pagi", phone="+6281311110002", kecamatan=LAMPIHONG)
    html = _staff(app, make_user, LAMPIHONG).get("/pesan-masuk").get_data(as_text=True)
    assert "salamat pagi" in html and "Winongan" not in re.sub(r"<title>.*?</title>", "", html)
    assert db.session.scalar(select(func.count()).select_from(IncidentEvent)) == 0


def test_vocabulary_learns_from_an_inbox_message_as_from_an_unclassified_report(app, ctx, make_user):
    _, message = sms("sugeng enjing pak, rendeng gedhe", phone="+6281311110004")
    assert message.command == "pesan"
    client = _staff(app, make_user)
    token = csrf_token(client, "/pesan-masuk")
    page = client.post(f"/pesan-masuk/{message.id}/insiden", data={"csrf_token": token}).location
    response = client.post(f"{page}/classify", data={"hazard": "banjir", "csrf_token": token},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert "“rendeng” → Banjir" in response.get_data(as_text=True)  # offered to teach, as for any unread report


def test_a_full_inbox_page_of_long_messages_stays_under_14_kb(app, ctx, make_user):
    words = random.Random(35)
    for n in range(30):  # more than a page; each message as long as five SMS, of words that compress badly
        text = "Selamat pagi pak " + " ".join(
            "".join(words.choice(string.ascii_lowercase) for _ in range(words.randint(3, 9))) for _ in range(120)
        )
        sms(text, phone=f"+628131200{n:04d}", at=T0 + timedelta(minutes=n))
    page = _staff(app, make_user).get("/pesan-masuk")
    assert page.get_data(as_text=True).count("Jadikan insiden") == 25
    assert len(gzip.compress(page.data)) < 14 * 1024
