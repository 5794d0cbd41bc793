"""Static files: vendored htmx is the file its checksum names, and pages load nothing from elsewhere."""

import hashlib
import re
from pathlib import Path

from conftest import login

STATIC = Path(__file__).resolve().parents[2] / "static"


def test_vendored_htmx_matches_its_checksum_and_licence():
    (checksum_file,) = (STATIC / "vendor").glob("htmx-*.min.js.sha256")
    expected, name = checksum_file.read_text().split()
    assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == expected
    assert (STATIC / "vendor" / "htmx.LICENSE").read_text().startswith("Zero-Clause BSD")


def _own(url: str) -> bool:
    """A URL on this server: a path (not ``//host``, which leaves the site), a fragment, or inline data."""
    return (url.startswith("/") and not url.startswith("//")) or url.startswith(("#", "data:", "?"))


def test_own_url_check_refuses_other_sites():
    assert _own("/static/app.css?v=1") and _own("data:,") and _own("#reports")
    assert not _own("//cdn.example.com/htmx.js") and not _own("https://cdn.example.com/x.js") and not _own("x.js")


def _html_pages(app, client, incident, report) -> dict[str, str]:
    """Every page the app serves as HTML with a GET, by path: each registered rule, its arguments filled."""
    fill = {"incident_id": incident.id, "report_id": report.id, "code": "id", "user_id": 1, "consultation_id": 1,
            "number_id": 1, "agency_id": 1, "member_id": 1, "draft_id": 1, "broadcast_id": 1, "activity_id": 1,
            "shelter_id": 1, "need_id": 1, "status_id": 1,
            "level": "kecamatan"}  # fmt: skip
    pages = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "service_worker") or rule.rule.startswith("/api"):
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{argument}>", str(fill[argument]), path)
        response = client.get(path, follow_redirects=True)
        if response.mimetype == "text/html":
            pages[path] = response.get_data(as_text=True)
    return pages


def test_every_page_loads_only_its_own_files(app, client, make_user, make_incident):
    """No request ever leaves the site: every src and href of every page, signed out and as kecamatan staff and
    as a desa official, points at this server, and the files they name are served."""
    incident = make_incident("35.14.19", "Gading")
    checked = set()
    for user in (None, make_user("kecamatan_staff", "35.14.19"), make_user("desa_official", "35.14.19", desa="Gading")):
        browser = app.test_client()
        if user is not None:
            login(browser, user.email)
        for path, html in _html_pages(app, browser, incident, incident.reports[0]).items():
            urls = re.findall(r'(?:src|href|action|hx-get|hx-post)="([^"]*)"', html)
            assert urls and all(_own(url) for url in urls), (path, [u for u in urls if not _own(u)])
            checked.add(path)
    assert {"/login", "/incidents", f"/incidents/{incident.id}", "/reports/new", "/dashboard"} <= checked
    for asset in ("app.css", "app.js", "outbox.js"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200
        response.close()
