"""The one guarded client for everything the server fetches or posts to outside: push services, BMKG, Telegram.

An address on the Internet can be chosen by someone else (a browser's push subscription, a link in BMKG's index,
a name whose DNS its owner controls), so a request must never be turned against the server's own network:

- Only public addresses, by the rule in ``addresses`` (and ``OUTBOUND_ALLOW_PRIVATE``'s exceptions to it).
- Checked where it connects. The name is resolved once, inside the connection, and the socket is opened to the
  very address that was checked, so a second DNS answer cannot switch it (rebinding). Proxies from the
  environment are not used: the address checked must be the one connected to.
- No redirect is followed, except, for a client given ``redirects``, a GET to one of its ``origins`` (its own
  origin when none are given); a redirect elsewhere is refused.
- Every connect and read waits at most ``timeout``, the body is read within ``timeout`` of the headers, and at
  most ``max_bytes`` of it.

SMTP, Twilio and the Android gateway (a phone on the LAN, by design) are configured by the operator and do not go
through here. Only the worker and the command line send through this client: the web app needs the rule alone.
"""

from __future__ import annotations

import functools
import socket
import sys
import time
from collections.abc import Iterable
from urllib.parse import urljoin

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from . import addresses
from .addresses import Blocked, Guard, configured, origin, shown

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 1024 * 1024  # push services and Telegram answer in a few hundred bytes


class Refused(addresses.Refused, requests.RequestException):
    """The guard refused the request: an address, a host or a redirect it may not reach (a requests error, so
    whoever catches the client's errors catches this one too)."""


class TooLarge(requests.RequestException):
    """The answer was larger than the client reads."""


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
        raise Blocked("a proxy is never used: the address checked must be the one connected to")


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
            raise Refused(f"{shown(where)} is not a host this client may reach")

    def request(self, method, url, *args, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        kwargs.update(allow_redirects=False, stream=True)
        first, method = url, method.upper()
        for hop in range(self.redirects + 1):
            self._may_reach(url, first)
            try:
                response = super().request(method, url, *args, **kwargs)
            except Blocked as exc:
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
