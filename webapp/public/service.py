"""Information for citizens: what staff publish (an incident, a broadcast), withdraw, and keep per desa.

Nothing becomes public by itself: ``publish_incident`` and ``publish_broadcast`` are a person's act, written
to the timeline (or the audit log), and ``withdraw_*`` takes it back. What the public reads comes through
``access.published`` only, and carries hazard, place, status, counts and the summary staff wrote: never a
report's words, a name, a number, a photo or a home's position. A summary that looks like it holds a phone
number is refused.

When a Telegram channel is configured, each publication is posted there once through the outbound queue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import func, select

from sms.replies import hazard_label

from ..access import publishable, published
from ..audit import record
from ..extensions import db
from ..incidents.figures import own
from ..messaging.outbound import enqueue
from ..models import Broadcast, DesaInfo, Incident, IncidentEvent, Need, NeedDelivery, Region, Shelter, User, utcnow
from ..web.labels import STATUS_LABELS

MAX_SUMMARY = 600
# A run of digits with the spaces, dots, dashes and brackets people write numbers with ("+62 812 3456 7890",
# "(0812) 3456-7890"); it is a phone number when its digits are an Indonesian mobile number.
NUMBER_RUN = re.compile(r"[+(]?\d[\d\s().-]{6,}\d")
MOBILE_DIGITS = re.compile(r"(?:62|0)?8\d{7,12}")


def looks_like_phone(text: str) -> bool:
    """Does ``text`` hold something written like an Indonesian mobile number, however it is spaced?"""
    return any(MOBILE_DIGITS.fullmatch(re.sub(r"\D", "", run.group())) for run in NUMBER_RUN.finditer(text))


class PublishError(ValueError):
    """What cannot be published as asked; the message says why, for the page."""


def _place(incident: Incident) -> str:
    desa = incident.desa.label if incident.desa else None
    return f"{desa}, Kec. {incident.kecamatan.name}" if desa else incident.kecamatan.label


def _counts(incident: Incident) -> str:
    words = (("meninggal", "meninggal"), ("hilang", "hilang"), ("luka", "luka"), ("mengungsi", "mengungsi"),
             ("rumah_terendam", "rumah terendam"), ("rumah_rusak_berat", "rumah rusak berat"))  # fmt: skip
    return ", ".join(f"{getattr(incident, k)} {w}" for k, w in words if getattr(incident, k) is not None)


def _plain_status(status: str) -> str:
    """An incident's status as a citizen says it (the desk's "Diverifikasi" means nothing on a phone's status)."""
    return {
        "diverifikasi": _("Sudah dipastikan petugas"),
        "ditangani": _("Sedang ditangani petugas"),
        "selesai": _("Penanganan sudah selesai"),
    }.get(status, str(STATUS_LABELS.get(status, status)))


def _advice(hazard: str | None, status: str) -> str:
    """One line of what to do, by hazard; once it is over, to stay alert."""
    if status == "selesai":
        return _("Tetap waspada dan ikuti info resmi kecamatan.")
    return {
        "banjir": _("Jauhi arus air dan matikan listrik bila air masuk rumah."),
        "tanah_longsor": _("Jauhi lereng dan tebing, terutama saat hujan."),
        "cuaca_ekstrem": _("Berlindung di bangunan kokoh, jauhi pohon dan papan reklame."),
        "gelombang_pasang": _("Jauhi pantai dan tunda melaut."),
        "gempabumi": _("Waspada gempa susulan, jauhi bangunan yang retak."),
        "tsunami": _("Segera menjauh dari pantai ke tempat tinggi."),
        "erupsi": _("Jauhi zona bahaya dan pakai masker bila ada abu."),
        "karhutla": _("Jauhi asap, pakai masker, jangan membakar lahan."),
        "kekeringan": _("Hemat air dan ambil air bersih di titik yang ditunjuk petugas."),
        "kebakaran": _("Jauhi api dan asap, beri jalan untuk pemadam."),
    }.get(hazard or "", _("Ikuti arahan petugas. Darurat: hubungi 112."))


def card_lines(incident: Incident, when: str) -> list[str]:
    """What the image card of a published incident says below its title, in plain words: the place, the status
    as a citizen says it and ``when``, the counts a person stands behind (none while nobody does: "nobody said"
    is not 0), and one line of advice."""
    lines = [_place(incident), f"{_plain_status(incident.status)}, {when}"]
    if incident.figures_owned and _counts(incident):
        lines.append(_counts(incident))
    lines.append(_advice(incident.hazard, incident.status))
    return lines


def public_url(path: str) -> str:
    """An absolute link for shares, feeds and cards: ``PUBLIC_URL`` when set. Without it, in development, this
    request's host; in production the path alone, since the Host header is the client's to write (a forged one
    would put another site's address into the share texts and the cached pages)."""
    base = current_app.config["PUBLIC_URL"]
    if not base and current_app.config["TANGGUH_ENV"] != "production" and has_request_context():
        base = request.host_url.rstrip("/")
    return (base or "") + path


def incident_share_text(incident: Incident) -> str:
    """What a WhatsApp group gets: hazard, place, status in plain words, the counts a person stands behind, the
    summary, one line of advice, and the link to the official page."""
    status = _plain_status(incident.status).lower()
    parts = [f"{hazard_label(incident.hazard).upper()} di {_place(incident)} ({status})."]
    if incident.figures_owned and _counts(incident):
        parts.append(f"Data sementara: {_counts(incident)}.")
    if incident.public_summary:
        summary = incident.public_summary
        parts.append(summary if summary.endswith((".", "!", "?")) else f"{summary}.")
    parts.append(_advice(incident.hazard, incident.status))
    parts.append(f"Info resmi {incident.kecamatan.label}: {public_url(f'/publik/insiden/{incident.id}')}")
    return " ".join(parts)


def broadcast_share_text(broadcast: Broadcast) -> str:
    return f"{broadcast.body} Info resmi: {public_url(f'/publik/siaran/{broadcast.id}')}"


def _summary(text: str | None) -> str | None:
    # Control characters (which no reader shows, and which break the Atom and CAP feeds' XML) are dropped.
    summary = " ".join("".join(c for c in (text or "") if c.isprintable() or c.isspace()).split())
    if len(summary) > MAX_SUMMARY:
        raise PublishError(_("Ringkasan publik terlalu panjang (paling banyak %(max)d karakter).", max=MAX_SUMMARY))
    if looks_like_phone(summary):
        raise PublishError(
            _("Ringkasan publik tidak boleh memuat nomor telepon warga. Tulis nomor posko di info desa.")
        )
    return summary or None


def _post_to_telegram(key: str, text: str, kecamatan_code: str) -> None:
    config = current_app.config
    if config["TELEGRAM_BOT_TOKEN"] and config["TELEGRAM_CHANNEL_ID"]:
        enqueue(key=key, to=None, channel="telegram", body=text, purpose="public", kecamatan_code=kecamatan_code)


def publish_incident(incident: Incident, user: User, summary: str | None) -> None:
    """Show the incident to citizens (again, with a new summary); on its timeline; commits."""
    if not publishable(incident):
        raise PublishError(_("Hanya insiden yang sudah diverifikasi yang dapat dipublikasikan."))
    text = _summary(summary)
    now = utcnow()
    first = incident.published_at is None or incident.withdrawn_at is not None
    incident.public_summary, incident.published_at, incident.withdrawn_at = text, now, None
    own(incident, now)  # what citizens read, a person stands behind: later reports only propose
    db.session.add(IncidentEvent(incident=incident, kind="publish", actor_id=user.id, data={"summary": text or ""}))
    db.session.flush()
    if first:
        _post_to_telegram(f"telegram-incident-{incident.id}-{int(now.timestamp())}", incident_share_text(incident),
                          incident.kecamatan_code)  # fmt: skip
    db.session.commit()


def withdraw_incident(incident: Incident, user: User) -> None:
    """Take the incident off the public page (the feeds keep a tombstone); on its timeline; commits."""
    if incident.published_at is None or incident.withdrawn_at is not None:
        raise PublishError(_("Insiden ini tidak sedang dipublikasikan."))
    incident.withdrawn_at = utcnow()
    db.session.add(IncidentEvent(incident=incident, kind="unpublish", actor_id=user.id))
    db.session.commit()


def publish_broadcast(broadcast: Broadcast, user: User) -> None:
    """Show a sent broadcast to citizens; written to the audit log; commits."""
    if broadcast.published_at is not None and broadcast.withdrawn_at is None:
        raise PublishError(_("Siaran ini sudah dipublikasikan."))
    now = utcnow()
    broadcast.published_at, broadcast.withdrawn_at = now, None
    record(user, "broadcast_published", f"siaran {broadcast.id}", broadcast.kecamatan_code)
    _post_to_telegram(f"telegram-broadcast-{broadcast.id}-{int(now.timestamp())}", broadcast_share_text(broadcast),
                      broadcast.kecamatan_code)  # fmt: skip
    db.session.commit()


def withdraw_broadcast(broadcast: Broadcast, user: User) -> None:
    if broadcast.published_at is None or broadcast.withdrawn_at is not None:
        raise PublishError(_("Siaran ini tidak sedang dipublikasikan."))
    broadcast.withdrawn_at = utcnow()
    record(user, "broadcast_withdrawn", f"siaran {broadcast.id}", broadcast.kecamatan_code)
    db.session.commit()


def public_until(broadcast: Broadcast) -> datetime:
    """Until when a published broadcast counts as an active warning: BMKG's validity when it came from BMKG."""
    if broadcast.warning_draft is not None:
        return broadcast.warning_draft.alert.expires_at
    return broadcast.published_at + timedelta(hours=current_app.config["PUBLIC_WARNING_HOURS"])


def _lines(text: str | None) -> str | None:
    """One entry per line, blank lines and stray spaces gone; None when nothing is left."""
    return "\n".join(line.strip()[:200] for line in (text or "").splitlines() if line.strip())[:2000] or None


def set_desa_info(user: User, desa: Region, evacuation: str, numbers: str, level: str | None) -> DesaInfo:
    """Keep a desa's public information; written to the audit log; commits."""
    info = db.session.get(DesaInfo, desa.code) or DesaInfo(desa_code=desa.code)
    info.evacuation_points, info.emergency_numbers = _lines(evacuation), _lines(numbers)
    info.destana_level, info.updated_at, info.updated_by_id = level or None, utcnow(), user.id
    db.session.add(info)
    record(user, "desa_info_changed", desa.label, desa.code)
    db.session.commit()
    return info


# --- What the public reads ---------------------------------------------------------------------------------------


def _within(column, code: str):
    return (column == code) | column.like(f"{code}.%")


@dataclass(frozen=True)
class Area:
    """One kecamatan's (or kabupaten's) public information at one moment."""

    region: Region
    incidents: list[Incident]
    warnings: list[Broadcast]  # active now
    broadcasts: list[Broadcast]  # every published broadcast, newest first (the page shows a few)
    desa: list[tuple[Region, DesaInfo]]
    version: str  # changes whenever anything shown changes: the ETag
    modified: datetime | None
    shelters: list[tuple[Shelter, list[str]]] = ()  # open shelters with the items they still need


def area(region: Region, now: datetime | None = None) -> Area:
    now = now or utcnow()
    incidents = list(db.session.scalars(
        select(Incident).where(published(Incident), _within(Incident.kecamatan_code, region.code))
        .order_by(Incident.published_at.desc()).limit(50)
    ))  # fmt: skip
    broadcasts = list(db.session.scalars(
        select(Broadcast).where(published(Broadcast), _within(Broadcast.kecamatan_code, region.code))
        .order_by(Broadcast.published_at.desc()).limit(50)
    ))  # fmt: skip
    warnings = [b for b in broadcasts if b.kind == "peringatan" and public_until(b) > now]
    infos = db.session.execute(
        select(Region, DesaInfo).join(DesaInfo, DesaInfo.desa_code == Region.code)
        .where(Region.code.like(f"{region.code}.%")).order_by(Region.name)
    ).all()  # fmt: skip
    modified = max([m for m in _moments(region.code) if m] or [None], default=None)
    version = f"{modified.timestamp() if modified else 0}-{len(warnings)}"
    return Area(
        region,
        incidents,
        warnings,
        broadcasts,
        [(r, i) for r, i in infos],
        version,
        modified,
        open_shelters_in(region.code),
    )


def open_shelters_in(code: str) -> list[tuple[Shelter, list[str]]]:
    """The open shelters of a kecamatan or kabupaten, each with the items it still needs. Citizens see the place,
    its desa, how many people are there and what is missing: never the coordinator's number."""
    shelters = list(db.session.scalars(select(Shelter).where(
        Shelter.closed_at.is_(None), _within(Shelter.kecamatan_code, code)).order_by(Shelter.name)))  # fmt: skip
    needs: dict[int, list[str]] = {}
    if shelters:
        for need in db.session.scalars(select(Need).where(Need.shelter_id.in_([s.id for s in shelters]))):
            if need.is_open and need.item not in needs.setdefault(need.shelter_id, []):
                needs[need.shelter_id].append(need.item)
    return [(shelter, needs.get(shelter.id, [])) for shelter in shelters]


def _moments(code: str) -> list[datetime | None]:
    """The latest change of anything a public page of ``code`` shows, withdrawals included."""
    return [
        db.session.scalar(select(func.max(Incident.updated_at)).where(
            Incident.published_at.is_not(None), _within(Incident.kecamatan_code, code))),
        db.session.scalar(select(func.max(func.coalesce(Broadcast.withdrawn_at, Broadcast.published_at))).where(
            Broadcast.published_at.is_not(None), _within(Broadcast.kecamatan_code, code))),
        db.session.scalar(select(func.max(DesaInfo.updated_at)).where(DesaInfo.desa_code.like(f"{code}.%"))),
        db.session.scalar(select(func.max(func.coalesce(Shelter.closed_at, Shelter.updated_at))).where(
            _within(Shelter.kecamatan_code, code))),
        db.session.scalar(select(func.max(NeedDelivery.at)).join(Need).where(_within(Need.kecamatan_code, code))),
        db.session.scalar(select(func.max(Need.created_at)).where(_within(Need.kecamatan_code, code))),
    ]  # fmt: skip


def feed_entries(code: str) -> list:
    """Everything ever published in ``code`` for the Atom feed, withdrawn ones included (as tombstones)."""
    incidents = db.session.scalars(
        select(Incident).where(Incident.published_at.is_not(None), _within(Incident.kecamatan_code, code))
        .order_by(Incident.published_at.desc()).limit(100)
    ).all()  # fmt: skip
    broadcasts = db.session.scalars(
        select(Broadcast).where(Broadcast.published_at.is_not(None), _within(Broadcast.kecamatan_code, code))
        .order_by(Broadcast.published_at.desc()).limit(100)
    ).all()  # fmt: skip
    return sorted([*incidents, *broadcasts], key=lambda item: item.withdrawn_at or item.published_at, reverse=True)
