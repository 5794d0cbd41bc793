"""What the benchmarks and the reliability run share: throw-away databases, the app served by gunicorn as the
Procfile serves it, signed webhook requests, a concurrent load generator, and a worker's resident memory."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import math
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from webapp.cli import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.regions.gazetteer import load_kabupaten  # noqa: E402
from webapp.setup.service import add_number  # noqa: E402

PG_SERVER = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
SECRET_KEY = "bench-secret-key-that-is-long-enough-0123456789"
TWILIO_TOKEN = "bench-twilio-auth-token"
ANDROID_KEY = "bench-android-signing-key"
TWILIO_NUMBER = "+6281100351419"  # Winongan's demo number
WINONGAN = "35.14.19"
BIN = Path(sys.executable).parent


def postgres_available() -> bool:
    try:
        with psycopg.connect(f"{PG_SERVER}/postgres", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def database(kind: str):
    """A new empty database: a SQLite file in a temporary directory, or a PostgreSQL database dropped after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tangguh-bench-") as directory:
            yield f"sqlite:///{directory}/bench.sqlite3"
        return
    name = f"tangguh_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{PG_SERVER.replace('postgresql://', 'postgresql+psycopg://')}/{name}"
    finally:
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def app_config(url: str, **extra) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "ANDROID_WEBHOOK_SIGNING_KEY": ANDROID_KEY,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        **extra,
    }


def prepare(url: str, kabupaten=("35.14",)):
    """Migrate an empty database, load regions, map Winongan's Twilio number; returns the app."""
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        load_kabupaten(list(kabupaten))
        add_number(None, "twilio", TWILIO_NUMBER, WINONGAN)
        add_number(None, "android", "bench-device", WINONGAN, new_key=False)  # signs with the shared key
    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn as the Procfile runs it (sync workers), on 127.0.0.1 and a free port."""

    def __init__(self, app_spec: str, url: str | None = None, workers: int = 2, port: int | None = None,
                 env: dict[str, str] | None = None):  # fmt: skip
        self.app_spec, self.url, self.workers, self.env = app_spec, url, workers, env or {}
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, ready_path: str = "/healthz") -> Server:
        env = {**os.environ, "SECRET_KEY": SECRET_KEY, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "SMS_GATEWAY": "console",
               "ANDROID_WEBHOOK_SIGNING_KEY": ANDROID_KEY, "PYTHONPATH": str(ROOT)}  # fmt: skip
        if self.url:
            env["DATABASE_URL"] = self.url
        env.update(self.env)
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", self.app_spec],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", ready_path)
                if conn.getresponse().status < 500:
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start: {self.app_spec}")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(20)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a power cut, not a shutdown."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(20)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


@dataclass(frozen=True)
class Request:
    path: str
    body: bytes
    headers: dict


def twilio_sms(base: str, sid: str, sender: str, text: str) -> Request:
    """A Twilio SMS webhook signed exactly as Twilio signs it (its own RequestValidator)."""
    params = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": TWILIO_NUMBER, "Body": text,
              "NumMedia": "0"}  # fmt: skip
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{base}/sms/twilio", params)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return Request("/sms/twilio", urlencode(params).encode(), headers)


def android_sms(event_id: str, sender: str, text: str, device: str = "bench-device") -> Request:
    """An SMS Gateway for Android ``sms:received`` webhook, signed with its HMAC over body and timestamp."""
    body = json.dumps({"deviceId": device, "event": "sms:received", "id": event_id, "webhookId": "bench",
                       "payload": {"messageId": event_id, "message": text, "phoneNumber": sender, "simNumber": 1,
                                   "receivedAt": datetime.now(UTC).isoformat()}}).encode()  # fmt: skip
    stamp = str(int(time.time()))
    signature = hmac.new(ANDROID_KEY.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Signature": signature, "X-Timestamp": stamp}
    return Request("/sms/android", body, headers)


@dataclass(frozen=True)
class Result:
    index: int
    status: int | None  # None: no answer (connection refused or dropped)
    seconds: float
    body: bytes = b""


def fire(
    base: str, requests: list[Request], concurrency: int, on_result=None, pause_on_error: float = 0.0
) -> list[Result]:
    """Send every request once from ``concurrency`` threads; a new connection per request (sync workers close it).

    ``pause_on_error``: after no answer, a client waits this long before its next request (as a gateway backs off).
    """
    host, port = base.removeprefix("http://").split(":")
    work: queue.Queue = queue.Queue()
    for item in enumerate(requests):
        work.put(item)
    results: list[Result] = []
    lock = threading.Lock()

    def client():
        while True:
            try:
                index, request = work.get_nowait()
            except queue.Empty:
                return
            begin = time.perf_counter()
            status, body = None, b""
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                conn.request("POST", request.path, body=request.body, headers=request.headers)
                response = conn.getresponse()
                body = response.read()
                status = response.status
                conn.close()
            except OSError:
                pass
            result = Result(index, status, time.perf_counter() - begin, body)
            with lock:
                results.append(result)
            if on_result:
                on_result(result)
            if status is None and pause_on_error:
                time.sleep(pause_on_error)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(results, key=lambda r: r.index)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def bulk_insert(*batches) -> None:
    """Insert (model, rows) batches in chunks and commit; on PostgreSQL, vacuum and analyze, as autovacuum leaves
    a table that has been there a while (the planner sees the sizes, an index-only scan the visibility map)."""
    for model, rows in batches:
        for chunk in range(0, len(rows), 2000):
            db.session.execute(insert(model), rows[chunk : chunk + 2000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
