"""What every page carries for every hand and every ear, and what it spares a weak link: a skip link first, one
live region outside the content, labelled menus, scripts only where they are used, a description for search."""

import re

from conftest import login
from webapp.extensions import db
from webapp.public.service import publish_incident

WINONGAN = "35.14.19"


def _scripts(html: str) -> set[str]:
    return {re.sub(r"-[\d.]+(\.min)?\.js$", "", name) for name in re.findall(r'src="/static/([\w/.-]+\.js)\?v=', html)}


def test_sign_in_loads_no_htmx_and_starts_with_a_skip_link_to_main(client):
    html = client.get("/login").get_data(as_text=True)
    assert _scripts(html) == {"app.js"}  # no htmx, no outbox, no map: nothing on this page swaps or waits offline
    body = html.split("<body", 1)[1]
    assert re.search(r'<a class="skip" href="#main">', body).start() < body.index("<header")
    assert '<main id="main"' in html
    assert body.index('id="announcer"') > body.index("</main>")  # outside every swapped fragment
    assert re.search(r'<meta name="description" content="[^"]{40,}">', html)


def test_pages_that_swap_load_htmx_and_those_that_do_not_leave_it(client, make_user):
    login(client, make_user("kecamatan_staff", WINONGAN).email)
    incidents = client.get("/incidents").get_data(as_text=True)
    assert "vendor/htmx" in _scripts(incidents) and "outbox.js" not in _scripts(incidents)
    assert re.search(r'<nav aria-label="[^"]+">', incidents)  # the menu is a named landmark
    assert '<meta name="description"' not in incidents  # signed-in pages are not for search engines
    report = client.get("/reports/new").get_data(as_text=True)
    assert _scripts(report) == {"app.js", "outbox.js"}


def test_an_incident_action_answers_with_its_outcome_marked_for_the_live_region(client, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    login(client, staff.email)
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/incidents/{incident.id}/status", data={"status": "diverifikasi", "csrf_token": token},
                           headers={"HX-Request": "true", "HX-Target": "summary"})  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'<p class="flash info" data-announce="focus" tabindex="-1">Status diperbarui\.</p>', html)


def test_public_pages_describe_themselves_in_bahasa_and_skip_no_heading_level(client, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading", meninggal=1)
    incident.status = "diverifikasi"
    db.session.flush()
    publish_incident(incident, staff, "Posko di balai desa.")
    db.session.commit()
    page = client.get(f"/kecamatan/{WINONGAN}").get_data(as_text=True)
    assert re.search(r'<meta name="description" content="Informasi resmi kebencanaan Kecamatan Winongan[^"]*">', page)
    assert "vendor/htmx" not in _scripts(page)
    item = client.get(f"/publik/insiden/{incident.id}").get_data(as_text=True)
    levels = [int(level) for level in re.findall(r"<h([1-6])", item.split("<main", 1)[1])]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert item.count('<meta name="description"') == 1 and "+62" not in item
