"""Who is told when something happens on an incident, without watching the list.

- A new incident, and one still unverified ``UNVERIFIED_ALERT_MINUTES`` after its first report (an
  escalation, once per incident): a web push to everyone who triages it (the ``status`` ability, from
  ``access``) on every browser they subscribed, and an SMS to the kecamatan's on-duty phone
  (``ON_DUTY_PHONES``) for the desk without a smartphone at hand.
- An answer on a desa official's own web report (someone else verified it, handed it over, wrote a note): a
  web push to that official.

Every notice is a row in the outbound queue (``outbound.enqueue``), once per key; the caller commits. Pushes
carry the ticket, hazard and desa, never a reporter's name, number or words.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select

from sms.replies import hazard_label, render

from .access import can
from .extensions import db
from .models import Incident, IncidentEvent, PushSubscription, Report, User, utcnow
from .outbound import enqueue


def _place(incident: Incident) -> str:
    return incident.desa.label if incident.desa else f"Kecamatan {incident.kecamatan.name}"


def _push(subscriptions, key: str, incident: Incident, title: str, body: str) -> int:
    url = f"/incidents/{incident.id}"  # relative: the worker escalates outside any request
    for subscription in subscriptions:
        payload = {"title": title, "body": body, "url": url, "tag": f"insiden-{incident.id}"}
        enqueue(key=f"{key}-{subscription.id}", to=None, body=json.dumps(payload), purpose="notify",
                channel="push", push_subscription_id=subscription.id, kecamatan_code=incident.kecamatan_code,
                desa_code=incident.desa_code, incident_id=incident.id)  # fmt: skip
    return len(subscriptions)


def _subscriptions_of(incident: Incident, ability: str, users: set[int] | None = None) -> list[PushSubscription]:
    """The push subscriptions of active users who may use ``ability`` on the incident (and are in ``users``)."""
    query = select(PushSubscription).join(User).where(User.active.is_(True))
    if users is not None:
        query = query.where(User.id.in_(users))
    return [s for s in db.session.scalars(query) if can(s.user, ability, incident)]


def _tell_triage(incident: Incident, key: str, title: str, body: str, duty_template: str, **parts) -> None:
    _push(_subscriptions_of(incident, "status"), f"push-{key}-{incident.id}", incident, title, body)
    phone = current_app.config["ON_DUTY_PHONES"].get(incident.kecamatan_code)
    if phone:
        text = render(duty_template, ticket=incident.ticket, hazard=hazard_label(incident.hazard),
                      desa=_place(incident), **parts)  # fmt: skip
        enqueue(key=f"duty-{key}-{incident.id}", to=phone, body=text, purpose="notify",
                kecamatan_code=incident.kecamatan_code, desa_code=incident.desa_code,
                incident_id=incident.id)  # fmt: skip


def incident_opened(incident: Incident) -> None:
    """A new incident: the people who triage it, and the on-duty phone."""
    title = f"Insiden baru {incident.ticket}"
    body = f"{hazard_label(incident.hazard).capitalize()} di {_place(incident)}"
    _tell_triage(incident, "new", title, body, "duty_new")


def escalate_due(now: datetime | None = None) -> int:
    """Escalate, once each, the incidents still unverified ``UNVERIFIED_ALERT_MINUTES`` after their first report;
    commits, and returns how many. The worker calls this on every round."""
    minutes = current_app.config["UNVERIFIED_ALERT_MINUTES"]
    due = (now or utcnow()) - timedelta(minutes=minutes)
    escalated = exists().where(IncidentEvent.incident_id == Incident.id, IncidentEvent.kind == "escalated")
    incidents = list(
        db.session.scalars(select(Incident).where(Incident.status == "baru", Incident.opened_at <= due, ~escalated))
    )
    for incident in incidents:
        db.session.add(IncidentEvent(incident=incident, kind="escalated", data={"minutes": minutes}))
        db.session.flush()
        title = f"Belum diverifikasi: {incident.ticket}"
        body = f"{hazard_label(incident.hazard).capitalize()} di {_place(incident)}, lebih dari {minutes} menit"
        _tell_triage(incident, "late", title, body, "duty_unverified", minutes=str(minutes))
    db.session.commit()
    return len(incidents)


def answered(incident: Incident, actor: User) -> None:
    """Someone acted on the incident: tell the desa officials whose web reports are in it (not the actor)."""
    officials = set(
        db.session.scalars(
            select(Report.submitted_by_id).where(
                Report.incident_id == incident.id,
                Report.submitted_by_id.is_not(None),
                Report.submitted_by_id != actor.id,
            )
        )
    )
    if not officials:
        return
    db.session.flush()
    event_id = db.session.scalar(select(IncidentEvent.id).where(IncidentEvent.incident_id == incident.id)
                                 .order_by(IncidentEvent.id.desc()).limit(1))  # fmt: skip
    title = f"Laporan Anda {incident.ticket} ditanggapi"
    body = f"{hazard_label(incident.hazard).capitalize()} di {_place(incident)}: dibuka untuk melihat tanggapan"
    _push(_subscriptions_of(incident, "incidents", officials), f"push-answer-{event_id}", incident, title, body)
