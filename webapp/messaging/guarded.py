"""The one guarded client for everything the server fetches or posts to outside: push services, BMKG, Telegram.

An address on the Internet can be chosen by someone else (a browser's push subscription, a link in BMKG's index,
a name whose DNS its owner controls), so a request must never be turned against the server's own network:

- Only public addresses. Every address a name resolves to is checked, and one private, loopback, link-local,
  multicast, reserved or unspecified address refuses the whole name; cloud metadata addresses are refused
  always. IPv4 hidden in IPv6 (``::ffff:…``, 6to4, NAT64) is checked as the IPv4 address it is.
- Checked where it connects. The name is resolved once, inside the connection, and the socket is opened to the
  very address that was checked, so a second DNS answer cannot switch it (rebinding). Proxies from the
  environment are not used: the address checked must be the one connected to.
- No redirect is followed, except, for a client given ``redirects``, a GET to one of its ``origins`` (its own
  origin when none are given); a redirect elsewhere is refused.
- Every connect and read waits at most ``timeout``, the body is read within ``timeout`` of the headers, and at
  most ``max_bytes`` of it.

``OUTBOUND_ALLOW_PRIVATE`` lifts the address rule (not the metadata one) for all private addresses (``True``: the
test suite's local fakes) or for exactly the listed address and port pairs (a Telegram Bot API server on the
same machine, a BMKG mirror on the LAN). SMTP, Twilio and the Android gateway (a phone on the LAN, by design)
are configured by the operator and do not go through here.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from flask import current_app, has_app_context
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from ..config import outbound_allow_private

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 1024 * 1024  # push services and Telegram answer in a few hundred bytes

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


class Refused(requests.RequestException):
    """The guard refused the request: an address, a host or a redirect it may not reach. The message says which
    address or host (never the whole URL, which may carry a token)."""


class TooLarge(requests.RequestException):
    """The answer was larger than the client reads."""


class _Blocked(Exception):
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


def _shown(where: tuple[str, str, int | None]) -> str:
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
        ``_Blocked`` when any is refused, ``socket.gaierror`` when the name does not resolve."""
        found = list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)))
        for address in found:
            reason = self.refusal(address, port)
            if reason:
                raise _Blocked(reason if address == host else f"{host}: {reason}")
        return found

    def check_url(self, url: str) -> None:
        """Would a request to ``url`` be let through? ``Refused`` if not (not http or https, no host, or an address
        refused), ``OSError`` when its name does not resolve. Resolves now: the connection checks again."""
        scheme, host, port = origin(url)
        if scheme not in ("http", "https") or not host or port is None:
            raise Refused("not an http or https URL with a host")
        try:
            self.addresses(host, port)
        except _Blocked as exc:
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


class _Pinned:
    """A urllib3 connection that resolves through its guard and connects to the address it checked."""

    guard: Guard

    def _new_conn(self) -> socket.socket:
        try:
            addresses = self.guard.addresses(self._dns_host.strip("[]"), self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc
        error: OSError | None = None
        for address in addresses:
            try:
                sock = connection.create_connection((address, self.port), self.timeout,
                                                    source_address=self.source_address,
                                                    socket_options=self.socket_options)  # fmt: skip
            except OSError as exc:
                error = exc
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        if isinstance(error, TimeoutError):
            message = f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
            raise ConnectTimeoutError(self, message) from error
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}") from error


@functools.cache
def _pool_classes(guard: Guard) -> dict:
    """Connection pools whose connections are pinned through ``guard`` (one set of classes per guard)."""
    plain = type("GuardedHTTPConnection", (_Pinned, HTTPConnection), {"guard": guard})
    tls = type("GuardedHTTPSConnection", (_Pinned, HTTPSConnection), {"guard": guard})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": tls}),
    }


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: Guard):
        self.guard = guard  # before super().__init__, which builds the pool manager
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.guard)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise _Blocked("a proxy is never used: the address checked must be the one connected to")


class GuardedSession(requests.Session):
    """A requests session through a ``Guard``: see the module's promise. Answers are read whole (within
    ``max_bytes``) before they are returned; a 3xx that is not followed is returned as it is."""

    def __init__(self, guard: Guard, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES,
                 origins: Iterable[str] = (), redirects: int = 0):  # fmt: skip
        super().__init__()
        self.trust_env = False  # no proxy, .netrc or CA bundle from the environment
        adapter = _GuardedAdapter(guard)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self.timeout, self.max_bytes, self.redirects = timeout, max_bytes, redirects
        self.origins = frozenset(origin(url) for url in origins)

    def _may_reach(self, url: str, first: str) -> None:
        where = origin(url)
        if where not in (self.origins or {origin(first)}):
            raise Refused(f"{_shown(where)} is not a host this client may reach")

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        kwargs.update(allow_redirects=False, stream=True)
        first, method = url, method.upper()
        for hop in range(self.redirects + 1):
            self._may_reach(url, first)
            try:
                response = super().request(method, url, *args, **kwargs)
            except _Blocked as exc:
                raise Refused(str(exc)) from None
            target = self.get_redirect_target(response) if response.is_redirect else None
            if target is None or hop == self.redirects or method not in ("GET", "HEAD"):
                break
            response.close()
            url = urljoin(url, target)
        return self._read(response)

    def _read(self, response: requests.Response) -> requests.Response:
        deadline = time.monotonic() + self.timeout
        body = bytearray()
        try:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise TooLarge(f"larger than {self.max_bytes} bytes")
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > self.max_bytes:
                    raise TooLarge(f"larger than {self.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise requests.ReadTimeout(f"the answer took longer than {self.timeout} s to read")
        finally:
            response.close()
        response._content, response._content_consumed = bytes(body), True
        return response


def session(guard: Guard | None = None, **options) -> GuardedSession:
    """A guarded session (``timeout``, ``max_bytes``, ``origins``, ``redirects``), through ``guard`` or the
    application's; use it in a ``with`` block so its connections are closed."""
    return GuardedSession(guard or configured(), **options)
