"""The one intake door, as a service: store first, understand, merge into incidents, answer."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from conftest import desa_code
from sms.gsm import fits_one_segment
from sms.tickets import TICKET
from webapp.extensions import db
from webapp.intake import commands
from webapp.intake import ingest as intake
from webapp.intake.ingest import InboundMessage, ingest
from webapp.messaging.notices import tell_new_incidents
from webapp.models import Incident, IncidentEvent, Report, Reporter

WINONGAN = "35.14.19"
T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
_ids = itertools.count(1)


def sms(text, phone="+6281234567890", kecamatan=WINONGAN, at=T0, external_id=None):
    message = InboundMessage("sms", external_id or f"m{next(_ids)}", text, kecamatan, phone, at)
    result = ingest(message)
    assert result.reply is None or fits_one_segment(result.reply), result.reply
    return result


def report(result) -> Report:
    return db.session.get(Report, result.report_id)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_report_opens_an_incident_with_a_ticket(ctx):
    result = sms("banjir di sumberejo 12 rmh terendam")
    stored = report(result)
    incident = stored.incident
    assert TICKET.match(incident.ticket)
    assert (incident.hazard, incident.desa_code, incident.status) == ("banjir", stored.desa_code, "baru")
    assert incident.rumah_terendam == 12 and incident.opened_at == T0
    assert stored.raw_text == "banjir di sumberejo 12 rmh terendam" and stored.reporter.phone == "+6281234567890"
    assert result.reply.startswith(f"Laporan banjir di Desa Sumberrejo diterima. Tiket: {incident.ticket}.")
    assert [e.kind for e in incident.events] == ["opened"] and incident.desk_untold  # the worker tells the desk
    # nobody at the desk (no push, no on-duty phone) nor at the kabupaten could be told: the timeline says so
    assert tell_new_incidents() == 1 and tell_new_incidents() == 0
    db.session.expire_all()
    assert [e.kind for e in incident.events] == ["opened", "unreached"] and not incident.desk_untold


def test_reports_of_the_same_hazard_and_desa_join_the_open_incident(ctx):
    first = report(sms("banjir di sumberejo 12 rmh terendam"))
    second = report(sms("banjir lagi sumber rejo, 30 rumah terendam 2 org luka", phone="+6281111111111",
                        at=T0 + timedelta(hours=23)))  # fmt: skip
    assert second.incident_id == first.incident_id
    incident = second.incident
    assert (incident.rumah_terendam, incident.luka) == (30, 2)  # the highest figure reported, not the sum
    assert incident.last_report_at == T0 + timedelta(hours=23)
    assert [e.kind for e in incident.events] == ["opened", "report"]
    third = report(sms("banjir di sumberrejo", at=T0 + timedelta(hours=23 + 23.5)))
    assert third.incident_id == first.incident_id  # the window runs from the latest report
    fourth = report(sms("banjir di sumberrejo", at=T0 + timedelta(hours=23 + 23.5 + 24.5)))
    assert fourth.incident_id != first.incident_id
    assert count(Incident) == 2


def test_outside_the_window_or_another_hazard_or_desa_opens_a_new_incident(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "INCIDENT_MERGE_HOURS", 6)
    first = report(sms("banjir di gading"))
    assert report(sms("banjir di gading", at=T0 + timedelta(hours=7))).incident_id != first.incident_id
    assert report(sms("longsor di gading")).incident_id != first.incident_id
    assert report(sms("banjir di prodo")).incident_id != first.incident_id
    assert count(Incident) == 4


def test_a_closed_incident_is_not_reopened(ctx):
    first = report(sms("banjir di gading"))
    first.incident.status = "selesai"
    db.session.commit()
    assert report(sms("banjir di gading", at=T0 + timedelta(hours=1))).incident_id != first.incident_id


def test_an_unclassifiable_message_is_kept_for_triage(ctx):
    result = sms("pak tolong kami")
    stored = report(result)
    assert stored.hazard is None and stored.incident.hazard is None
    assert "Mohon kirim lagi dgn jenis bencana & desa" in result.reply and stored.incident.ticket in result.reply


def test_a_hazard_without_a_desa_asks_for_the_desa(ctx):
    result = sms("banjir di winongan")  # Winongan Kidul or Lor: not guessed
    stored = report(result)
    assert stored.desa_code is None and stored.incident.desa_code is None
    ticket = stored.incident.ticket
    assert (
        result.reply
        == f"Laporan banjir diterima, tiket {ticket}. Di desa mana? Balas nama desanya saja, contoh: Bandaran"
    )
    assert stored.question == "desa"
    assert report(sms("banjir di winongan")).incident_id != stored.incident_id  # no desa: never merged


def test_registered_desa_is_the_fallback_only_in_its_own_kecamatan(ctx):
    sms("DAFTAR Budi Santoso Gading", phone="+6282233445566")
    reporter = db.session.scalar(select(Reporter).where(Reporter.phone == "+6282233445566"))
    assert (reporter.name, reporter.desa_code) == ("Budi Santoso", desa_code(WINONGAN, "Gading"))
    assert report(sms("longsor pak", phone="+6282233445566")).desa_code == reporter.desa_code
    assert report(sms("longsor pak", phone="+6282233445566", kecamatan="35.14.23")).desa_code is None


def test_a_repeat_delivery_stores_nothing_and_answers_the_same(ctx):
    first = sms("banjir di prodo", external_id="SM-same")
    again = sms("banjir di prodo", external_id="SM-same")
    assert again.duplicate and not first.duplicate
    assert (again.report_id, again.reply) == (first.report_id, first.reply)
    assert count(Report) == 1 and count(IncidentEvent) == 1  # "opened"
    assert tell_new_incidents() == 1 and count(IncidentEvent) == 2  # and "unreached": nobody to tell, once


def test_a_failure_while_understanding_keeps_the_report(ctx, monkeypatch):
    def broken(*_args):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(intake, "parse", broken)
    result = sms("banjir di prodo")
    stored = report(result)
    assert stored.raw_text == "banjir di prodo" and stored.incident_id is None
    assert result.reply is None and count(Incident) == 0


def test_cek_answers_reporters_and_officials_only(ctx, make_user):
    ticket = report(sms("banjir di prodo", phone="+6281234567890")).incident.ticket
    own = sms(f"CEK {ticket.lower()}", phone="+6281234567890").reply
    assert own == f"Tiket {ticket} (banjir, Desa Prodo): diterima, menunggu verifikasi."
    stranger = sms(f"cek {ticket}", phone="+6289876543210").reply
    assert stranger == f"Tiket {ticket} tidak ditemukan, atau tidak dapat dicek dari nomor ini. Format: CEK <tiket>"
    assert stranger == commands.check("ZZZZZ", "+6289900000000", None).replace("ZZZZZ", ticket)  # no such ticket
    make_user("kecamatan_staff", WINONGAN, phone="081355557777")
    make_user("kecamatan_staff", "35.14.23", phone="081355558888")
    assert sms(f"CEK {ticket}", phone="+6281355557777").reply.startswith(f"Tiket {ticket} (banjir")
    assert sms(f"CEK {ticket}", phone="+6281355558888").reply.startswith(f"Tiket {ticket} tidak ditemukan")
    assert sms("CEK XXXXX").reply.startswith("Tiket XXXXX tidak ditemukan")
    assert sms("cek").reply.startswith("Format cek status")


def test_berhenti_and_mulai_opt_out_and_back_in(ctx):
    assert sms("STOP", phone="+6285700001111").reply.startswith("Anda tidak akan menerima info bencana")
    reporter = db.session.scalar(select(Reporter).where(Reporter.phone == "+6285700001111"))
    assert reporter.opted_out
    assert sms("mulai", phone="+6285700001111").reply.startswith("Anda kembali menerima")
    db.session.refresh(reporter)
    assert not reporter.opted_out


def test_bantuan_and_bad_daftar_explain_the_format(ctx):
    assert sms("?").reply.startswith("Lapor: LAPOR <JENIS> <DESA>")
    assert sms("daftar joko").reply == "Format daftar: DAFTAR <nama> <desa>. Contoh: DAFTAR Siti BANDARAN"
    assert count(Incident) == 0  # commands open no incident


def test_a_limited_sender_is_stored_told_once_then_silent(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_RATE_LIMIT", "1/minute")
    first, second, third = (
        ingest(InboundMessage("sms", f"lim-{n}", "banjir di prodo", WINONGAN, "+6285711112222", T0), rate_limited=True)
        for n in range(3)
    )
    assert first.reply.startswith("Laporan banjir di Desa Prodo")
    assert second.reply.startswith("Terlalu banyak pesan") and third.reply is None
    assert count(Report) == 3 and count(Incident) == 1  # the limited ones are kept, not acted on


def test_repeated_deliveries_of_one_message_do_not_count_toward_the_limit(app, ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_RATE_LIMIT", "3/minute")
    message = InboundMessage("sms", "retried-1", "banjir di prodo", WINONGAN, "+6285711113333", T0)
    replies = {ingest(message, rate_limited=True).reply for _ in range(7)}  # the first delivery and six retries
    assert len(replies) == 1 and replies.pop().startswith("Laporan banjir di Desa Prodo")
    fresh = ingest(InboundMessage("sms", "retried-2", "banjir di prodo", WINONGAN, "+6285711113333", T0), True)
    assert fresh.reply.startswith("Laporan banjir di Desa Prodo")  # only 2 of the 3 allowed are used


@pytest.mark.parametrize("text", ["", " ", "\u0000", "🌊" * 500, "(JB)(LOK)(MGL)"])
def test_odd_texts_are_stored_and_answered(ctx, text):
    result = sms(text)
    assert report(result).raw_text == text.replace("\u0000", "\ufffd")  # PostgreSQL text cannot hold NUL


def test_the_desa_matcher_follows_renamed_desa(ctx):
    from webapp.models import Region

    assert report(sms("banjir di gading")).desa_code == desa_code(WINONGAN, "Gading")
    region = db.session.get(Region, desa_code(WINONGAN, "Gading"))
    region.name = "Gading Baru"  # a later Kepmendagri renames it; `flask regions load` applies that
    db.session.commit()
    try:
        assert report(sms("banjir di gading baru")).desa_code == region.code
    finally:
        region.name = "Gading"
        db.session.commit()


def test_the_answer_to_the_question_completes_the_same_report_exactly_once(ctx):
    first = sms("banjir, air sudah masuk rumah warga", at=T0)
    asking = report(first)
    ticket = asking.incident.ticket
    answer = sms("gading", at=T0 + timedelta(minutes=10), external_id="jawab-1")
    again = sms("gading", at=T0 + timedelta(minutes=10), external_id="jawab-1")  # the gateway's retry
    assert again.duplicate and again.reply == answer.reply
    assert answer.reply.startswith(f"Laporan banjir di Desa Gading diterima. Tiket: {ticket}.")
    db.session.expire_all()
    asking, reply = report(first), report(answer)
    gading = desa_code(WINONGAN, "Gading")
    assert (asking.desa_code, asking.incident.desa_code) == (gading, gading) and asking.answered_at is not None
    assert (reply.command, reply.answers_report_id, reply.incident_id) == ("jawab", asking.id, asking.incident_id)
    assert count(Incident) == 1
    assert [e.kind for e in asking.incident.events] == ["opened", "answered"]
    later = report(sms("di gading juga", at=T0 + timedelta(minutes=12)))  # no question open any more
    assert later.answers_report_id is None


def test_a_desa_without_a_hazard_asks_what_happened_and_whatsapp_answers(ctx):
    first = ingest(InboundMessage("whatsapp", "wa-1", "tolong pak di desa prodo", WINONGAN, "+6281299990000", T0))
    asking = report(first)
    assert asking.question == "hazard" and "Kejadian apa? Balas satu kata" in first.reply
    answer = ingest(
        InboundMessage("whatsapp", "wa-2", "longsor", WINONGAN, "+6281299990000", T0 + timedelta(minutes=5))
    )
    db.session.expire_all()
    asking = report(first)
    assert asking.hazard == "tanah_longsor" and asking.incident.hazard == "tanah_longsor"
    assert answer.reply.startswith("Laporan tanah longsor di Desa Prodo diterima.")


def test_a_late_answer_or_a_new_report_is_not_taken_for_an_answer(ctx):
    asking = report(sms("banjir air masuk rumah", at=T0))
    late = report(sms("gading", at=T0 + timedelta(minutes=31)))
    assert late.answers_report_id is None  # asked 31 minutes before: too late
    other = report(sms("kebakaran di prodo", at=T0 + timedelta(minutes=1), phone="+6281234567890"))
    assert other.answers_report_id is None and other.incident_id != asking.incident_id
    db.session.expire_all()
    assert report_by(asking.id).answered_at is None


def report_by(report_id: int) -> Report:
    return db.session.get(Report, report_id)


def test_a_message_in_a_language_nobody_listed_still_gets_a_ticket_and_waits_for_a_person(ctx):
    result = sms("Mae mai, ua lofia le nuu i le vai", at=T0)  # Samoan: no lexicon reads it
    stored = report(result)
    assert stored.raw_text == "Mae mai, ua lofia le nuu i le vai" and stored.hazard is None
    assert stored.incident.ticket in result.reply and stored.incident.status == "baru"
    assert stored.question is None  # nothing to ask one question about: a person reads it
