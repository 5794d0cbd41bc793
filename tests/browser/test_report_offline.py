"""The report form in real Chromium: online, offline with the outbox, on slow 3G, and its page weight."""

import time

import pytest
from sqlalchemy import func, select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import Report

from .conftest import forget_session, open_controlled, sign_in

WINONGAN = "35.14.19"


@pytest.fixture
def official(make_user):
    return make_user("desa_official", WINONGAN, desa="Sumberrejo")


def report_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Report))


def wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def fill_report(page, description="Air masuk rumah warga setinggi 50 cm"):
    page.select_option("#hazard", "banjir")
    page.fill("#description", description)
    page.fill("#rumah_terendam", "7")
    page.check("input[value=air_bersih]")


def controlled_form(page, base):
    """Open the form twice so the service worker is installed and has cached it."""
    open_controlled(page, f"{base}/reports/new")


def test_submit_online(server, browser_context, official):
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    page.goto(f"{server}/reports/new")
    fill_report(page)
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"{server}/incidents/*")
    assert "Laporan terkirim. Tiket:" in page.inner_text(".flash")
    assert report_count() == 1
    report = db.session.scalar(select(Report))
    assert (report.channel, report.counts, report.details["needs"]) == ("web", {"rumah_terendam": 7}, ["air_bersih"])


def test_offline_submission_waits_survives_a_reload_and_is_sent_once(server, browser_context, official):
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    controlled_form(page, server)

    browser_context.set_offline(True)
    fill_report(page, "Banjir naik lagi, sinyal hilang")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#outbox:not([hidden]) #outbox-list li")
    assert "disimpan di HP ini" in page.inner_text("#outbox-status")
    assert "Banjir: Banjir naik lagi" in page.inner_text("#outbox-list")
    assert report_count() == 0

    page.reload()  # offline: the service worker serves the cached form, the outbox is still there
    page.wait_for_selector("#outbox:not([hidden]) #outbox-list li")
    assert report_count() == 0

    browser_context.set_offline(False)  # the connection returns: the page sends the outbox by itself
    page.wait_for_url(f"{server}/incidents/*", timeout=20_000)
    assert wait_for(lambda: report_count() == 1)
    page.goto(f"{server}/reports/new")  # another flush on app start finds nothing left to send
    page.wait_for_timeout(1000)
    assert page.locator("#outbox").is_hidden()
    assert report_count() == 1


def test_form_is_usable_on_slow_3g(server, browser_context, official):
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    cdp = browser_context.new_cdp_session(page)
    cdp.send("Network.enable")
    # Chrome DevTools' "Slow 3G": 400 ms latency, about 50 KB/s down and up.
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 400, "downloadThroughput": 51_200, "uploadThroughput": 51_200},
    )
    page.goto(f"{server}/reports/new", timeout=60_000)
    fill_report(page)
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"{server}/incidents/*", timeout=60_000)
    assert report_count() == 1


def _transfers(context, page, url):
    """(url, encoded bytes, served from cache) for every response of one navigation, from the DevTools protocol."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    responses, sizes = {}, {}
    cdp.on("Network.responseReceived", lambda e: responses.__setitem__(e["requestId"], e["response"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    result = []
    for request_id, response in responses.items():
        cached = response.get("fromDiskCache") or response.get("fromServiceWorker") or response.get("fromPrefetchCache")
        result.append((response["url"], sizes.get(request_id, 0), bool(cached)))
    cdp.detach()
    return result


def test_page_weight_budgets_and_no_third_party_requests(server, browser_context, official):
    page = browser_context.new_page()
    first = _transfers(browser_context, page, f"{server}/login")
    assert all(url.startswith(server) or url.startswith("data:") for url, _, _ in first), first
    html = [size for url, size, _ in first if url.endswith("/login")]
    css = [size for url, size, _ in first if "/static/app.css" in url]
    assert html and html[0] <= 14 * 1024
    assert css and css[0] <= 6 * 1024
    assert sum(size for _, size, _ in first) <= 45 * 1024, first

    sign_in(page, server, official.email, PASSWORD)
    form = _transfers(browser_context, page, f"{server}/reports/new")
    assert [size for url, size, _ in form if url.endswith("/reports/new")][0] <= 14 * 1024
    again = _transfers(browser_context, page, f"{server}/reports/new")
    static_over_network = [(url, size) for url, size, cached in again if "/static/" in url and not cached and size]
    assert static_over_network == []  # a repeat visit loads no static file over the network


def test_a_waiting_report_goes_out_only_for_its_own_user_with_a_fresh_session(server, browser_context, official,
                                                                                make_user):  # fmt: skip
    neighbour = make_user("desa_official", WINONGAN, desa="Sumberrejo")
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    controlled_form(page, server)
    browser_context.set_offline(True)
    fill_report(page, "Dikirim saat tidak ada sinyal")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#outbox-list li")

    browser_context.clear_cookies()  # the session ends before the signal returns
    browser_context.set_offline(False)
    page.wait_for_timeout(1500)  # the online event tries, and the server answers with the login page
    assert report_count() == 0

    sign_in(page, server, neighbour.email, PASSWORD)  # someone else on the same phone
    page.goto(f"{server}/reports/new")
    page.wait_for_timeout(1500)
    assert report_count() == 0 and page.locator("#outbox").is_hidden()

    forget_session(browser_context, page, server)
    sign_in(page, server, official.email, PASSWORD)  # its own user, in a new session
    page.goto(f"{server}/reports/new")
    page.wait_for_url(f"{server}/incidents/*", timeout=20_000)
    assert wait_for(lambda: report_count() == 1)
    assert db.session.scalar(select(Report.submitted_by_id)) == official.id


def test_signing_out_forgets_the_pages_kept_for_offline_use(server, browser_context, official):
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    controlled_form(page, server)
    page.goto(f"{server}/incidents")
    assert page.evaluate("caches.match('/incidents').then(r => !!r)")
    page.click("header .more-menu summary")  # Lainnya
    page.click("header button[type=submit]")  # Keluar
    page.wait_for_url(f"{server}/login")
    assert page.evaluate(  # the copy goes when the worker hears of the sign-out: looked at until then, no eval
        "async () => { for (let i = 0; i < 200; i++) { if (!(await caches.match('/incidents'))) return true;"
        " await new Promise(r => setTimeout(r, 50)); } return false; }"
    )
    assert not page.evaluate("caches.match('/reports/new').then(r => !!r)")


def _noise_png(width: int, height: int) -> bytes:
    """A photo-sized PNG of random pixels: megabytes that no compression can hide."""
    import os
    import struct
    import zlib

    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def test_a_large_photo_is_shrunk_on_the_phone_to_100_kb(server, browser_context, official):
    photo = _noise_png(1600, 1200)
    assert len(photo) > 5_000_000
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    page.goto(f"{server}/reports/new")
    fill_report(page)
    page.set_input_files("#photo", files=[{"name": "banjir.png", "mimeType": "image/png", "buffer": photo}])
    page.click("#report-form button[type=submit]")
    page.wait_for_url(f"{server}/incidents/*", timeout=30_000)
    db.session.rollback()
    stored, kind = db.session.execute(select(Report.photo, Report.photo_type)).one()
    assert kind == "image/jpeg" and stored[:3] == b"\xff\xd8\xff"
    assert len(stored) <= 100 * 1024
