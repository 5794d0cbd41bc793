"""Pesan masuk at 360 px in real Chromium: the list's link, the inbox page with no sideways scroll and 44 px
buttons, and one tap that makes a message an incident."""

from conftest import PASSWORD
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import utcnow

from .conftest import sign_in

WINONGAN = "35.14.19"


def test_the_inbox_fits_the_phone_and_one_tap_makes_an_incident(server, browser_context, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    text = "Selamat pagi pak, salam kenal dari " + "Sumberrejo" * 12
    ingest(InboundMessage("sms", "inbox-browser-1", text, WINONGAN, "+6281299990001", utcnow()))
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    page.goto(f"{server}/incidents")
    page.click("text=1 pesan masuk bukan laporan")
    page.wait_for_url(f"{server}/pesan-masuk")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for button in page.locator("main button").all():
        assert button.bounding_box()["height"] >= 44
    page.click("button:has-text('Jadikan insiden')")
    page.wait_for_url(f"{server}/incidents/*")
    assert "salam kenal" in page.inner_text("#reports")
