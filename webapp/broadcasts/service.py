"""Broadcasts: early warnings (peringatan dini) and hazard information (informasi rawan bencana) by SMS to the
registered residents of chosen desa. Before anything is sent the sender sees the recipients, the encoding,
the segments and the cost; sending queues one outbound message per resident, once per form."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sms.gsm import encoding_of, plain
from sms.vocab import HAZARDS

from ..access import desa_in_reach, scope
from ..extensions import db
from ..messaging.outbound import cost_per_segment, enqueue_many
from ..models import BROADCAST_KINDS, Broadcast, OutboundMessage, Region, Reporter, User, WarningDraft
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
class Preview:
    text: str  # exactly what each resident receives
    recipients: int
    opted_out: int  # registered in the chosen desa but sent BERHENTI: not sent to
    encoding: str
    characters: int
    segments: int
    cost_per_message: int
    cost: int

    max_segments = MAX_SEGMENTS

    @property
    def too_long(self) -> bool:
        return self.segments > MAX_SEGMENTS


def preview(user: User, kind: str, desa_codes: list[str], text: str) -> Preview:
    _chosen(user, desa_codes)
    message = message_text(user, kind, text)
    info = encoding_of(message)
    recipients, opted_out = db.session.execute(
        select(func.count(Reporter.id).filter(Reporter.opted_out.is_(False)),
               func.count(Reporter.id).filter(Reporter.opted_out.is_(True)))
        .where(Reporter.desa_code.in_(desa_codes))
    ).one()  # fmt: skip
    per_message = info.segments * cost_per_segment("sms")
    return Preview(message, recipients, opted_out, info.encoding, info.units, info.segments, per_message,
                   per_message * recipients)  # fmt: skip


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
        Reporter.id, Reporter.phone, Reporter.desa_code)).all()  # fmt: skip
    enqueue_many(
        [
            dict(key=f"broadcast-{broadcast.id}-{resident_id}", to=phone, body=summary.text, purpose="broadcast",
                 kecamatan_code=kecamatan, desa_code=desa_code, reporter_id=resident_id, broadcast_id=broadcast.id)
            for resident_id, phone, desa_code in residents
        ]
    )  # fmt: skip
    broadcast.recipients = len(residents)
    broadcast.estimated_cost = summary.cost_per_message * len(residents)
    db.session.commit()
    return broadcast


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
