"""Who is told when something happens on an incident, without watching the list.

- A new incident, and one still unverified ``UNVERIFIED_ALERT_MINUTES`` after its first report (an
  escalation, once per incident): a web push to everyone who triages it (the ``status`` ability, from
  ``access``) on every browser they subscribed, and an SMS to the kecamatan's on-duty phone
  (``ON_DUTY_PHONES``) for the desk without a smartphone at hand.
- An answer on a desa official's own web report (someone else verified it, handed it over, wrote a note): a
  web push to that official.
- A handover: an SMS to every member of the agency who covers the place; one not acknowledged within
  ``HANDOVER_ACK_MINUTES`` is escalated once to those who triage and to the on-duty (camat's) phone.

Every notice is a row in the outbound queue (``outbound.enqueue``), once per key; the caller commits. Pushes
carry the ticket, hazard and desa, never a reporter's name, number or words.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select

from sms.replies import hazard_label, render

from ..access import can
from ..extensions import db
from ..models import AgencyMember, Handover, Incident, IncidentEvent, PushSubscription, Report, User, utcnow
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


def covers(member: AgencyMember, incident: Incident) -> bool:
    """Is the incident in the area the agency member covers (theirs, else their agency's; none: everywhere)?"""
    area = member.region_code or member.agency.region_code
    place = incident.desa_code or incident.kecamatan_code
    return area is None or place == area or place.startswith(area + ".")


def _counts_line(incident: Incident) -> str:
    words = {"meninggal": "meninggal", "hilang": "hilang", "luka": "luka", "mengungsi": "ngungsi"}
    parts = [f"{getattr(incident, name)} {word}" for name, word in words.items() if getattr(incident, name)]
    return (" " + ", ".join(parts) + ".") if parts else ""


def handed_over(handover: Handover) -> int:
    """Tell every member of the agency who covers the incident's place, by SMS (WhatsApp for WhatsApp numbers),
    in one segment: ticket, hazard, desa, counts and how to answer; a link when ``PUBLIC_URL`` is set and it
    fits. Returns how many were queued."""
    incident = handover.incident
    members = [m for m in handover.agency.members if m.active and m.phone and covers(m, incident)]
    parts = dict(agency=handover.agency.name, ticket=incident.ticket, hazard=hazard_label(incident.hazard),
                 desa=_place(incident), counts=_counts_line(incident))  # fmt: skip
    public = current_app.config["PUBLIC_URL"]
    try:
        text = render("handover_link", link=f"{public}/incidents/{incident.id}", **parts) if public else None
    except ValueError:
        text = None  # the link does not fit one segment: the ticket is enough to answer
    text = text or render("handover", **parts)
    for member in members:
        enqueue(key=f"handover-{handover.id}-{member.id}", to=member.phone, body=text, purpose="notify",
                channel=member.channel, kecamatan_code=incident.kecamatan_code, desa_code=incident.desa_code,
                incident_id=incident.id)  # fmt: skip
    return len(members)


def escalate_due(now: datetime | None = None) -> int:
    """Escalate, once each, the incidents still unverified ``UNVERIFIED_ALERT_MINUTES`` after their first report,
    and the handovers no agency member acknowledged within ``HANDOVER_ACK_MINUTES``; commits, and returns how
    many. The worker calls this on every round."""
    now = now or utcnow()
    late = _escalate_handovers(now)
    minutes = current_app.config["UNVERIFIED_ALERT_MINUTES"]
    due = now - timedelta(minutes=minutes)
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
    return len(incidents) + late


def _escalate_handovers(now: datetime) -> int:
    minutes = current_app.config["HANDOVER_ACK_MINUTES"]
    handovers = list(
        db.session.scalars(
            select(Handover).where(
                Handover.acknowledged_at.is_(None),
                Handover.escalated_at.is_(None),
                Handover.created_at <= now - timedelta(minutes=minutes),
            )
        )
    )
    for handover in handovers:
        handover.escalated_at = now
        incident = handover.incident
        if incident.status not in ("baru", "diverifikasi", "ditangani"):
            continue  # closed meanwhile: nobody needs chasing
        db.session.add(IncidentEvent(incident=incident, kind="handover_late",
                                     data={"agency": handover.agency.name, "minutes": minutes}))  # fmt: skip
        title = f"{handover.agency.name} belum menjawab: {incident.ticket}"
        body = f"Diserahkan lebih dari {minutes} menit lalu, belum diterima"
        _tell_triage(incident, f"handover-{handover.id}", title, body, "duty_handover_late",
                     agency=handover.agency.name, minutes=str(minutes))  # fmt: skip
    return len(handovers)


def answered(incident: Incident, actor: User | None) -> None:
    """Someone acted on the incident (``actor`` None: an agency member by SMS): tell the desa officials whose web
    reports are in it, never the actor."""
    submitted = select(Report.submitted_by_id).where(
        Report.incident_id == incident.id, Report.submitted_by_id.is_not(None)
    )
    if actor is not None:
        submitted = submitted.where(Report.submitted_by_id != actor.id)
    officials = set(db.session.scalars(submitted))
    if not officials:
        return
    db.session.flush()
    event_id = db.session.scalar(select(IncidentEvent.id).where(IncidentEvent.incident_id == incident.id)
                                 .order_by(IncidentEvent.id.desc()).limit(1))  # fmt: skip
    title = f"Laporan Anda {incident.ticket} ditanggapi"
    body = f"{hazard_label(incident.hazard).capitalize()} di {_place(incident)}: dibuka untuk melihat tanggapan"
    _push(_subscriptions_of(incident, "incidents", officials), f"push-answer-{event_id}", incident, title, body)
