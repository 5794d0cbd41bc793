"""A likely duplicate offered on the incident page and merged in two taps, in real Chromium at 360 px."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import Incident, OutboundMessage, utcnow

from .conftest import sign_in

WINONGAN = "35.14.19"


def test_a_likely_duplicate_is_offered_and_merged_in_two_taps(server, browser_context, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    start = utcnow() - timedelta(hours=3)
    first = make_incident(WINONGAN, "Gading", opened_at=start, reports=("+6281211110001",), mengungsi=12)
    second = make_incident(WINONGAN, "Gading", opened_at=start + timedelta(minutes=40), reports=("+6281211110002",))
    for incident in (first, second):
        incident.last_report_at = incident.opened_at
    db.session.commit()
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)

    page.goto(f"{server}/incidents/{second.id}")
    offered = page.locator("section.duplicates")
    expect(offered).to_contain_text(first.ticket)
    expect(offered).to_contain_text("desa dan jenis sama")
    button = offered.locator("button", has_text=f"Gabungkan ke {first.ticket}")
    targets = offered.locator("a, button")
    assert targets.count() == 2 and all(targets.nth(i).bounding_box()["height"] >= 44 for i in range(2))
    button.click()  # one tap: the two side by side, and the question
    confirm = page.locator("section.confirm")
    expect(confirm).to_contain_text(f"Gabungkan {second.ticket} ke {first.ticket}?")
    assert first.ticket in confirm.inner_text() and second.ticket in confirm.inner_text()
    db.session.expire_all()
    assert db.session.get(Incident, second.id).status == "baru"  # nothing merged before the answer
    confirm.locator("button.danger").click()  # two taps
    page.wait_for_url(f"{server}/incidents/{first.id}")
    expect(page.locator("#timeline")).to_contain_text(
        f"Menerima 1 laporan dari {second.ticket}; 1 pelapornya diberi tahu tiket ini"
    )
    db.session.expire_all()
    assert db.session.get(Incident, second.id).merged_into_id == first.id
    told = db.session.scalars(select(OutboundMessage.body).where(OutboundMessage.to_phone == "+6281211110002")).all()
    assert told == [f"Laporan Anda (tiket {second.ticket}) digabung dgn laporan banjir lain di Desa Gading. "
                    f"Tiket sekarang: {first.ticket}. Cek status: CEK {first.ticket}"]  # fmt: skip
    assert page.locator("section.duplicates").count() == 0  # the duplicate is gone from the offer


# Links and buttons on the incident page that a thumb must hit, by their height; a link inside a sentence (a ticket
# named in a note or a report's text) is text, and WCAG 2.5.8 lets it be: a link alone in its paragraph is not.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll('main a, main button, main summary, main select'))
  .filter(e => e.offsetParent !== null)
  .filter(e => getComputedStyle(e).display !== 'inline' || e.parentElement.textContent.trim() === e.textContent.trim()
               || e.parentElement.firstElementChild === e && e.parentElement.firstChild === e)
  .map(e => [e.tagName + ' ' + e.textContent.trim().slice(0, 30), e.getBoundingClientRect().height])
  .filter(([, h]) => h < 44)"""


def test_every_control_on_the_incident_page_is_a_thumb_high(server, browser_context, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading", reports=("+6281211110001",), mengungsi=12)
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    page.goto(f"{server}/incidents/{incident.id}")
    assert page.evaluate(SMALL_TARGETS) == []
