"""Citizens' view in real Chromium at 360 px: staff publish an incident, an anonymous phone sees it on the
kecamatan page with a WhatsApp share link carrying the text, staff withdraw it and it is gone."""

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import Incident

from .conftest import sign_in
from .test_report_offline import _transfers

WINONGAN = "35.14.19"


def test_publish_see_share_and_withdraw(server, browser_context, chromium, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading", mengungsi=40)
    incident.status = "diverifikasi"
    db.session.commit()
    staff = make_user("kecamatan_staff", WINONGAN)
    desk = browser_context.new_page()
    sign_in(desk, server, staff.email, PASSWORD)
    desk.goto(f"{server}/incidents/{incident.id}")
    desk.fill("#public-summary", "Pengungsi di balai desa Gading. Bantuan selimut dibutuhkan.")
    desk.click("#publikasi button[type=submit]")
    assert "dipublikasikan" in desk.inner_text(".flash")

    citizen = chromium.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")  # nobody signed in
    page = citizen.new_page()
    weight = _transfers(citizen, page, f"{server}/kecamatan/{WINONGAN}")
    assert [size for url, size, _ in weight if url.endswith(f"/kecamatan/{WINONGAN}")][0] <= 14 * 1024
    shown = page.inner_text("main")
    assert "Banjir · Desa Gading" in shown and "Mengungsi (jiwa): 40" in shown, shown
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click(f"#insiden-{incident.id} h3 a")
    share = page.get_attribute("a[href^='https://wa.me/']", "href")
    text = parse_qs(urlsplit(share).query)["text"][0]
    assert text.startswith("BANJIR di Desa Gading, Kec. Winongan") and "selimut dibutuhkan" in text
    assert f"/publik/insiden/{incident.id}" in text
    assert page.locator("[data-copy]").is_visible()

    desk.goto(f"{server}/incidents/{incident.id}")
    desk.click("#publikasi form:last-of-type button")
    page.goto(f"{server}/kecamatan/{WINONGAN}")
    assert "Desa Gading" not in page.inner_text("main").split("Info desa")[0]
    assert page.goto(f"{server}/publik/insiden/{incident.id}").status == 404
    db.session.rollback()
    assert db.session.scalar(select(Incident.withdrawn_at).where(Incident.id == incident.id)) is not None
    citizen.close()
