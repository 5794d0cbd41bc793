"""Notices: web push to subscribed browsers (through a local push service that checks VAPID and decrypts), the
on-duty SMS, and escalation of incidents left unverified."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import desa_code, login, signed_in
from fakes.push import FakePushService
from webapp.extensions import db
from webapp.incidents import actions
from webapp.intake.ingest import InboundMessage, ingest
from webapp.messaging.notices import escalate_due, tell_new_incidents
from webapp.models import IncidentEvent, OutboundMessage, PushSubscription, utcnow
from webapp.worker import send_due

WINONGAN, REJOSO = "35.14.19", "35.14.23"


@pytest.fixture
def push_service(app, monkeypatch):
    service = FakePushService().start()
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_LOOPBACK", True)
    yield service
    service.stop()


def subscribe(app, user, subscription) -> int:
    client = app.test_client()
    login(client, user.email)
    response = client.post("/push/subscriptions", json=subscription, headers={"X-CSRFToken": _token(client)})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["id"]


def _token(client) -> str:
    """The CSRF token the page's script sends with its JSON requests (``data-csrf``)."""
    html = client.get("/broadcasts").get_data(as_text=True)
    return html.split('data-csrf="', 1)[1].split('"', 1)[0]


def pushes(kind: str = "push") -> list[OutboundMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.channel == kind)))


def test_a_new_incident_is_pushed_to_the_staff_who_triage_it(app, ctx, make_user, push_service):
    winongan, rejoso = make_user("kecamatan_staff", WINONGAN), make_user("kecamatan_staff", REJOSO)
    subscribe(app, winongan, push_service.subscription("staf-winongan"))
    subscribe(app, rejoso, push_service.subscription("staf-rejoso"))
    result = ingest(InboundMessage("sms", "n-1", "banjir di prodo 3 org hilang", WINONGAN, "+6281234500001"))
    assert pushes() == [] and tell_new_incidents() == 1  # told by the worker's round, after the webhook's commit
    assert [m.to_phone for m in pushes()] == [None] and send_due() == {"sent": 1}
    (received,) = push_service.received
    assert received["endpoint"] == "/push/staf-winongan" and received["title"].startswith("Insiden baru ")
    assert received["body"] == "Banjir di Desa Prodo" and received["url"].startswith("/incidents/")
    assert "+6281234500001" not in str(received) and "hilang" not in str(received)  # nothing personal
    assert push_service.refused == [] and received["ttl"] == "86400"
    ingest(InboundMessage("sms", "n-1", "banjir di prodo 3 org hilang", WINONGAN, "+6281234500001"))
    ingest(InboundMessage("sms", "n-2", "banjir lagi di prodo", WINONGAN, "+6281234500002"))
    assert (
        tell_new_incidents() == 0 and len(pushes()) == 1 and result.reply
    )  # a repeat or a second report of the same incident: no new push


def test_escalation_once_by_push_and_on_duty_sms(app, ctx, make_user, make_incident, push_service, monkeypatch):
    monkeypatch.setitem(app.config, "ON_DUTY_PHONES", {WINONGAN: "+6281299998888"})
    monkeypatch.setitem(app.config, "UNVERIFIED_ALERT_MINUTES", 30)
    staff = make_user("kecamatan_staff", WINONGAN)
    subscribe(app, staff, push_service.subscription("jaga"))
    late = make_incident(WINONGAN, "Gading", opened_at=utcnow() - timedelta(minutes=31))
    make_incident(WINONGAN, "Prodo", opened_at=utcnow() - timedelta(minutes=5))  # not yet late
    verified = make_incident(WINONGAN, "Sumberrejo", opened_at=utcnow() - timedelta(hours=3))
    actions.change_status(verified, staff, "diverifikasi")
    assert escalate_due() == 1 and escalate_due() == 0
    (duty,) = [m for m in pushes("sms") if m.purpose == "notify" and m.to_phone == "+6281299998888"]
    assert duty.body == f"Tangguh: insiden {late.ticket} (banjir, Desa Gading) belum diverifikasi setelah 30 menit."
    assert len(pushes()) == 1 and send_due()["sent"] >= 2
    assert push_service.received[-1]["title"] == f"Belum diverifikasi: {late.ticket}"
    (event,) = db.session.scalars(select(IncidentEvent).where(IncidentEvent.kind == "escalated"))
    assert event.incident_id == late.id and event.data["minutes"] == 30
    assert event.data["told"] == [{"to": "desk", "channel": "push", "n": 1}, {"to": "duty", "channel": "sms", "n": 1}]
    page = signed_in(app, staff).get(f"/incidents/{late.id}").get_data(as_text=True)
    assert "Belum diverifikasi setelah 30 menit: push ke 1 petugas kecamatan, SMS ke HP piket kecamatan" in page


def test_a_desa_official_is_told_when_staff_answer_their_report(app, ctx, make_user, make_incident, push_service):
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    subscribe(app, official, push_service.subscription("kades"))
    incident = make_incident(WINONGAN, "Gading")
    incident.reports[0].submitted_by_id = official.id
    db.session.commit()
    actions.add_note(incident, official, "foto menyusul")  # their own note: nobody else acted
    assert pushes() == []
    actions.change_status(incident, staff, "diverifikasi")
    send_due()
    assert push_service.received[-1]["title"] == f"Laporan Anda {incident.ticket} ditanggapi"


def test_a_subscription_the_push_service_dropped_is_forgotten(app, ctx, make_user, push_service):
    staff = make_user("kecamatan_staff", WINONGAN)
    subscribe(app, staff, push_service.subscription("lama"))
    push_service.gone.add("/push/lama")
    ingest(InboundMessage("sms", "g-1", "longsor di gading", WINONGAN, "+6281234500003"))
    assert tell_new_incidents() == 1 and send_due() == {"failed": 1}
    assert "gone" in pushes()[0].error and db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://push.example.test/x", "keys": {"p256dh": "BNc", "auth": "tBH"}},  # not https
        {"endpoint": "https://push.example.test/x"},
        {"endpoint": "https://push.example.test/x", "keys": {"p256dh": "<script>", "auth": "tBH"}},
        ["not", "an", "object"],
    ],
)
def test_bad_subscriptions_are_refused_and_nothing_stored(app, ctx, make_user, body):
    client = app.test_client()
    login(client, make_user("kecamatan_staff", WINONGAN).email)
    response = client.post("/push/subscriptions", json=body, headers={"X-CSRFToken": _token(client)})
    assert response.status_code == 400 and "error" in response.json
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
    assert client.post("/push/subscriptions", json=body).status_code == 400  # no CSRF token


def test_turning_notifications_off_forgets_the_browser(app, ctx, make_user, push_service):
    staff = make_user("kecamatan_staff", WINONGAN)
    subscription = push_service.subscription("hp-staf")
    subscribe(app, staff, subscription)
    client = app.test_client()
    login(client, staff.email)
    response = client.post("/push/subscriptions/remove", json={"endpoint": subscription["endpoint"]},
                           headers={"X-CSRFToken": _token(client)})  # fmt: skip
    assert response.json == {"status": "ok", "removed": True}
    assert db.session.scalar(select(func.count()).select_from(PushSubscription)) == 0
    assert desa_code(WINONGAN, "Gading")  # the region table is still there for the next test


def test_a_browser_that_signs_in_as_someone_else_notifies_them(app, ctx, make_user, push_service):
    first, second = make_user("kecamatan_staff", WINONGAN), make_user("kecamatan_staff", WINONGAN)
    shared = push_service.subscription("hp-bersama")
    subscribe(app, first, shared)
    subscribe(app, second, shared)
    (kept,) = db.session.scalars(select(PushSubscription))
    assert kept.user_id == second.id
