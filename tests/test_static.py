"""Static files: vendored htmx is the file its checksum names, and pages load nothing from elsewhere."""

import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_vendored_htmx_matches_its_checksum_and_licence():
    (checksum_file,) = (STATIC / "vendor").glob("htmx-*.min.js.sha256")
    expected, name = checksum_file.read_text().split()
    assert hashlib.sha256((STATIC / "vendor" / name).read_bytes()).hexdigest() == expected
    assert (STATIC / "vendor" / "htmx.LICENSE").read_text().startswith("Zero-Clause BSD")


def test_pages_load_only_their_own_files(client):
    html = client.get("/login").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") or s.startswith("data:") for s in sources), sources
    response = client.get(next(s for s in sources if "htmx" in s))
    assert response.status_code == 200
    response.close()
