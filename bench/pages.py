"""Bytes on the wire for each page, measured in real Chromium (Debian's, through Playwright's executable_path):
the app under gunicorn, a kecamatan with 50 incidents, the page's encodedDataLength from the DevTools protocol
(gzipped body plus response headers).

Two figures: the HTML document alone (every page, budget 14 KB), and the first visit, everything the page loads
with an empty cache and no service worker (HTML, stylesheet, scripts, the map library where a map is drawn; tiles
aborted): sign-in and the public pages within 14 KB, the incident page and the map within 40 KB."""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import WINONGAN, Server, prepare
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from webapp.accounts import create_user
from webapp.extensions import db
from webapp.models import Broadcast, Incident, ReceivingNumber, Region, Report, Reporter, User, WarningDraft
from webapp.public.service import publish_broadcast, publish_incident, set_desa_info
from webapp.warnings.feeds import parse_cap
from webapp.warnings.service import take_cap

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))
from fakes.bmkg import FIXTURE_NOW, ISO_TIME  # noqa: E402

CHROMIUM = os.environ.get("TANGGUH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
BUDGET = 14 * 1024
FIRST_VISIT_BUDGET = {"light": 14 * 1024, "map": 40 * 1024}  # sign-in and public pages; the incident page and map
PASSWORD = "bench-password"


def seed() -> int:
    """50 incidents in Winongan with 1–6 reports each, 40 registered residents; returns the busiest incident."""
    desa = db.session.scalars(select(Region.code).where(Region.parent_code == WINONGAN).order_by(Region.code)).all()
    now = datetime.now(UTC)
    busiest = None
    for n in range(50):
        opened = now - timedelta(hours=n * 7)
        incident = Incident(ticket=f"P{n:04d}", hazard=("banjir", "tanah_longsor", "cuaca_ekstrem")[n % 3],
                            kecamatan_code=WINONGAN, desa_code=desa[n % len(desa)], status="baru", opened_at=opened,
                            last_report_at=opened, rumah_terendam=n, terdampak=3 * n)  # fmt: skip
        db.session.add(incident)
        for r in range(1 + n % 6):
            reporter = Reporter(phone=f"+628123{n:03d}{r:04d}")
            text = f"banjir di desa {n}, air setinggi {20 + r} cm, {n} rumah terendam"
            at = opened + timedelta(minutes=r)
            located = {"latitude": -7.70 - n / 1000, "longitude": 112.90 + n / 1000} if n % 2 else {}
            db.session.add(Report(channel="sms", external_id=f"page-{n}-{r}", kecamatan_code=WINONGAN, raw_text=text,
                                  incident=incident, reporter=reporter, received_at=at, **located))  # fmt: skip
        busiest = incident if n % 6 == 5 else busiest
    for n in range(40):
        db.session.add(Reporter(phone=f"+628129{n:06d}", name=f"Warga {n}", desa_code=desa[n % len(desa)]))
    create_user("staf@bench.test", "Staf Kecamatan", "kecamatan_staff", PASSWORD, WINONGAN)
    _bmkg_draft(now)
    _published(now, desa)
    official = create_user("desa@bench.test", "Perangkat Desa", "desa_official", PASSWORD, desa[0])
    for report in db.session.scalars(select(Report).where(Report.kecamatan_code == WINONGAN).limit(20)):
        report.submitted_by_id = official.id  # the official's home lists what became of 20 reports
    db.session.commit()
    return busiest.id


def _bmkg_draft(now: datetime) -> None:
    """BMKG's Winongan warning (the tests' fixture, its times moved to now) as a waiting draft: the banner on
    every page, and the broadcast preview it opens."""
    text = (TESTS / "data" / "bmkg" / "CJI20261201001_alert.xml").read_text()
    shift = now - FIXTURE_NOW
    text = ISO_TIME.sub(lambda m: (datetime.fromisoformat(m.group()) + shift).isoformat(), text)
    take_cap(parse_cap(text.encode()), now=now)


def _published(now: datetime, desa: list[str]) -> None:
    """What citizens see: 10 incidents and a warning published, and every desa's public information."""
    staff = db.session.scalar(select(User).where(User.email == "staf@bench.test"))
    incidents = db.session.scalars(select(Incident).where(Incident.kecamatan_code == WINONGAN).limit(10)).all()
    for incident in incidents:
        incident.status = "diverifikasi"
        db.session.flush()
        publish_incident(incident, staff, "Posko pengungsian di balai desa; bantuan selimut dan air bersih dibutuhkan.")
    broadcast = Broadcast(key="bench-public", kind="peringatan", hazard="banjir", kecamatan_code=WINONGAN,
                          body="PERINGATAN DINI Kec. Winongan: air Kali Gembong naik, warga bantaran siaga.",
                          created_by_id=staff.id, desa=[db.session.get(Region, desa[0])])  # fmt: skip
    db.session.add(broadcast)
    db.session.flush()
    publish_broadcast(broadcast, staff)
    for code in desa:
        set_desa_info(staff, db.session.get(Region, code), "Balai desa\nMasjid jami'\nSD Negeri 1",
                      "Posko desa 0343-000000\nPuskesmas 0343-111111", "pratama")  # fmt: skip


def map_library_bytes() -> int:
    """The vendored map library (Leaflet's script and stylesheet, gzipped), loaded only by pages with a map and
    counted apart from the pages' budget; tiles come from the tile server, not from Tangguh."""
    vendor = Path(__file__).resolve().parent.parent / "static" / "vendor"
    return sum(
        len(gzip.compress(path.read_bytes(), 9)) for path in vendor.glob("leaflet-*") if path.suffix in (".js", ".css")
    )


def _document_bytes(context, page, url: str) -> int:
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})  # the full page, not a 304 revalidation
    documents, sizes = {}, {}
    cdp.on("Network.responseReceived", lambda e: e["type"] == "Document" and documents.__setitem__(e["requestId"], 1))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    cdp.detach()
    return sum(sizes.get(request_id, 0) for request_id in documents)


def _first_visit_bytes(browser, url: str, storage_state=None) -> dict:
    """Everything one page loads on a first visit: a fresh context (empty cache, no service worker), every
    response's encodedDataLength summed, by kind (tiles and other hosts aborted: not Tangguh's bytes)."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", service_workers="block",
                                  storage_state=storage_state)  # fmt: skip
    context.route(re.compile(r"https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    kinds, sizes = {}, {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], e["type"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    if page.locator("#map").count():  # the map library arrives once the map's box is on the screen
        page.wait_for_timeout(500)
        page.wait_for_load_state("networkidle")
    cdp.detach()
    context.close()
    by_kind: dict[str, int] = {}
    for request_id, size in sizes.items():
        kind = kinds.get(request_id, "Other")
        by_kind[kind] = by_kind.get(kind, 0) + int(size)
    return {"total": sum(by_kind.values()), **dict(sorted(by_kind.items()))}


def run(url: str) -> dict:
    if not os.path.exists(CHROMIUM):
        return {"skipped": f"Chromium not found at {CHROMIUM} (apt-get install chromium)"}
    app = prepare(url)
    with app.app_context():
        incident_id = seed()
        device = db.session.scalar(select(ReceivingNumber.id).where(ReceivingNumber.gateway == "android"))
        draft = db.session.scalar(select(WarningDraft.id).where(WarningDraft.kecamatan_code == WINONGAN))
        shown = db.session.scalar(select(Incident.id).where(Incident.published_at.is_not(None)).limit(1))
        warning = db.session.scalar(select(Broadcast.id).where(Broadcast.key == "bench-public"))
    public = [f"/kecamatan/{WINONGAN}", "/kabupaten/35.14", f"/publik/insiden/{shown}", f"/publik/siaran/{warning}"]
    paths = ["/reports/new", "/incidents", f"/incidents/{incident_id}", "/peta", "/broadcasts/new", "/residents",
             "/dashboard", "/dashboard/recap", "/akun", "/konsultasi", "/pengaturan/gateway",
             f"/pengaturan/gateway/{device}", "/pengaturan/instansi", "/kosakata", "/dusun", "/peringatan",
             f"/broadcasts/new?peringatan={draft}", "/info-desa", "/spm", "/kencana", "/spm/penduduk",
             "/kesiapsiagaan/baru", "/kesiapsiagaan", f"/incidents/{incident_id}/b1", "/pengungsian", "/kebutuhan",
             "/laporan-harian", "/status-darurat", "/dashboard/recap", "/pesan-masuk"]  # fmt: skip
    results, first_visit = {}, {}
    with Server("webapp:create_app()", url) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # The service worker would answer from its cache; block it to measure what the network carries.
        official = ["/beranda", "/konsultasi/baru", "/info-desa"]
        for email, home, visits in (
            ("staf@bench.test", "/incidents", paths),
            ("desa@bench.test", "/beranda", official),
        ):
            context = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID",
                                          service_workers="block")  # fmt: skip
            context.route(re.compile(r"https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())  # no tiles
            page = context.new_page()
            results["/login"] = _document_bytes(context, page, f"{server.base}/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(f"{server.base}{home}")
            for path in [*visits, home] if home not in visits else visits:
                results[path] = _document_bytes(context, page, f"{server.base}{path}")
            if email == "staf@bench.test":
                state = context.storage_state()  # the session cookie; the cache starts empty
                for path in (f"/incidents/{incident_id}", "/peta", "/incidents"):
                    first_visit[path] = _first_visit_bytes(browser, f"{server.base}{path}", state)
            context.close()
        citizen = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", service_workers="block")
        citizen.route(re.compile(r"https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
        page = citizen.new_page()
        for path in public:  # what anyone sees, signed out
            results[f"{path} (public)"] = _document_bytes(citizen, page, f"{server.base}{path}")
        for path in ["/login", *public]:  # signed out: what a citizen's phone fetches from a shared link
            name = f"{path} (public)" if path != "/login" else path
            first_visit[name] = _first_visit_bytes(browser, f"{server.base}{path}")
        card = page.request.get(f"{server.base}/publik/insiden/{shown}.png")
        card_bytes = len(card.body())
        citizen.close()
        browser.close()
    over_first = [p for p, size in first_visit.items() if size["total"] > FIRST_VISIT_BUDGET[_first_visit_kind(p)]]
    return {"bytes": results, "budget": BUDGET, "over_budget": [p for p, size in results.items() if size > BUDGET],
            "first_visit": first_visit, "first_visit_budget": FIRST_VISIT_BUDGET, "first_visit_over": over_first,
            "map_library_bytes": map_library_bytes(), "image_card_bytes": card_bytes}  # fmt: skip


def _first_visit_kind(path: str) -> str:
    """Which first-visit budget a page answers to: the desk's incident page and map, or the light ones."""
    return "map" if path.startswith(("/incidents", "/peta")) else "light"
