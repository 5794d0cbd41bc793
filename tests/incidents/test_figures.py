"""Figures with an owner: once staff corrected, verified and published a flood, a rumour SMS proposes figures and
changes nothing that is printed, published or exported until a person accepts it; unknown is never 0."""

import re
from datetime import timedelta

from conftest import csrf_token, signed_in
from webapp.extensions import db
from webapp.incidents import actions, figures, merging
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import FigureProposal, Incident, IncidentEvent, Report, utcnow
from webapp.public.service import incident_share_text

WINONGAN = "35.14.19"


def _sms(text, phone, minutes=0, external_id=None):
    at = utcnow() + timedelta(minutes=minutes)
    return ingest(InboundMessage("sms", external_id or f"{phone}-{minutes}", text, WINONGAN, phone, at))


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _printed(client, incident) -> dict[str, str]:
    """What citizens, the camat's printouts and the exports say right now."""
    return {
        "public": _text(client.get(f"/publik/insiden/{incident.id}").get_data(as_text=True)),
        "atom": client.get(f"/kecamatan/{WINONGAN}/feed.atom").get_data(as_text=True),
        "share": incident_share_text(db.session.get(Incident, incident.id)),
        "b1": _text(client.get(f"/incidents/{incident.id}/b1").get_data(as_text=True).split('id="b1-form"')[0]),
        "recap": client.get("/dashboard/recap.csv").get_data(as_text=True),
    }


def test_a_rumour_proposes_figures_and_changes_nothing_until_a_person_accepts(app, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    first = _sms("banjir di prodo 5 org meninggal", "+6281230001111")
    incident = db.session.get(Report, first.report_id).incident
    client = signed_in(app, staff)

    def post(path, **form):
        token = csrf_token(client, f"/incidents/{incident.id}")
        return client.post(path, data={"csrf_token": token, **form})

    assert post(f"/incidents/{incident.id}/counts", meninggal="3", hilang="4",
                note="dicek kades lewat telepon").status_code == 303  # fmt: skip
    assert post(f"/incidents/{incident.id}/status", status="diverifikasi").status_code == 303
    assert post(f"/incidents/{incident.id}/publikasi", summary="Banjir di Prodo, warga mengungsi.").status_code == 303
    db.session.expire_all()
    before = _printed(client, incident)
    assert "Meninggal: 3" in before["public"] and "3 meninggal, 4 hilang" in before["share"]

    rumour = _sms("banjir prodo 10 org meninggal, 7 hilang", "+6289999990001", minutes=1)
    prank = _sms("banjir prodo 800000 meninggal", "+6289999990002", minutes=2)
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert (incident.meninggal, incident.hilang, incident.status) == (3, 4, "diverifikasi")
    assert db.session.get(Report, rumour.report_id).incident_id == incident.id  # the report is kept, in the incident
    after = _printed(client, incident)
    for where in ("public", "share", "b1"):
        assert "10" not in after[where].split("Laporan")[0] and "800" not in after[where], where
    assert after["atom"] == before["atom"] and after["recap"] == before["recap"]
    assert "Meninggal 3" in after["b1"] and "Meninggal: 3" in after["public"]

    page = _text(client.get(f"/incidents/{incident.id}").get_data(as_text=True))
    assert f"Laporan #{rumour.report_id} menyebut 10 meninggal (sebelumnya 3), 7 hilang (sebelumnya 4)" in page
    assert "dikoreksi Kecamatan Staff" in page  # where the 3 came from
    listing = client.get("/incidents").get_data(as_text=True)
    assert "Laporan baru mengusulkan angka lain: perlu diputuskan" in listing

    proposals = {p.report_id: p for p in db.session.query(FigureProposal).all()}
    assert post(f"/incidents/{incident.id}/figures/{proposals[prank.report_id].id}",
                keputusan="abaikan").status_code == 303  # fmt: skip
    assert post(f"/incidents/{incident.id}/figures/{proposals[rumour.report_id].id}",
                keputusan="terima").status_code == 303  # fmt: skip
    db.session.expire_all()
    incident = db.session.get(Incident, incident.id)
    assert (incident.meninggal, incident.hilang) == (10, 7)
    accepted = _printed(client, incident)
    assert "Meninggal: 10" in accepted["public"] and "10 meninggal, 7 hilang" in accepted["share"]
    assert "Meninggal 10" in accepted["b1"] and "Hilang 7" in accepted["b1"]
    assert accepted["atom"] != before["atom"] and ",10,7," in accepted["recap"]
    assert "800000" not in accepted["public"] + accepted["b1"] + accepted["recap"]
    event = db.session.query(IncidentEvent).filter_by(incident_id=incident.id, kind="figures_accepted").one()
    assert event.actor_id == staff.id and event.data["new"] == {"meninggal": 10, "hilang": 7}
    page = _text(client.get(f"/incidents/{incident.id}").get_data(as_text=True))
    assert "Angka baru diterima: 10 meninggal (sebelumnya 3), 7 hilang (sebelumnya 4)" in page
    assert "diterima Kecamatan Staff" in page and "perlu diputuskan" not in client.get("/incidents").get_data(
        as_text=True
    )


def test_until_a_person_acts_the_figures_follow_the_reports(make_incident):
    incident = make_incident(WINONGAN, "Prodo", meninggal=1)
    assert not incident.figures_owned
    _sms("banjir di prodo 2 org meninggal", "+6281230002222")
    db.session.expire_all()
    assert db.session.get(Incident, incident.id).meninggal == 2
    assert db.session.query(FigureProposal).count() == 0


def test_a_proposal_is_decided_once_and_only_by_who_may_correct(make_incident, make_user):
    incident = make_incident(WINONGAN, "Prodo", meninggal=1)
    staff = make_user("kecamatan_staff", WINONGAN)
    actions.change_status(incident, staff, "diverifikasi")
    proposal = figures.propose(incident, {"meninggal": 4})
    db.session.commit()
    official = make_user("desa_official", WINONGAN, desa="Prodo")
    try:
        actions.decide_figures(proposal, official, accept=True)
    except actions.ActionError:
        db.session.rollback()
    assert db.session.get(Incident, incident.id).meninggal == 1
    actions.decide_figures(proposal, staff, accept=True)
    try:
        actions.decide_figures(proposal, staff, accept=False)
        raise AssertionError("decided twice")
    except actions.ActionError as exc:
        assert "sudah diputuskan" in str(exc)


def test_a_merge_into_an_owned_incident_proposes_and_the_undo_takes_it_back(make_incident, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    target = make_incident(WINONGAN, "Prodo", meninggal=1)
    actions.change_status(target, staff, "diverifikasi")
    source = make_incident(WINONGAN, "Prodo", meninggal=6, mengungsi=30)
    merging.merge(source, staff, target.ticket)
    assert (target.meninggal, target.mengungsi) == (1, None)
    proposal = db.session.query(FigureProposal).filter_by(incident_id=target.id).one()
    assert proposal.counts == {"meninggal": 6, "mengungsi": 30} and proposal.source_ticket == source.ticket
    merging.unmerge(source, staff)
    assert db.session.get(FigureProposal, proposal.id).status == "diabaikan"
    assert (source.meninggal, source.mengungsi) == (6, 30)


def test_unknown_is_not_zero_in_a_correction(make_incident, make_user, app):
    incident = make_incident(WINONGAN, "Prodo", mengungsi=40)
    staff = make_user("kecamatan_staff", WINONGAN)
    actions.correct_counts(incident, staff, {"meninggal": 0, "mengungsi": 40, "hilang": None})
    assert (incident.meninggal, incident.hilang, incident.mengungsi) == (0, None, 40)
    b1 = _text(signed_in(app, staff).get(f"/incidents/{incident.id}/b1").get_data(as_text=True))
    assert "Meninggal 0" in b1 and "Hilang –" in b1 and "/ – KK" in b1


def test_a_correction_sets_a_waiting_proposal_against_the_new_figures_and_it_never_lowers_them(
    make_incident, make_user
):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Prodo", meninggal=10)
    actions.change_status(incident, staff, "diverifikasi")
    proposal = figures.propose(incident, {"meninggal": 14, "hilang": 2})
    db.session.commit()
    actions.correct_counts(incident, staff, {"meninggal": 20})
    assert (proposal.counts, proposal.before) == ({"hilang": 2}, {"hilang": None})  # 14 is below the 20 now
    actions.decide_figures(proposal, staff, accept=True)
    assert (incident.meninggal, incident.hilang) == (20, 2)
