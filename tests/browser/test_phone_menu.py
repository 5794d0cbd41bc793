"""The desk on a 360 × 640 phone, for every role: the menu (at most four destinations and "Lainnya", every tap
target at least 44 px), and each role's list or home showing its first item on the first screen, banners and
all."""

import re

import pytest
from sqlalchemy import select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.incidents import actions
from webapp.models import Agency, utcnow
from webapp.setup.service import add_number
from webapp.warnings.poller import poll

from .conftest import sign_in

WINONGAN = "35.14.19"
PHONE = {"width": 360, "height": 640}

# The top of the first item must be inside the first screen; its text tells which item it is.
FIRST_ITEM = {"/incidents": "#incident-list li.card", "/beranda": "main ul.incidents li.card"}


@pytest.fixture
def desk(make_user, make_incident, fake_bmkg):
    """A kecamatan on a bad night: two incidents, one handed to BPBD; an official's report; a gateway never heard
    (the red strip) and a BMKG warning's draft waiting (the yellow banner) on staff pages."""
    staff = make_user("kecamatan_staff", WINONGAN)
    official = make_user("desa_official", WINONGAN, desa="Gading")
    bpbd = db.session.scalar(select(Agency).where(Agency.name == "BPBD"))
    first = make_incident(WINONGAN, "Gading", meninggal=1, mengungsi=40)
    make_incident(WINONGAN, "Prodo", hazard="tanah_longsor", luka=2)
    first.reports[0].submitted_by_id = official.id
    db.session.commit()
    actions.change_status(first, staff, "diverifikasi")
    actions.hand_over(first, staff, bpbd.id)
    number, _key = add_number(None, "android", "dev-winongan-0123456789abcdef", WINONGAN, phone="081299998888",
                              label="HP gateway Kantor Kecamatan Winongan (SIM Telkomsel)")  # fmt: skip
    number.offline_since = utcnow()
    db.session.commit()
    fake_bmkg.index = ["CJI20261201001"]
    poll(fake_bmkg.shift_to_now())
    return {
        "kecamatan_staff": staff,
        "desa_official": official,
        "kabupaten_staff": make_user("kabupaten_staff", "35.14"),
        "agency": make_user("agency", WINONGAN, agency=bpbd.id),
        "admin": make_user("admin"),
    }


# Every tap target in the menu, the "Lainnya" fold opened: (label, width, height) of those a person can see.
TARGETS = """() => Array.from(document.querySelectorAll('header a, header summary, header button'))
  .filter(e => e.offsetParent !== null)
  .map(e => [e.textContent.trim(), e.getBoundingClientRect().width, e.getBoundingClientRect().height])"""


def _top_of(page, selector: str) -> float:
    return page.evaluate(f"document.querySelector({selector!r}).getBoundingClientRect().top")


@pytest.mark.parametrize("role", ["kecamatan_staff", "desa_official", "kabupaten_staff", "agency", "admin"])
def test_a_phone_shows_the_menu_and_the_first_item_on_the_first_screen(server, chromium, desk, role):
    context = chromium.new_context(viewport=PHONE, locale="id-ID")
    page = context.new_page()
    sign_in(page, server, desk[role].email, PASSWORD)
    home = page.url[len(server) :]
    for path in dict.fromkeys((home, "/incidents")):
        page.goto(f"{server}{path}")
        if role == "kecamatan_staff":  # both warnings on top of the list, as on a bad night
            assert page.locator(".strip").count() == 2
        top = _top_of(page, FIRST_ITEM[path])
        assert top < PHONE["height"] - 60, (role, path, top)  # the card's first line shows, not just its border
        if path == "/beranda":
            assert _top_of(page, "main a.primary") < top  # the next action, "Lapor kejadian", above it
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (role, path)

    primary = page.locator("header nav > a")
    assert 2 <= primary.count() <= 4 and page.locator("header nav > details.more-menu").count() == 1
    assert page.evaluate("document.querySelector('header').getBoundingClientRect().height") <= 100  # two rows
    page.click("header .more-menu summary")
    targets = page.evaluate(TARGETS)
    labels = [label for label, _w, _h in targets]
    assert "Ganti kata sandi" in labels and "Keluar" in labels and "Lainnya" in labels
    small = [(label, w, h) for label, w, h in targets if w < 44 or h < 44]
    assert small == []
    context.close()


def test_staff_reach_their_work_in_one_tap_and_the_rest_under_lainnya_without_javascript(server, chromium, desk):
    context = chromium.new_context(viewport=PHONE, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, server, desk["kecamatan_staff"].email, PASSWORD)
    primary = [text.split()[0] for text in page.locator("header nav > a").all_inner_texts()]
    assert primary == ["Insiden", "Peta", "Siaran", "Konsultasi"]
    fold = page.locator("header .more-list")
    assert not fold.is_visible()
    page.click("header .more-menu summary")
    assert fold.is_visible()
    assert fold.inner_text().split("\n")[:3] == ["Laporan saya", "Lapor", "BMKG"]
    page.click("header .more-list a:has-text('Warga')")
    page.wait_for_url(f"{server}/residents")
    assert page.locator("header nav a[aria-current=page]").text_content() == "Warga"  # in the closed fold
    page.click("header .more-menu summary")
    page.click("header .more-list button:has-text('Keluar')")
    page.wait_for_url(re.compile(re.escape(server) + r"/login"))
    context.close()
