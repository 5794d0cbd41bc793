"""BMKG's feeds read safely: the nowcast index (RSS), CAP 1.2 alerts, and the felt-earthquake list.

Pure functions over bytes, with no Flask, database or network: the poller fetches, ``service`` stores. XML is
parsed by defusedxml with DTDs forbidden, so no entity is ever expanded; a document that is not what BMKG
publishes raises ``FeedError`` with the reason, for the poller's log line.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"


class FeedError(ValueError):
    """A document that cannot be taken in; the message is the reason, logged with the URL."""


@dataclass(frozen=True)
class Area:
    desc: str
    polygons: list[list[tuple[float, float]]] = field(default_factory=list)  # rings of (latitude, longitude)


@dataclass(frozen=True)
class CapMessage:
    """One CAP message, with the fields Tangguh uses from its (Indonesian) ``info`` block."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: str  # Alert, Update or Cancel
    references: list[str]  # identifiers of the earlier messages an Update or Cancel refers to
    event: str
    urgency: str | None
    severity: str | None
    certainty: str | None
    effective: datetime | None
    expires: datetime
    headline: str | None
    description: str | None
    web: str | None
    areas: list[Area]


@dataclass(frozen=True)
class Quake:
    """One felt earthquake from BMKG's list."""

    identifier: str
    origin: datetime
    magnitude: float
    depth: str | None
    latitude: float
    longitude: float
    region: str  # where BMKG places it, e.g. "Pusat gempa berada di darat 15 km tenggara Kab. Pasuruan"
    felt: str  # e.g. "III Pasuruan, II - III Malang"


def _root(data: bytes) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise FeedError(f"XML refused ({type(exc).__name__}): DTDs and entities are not accepted") from exc
    except ParseError as exc:
        raise FeedError(f"malformed XML: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: Element, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name]


def _text(element: Element, name: str) -> str | None:
    child = _child(element, name)
    value = " ".join((child.text or "").split()) if child is not None else ""
    return value or None


def _time(value: str | None, what: str) -> datetime:
    if not value:
        raise FeedError(f"no {what}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise FeedError(f"{what} is not a CAP date-time: {value!r}") from exc
    if moment.tzinfo is None:
        raise FeedError(f"{what} has no time zone: {value!r}")
    return moment.astimezone(UTC)


def index_links(data: bytes, base_url: str) -> list[str]:
    """The CAP documents an index lists (RSS ``item/link``, or an Atom ``entry/link``), as absolute URLs."""
    root = _root(data)
    links = []
    for element in root.iter():
        name = _local(element.tag)
        if name == "link" and element.get("href"):  # Atom
            links.append(element.get("href"))
        elif name == "item":
            link = _text(element, "link")
            if link:
                links.append(link)
    if _local(root.tag) not in ("rss", "feed", "RDF"):
        raise FeedError(f"not a feed: the root element is <{_local(root.tag)}>")
    return list(dict.fromkeys(urljoin(base_url, link) for link in links if not link.endswith("/")))


def _polygon(text: str) -> list[tuple[float, float]]:
    points = []
    for pair in text.split():
        lat, _, lon = pair.partition(",")
        try:
            points.append((float(lat), float(lon)))
        except ValueError as exc:
            raise FeedError(f"polygon point is not 'lat,lon': {pair!r}") from exc
    if len(points) < 4:
        raise FeedError("a CAP polygon needs at least four points")
    return points


def parse_cap(data: bytes) -> CapMessage:
    """A CAP 1.2 alert; ``FeedError`` for anything else, a test or exercise, an alert without areas."""
    root = _root(data)
    if _local(root.tag) != "alert" or not root.tag.startswith("{" + CAP_NS):
        raise FeedError(f"not a CAP 1.2 alert: <{root.tag}>")
    identifier = _text(root, "identifier")
    if not identifier:
        raise FeedError("no identifier")
    status, msg_type = _text(root, "status"), _text(root, "msgType")
    if status != "Actual":
        raise FeedError(f"status {status!r}, not Actual")
    if msg_type not in ("Alert", "Update", "Cancel"):
        raise FeedError(f"msgType {msg_type!r} is not Alert, Update or Cancel")
    references = [ref.split(",")[1] for ref in (_text(root, "references") or "").split() if ref.count(",") == 2]
    if msg_type != "Alert" and not references:
        raise FeedError(f"{msg_type} without references")
    sent = _time(_text(root, "sent"), "sent")
    infos = _children(root, "info")
    if not infos and msg_type == "Cancel":  # a Cancel need only say what it cancels
        return CapMessage(identifier, _text(root, "sender") or "", sent, msg_type, references, "", None, None, None,
                          None, sent, None, None, None, [])  # fmt: skip
    if not infos:
        raise FeedError("no info block")
    info = next((i for i in infos if (_text(i, "language") or "id").lower().startswith("id")), infos[0])
    event = _text(info, "event")
    if not event:
        raise FeedError("no event")
    areas = []
    for area in _children(info, "area"):
        polygons = [_polygon(p.text or "") for p in _children(area, "polygon") if (p.text or "").strip()]
        areas.append(Area(_text(area, "areaDesc") or "", polygons))
    if not areas and msg_type != "Cancel":
        raise FeedError("no area")
    return CapMessage(
        identifier=identifier, sender=_text(root, "sender") or "", sent=sent,
        msg_type=msg_type, references=references, event=event, urgency=_text(info, "urgency"),
        severity=_text(info, "severity"), certainty=_text(info, "certainty"),
        effective=_time(_text(info, "effective"), "effective") if _text(info, "effective") else None,
        expires=_time(_text(info, "expires"), "expires"), headline=_text(info, "headline"),
        description=_text(info, "description"), web=_text(info, "web"), areas=areas,
    )  # fmt: skip


_COORD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(LU|LS|BT|BB)\s*$", re.IGNORECASE)


def _degrees(text: str | None, what: str) -> float:
    match = _COORD.match(text or "")
    if not match:
        raise FeedError(f"{what} is not like '7.85 LS': {text!r}")
    value = float(match.group(1))
    return -value if match.group(2).upper() in ("LS", "BB") else value


def parse_quakes(data: bytes) -> list[Quake]:
    """The earthquakes of BMKG's ``gempadirasakan.xml`` (or ``autogempa.xml``), newest first as listed."""
    root = _root(data)
    if _local(root.tag) != "Infogempa":
        raise FeedError(f"not BMKG earthquake information: <{_local(root.tag)}>")
    quakes = []
    for element in _children(root, "gempa"):
        origin = _time(_text(element, "DateTime"), "DateTime")
        try:
            magnitude = float(_text(element, "Magnitude") or "")
        except ValueError as exc:
            raise FeedError(f"magnitude is not a number: {_text(element, 'Magnitude')!r}") from exc
        quakes.append(
            Quake(
                identifier=f"gempa-{origin.isoformat()}",
                origin=origin,
                magnitude=magnitude,
                depth=_text(element, "Kedalaman"),
                latitude=_degrees(_text(element, "Lintang"), "Lintang"),
                longitude=_degrees(_text(element, "Bujur"), "Bujur"),
                region=_text(element, "Wilayah") or "",
                felt=_text(element, "Dirasakan") or "",
            )  # fmt: skip
        )
    return quakes


# --- What a warning is about, and where ---------------------------------------------------------------------

# First match wins: "hujan lebat disertai angin kencang" is extreme weather, plain heavy rain a flood risk.
_HAZARDS = (
    (("gelombang", "rob", "banjir pesisir"), "gelombang_pasang"),
    (("gempa",), "gempabumi"),
    (("tsunami",), "tsunami"),
    (("kekeringan", "hari tanpa hujan"), "kekeringan"),
    (("kebakaran hutan", "karhutla", "titik panas"), "karhutla"),
    (("angin", "petir", "kilat", "puting beliung", "hujan es", "cuaca ekstrem", "badai"), "cuaca_ekstrem"),
    (("hujan", "banjir"), "banjir"),
)


def hazard_for(event: str) -> str | None:
    """The BNPB hazard slug for a BMKG event name; None for an event Tangguh does not know."""
    words = " ".join(event.lower().split())
    return next((slug for keys, slug in _HAZARDS if any(k in words for k in keys)), None)


def normalise(name: str) -> str:
    """A region name as compared: lower case, accents and punctuation gone, "Kab." spelt out, single spaces."""
    text = unicodedata.normalize("NFKD", name.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"\bkab\b\.?", "kabupaten ", text)
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    return " ".join(text.split())


_KABUPATEN = re.compile(r"\b(Kab\.?|Kabupaten|Kota)\s+([A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)*)\s*:\s*", re.UNICODE)
_LIST_END = re.compile(r"\.(\s|$)|\bdan dapat meluas\b|\bdiprakirakan\b|\bdiperkirakan\b|\bhingga pukul\b", re.I)


def named_kecamatan(texts: list[str]) -> set[tuple[str, str]]:
    """(kabupaten, kecamatan) pairs, normalised, from BMKG's "Kab. Pasuruan : Winongan, Rejoso, dan Grati" lists
    in a description or area descriptions."""
    pairs = set()
    for text in texts:
        matches = list(_KABUPATEN.finditer(text or ""))
        for n, match in enumerate(matches):
            end = matches[n + 1].start() if n + 1 < len(matches) else len(text)
            names = text[match.end() : end]
            stop = _LIST_END.search(names)
            names = names[: stop.start()] if stop else names
            kind = "kota" if match.group(1).lower() == "kota" else "kabupaten"
            kabupaten = normalise(f"{kind} {match.group(2)}")
            for part in re.split(r",|\bdan\b|\bserta\b", names):
                name = normalise(part)
                if name:
                    pairs.add((kabupaten, name))
    return pairs


def felt_kabupaten(felt: str) -> set[str]:
    """Normalised place names in an earthquake's felt list ("III Pasuruan, II - III Malang" → pasuruan, malang)."""
    names = set()
    for part in felt.split(","):
        words = [w for w in re.split(r"[\s-]+", part) if w and not re.fullmatch(r"[IVX]+", w)]
        name = normalise(" ".join(words))
        name = re.sub(r"^(kabupaten|kota) ", "", name)
        if name:
            names.add(name)
    return names


def inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    """Is (lat, lon) inside the polygon ``ring`` (ray casting; small areas, so the earth may be taken as flat)?"""
    lat, lon = point
    result = False
    for (lat1, lon1), (lat2, lon2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (lat1 > lat) != (lat2 > lat):
            crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if lon < crossing:
                result = not result
    return result


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
