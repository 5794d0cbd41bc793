"""Triage actions as services: transitions, notifications, assignments, counts, merge, split, phone reveal."""

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.incidents import actions, merging
from webapp.incidents.actions import TRANSITIONS, ActionError, Forbidden, NeedsConfirmation
from webapp.models import INCIDENT_STATUSES, Agency, Incident, IncidentEvent, OutboundMessage, Reporter
from webapp.worker import send_due

WINONGAN = "35.14.19"


@pytest.fixture
def staff(make_user):
    return make_user("kecamatan_staff", WINONGAN)


def events(incident, kind=None):
    query = select(IncidentEvent).where(IncidentEvent.incident_id == incident.id).order_by(IncidentEvent.id)
    rows = db.session.scalars(query).all()  # PostgreSQL returns rows in any order without ORDER BY
    return [e for e in rows if kind is None or e.kind == kind]


def sent_sms(caplog):
    send_due()  # what the worker would send now
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


def agency(name: str) -> Agency:
    return db.session.scalar(select(Agency).where(Agency.name == name))


def test_hand_over_to_several_agencies_withdraw_and_severity(make_incident, staff):
    incident = make_incident(WINONGAN, "Gading")
    actions.hand_over(incident, staff, agency("BPBD").id, "tim reaksi cepat")
    actions.hand_over(incident, staff, agency("Puskesmas").id)
    actions.set_severity(incident, staff, 3)
    assert ([h.agency.name for h in incident.handovers], incident.severity) == (["BPBD", "Puskesmas"], 3)
    assert [e.kind for e in events(incident)][-3:] == ["agency", "agency", "severity"]
    with pytest.raises(ActionError, match="sudah diserahkan ke BPBD"):
        actions.hand_over(incident, staff, agency("BPBD").id)
    actions.withdraw_handover(incident, staff, agency("BPBD").id)
    assert [h.agency.name for h in incident.handovers] == ["Puskesmas"]
    assert events(incident, "agency")[-1].data == {"agency": "BPBD", "withdrawn": True}
    with pytest.raises(ActionError, match="tidak diserahkan"):
        actions.withdraw_handover(incident, staff, agency("BPBD").id)
    with pytest.raises(ActionError, match="Instansi tidak dikenal"):
        actions.hand_over(incident, staff, 99999)
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
    queued = actions.reply_to_reporters(incident, staff, "Tim BPBD menuju lokasi. Mohon warga menjauhi sungai.")
    assert queued == {"recipients": 2, "segments": 1, "total": 2}
    assert len(sent_sms(caplog)) == 2
    with pytest.raises(NeedsConfirmation, match="2 SMS per pelapor, dikirim utuh: 4 SMS untuk 2 pelapor"):
        actions.reply_to_reporters(incident, staff, "a" * 161, confirmed=False)
    with pytest.raises(ActionError, match="terlalu panjang: 4 SMS"):
        actions.reply_to_reporters(incident, staff, "a" * 460)
    assert actions.reply_to_reporters(incident, staff, "Tetap tenang \U0001f64f")["segments"] == 1  # UCS-2, whole
    silent = make_incident(WINONGAN, "Prodo", reports=())
    with pytest.raises(ActionError, match="tidak punya pelapor"):
        actions.reply_to_reporters(silent, staff, "halo")


def test_merge_moves_reports_and_keeps_the_highest_counts(make_incident, staff):
    source = make_incident(WINONGAN, "Gading", reports=("+6281111111111",), rumah_terendam=20, luka=1)
    target = make_incident(WINONGAN, "Gading", reports=("+6282222222222",), rumah_terendam=12, luka=3)
    result = merging.merge(source, staff, target.ticket.lower(), "laporan sama")
    assert result is target
    assert (source.status, source.merged_into_id) == ("digabung", target.id)
    assert len(target.reports) == 2 and source.reports == []
    assert (target.rumah_terendam, target.luka) == (20, 3)
    assert events(source, "merge")[0].data == {"old": "baru", "into": target.ticket, "reports": 1}
    merged = events(target, "merge_in")[0].data
    assert (merged["source"], merged["reports"], merged["taken"]) == (source.ticket, 1, {"rumah_terendam": [12, 20]})
    with pytest.raises(ActionError, match="sudah digabung"):
        merging.merge(source, staff, target.ticket)
    with pytest.raises(ActionError, match="dirinya sendiri"):
        merging.merge(target, staff, target.ticket)
    with pytest.raises(ActionError, match="tidak ditemukan"):
        merging.merge(target, staff, "XXXXX")


def test_merge_into_another_kecamatan_is_forbidden(make_incident, staff):
    mine = make_incident(WINONGAN, "Gading")
    theirs = make_incident("35.14.23", "Patuguran")
    with pytest.raises(Forbidden):
        merging.merge(mine, staff, theirs.ticket)
    db.session.rollback()
    assert db.session.get(Incident, mine.id).status == "baru"


def test_split_takes_a_report_into_its_own_incident(make_incident, staff):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222"))
    report = incident.reports[1]
    new = merging.split(report, staff, "kejadian berbeda")
    assert new.id != incident.id and report.incident_id == new.id
    assert (new.hazard, new.desa_code, new.status) == (incident.hazard, incident.desa_code, "baru")
    assert len(incident.reports) == 1
    assert events(incident, "split")[0].data == {"report": report.id, "into": new.ticket}
    with pytest.raises(ActionError, match="satu-satunya"):
        merging.split(incident.reports[0], staff)


def test_revealing_a_number_is_logged_and_not_for_desa_officials(make_incident, staff, make_user):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111",))
    assert actions.reveal_phone(incident.reports[0], staff) == "+6281111111111"
    assert events(incident, "reveal")[0].actor_id == staff.id
    official = make_user("desa_official", WINONGAN, desa="Gading")
    with pytest.raises(Forbidden):
        actions.reveal_phone(incident.reports[0], official)


def test_a_merge_keeps_verification_handovers_severity_and_counts_and_can_be_undone(make_incident, staff):
    """The 2 a.m. story: a verified incident handed to BPBD is merged into a new, unassigned one."""
    verified = make_incident(WINONGAN, "Gading", reports=("+6281111111111",), hilang=2)
    actions.change_status(verified, staff, "diverifikasi")
    actions.hand_over(verified, staff, agency("BPBD").id)
    actions.set_severity(verified, staff, 3)
    fresh = make_incident(WINONGAN, "Gading", reports=("+6282222222222",), mengungsi=40)
    actions.hand_over(fresh, staff, agency("Damkar").id)
    merging.merge(verified, staff, fresh.ticket)
    assert (fresh.status, fresh.severity, fresh.hilang, fresh.mengungsi) == ("diverifikasi", 3, 2, 40)
    assert sorted(h.agency.name for h in fresh.handovers) == ["BPBD", "Damkar"]
    taken = events(fresh, "merge_in")[0].data
    assert taken["taken"] == {"status": ["baru", "diverifikasi"], "severity": [None, 3], "hilang": [None, 2]}
    assert taken["agencies"] == ["BPBD"]

    merging.unmerge(verified, staff)
    db.session.expire_all()
    assert (verified.status, verified.merged_into_id, len(verified.reports)) == ("diverifikasi", None, 1)
    assert (fresh.status, fresh.severity, fresh.hilang, fresh.mengungsi) == ("baru", None, None, 40)
    assert [h.agency.name for h in fresh.handovers] == ["Damkar"] and len(fresh.reports) == 1
    assert events(verified, "unmerge")[0].data == {"source": fresh.ticket, "reports": 1}


def test_undo_keeps_what_people_changed_after_the_merge(make_incident, staff):
    source = make_incident(WINONGAN, "Gading", reports=("+6281111111111",), luka=5)
    target = make_incident(WINONGAN, "Gading", reports=("+6282222222222",), luka=1)
    merging.merge(source, staff, target.ticket)
    actions.correct_counts(target, staff, {"luka": 7}, "dicek di lokasi")
    merging.unmerge(source, staff)
    assert target.luka == 7  # checked on site after the merge: not undone
    with pytest.raises(ActionError, match="tidak sedang digabung"):
        merging.unmerge(source, staff)


def test_merging_across_desa_or_hazards_asks_first(make_incident, staff):
    gading = make_incident(WINONGAN, "Gading")
    prodo = make_incident(WINONGAN, "Prodo")
    with pytest.raises(actions.NeedsConfirmation, match="berbeda") as asked:
        merging.merge(gading, staff, prodo.ticket, confirmed=False)
    assert asked.value.other is prodo and gading.status == "baru"
    same = make_incident(WINONGAN, "Gading")
    with pytest.raises(actions.NeedsConfirmation, match="Gabungkan"):
        merging.merge(gading, staff, same.ticket, confirmed=False)


def test_rejecting_and_splitting_ask_first(make_incident, staff):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222"))
    with pytest.raises(actions.NeedsConfirmation, match="Tolak"):
        actions.change_status(incident, staff, "ditolak", confirmed=False)
    with pytest.raises(actions.NeedsConfirmation, match="Pisahkan"):
        merging.split(incident.reports[1], staff, confirmed=False)
    assert incident.status == "baru" and len(incident.reports) == 2


def test_nobody_verifies_their_own_report(make_incident, make_user):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    incident = make_incident(WINONGAN, "Gading")
    incident.reports[0].submitted_by_id = official.id
    db.session.commit()
    with pytest.raises(ActionError, match="sendiri"):
        actions.change_status(incident, official, "diverifikasi")
    other = make_user("desa_official", WINONGAN, desa="Gading")
    actions.change_status(incident, other, "diverifikasi")
    assert incident.status == "diverifikasi"
