"""The poller: BMKG's nowcast index and its CAP documents, and BMKG's felt-earthquake list, fetched on a schedule.

One cycle (``poll``, run by ``flask warnings poll`` and by the outbound worker every ``WARNINGS_POLL_SECONDS``):
- each feed URL is asked conditionally (If-None-Match / If-Modified-Since from the last answer), with a
  timeout, and read to at most ``WARNINGS_MAX_BYTES``; a feed that fails (an error status, a timeout, a
  document too large or malformed) is left alone for a backoff that doubles up to ``WARNINGS_BACKOFF_MAX_SECONDS``;
- every CAP document the index lists and Tangguh has not taken in yet is fetched and taken in on its own
  transaction: a bad one is logged with its reason and skipped, the rest go on;
- one log line says what the cycle did.

Everything is fetched through the guarded client (``messaging.guarded``) and only from the hosts of the configured
feed URLs: a document the index lists on another host is skipped unread, a redirect is followed only to those
hosts, and no host is reached on a private or metadata address unless ``OUTBOUND_ALLOW_PRIVATE`` allows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..messaging import addresses, guarded
from ..models import WarningFeed, WarningMessage, utcnow
from .feeds import FeedError, index_links, parse_cap, parse_quakes
from .service import take_cap, take_quake

USER_AGENT = "Tangguh/1 (peringatan dini kecamatan)"
MAX_REDIRECTS = 3  # within the feed hosts (http → https, a moved path); never to another host


class FetchError(Exception):
    """A feed or document could not be fetched; the message says why."""


@dataclass
class Cycle:
    """What one cycle did, counted for its log line."""

    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def line(self) -> str:
        counts = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()) if v)
        return "warnings poll: " + (counts or "nothing") + ("; " + "; ".join(self.notes) if self.notes else "")


@dataclass(frozen=True)
class Fetched:
    """A document as fetched, within the size limit, and the validators to ask for it conditionally next time."""

    body: bytes
    etag: str | None = None
    last_modified: str | None = None


def _session() -> guarded.GuardedSession:
    """The guarded client, limited to the hosts of the configured feeds."""
    config = current_app.config
    feeds = [url for url in (config["WARNINGS_NOWCAST_URL"], config["WARNINGS_QUAKE_URL"]) if url]
    return guarded.session(addresses.from_config(config), timeout=config["WARNINGS_TIMEOUT"],
                           max_bytes=config["WARNINGS_MAX_BYTES"], origins=feeds, redirects=MAX_REDIRECTS)  # fmt: skip


def _get(url: str, feed: WarningFeed | None = None) -> Fetched | None:
    """GET ``url`` (conditionally when ``feed`` holds validators) through the guarded client, reading at most
    WARNINGS_MAX_BYTES; None for 304 Not Modified. ``FetchError`` for anything but 200, and for a URL, address or
    redirect off the feed hosts."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/xml, text/xml, */*;q=0.5"}
    if feed is not None and feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed is not None and feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        with _session() as session:
            response = session.get(url, headers=headers)
    except guarded.Refused as exc:
        raise FetchError(f"refused: {exc}") from exc
    except guarded.TooLarge as exc:
        raise FetchError(str(exc)) from exc
    except requests.RequestException as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code == 304:
        return None
    if response.status_code != 200:
        raise FetchError(f"HTTP {response.status_code}")
    return Fetched(response.content, response.headers.get("ETag"), response.headers.get("Last-Modified"))


def _feed(url: str) -> WarningFeed:
    return db.session.get(WarningFeed, url) or WarningFeed(url=url, failures=0)


def _due(feed: WarningFeed, now: datetime) -> bool:
    return feed.next_poll_at is None or feed.next_poll_at <= now


def _failed(feed: WarningFeed, now: datetime, reason: str) -> None:
    config = current_app.config
    feed.failures = (feed.failures or 0) + 1
    wait = min(config["WARNINGS_POLL_SECONDS"] * 2**feed.failures, config["WARNINGS_BACKOFF_MAX_SECONDS"])
    feed.next_poll_at, feed.polled_at, feed.last_error = now + timedelta(seconds=wait), now, reason[:300]


def _fetched(feed: WarningFeed, fetched: Fetched | None, now: datetime) -> None:
    feed.failures, feed.next_poll_at, feed.polled_at, feed.ok_at, feed.last_error = 0, None, now, now, None
    if fetched is not None:
        feed.etag, feed.last_modified = fetched.etag, fetched.last_modified


def _fetch_feed(url: str, kind: str, cycle: Cycle, now: datetime):
    """(feed, response) for a feed that is due, the response None when unchanged (304); None when the feed is in
    backoff or failed now (its backoff then recorded)."""
    feed = _feed(url)
    if not _due(feed, now):
        cycle.add(f"{kind}_backoff")
        return None
    try:
        return feed, _get(url, feed)
    except FetchError as exc:
        feed = _give_up(feed, now, str(exc))
        cycle.add(f"{kind}_failed")
        cycle.notes.append(f"{kind} {url}: {exc}, next try {feed.next_poll_at:%H:%M} UTC")
        return None


def _give_up(feed: WarningFeed, now: datetime, reason: str) -> WarningFeed:
    db.session.rollback()
    feed = db.session.merge(feed)
    _failed(feed, now, reason)
    db.session.commit()
    return feed


def _done(feed: WarningFeed, response: Fetched | None, now: datetime) -> None:
    """The feed was read and every document in it taken in: keep its validators for the next conditional GET."""
    feed = db.session.merge(feed)
    _fetched(feed, response, now)
    db.session.commit()


def _skip(cycle: Cycle, what: str, reason: str) -> None:
    db.session.rollback()
    cycle.add("skipped")
    cycle.notes.append(f"skipped {what}: {reason}")
    current_app.logger.warning("warning skipped %s: %s", what, reason)


def _read(url: str, kind: str, cycle: Cycle, now: datetime, items, take, prefix: str = "") -> None:
    """One feed: fetched when due, its ``items(body)`` (what, item) each taken in by ``take(item)`` on its own
    transaction (a bad one skipped with its reason), and its validators kept once all were read."""
    fetched = _fetch_feed(url, kind, cycle, now)
    if fetched is None:
        return
    feed, response = fetched
    if response is None:
        cycle.add(f"{kind}_unchanged")
        return _done(feed, None, now)
    try:
        listed = items(response.body)
    except FeedError as exc:
        _skip(cycle, url, str(exc))
        _give_up(feed, now, str(exc))
        return
    for what, item in listed:
        try:
            taken = take(item)
            db.session.commit()
        except (FetchError, FeedError) as exc:
            _skip(cycle, what, str(exc))
            continue
        cycle.add(f"{prefix}{taken.outcome}")
        cycle.add("drafts", taken.drafts)
    _done(feed, response, now)


def _nowcast(url: str, cycle: Cycle, now: datetime) -> None:
    """The index, then each CAP document it lists that Tangguh has not taken in (by its URL)."""

    def documents(body: bytes):
        links = index_links(body, url)
        known = set(db.session.scalars(select(WarningMessage.url).where(WarningMessage.url.in_(links))))
        cycle.add("seen", sum(link in known for link in links))
        return [(link, link) for link in links if link not in known]

    _read(url, "nowcast", cycle, now, documents, lambda link: take_cap(parse_cap(_get(link).body), link, now))


def _quakes(url: str, cycle: Cycle, now: datetime) -> None:
    """BMKG's felt earthquakes, each taken in once."""

    def quakes(body: bytes):
        return [(quake.identifier, quake) for quake in parse_quakes(body)]

    _read(url, "gempa", cycle, now, quakes, lambda quake: take_quake(quake, now), prefix="gempa_")


def poll(now: datetime | None = None) -> Cycle:
    """One cycle over the configured feeds (an empty URL turns its feed off); logs and returns what it did."""
    now = now or utcnow()
    cycle = Cycle()
    config = current_app.config
    for url, read in ((config["WARNINGS_NOWCAST_URL"], _nowcast), (config["WARNINGS_QUAKE_URL"], _quakes)):
        if not url:
            continue
        try:
            read(url, cycle, now)
        except Exception:  # never let one feed stop the other, nor the worker
            db.session.rollback()
            current_app.logger.exception("warnings poll of %s failed", url)
            cycle.add("errors")
    current_app.logger.info(cycle.line())
    return cycle
