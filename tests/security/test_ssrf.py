"""Server-side request forgery (issue 26, #3): what the server fetches or posts to outside (web push, BMKG,
Telegram) must never reach a private, loopback, link-local or metadata address, nor be redirected there.

Every fake here is a real server on 127.0.0.1, so each test says exactly which addresses it allows: none
(``strict``), or only the servers it names (``OUTBOUND_ALLOW_PRIVATE`` = ``127.0.0.1:<port>,…``). A target the
client must not reach is a server of its own that records whether it was asked; where the target is allowed by
address too, only the redirect or feed-host rule stands between. Each test reproduces the attack as the review
made it, and failed on the code before the fix.
"""

from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import func, select

from conftest import login
from fakes.bmkg import FIXTURE_NOW
from fakes.gateways import FakeTelegram, LocalServer
from fakes.push import b64url
from webapp.extensions import db
from webapp.intake.ingest import InboundMessage, ingest
from webapp.messaging.notices import tell_new_incidents
from webapp.messaging.outbound import enqueue
from webapp.models import OutboundMessage, PushSubscription, WarningMessage
from webapp.warnings.poller import poll
from webapp.worker import send_due

WINONGAN = "35.14.19"
PUBLIC = "93.184.215.14"  # a global address; these tests only ever name it, never connect to it
METADATA = "/latest/meta-data/iam/security-credentials/"


class Recorder(LocalServer):
    """Any HTTP service on 127.0.0.1: records each request as (method, path) and answers ``reply(method, path)``,
    a (status, headers) pair with an empty body."""

    def __init__(self, reply=lambda method, path: (200, {})):
        self.requests: list[tuple[str, str]] = []
        self.reply = reply
        super().__init__()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.server_port}"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.requests.append((self.command, self.path))
                status, headers = fake.reply(self.command, self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _any  # noqa: N815

            def log_message(self, *args):
                pass

        return Handler


class Listener:
    """A bare TCP port on 127.0.0.1 that counts the connections made to it (TLS or not) and closes each."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def _accept(self):
        while self.running:
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def strict(app, monkeypatch):
    """Production's rule: no private address at all, whatever the suite's other tests allow for their fakes."""
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", False)
    monkeypatch.setitem(app.config, "GATEWAY_TIMEOUT", 2)


@pytest.fixture
def servers():
    started = []

    def start(server):
        started.append(server.start())
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def dns(monkeypatch):
    """Names whose addresses the test decides (``dns[name] = [address, …]``, changed at will, as the name's owner
    can); every other name resolves as usual."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        port = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0))
            if ":" in a
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def _keys() -> dict:
    """Keys as a browser makes them for its subscription."""
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": b64url(point), "auth": b64url(os.urandom(16))}


def _subscribe(app, user, endpoint: str):
    """What the page's service worker posts when notifications are turned on."""
    client = app.test_client()
    login(client, user.email)
    token = client.get("/broadcasts").get_data(as_text=True).split('data-csrf="', 1)[1].split('"', 1)[0]
    return client.post("/push/subscriptions", json={"endpoint": endpoint, "keys": _keys()},
                       headers={"X-CSRFToken": token})  # fmt: skip


def _subscriptions() -> int:
    return db.session.scalar(select(func.count()).select_from(PushSubscription))


def _new_incident(n: int = 1) -> None:
    """A new incident in Winongan: its staff's browsers are told by push."""
    ingest(InboundMessage("sms", f"ssrf-{n}", "banjir di prodo", WINONGAN, f"+62812345000{n:02d}"))
    tell_new_incidents()  # the worker's round, before it sends


# --- Web push -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://127.0.0.1/push/x",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.1/push/x",
        "https://[::1]/push/x",
        "https://localhost:22/push/x",  # a name that resolves to loopback
        "https://[::ffff:127.0.0.1]/push/x",  # loopback dressed as IPv6
        "https://0.0.0.0/push/x",
        "https://192.168.1.1/push/x",
        "https://100.100.100.200/latest/meta-data/",  # Alibaba Cloud's metadata
        "https://[fd00:ec2::254]/latest/meta-data/",  # AWS's metadata over IPv6
        "https://224.0.0.1/push/x",  # multicast
    ],
)
def test_a_subscription_to_an_internal_address_is_refused_and_nothing_stored(app, ctx, make_user, strict, endpoint):
    response = _subscribe(app, make_user("kecamatan_staff", WINONGAN), endpoint)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "jaringan lokal atau internal" in response.json["error"]
    assert _subscriptions() == 0


def test_a_name_with_one_internal_address_among_public_ones_is_refused(app, ctx, make_user, strict, dns):
    dns["push.campur.test"] = [PUBLIC, "127.0.0.1"]
    response = _subscribe(app, make_user("kecamatan_staff", WINONGAN), "https://push.campur.test/push/x")
    assert response.status_code == 400 and "jaringan lokal atau internal" in response.json["error"]
    assert _subscriptions() == 0


def test_a_name_that_turns_to_loopback_after_subscribing_is_never_connected_to(app, ctx, make_user, strict, dns):
    """DNS rebinding: public when the subscription was checked, 127.0.0.1 when the worker pushes."""
    listener = Listener()
    try:
        dns["push.rebind.test"] = [PUBLIC]
        staff = make_user("kecamatan_staff", WINONGAN)
        assert _subscribe(app, staff, f"https://push.rebind.test:{listener.port}/push/x").status_code == 201
        dns["push.rebind.test"] = ["127.0.0.1"]  # the name's owner points it home once the subscription is kept
        _new_incident()
        outcome = send_due()
        assert listener.accepted == 0  # not even a TCP connection to the local port
        assert outcome == {"failed": 1} and _subscriptions() == 0  # a push service that is not one is forgotten
    finally:
        listener.close()


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("target_allowed", [False, True], ids=["only-the-push-service-allowed", "target-allowed-too"])
def test_a_push_service_that_redirects_is_not_followed(app, ctx, make_user, monkeypatch, servers, status,
                                                       target_allowed):  # fmt: skip
    """The review's attack: a new incident made the worker POST to a local server, then GET the metadata path it
    was redirected to. With the target allowed by address too, only the redirect rule can keep it out."""
    metadata = servers(Recorder())  # stands in for 169.254.169.254
    push = servers(Recorder(lambda method, path: (status, {"Location": metadata.url + METADATA})))
    allowed = [push.address, metadata.address] if target_allowed else [push.address]
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", ",".join(allowed))
    monkeypatch.setitem(app.config, "PUSH_ALLOW_HTTP_LOOPBACK", True)
    assert _subscribe(app, make_user("kecamatan_staff", WINONGAN), f"{push.url}/push/x").status_code == 201
    _new_incident()
    outcome = send_due()
    assert push.requests == [("POST", "/push/x")] and metadata.requests == []
    assert outcome == {"failed": 1}
    (message,) = db.session.scalars(select(OutboundMessage).where(OutboundMessage.channel == "push"))
    assert str(status) in message.error


# --- Telegram -----------------------------------------------------------------------------------------------


def _telegram_post(app, monkeypatch, api_url: str) -> dict:
    monkeypatch.setitem(app.config, "TELEGRAM_BOT_TOKEN", FakeTelegram.token)
    monkeypatch.setitem(app.config, "TELEGRAM_CHANNEL_ID", "@tangguh_winongan")
    monkeypatch.setitem(app.config, "TELEGRAM_API_URL", api_url)
    enqueue(key="telegram-ssrf", to=None, channel="telegram", body="BANJIR di Desa Gading", purpose="public",
            kecamatan_code=WINONGAN)  # fmt: skip
    db.session.commit()
    return send_due()


def test_telegram_is_not_posted_to_an_internal_address(app, ctx, monkeypatch, strict, servers):
    fake = servers(FakeTelegram())
    outcome = _telegram_post(app, monkeypatch, fake.url)
    assert fake.requests == [] and fake.messages == []
    assert outcome == {"failed": 1}
    message = db.session.scalar(select(OutboundMessage).where(OutboundMessage.channel == "telegram"))
    assert "127.0.0.1" in message.error


def test_a_telegram_redirect_is_not_followed(app, ctx, monkeypatch, servers):
    elsewhere = servers(Recorder())
    api = servers(Recorder(lambda method, path: (307, {"Location": elsewhere.url + path})))
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", f"{api.address},{elsewhere.address}")
    outcome = _telegram_post(app, monkeypatch, api.url)
    assert [method for method, _ in api.requests] == ["POST"] and elsewhere.requests == []
    assert outcome == {"failed": 1}


# --- BMKG ---------------------------------------------------------------------------------------------------


def _bmkg_address(fake_bmkg) -> str:
    return f"127.0.0.1:{fake_bmkg.server.server_port}"


def test_bmkg_on_an_internal_address_is_not_asked(ctx, fake_bmkg, strict):
    fake_bmkg.index = ["CJI20261201001"]
    cycle = poll(FIXTURE_NOW)
    assert fake_bmkg.requests == [] and cycle.counts == {"nowcast_failed": 1}, cycle.line()


def test_the_poller_fetches_only_documents_on_the_feed_host(app, ctx, fake_bmkg, monkeypatch, servers):
    elsewhere = servers(Recorder())
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", f"{_bmkg_address(fake_bmkg)},{elsewhere.address}")
    fake_bmkg.index = ["CJI20261201001"]
    fake_bmkg.links = [
        f"{elsewhere.url}/alerts/nowcast/id/CJI20261201002_alert.xml",
        f"http://localhost:{elsewhere.server.server_port}/alerts/nowcast/id/CJI20261201003_alert.xml",
        "http://169.254.169.254" + METADATA + "tangguh",
    ]
    cycle = poll(FIXTURE_NOW)
    assert elsewhere.requests == []
    assert cycle.counts["new"] == 1 and cycle.counts["skipped"] == 3, cycle.line()
    assert db.session.scalar(select(func.count()).select_from(WarningMessage)) == 1


def test_the_poller_follows_a_redirect_only_on_the_feed_host(app, ctx, fake_bmkg, monkeypatch, servers):
    elsewhere = servers(Recorder())
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW_PRIVATE", f"{_bmkg_address(fake_bmkg)},{elsewhere.address}")
    fake_bmkg.index = ["moved", "CKS20261201001"]
    fake_bmkg.redirects = {
        "/alerts/nowcast/id/moved_alert.xml": f"{fake_bmkg.url}/alerts/nowcast/id/CJI20261201001_alert.xml",
        "/alerts/nowcast/id/CKS20261201001_alert.xml": elsewhere.url + METADATA,
    }
    cycle = poll(FIXTURE_NOW)
    assert elsewhere.requests == []
    assert cycle.counts["new"] == 1 and cycle.counts["skipped"] == 1, cycle.line()
