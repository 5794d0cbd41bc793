"""BMKG's warnings taken in once, matched to the kecamatan they name, and turned into drafts a person confirms.

- A CAP Alert becomes one ``WarningAlert`` (kept whether or not it names a kecamatan Tangguh serves); every
  message, Alert, Update or Cancel, is a ``WarningMessage`` stored once per identifier, so a document fetched
  again changes nothing. An Update rewrites its alert and the drafts still waiting; a Cancel withdraws them.
- A kecamatan matches when the alert lists it under its kabupaten ("Kab. Pasuruan : Winongan, Rejoso"), when
  its position lies inside one of the alert's polygons, or, for a felt earthquake, when its kabupaten is in
  the felt list or its position within ``WARNINGS_QUAKE_RADIUS_KM`` of the epicentre.
- Each matched kecamatan gets one draft broadcast (at most two GSM-7 segments, BMKG's validity in the region's
  own clock) and its staff and on-duty phone one notice with a link to it. Nothing reaches residents until a
  person sends the draft from the broadcast preview (``broadcasts.service.send``).

The caller commits; the poller commits each document on its own, so a bad one leaves nothing behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sms.replies import render

from ..access import can, scope
from ..extensions import db
from ..messaging.outbound import enqueue
from ..models import (
    Broadcast,
    OutboundMessage,
    PushSubscription,
    Region,
    User,
    WarningAlert,
    WarningDraft,
    WarningMessage,
    utcnow,
)
from ..regions.gazetteer import zone_for
from .feeds import CapMessage, FeedError, Quake, hazard_for
from .matching import draft_text, hour_minute, local_clock, matched_kecamatan


@dataclass(frozen=True)
class Taken:
    """What one document did: ``new``, ``update``, ``cancel`` or ``seen`` (already taken in)."""

    outcome: str
    alert: WarningAlert | None = None
    drafts: int = 0  # drafts made for newly matched kecamatan


# --- Taking documents in --------------------------------------------------------------------------------------


def _seen(source: str, identifier: str) -> bool:
    return (
        db.session.scalar(
            select(WarningMessage.id).where(WarningMessage.source == source, WarningMessage.identifier == identifier)
        )
        is not None
    )


def _referenced(references: list[str]) -> WarningAlert | None:
    return db.session.scalar(
        select(WarningAlert)
        .join(WarningMessage, WarningMessage.alert_id == WarningAlert.id)
        .where(WarningMessage.source == "nowcast", WarningMessage.identifier.in_(references))
        .limit(1)
    )


def _apply_cap(alert: WarningAlert, message: CapMessage, hazard: str) -> None:
    alert.event, alert.hazard, alert.headline = message.event, hazard, message.headline
    alert.description, alert.urgency = message.description, message.urgency
    alert.severity, alert.certainty = message.severity, message.certainty
    alert.issued_at, alert.effective_at, alert.expires_at = message.sent, message.effective, message.expires
    alert.web = message.web
    alert.areas = [{"desc": a.desc, "polygons": [[list(p) for p in ring] for ring in a.polygons]}
                   for a in message.areas]  # fmt: skip


def _record(alert: WarningAlert, source: str, identifier: str, msg_type: str, sent: datetime, url: str | None):
    with db.session.begin_nested():  # two pollers at once: the unique key lets one through
        db.session.add(WarningMessage(source=source, identifier=identifier, msg_type=msg_type, url=url,
                                      sent_at=sent, alert=alert))  # fmt: skip
        db.session.flush()


def take_cap(message: CapMessage, url: str | None = None, now: datetime | None = None) -> Taken:
    """Take one CAP message in: once per identifier. ``FeedError`` for what is skipped (an unknown event, an
    alert already expired, a Cancel of an alert never seen); nothing is stored then."""
    now = now or utcnow()
    if _seen("nowcast", message.identifier):
        return Taken("seen")
    earlier = _referenced(message.references) if message.references else None
    if message.msg_type == "Cancel":
        if earlier is None:
            raise FeedError(f"Cancel of an alert never taken in ({', '.join(message.references)})")
        try:
            _record(earlier, "nowcast", message.identifier, "Cancel", message.sent, url)
        except IntegrityError:
            return Taken("seen")
        earlier.state, earlier.updated_at = "dibatalkan", now
        for draft in earlier.drafts:
            _withdraw(draft, now)
            _tell_changed(draft, message.identifier, "warning_cancelled")
        return Taken("cancel", earlier)
    hazard = hazard_for(message.event)
    if hazard is None:
        raise FeedError(f"unknown event {message.event!r}")
    if earlier is None and message.expires <= now:
        raise FeedError(f"already expired at {message.expires.isoformat()}")
    alert = earlier or WarningAlert(source="nowcast", identifier=message.identifier, received_at=now)
    _apply_cap(alert, message, hazard)
    alert.updated_at = now
    try:
        _record(alert, "nowcast", message.identifier, message.msg_type, message.sent, url)
    except IntegrityError:
        return Taken("seen")
    drafts = _match_and_draft(alert, now)
    return Taken("update" if earlier else "new", alert, drafts)


def take_quake(quake: Quake, now: datetime | None = None) -> Taken:
    """Take one felt earthquake in, once; ``FeedError`` when it is below ``WARNINGS_QUAKE_MIN_MAGNITUDE`` or
    older than ``WARNINGS_QUAKE_HOURS``."""
    now = now or utcnow()
    if _seen("gempa", quake.identifier):
        return Taken("seen")
    config = current_app.config
    if quake.magnitude < config["WARNINGS_QUAKE_MIN_MAGNITUDE"]:
        raise FeedError(f"magnitude {quake.magnitude} below WARNINGS_QUAKE_MIN_MAGNITUDE")
    expires = quake.origin + timedelta(hours=config["WARNINGS_QUAKE_HOURS"])
    if expires <= now:
        raise FeedError(f"older than {config['WARNINGS_QUAKE_HOURS']} hours")
    alert = WarningAlert(
        source="gempa", identifier=quake.identifier, event=f"Gempa M{quake.magnitude:.1f}", hazard="gempabumi",
        headline=quake.region, description=quake.felt, issued_at=quake.origin,
        effective_at=quake.origin, expires_at=expires, received_at=now, updated_at=now, magnitude=quake.magnitude,
        latitude=quake.latitude, longitude=quake.longitude, areas=[],
    )  # fmt: skip
    try:
        _record(alert, "gempa", quake.identifier, "Alert", quake.origin, None)
    except IntegrityError:
        return Taken("seen")
    return Taken("new", alert, _match_and_draft(alert, now))


def _withdraw(draft: WarningDraft, now: datetime) -> None:
    if draft.state == "draf":
        draft.state, draft.updated_at = "ditarik", now


def _match_and_draft(alert: WarningAlert, now: datetime) -> int:
    """Drafts for the kecamatan the alert covers now: new ones (and their notices), waiting ones rewritten,
    those of kecamatan it no longer covers withdrawn. Returns how many are new."""
    matched = matched_kecamatan(alert)
    alert.matched = bool(matched)
    existing = {draft.kecamatan_code: draft for draft in alert.drafts}
    new = 0
    for code, draft in existing.items():
        if code not in matched:
            _withdraw(draft, now)
        elif draft.state == "draf":
            draft.body, draft.updated_at = draft_text(alert, draft.kecamatan), now
        _tell_changed(draft, _latest_identifier(alert), "warning_updated")
    for code in matched:
        if code in existing:
            continue
        kecamatan = db.session.get(Region, code)
        draft = WarningDraft(alert=alert, kecamatan=kecamatan, body=draft_text(alert, kecamatan), created_at=now,
                             updated_at=now)  # fmt: skip
        db.session.add(draft)
        db.session.flush()
        _tell(draft)
        new += 1
    return new


# --- Telling the people on duty ------------------------------------------------------------------------------


def _tell(draft: WarningDraft) -> int:
    """One notice per new draft to the kecamatan's staff (SMS to their phones, a web push to their browsers) and
    to its on-duty (camat's) phone, with a short link to the draft. Returns how many were queued."""
    alert, code = draft.alert, draft.kecamatan_code
    until = local_clock(alert.expires_at, code)
    parts = dict(event=alert.event.lower(), kecamatan=f"Kec. {draft.kecamatan.name}",
                 until=f"{hour_minute(until)} {zone_for(code)}")  # fmt: skip
    public = current_app.config["PUBLIC_URL"]
    try:
        text = render("warning_duty_link", link=f"{public}/w/{draft.id}", **parts) if public else None
    except ValueError:
        text = None
    text = text or render("warning_duty", **parts)
    staff = _staff(draft)
    phones = _duty_phones(draft, staff)
    common = dict(purpose="notify", kecamatan_code=code)
    for phone in sorted(phones):
        enqueue(key=f"warning-{draft.id}-sms-{phone}", to=phone, body=text, **common)
    subscriptions = db.session.scalars(
        select(PushSubscription).where(PushSubscription.user_id.in_([u.id for u in staff]))
    ).all()
    for subscription in subscriptions:
        payload = {"title": "Peringatan dini BMKG", "body": text, "url": f"/w/{draft.id}", "tag": f"bmkg-{draft.id}"}
        enqueue(key=f"warning-{draft.id}-push-{subscription.id}", to=None, channel="push", body=json.dumps(payload),
                push_subscription_id=subscription.id, **common)  # fmt: skip
    return len(phones) + len(subscriptions)


def _latest_identifier(alert: WarningAlert) -> str:
    return db.session.scalar(
        select(WarningMessage.identifier).where(WarningMessage.alert_id == alert.id).order_by(WarningMessage.id.desc())
    )


def _tell_changed(draft: WarningDraft, identifier: str, template: str) -> None:
    """BMKG updated or cancelled a warning its residents were already sent: the kecamatan's staff and on-duty
    phone are told once per BMKG message, so that they can broadcast the change (nothing goes by itself)."""
    if draft.state != "terkirim":
        return
    code = draft.kecamatan_code
    text = render(template, event=draft.alert.event.lower(), kecamatan=f"Kec. {draft.kecamatan.name}",
                  until=f"{hour_minute(local_clock(draft.alert.expires_at, code))} {zone_for(code)}")  # fmt: skip
    for phone in sorted(_duty_phones(draft)):
        enqueue(key=f"warning-{draft.id}-{identifier}-{phone}", to=phone, body=text, purpose="notify",
                kecamatan_code=code)  # fmt: skip


def _staff(draft: WarningDraft) -> list[User]:
    return [u for u in db.session.scalars(select(User).where(User.active.is_(True))) if can(u, "warn", draft)]


def _duty_phones(draft: WarningDraft, staff: list[User] | None = None) -> set[str]:
    """The phones told about a kecamatan's warnings: its staff's, and its on-duty (camat's) phone."""
    phones = {u.phone for u in (staff if staff is not None else _staff(draft)) if u.phone}
    duty = current_app.config["ON_DUTY_PHONES"].get(draft.kecamatan_code)
    return phones | ({duty} if duty else set())


# --- What staff see and do --------------------------------------------------------------------------------------


class DraftError(ValueError):
    """A draft that can no longer be sent or discarded; the message says why, for the page."""


def sendable(draft: WarningDraft, now: datetime | None = None) -> None:
    """Raise ``DraftError`` unless the draft may still be sent: waiting, its alert standing and not expired."""
    now = now or utcnow()
    if draft.state == "terkirim":
        raise DraftError(_("Draf peringatan ini sudah dikirim."))
    if draft.state == "dibuang":
        raise DraftError(_("Draf peringatan ini sudah dibuang."))
    if draft.state == "ditarik" or draft.alert.state == "dibatalkan":
        raise DraftError(_("Peringatan ini dibatalkan atau diperbarui BMKG: draf ditarik."))
    if draft.alert.expires_at <= now:
        raise DraftError(_("Peringatan ini sudah lewat masa berlakunya: draf tidak dapat dikirim lagi."))


def mark_sent(draft: WarningDraft, broadcast: Broadcast, user: User) -> None:
    """The draft went out as ``broadcast`` (the caller holds the broadcast's transaction)."""
    draft.state, draft.decided_by_id, draft.decided_at = "terkirim", user.id, utcnow()
    broadcast.warning_draft_id = draft.id


def discard(draft: WarningDraft, user: User) -> None:
    """Staff chose not to send it; commits."""
    if draft.state != "draf":
        sendable(draft)  # says why it is no longer waiting
    draft.state, draft.decided_by_id, draft.decided_at = "dibuang", user.id, utcnow()
    db.session.commit()


def waiting_for(user: User, now: datetime | None = None) -> list[WarningDraft]:
    """Drafts the user may send that still wait for a person: the banner on every staff page."""
    if not can(user, "warn"):
        return []
    if now is None and has_request_context() and "waiting_warnings" in g:
        return g.waiting_warnings  # the banner and the list's stamp ask in the same request
    drafts = _waiting(user, now or utcnow())
    if now is None and has_request_context():
        g.waiting_warnings = drafts
    return drafts


def state(user: User) -> str:
    """A short stamp of the drafts waiting for ``user`` ("" when none): the incident list's ETag changes with it,
    so its refresh brings the banner."""
    drafts = waiting_for(user)
    return ("-p" + ".".join(str(d.id) for d in drafts)) if drafts else ""


def _waiting(user: User, now: datetime) -> list[WarningDraft]:
    return list(
        db.session.scalars(
            select(WarningDraft)
            .join(WarningAlert)
            .where(
                WarningDraft.state == "draf",
                WarningAlert.state == "aktif",
                WarningAlert.expires_at > now,
                scope(user, WarningDraft, "warn"),
            )
            .order_by(WarningAlert.expires_at, WarningDraft.id)
        )
    )


def drafts_for(user: User):
    """A query for the drafts of the kecamatan the user reaches, newest first."""
    return (
        select(WarningDraft)
        .join(WarningAlert)
        .where(scope(user, WarningDraft, "warnings"))
        .order_by(WarningAlert.received_at.desc(), WarningDraft.id.desc())
    )


def unmatched():
    """A query for the alerts that named no kecamatan Tangguh holds (for admins: kept, not dropped)."""
    return select(WarningAlert).where(WarningAlert.matched.is_(False)).order_by(WarningAlert.received_at.desc())


@dataclass(frozen=True)
class Timing:
    """One warning for one kecamatan, as the dashboard measures it."""

    draft: WarningDraft
    issued_at: datetime
    received_at: datetime
    sent_at: datetime | None
    reached: int  # residents whose message went out (sent or delivered)

    @property
    def to_tangguh_minutes(self) -> float:
        return max((self.received_at - self.issued_at).total_seconds() / 60, 0.0)

    @property
    def to_residents_minutes(self) -> float | None:
        return (self.sent_at - self.issued_at).total_seconds() / 60 if self.sent_at else None


def timings(user: User, area: str | None, start: datetime, end: datetime) -> list[Timing]:
    """Per warning and kecamatan in ``area`` received in [start, end): BMKG issued → Tangguh received → broadcast
    sent, and residents reached."""
    query = (
        select(WarningDraft, WarningAlert, Broadcast)
        .join(WarningAlert)
        .outerjoin(Broadcast, Broadcast.warning_draft_id == WarningDraft.id)
        .where(scope(user, WarningDraft, "dashboard"), WarningAlert.received_at >= start,
               WarningAlert.received_at < end)
        .order_by(WarningAlert.received_at, WarningDraft.id)
    )  # fmt: skip
    if area:
        query = query.where((WarningDraft.kecamatan_code == area) | WarningDraft.kecamatan_code.like(f"{area}.%"))
    rows = db.session.execute(query).all()
    ids = [b.id for _d, _a, b in rows if b is not None]
    reached = dict(
        db.session.execute(
            select(OutboundMessage.broadcast_id, db.func.count())
            .where(OutboundMessage.broadcast_id.in_(ids), OutboundMessage.status.in_(("sent", "delivered")))
            .group_by(OutboundMessage.broadcast_id)
        ).all()
    ) if ids else {}  # fmt: skip
    # The first message's issue time: an Update moves ``issued_at`` on, the speed counts from the first.
    first_sent = dict(
        db.session.execute(
            select(WarningMessage.alert_id, db.func.min(WarningMessage.sent_at))
            .where(WarningMessage.alert_id.in_(sorted({a.id for _d, a, _b in rows})))
            .group_by(WarningMessage.alert_id)
        ).all()
    ) if rows else {}  # fmt: skip
    return [
        Timing(draft, first_sent.get(alert.id, alert.issued_at), alert.received_at,
               broadcast.created_at if broadcast else None, reached.get(broadcast.id, 0) if broadcast else 0)
        for draft, alert, broadcast in rows
    ]  # fmt: skip
