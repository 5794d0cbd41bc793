"""The triage workspace over HTTP: list, filters, live refresh, incident page, actions, permissions."""

import gzip
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from conftest import csrf_token, signed_in, tickets_in
from webapp.extensions import db
from webapp.models import Incident, IncidentEvent, utcnow

WINONGAN, REJOSO = "35.14.19", "35.14.23"
HX = {"HX-Request": "true"}


# --- The list ---------------------------------------------------------------------------------------------------


def test_most_urgent_first(app, make_user, make_incident):
    start = datetime(2026, 11, 1, tzinfo=UTC)
    old_small = make_incident(WINONGAN, "Gading", opened_at=start, terdampak=5)
    new_big = make_incident(WINONGAN, "Prodo", opened_at=start + timedelta(hours=5), mengungsi=300)
    severe = make_incident(WINONGAN, "Lebak", opened_at=start + timedelta(hours=9))
    severe.severity = 3
    done = make_incident(WINONGAN, "Sruwi", opened_at=start - timedelta(days=1), meninggal=2)
    done.status = "selesai"
    verified = make_incident(WINONGAN, "Kandung", opened_at=start)
    verified.status = "diverifikasi"
    db.session.commit()
    html = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/incidents").get_data(as_text=True)
    expected = [new_big, old_small, severe, verified, done]  # the table in test_urgency.py says why
    assert tickets_in(html) == [i.ticket for i in expected]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=aktif", {"gading", "prodo", "lebak_wa"}),
        ("status=selesai", {"sruwi"}),
        ("hazard=tanah_longsor", {"prodo"}),
        ("hazard=belum", set()),
        ("channel=whatsapp", {"lebak_wa"}),
        ("period=24j", {"gading", "lebak_wa"}),
        ("q=sumur", {"sruwi"}),
        ("q=SUMUR+warga&status=selesai", set()),
    ],
)
def test_filters_work_as_plain_get_parameters(app, make_user, make_incident, query, expected):
    now = utcnow()
    made = {
        "gading": make_incident(WINONGAN, "Gading", opened_at=now - timedelta(hours=2)),
        "prodo": make_incident(WINONGAN, "Prodo", hazard="tanah_longsor", opened_at=now - timedelta(days=3)),
        "sruwi": make_incident(WINONGAN, "Sruwi", hazard="kekeringan", opened_at=now - timedelta(days=3)),
        "lebak_wa": make_incident(WINONGAN, "Lebak", opened_at=now - timedelta(hours=1)),
    }
    for incident in made.values():
        incident.last_report_at = incident.opened_at
    made["sruwi"].status = "selesai"
    made["sruwi"].reports[0].raw_text = "sumur kering di sruwi"
    made["lebak_wa"].reports[0].channel = "whatsapp"
    db.session.commit()
    page = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get(f"/incidents?{query}")
    assert page.status_code == 200
    assert set(tickets_in(page.get_data(as_text=True))) == {made[n].ticket for n in expected}


def test_desa_filter_and_its_choices(app, make_user, make_incident):
    gading = make_incident(WINONGAN, "Gading")
    make_incident(WINONGAN, "Prodo")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    html = client.get("/incidents").get_data(as_text=True)
    assert html.count('<option value="35.14.19.') == 18  # every desa of Winongan
    assert tickets_in(client.get(f"/incidents?desa={gading.desa_code}").get_data(as_text=True)) == [gading.ticket]


@pytest.mark.parametrize(
    "query", ["status=hilang", "hazard=zombie", "channel=pos", "period=1thn", "desa=abc", "page=0"]
)
def test_bad_filters_are_a_clear_400(app, make_user, query):
    page = signed_in(app, make_user("admin")).get(f"/incidents?{query}")
    assert page.status_code == 400
    assert (
        "tidak dikenal" in page.get_data(as_text=True)
        or "tidak sah" in page.get_data(as_text=True)
        or ("bilangan bulat" in page.get_data(as_text=True))
    )


def test_htmx_gets_only_the_list_fragment(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    fragment = client.get("/incidents?status=aktif", headers={**HX, "HX-Target": "incident-list"})
    html = fragment.get_data(as_text=True)
    assert html.startswith('<section id="incident-list"') and "<html" not in html
    assert incident.ticket in html and 'hx-trigger="every 30s"' in html


def test_live_refresh_sends_nothing_when_nothing_changed(app, make_user, make_incident):
    make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    first = client.get("/incidents?status=aktif")
    version = re.search(r'"v": "([0-9a-f]+)"', first.get_data(as_text=True)).group(1)
    poll = {**HX, "HX-Target": "incident-list"}
    unchanged = client.get(f"/incidents?status=aktif&v={version}", headers=poll)
    assert unchanged.status_code == 204 and unchanged.data == b""
    etag = first.headers["ETag"]
    assert client.get("/incidents?status=aktif", headers={"If-None-Match": etag}).status_code == 304
    client.get("/bahasa/en")  # typed in the address bar: the next visit must not be answered from the cache
    english = client.get("/incidents?status=aktif", headers={"If-None-Match": etag})
    assert english.status_code == 200 and "Incidents" in english.get_data(as_text=True)

    new = make_incident(WINONGAN, "Prodo")  # a new report arrives
    changed = client.get(f"/incidents?status=aktif&v={version}", headers=poll)
    assert changed.status_code == 200 and new.ticket in changed.get_data(as_text=True)


def test_list_query_count_does_not_grow_with_page_size(app, make_user, make_incident):
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    statements = []

    def count(*_args):
        statements.append(1)

    client.get("/incidents")  # the first visit also records it; every later one counts new items in the menu

    def queries_for(n_incidents):
        while db.session.scalar(select(db.func.count()).select_from(Incident)) < n_incidents:
            make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222"))
        statements.clear()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/incidents").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    assert queries_for(2) == queries_for(25)


def test_list_page_is_small(app, make_user, make_incident):
    for _ in range(25):
        make_incident(WINONGAN, "Gading", mengungsi=10)
    page = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/incidents")
    assert len(gzip.compress(page.data)) < 14 * 1024


# --- The incident page and its actions ----------------------------------------------------------------------------


def test_incident_page_shows_reports_counts_timeline_and_masked_numbers(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111",), rumah_terendam=12)
    db.session.add(IncidentEvent(incident=incident, kind="opened", report_id=incident.reports[0].id))
    db.session.commit()
    for user in (make_user("kecamatan_staff", WINONGAN), make_user("desa_official", WINONGAN, desa="Gading")):
        page = signed_in(app, user).get(f"/incidents/{incident.id}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and incident.ticket in html
        assert "banjir di Gading" in html and "+62811****1111" in html and "+6281111111111" not in html
        assert "Rumah terendam" in html and "Insiden dibuka dari laporan" in html
        assert ("tampilkan nomor" in html) == (user.role == "kecamatan_staff")
        assert len(gzip.compress(page.data)) < 14 * 1024


def test_action_with_htmx_returns_only_the_changed_fragment(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{incident.id}")
    response = client.post(f"/incidents/{incident.id}/status", data={"status": "diverifikasi"},
                           headers={**HX, "X-CSRFToken": token})  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.startswith('<section id="summary"') and "Diverifikasi" in html
    assert 'id="timeline" class="card" hx-swap-oob="true"' in html and "Baru → Diverifikasi" in html


def test_action_without_javascript_redirects_back_with_a_message(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{incident.id}")
    response = client.post(f"/incidents/{incident.id}/notes", data={"note": "air mulai surut", "csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == f"/incidents/{incident.id}"
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "Catatan ditambahkan." in page and "air mulai surut" in page


def test_refused_action_says_why(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{incident.id}")
    response = client.post(f"/incidents/{incident.id}/status", data={"status": "selesai"},
                           headers={**HX, "X-CSRFToken": token})  # fmt: skip
    assert response.status_code == 422
    assert "Status tidak dapat diubah dari baru ke selesai." in response.get_data(as_text=True)
    response = client.post(f"/incidents/{incident.id}/counts", data={"luka": "dua", "csrf_token": token})
    assert response.status_code == 303
    assert "harus angka" in client.get(f"/incidents/{incident.id}").get_data(as_text=True)


def test_actions_need_a_csrf_token(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    assert client.post(f"/incidents/{incident.id}/status", data={"status": "diverifikasi"}).status_code == 400
    db.session.refresh(incident)
    assert incident.status == "baru"


def test_merge_redirects_to_the_target(app, make_user, make_incident):
    source, target = make_incident(WINONGAN, "Gading"), make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{source.id}")
    asked = client.post(
        f"/incidents/{source.id}/merge", data={"ticket": target.ticket}, headers={**HX, "X-CSRFToken": token}
    )
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and 'id="summary"' in page and target.ticket in page and "Ya, lanjutkan" in page
    assert db.session.get(Incident, source.id).status == "baru"  # nothing merged before the answer
    response = client.post(f"/incidents/{source.id}/merge", data={"ticket": target.ticket, "confirm": "1"},
                           headers={**HX, "X-CSRFToken": token})  # fmt: skip
    assert response.status_code == 204 and response.headers["HX-Redirect"] == f"/incidents/{target.id}"


def test_merging_different_desa_shows_both_side_by_side_without_javascript(app, make_user, make_incident):
    gading, prodo = make_incident(WINONGAN, "Gading", luka=2), make_incident(WINONGAN, "Prodo", mengungsi=30)
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{gading.id}")
    page = client.post(f"/incidents/{gading.id}/merge", data={"ticket": prodo.ticket, "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "berbeda" in html
    assert all(text in html for text in ("Gading", "Prodo", gading.ticket, prodo.ticket, ">30<", ">2<"))
    done = client.post(
        f"/incidents/{gading.id}/merge", data={"ticket": prodo.ticket, "confirm": "1", "csrf_token": token}
    )
    assert done.status_code == 303 and done.location.endswith(f"/incidents/{prodo.id}")


def test_reveal_returns_the_number_and_logs_it(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111",))
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{incident.id}")
    response = client.post(f"/reports/{incident.reports[0].id}/phone", headers={**HX, "X-CSRFToken": token})
    assert response.get_data(as_text=True).strip() == f'<span id="phone-{incident.reports[0].id}">+6281111111111</span>'
    assert "Nomor pelapor laporan" in client.get(f"/incidents/{incident.id}").get_data(as_text=True)


def test_unknown_incident_is_404(app, make_user):
    client = signed_in(app, make_user("admin"))
    assert client.get("/incidents/999999").status_code == 404
    token = csrf_token(client, "/incidents")
    assert client.post("/incidents/999999/notes", data={"note": "x", "csrf_token": token}).status_code == 404
