"""Compression and fingerprinted static files: what a prepaid 2G connection is spared."""

import gzip
import re


def test_static_files_are_fingerprinted_and_cached_for_a_year(client):
    html = client.get("/login").get_data(as_text=True)
    css_url = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', html).group(1)
    response = client.get(css_url)
    assert response.status_code == 200 and response.mimetype == "text/css"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    stale = client.get("/static/app.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "public, no-cache"  # an old or missing version is revalidated


def test_static_files_come_gzipped_and_answer_304_when_unchanged(client):
    html = client.get("/login").get_data(as_text=True)
    js_url = re.search(r'src="(/static/app\.js\?v=[0-9a-f]{12})"', html).group(1)
    plain = client.get(js_url)
    packed = client.get(js_url, headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
    again = client.get(js_url, headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_unknown_static_file_is_404(client):
    assert client.get("/static/tidak-ada.js").status_code == 404
    assert client.get("/static/../webapp/config.py").status_code == 404


def test_pages_are_gzipped_for_clients_that_take_gzip(client):
    plain = client.get("/login")
    packed = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < 14 * 1024


def test_small_and_empty_responses_are_left_alone(client):
    health = client.get("/healthz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in health.headers  # under 512 bytes: not worth it
