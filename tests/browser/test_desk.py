"""The desk at 2 a.m. in real Chromium at 360 px: the merge story (nothing lost, a confirmation, undo), the list's
counts and waiting times, a push received by a subscribed page, and no page wider than the phone."""

import json
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from conftest import PASSWORD
from fakes.bmkg import DATA as BMKG_DATA
from fakes.bmkg import FIXTURE_NOW
from fakes.push import FakePushService
from webapp.extensions import db
from webapp.incidents import actions
from webapp.intake.ingest import InboundMessage, ingest
from webapp.messaging.notices import tell_new_incidents
from webapp.models import Agency, Consultation, Incident, PushSubscription, WarningDraft, utcnow
from webapp.setup.service import add_number
from webapp.warnings.feeds import parse_cap
from webapp.warnings.service import take_cap
from webapp.worker import send_due

from .conftest import sign_in, wait_for_service_worker_ready

WINONGAN = "35.14.19"


def _no_horizontal_scroll(page) -> bool:
    """Nothing scrolls sideways, and no choice's label spills out of its box (a long desa name, cut)."""
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth && Array.from("
        "document.querySelectorAll('.checks li')).every(l => l.scrollWidth <= l.clientWidth + 1)"
    )


def test_the_merge_story_loses_nothing_asks_first_and_can_be_undone(server, browser_context, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    verified = make_incident(WINONGAN, "Gading", reports=("+6281211110001",), hilang=2)
    actions.change_status(verified, staff, "diverifikasi")
    actions.hand_over(verified, staff, db.session.scalar(select(Agency.id).where(Agency.name == "BPBD")))
    fresh = make_incident(WINONGAN, "Prodo", reports=("+6281211110002",), mengungsi=40)
    page = browser_context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, server, staff.email, PASSWORD)

    page.goto(f"{server}/incidents/{verified.id}")
    assert _no_horizontal_scroll(page)
    page.click("details.more summary")
    page.fill("#merge-ticket", fresh.ticket)
    page.click("form:has(#merge-ticket) button[type=submit]")
    confirm = page.locator("section.confirm")
    expect(confirm).to_contain_text("berbeda")  # Gading and Prodo: asked before anything happens
    assert "Gading" in confirm.inner_text() and "Prodo" in confirm.inner_text() and _no_horizontal_scroll(page)
    db.session.expire_all()
    assert db.session.get(Incident, verified.id).status == "diverifikasi"
    confirm.locator("button.danger").click()
    page.wait_for_url(f"{server}/incidents/{fresh.id}")
    summary = page.inner_text("#summary")
    assert "Diverifikasi" in summary and "BPBD" in summary  # the verification and the handover were kept
    assert "status Diverifikasi" in page.inner_text("#timeline")

    page.click("#timeline button:has-text('batalkan penggabungan')")
    page.wait_for_url(f"{server}/incidents/{verified.id}")  # back on the incident that was merged, as it was
    assert "Diverifikasi" in page.inner_text("#summary") and "BPBD" in page.inner_text("#summary")
    db.session.expire_all()
    restored, target = db.session.get(Incident, verified.id), db.session.get(Incident, fresh.id)
    assert (restored.status, target.status, len(target.handovers), target.mengungsi) == ("diverifikasi", "baru", 0, 40)

    page.goto(f"{server}/incidents/{fresh.id}")
    page.fill("#reply-text", "Tim menuju lokasi")
    expect(page.locator("#reply-count")).to_have_text("17/160 karakter · 1 SMS")
    page.fill("#reply-text", "Tetap tenang \U0001f64f")
    expect(page.locator("#reply-count")).to_contain_text("70 karakter per SMS")
    assert errors == []


def test_the_list_shows_counts_waiting_time_and_the_late_mark(server, browser_context, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    make_incident(WINONGAN, "Gading", opened_at=utcnow() - timedelta(hours=2), meninggal=1, mengungsi=25)
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    card = page.locator("#incident-list li").first
    text = card.inner_text()
    assert "Meninggal 1" in text and "Mengungsi (jiwa) 25" in text and "(2 jam lalu)" in text
    assert "Belum diverifikasi lebih dari 30 menit" in text
    assert page.evaluate("getComputedStyle(document.querySelector('.late')).borderLeftWidth") == "10px"
    assert page.locator("details.filters-fold").get_attribute("open") is None  # filters folded on the phone
    assert _no_horizontal_scroll(page)


def test_a_push_reaches_a_subscribed_page(server, browser_context, make_user, app, monkeypatch):
    """The server pushes through the local push service (VAPID checked, payload decrypted there), which hands
    the payload to the page's service worker as a browser's push service would; the page shows it."""
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_LOOPBACK", True)
    push = FakePushService().start()
    try:
        staff = make_user("kecamatan_staff", WINONGAN)
        browser_context.grant_permissions(["notifications"], origin=server)
        page = browser_context.new_page()
        sign_in(page, server, staff.email, PASSWORD)
        wait_for_service_worker_ready(page)
        page.reload()  # now controlled by the service worker
        cdp = browser_context.new_cdp_session(page)
        registrations = []
        cdp.on("ServiceWorker.workerRegistrationUpdated", lambda e: registrations.extend(e["registrations"]))
        cdp.send("ServiceWorker.enable")
        page.wait_for_timeout(300)
        (registration,) = [r for r in registrations if not r.get("isDeleted")]

        subscription = push.subscription("chromium")
        csrf = page.evaluate("document.body.dataset.csrf")
        status = page.evaluate(
            "([body, csrf]) => fetch('/push/subscriptions', {method: 'POST', body: JSON.stringify(body),"
            " headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}}).then(r => r.status)",
            [subscription, csrf],
        )
        assert status == 201 and db.session.scalar(select(PushSubscription.user_id)) == staff.id

        ingest(InboundMessage("sms", "push-1", "kebakaran di gading", WINONGAN, "+6281234599999"))
        assert tell_new_incidents() == 1 and send_due() == {"sent": 1}  # the worker's round
        (payload,) = push.received
        payload = {k: payload[k] for k in ("title", "body", "url", "tag")}
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": server, "registrationId":
                 registration["registrationId"], "data": json.dumps(payload)})  # fmt: skip
        note = page.locator(".push-note")
        expect(note).to_contain_text("Insiden baru")
        assert re.fullmatch(r"/incidents/\d+", note.locator("a").get_attribute("href"))
    finally:
        push.stop()


def _every_page(app, fill: dict) -> list[str]:
    """Every GET route the app registers, arguments filled (the JSON API, static files and redirects aside)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(("/api", "/static", "/sw.js", "/healthz", "/bahasa")):
            continue
        if rule.rule.endswith((".csv", ".geojson", "/photo")):
            continue  # downloads, not pages
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{argument}>", str(fill[argument]), path)
        paths.append(path)
    return sorted(paths)


def test_no_page_is_wider_than_the_phone(app, server, browser_context, make_user, make_incident):
    """A test that walks every page, for each role, at 360 px: nothing scrolls sideways."""
    staff, official = make_user("kecamatan_staff", WINONGAN), make_user("desa_official", WINONGAN, desa="Gading")
    incident = make_incident(WINONGAN, "Gading", meninggal=1, rumah_terendam=300)
    incident.reports[0].latitude, incident.reports[0].longitude = -7.71, 112.91
    incident.reports[0].submitted_by_id = official.id
    db.session.commit()
    question = Consultation(key="k-1", desa_code=official.region_code, kecamatan_code=WINONGAN,
                            asked_by_id=official.id, question="Bagaimana minta terpal?")  # fmt: skip
    db.session.add(question)
    db.session.commit()
    number, _key = add_number(None, "android", "dev-winongan-0123456789abcdef", WINONGAN, phone="081299998888",
                              label="HP gateway Kantor Kecamatan Winongan (SIM Telkomsel)")  # fmt: skip
    take_cap(parse_cap((BMKG_DATA / "CJI20261201001_alert.xml").read_bytes()), now=FIXTURE_NOW)
    db.session.commit()
    draft = db.session.scalar(select(WarningDraft.id))
    paths = _every_page(app, {"incident_id": incident.id, "report_id": incident.reports[0].id,
                              "user_id": official.id, "consultation_id": question.id,
                              "number_id": number.id, "draft_id": draft, "broadcast_id": 1, "activity_id": 1,
                              "shelter_id": 1, "need_id": 1, "status_id": 1,
                              "level": "kecamatan", "code": WINONGAN})  # fmt: skip
    assert {"/incidents", "/peta", "/beranda", "/dashboard/recap", "/broadcasts/new", "/pengaturan/gateway"} <= set(
        paths
    )
    wide, seen = [], 0
    for user in (staff, official, make_user("admin")):
        context = browser_context.browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
        context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())  # offline
        page = context.new_page()
        sign_in(page, server, user.email, PASSWORD)
        for path in paths:
            response = page.goto(f"{server}{path}")
            if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue  # a page this role may not open, a download, or one that only answers a POST
            page.wait_for_load_state("networkidle")
            seen += 1
            if not _no_horizontal_scroll(page):
                wide.append((user.role, path, page.evaluate("document.documentElement.scrollWidth")))
        context.close()
    page = browser_context.new_page()
    page.goto(f"{server}/login")
    assert _no_horizontal_scroll(page) and seen >= 20
    assert wide == []


def test_a_language_typed_in_the_address_bar_switches_the_cached_list(server, browser_context, make_user):
    page = browser_context.new_page()
    sign_in(page, server, make_user("kecamatan_staff", WINONGAN).email, PASSWORD)
    page.goto(f"{server}/incidents")
    page.goto(f"{server}/bahasa/en")
    page.wait_for_url(f"{server}/incidents")
    expect(page.locator("h1")).to_have_text("Incidents")


def test_the_map_shows_points_even_without_tiles(server, browser_context, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    incident.reports[0].latitude, incident.reports[0].longitude = -7.71, 112.91
    db.session.commit()
    browser_context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    page.goto(f"{server}/peta")
    page.get_by_role("button", name=re.compile("Tampilkan peta")).click()  # asked for, the first time
    expect(page.locator("#map")).to_have_attribute("data-ready", "1")
    assert incident.ticket in page.inner_text(".leaflet-tooltip")
    assert page.locator(".leaflet-interactive").count() == 1
