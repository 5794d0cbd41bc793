"""Signed Twilio SMS webhooks per second through gunicorn, against a trivial Flask route served the same way,
and the resident memory of a worker after the load."""

from __future__ import annotations

import random
import statistics
import time

from harness import Server, fire, percentile, prepare, twilio_sms

REQUESTS = 2000
WARMUP = 100
CONCURRENCY = 16
MESSAGES = [
    "banjir di gading air 50cm", "longsor ds prodo 2 rumah rusak berat", "banjir sumberrejo 12 rmh terendam",
    "angin kencang di kandung pohon tumbang", "kebakaran rumah di bandaran", "air naik terus di winongan kidul",
]  # fmt: skip


def _requests(base: str, count: int, offset: int) -> list:
    rng = random.Random(offset)
    return [
        twilio_sms(base, f"SM{offset + n:032d}", f"+62812{rng.randrange(10**7, 10**8)}", rng.choice(MESSAGES))
        for n in range(count)
    ]


def _measure(server: Server, offset: int) -> dict:
    fire(server.base, _requests(server.base, WARMUP, offset), CONCURRENCY)
    requests = _requests(server.base, REQUESTS, offset + WARMUP)
    begin = time.perf_counter()
    results = fire(server.base, requests, CONCURRENCY)
    elapsed = time.perf_counter() - begin
    latencies = [r.seconds for r in results]
    statuses = [r.status for r in results]
    return {
        "requests": len(results),
        "per_second": round(len(results) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "non_2xx": sum(1 for s in statuses if s is None or s >= 300),
    }


def run(url: str) -> dict:
    prepare(url)
    with Server("bench.apps:trivial()", workers=2) as trivial:
        baseline = _measure(trivial, 0)
    with Server("webapp:create_app()", url, workers=2) as tangguh:
        webhook = _measure(tangguh, 10_000)
        rss = tangguh.worker_rss_mb()
    return {
        "webhook": webhook,
        "trivial_route": baseline,
        "ratio": round(webhook["per_second"] / baseline["per_second"], 3),
        "worker_rss_mb": round(max(rss), 1) if rss else None,
        "workers": 2,
        "concurrency": CONCURRENCY,
    }
