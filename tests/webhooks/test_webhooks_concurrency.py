"""Exactly-once under concurrency: threads against a real HTTP server, on SQLite and on PostgreSQL."""

import threading

import pytest
import requests
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Incident, ReceivingNumber, Report
from webhook_helpers import TWILIO_NUMBER, android_event, android_signed, twilio_headers, twilio_params

pytestmark = pytest.mark.slow
ROUNDS = 15


@pytest.fixture
def server(live_server):
    db.session.add_all(
        [
            ReceivingNumber(gateway="twilio", address=TWILIO_NUMBER, kecamatan_code="35.14.19"),
            ReceivingNumber(gateway="android", address="dev-winongan", kecamatan_code="35.14.19"),
        ]
    )
    db.session.commit()
    return live_server


def at_once(requests_to_send):
    """Send every (callable) at the same moment from its own thread; return the responses in order."""
    barrier = threading.Barrier(len(requests_to_send))
    responses = [None] * len(requests_to_send)

    def run(i, send):
        barrier.wait()
        responses[i] = send()

    threads = [threading.Thread(target=run, args=(i, send)) for i, send in enumerate(requests_to_send)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_identical_twilio_requests_at_once_make_one_report(server):
    url = f"{server}/sms/twilio"
    for round_ in range(ROUNDS):
        params = twilio_params(
            f"SMC{round_}", f"banjir di prodo {round_} rumah terendam", sender=f"+62812000{round_:05d}"
        )
        headers = twilio_headers(params, url=url)
        first, second = at_once([lambda p=params, h=headers: requests.post(url, data=p, headers=h, timeout=30)] * 2)
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        assert first.text == second.text and "<Message>Laporan banjir" in first.text
        assert count(Report, Report.external_id == f"SMC{round_}") == 1


def test_two_identical_android_events_at_once_make_one_report(server):
    url = f"{server}/sms/android"
    for round_ in range(ROUNDS):
        body, headers = android_signed(
            android_event(f"evc-{round_}", "longsor di gading", phone=f"0813000{round_:05d}", device="dev-winongan")
        )
        first, second = at_once([lambda b=body, h=headers: requests.post(url, data=b, headers=h, timeout=30)] * 2)
        assert first.status_code == second.status_code == 200, (first.text, second.text)
        assert (
            first.json()["reply"] == second.json()["reply"] and first.json()["report_id"] == second.json()["report_id"]
        )
        assert {first.json()["duplicate"], second.json()["duplicate"]} == {True, False}
        assert count(Report, Report.external_id == f"evc-{round_}") == 1


def test_different_reports_of_one_flood_at_once_share_one_incident(server):
    url = f"{server}/sms/twilio"
    sends = []
    for i in range(8):
        params = twilio_params(f"SMF{i}", "banjir di sumberejo", sender=f"+62815000{i:05d}")
        headers = twilio_headers(params, url=url)
        sends.append(lambda p=params, h=headers: requests.post(url, data=p, headers=h, timeout=30))
    responses = at_once(sends)
    assert [r.status_code for r in responses] == [200] * 8
    assert count(Report) == 8
    assert count(Incident) == 1
    ticket = db.session.scalar(select(Incident.ticket))
    assert all(ticket in r.text for r in responses)
