"""Does the triage list get slower as history grows? ``/incidents`` and ``/api/incidents`` server time (p50, p95)
with 10 000 and with 100 000 reports (2 000 and 20 000 incidents over three kabupaten), for each role that reads
them: a kecamatan's staff (Winongan), a kabupaten's staff (Pasuruan) and an admin (every kabupaten); and how many
SQL statements one page of each costs (the same whatever the size, or the list has an N+1)."""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from harness import WINONGAN, bulk_insert, percentile, prepare
from sqlalchemy import event, insert, select

from sms.vocab import COUNT_FIELDS
from webapp.accounts import create_user, issue_api_token
from webapp.extensions import db
from webapp.models import Incident, Region, Report, Reporter

KABUPATEN = ("35.14", "63.11", "35.13")  # Pasuruan, Balangan, Probolinggo
REPORTS_PER_INCIDENT = 5
SIZES = (2_000, 20_000)  # incidents: 10 000 and 100 000 reports
RUNS = 60
PASURUAN = "35.14"
# role: (email, role, region); each reads the list and the API
ROLES = {
    "staff": ("staf@bench.test", "kecamatan_staff", WINONGAN),
    "kabupaten": ("kabupaten@bench.test", "kabupaten_staff", PASURUAN),
    "admin": ("admin@bench.test", "admin", None),
}
PAGES = ("list", "api")
TARGET_P95_MS = {"sqlite": 15, "postgresql": 20}  # at 100 000 reports, for every role
TARGET_RATIO = 1.2  # p95 at 100 000 reports / p95 at 10 000
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


def statements(app, client, path: str, headers=None) -> int:
    """How many SQL statements one request sends to the database."""
    sent = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:  # the request outside this app context: it pushes its own, as in production
        assert client.get(path, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def run(url: str) -> dict:
    app = prepare(url, KABUPATEN)
    app.config.update(WTF_CSRF_ENABLED=False, TESTING=True)
    tokens = {}
    with app.app_context():
        for role, (email, name, region) in ROLES.items():
            tokens[role] = issue_api_token(create_user(email, role.title(), name, "bench-password", region))
    results, done = {}, 0
    for size in SIZES:
        with app.app_context():
            generate(done + 1, size - done, seed=len(results) + 1)
            reports = db.session.scalar(select(db.func.count()).select_from(Report))
            in_kecamatan = db.session.scalar(
                select(db.func.count()).select_from(Incident).where(Incident.kecamatan_code == WINONGAN)
            )
        done = size
        result = results[str(reports)] = {"incidents": size, "incidents_in_kecamatan": in_kecamatan, "statements": {}}
        for role, (email, _name, _region) in ROLES.items():
            client = app.test_client()
            client.post("/login", data={"email": email, "password": "bench-password"})
            bearer = {"Authorization": f"Bearer {tokens[role]}"}
            result[f"{role}_list"] = timed(client, "/incidents")
            result[f"{role}_api"] = timed(client, "/api/incidents", bearer)
            result["statements"][f"{role}_list"] = statements(app, client, "/incidents")
            result["statements"][f"{role}_api"] = statements(app, client, "/api/incidents", bearer)
    small, large = (results[key] for key in results)
    names = [f"{role}_{page}" for role in ROLES for page in PAGES]
    results["ratio_p95"] = {name: round(large[name]["p95_ms"] / small[name]["p95_ms"], 2) for name in names}
    results["targets"] = {"p95_ms": TARGET_P95_MS["postgresql" if url.startswith("postgresql") else "sqlite"],
                          "ratio": TARGET_RATIO}  # fmt: skip
    return results
