"""A local web push service on 127.0.0.1, standing in for a browser vendor's (FCM, Mozilla autopush).

It plays both ends a real push service joins: it holds the browser's subscription keys (made here, as a
browser makes them), checks each request's VAPID signature (RFC 8292) against the key it names, decrypts
the aes128gcm payload (RFC 8291) and keeps what the browser would receive. ``gone`` endpoints answer 410,
as a push service does for a subscription the browser dropped.
"""

from __future__ import annotations

import base64
import json
import os
import time
from http.server import BaseHTTPRequestHandler

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from fakes.gateways import LocalServer


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_ok(authorization: str, audience: str) -> bool:
    """``vapid t=<JWT>, k=<public key>``: an ES256 JWT for this origin, not expired, signed by that key."""
    if not authorization.startswith("vapid "):
        return False
    fields = dict(part.strip().split("=", 1) for part in authorization[6:].split(","))
    head, body, signature = fields["t"].split(".")
    claims = json.loads(unb64url(body))
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(fields["k"]))
    try:
        key.verify(der, f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return claims.get("aud") == audience and claims.get("exp", 0) > time.time() and "sub" in claims


class FakePushService(LocalServer):
    def __init__(self):
        self.received: list[dict] = []  # decrypted payloads, with the endpoint they were pushed to
        self.refused: list[str] = []  # why requests were refused
        self.gone: set[str] = set()
        self.browsers: dict[str, tuple] = {}  # endpoint path → (private key, auth secret)
        super().__init__()

    def subscription(self, name: str) -> dict:
        """A browser's subscription, as ``PushSubscription.toJSON()`` gives it, with keys made here."""
        private = ec.generate_private_key(ec.SECP256R1())
        public = private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        auth = os.urandom(16)
        self.browsers[f"/push/{name}"] = (private, auth)
        return {"endpoint": f"{self.url}/push/{name}", "keys": {"p256dh": b64url(public), "auth": b64url(auth)}}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, status: int):
                self.send_response(status)
                if status == 201:
                    self.send_header("Location", f"{fake.url}/message/{len(fake.received)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path in fake.gone:
                    return self._answer(410)
                if not vapid_ok(self.headers.get("Authorization", ""), fake.url):
                    fake.refused.append("vapid")
                    return self._answer(403)
                private, auth = fake.browsers[self.path]
                clear = http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
                fake.received.append({"endpoint": self.path, "ttl": self.headers.get("TTL"), **json.loads(clear)})
                self._answer(201)

            def log_message(self, *args):
                pass

        return Handler
