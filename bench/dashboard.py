"""How long the SPM dashboard takes for a year of a kabupaten's data.

In a throw-away database (``python bench/dashboard.py [sqlite|postgresql]``, or through ``bench/run.py``),
loads Kabupaten Pasuruan's regions, writes a year of synthetic incidents (reports, status changes, counts, GPS
positions) and times the figures themselves and the whole page as a browser gets it, for the kabupaten (admin)
and for one kecamatan (staff). Run with ``make bench``; timing lives here, never in unit tests.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flask_migrate import upgrade  # noqa: E402
from harness import bulk_insert, database  # noqa: E402

from sms.vocab import COUNT_FIELDS  # noqa: E402
from webapp.accounts import create_user  # noqa: E402
from webapp.cli import create_app  # noqa: E402
from webapp.dashboard.service import dashboard  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Incident, IncidentEvent, Region, Report  # noqa: E402
from webapp.regions.areas import Area, Period  # noqa: E402
from webapp.regions.gazetteer import load_kabupaten  # noqa: E402

KABUPATEN = "35.14"
KECAMATAN = "35.14.19"
INCIDENTS = int(os.environ.get("BENCH_INCIDENTS", 6000))  # a very bad year for one kabupaten
REPORTS_PER_INCIDENT = 3
RUNS = 7
YEAR = 2025
HAZARDS = ("banjir", "banjir", "banjir", "tanah_longsor", "cuaca_ekstrem", "kebakaran", "karhutla")


def generate(seed: int = 7) -> None:
    rng = random.Random(seed)
    desa = db.session.execute(
        select(Region.code, Region.parent_code).where(Region.level == "desa", Region.code.like(f"{KABUPATEN}.%"))
    ).all()
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    incidents, reports, events = [], [], []
    for n in range(1, INCIDENTS + 1):
        desa_code, kecamatan = rng.choice(desa)
        opened = start + timedelta(seconds=rng.randrange(365 * 86400))
        verified = opened + timedelta(hours=rng.expovariate(1 / 14))
        handled = verified + timedelta(hours=rng.expovariate(1 / 10))
        resolved = handled + timedelta(hours=rng.expovariate(1 / 72))
        stage = rng.random()
        status = (
            "selesai" if stage < 0.7 else "ditangani" if stage < 0.85 else "diverifikasi" if stage < 0.95 else "baru"
        )
        counts = {name: 0 for name in COUNT_FIELDS} | {
            "rumah_terendam": rng.randrange(0, 40), "terdampak": rng.randrange(0, 200),
            "mengungsi": rng.randrange(0, 50), "luka": rng.randrange(0, 3), "meninggal": int(rng.random() < 0.02),
            "rumah_rusak_berat": rng.randrange(0, 3), "rumah_rusak_ringan": rng.randrange(0, 5),
        }  # fmt: skip
        incidents.append(dict(id=n, ticket=f"B{n:05d}", hazard=rng.choice(HAZARDS), kecamatan_code=kecamatan,
                              desa_code=desa_code, status=status, opened_at=opened, last_report_at=opened,
                              updated_at=opened, **counts))  # fmt: skip
        for r in range(REPORTS_PER_INCIDENT):
            located = r == 0 and rng.random() < 0.3
            reports.append(dict(channel="sms", external_id=f"bench-{n}-{r}", raw_text="banjir", counts={},
                                kecamatan_code=kecamatan, desa_code=desa_code, incident_id=n,
                                received_at=opened + timedelta(minutes=30 * r),
                                latitude=-7.7 + rng.random() / 10 if located else None,
                                longitude=112.9 + rng.random() / 10 if located else None))  # fmt: skip
        reached = {"diverifikasi": verified, "ditangani": handled, "selesai": resolved}
        path = {"baru": [], "diverifikasi": ["diverifikasi"], "ditangani": ["diverifikasi", "ditangani"],
                "selesai": ["diverifikasi", "ditangani", "selesai"]}[status]  # fmt: skip
        old = "baru"
        for new in path:
            events.append(dict(incident_id=n, at=reached[new], kind="status", data={"old": old, "new": new}))
            old = new
    bulk_insert((Incident, incidents), (Report, reports), (IncidentEvent, events))


def timed(action) -> float:
    runs = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        action()
        runs.append(time.perf_counter() - begin)
    return statistics.median(runs)


def run(url: str) -> dict:
    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-secret-key-bench-secret-key-0123",
              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "TESTING": True, "WTF_CSRF_ENABLED": False}  # fmt: skip
    app = create_app(config)
    results = {}
    with app.app_context():
        upgrade()
        load_kabupaten([KABUPATEN])
        begin = time.perf_counter()
        generate()
        results["generate_s"] = round(time.perf_counter() - begin, 1)
        results["incidents"] = INCIDENTS
        results["reports"] = INCIDENTS * REPORTS_PER_INCIDENT
        admin = create_user("admin@bench.test", "Admin", "admin", "bench-password", None)
        staff = create_user("staf@bench.test", "Staf", "kecamatan_staff", "bench-password", KECAMATAN)
        year = Period(date(YEAR, 1, 1), date(YEAR, 12, 31))
        now = datetime(YEAR + 1, 1, 2, tzinfo=UTC)
        for label, area in (("kabupaten", Area(KABUPATEN, "Pasuruan")), ("kecamatan", Area(KECAMATAN, "Winongan"))):
            board = dashboard(area, year, now)
            results[f"{label}_incidents_in_year"] = board.overall.incidents
            results[f"{label}_figures_ms"] = round(timed(lambda a=area: dashboard(a, year, now)) * 1000, 1)
        emails = {"kabupaten": (admin.email, f"&wilayah={KABUPATEN}"), "kecamatan": (staff.email, "")}
    for label, (email, extra) in emails.items():
        client = app.test_client()
        client.post("/login", data={"email": email, "password": "bench-password"})
        path = f"/dashboard?dari={YEAR}-01-01&sampai={YEAR}-12-31{extra}"
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, response.status_code
        results[f"{label}_page_ms"] = round(timed(lambda p=path, c=client: c.get(p)) * 1000, 1)
        results[f"{label}_page_gzip_bytes"] = len(response.data)
        csv_path = path.replace("/dashboard?", "/dashboard/incidents.csv?")
        csv = client.get(csv_path)
        results[f"{label}_csv_ms"] = round(timed(lambda p=csv_path, c=client: c.get(p)) * 1000, 1)
        results[f"{label}_csv_rows"] = csv.data.count(b"\r\n") - 1
    return results


if __name__ == "__main__":
    with database(sys.argv[1] if len(sys.argv) > 1 else "sqlite") as url:
        for key, value in run(url).items():
            print(f"  {key:32} {value}")
