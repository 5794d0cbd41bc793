"""The broadcast form in real Chromium: the preview follows what the sender types and picks, then sends once."""

import re

from playwright.sync_api import expect
from sqlalchemy import func, select

from conftest import PASSWORD, desa_code
from webapp.extensions import db
from webapp.models import OutboundMessage, Reporter

from .conftest import sign_in
from .test_report_offline import _transfers

WINONGAN = "35.14.19"


def test_live_preview_then_send(server, browser_context, make_user):
    gading, prodo = desa_code(WINONGAN, "Gading"), desa_code(WINONGAN, "Prodo")
    db.session.add_all(
        [
            Reporter(phone="+6281200000001", name="A", desa_code=gading),
            Reporter(phone="+6281200000002", name="B", desa_code=gading, opted_out=True),
            Reporter(phone="+6281200000003", name="C", desa_code=prodo),
        ]
    )
    db.session.commit()
    staff = make_user("kecamatan_staff", WINONGAN)
    page = browser_context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    sign_in(page, server, staff.email, PASSWORD)

    weight = _transfers(browser_context, page, f"{server}/broadcasts/new")
    assert [size for url, size, _ in weight if url.endswith("/broadcasts/new")][0] <= 14 * 1024
    send = page.locator("#preview button[value=send]")
    assert send.is_disabled()  # nothing chosen, nothing written

    page.check(f"input[value='{gading}']")
    page.fill("#body", "Air Kali Gembong naik. Warga bantaran siaga.")
    expect(page.locator("#preview")).to_contain_text("bantaran siaga")
    text = page.inner_text("#preview")
    assert "PERINGATAN DINI Kec. Winongan: Air Kali Gembong naik. Warga bantaran siaga." in text
    assert "1 memilih BERHENTI" in text and "GSM-7" in text and "1 SMS per warga" in text

    page.check(f"input[value='{prodo}']")
    expect(page.locator("#preview")).to_contain_text("2 warga")
    page.fill("#body", "Tetap waspada \U0001f64f")
    expect(page.locator("#preview")).to_contain_text("UCS-2")
    page.fill("#body", "Hujan deras malam ini, warga bantaran siaga.")
    expect(page.locator("#preview")).to_contain_text("GSM-7")

    page.click("#preview button[value=send]")
    page.wait_for_url(re.compile(rf"{re.escape(server)}/broadcasts/\d+$"))  # the broadcast's own page
    assert "Siaran diantrekan untuk 2 warga" in page.inner_text(".flash")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == 2
    assert errors == []
