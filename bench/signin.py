"""Password guessing against gunicorn as deployed: two workers sharing their counts in Redis (or one worker with
in-memory counts when no Redis answers), scrypt hashes as in production, addresses told apart through one
trusted proxy (X-Forwarded-For, as behind Caddy).

- 50 wrong passwords for one account from one address, then 50 for 50 different emails from another: how many
  were answered (422, each costing a password hash) before 429, and how long each kind of answer took;
- meanwhile a colleague signs in correctly from a third address.
"""

from __future__ import annotations

import os
import re
import statistics
import time

import redis
import requests
from harness import Server, prepare

from webapp.accounts import create_user
from webapp.extensions import db

PASSWORD = "kata-sandi-bench-benar"
REDIS = "redis://127.0.0.1:6379/14"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _redis() -> bool:
    try:
        client = redis.Redis.from_url(REDIS, socket_timeout=2)
        client.flushdb()  # this database number is the benchmark's own
        return True
    except redis.RedisError:
        return False


def _attempt(base: str, email: str, password: str, address: str) -> tuple[int, float]:
    session = requests.Session()
    headers = {"X-Forwarded-For": address}
    token = TOKEN.search(session.get(f"{base}/login", headers=headers, timeout=30).text).group(1)
    begin = time.perf_counter()
    response = session.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token},
                            headers=headers, allow_redirects=False, timeout=30)  # fmt: skip
    return response.status_code, (time.perf_counter() - begin) * 1000


def _summary(results: list[tuple[int, float]]) -> dict:
    statuses = [status for status, _ in results]
    first_refused = statuses.index(429) + 1 if 429 in statuses else None
    by_status = {}
    for status in sorted(set(statuses)):
        times = [ms for s, ms in results if s == status]
        by_status[str(status)] = {"count": len(times), "median_ms": round(statistics.median(times), 1)}
    return {"first_429_at_attempt": first_refused, "answers": by_status,
            "total_s": round(sum(ms for _, ms in results) / 1000, 2)}  # fmt: skip


def run(url: str) -> dict:
    app = prepare(url)
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # what production stores
    with app.app_context():
        create_user("target@bench.test", "Target", "kecamatan_staff", PASSWORD, "35.14.19")
        create_user("rekan@bench.test", "Rekan", "kecamatan_staff", PASSWORD, "35.14.19")
        db.session.remove()
    shared = _redis()
    saved = {k: os.environ.get(k) for k in ("RATELIMIT_STORAGE_URI", "TRUSTED_PROXY_COUNT")}
    os.environ["RATELIMIT_STORAGE_URI"] = REDIS if shared else "memory://"
    os.environ["TRUSTED_PROXY_COUNT"] = "1"
    try:
        with Server("webapp:create_app()", url, workers=2 if shared else 1) as server:
            one_account = [_attempt(server.base, "target@bench.test", f"tebak-{n}", "203.0.113.9") for n in range(50)]
            colleague = _attempt(server.base, "rekan@bench.test", PASSWORD, "198.51.100.7")
            many = [_attempt(server.base, f"orang{n}@bench.test", "tebak", "203.0.113.10") for n in range(50)]
            colleague_after = _attempt(server.base, "rekan@bench.test", PASSWORD, "198.51.100.8")
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    return {
        "storage": "redis, 2 workers" if shared else "memory, 1 worker",
        "one_account_one_address": _summary(one_account),
        "fifty_emails_one_address": _summary(many),
        "colleague_sign_in": {
            "during": colleague[0],
            "after": colleague_after[0],
            "ms": round(colleague[1], 1),
        },  # fmt: skip
    }
