"""An early warning to 5 000 residents through a pool of 3 gateway phones, with villagers' SMS arriving meanwhile.

The phones are one fake "SMS Gateway for Android" API on 127.0.0.1 (the cloud relay: ``deviceId`` picks the
phone) that refuses with 429 a phone sent to faster than its rate: ``PHONE_RATE`` SMS a minute, with time
scaled ``SCALE`` times (a minute lasts 60/SCALE seconds), so the broadcast takes about seven minutes instead
of more than an hour. Tangguh's ``flask sms worker`` runs as a subprocess at the same rate per phone; it is killed with
SIGKILL a third of the way and another one started. Villagers' reports come in through the real Android
webhook (gunicorn) during the broadcast; their replies go back through the phone they wrote to.

Reported: time to the last resident against the pool's physical limit (all messages over the phones' summed
rate; target ratio ≥ 0.9), the p95 wait of a reply in send slots of its phone (≤ 2), and messages sent twice
or lost across the kill (0).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import BIN, ROOT, SECRET_KEY, Server, android_sms, app_config, fire, percentile, prepare  # noqa: E402
from sqlalchemy import select  # noqa: E402

sys.path.insert(0, str(ROOT / "tests"))
from fakes.gateways import FakeAndroid  # noqa: E402
from webapp.accounts import create_user  # noqa: E402
from webapp.broadcasts.service import send  # noqa: E402
from webapp.cli import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import OutboundMessage, ReceivingNumber, Region, Reporter, User  # noqa: E402

RESIDENTS = 5000
PHONES = ("bench-device", "hp-dua", "hp-tiga")  # bench-device also receives the villagers' SMS
PHONE_RATE = 25  # SMS a minute per phone, Tangguh's default
SCALE = 10  # a minute lasts 6 s: one worker sends faster than the three phones together (see docs/scaling.md)
REPORTS = 40
WINONGAN = "35.14.19"


class RatedAndroid(FakeAndroid):
    """The Android gateway API for several phones, each refusing (429) more than ``limit`` SMS in any ``window``
    seconds, as Android's SmsUsageMonitor and the app's limits do; records when each message was accepted."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self.recent: dict[str, deque] = {}  # per phone: monotonic times of its latest accepted messages
        self.accepted_at: dict[str, float] = {}  # message id -> wall-clock time the phone took it
        self.refused = 0  # 429s: sent faster than the phone's rate
        self.again = 0  # POSTs of an id the phone had already taken: a second SMS on a phone that took it twice
        super().__init__()

    def post(self, path, body, headers):
        message = json.loads(body)
        now = time.monotonic()
        with self.lock:
            if message["id"] in self.accepted_at:
                self.again += 1
            recent = self.recent.setdefault(message.get("deviceId") or "?", deque())
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.limit:
                self.refused += 1
                return 429, {"message": "too many messages: the phone's limit"}
        status, payload = super().post(path, body, headers)
        if status == 202:
            with self.lock:
                recent.append(now)
                self.accepted_at[message["id"]] = time.time()
        return status, payload


def _setup(url: str):
    """Regions, the phones, 5 000 residents and a staff account; returns the staff user's id."""
    prepare(url)
    app = create_app(app_config(url, SMS_GATEWAY="android"))  # the broadcast is queued for the Android gateway
    with app.app_context():
        for device in PHONES[1:]:
            db.session.add(ReceivingNumber(gateway="android", address=device, kecamatan_code=WINONGAN))
        db.session.commit()
        for number in db.session.scalars(select(ReceivingNumber).where(ReceivingNumber.gateway == "android")):
            number.send_per_minute = PHONE_RATE * SCALE
        desa = db.session.scalars(select(Region.code).where(Region.parent_code == WINONGAN).order_by(Region.code)).all()
        db.session.add_all(
            Reporter(phone=f"+62857{n:08d}", name=f"Warga {n}", desa_code=desa[n % len(desa)]) for n in range(RESIDENTS)
        )
        user = create_user("staf@bench.test", "Staf", "kecamatan_staff", "bench-password", WINONGAN)
        db.session.commit()
        return app, user.id


def _worker(url: str, fake: RatedAndroid) -> subprocess.Popen:
    env = {**os.environ, "FLASK_APP": "webapp.cli", "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
           "PYTHONPATH": str(ROOT),
           "SMS_GATEWAY": "android", "ANDROID_GATEWAY_URL": f"{fake.url}/3rdparty/v1", "ANDROID_GATEWAY_USER": "sms",
           "ANDROID_GATEWAY_PASSWORD": "bench", "OUTBOUND_LEASE_SECONDS": "2", "OUTBOUND_RETRY_SECONDS": "0.5",
           "GATEWAY_TIMEOUT": "5", "WARNINGS_NOWCAST_URL": "", "WARNINGS_QUAKE_URL": ""}  # fmt: skip
    return subprocess.Popen([str(BIN / "flask"), "sms", "worker", "--poll", "0.5"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


def run(url: str) -> dict:
    app, user_id = _setup(url)
    slot = 60 / (PHONE_RATE * SCALE)  # seconds per SMS per phone
    fake = RatedAndroid(PHONE_RATE, 60 / SCALE).start()
    server = Server("webapp:create_app()", url, workers=2, env={"SMS_GATEWAY": "android"}).start()
    worker = _worker(url, fake)
    killed = threading.Event()
    try:
        with app.app_context():
            begin = time.time()
            everywhere = db.session.scalars(select(Region.code).where(Region.parent_code == WINONGAN)).all()
            broadcast = send(db.session.get(User, user_id), "bench-broadcast-0001", "peringatan", "banjir", everywhere,
                             "Air Kali Gembong naik. Warga bantaran siap mengungsi ke balai desa.", None)  # fmt: skip
            ids = db.session.scalars(
                select(OutboundMessage.id).where(OutboundMessage.broadcast_id == broadcast.id)
            ).all()

        def reports():  # a villager's report every 2.5 s while the broadcast goes out
            for n in range(REPORTS):
                time.sleep(2.5)
                fire(server.base, [android_sms(f"bench-ev-{n}", f"+62858{n:08d}", "banjir di gading air 50cm")], 1)

        villagers = threading.Thread(target=reports)
        villagers.start()
        deadline = time.time() + 900
        while time.time() < deadline:
            done = sum(1 for i in ids if f"tangguh-{i}" in fake.accepted_at)
            if not killed.is_set() and done >= len(ids) // 3:
                worker.send_signal(signal.SIGKILL)  # mid-broadcast, perhaps mid-send
                worker.wait(10)
                killed.set()
                worker = _worker(url, fake)
            if done == len(ids) and not villagers.is_alive():
                break
            time.sleep(0.2)
        villagers.join()
        time.sleep(3)  # the last replies
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
        server.stop()
        fake.stop()
    with app.app_context():
        rows = db.session.execute(
            select(OutboundMessage.id, OutboundMessage.purpose, OutboundMessage.status, OutboundMessage.created_at)
        ).all()
    accepted = fake.accepted_at
    last = max(accepted.get(f"tangguh-{i}", 0.0) for i in ids)
    replies = [r for r in rows if r.purpose == "reply"]
    waits = [max(accepted[f"tangguh-{r.id}"] - r.created_at.timestamp(), 0.0) / slot for r in replies
             if f"tangguh-{r.id}" in accepted]  # fmt: skip
    physical = (len(ids) + len(replies)) * slot / len(PHONES)
    actual = last - begin
    lost = [r.id for r in rows if r.purpose in ("broadcast", "reply") and f"tangguh-{r.id}" not in accepted]
    return {
        "residents": len(ids),
        "phones": len(PHONES),
        "rate_per_phone": f"{PHONE_RATE}/min, time x{SCALE}: {1 / slot:.1f}/s",
        "replies": len(replies),
        "seconds_to_last_resident": round(actual, 1),
        "physical_limit_seconds": round(physical, 1),
        "ratio": round(physical / actual, 3),
        "reply_wait_slots_p50": round(percentile(waits, 0.5), 2) if waits else None,
        "reply_wait_slots_p95": round(percentile(waits, 0.95), 2) if waits else None,
        "refused_by_phones_429": fake.refused,
        "sent_twice": fake.again,
        "lost": len(lost),
        "statuses": dict(Counter(r.status for r in rows)),
        "worker_killed": killed.is_set(),
    }


if __name__ == "__main__":
    from harness import database  # noqa: PLC0415

    with database(sys.argv[1] if len(sys.argv) > 1 else "sqlite") as url:
        print(run(url))
