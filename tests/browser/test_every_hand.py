"""Every hand and every ear, in real Chromium at 360 × 640: axe-core finds nothing serious on any page of any role,
nothing jumps once the page has loaded (not even when the notification switch appears), the incident desk works by
keyboard alone with its outcomes spoken by one live region, a refused report puts the focus on what to correct, and
the skip link reaches the content in one Tab."""

import re
from datetime import UTC, datetime

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from conftest import PASSWORD
from fakes.bmkg import DATA as BMKG_DATA
from fakes.bmkg import FIXTURE_NOW, ISO_TIME
from webapp.extensions import db
from webapp.models import Agency, Consultation, WarningDraft
from webapp.public.service import publish_incident
from webapp.setup.service import add_number
from webapp.warnings.feeds import parse_cap
from webapp.warnings.service import take_cap

from .conftest import sign_in, wait_for_service_worker_ready
from .test_desk import _every_page

WINONGAN = "35.14.19"
PHONE = {"width": 360, "height": 640}
# Layout shifts added up from the first paint, as Chromium reports them (the buffered entries included).
SHIFTS = """window.__shift = 0; window.__moved = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) {
    if (entry.hadRecentInput) { return; }
    window.__shift += entry.value;
    entry.sources.forEach(function (s) {
      var node = s.node && s.node.nodeType === 1 ? s.node.tagName + "#" + s.node.id + "." + s.node.className : "?";
      window.__moved.push(node + " " + s.previousRect.y + "->" + s.currentRect.y);
    });
  });
}).observe({ type: "layout-shift", buffered: true });"""


def _context(browser, **extra):
    context = browser.new_context(viewport=PHONE, locale="id-ID", **extra)
    context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())  # offline
    return context


def _serious(page, axe: Axe) -> list[str]:
    violations = axe.run(page).response["violations"]
    return [f"{v['id']} ({len(v['nodes'])}: {v['nodes'][0]['target']})" for v in violations
            if v["impact"] in ("serious", "critical")]  # fmt: skip


def _seed(app, make_user, make_incident):
    staff, official = make_user("kecamatan_staff", WINONGAN), make_user("desa_official", WINONGAN, desa="Gading")
    incident = make_incident(WINONGAN, "Gading", meninggal=1, rumah_terendam=300)
    incident.reports[0].latitude, incident.reports[0].longitude = -7.71, 112.91
    incident.reports[0].submitted_by_id = official.id
    incident.status = "diverifikasi"
    db.session.flush()
    publish_incident(incident, staff, "Posko pengungsian di balai desa.")
    question = Consultation(key="k-1", desa_code=official.region_code, kecamatan_code=WINONGAN,
                            asked_by_id=official.id, question="Bagaimana minta terpal?")  # fmt: skip
    db.session.add(question)
    db.session.commit()
    number, _key = add_number(None, "android", "dev-winongan-0123456789abcdef", WINONGAN, phone="081299998888",
                              label="HP gateway Kantor Kecamatan Winongan")  # fmt: skip
    db.session.commit()
    paths = _every_page(app, {"incident_id": incident.id, "report_id": incident.reports[0].id,
                              "user_id": official.id, "consultation_id": question.id, "number_id": number.id,
                              "draft_id": db.session.scalar(select(WarningDraft.id)) or 1, "broadcast_id": 1,
                              "activity_id": 1, "shelter_id": 1, "need_id": 1, "status_id": 1,
                              "level": "kecamatan", "code": WINONGAN})  # fmt: skip
    return staff, official, incident, paths


def test_axe_finds_nothing_serious_on_any_page_of_any_role(app, server, chromium, make_user, make_incident):
    staff, official, incident, paths = _seed(app, make_user, make_incident)
    axe, found, seen = Axe(), [], set()
    bpbd = db.session.scalar(select(Agency.id).where(Agency.name == "BPBD"))
    users = (staff, official, make_user("kabupaten_staff", "35.14"), make_user("agency", WINONGAN, agency=bpbd),
             make_user("admin"), None)  # fmt: skip
    for user in users:
        context = _context(chromium)
        page = context.new_page()
        if user is not None:
            sign_in(page, server, user.email, PASSWORD)
        for path in paths:
            response = page.goto(f"{server}{path}")
            if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue  # a page this role may not open, a download, or one that only answers a POST
            if user is None and "/login" in page.url and path != "/login":
                continue  # signed out, sent to sign in: that page is checked once, as itself
            page.wait_for_load_state("networkidle")
            if not page.locator("main").count():
                continue  # a fragment htmx fetches (a timeline, a progress card), not a page
            seen.add(path)
            found += [(user.role if user else "public", path, v) for v in _serious(page, axe)]
        context.close()
    assert {"/login", "/incidents", f"/incidents/{incident.id}", "/peta", f"/kecamatan/{WINONGAN}",
            f"/publik/insiden/{incident.id}", "/dashboard", "/laporan-harian", "/beranda"} <= seen  # fmt: skip
    assert found == [], "\n".join(map(str, found))


def _shift_after_load(page, url: str) -> float:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    wait_for_service_worker_ready(page)
    if page.locator("#map").count():  # Leaflet comes once the map is on the screen; its box was kept
        page.locator("#map").scroll_into_view_if_needed()
        # The first time the library is asked for (a button in the map's kept box); then the phone holds it.
        expect(page.locator("#map[data-ready], .map-load").first).to_be_attached()
        if page.locator(".map-load").count():
            page.locator(".map-load").click()
        expect(page.locator("#map")).to_have_attribute("data-ready", re.compile(r"\d+"))
    if page.locator("#push-toggle").count():
        # the switch came after the service worker, in its kept place in the "Lainnya" fold
        expect(page.locator("#push-toggle")).not_to_have_class(re.compile(r"\bpending\b"))
    page.wait_for_timeout(300)
    return page.evaluate("window.__shift")


def test_nothing_moves_after_load_on_the_desk_and_each_roles_home(app, server, chromium, make_user, make_incident):
    staff, official, incident, _paths = _seed(app, make_user, make_incident)
    db.session.get(type(incident), incident.id).status = "baru"
    db.session.commit()
    shifts = {}
    for user, paths in ((staff, ["/incidents", f"/incidents/{incident.id}", "/peta"]), (official, ["/beranda"]),
                        (make_user("kabupaten_staff", "35.14"), ["/incidents"]),
                        (make_user("admin"), ["/incidents"])):  # fmt: skip
        context = _context(chromium)
        context.grant_permissions(["notifications"], origin=server)  # push possible: the switch appears
        context.add_init_script(SHIFTS)
        page = context.new_page()
        sign_in(page, server, user.email, PASSWORD)
        wait_for_service_worker_ready(page)
        for path in paths:
            shifts[(user.role, path)] = round(_shift_after_load(page, f"{server}{path}"), 4)
        context.close()
    assert app.config["VAPID_PUBLIC_KEY"] and len(shifts) == 6
    assert {key: value for key, value in shifts.items() if value > 0.02} == {}, shifts


def _tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until ``selector`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never reached by Tab")


def test_verify_and_hand_over_by_keyboard_alone_speak_the_outcome_where_the_focus_lands(
    server, browser_context, make_user, make_incident
):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading", reports=("+6281211110001",), hilang=2)
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    page.goto(f"{server}/incidents/{incident.id}")
    page.wait_for_load_state("networkidle")

    _tab_to(page, "#summary button[value=diverifikasi]")
    page.keyboard.press("Enter")
    outcome = page.locator("#summary [data-announce]")
    expect(outcome).to_have_text("Status diperbarui.")
    expect(outcome).to_be_focused()  # not the top of the page
    expect(page.locator("#announcer")).to_have_text("Status diperbarui.")

    agency = db.session.scalar(select(Agency).where(Agency.name == "BPBD"))
    page.keyboard.press("Tab")  # from the outcome on to the next step: the agency to hand over to
    expect(page.locator("#agency")).to_be_focused()
    page.select_option("#agency", str(agency.id))
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(outcome).to_contain_text("Insiden diserahkan ke BPBD")
    expect(outcome).to_be_focused()
    expect(page.locator("#announcer")).to_contain_text("Insiden diserahkan ke BPBD")
    expect(page.locator("#timeline")).to_contain_text("BPBD")  # the timeline followed, out of band


def test_a_refused_report_puts_the_focus_on_its_error_summary(server, browser_context, make_user):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    page.goto(f"{server}/reports/new")
    page.click("#report-form button[type=submit]")  # nothing filled in
    summary = page.locator("main .flash.error")
    expect(summary).to_contain_text("Laporan belum terkirim")
    expect(summary).to_be_focused()


def test_the_skip_link_is_the_first_tab_stop_and_reaches_main(server, browser_context, make_user):
    page = browser_context.new_page()
    for signed_in in (False, True):
        if signed_in:
            sign_in(page, server, make_user("kecamatan_staff", WINONGAN).email, PASSWORD)
        page.goto(f"{server}/incidents" if signed_in else f"{server}/login")
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()  # shown when focused
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        page.keyboard.press("Tab")  # the next stop is inside the content, past the menu
        assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_the_list_refresh_says_what_came_and_a_new_banner_moves_nothing(server, chromium, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    make_incident(WINONGAN, "Gading")
    context = _context(chromium)
    context.add_init_script(SHIFTS)
    page = context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    page.wait_for_load_state("networkidle")
    expect(page.locator("#warning-banner")).to_be_empty()

    # While the desk is open BMKG's warning comes: the refresh that brings it moves nothing on the page.
    now = datetime.now(UTC)
    text = (BMKG_DATA / "CJI20261201001_alert.xml").read_text()
    text = ISO_TIME.sub(lambda m: (datetime.fromisoformat(m.group()) + (now - FIXTURE_NOW)).isoformat(), text)
    take_cap(parse_cap(text.encode()), now=now)
    db.session.commit()
    refresh = ("htmx.ajax('GET', location.pathname, {source: '#incident-list', target: '#incident-list',"
               " swap: 'outerHTML'})")  # what the 30-second timer sends  # fmt: skip
    page.evaluate(refresh)
    expect(page.locator("#warning-banner")).to_contain_text("Peringatan dini BMKG")
    assert page.evaluate("getComputedStyle(document.getElementById('warning-banner')).position") == "fixed"
    page.wait_for_timeout(300)
    assert page.evaluate("window.__shift") <= 0.02, page.evaluate("window.__moved")
    # Then an incident: the refresh says so in the live region. (A new card in view moves the cards below it: the
    # list is live; holding new cards behind a button would change how the desk works.)
    make_incident(WINONGAN, "Prodo", mengungsi=40)
    db.session.commit()
    page.evaluate(refresh)
    expect(page.locator("#announcer")).to_have_text("1 insiden dengan kabar baru")
    context.close()
