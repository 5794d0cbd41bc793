"""Konsultasi at 360 px in real Chromium: asked with no signal, sent on reconnect, answered by the kecamatan,
and the answer seen by the official who asked."""

from playwright.sync_api import expect
from sqlalchemy import func, select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import Consultation

from .conftest import open_controlled, sign_in
from .test_report_offline import wait_for

WINONGAN = "35.14.19"


def questions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Consultation))


def test_a_question_asked_offline_is_sent_on_reconnect_and_answered(server, browser_context, make_user):
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    page = browser_context.new_page()
    sign_in(page, server, official.email, PASSWORD)
    open_controlled(page, f"{server}/konsultasi/baru")

    browser_context.set_offline(True)
    page.fill("#question", "Tanggul retak 3 meter di dusun Krajan, apa yang harus kami lakukan?")
    page.click("form[data-outbox] button[type=submit]")
    page.wait_for_selector("#outbox:not([hidden]) #outbox-list li")
    assert "Konsultasi: Tanggul retak" in page.inner_text("#outbox-list") and questions() == 0

    browser_context.set_offline(False)  # the signal returns: the page sends it by itself, once
    page.wait_for_url(f"{server}/konsultasi/*", timeout=20_000)
    assert wait_for(lambda: questions() == 1)

    desk = browser_context.browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    kecamatan = desk.new_page()
    sign_in(kecamatan, server, staff.email, PASSWORD)
    kecamatan.goto(f"{server}/konsultasi")
    kecamatan.click("text=Tanggul retak")
    kecamatan.fill("#text", "Jauhkan warga dari tanggul; tim Dinas PU datang pukul 10.")
    kecamatan.click("#answer button[type=submit]:has-text('Kirim jawaban')")
    expect(kecamatan.locator(".flash")).to_contain_text("Jawaban terkirim")
    desk.close()

    page.goto(f"{server}/konsultasi")
    expect(page.locator("ul.plain")).to_contain_text("dijawab")
    page.click("text=Tanggul retak")
    expect(page.locator("#answer")).to_contain_text("tim Dinas PU datang pukul 10")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
