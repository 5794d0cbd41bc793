"""A BMKG warning in real Chromium at 360 px: the poller brings it, the banner leads to the broadcast preview,
staff confirm, and each resident's message is queued once."""

import re

from sqlalchemy import func, select

from conftest import PASSWORD, desa_code
from webapp.extensions import db
from webapp.models import OutboundMessage, Reporter, WarningDraft
from webapp.warnings.poller import poll

from .conftest import sign_in
from .test_report_offline import _transfers

WINONGAN = "35.14.19"


def test_staff_open_the_banner_preview_and_confirm(server, browser_context, make_user, fake_bmkg):
    for n, desa in enumerate(("Gading", "Prodo")):
        db.session.add(Reporter(phone=f"+62812700000{n}", name=f"Warga {desa}", desa_code=desa_code(WINONGAN, desa)))
    db.session.commit()
    staff = make_user("kecamatan_staff", WINONGAN)
    fake_bmkg.index = ["CJI20261201001"]
    poll(fake_bmkg.shift_to_now())
    page = browser_context.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(page, server, staff.email, PASSWORD)

    banner = page.locator("#warning-banner a")
    assert "Peringatan dini BMKG: Hujan Lebat disertai Angin Kencang" in banner.inner_text()
    banner.click()
    page.wait_for_url("**/broadcasts/new?peringatan=*")
    assert "Dari BMKG" in page.inner_text("#bmkg")
    preview = page.inner_text("#preview")
    assert "PERINGATAN DINI Kec. Winongan: BMKG " in preview and "2 warga" in preview and "GSM-7" in preview
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    weight = _transfers(browser_context, page, page.url)
    assert [size for url, size, _ in weight if "/broadcasts/new" in url][0] <= 14 * 1024

    page.click("#preview button[value=send]")
    page.wait_for_url(re.compile(rf"{re.escape(server)}/broadcasts/\d+$"))  # the broadcast's own page
    assert "Siaran diantrekan untuk 2 warga" in page.inner_text(".flash")
    assert page.locator("#warning-banner a").count() == 0
    page.go_back()  # the browser offers the sent form again: nothing goes twice
    page.reload()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage).where(
        OutboundMessage.purpose == "broadcast")) == 2  # fmt: skip
    assert db.session.scalar(select(WarningDraft.state)) == "terkirim"
