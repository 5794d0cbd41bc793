"""The preparedness log at 360 px in real Chromium: a desa official logs a sosialisasi of 40 participants with no
signal; on reconnect it is sent once, and the camat's SPM page counts it in service 1 for that desa."""

from datetime import date

from sqlalchemy import func, select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import HazardPopulation, PreparednessActivity

from .conftest import open_controlled, sign_in
from .test_report_offline import wait_for

WINONGAN, GADING = "35.14.19", "35.14.19.2018"


def logged() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(PreparednessActivity))


def test_a_session_logged_offline_reaches_the_camats_spm_page(server, browser_context, make_user):
    official, camat = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    db.session.add(HazardPopulation(desa_code=GADING, hazard="banjir", people=160, source="BPBD 2025", year=2025))
    db.session.commit()
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    open_controlled(page, f"{server}/kesiapsiagaan/baru")

    browser_context.set_offline(True)
    page.select_option("#kind", "sosialisasi")
    page.select_option("#hazard", "banjir")
    page.fill("#held_on", date.today().strftime("%d-%m-%Y"))
    page.fill("#participants", "40")
    page.fill("#note", "Sosialisasi banjir di balai desa, tatap muka")
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_selector("#outbox:not([hidden]) #outbox-list li")
    assert "Sosialisasi banjir di balai desa" in page.inner_text("#outbox-list") and logged() == 0

    browser_context.set_offline(False)
    page.wait_for_url(f"{server}/kesiapsiagaan", timeout=20_000)
    assert wait_for(lambda: logged() == 1)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    desk = browser_context.browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    spm = desk.new_page()
    sign_in(spm, server, camat.email, PASSWORD)
    spm.goto(f"{server}/spm?tahun={date.today().year}")
    row = spm.locator("tr", has_text="Gading")
    assert "40 · 25.0 %" in row.inner_text()  # 40 of the 160 residents in flood-prone areas
    desk.close()
