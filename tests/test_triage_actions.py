"""Triage actions as services: transitions, notifications, assignments, counts, merge, split, phone reveal."""

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.incidents import actions
from webapp.incidents.actions import TRANSITIONS, ActionError, Forbidden
from webapp.models import INCIDENT_STATUSES, Agency, Incident, IncidentEvent, OutboundMessage, Reporter
from webapp.outbound import deliver_due

WINONGAN = "35.14.19"


@pytest.fixture
def staff(make_user):
    return make_user("kecamatan_staff", WINONGAN)


def events(incident, kind=None):
    rows = db.session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident.id)).all()
    return [e for e in rows if kind is None or e.kind == kind]


def sent_sms(caplog):
    deliver_due()  # what the worker would send now
    return [r.getMessage() for r in caplog.records if r.name == "tangguh.outbound"]


@pytest.mark.parametrize("old", INCIDENT_STATUSES)
@pytest.mark.parametrize("new", INCIDENT_STATUSES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(make_incident, staff, old, new):
    incident = make_incident(WINONGAN, "Gading")
    incident.status = old
    db.session.commit()
    if new in TRANSITIONS[old]:
        actions.change_status(incident, staff, new, "cek lapangan")
        assert incident.status == new
        (event,) = events(incident, "status")
        assert (event.actor_id, event.data, event.note) == (staff.id, {"old": old, "new": new}, "cek lapangan")
    else:
        with pytest.raises(ActionError, match="Status tidak dapat diubah"):
            actions.change_status(incident, staff, new)
        db.session.rollback()
        assert db.session.get(Incident, incident.id).status == old and events(incident, "status") == []


def test_reporters_are_told_when_verified_and_when_resolved(make_incident, staff, caplog):
    caplog.set_level("INFO", logger="tangguh.outbound")
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222", "+6281111111111"))
    actions.change_status(incident, staff, "diverifikasi")
    actions.change_status(incident, staff, "ditangani")
    actions.change_status(incident, staff, "selesai")
    messages = sent_sms(caplog)
    assert len(messages) == 4  # two reporters, twice; the repeated number once; nothing for "ditangani"
    assert any(m.startswith("SMS to +6281111111111") and "sudah diverifikasi kecamatan" in m for m in messages)
    assert any(m.startswith("SMS to +6282222222222") and "sudah selesai" in m for m in messages)
    assert [e.data["recipients"] for e in events(incident, "sms")] == [2, 2]


def test_notifications_skip_those_who_opted_out_and_use_whatsapp_for_whatsapp_reporters(make_incident, staff):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222", "+6283333333333"))
    quitter = db.session.scalar(select(Reporter).where(Reporter.phone == "+6282222222222"))
    quitter.opted_out = True
    incident.reports[2].channel = "whatsapp"
    db.session.commit()
    actions.change_status(incident, staff, "diverifikasi")
    (event,) = events(incident, "sms")
    assert (event.data["recipients"], event.data["opted_out"]) == (2, 1)
    queued = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.to_phone)).all()
    assert [(m.to_phone, m.channel, m.purpose) for m in queued] == [
        ("+6281111111111", "sms", "notify"), ("+6283333333333", "whatsapp", "notify"),
    ]  # fmt: skip
    assert {m.key for m in queued} == {f"notify-{event.id}-{m.reporter_id}" for m in queued}
    actions.reply_to_reporters(incident, staff, "Tim BPBD menuju lokasi.")
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 4  # a second action: new messages


def test_assign_agency_and_severity(make_incident, staff):
    incident = make_incident(WINONGAN, "Gading")
    bpbd = db.session.scalar(select(Agency).where(Agency.name == "BPBD"))
    actions.assign_agency(incident, staff, bpbd.id, "tim reaksi cepat")
    actions.set_severity(incident, staff, 3)
    assert (incident.agency.name, incident.severity) == ("BPBD", 3)
    assert [e.kind for e in events(incident)][-2:] == ["agency", "severity"]
    with pytest.raises(ActionError, match="Instansi tidak dikenal"):
        actions.assign_agency(incident, staff, 99999)
    with pytest.raises(ActionError, match="keparahan tidak dikenal"):
        actions.set_severity(incident, staff, 7)


def test_correct_counts_keeps_the_old_figures_in_the_timeline(make_incident, staff):
    incident = make_incident(WINONGAN, "Gading", rumah_terendam=12)
    actions.correct_counts(incident, staff, {"rumah_terendam": 15, "mengungsi_kk": 4}, "data kaji cepat")
    assert incident.counts == {"mengungsi_kk": 4, "rumah_terendam": 15}
    (event,) = events(incident, "counts")
    assert event.data == {"old": {"rumah_terendam": 12}, "new": {"mengungsi_kk": 4, "rumah_terendam": 15}}
    for bad in ({"rumah_terendam": -1}, {"zombie": 1}, {"luka": 2_000_000}):
        with pytest.raises(ActionError):
            actions.correct_counts(incident, staff, bad)


def test_notes_and_replies(make_incident, staff, caplog):
    caplog.set_level("INFO", logger="tangguh.outbound")
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222"))
    actions.add_note(incident, staff, "  Tim BPBD tiba pukul 10  ")
    assert events(incident, "note")[0].note == "Tim BPBD tiba pukul 10"
    with pytest.raises(ActionError, match="Catatan kosong"):
        actions.add_note(incident, staff, "   ")
    assert actions.reply_to_reporters(incident, staff, "Tim BPBD menuju lokasi. Mohon warga menjauhi sungai.") == 2
    assert len(sent_sms(caplog)) == 2
    with pytest.raises(ActionError, match="satu SMS"):
        actions.reply_to_reporters(incident, staff, "a" * 161)
    with pytest.raises(ActionError, match="satu SMS"):
        actions.reply_to_reporters(incident, staff, "Tetap tenang \U0001f64f")
    silent = make_incident(WINONGAN, "Prodo", reports=())
    with pytest.raises(ActionError, match="tidak punya pelapor"):
        actions.reply_to_reporters(silent, staff, "halo")


def test_merge_moves_reports_and_keeps_the_highest_counts(make_incident, staff):
    source = make_incident(WINONGAN, "Gading", reports=("+6281111111111",), rumah_terendam=20, luka=1)
    target = make_incident(WINONGAN, "Gading", reports=("+6282222222222",), rumah_terendam=12, luka=3)
    result = actions.merge(source, staff, target.ticket.lower(), "laporan sama")
    assert result is target
    assert (source.status, source.merged_into_id) == ("digabung", target.id)
    assert len(target.reports) == 2 and source.reports == []
    assert (target.rumah_terendam, target.luka) == (20, 3)
    assert events(source, "merge")[0].data == {"old": "baru", "into": target.ticket, "reports": 1}
    assert events(target, "merge_in")[0].data == {"source": source.ticket, "reports": 1}
    with pytest.raises(ActionError, match="sudah digabung"):
        actions.merge(source, staff, target.ticket)
    with pytest.raises(ActionError, match="dirinya sendiri"):
        actions.merge(target, staff, target.ticket)
    with pytest.raises(ActionError, match="tidak ditemukan"):
        actions.merge(target, staff, "XXXXX")


def test_merge_into_another_kecamatan_is_forbidden(make_incident, staff):
    mine = make_incident(WINONGAN, "Gading")
    theirs = make_incident("35.14.23", "Patuguran")
    with pytest.raises(Forbidden):
        actions.merge(mine, staff, theirs.ticket)
    db.session.rollback()
    assert db.session.get(Incident, mine.id).status == "baru"


def test_split_takes_a_report_into_its_own_incident(make_incident, staff):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222"))
    report = incident.reports[1]
    new = actions.split(report, staff, "kejadian berbeda")
    assert new.id != incident.id and report.incident_id == new.id
    assert (new.hazard, new.desa_code, new.status) == (incident.hazard, incident.desa_code, "baru")
    assert len(incident.reports) == 1
    assert events(incident, "split")[0].data == {"report": report.id, "into": new.ticket}
    with pytest.raises(ActionError, match="satu-satunya"):
        actions.split(incident.reports[0], staff)


def test_revealing_a_number_is_logged_and_not_for_desa_officials(make_incident, staff, make_user):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111",))
    assert actions.reveal_phone(incident.reports[0], staff) == "+6281111111111"
    assert events(incident, "reveal")[0].actor_id == staff.id
    official = make_user("desa_official", WINONGAN, desa="Gading")
    with pytest.raises(Forbidden):
        actions.reveal_phone(incident.reports[0], official)
