"""The BMKG poller's cost per cycle, against the fixture server (tests/fakes/bmkg.py) on 127.0.0.1: the first
cycle (index and three CAP documents fetched, stored, matched, drafted, staff told), and an unchanged cycle
(one conditional GET answered 304), median of 20."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from harness import prepare

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.bmkg import FakeBMKG  # noqa: E402
from webapp.accounts import create_user  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.warnings.poller import poll  # noqa: E402

REPEATS = 20


def run(url: str) -> dict:
    app = prepare(url, kabupaten=("35.14", "63.11"))
    fake = FakeBMKG().start()
    try:
        app.config.update(WARNINGS_NOWCAST_URL=fake.index_url, WARNINGS_QUAKE_URL="")
        with app.app_context():
            create_user("staf@bench.test", "Staf", "kecamatan_staff", "bench-password", "35.14.19", "+6281255500001")
            now = fake.shift_to_now()
            begin = time.perf_counter()
            first = poll(now)
            first_ms = (time.perf_counter() - begin) * 1000
            unchanged = []
            for _ in range(REPEATS):
                begin = time.perf_counter()
                poll(now)
                unchanged.append((time.perf_counter() - begin) * 1000)
            db.session.remove()
    finally:
        fake.stop()
    return {"first_cycle_ms": round(first_ms, 1), "first_cycle": first.counts,
            "unchanged_cycle_median_ms": round(statistics.median(unchanged), 1)}  # fmt: skip
