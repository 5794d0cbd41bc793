"""``make reliability``: what a flood does to the SMS door, on SQLite and on PostgreSQL.

1. A burst of 2 000 signed webhook posts (Twilio and Android gateway, half each), 30 % of them repeats of
   earlier messages, from 16 concurrent clients against gunicorn: exactly the unique messages are stored,
   every repeat gets the first answer, no 5xx.
2. The same burst with the server killed (SIGKILL, master and workers) part-way and started again: no message
   that was answered 200 is lost; the messages that got no answer are sent again, as the gateways retry, and
   in the end each is stored once.
3. The same burst with the rate-limit store (a redis-server of its own) killed a third of the way in and
   started again at two thirds: every post answered 200, every message stored once, ``/healthz`` naming
   ``ratelimit_store`` while it was down.

The fuzzing of every public POST endpoint runs after this, as ``tests/test_fuzz.py`` with many more examples.
Exits non-zero when anything above does not hold.
"""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, Server, android_sms, database, fire, postgres_available, prepare, twilio_sms  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from webapp.extensions import db  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from fakes.redis_server import RedisServer  # noqa: E402
from webapp.models import OutboundMessage, Report  # noqa: E402

POSTS = 2000
REPEAT_SHARE = 0.3
CONCURRENCY = 16
TEXTS = ["banjir di gading air 50cm", "longsor ds prodo 2 rumah rusak berat", "pohon tumbang di kandung",
         "banjir sumberrejo 12 rmh terendam", "tolong pak air masuk rumah"]  # fmt: skip


def burst(base: str, seed: int) -> tuple[list, list[str]]:
    """2 000 posts, 30 % repeats placed after their original; returns the requests and each one's message key."""
    rng = random.Random(seed)
    unique = int(POSTS * (1 - REPEAT_SHARE))
    originals = []
    for n in range(unique):
        sender = f"+62812{seed:02d}{n:05d}"
        if n % 2:
            originals.append(
                (f"sms:SM{seed:04d}{n:028d}", twilio_sms(base, f"SM{seed:04d}{n:028d}", sender, rng.choice(TEXTS)))
            )
        else:
            originals.append((f"android:ev-{seed}-{n}", android_sms(f"ev-{seed}-{n}", sender, rng.choice(TEXTS))))
    posts = list(originals)
    for _ in range(POSTS - unique):  # a repeat lands soon after its original, often while it is being handled
        index = rng.randrange(len(originals))
        posts.insert(min(len(posts), index + rng.randrange(1, 40)), originals[index])
    return [request for _, request in posts], [key for key, _ in posts]


def _answer(body: bytes):
    """What a sender is told: the TwiML as it is; from the Android door, the report and the reply (its
    ``duplicate`` flag rightly differs between the first delivery and a repeat)."""
    if body.startswith(b"{"):
        answer = json.loads(body)
        return answer.get("report_id"), answer.get("reply")
    return body


def stored(app) -> Counter:
    with app.app_context():
        rows = db.session.execute(select(Report.channel, Report.external_id)).all()
    return Counter(f"{'android' if external.startswith('ev-') else channel}:{external}" for channel, external in rows)


def replies_queued(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboundMessage))


def check_burst(kind: str, url: str) -> dict:
    app = prepare(url)
    with Server("webapp:create_app()", url) as server:
        requests, keys = burst(server.base, seed=1)
        begin = time.perf_counter()
        results = fire(server.base, requests, CONCURRENCY)
        elapsed = time.perf_counter() - begin
    statuses = Counter(r.status for r in results)
    answers: dict[str, set] = {}
    for result, key in zip(results, keys, strict=True):
        answers.setdefault(key, set()).add(_answer(result.body))
    counts = stored(app)
    unique = len(set(keys))
    outcome = {
        "posts": len(results),
        "unique_messages": unique,
        "stored": sum(counts.values()),
        "stored_twice": sum(1 for c in counts.values() if c > 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "repeats_answered_differently": sum(1 for bodies in answers.values() if len(bodies) > 1),
        "android_replies_queued": replies_queued(app),
        "android_messages": sum(1 for k in set(keys) if k.startswith("android:")),
        "seconds": round(elapsed, 1),
    }
    outcome["ok"] = (
        outcome["stored"] == unique
        and set(counts) == set(keys)
        and statuses == Counter({200: POSTS})
        and outcome["repeats_answered_differently"] == 0
        and outcome["android_replies_queued"] == outcome["android_messages"]
    )
    return outcome


def check_kill(kind: str, url: str) -> dict:
    app = prepare(url)
    server = Server("webapp:create_app()", url).start()
    requests, keys = burst(server.base, seed=2)
    answered = 0
    lock = threading.Lock()
    killed = threading.Event()

    def watch(result):
        nonlocal answered
        with lock:
            answered += result.status == 200
            if answered == POSTS // 3 and not killed.is_set():
                killed.set()
                server.kill()  # the power goes: master and workers, mid-request

    restarted = threading.Thread(target=lambda: (killed.wait(), time.sleep(1.0), server.start()))
    restarted.start()
    results = fire(server.base, requests, CONCURRENCY, on_result=watch, pause_on_error=0.5)
    restarted.join()
    first_round = Counter(r.status for r in results)
    ok_before = {keys[r.index] for r in results if r.status == 200}
    lost = [key for key in ok_before if key not in stored(app)]
    # The gateways deliver again what was not acknowledged (the Android gateway retries for two days).
    pending = [r.index for r in results if r.status != 200]
    rounds, server_errors = 0, sum(1 for r in results if r.status and r.status >= 500)
    while pending and rounds < 5:
        rounds += 1
        again = fire(server.base, [requests[i] for i in pending], CONCURRENCY)
        server_errors += sum(1 for r in again if r.status and r.status >= 500)
        pending = [pending[r.index] for r in again if r.status != 200]
        time.sleep(0.5)
    server.stop()
    counts = stored(app)
    outcome = {
        "posts": len(results),
        "answered_200_before_retry": first_round.get(200, 0),
        "no_answer_during_restart": first_round.get(None, 0),
        "answered_200_then_lost": len(lost),
        "server_errors": server_errors,
        "retry_rounds": rounds,
        "still_unanswered": len(pending),
        "stored": sum(counts.values()),
        "unique_messages": len(set(keys)),
        "stored_twice": sum(1 for c in counts.values() if c > 1),
    }
    outcome["ok"] = (
        outcome["answered_200_then_lost"] == 0
        and outcome["server_errors"] == 0
        and outcome["still_unanswered"] == 0
        and outcome["stored"] == outcome["unique_messages"]
        and outcome["stored_twice"] == 0
        and outcome["no_answer_during_restart"] > 0  # the kill really happened mid-burst
    )
    return outcome


def check_store_dies(kind: str, url: str) -> dict:
    app = prepare(url)
    redis = RedisServer().start()
    env = {"RATELIMIT_STORAGE_URI": redis.uri, "RATELIMIT_RECHECK_SECONDS": "1"}
    server = Server("webapp:create_app()", url, env=env).start()
    requests, keys = burst(server.base, seed=3)
    answered, health = 0, []
    lock = threading.Lock()

    def watch(result):
        nonlocal answered
        with lock:
            answered += 1
            if answered == POSTS // 3:
                redis.stop()  # the store dies mid-burst
            elif answered == POSTS // 2:
                health.append(json.loads(urlopen(f"{server.base}/healthz", timeout=10).read()))
            elif answered == 2 * POSTS // 3:
                redis.start()  # and comes back, empty

    try:
        results = fire(server.base, requests, CONCURRENCY, on_result=watch)
    finally:
        server.stop()
        redis.stop()
    statuses = Counter(r.status for r in results)
    counts = stored(app)
    outcome = {
        "posts": len(results),
        "unique_messages": len(set(keys)),
        "stored": sum(counts.values()),
        "stored_twice": sum(1 for c in counts.values() if c > 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "healthz_while_down": health[0]["reasons"] if health else None,
    }
    outcome["ok"] = (
        statuses == Counter({200: POSTS})
        and outcome["stored"] == outcome["unique_messages"]
        and set(counts) == set(keys)
        and outcome["stored_twice"] == 0
        and bool(health)
        and "ratelimit_store" in health[0]["reasons"]
    )
    return outcome


def main() -> int:
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    failed = False
    for kind in kinds:
        for name, check in (("burst", check_burst), ("kill and restart", check_kill), ("store dies", check_store_dies)):
            with database(kind) as url:
                outcome = check(kind, url)
            failed |= not outcome["ok"]
            print(f"{kind:10} {name:17} {'ok' if outcome['ok'] else 'FAILED'}  {outcome}", flush=True)
    if len(kinds) == 1:
        print("postgresql skipped: no server at BENCH_POSTGRES")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
