"""The incident list and the API read what a card shows in a fixed number of SQL statements, for every role that
reads them: 3 incidents or 30 (more than a page), each with everything a card can show (a handover, an urgent
need, figures waiting for a decision, a person's last action), cost the same statements."""

import pytest
from sqlalchemy import event, select

from conftest import signed_in
from webapp.accounts import issue_api_token
from webapp.extensions import db
from webapp.models import Agency, FigureProposal, Handover, Incident, IncidentEvent, Need

WINONGAN = "35.14.19"
ROLES = (("kecamatan_staff", WINONGAN), ("kabupaten_staff", "35.14"), ("admin", None))


def _statements(app, client, path: str, headers=None) -> tuple[int, str]:
    sent = []

    def count(conn, cursor, statement, *_args):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(sent), response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "region"), ROLES)
def test_list_and_api_cost_the_same_statements_for_3_incidents_as_for_30(app, make_user, make_incident, role, region):
    agency = Agency(name="Damkar Pasuruan")
    db.session.add(agency)
    db.session.commit()
    user = make_user(role, region)
    client = signed_in(app, user)
    bearer = {"Authorization": f"Bearer {issue_api_token(user)}"}
    client.get("/incidents")  # the first visit records it; every later one counts what is new in the menu
    actor = make_user("kecamatan_staff", WINONGAN)

    def statements_with(n: int) -> tuple[int, int]:
        while db.session.scalar(select(db.func.count()).select_from(Incident)) < n:
            incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222"), mengungsi=4)
            db.session.add_all([
                Handover(incident_id=incident.id, agency_id=agency.id),
                Need(kecamatan_code=WINONGAN, desa_code=incident.desa_code, incident_id=incident.id, item="air_bersih"),
                FigureProposal(incident_id=incident.id, counts={"meninggal": 1}, before={"meninggal": None}),
                IncidentEvent(incident_id=incident.id, kind="note", actor_id=actor.id, note="dicek"),
            ])  # fmt: skip
            db.session.commit()
        listed, html = _statements(app, client, "/incidents")
        assert html.count('<li class="card') == min(n, 25)
        assert "Damkar Pasuruan" in html and "perlu diputuskan" in html and "tindakan terakhir" in html
        api, body = _statements(app, client, "/api/incidents?per_page=50", bearer)
        assert body.count('"ticket"') == n
        return listed, api

    assert statements_with(3) == statements_with(30)
