"""Broadcasts: early warnings (peringatan dini) and hazard information (informasi rawan bencana) by SMS to the
registered residents of chosen desa. Before anything is sent the sender sees the recipients, the encoding,
the segments, the cost and how long the kecamatan's gateway phones need to reach the last resident; sending
queues one outbound message per resident, once per form, early warnings in their own lane, the desa a BMKG
warning names or with open incidents first. A broadcast's page follows it desa by desa."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from sms.gsm import encoding_of, plain
from sms.phone import mask_phone
from sms.vocab import HAZARDS

from ..access import can, desa_in_reach, scope
from ..extensions import db
from ..messaging import gateway_health, pool
from ..messaging.outbound import cost_per_segment, enqueue_many, gateway_for, lane
from ..models import (
    BROADCAST_KINDS,
    OPEN_STATUSES,
    Broadcast,
    Incident,
    OutboundMessage,
    ReceivingNumber,
    Region,
    Reporter,
    User,
    WarningDraft,
    utcnow,
)
from ..warnings.feeds import normalise
from ..warnings.service import DraftError, mark_sent, sendable

MAX_SEGMENTS = 3  # 459 GSM-7 characters: longer warnings are not read to the end on a feature phone
MAX_TEXT = 1000


class BroadcastError(ValueError):
    """A broadcast that cannot be sent as given; the message is for the sender."""


class RecipientsChanged(BroadcastError):
    """The recipients changed since the sender saw the preview: show it again before sending."""


def _sender_label(user: User) -> str:
    region = db.session.get(Region, user.region_code)
    if region.level == "desa":
        return region.label
    return f"Kec. {region.name}"


def message_text(user: User, kind: str, text: str) -> str:
    """What residents receive: who sends it and what kind it is, then the text (made GSM-7 where it can be)."""
    body = " ".join(plain(text or "").split())
    label = "PERINGATAN DINI" if kind == "peringatan" else "INFO"
    return f"{label} {_sender_label(user)}: {body}"


def _recipients(desa_codes: list[str]):
    return select(Reporter).where(Reporter.desa_code.in_(desa_codes), Reporter.opted_out.is_(False))


def _chosen(user: User, desa_codes: list[str]) -> list[Region]:
    allowed = {d.code: d for d in desa_in_reach(user, "broadcast")}
    outside = [code for code in desa_codes if code not in allowed]
    if outside:
        raise BroadcastError(_("Ada desa di luar wilayah Anda."))
    return [allowed[code] for code in dict.fromkeys(desa_codes)]


@dataclass(frozen=True)
class Estimate:
    """How long the kecamatan's sending numbers need until the last resident has the broadcast."""

    minutes: float
    recipients: int
    numbers: int  # healthy phones (or Twilio numbers) sharing the work
    gateway: str  # android or twilio
    ahead: int  # SMS segments already waiting in the same or an earlier lane
    long: bool  # longer than BROADCAST_LONG_MINUTES: suggest a second phone or WhatsApp

    @property
    def duration(self) -> str:
        """± 1 jam 40 menit, ± 12 menit, kurang dari 1 menit."""
        minutes = math.ceil(self.minutes)
        if minutes < 1:
            return _("kurang dari 1 menit")
        hours, rest = divmod(minutes, 60)
        if not hours:
            return _("± %(minutes)d menit", minutes=rest)
        if not rest:
            return _("± %(hours)d jam", hours=hours)
        return _("± %(hours)d jam %(minutes)d menit", hours=hours, minutes=rest)

    @property
    def senders(self) -> str:
        if self.gateway == "twilio":
            return ngettext("%(num)d nomor", "%(num)d nomor", self.numbers)
        return ngettext("%(num)d HP", "%(num)d HP", self.numbers)


def estimate(kecamatan_code: str, recipients: int, segments: int, warning: bool) -> Estimate | None:
    """Time to the last resident: the SMS already waiting in the same or an earlier lane, plus this broadcast,
    over the summed rates of the kecamatan's healthy numbers. None when nothing limits the pace (the console
    gateway, a number without a rate); numbers=0 when no number is healthy."""
    gateway = gateway_for("sms")
    if gateway not in pool.PACED:
        return None
    now = utcnow()
    rows = db.session.scalars(
        select(ReceivingNumber).where(
            ReceivingNumber.kecamatan_code == kecamatan_code, ReceivingNumber.gateway == gateway
        )
    ).all()
    offline = set(db.session.scalars(select(ReceivingNumber.id).where(gateway_health.offline_clause(now))))
    healthy = [row for row in rows if row.id not in offline]
    rates = [pool.per_minute(row) for row in healthy]
    if any(rate <= 0 for rate in rates):
        return None
    ahead = db.session.scalar(
        select(func.coalesce(func.sum(OutboundMessage.segments), 0)).where(
            OutboundMessage.status.in_(("queued", "sending")),
            OutboundMessage.gateway == gateway,
            OutboundMessage.kecamatan_code == kecamatan_code,
            OutboundMessage.priority <= lane("broadcast", warning),
        )
    )
    total = sum(rates)
    minutes = (ahead + recipients * segments) / total if total else math.inf
    long = minutes > current_app.config["BROADCAST_LONG_MINUTES"]
    return Estimate(minutes, recipients, len(healthy), gateway, int(ahead), long)


@dataclass(frozen=True)
class Preview:
    text: str  # exactly what each resident receives
    recipients: int
    opted_out: int  # registered in the chosen desa but sent BERHENTI: not sent to
    encoding: str
    characters: int
    segments: int
    cost_per_message: int
    cost: int
    estimate: Estimate | None = None

    max_segments = MAX_SEGMENTS

    @property
    def too_long(self) -> bool:
        return self.segments > MAX_SEGMENTS


def preview(user: User, kind: str, desa_codes: list[str], text: str) -> Preview:
    """What residents will receive and what it costs, and, once desa are chosen, how long it takes."""
    desa = _chosen(user, desa_codes)
    message = message_text(user, kind, text)
    info = encoding_of(message)
    recipients, opted_out = db.session.execute(
        select(func.count(Reporter.id).filter(Reporter.opted_out.is_(False)),
               func.count(Reporter.id).filter(Reporter.opted_out.is_(True)))
        .where(Reporter.desa_code.in_(desa_codes))
    ).one()  # fmt: skip
    per_message = info.segments * cost_per_segment("sms")
    timing = estimate(desa[0].parent_code, recipients, info.segments, kind == "peringatan") if recipients else None
    return Preview(message, recipients, opted_out, info.encoding, info.units, info.segments, per_message,
                   per_message * recipients, timing)  # fmt: skip


def send(
    user: User,
    key: str,
    kind: str,
    hazard: str | None,
    desa_codes: list[str],
    text: str,
    expected: int | None,
    draft: WarningDraft | None = None,
) -> Broadcast:
    """Queue the broadcast for every resident who has not opted out, once per ``key`` (the form's token).

    ``expected`` is the recipient count the sender saw; if it changed, nothing is sent (``RecipientsChanged``).
    ``draft``: the BMKG warning's draft this sends, at most once (by anyone), and only while it may be sent.
    """
    key = f"u{user.id}:{key}"
    existing = db.session.scalar(select(Broadcast).where(Broadcast.key == key))
    if existing is not None:
        return existing  # a double click, or the browser re-sending the form
    if kind not in BROADCAST_KINDS:
        raise BroadcastError(_("Jenis siaran tidak dikenal."))
    if hazard and hazard not in HAZARDS:
        raise BroadcastError(_("Jenis bencana tidak dikenal."))
    desa = _chosen(user, desa_codes)
    if not desa:
        raise BroadcastError(_("Pilih paling sedikit satu desa."))
    if not " ".join((text or "").split()):
        raise BroadcastError(_("Isi pesan kosong."))
    if len(text) > MAX_TEXT:
        raise BroadcastError(_("Pesan terlalu panjang."))
    summary = preview(user, kind, desa_codes, text)
    if summary.too_long:
        raise BroadcastError(_("Pesan terlalu panjang: paling banyak %(max)d SMS per warga.", max=MAX_SEGMENTS))
    if draft is not None:
        try:
            sendable(draft)
        except DraftError as exc:
            raise BroadcastError(str(exc)) from exc
        if any(not code.startswith(draft.kecamatan_code + ".") for code in desa_codes):
            raise BroadcastError(_("Peringatan ini untuk %(name)s: pilih desa di kecamatan itu saja.",
                                   name=draft.kecamatan.label))  # fmt: skip
    if summary.recipients == 0:
        raise BroadcastError(_("Belum ada warga terdaftar yang dapat menerima siaran di desa ini."))
    if expected is not None and expected != summary.recipients:
        raise RecipientsChanged(_("Jumlah penerima berubah menjadi %(num)d. Periksa lagi lalu kirim.",
                                  num=summary.recipients))  # fmt: skip

    kecamatan = desa[0].parent_code
    broadcast = Broadcast(
        key=key, kind=kind, hazard=hazard or None, body=summary.text, kecamatan_code=kecamatan,
        created_by_id=user.id, recipients=summary.recipients, segments=summary.segments,
        estimated_cost=summary.cost, desa=desa,
    )  # fmt: skip
    if draft is not None:
        mark_sent(draft, broadcast, user)
    try:
        with db.session.begin_nested():
            db.session.add(broadcast)
            db.session.flush()
    except IntegrityError:  # the same form submitted twice at the same moment, or the draft sent by another
        db.session.rollback()
        existing = db.session.scalar(select(Broadcast).where(Broadcast.key == key))
        if existing is None:
            raise BroadcastError(_("Draf peringatan ini sudah dikirim.")) from None
        return existing
    residents = db.session.execute(_recipients([d.code for d in desa]).with_only_columns(
        Reporter.id, Reporter.phone, Reporter.desa_code).order_by(Reporter.id)).all()  # fmt: skip
    first = first_desa(desa, draft)
    residents.sort(key=lambda resident: resident.desa_code not in first)  # stable: by id within each group
    enqueue_many(
        [
            dict(key=f"broadcast-{broadcast.id}-{resident_id}", to=phone, body=summary.text, purpose="broadcast",
                 kecamatan_code=kecamatan, desa_code=desa_code, reporter_id=resident_id, broadcast_id=broadcast.id,
                 warning=kind == "peringatan")
            for resident_id, phone, desa_code in residents
        ]
    )  # fmt: skip
    broadcast.recipients = len(residents)
    broadcast.estimated_cost = summary.cost_per_message * len(residents)
    db.session.commit()
    return broadcast


def first_desa(desa: list[Region], draft: WarningDraft | None = None) -> set[str]:
    """The desa whose residents are queued first: those the BMKG warning names (in its headline, description or
    areas) and those with an open incident."""
    first = set(
        db.session.scalars(
            select(Incident.desa_code).where(
                Incident.desa_code.in_([d.code for d in desa]), Incident.status.in_(OPEN_STATUSES)
            )
        )
    )
    if draft is not None:
        alert = draft.alert
        words = [alert.headline or "", alert.description or ""] + [a.get("desc", "") for a in alert.areas or []]
        text = f" {normalise(' '.join(words))} "
        first |= {d.code for d in desa if f" {normalise(d.name)} " in text}
    return first


def visible(user: User):
    """Broadcasts ``user`` may see: those reaching the user's region."""
    return select(Broadcast).where(scope(user, Broadcast, "broadcasts"))


def residents_per_desa(desa_codes: list[str]) -> dict[str, int]:
    """Residents who receive broadcasts (registered, not opted out), per desa."""
    rows = db.session.execute(
        select(Reporter.desa_code, func.count(Reporter.id))
        .where(Reporter.desa_code.in_(desa_codes), Reporter.opted_out.is_(False))
        .group_by(Reporter.desa_code)
    )
    return dict(rows.all())


def delivery_counts(broadcast_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per broadcast: how many messages are waiting, sent (delivered included), delivered, failed, cancelled."""
    counts: dict[int, dict[str, int]] = {
        i: {"waiting": 0, "sent": 0, "delivered": 0, "failed": 0, "cancelled": 0} for i in broadcast_ids
    }
    rows = db.session.execute(
        select(OutboundMessage.broadcast_id, OutboundMessage.status, func.count())
        .where(OutboundMessage.broadcast_id.in_(broadcast_ids))
        .group_by(OutboundMessage.broadcast_id, OutboundMessage.status)
    )
    for broadcast_id, status, number in rows:
        row = counts[broadcast_id]
        if status in ("queued", "sending"):
            row["waiting"] += number
        elif status in ("sent", "delivered"):
            row["sent"] += number
            if status == "delivered":
                row["delivered"] += number
        else:
            row[status] += number
    return counts


@dataclass(frozen=True)
class DesaProgress:
    """How far a broadcast got in one desa."""

    desa: Region
    waiting: int = 0
    sent: int = 0  # delivered included
    delivered: int = 0
    failed: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class Unreached:
    """A resident the broadcast could not reach, as staff may see them: the number masked."""

    name: str | None
    phone: str  # masked
    desa: str | None
    reason: str | None


def progress(broadcast: Broadcast) -> list[DesaProgress]:
    """Per desa of the broadcast (in the order its messages were queued): waiting, sent, delivered, failed,
    cancelled."""
    counts: dict[str, dict[str, int]] = {d.code: {} for d in broadcast.desa}
    rows = db.session.execute(
        select(OutboundMessage.desa_code, OutboundMessage.status, func.count(), func.min(OutboundMessage.id))
        .where(OutboundMessage.broadcast_id == broadcast.id)
        .group_by(OutboundMessage.desa_code, OutboundMessage.status)
    )
    first: dict[str, int] = {}
    for desa_code, status, number, first_id in rows:
        row = counts.setdefault(desa_code, {})
        first[desa_code] = min(first.get(desa_code, first_id), first_id)
        if status in ("queued", "sending"):
            row["waiting"] = row.get("waiting", 0) + number
        elif status in ("sent", "delivered"):
            row["sent"] = row.get("sent", 0) + number
            if status == "delivered":
                row["delivered"] = number
        else:
            row[status] = number
    regions = {d.code: d for d in broadcast.desa}
    ordered = sorted(counts, key=lambda code: (first.get(code, 1 << 62), regions[code].name if code in regions else ""))
    return [DesaProgress(regions[code], **counts[code]) for code in ordered if code in regions]


def unreached(broadcast: Broadcast, user: User, limit: int = 100) -> list[Unreached]:
    """Residents of ``user``'s region whose message failed (the number masked; the name only for those who keep
    residents), at most ``limit``, by desa."""
    names = can(user, "residents")
    rows = db.session.execute(
        select(Reporter.name, OutboundMessage.to_phone, Region.name, OutboundMessage.error)
        .select_from(OutboundMessage)
        .outerjoin(Reporter, Reporter.id == OutboundMessage.reporter_id)
        .outerjoin(Region, Region.code == OutboundMessage.desa_code)
        .where(OutboundMessage.broadcast_id == broadcast.id, OutboundMessage.status == "failed",
               scope(user, OutboundMessage, "broadcasts"))
        .order_by(Region.name, OutboundMessage.id)
        .limit(limit)
    )  # fmt: skip
    return [Unreached(name if names else None, mask_phone(phone), desa, _reason(error))
            for name, phone, desa, error in rows]  # fmt: skip


def _reason(error: str | None) -> str | None:
    """Why, in words for staff (the technical reason stays in the outbound table)."""
    if not error:
        return None
    if error.startswith("gave up"):
        return _("gagal setelah beberapa kali dicoba")
    return _("ditolak gateway")


def in_progress(broadcast: Broadcast) -> bool:
    """Messages of the broadcast still wait to be sent."""
    return (
        db.session.scalar(
            select(OutboundMessage.id)
            .where(OutboundMessage.broadcast_id == broadcast.id, or_(OutboundMessage.status == "queued",
                                                                     OutboundMessage.status == "sending"))
            .limit(1)
        )
        is not None
    )  # fmt: skip
