"""BMKG's feeds on 127.0.0.1: the nowcast index, its CAP documents and the felt-earthquake list, served from the
real-format fixtures in tests/data/bmkg with BMKG's host replaced by this server's.

It answers conditional requests (ETag, If-None-Match → 304) as a web server would, can be told to fail the next
requests (a status such as 500, or ``"huge"`` for a body past any sane limit), and can shift every time in the
documents so that the fixtures' alerts are current (``shift_to_now``). A hostile index is made with ``links``
(documents listed as they are, on whatever host) and ``redirects`` (a path answered 302 to another place).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from fakes.gateways import LocalServer

DATA = Path(__file__).parents[1] / "data" / "bmkg"
INDEX = "/alerts/nowcast/id"
QUAKES = "/DataMKG/TEWS/gempadirasakan.xml"
FIXTURE_NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # 14.30 WIB: the fixtures' Winongan alert is current
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")


def _item(code: str) -> str:
    return _linked(f"https://www.bmkg.go.id/alerts/nowcast/id/{code}_alert.xml", code)


def _linked(url: str, title: str = "peringatan") -> str:
    return (f"    <item>\n      <title>{title}</title>\n      <link>{url}</link>\n"
            "      <author>BMKG</author>\n    </item>\n")  # fmt: skip


class FakeBMKG(LocalServer):
    def __init__(self):
        self.lock = threading.Lock()
        self.index: list[str] | None = None  # alert codes the index lists; None: nowcast_index.xml as it is
        self.shift = timedelta(0)
        self.failures: list = []
        self.requests: list[tuple[str, str, str | None]] = []  # (path, status, If-None-Match)
        self.links: list[str] = []  # listed after ``index``, as they are: documents on other hosts
        self.redirects: dict[str, str] = {}  # path → where a 302 sends the client
        super().__init__()

    @property
    def index_url(self) -> str:
        return self.url + INDEX

    @property
    def quake_url(self) -> str:
        return self.url + QUAKES

    def shift_to_now(self, now: datetime | None = None) -> datetime:
        """Move every time in the documents by (now − the fixtures' now); returns the fixtures' now, moved."""
        self.shift = (now or datetime.now(UTC)) - FIXTURE_NOW
        return FIXTURE_NOW + self.shift

    def fail_next(self, *behaviours):
        self.failures.extend(behaviours)

    def served(self, path: str) -> list[str]:
        return [status for p, status, _ in self.requests if p == path]

    def _body(self, path: str) -> bytes | None:
        if path == INDEX:
            if self.index is None:
                text = (DATA / "nowcast_index.xml").read_text()
            else:
                text = ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n  <channel>\n'
                        "    <title>Peringatan Dini Cuaca BMKG</title>\n" + "".join(map(_item, self.index))
                        + "".join(map(_linked, self.links)) + "  </channel>\n</rss>\n")  # fmt: skip
        elif path == QUAKES:
            text = (DATA / "gempadirasakan.xml").read_text()
        elif path.startswith(INDEX + "/") and (DATA / path.rsplit("/", 1)[1]).is_file():
            text = (DATA / path.rsplit("/", 1)[1]).read_text()
        else:
            return None
        text = text.replace("https://www.bmkg.go.id", self.url)
        if self.shift:
            text = ISO_TIME.sub(lambda m: (datetime.fromisoformat(m.group()) + self.shift).isoformat(), text)
        return text.encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with fake.lock:
                    failure = fake.failures.pop(0) if fake.failures else None
                asked = self.headers.get("If-None-Match")
                if failure == "huge":
                    body = b"<rss>" + b" " * (8 * 1024 * 1024) + b"</rss>"
                    return self._answer(200, body, "huge", asked)
                if failure:
                    return self._answer(int(failure), b"server error", str(failure), asked)
                if self.path in fake.redirects:
                    return self._answer(302, b"", "302", asked, location=fake.redirects[self.path])
                body = fake._body(self.path)
                if body is None:
                    return self._answer(404, b"not found", "404", asked)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if asked == etag:
                    return self._answer(304, b"", "304", asked, etag)
                return self._answer(200, body, "200", asked, etag)

            def _answer(self, status, body, label, asked, etag=None, location=None):
                fake.requests.append((self.path, label, asked))
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                if etag:
                    self.send_header("ETag", etag)
                if location:
                    self.send_header("Location", location)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    # a client that stops reading a too-large document is what the poller should be
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)

        return Handler
