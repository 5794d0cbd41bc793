"""The menu of every role leads only to pages that role may open, its first row is what the role does most, and
the "Lainnya" fold holds the rest with the password and signing out."""

import re

from sqlalchemy import select

from conftest import signed_in
from webapp.extensions import db
from webapp.models import Agency

WINONGAN = "35.14.19"
NAV = re.compile(r"<nav aria-label=\"[^\"]*\">(.*?)</nav>", re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)')


def _menu(client) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(href, label) of the first row, then of the "Lainnya" fold, as the page lists them."""
    nav = NAV.search(client.get("/incidents", follow_redirects=True).get_data(as_text=True)).group(1)
    row, fold = nav.split('<details class="more-menu">')
    return [(h, t.strip()) for h, t in LINK.findall(row)], [(h, t.strip()) for h, t in LINK.findall(fold)]


def test_every_role_sees_its_work_first_and_only_pages_it_may_open(app, make_user):
    bpbd = db.session.scalar(select(Agency.id).where(Agency.name == "BPBD"))
    users = {
        "kecamatan_staff": make_user("kecamatan_staff", WINONGAN),
        "desa_official": make_user("desa_official", WINONGAN, desa="Gading"),
        "kabupaten_staff": make_user("kabupaten_staff", "35.14"),
        "agency": make_user("agency", WINONGAN, agency=bpbd),
        "admin": make_user("admin"),
    }
    first_rows = {}
    for role, user in users.items():
        client = signed_in(app, user)
        row, fold = _menu(client)
        first_rows[role] = [label for _href, label in row]
        assert len(row) <= 4 and ("/sandi", "Ganti kata sandi") in fold, role
        hrefs = [href for href, _label in row + fold]
        assert len(hrefs) == len(set(hrefs)), role  # each page once
        refused = [href for href in hrefs if client.get(href).status_code != 200]
        assert refused == [], role
    assert first_rows == {
        "kecamatan_staff": ["Insiden", "Peta", "Siaran", "Konsultasi"],
        "desa_official": ["Beranda", "Lapor", "Siaran", "Konsultasi"],
        "kabupaten_staff": ["Insiden", "Peta", "Dasbor", "Pengungsian"],
        "agency": ["Insiden", "Peta", "Konsultasi", "Kebutuhan"],
        "admin": ["Insiden", "Dasbor", "Akun", "Pengaturan"],
    }
