"""What a kecamatan teaches its parser: dusun names, words learned from triage, the languages its people write,
and the dashboard's share of SMS left unread."""

from __future__ import annotations

import io
import itertools
from datetime import timedelta

from sqlalchemy import select

from conftest import csrf_token, desa_code, signed_in
from webapp.extensions import db
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import Dusun, LearnedTerm, Region, Report, utcnow

WINONGAN, REJOSO, LAMPIHONG = "35.14.19", "35.14.23", "63.11.05"
_ids = itertools.count(1)


def sms(text, kecamatan=WINONGAN, phone="+6281234567890") -> Report:
    result = ingest(InboundMessage("sms", f"v{next(_ids)}", text, kecamatan, phone, utcnow()))
    db.session.expire_all()
    return db.session.get(Report, result.report_id)


def post(browser, path, data, page="/dusun", **kwargs):
    return browser.post(path, data={**data, "csrf_token": csrf_token(browser, page)}, **kwargs)


def test_a_unique_dusun_name_gives_its_desa_and_a_shared_one_gives_none(app, ctx, make_user):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    staff = make_user("kecamatan_staff", WINONGAN)
    assert post(signed_in(app, official), "/dusun", {"desa": official.region_code, "name": "Dusun Krajan Wetan",
                                                      "aliases": "krajan wtn"}).status_code == 303  # fmt: skip
    csv = "desa,dusun,nama lain\nProdo,Krajan,\nLebak,Tegalsari,Tegal Sari;Tgl Sari\n"
    response = post(signed_in(app, staff), "/dusun/impor", {"file": (io.BytesIO(csv.encode()), "dusun.csv")},
                    content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 303
    # Another desa's Krajan is refused now (tests/security/test_dusun.py); one saved before that still counts.
    db.session.add(Dusun(desa_code=desa_code(WINONGAN, "Sumberrejo"), name="Krajan", source="csv"))
    db.session.commit()
    assert db.session.scalar(select(Dusun.name).where(Dusun.name == "Krajan Wetan"))  # "Dusun" is not the name
    assert sms("banjir di dusun krajan wetan").desa_code == desa_code(WINONGAN, "Gading")
    assert sms("longsor nang dsn tegal sari, omah 2 ambruk").desa_code == desa_code(WINONGAN, "Lebak")
    assert sms("banjir di dusun krajan").desa_code is None  # Prodo and Sumberrejo both have one: not guessed
    assert sms("banjir di dusun krajan desa prodo").desa_code == desa_code(WINONGAN, "Prodo")
    assert sms("banjir di dusun krajan wetan", kecamatan=REJOSO).desa_code is None  # another kecamatan's dusun


def test_a_desa_official_keeps_only_their_own_desas_dusun_and_a_bad_csv_saves_nothing(app, ctx, make_user):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    browser = signed_in(app, official)
    assert post(browser, "/dusun", {"desa": desa_code(WINONGAN, "Prodo"), "name": "Krajan"}).status_code == 403
    staff = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    csv = "desa,dusun\nProdo,Krajan\nPatuguran,Pesisir\n"  # Patuguran is in Rejoso
    response = post(staff, "/dusun/impor", {"file": (io.BytesIO(csv.encode()), "d.csv")},
                    content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 422 and "Baris 3: desa Patuguran tidak ada di wilayah Anda." in response.text
    assert db.session.scalar(select(Dusun.id)) is None


def test_staff_classify_a_report_and_teach_tangguh_what_it_meant(app, ctx, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    unread = sms("rendeng gedhe nang sumber kidul, tulung")
    assert (unread.hazard, unread.desa_code) == (None, None)
    browser = signed_in(app, staff)
    incident = unread.incident
    page = f"/incidents/{incident.id}"
    response = post(browser, f"{page}/classify", {"hazard": "banjir", "desa": desa_code(WINONGAN, "Sumberrejo")},
                    page=page, headers={"HX-Request": "true"})  # fmt: skip
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ajari Tangguh?" in body
    assert "“rendeng” → Banjir" in body and "“sumber kidul” → Desa Sumberrejo" in body
    db.session.expire_all()
    assert (incident.hazard, incident.desa.name) == ("banjir", "Sumberrejo")
    assert [e.kind for e in incident.events][-1] == "classified"
    for kind, phrase, value in (("hazard", "rendeng", "banjir"),
                                ("desa", "sumber kidul", desa_code(WINONGAN, "Sumberrejo"))):  # fmt: skip
        answer = post(browser, "/kosakata", {"kind": kind, "phrase": phrase, "value": value, "report_id": unread.id},
                      page=page)  # fmt: skip
        assert answer.status_code == 303
    later = sms("rendeng maneh nang sumber kidul omah 4 kerendem", phone="+6281299990000")
    assert (later.hazard, later.desa_code) == ("banjir", desa_code(WINONGAN, "Sumberrejo"))
    assert later.evidence["hazard"] == "rendeng"
    assert sms("rendeng nang lajar", kecamatan=LAMPIHONG).hazard is None  # Winongan's word, not Lampihong's
    listing = browser.get("/kosakata").get_data(as_text=True)
    assert "“rendeng” → Banjir" in listing and "“sumber kidul” → Desa Sumberrejo" in listing
    term = db.session.scalar(select(LearnedTerm).where(LearnedTerm.phrase == "rendeng"))
    assert post(browser, f"/kosakata/{term.id}/hapus", {}, page="/kosakata").status_code == 303
    assert sms("rendeng nang sumber kidul", phone="+6281299990001").hazard is None  # forgotten at once


def test_a_word_not_in_the_report_cannot_be_taught(app, ctx, make_user):
    browser = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    report = sms("rendeng gedhe")
    form = {"kind": "hazard", "phrase": "tsunami besar", "value": "tsunami", "report_id": report.id}
    response = post(browser, "/kosakata", form, page="/kosakata", follow_redirects=True)
    assert "Kata itu tidak ada di laporan." in response.get_data(as_text=True)
    assert db.session.scalar(select(LearnedTerm.id)) is None


def test_a_kecamatan_names_the_languages_its_people_write(app, ctx, make_user):
    browser = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    assert sms("compok obbar e desa Bandaran").hazard == "kebakaran"  # every language by default
    response = post(browser, "/kosakata/bahasa", {"kecamatan": WINONGAN, "language": "jv"}, page="/kosakata")
    assert response.status_code == 303 and db.session.get(Region, WINONGAN).languages == "jv"
    assert sms("compok obbar e desa Bandaran").hazard is None  # Madurese is not read here any more
    assert sms("compok obbar e desa Patuguran", kecamatan=REJOSO).hazard == "kebakaran"  # Rejoso reads all
    post(browser, "/kosakata/bahasa", {"kecamatan": WINONGAN, "language": ["jv", "mad"]}, page="/kosakata")
    assert sms("compok obbar e desa Bandaran").hazard == "kebakaran"
    assert (
        post(browser, "/kosakata/bahasa", {"kecamatan": REJOSO, "language": "jv"}, page="/kosakata").status_code == 403
    )


def test_the_dashboard_shows_the_share_of_sms_left_unread_per_month(app, ctx, make_user):
    for text in ("banjir di gading", "rendeng gedhe", "halo pak"):
        sms(text)
    old = sms("banjir di prodo")
    old.received_at = utcnow() - timedelta(days=62)
    db.session.commit()
    page = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/dashboard").get_data(as_text=True)
    section = page.split("SMS yang tidak terbaca")[1]
    month = utcnow().strftime("%m-%Y")
    assert f'<th scope="row">{month}</th><td>3</td><td>2</td><td>67' in section
