"""Setting up the kecamatan's gateway phone from a phone browser at 360 px: the key and its QR shown once, a
test SMS that goes out and comes back (the page follows it without reloading), and the strip when it dies."""

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import OutboundMessage, ReceivingNumber
from webapp.worker import send_due
from webhook_helpers import android_event, android_signed

from .conftest import sign_in
from .test_desk import _no_horizontal_scroll

WINONGAN = "35.14.19"


def test_a_gateway_phone_set_up_tested_and_watched_from_the_browser(server, browser_context, make_user, app):
    staff = make_user("kecamatan_staff", WINONGAN)
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    page.goto(f"{server}/pengaturan/gateway")
    page.fill("#address", "ffffffffceb0b1db0000018e937c815b")
    page.fill("#label", "HP gateway Winongan")
    page.fill("#phone", "0812 9999 8888")
    page.get_by_role("button", name="Pasang", exact=True).click()
    expect(page.locator("h1")).to_have_text("HP gateway Winongan")
    key = page.locator(".secret").first.inner_text()
    assert len(key) == 32 and page.locator("svg.qr").is_visible()
    assert _no_horizontal_scroll(page)
    page.reload()  # shown once: a reload (a GET) does not show it again
    assert key not in page.content()

    page.get_by_role("button", name="Kirim SMS uji").click()
    expect(page.locator("#tests")).to_contain_text("dalam antrean")
    assert send_due() == {"sent": 1}  # the console gateway stands in for the phone's API
    expect(page.locator("#tests")).to_contain_text("menunggu kembali", timeout=10_000)
    sent = db.session.scalar(select(OutboundMessage.body))
    body, headers = android_signed(
        android_event("ev-uji", sent, phone="+6281299998888", device="ffffffffceb0b1db0000018e937c815b", sim=None),
        key=key,
    )
    assert page.request.post(f"{server}/sms/android", data=body, headers=headers).ok
    expect(page.locator("#tests")).to_contain_text("kembali dalam", timeout=10_000)  # the fragment polled itself

    number = db.session.scalar(select(ReceivingNumber))
    number.last_seen_at -= timedelta(minutes=app.config["GATEWAY_SILENT_MINUTES"] + 1)  # the battery ran out
    db.session.commit()
    page.goto(f"{server}/incidents")  # the list the browser had cached (an ETag) must not hide the strip
    strip = page.locator(".strip")
    expect(strip).to_contain_text(re.compile(r"HP gateway Winongan diam sejak \d\d-\d\d-\d{4} \d\d:\d\d WIB"))
    assert _no_horizontal_scroll(page)
