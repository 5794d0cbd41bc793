"""Who is told when something happens on an incident or a konsultasi, without watching the list, and what
happens when nobody can be.

- A new incident, and one still unverified ``UNVERIFIED_ALERT_MINUTES`` after its first report (an
  escalation, once per incident): a web push to everyone who triages it (the ``status`` ability, from
  ``access``) on every browser they subscribed, and an SMS to the kecamatan's on-duty phone
  (``ON_DUTY_PHONES``) for the desk without a smartphone at hand.
- An answer on a desa official's own web report (someone else verified it, handed it over, wrote a note): a
  web push to that official.
- A handover, and a konsultasi forwarded to an agency: an SMS to every member of the agency who covers the
  place, and a push to its signed-in accounts. A handover not acknowledged within ``HANDOVER_ACK_MINUTES`` is
  escalated once to those who triage and to the on-duty (camat's) phone.

Nobody reached is never silent. A handover or forward that reaches nobody at the agency goes to the next person
who can act: the kecamatan's on-duty phone, else the kabupaten's Pusdalops (``kabupaten_staff`` accounts:
their phones and browsers); a notice for the desk that reaches nobody there goes to the Pusdalops. Each
function returns what it told as ``reach.Tally`` lines counted from the queued rows, which the caller writes
on the timeline and the page says; ``unreached`` names whom the notice was meant for when they could not be.

Every notice is a row in the outbound queue (``outbound.enqueue``), once per key; the caller commits. Pushes
carry the ticket, hazard and desa, never a reporter's name, number or words.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, select

from sms.replies import hazard_label, render

from ..extensions import db
from ..models import (
    Agency,
    Consultation,
    Handover,
    Incident,
    IncidentEvent,
    OutboundMessage,
    PushSubscription,
    Report,
    User,
    utcnow,
)
from .outbound import enqueue
from .reach import (
    AGENCY_STAFF,
    DESK,
    DUTY,
    KABUPATEN,
    MEMBERS,
    Tally,
    agency_members,
    agency_subscriptions,
    desk_subscriptions,
    kabupaten_staff,
)


def _place(incident: Incident) -> str:
    return incident.desa.label if incident.desa else f"Kecamatan {incident.kecamatan.name}"


def _about(incident: Incident) -> dict:
    """The columns every notice about ``incident`` carries."""
    return dict(kecamatan_code=incident.kecamatan_code, desa_code=incident.desa_code, incident_id=incident.id)


def _push(subscriptions, key: str, url: str, tag: str, title: str, body: str, about: dict, tally: Tally, to: str,
          agency: str | None = None) -> None:  # fmt: skip
    for subscription in subscriptions:
        payload = {"title": title, "body": body, "url": url, "tag": tag}
        row = enqueue(key=f"{key}-{subscription.id}", to=None, body=json.dumps(payload), purpose="notify",
                      channel="push", push_subscription_id=subscription.id, **about)  # fmt: skip
        tally.add(to, row, agency)


def _push_incident(subscriptions, key: str, incident: Incident, title: str, body: str, tally: Tally, to: str,
                   agency: str | None = None) -> None:  # fmt: skip
    url = f"/incidents/{incident.id}"  # relative: the worker escalates outside any request
    _push(subscriptions, key, url, f"insiden-{incident.id}", title, body, _about(incident), tally, to, agency)


def _tell_duty(kecamatan_code: str, key: str, text: str, about: dict, tally: Tally) -> None:
    """An SMS to the kecamatan's on-duty phone, when it has one."""
    phone = current_app.config["ON_DUTY_PHONES"].get(kecamatan_code)
    if phone:
        tally.add(DUTY, enqueue(key=key, to=phone, body=text, purpose="notify", **about))


def _tell_kabupaten(target, key: str, text: str, push: tuple[str, str, str, str], about: dict, tally: Tally) -> None:
    """The Pusdalops of the kabupaten holding ``target``: an SMS to each staff phone, a push to each browser
    (``push``: url, tag, title, body)."""
    people = kabupaten_staff(target)
    for user in people:
        if user.phone:
            tally.add(KABUPATEN, enqueue(key=f"pusdalops-{key}-{user.id}", to=user.phone, body=text, purpose="notify",
                                         **about))  # fmt: skip
    subscriptions = db.session.scalars(
        select(PushSubscription).where(PushSubscription.user_id.in_([u.id for u in people])).order_by(
            PushSubscription.id
        )
    ).all() if people else []  # fmt: skip
    _push(subscriptions, f"push-pusdalops-{key}", *push, about, tally, KABUPATEN)


def _tell_triage(incident: Incident, key: str, title: str, body: str, duty_template: str,
                 kabupaten_template: str | None = None, **parts) -> dict:  # fmt: skip
    """The desk that triages the incident (push and the on-duty phone); when none of it can be reached, the
    kabupaten's Pusdalops. Returns what was told (``told``, and ``unreached`` when the desk was not)."""
    tally = Tally()
    _push_incident(desk_subscriptions(incident), f"push-{key}-{incident.id}", incident, title, body, tally, DESK)
    text = render(duty_template, ticket=incident.ticket, hazard=hazard_label(incident.hazard), desa=_place(incident),
                  **parts)  # fmt: skip
    _tell_duty(incident.kecamatan_code, f"duty-{key}-{incident.id}", text, _about(incident), tally)
    if tally:
        return {"told": tally.lines()}
    if kabupaten_template:
        text = render(kabupaten_template, ticket=incident.ticket, hazard=hazard_label(incident.hazard),
                      desa=_place(incident), **parts)  # fmt: skip
    push = (f"/incidents/{incident.id}", f"insiden-{incident.id}", title, body)
    _tell_kabupaten(incident, f"{key}-{incident.id}", text, push, _about(incident), tally)
    return {"told": tally.lines(), "unreached": DESK}


NEW_BATCH = 50  # incidents told per round at most; the next round tells the rest


def tell_new_incidents() -> int:
    """The worker's round: tell the desk about each incident a report opened since (``desk_untold``), once, and
    commit. Each worker takes its own (``SKIP LOCKED`` on PostgreSQL; SQLite has one writer). Returns how many."""
    incidents = list(
        db.session.scalars(
            select(Incident)
            .where(Incident.desk_untold)
            .order_by(Incident.id)
            .limit(NEW_BATCH)
            .with_for_update(skip_locked=True)
        )
    )
    for incident in incidents:
        incident_opened(incident)
        incident.desk_untold = False
    db.session.commit()
    return len(incidents)


def incident_opened(incident: Incident) -> dict:
    """A new incident: the people who triage it, and the on-duty phone; when none of them can be reached, the
    Pusdalops, and the timeline says so."""
    title = f"Insiden baru {incident.ticket}"
    body = f"{hazard_label(incident.hazard).capitalize()} di {_place(incident)}"
    told = _tell_triage(incident, "new", title, body, "duty_new", "pusdalops_new")
    if "unreached" in told:
        db.session.add(IncidentEvent(incident=incident, kind="unreached", data={"about": "new", **told}))
    return told


def _counts_line(incident: Incident) -> str:
    words = {"meninggal": "meninggal", "hilang": "hilang", "luka": "luka", "mengungsi": "ngungsi"}
    parts = [f"{getattr(incident, name)} {word}" for name, word in words.items() if getattr(incident, name)]
    return (" " + ", ".join(parts) + ".") if parts else ""


def _unreached_agency(target, agency: Agency, key: str, text: str, push: tuple, about: dict, tally: Tally) -> dict:
    """Nobody at ``agency`` could be told: the on-duty phone, else the Pusdalops."""
    _tell_duty(target.kecamatan_code, f"duty-{key}-piket", text, about, tally)
    if not tally:
        _tell_kabupaten(target, key, text, push, about, tally)
    return {"told": tally.lines(), "unreached": agency.name}


def handed_over(handover: Handover) -> dict:
    """Tell every member of the agency who covers the incident's place, by SMS (WhatsApp for WhatsApp numbers),
    in one segment: ticket, hazard, desa, counts and how to answer; a link when ``PUBLIC_URL`` is set and it
    fits; and push to the agency's accounts. Nobody there: the on-duty phone, else the Pusdalops. Returns what
    was told."""
    incident, agency = handover.incident, handover.agency
    parts = dict(agency=agency.name, ticket=incident.ticket, hazard=hazard_label(incident.hazard),
                 desa=_place(incident), counts=_counts_line(incident))  # fmt: skip
    public = current_app.config["PUBLIC_URL"]
    try:
        text = render("handover_link", link=f"{public}/incidents/{incident.id}", **parts) if public else None
    except ValueError:
        text = None  # the link does not fit one segment: the ticket is enough to answer
    text = text or render("handover", **parts)
    tally = Tally()
    for member in agency_members(agency, incident):
        row = enqueue(key=f"handover-{handover.id}-{member.id}", to=member.phone, body=text, purpose="notify",
                      channel=member.channel, **_about(incident))  # fmt: skip
        tally.add(MEMBERS, row, agency.name)
    title = f"Diserahkan ke {agency.name}: {incident.ticket}"
    body = f"{hazard_label(incident.hazard).capitalize()} di {_place(incident)}"
    _push_incident(agency_subscriptions(agency, incident), f"push-handover-{handover.id}", incident, title, body,
                   tally, AGENCY_STAFF, agency.name)  # fmt: skip
    if tally:
        return {"told": tally.lines()}
    text = render("unreached_handover", **parts)
    title = f"{agency.name} tak bisa dihubungi: {incident.ticket}"
    push = (f"/incidents/{incident.id}", f"insiden-{incident.id}", title, body)
    return _unreached_agency(incident, agency, f"handover-{handover.id}", text, push, _about(incident), tally)


def forwarded(consultation: Consultation, agency: Agency) -> dict:
    """A konsultasi forwarded to ``agency``: an SMS to each member covering its desa (the question, shortened to
    one segment, and where to answer), a push to its accounts; nobody there: the on-duty
    phone, else the Pusdalops. Keys are unique per konsultasi, agency and person. Returns what was told."""
    key = f"forward-{consultation.id}-{agency.id}"
    about = dict(kecamatan_code=consultation.kecamatan_code, desa_code=consultation.desa_code)
    desa = consultation.desa.label
    text = render("forward", agency=agency.name, desa=desa, question=consultation.question)
    tally = Tally()
    for member in agency_members(agency, consultation):
        row = enqueue(key=f"{key}-m{member.id}", to=member.phone, body=text, purpose="notify", channel=member.channel,
                      **about)  # fmt: skip
        tally.add(MEMBERS, row, agency.name)
    url, tag = f"/konsultasi/{consultation.id}", f"konsultasi-{consultation.id}"
    title = f"Konsultasi diteruskan ke {agency.name}"
    _push(agency_subscriptions(agency, consultation), f"push-{key}", url, tag, title, f"Dari {desa}", about, tally,
          AGENCY_STAFF, agency.name)  # fmt: skip
    if tally:
        return {"told": tally.lines()}
    text = render("unreached_forward", agency=agency.name, desa=desa)
    push = (url, tag, f"{agency.name} tak bisa dihubungi", f"Konsultasi dari {desa}")
    return _unreached_agency(consultation, agency, key, text, push, about, tally)


# Who a forward's rows went to, by the start of their keys (``forwarded``).
_FORWARD_KEYS = (("push-pusdalops-", KABUPATEN), ("pusdalops-", KABUPATEN), ("duty-", DUTY),
                 ("push-", AGENCY_STAFF), ("forward-", MEMBERS))  # fmt: skip


def forward_told(consultation: Consultation) -> dict | None:
    """What the forward of ``consultation`` to its current agency told, counted from the queued rows (None when it
    was not forwarded)."""
    agency = consultation.agency
    if agency is None:
        return None
    key = f"forward-{consultation.id}-{agency.id}-"
    rows = db.session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.key.contains(key, autoescape=True), OutboundMessage.incident_id.is_(None))
        .order_by(OutboundMessage.id)
    )
    tally = Tally()
    for row in rows:
        to = next(to for start, to in _FORWARD_KEYS if row.key.startswith(start))
        tally.add(to, row, agency.name if to in (MEMBERS, AGENCY_STAFF) else None)
    lines = tally.lines()
    reached = any(line["to"] in (MEMBERS, AGENCY_STAFF) for line in lines)
    return {"told": lines} if reached else {"told": lines, "unreached": agency.name}


def escalate_due(now: datetime | None = None) -> int:
    """Escalate, once each, the incidents still unverified ``UNVERIFIED_ALERT_MINUTES`` after their first report,
    and the handovers no agency member acknowledged within ``HANDOVER_ACK_MINUTES``; commits, and returns how
    many. The worker calls this on every round. The timeline says who was told (from the queued rows)."""
    now = now or utcnow()
    late = _escalate_handovers(now)
    minutes = current_app.config["UNVERIFIED_ALERT_MINUTES"]
    due = now - timedelta(minutes=minutes)
    escalated = exists().where(IncidentEvent.incident_id == Incident.id, IncidentEvent.kind == "escalated")
    incidents = list(
        db.session.scalars(select(Incident).where(Incident.status == "baru", Incident.opened_at <= due, ~escalated))
    )
    for incident in incidents:
        title = f"Belum diverifikasi: {incident.ticket}"
        body = f"{hazard_label(incident.hazard).capitalize()} di {_place(incident)}, lebih dari {minutes} menit"
        told = _tell_triage(incident, "late", title, body, "duty_unverified", minutes=str(minutes))
        db.session.add(IncidentEvent(incident=incident, kind="escalated", data={"minutes": minutes, **told}))
        db.session.flush()
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
        title = f"{handover.agency.name} belum menjawab: {incident.ticket}"
        body = f"Diserahkan lebih dari {minutes} menit lalu, belum diterima"
        told = _tell_triage(incident, f"handover-{handover.id}", title, body, "duty_handover_late",
                            agency=handover.agency.name, minutes=str(minutes))  # fmt: skip
        db.session.add(IncidentEvent(incident=incident, kind="handover_late",
                                     data={"agency": handover.agency.name, "minutes": minutes, **told}))  # fmt: skip
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
    subscriptions = desk_subscriptions(incident, officials, "incidents")
    _push_incident(subscriptions, f"push-answer-{event_id}", incident, title, body, Tally(), "official")
