"""Local stand-ins for the gateways' REST APIs on 127.0.0.1, which the real clients are pointed at.

Each fake records what it was asked to send and can be told to misbehave for the next requests:
an HTTP status (500, 503, 429, 400…), ``"timeout"`` (take the message, then answer too late) or ``"drop"``
(close the connection without answering).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class LocalServer:
    """An HTTP server on 127.0.0.1 and a free port, in a thread; subclasses give ``_handler()``."""

    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        raise NotImplementedError


class _Fake(LocalServer):
    def __init__(self):
        self.lock = threading.Lock()
        self.messages: list[dict] = []  # what the gateway accepted (and would send)
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request
        self.failures: list = []  # what to do for the next requests, in order
        self.slow = 0.0  # seconds to wait before answering: ``"timeout"`` waits this long
        super().__init__()

    def fail_next(self, *behaviours):
        self.failures.extend(behaviours)

    def _next_failure(self):
        with self.lock:
            return self.failures.pop(0) if self.failures else None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, status: int, payload: dict | None):
                body = json.dumps(payload).encode() if payload is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self):  # noqa: N802
                fake.requests.append(("GET", self.path))
                status, payload = fake.get(self.path)
                self._answer(status, payload)

            def do_POST(self):  # noqa: N802
                fake.requests.append(("POST", self.path))
                body = self._body()
                failure = fake._next_failure()
                if failure == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if isinstance(failure, int):
                    self._answer(failure, fake.error(failure))
                    return
                status, payload = fake.post(self.path, body, self.headers)
                if failure == "timeout":  # the message was taken; the answer comes too late
                    time.sleep(fake.slow)
                self._answer(status, payload)

            def log_message(self, *args):
                pass

        return Handler


class FakeTwilio(_Fake):
    """Twilio's Messages resource: create (form POST) and list by recipient (GET)."""

    account_sid = "AC" + "0" * 32

    def error(self, status: int) -> dict:
        code = 21211 if status == 400 else 20500
        return {"code": code, "message": f"fake error {status}", "status": status}

    def _resource(self, message: dict) -> dict:
        return {
            "sid": message["sid"],
            "account_sid": self.account_sid,
            "to": message["To"],
            "from": message["From"],
            "body": message["Body"],
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "date_created": format_datetime(message["created"], usegmt=True),
            "date_updated": format_datetime(message["created"], usegmt=True),
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message['sid']}.json",
        }

    def post(self, path, body, headers):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        message = {**form, "sid": "SM" + uuid.uuid4().hex, "created": datetime.now(UTC)}
        with self.lock:
            self.messages.append(message)
        return 201, self._resource(message)

    def get(self, path):
        query = parse_qs(urlparse(path).query)
        to = query.get("To", [None])[0]
        with self.lock:
            found = [m for m in reversed(self.messages) if to is None or m["To"] == to]
        page = {
            "messages": [self._resource(m) for m in found],
            "uri": path,
            "first_page_uri": path,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": 50,
            "start": 0,
            "end": len(found),
        }
        return 200, page

    def create(self, to: str, body: str, sender: str = "+6281100351419") -> None:
        """A message Twilio accepted though its answer never reached us."""
        self.post("", f"To={to}&From={sender}&Body={body}".replace("+", "%2B").encode(), {})


class FakeAndroid(_Fake):
    """SMS Gateway for Android: POST /messages (a repeated id is refused with 409), GET /messages/<id>."""

    def error(self, status: int) -> dict:
        return {"message": f"fake error {status}"}

    @staticmethod
    def _state(message: dict) -> dict:
        return {
            "id": message["id"],
            "state": "Pending",
            "recipients": [{"phoneNumber": p, "state": "Pending"} for p in message["phoneNumbers"]],
        }

    def post(self, path, body, headers):
        message = json.loads(body)
        message["_path"], message["_auth"] = path, headers.get("Authorization", "")
        with self.lock:
            if any(m["id"] == message["id"] for m in self.messages):
                return 409, {"message": f"message with ID {message['id']} already exists"}
            self.messages.append(message)
        return 202, self._state(message)

    def get(self, path):
        wanted = path.rsplit("/", 1)[-1]
        with self.lock:
            found = [m for m in self.messages if m["id"] == wanted]
        if not found:
            return 404, {"message": "not found"}
        return 200, self._state(found[0])


class FakeSmtp:
    """An SMTP server on 127.0.0.1 (aiosmtpd) that keeps every email it is given."""

    def __init__(self):
        import socket

        from aiosmtpd.controller import Controller

        fake = self
        self.emails: list = []

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                from email import message_from_bytes

                fake.emails.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
                return "250 OK"

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp+plain://127.0.0.1:{self.port}"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


class FakeTelegram(_Fake):
    """The Telegram Bot API's sendMessage for one bot token: records each post (chat_id, text), answers as the
    Bot API does (``{"ok": true, "result": {"message_id": …, "chat": {…}}}``), or fails as told."""

    token = "123456:test-bot-token"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(("POST", self.path))
                failure = fake._next_failure()
                if isinstance(failure, int):
                    return self._answer(failure, {"ok": False, "error_code": failure, "description": "fake error"})
                if self.path != f"/bot{fake.token}/sendMessage":
                    return self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                with fake.lock:
                    fake.messages.append(body)
                    number = len(fake.messages)
                chat = {"id": -1001, "type": "channel"}
                self._answer(
                    200, {"ok": True, "result": {"message_id": number, "chat": chat, "text": body.get("text")}}
                )

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
