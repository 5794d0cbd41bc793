"""The worker's round: everything ``flask sms worker`` does between two waits, and the only place that runs it.

Each round, in this order:
0. once a minute, say it ran (``service_state``: ``/healthz`` says ``worker_stopped`` when it stops saying so);
   tell the desk about each incident a report opened since the last round (``notices.tell_new_incidents``: push,
   the on-duty phone, else the Pusdalops; what it queues goes out in step 5 of the same round);
1. escalate incidents left unverified too long and handovers nobody acknowledged (``notices.escalate_due``; at
   most every ``CHECK_SECONDS``);
2. every ``WARNINGS_POLL_SECONDS``, poll BMKG's warnings (``warnings.poller.poll``);
3. check the Android gateways' health (``gateway_health.check``: offline alerts, recoveries, tests, the canary;
   ``sim_credit.check_all``: a SIM's active period ending; at most every ``CHECK_SECONDS``);
4. once an hour, forget sign-in attempts older than ``SIGN_IN_KEEP_DAYS``;
5. send what is due (``send_due``): one message per open send slot of each gateway phone, replies first, and
   tell gateway health what each Android device did; with nothing sent, wait for the next slot (``idle_seconds``).

The click command (``webapp.cli``) only loops, sleeps and stops on a signal.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .auth.throttle import forget_old_sign_ins
from .extensions import db
from .messaging import gateway_health, pool, sim_credit
from .messaging.notices import escalate_due, tell_new_incidents
from .messaging.sending import deliver_due, worker_name
from .models import ReceivingNumber, utcnow
from .operations import state
from .warnings.poller import poll as poll_warnings

HOUSEKEEPING_SECONDS = 3600
HEARTBEAT_SECONDS = 60
CHECK_SECONDS = 1.0  # escalations and gateway health at most this often: a busy worker's rounds are a slot apart


def offline_numbers(now: datetime | None = None) -> set[int]:
    """Ids of the gateway phones health says are offline: the pool spares them while a sibling is healthy."""
    now = now or utcnow()
    return set(db.session.scalars(select(ReceivingNumber.id).where(gateway_health.offline_clause(now))))


def send_due(
    worker: str | None = None, limit: int = 20, now: datetime | None = None, sweep: bool = True
) -> dict[str, int]:
    """Claim what is due (one message per open send slot of each phone, the rest up to ``limit``), send it, and
    record for gateway health whether each Android device took its message; returns how many messages ended in
    each status."""
    now = now or utcnow()
    deliveries = deliver_due(worker or worker_name(), limit, now, offline_numbers(now), sweep)
    for delivery in deliveries:
        if delivery.device:
            gateway_health.record_send(delivery.device, ok=delivery.device_ok, reason=delivery.reason)
    return dict(Counter(delivery.status for delivery in deliveries))


@dataclass
class Schedule:
    """When the worker last did its slower duties (``time.monotonic``); a new schedule does them all at once."""

    polled: float = -1e9
    housekept: float = -1e9
    beat: float = -1e9
    checked: float = -1e9


def run_round(worker: str, batch: int, schedule: Schedule, say: Callable[[str], None]) -> dict[str, int]:
    """Do one round of the worker's duties (see the module's docstring), telling ``say`` what each did as it
    finishes; commits as it goes, and returns how many messages ended in each status."""
    if time.monotonic() - schedule.beat > HEARTBEAT_SECONDS:
        schedule.beat = time.monotonic()
        state.report("worker", True, worker)
        db.session.commit()
    told = tell_new_incidents()  # every round: a new incident reaches the desk within a round of its report
    if told:
        say(f"new incidents told={told}")
    checking = time.monotonic() - schedule.checked >= CHECK_SECONDS
    if checking:
        schedule.checked = time.monotonic()
        escalated = escalate_due()
        if escalated:
            say(f"escalated={escalated}")
    if time.monotonic() - schedule.polled > current_app.config["WARNINGS_POLL_SECONDS"]:
        schedule.polled = time.monotonic()
        say(poll_warnings().line())
    health = gateway_health.check() if checking else {}
    if health:
        say("gateways " + counts_line(health))
    if checking and sim_credit.check_all():
        say("gateway credit running out: people told")
    if time.monotonic() - schedule.housekept > HOUSEKEEPING_SECONDS:
        schedule.housekept = time.monotonic()
        forgotten = forget_old_sign_ins()
        if forgotten:
            say(f"sign-ins forgotten={forgotten}")
    return send_due(worker, batch, sweep=checking)


def idle_seconds(poll: float) -> float:
    """How long the worker may wait when a round sent nothing: until the next send slot of a phone with messages
    waiting for it, at most ``poll`` seconds."""
    now = utcnow()
    opens = pool.next_slot(now)
    db.session.rollback()
    if opens is None:
        return poll
    return min(poll, max((opens - now).total_seconds(), 0.0))


def counts_line(counts: dict[str, int]) -> str:
    """``failed=1 sent=3``: counts for the worker's log, in a stable order."""
    return " ".join(f"{key}={value}" for key, value in sorted(counts.items()))
