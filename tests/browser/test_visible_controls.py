"""Every button a person can press is visible: its text colour differs from the background it sits on."""

from conftest import PASSWORD, desa_code
from webapp.extensions import db
from webapp.models import Reporter

from .conftest import sign_in

WINONGAN = "35.14.19"

CONTRAST = """() => Array.from(document.querySelectorAll('main button:not([hidden])')).map(button => {
  let node = button, background = 'rgba(0, 0, 0, 0)';
  while (node && (background === 'rgba(0, 0, 0, 0)' || background === 'transparent')) {
    background = getComputedStyle(node).backgroundColor; node = node.parentElement;
  }
  return [button.textContent.trim(), getComputedStyle(button).color, background];
})"""


def test_buttons_on_the_incident_and_residents_pages_can_be_seen(server, browser_context, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281234567890", "+6281234567891"))
    db.session.add(Reporter(phone="+6281200000001", name="Siti", desa_code=desa_code(WINONGAN, "Gading")))
    db.session.commit()
    staff = make_user("kecamatan_staff", WINONGAN)
    page = browser_context.new_page()
    sign_in(page, server, staff.email, PASSWORD)
    for path in (f"/incidents/{incident.id}", "/residents"):
        page.goto(f"{server}{path}")
        buttons = page.evaluate(CONTRAST)
        assert buttons, path
        invisible = [(label, colour) for label, colour, background in buttons if colour == background]
        assert invisible == [], (path, invisible)
