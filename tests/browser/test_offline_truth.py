"""Offline, the phone tells the truth: a page it cannot fetch says the phone is offline (a kept copy says it is
one) and offers the report form and its outbox; on reconnect each queued report is named once, with its ticket."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import Incident

from .conftest import sign_in, wait_for_service_worker
from .test_report_offline import controlled_form, report_count, wait_for

WINONGAN = "35.14.19"


def test_offline_pages_say_the_phone_is_offline_and_offer_the_form(server, browser_context, make_user, make_incident):
    make_incident(WINONGAN, "Gading")
    official = make_user("desa_official", WINONGAN, desa="Gading")
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    controlled_form(page, server)
    page.goto(f"{server}/incidents")  # seen online: kept for offline use
    browser_context.set_offline(True)

    page.goto(f"{server}/incidents")
    expect(page.locator("main .offline-note")).to_contain_text("HP ini sedang luring")
    assert page.locator("#incident-list li.card").count() == 1  # the last copy, said to be one

    page.goto(f"{server}/peta")  # never opened on this phone: the offline page, not the report form
    expect(page.locator("h1")).to_have_text("HP ini sedang luring")
    assert page.locator("#report-form").count() == 0
    assert "belum tersimpan di HP ini" in page.inner_text(".offline-note")
    assert page.locator("a[href='/reports/new#outbox']").count() == 1
    page.click("text=Tulis laporan")
    page.wait_for_selector("#report-form")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_two_reports_queued_offline_are_each_named_once_on_reconnect(server, browser_context, make_user):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    controlled_form(page, server)
    browser_context.set_offline(True)
    for n, (hazard, text) in enumerate((("banjir", "Air masuk rumah 50 cm"), ("tanah_longsor", "Tebing longsor"))):
        page.select_option("#hazard", hazard)
        page.fill("#description", text)
        page.click("#report-form button[type=submit]")
        page.wait_for_selector(f"#outbox-list li:nth-child({n + 1})")
    assert report_count() == 0

    browser_context.set_offline(False)  # the page's start, its online event and Background Sync all want to send
    page.wait_for_url(f"{server}/incidents/*", timeout=20_000)
    assert wait_for(lambda: report_count() == 2)
    notes = page.locator("main .sent-note")
    expect(notes).to_have_count(2)
    db.session.rollback()
    tickets = {hazard: ticket for hazard, ticket in db.session.execute(select(Incident.hazard, Incident.ticket))}
    lines = notes.all_inner_texts()
    assert re.fullmatch(rf"Laporan banjir Gading \d\d\.\d\d terkirim, tiket {tickets['banjir']}", lines[0]), lines
    assert re.fullmatch(rf"Laporan tanah longsor Gading \d\d\.\d\d terkirim, tiket {tickets['tanah_longsor']}",
                        lines[1]), lines  # fmt: skip
    assert page.locator(".flash", has_text="Tiket:").count() == 0  # the server adds no second notice of its own
    page.reload()
    expect(notes).to_have_count(0)  # named once
    assert report_count() == 2


def test_the_map_without_tiles_says_so_and_names_the_desa_of_each_point(server, browser_context, make_user,
                                                                        make_incident):  # fmt: skip
    staff = make_user("kecamatan_staff", WINONGAN)
    for desa, (lat, lon) in {"Gading": (-7.71, 112.91), "Prodo": (-7.73, 112.93)}.items():
        incident = make_incident(WINONGAN, desa)
        incident.reports[0].latitude, incident.reports[0].longitude = lat, lon
    db.session.commit()
    browser_context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    page.goto(f"{server}/peta")
    page.get_by_role("button", name=re.compile("Tampilkan peta")).click()
    expect(page.locator("#map")).to_have_attribute("data-ready", "2")
    expect(page.locator(".map-note")).to_contain_text("Peta dasar tidak tersedia tanpa internet")
    labels = page.locator(".leaflet-tooltip").all_inner_texts()
    assert sorted(label.split(" · ")[1] for label in labels) == ["Gading", "Prodo"]
    assert page.locator(".leaflet-interactive").count() == 2


def test_the_map_library_is_fetched_the_first_time_only_when_asked_then_the_map_draws_at_once(
    server, browser_context, make_user, make_incident
):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    incident.reports[0].latitude, incident.reports[0].longitude = -7.71, 112.91
    db.session.commit()
    browser_context.route(re.compile(r"https://tile\.openstreetmap\.org/.*"), lambda route: route.abort())
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    wait_for_service_worker(page)  # the worker keeps what is fetched
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{server}/peta")
    ask = page.get_by_role("button", name=re.compile(r"Tampilkan peta \(unduh sekali ±\d+ KB\)"))
    expect(ask).to_be_visible()
    assert not [url for url in fetched if "leaflet" in url]  # a weak link pays for the page and its list only
    ask.click()
    expect(page.locator("#map")).to_have_attribute("data-ready", "1")
    page.goto(f"{server}/peta")  # the phone holds the library now: no question, the map draws
    expect(page.locator("#map")).to_have_attribute("data-ready", "1")
    assert page.get_by_role("button", name=re.compile("Tampilkan peta")).count() == 0
