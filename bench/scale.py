"""Does the triage list get slower as history grows? ``/incidents`` and ``/api/incidents`` server time (p50, p95)
for a kecamatan's staff with 10 000 and with 100 000 reports (2 000 and 20 000 incidents over three kabupaten)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from harness import WINONGAN, bulk_insert, percentile, prepare
from sqlalchemy import insert, select

from sms.vocab import COUNT_FIELDS
from webapp.accounts import create_user, issue_api_token
from webapp.extensions import db
from webapp.models import Incident, Region, Report, Reporter

KABUPATEN = ("35.14", "63.11", "35.13")  # Pasuruan, Balangan, Probolinggo
REPORTS_PER_INCIDENT = 5
SIZES = (2_000, 20_000)  # incidents: 10 000 and 100 000 reports
RUNS = 60
STATUSES = ("baru", "diverifikasi", "ditangani", "selesai", "selesai", "selesai", "ditolak")
HAZARDS = ("banjir", "banjir", "tanah_longsor", "cuaca_ekstrem", "kebakaran", "karhutla", None)


def generate(first_id: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    desa = db.session.execute(select(Region.code, Region.parent_code).where(Region.level == "desa")).all()
    now = datetime.now(UTC)
    reporters = [dict(phone=f"+62813{seed:02d}{n:06d}") for n in range(count)]
    db.session.execute(insert(Reporter), reporters)
    reporter_ids = db.session.scalars(select(Reporter.id).where(Reporter.phone.like(f"+62813{seed:02d}%"))).all()
    incidents, reports = [], []
    for n in range(first_id, first_id + count):
        desa_code, kecamatan = rng.choice(desa)
        opened = now - timedelta(seconds=rng.randrange(2 * 365 * 86400))
        counts = dict.fromkeys(COUNT_FIELDS, 0) | {"rumah_terendam": rng.randrange(0, 30),
                                                   "terdampak": rng.randrange(0, 100)}  # fmt: skip
        incidents.append(dict(id=n, ticket=f"S{n:05d}", hazard=rng.choice(HAZARDS), kecamatan_code=kecamatan,
                              desa_code=desa_code, status=rng.choice(STATUSES), severity=rng.choice((None, 1, 2, 3)),
                              opened_at=opened, last_report_at=opened + timedelta(hours=REPORTS_PER_INCIDENT),
                              updated_at=opened, **counts))  # fmt: skip
        for r in range(REPORTS_PER_INCIDENT):
            reports.append(dict(channel="sms", external_id=f"scale-{n}-{r}", raw_text="banjir di desa, air 50 cm",
                                kecamatan_code=kecamatan, desa_code=desa_code, incident_id=n, counts={},
                                reporter_id=rng.choice(reporter_ids), hazard="banjir",
                                received_at=opened + timedelta(hours=r)))  # fmt: skip
    bulk_insert((Incident, incidents), (Report, reports))


def timed(client, path: str, headers=None) -> dict:
    for _ in range(5):
        assert client.get(path, headers=headers).status_code == 200
    runs = []
    for _ in range(RUNS):
        begin = time.perf_counter()
        response = client.get(path, headers=headers)
        runs.append(time.perf_counter() - begin)
        assert response.status_code == 200
    return {"p50_ms": round(statistics.median(runs) * 1000, 1), "p95_ms": round(percentile(runs, 0.95) * 1000, 1)}


def run(url: str) -> dict:
    app = prepare(url, KABUPATEN)
    app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    with app.app_context():
        staff = create_user("staf@bench.test", "Staf", "kecamatan_staff", "bench-password", WINONGAN)
        admin = create_user("admin@bench.test", "Admin", "admin", "bench-password", None)
        token = issue_api_token(staff)
        emails = (staff.email, admin.email)
    results, done = {}, 0
    for size in SIZES:
        with app.app_context():
            generate(done + 1, size - done, seed=len(results) + 1)
            reports = db.session.scalar(select(db.func.count()).select_from(Report))
            in_kecamatan = db.session.scalar(
                select(db.func.count()).select_from(Incident).where(Incident.kecamatan_code == WINONGAN)
            )
        done = size
        staff_client, admin_client = app.test_client(), app.test_client()
        for client, email in zip((staff_client, admin_client), emails, strict=True):
            client.post("/login", data={"email": email, "password": "bench-password"})
        results[str(reports)] = {
            "incidents": size,
            "incidents_in_kecamatan": in_kecamatan,
            "staff_list": timed(staff_client, "/incidents"),
            "staff_api": timed(staff_client, "/api/incidents", {"Authorization": f"Bearer {token}"}),
            "admin_list": timed(admin_client, "/incidents"),
        }
    small, large = (results[key] for key in results)
    results["ratio_p95"] = {
        name: round(large[name]["p95_ms"] / small[name]["p95_ms"], 2)
        for name in ("staff_list", "staff_api", "admin_list")
    }
    return results
