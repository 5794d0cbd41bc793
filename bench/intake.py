"""What one new report costs the server: SQL statements and server time per signed webhook, in process (no
network, one request at a time), for Twilio and the Android gateway; a report that joins an open incident apart
from one that opens an incident, and a repeated delivery. Targets (issue 30): a new report ≤ 8 statements and
≤ 3 ms median."""

from __future__ import annotations

import random
import statistics
import time

from harness import android_sms, prepare, twilio_sms
from sqlalchemy import event, update
from throughput import MESSAGES

from webapp.extensions import db
from webapp.models import Incident

WARMUP = 50
REQUESTS = 400


def run(url: str) -> dict:
    app = prepare(url)
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client = app.test_client()
    rng = random.Random(30)
    results = {}
    for gateway in ("twilio", "android"):
        kinds: dict[str, list[tuple[int, float]]] = {"joins": [], "opens": [], "repeat": []}
        for n in range(WARMUP + REQUESTS):
            sender, text = f"+62812{rng.randrange(10**7, 10**8)}", rng.choice(MESSAGES)
            if gateway == "twilio":
                request = twilio_sms("http://localhost", f"SMbench{n:026d}", sender, text)
            else:
                request = android_sms(f"bench-{n}", sender, text)
            if n % 10 == 5:  # every incident closed: this report opens a new one
                with app.app_context():
                    db.session.execute(update(Incident).values(status="selesai"))
                    db.session.commit()
            for attempt in ("new", "repeat") if n % 10 == 0 else ("new",):
                statements.clear()
                begin = time.perf_counter()
                response = client.post(request.path, data=request.body, headers=request.headers)
                elapsed = time.perf_counter() - begin
                assert response.status_code == 200, response.data
                if n < WARMUP:
                    continue
                opened = any(s.startswith("INSERT INTO incident ") for s in statements)
                kind = "repeat" if attempt == "repeat" else "opens" if opened else "joins"
                kinds[kind].append((len(statements), elapsed))
        results[gateway] = {
            kind: {
                "requests": len(rows),
                "statements_median": statistics.median(s for s, _ in rows),
                "statements_max": max(s for s, _ in rows),
                "server_ms_median": round(statistics.median(t for _, t in rows) * 1000, 2),
            }
            for kind, rows in kinds.items()
            if rows
        }
    return results
