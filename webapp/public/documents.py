"""The machine-readable forms of what staff published: an Atom feed per region (RFC 4287, withdrawn items as
RFC 6721 tombstones), a CAP 1.2 document per published warning, and a CAP index (an Atom feed of them)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from ..access import is_published
from ..models import Broadcast, Incident, Region, utcnow
from ..web.labels import HAZARD_LABELS
from .service import broadcast_share_text, incident_share_text, public_until, public_url

ATOM = "http://www.w3.org/2005/Atom"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
# BNPB hazard → CAP category.
CATEGORIES = {"banjir": "Met", "cuaca_ekstrem": "Met", "gelombang_pasang": "Met", "kekeringan": "Met",
              "gempabumi": "Geo", "tsunami": "Geo", "erupsi": "Geo", "tanah_longsor": "Geo", "karhutla": "Fire",
              "kebakaran": "Fire"}  # fmt: skip


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _tag(path: str) -> str:
    """A stable Atom id: ``tag:<host>,2026:<path>``."""
    host = urlsplit(public_url("/")).hostname or "tangguh.local"
    return f"tag:{host},2026:{path}"


def _text(parent: Element, name: str, value, **attrs) -> Element:
    element = SubElement(parent, name, attrs)
    element.text = str(value)  # labels are lazy strings
    return element


def _item_path(item) -> str:
    return f"/publik/insiden/{item.id}" if isinstance(item, Incident) else f"/publik/siaran/{item.id}"


def _title(item) -> str:
    if isinstance(item, Incident):
        place = item.desa.label if item.desa else item.kecamatan.label
        return f"{HAZARD_LABELS.get(item.hazard, 'Kejadian')} di {place}"
    kind = "Peringatan dini" if item.kind == "peringatan" else "Informasi"
    return f"{kind} {item.kecamatan.label}"


def atom(region: Region, items: list, self_path: str) -> bytes:
    """The region's Atom feed: one entry per published item, a tombstone for each withdrawn one."""
    feed = Element("feed", {"xmlns": ATOM, "xmlns:at": TOMBSTONES})
    _text(feed, "id", _tag(self_path))
    _text(feed, "title", f"Tangguh · {region.label}")
    updated = max([i.withdrawn_at or i.published_at for i in items] or [utcnow()])
    _text(feed, "updated", _stamp(updated))
    SubElement(feed, "link", {"rel": "self", "href": public_url(self_path)})
    SubElement(feed, "link", {"rel": "alternate", "href": public_url(f"/{region.level}/{region.code}")})
    author = SubElement(feed, "author")
    _text(author, "name", region.label)
    for item in items:
        if not is_published(item):
            SubElement(feed, "at:deleted-entry", {"ref": _tag(_item_path(item)),
                                                   "when": _stamp(item.withdrawn_at or item.updated_at)})  # fmt: skip
            continue
        entry = SubElement(feed, "entry")
        _text(entry, "id", _tag(_item_path(item)))
        _text(entry, "title", _title(item))
        _text(entry, "updated", _stamp(getattr(item, "updated_at", None) or item.published_at))
        _text(entry, "published", _stamp(item.published_at))
        SubElement(entry, "link", {"rel": "alternate", "href": public_url(_item_path(item))})
        summary = incident_share_text(item) if isinstance(item, Incident) else broadcast_share_text(item)
        _text(entry, "summary", summary)
        if isinstance(item, Broadcast) and item.kind == "peringatan":
            SubElement(entry, "link", {"rel": "related", "type": "application/cap+xml",
                                       "href": public_url(f"/publik/siaran/{item.id}/cap.xml")})  # fmt: skip
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(feed, encoding="utf-8", xml_declaration=False)


def _cap_identifier(broadcast: Broadcast, suffix: str = "") -> str:
    host = urlsplit(public_url("/")).hostname or "tangguh.local"
    return f"{host}.siaran.{broadcast.id}{suffix}"


# CAP 1.2's enumerations (OASIS): a value BMKG (or a forged document) sends outside them never reaches our CAP.
CAP_VALUES = {
    "urgency": ("Immediate", "Expected", "Future", "Past", "Unknown"),
    "severity": ("Extreme", "Severe", "Moderate", "Minor", "Unknown"),
    "certainty": ("Observed", "Likely", "Possible", "Unlikely", "Unknown"),
}


def cap(broadcast: Broadcast) -> bytes:
    """The published warning as a CAP 1.2 alert; once withdrawn, a Cancel that refers to it."""
    host = urlsplit(public_url("/")).hostname or "tangguh.local"
    sender = f"tangguh@{host}"
    alert = Element("alert", {"xmlns": CAP})
    withdrawn = not is_published(broadcast)
    _text(alert, "identifier", _cap_identifier(broadcast, ".batal" if withdrawn else ""))
    _text(alert, "sender", sender)
    _text(alert, "sent", _stamp(broadcast.withdrawn_at if withdrawn else broadcast.published_at))
    _text(alert, "status", "Actual")
    _text(alert, "msgType", "Cancel" if withdrawn else "Alert")
    _text(alert, "scope", "Public")
    if withdrawn:
        _text(alert, "references", f"{sender},{_cap_identifier(broadcast)},{_stamp(broadcast.published_at)}")
    source = broadcast.warning_draft.alert if broadcast.warning_draft else None
    info = SubElement(alert, "info")
    _text(info, "language", "id-ID")
    _text(info, "category", CATEGORIES.get(broadcast.hazard, "Safety"))
    _text(info, "event", source.event if source else str(HAZARD_LABELS.get(broadcast.hazard, "Peringatan dini")))
    for name in ("urgency", "severity", "certainty"):  # only OASIS's own words pass on; anything else is Unknown
        value = getattr(source, name, None) if source else None
        _text(info, name, value if value in CAP_VALUES[name] else "Unknown")
    if source and source.effective_at:
        _text(info, "effective", _stamp(source.effective_at))
    _text(info, "expires", _stamp(public_until(broadcast)))
    _text(info, "senderName", broadcast.kecamatan.label)
    _text(info, "headline", _title(broadcast))
    _text(info, "description", broadcast.body)
    _text(info, "web", public_url(f"/publik/siaran/{broadcast.id}"))
    for desa in broadcast.desa or [broadcast.kecamatan]:
        area = SubElement(info, "area")
        _text(area, "areaDesc", f"{desa.label}, {broadcast.kecamatan.label}" if desa.level == "desa" else desa.label)
        geocode = SubElement(area, "geocode")
        _text(geocode, "valueName", "KEMENDAGRI")
        _text(geocode, "value", desa.code)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(alert, encoding="utf-8", xml_declaration=False)


def cap_index(region: Region, broadcasts: list[Broadcast], self_path: str) -> bytes:
    """An Atom feed listing the region's published warnings as CAP documents (withdrawn ones as their Cancel)."""
    feed = Element("feed", {"xmlns": ATOM})
    _text(feed, "id", _tag(self_path))
    _text(feed, "title", f"CAP · {region.label}")
    warnings = [b for b in broadcasts if b.kind == "peringatan"]
    _text(feed, "updated", _stamp(max([b.withdrawn_at or b.published_at for b in warnings] or [utcnow()])))
    SubElement(feed, "link", {"rel": "self", "href": public_url(self_path)})
    author = SubElement(feed, "author")
    _text(author, "name", region.label)
    for broadcast in warnings:
        entry = SubElement(feed, "entry")
        _text(entry, "id", _tag(f"/publik/siaran/{broadcast.id}/cap.xml"))
        _text(entry, "title", _title(broadcast))
        _text(entry, "updated", _stamp(broadcast.withdrawn_at or broadcast.published_at))
        SubElement(entry, "link", {"rel": "alternate", "type": "application/cap+xml",
                                   "href": public_url(f"/publik/siaran/{broadcast.id}/cap.xml")})  # fmt: skip
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(feed, encoding="utf-8", xml_declaration=False)
