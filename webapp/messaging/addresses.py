"""Which addresses the server may reach outside: the rule the guarded client (``guarded``) enforces where it
connects, and that a push subscription is checked against when a browser hands it in (no HTTP library needed).

- Only public addresses. Every address a name resolves to is checked, and one private, loopback, link-local,
  multicast, reserved or unspecified address refuses the whole name; cloud metadata addresses are refused
  always. IPv4 hidden in IPv6 (``::ffff:…``, 6to4, NAT64) is checked as the IPv4 address it is.

``OUTBOUND_ALLOW_PRIVATE`` lifts the address rule (not the metadata one) for all private addresses (``True``: the
test suite's local fakes) or for exactly the listed address and port pairs (a Telegram Bot API server on the
same machine, a BMKG mirror on the LAN).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from ..config import outbound_allow_private

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata and platform services: refused even where private addresses are allowed.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, OpenStack, Oracle …
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure WireServer (a public address)
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """The guard refused: an address or a host it may not reach. The message says which address or host (never
    the whole URL, which may carry a token)."""


class Blocked(Exception):
    """Raised inside a connection; deliberately not an OSError, so urllib3 neither retries nor wraps it."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port filled in for http and https: what "the same host" means here."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").rstrip("."), port or {"http": 80, "https": 443}.get(scheme)


def shown(where: tuple[str, str, int | None]) -> str:
    """``https://host:443``: an origin as a refusal names it (never the whole URL, which may carry a token)."""
    scheme, host, port = where
    return f"{scheme}://{host}:{port}"


def _embedded(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, NAT64), else the address itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address.sixtofour:
            return address.sixtofour
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


@dataclass(frozen=True)
class Guard:
    """Which addresses outbound requests may reach: public ones only, unless private ones are allowed, all of them
    (``allow_private``) or exactly the listed (address, port) pairs (``allowed``)."""

    allow_private: bool = False
    allowed: frozenset[tuple[str, int]] = frozenset()

    def refusal(self, address: str, port: int) -> str | None:
        """Why ``address`` may not be connected to on ``port``; None when it may."""
        ip = _embedded(ipaddress.ip_address(address))
        if ip in METADATA:
            return f"{ip} is a cloud metadata address"
        if self.allow_private or (ip.compressed, port) in self.allowed:
            return None
        for kind, found in (
            ("an unspecified", ip.is_unspecified),
            ("a loopback", ip.is_loopback),
            ("a link-local", ip.is_link_local),
            ("a multicast", ip.is_multicast),
            ("a private", ip.is_private),
            ("a reserved", ip.is_reserved),
            ("a non-public", not ip.is_global),
        ):
            if found:
                return f"{ip} is {kind} address"
        return None

    def addresses(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` once and check every address it has; the addresses to connect to, in order.
        ``Blocked`` when any is refused, ``socket.gaierror`` when the name does not resolve."""
        found = list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)))
        for address in found:
            reason = self.refusal(address, port)
            if reason:
                raise Blocked(reason if address == host else f"{host}: {reason}")
        return found

    def check_url(self, url: str) -> None:
        """Would a request to ``url`` be let through? ``Refused`` if not (not http or https, no host, or an address
        refused), ``OSError`` when its name does not resolve. Resolves now: the connection checks again."""
        scheme, host, port = origin(url)
        if scheme not in ("http", "https") or not host or port is None:
            raise Refused("not an http or https URL with a host")
        try:
            self.addresses(host, port)
        except Blocked as exc:
            raise Refused(str(exc)) from None


def from_config(config: Mapping) -> Guard:
    """The guard ``OUTBOUND_ALLOW_PRIVATE`` asks for: False (public addresses only), True (private ones too), or the
    "address:port" pairs (a string as in the environment, or pairs as ``config.outbound_allow_private`` reads it)."""
    allow = config.get("OUTBOUND_ALLOW_PRIVATE", False)
    if isinstance(allow, str):
        allow = outbound_allow_private(allow)
    if allow is True:
        return Guard(allow_private=True)
    return Guard(allowed=frozenset(allow or ()))


def configured() -> Guard:
    """The application's guard; outside an application, the strictest."""
    return from_config(current_app.config) if has_app_context() else Guard()
