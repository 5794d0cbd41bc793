"""A merged incident's old ticket keeps working for its reporters, and they are told the ticket that holds their
report now: once, in one segment, through the outbound queue."""

import itertools
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sms.gsm import encoding_of
from webapp.extensions import db
from webapp.incidents import merging
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import OutboundMessage, Report

WINONGAN = "35.14.19"
T0 = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
FIRST, SECOND, STRANGER = "+6281234567890", "+6281111111111", "+6289876543210"
_ids = itertools.count(1)


def sms(text, phone, at=T0):
    return ingest(InboundMessage("sms", f"merged-{next(_ids)}", text, WINONGAN, phone, at))


def incident_of(result):
    return db.session.get(Report, result.report_id).incident


def told(phone: str) -> list[str]:
    rows = db.session.scalars(select(OutboundMessage).where(OutboundMessage.to_phone == phone,
                                                            OutboundMessage.purpose == "notify"))  # fmt: skip
    return [row.body for row in rows]


def two_reports_of_one_flood():
    """The same flood reported twice: the second reporter named the next desa, so it opened its own incident."""
    kept = incident_of(sms("banjir di prodo air sepinggang", FIRST))
    absorbed = incident_of(sms("banjir di gading dekat prodo", SECOND, at=T0 + timedelta(minutes=20)))
    assert kept.id != absorbed.id
    return kept, absorbed


def test_cek_on_the_old_ticket_answers_with_the_incident_it_joined(ctx, make_user):
    kept, absorbed = two_reports_of_one_flood()
    merging.merge(absorbed, make_user("kecamatan_staff", WINONGAN), kept.ticket)
    reply = sms(f"CEK {absorbed.ticket}", SECOND).reply
    assert reply == (f"Tiket {absorbed.ticket} digabung ke tiket {kept.ticket} (banjir, Desa Prodo): "
                     "diterima, menunggu verifikasi.")  # fmt: skip
    assert sms(f"CEK {kept.ticket}", SECOND).reply.startswith(f"Tiket {kept.ticket} (banjir, Desa Prodo)")
    # the old ticket stays the absorbed reporters' own: nobody else learns what it joined
    assert sms(f"CEK {absorbed.ticket}", FIRST).reply.startswith(f"Tiket {absorbed.ticket} tidak ditemukan")
    assert sms(f"CEK {absorbed.ticket}", STRANGER).reply.startswith(f"Tiket {absorbed.ticket} tidak ditemukan")


def test_the_absorbed_reporters_are_told_the_new_ticket_once(ctx, make_user):
    kept, absorbed = two_reports_of_one_flood()
    staff = make_user("kecamatan_staff", WINONGAN)
    merging.merge(absorbed, staff, kept.ticket)
    message = (f"Laporan Anda (tiket {absorbed.ticket}) digabung dgn laporan banjir lain di Desa Prodo. "
               f"Tiket sekarang: {kept.ticket}. Cek status: CEK {kept.ticket}")  # fmt: skip
    assert told(SECOND) == [message] and encoding_of(message).segments == 1
    assert told(FIRST) == []  # they reported to the incident that stays: its ticket is theirs already
    merging.unmerge(absorbed, staff)
    merging.merge(absorbed, staff, kept.ticket)  # undone and redone: nobody is told twice
    assert told(SECOND) == [message]


def test_a_reporter_who_sent_berhenti_is_not_told(ctx, make_user):
    kept, absorbed = two_reports_of_one_flood()
    sms("BERHENTI", SECOND)
    merging.merge(absorbed, make_user("kecamatan_staff", WINONGAN), kept.ticket)
    assert told(SECOND) == []
