"""What the camat signs, printed by real Chromium: the recap fits A4 landscape with every column, and no banner,
menu, button or form reaches the paper of the recap, the daily report or Form B-1."""

from datetime import timedelta

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import WarningAlert, WarningDraft, utcnow

from .conftest import sign_in

WINONGAN = "35.14.19"
A4_LANDSCAPE_PRINTABLE_PX = round((297 - 2 * 12) / 25.4 * 96)  # 297 mm less the 12 mm margins, at 96 px per inch


def test_the_recap_fits_a4_landscape_and_printouts_carry_no_banners(server, chromium, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading", meninggal=3, hilang=4, luka=9, luka_berat=2, mengungsi=120,
                             mengungsi_kk=35, terdampak=400, rumah_terendam=80, rumah_rusak_berat=2)  # fmt: skip
    incident.status = "diverifikasi"
    incident.b1 = {"fasilitas": {"pendidikan": {"berat": 1}, "jembatan": {"sedang": 1}}}
    alert = WarningAlert(source="nowcast", identifier="CAP-print", event="Hujan Lebat", hazard="banjir",
                         issued_at=utcnow(), expires_at=utcnow() + timedelta(hours=3), matched=True)  # fmt: skip
    db.session.add(WarningDraft(alert=alert, kecamatan_code=WINONGAN, body="BMKG: hujan lebat"))  # a BMKG banner
    db.session.commit()
    staff = make_user("kecamatan_staff", WINONGAN)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    sign_in(page, server, staff.email, PASSWORD)

    page.goto(f"{server}/dashboard/recap")
    assert page.is_visible("#warning-banner")  # on screen the banner is there …
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_LANDSCAPE_PRINTABLE_PX, "height": 800})
    assert not page.is_visible("#warning-banner") and not page.is_visible("header.bar")  # … on paper it is not
    headers = page.eval_on_selector_all(
        ".recap-table:first-of-type thead tr:last-child th",
        "cells => cells.map(c => [c.textContent.trim(), c.getBoundingClientRect().right])",
    )
    names = [name for name, _right in headers]
    for column in ("MD", "Hilang", "LB", "LR", "Luka belum dirinci", "Terendam", "Pendidikan", "Jembatan"):
        assert column in names, names
    assert max(right for _name, right in headers) <= A4_LANDSCAPE_PRINTABLE_PX, headers
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        f"{A4_LANDSCAPE_PRINTABLE_PX}).map(e => e.tagName + '.' + e.className + ':' + "
        "e.getBoundingClientRect().right)"
    )
    assert wide == []  # nothing on the page reaches past the paper's printable width
    pdf = page.pdf(format="A4", landscape=True, print_background=False)
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") <= 2

    for path in (f"/incidents/{incident.id}/b1", f"/laporan-harian?wilayah={WINONGAN}"):
        page.emulate_media(media="screen")
        page.goto(f"{server}{path}")
        page.emulate_media(media="print")
        visible = page.eval_on_selector_all(
            "button, form, nav, .strip, .flash", "nodes => nodes.filter(n => n.offsetParent !== null).length"
        )
        assert visible == 0, path
        assert "Tangguh" not in page.inner_text("body").split("\n")[0], path
    context.close()
