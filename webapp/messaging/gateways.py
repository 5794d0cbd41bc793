"""Clients that hand one outbound message to a gateway: the console, Twilio's REST API, the Android gateway's.

Each ``send`` returns the gateway's id for the message or raises ``TemporaryFailure`` (worth retrying: a 5xx,
a 429, a timeout, no connection) or ``PermanentFailure`` (retrying cannot help: a refused number, bad
credentials). ``find`` answers, for a send whose outcome is unknown (a worker died or timed out mid-request),
whether the gateway already accepted it, so that the message is not sent twice:

- Android: we choose the message id, so ``find`` asks for that id; the gateway also refuses a second
  message with the same id (409), which counts as already sent.
- Twilio has no idempotency key on message creation; ``find`` lists the latest messages to the recipient and
  looks for the same body created since the message was queued.
- The console only prints and logs; a repeat there is harmless.

No database: this is where Tangguh's outbound network I/O lives, through the vendors' own clients (``sms/`` stays
pure: parsing and text, no I/O). The outbound worker (``webapp.outbound``) drives it. Web push and Telegram, whose
addresses come from outside (a browser's subscription) or could be pointed anywhere, go through the guarded client
(``guarded``): public addresses only, no redirects, a size limit and a timeout. A push service the guard refuses is
forgotten like one that said the subscription is gone.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import sys
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TextIO
from urllib.parse import unquote, urlsplit

import requests
from android_sms_gateway import client as android_client
from android_sms_gateway import domain as android_domain
from android_sms_gateway import errors as android_errors
from android_sms_gateway import http as android_http
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient

from . import addresses, guarded

log = logging.getLogger("tangguh.outbound")

DEFAULT_TIMEOUT = 15.0  # seconds for one gateway request; a worker must never hang on a dead gateway
ANSWER_MAX_BYTES = 64 * 1024  # push services and the Bot API answer in a few hundred bytes
TWILIO_API_URL = "https://api.twilio.com"


class GatewayFailure(Exception):
    """The gateway did not take the message; the text says why, for the outbound table and the page."""


class TemporaryFailure(GatewayFailure):
    """Retry later: the gateway was unreachable, slow, overloaded or failing.

    ``in_doubt`` is True when the request may have reached the gateway (a timeout after sending): the next
    attempt asks the gateway first instead of sending blindly.
    """

    def __init__(self, reason: str, in_doubt: bool = False):
        super().__init__(reason)
        self.in_doubt = in_doubt


class PermanentFailure(GatewayFailure):
    """Retrying cannot help: the number, the message or the account was refused."""


class SubscriptionGone(PermanentFailure):
    """The push service no longer knows the browser's subscription (404/410): forget it."""


@dataclass(frozen=True)
class Outgoing:
    """One message to one recipient, as a gateway needs it."""

    message_id: str  # ours, stable across retries
    to: str  # E.164
    body: str
    channel: str = "sms"  # sms | whatsapp
    sender: str | None = None  # Twilio: the From number; Android: the device id
    sim_number: int | None = None  # Android: which SIM of the device
    created_at: datetime | None = None  # when it was queued; Twilio's ``find`` looks no further back
    subscription: dict | None = None  # web push: the browser's subscription (endpoint, keys p256dh and auth)


def _temporary_status(status: int | None) -> bool:
    return status is None or status == 429 or status >= 500


def _refused(reason: str, status: int | None) -> GatewayFailure:
    """The gateway answered with an error: worth retrying (5xx, 429) or not (any other 4xx)."""
    return TemporaryFailure(reason) if _temporary_status(status) else PermanentFailure(reason)


def _unreachable(exc: requests.RequestException, gateway: str) -> TemporaryFailure:
    """No answer. A read timeout means the request went out, so the gateway may have taken the message."""
    if isinstance(exc, requests.ReadTimeout):
        return TemporaryFailure(f"{gateway} did not answer in time", in_doubt=True)
    return TemporaryFailure(f"{gateway} is unreachable: {exc.__class__.__name__}")


class ConsoleGateway:
    """Prints each message (to, text) on the worker's standard output, where ``make run`` shows it, and logs it
    (logger ``tangguh.outbound``, INFO): demos and development."""

    name = "console"

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream  # None: whatever sys.stdout is when a message is sent

    def send(self, message: Outgoing) -> str:
        kind = {"sms": "SMS", "whatsapp": "WhatsApp"}.get(message.channel, message.channel)
        print(f"[console] {kind} to {message.to}: {message.body}", file=self.stream or sys.stdout, flush=True)
        log.info("SMS to %s (console gateway, %s): %s", message.to, message.message_id, message.body)
        return message.message_id

    def find(self, message: Outgoing) -> str | None:
        return None


class TwilioGateway:
    """Twilio's Messages API through the official client; ``api_url`` points it at a local fake in tests."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        status_callback: str | None = None,
        api_url: str = TWILIO_API_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ):
        if not account_sid or not auth_token:
            raise PermanentFailure("Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)")
        self.client = TwilioClient(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.client.api.base_url = api_url.rstrip("/")
        self.status_callback = status_callback

    @staticmethod
    def _address(number: str, channel: str) -> str:
        return f"whatsapp:{number}" if channel == "whatsapp" else number

    def send(self, message: Outgoing) -> str:
        if not message.sender:
            raise PermanentFailure("no Twilio number to send from for this kecamatan")
        options = {"status_callback": self.status_callback} if self.status_callback else {}
        try:
            created = self.client.messages.create(
                to=self._address(message.to, message.channel),
                from_=self._address(message.sender, message.channel),
                body=message.body,
                **options,
            )
        except TwilioRestException as exc:
            reason = f"Twilio {exc.status}" + (f" error {exc.code}" if exc.code else "") + f": {exc.msg}"
            raise _refused(reason, exc.status) from exc
        except requests.RequestException as exc:
            raise _unreachable(exc, "Twilio") from exc
        return created.sid

    def find(self, message: Outgoing) -> str | None:
        try:
            recent = self.client.messages.list(to=self._address(message.to, message.channel), limit=20)
        except TwilioRestException as exc:
            raise TemporaryFailure(f"Twilio {exc.status} while checking an earlier attempt") from exc
        except requests.RequestException as exc:
            raise TemporaryFailure("Twilio unreachable while checking an earlier attempt") from exc
        for sent in recent:
            created = sent.date_created
            if sent.body == message.body and (
                message.created_at is None or created is None or created >= message.created_at.replace(microsecond=0)
            ):
                return sent.sid
        return None


class _TimeoutSession(requests.Session):
    """The Android client's session never sets a timeout; this one always does."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


class AndroidGateway:
    """SMS Gateway for Android's REST API (local server on the phone or the cloud relay)."""

    name = "android"

    def __init__(self, url: str, user: str, password: str, timeout: float = DEFAULT_TIMEOUT):
        if not url:
            raise PermanentFailure("the Android gateway is not configured (ANDROID_GATEWAY_URL)")
        self.url, self.user, self.password, self.timeout = url, user or None, password, timeout

    def _call(self, action):
        session = _TimeoutSession(self.timeout)
        try:
            with android_client.APIClient(
                self.user, self.password, base_url=self.url, http=android_http.RequestsHttpClient(session)
            ) as api:
                return action(api)
        finally:
            session.close()

    def send(self, message: Outgoing) -> str:
        payload = android_domain.Message(
            phone_numbers=[message.to],
            text_message=android_domain.TextMessage(text=message.body),
            sim_number=message.sim_number,
            device_id=message.sender,
            id=message.message_id,
        )
        try:
            state = self._call(lambda api: api.send(payload))
        except android_errors.APIError as exc:
            if exc.status_code == 409:  # this id was accepted before: the gateway will not send it again
                return message.message_id
            raise _refused(f"Android gateway {exc.status_code}: {exc}", exc.status_code) from exc
        except requests.RequestException as exc:
            raise _unreachable(exc, "the Android gateway") from exc
        return state.id

    def find(self, message: Outgoing) -> str | None:
        try:
            state = self._call(lambda api: api.get_state(message.message_id))
        except android_errors.NotFoundError:
            return None
        except (android_errors.APIError, requests.RequestException) as exc:
            raise TemporaryFailure("the Android gateway is unreachable while checking an earlier attempt") from exc
        return state.id


class WebPushGateway:
    """Web push (RFC 8030) to a browser's push service through pywebpush, signed with our VAPID key (RFC 8292)
    and encrypted for the subscription (RFC 8291). The body is the notification's JSON.

    ``find`` cannot ask a push service whether it took a message; a repeat is harmless on the device, where
    the notification's tag (the message id) replaces the earlier one.
    """

    name = "webpush"

    def __init__(self, private_key_pem: str, subject: str, timeout: float = DEFAULT_TIMEOUT,
                 guard: addresses.Guard | None = None):  # fmt: skip
        if not private_key_pem:
            raise PermanentFailure("web push is not configured (VAPID_PRIVATE_KEY)")
        self.vapid = Vapid02.from_pem(private_key_pem.encode())
        self.subject = subject
        self.timeout = timeout
        self.guard = guard or addresses.configured()

    def send(self, message: Outgoing) -> str:
        if not message.subscription:
            raise SubscriptionGone("the browser unsubscribed from notifications")
        with guarded.session(self.guard, timeout=self.timeout, max_bytes=ANSWER_MAX_BYTES) as session:
            try:
                response = webpush(
                    message.subscription,
                    message.body,
                    vapid_private_key=self.vapid,
                    vapid_claims={"sub": self.subject},
                    timeout=self.timeout,
                    ttl=24 * 3600,
                    headers={"Topic": message.message_id.replace("-", "")[:32]},
                    requests_session=session,
                )
            except WebPushException as exc:
                status = exc.response.status_code if exc.response is not None else None
                if status in (404, 410):
                    raise SubscriptionGone(f"push service: subscription gone ({status})") from exc
                raise _refused(f"push service answered {status}", status) from exc
            except guarded.Refused as exc:
                raise SubscriptionGone(f"push service refused: {exc}") from exc
            except requests.RequestException as exc:
                raise _unreachable(exc, "the push service") from exc
        return response.headers.get("Location") or message.message_id

    def find(self, message: Outgoing) -> str | None:
        return None


class SmtpGateway:
    """Email through an SMTP server (``SMTP_URL``): ``smtp://user:pass@host:587`` with STARTTLS, ``smtps://…:465``
    with TLS from the start, ``smtp+plain://host:25`` without TLS (a relay on the same machine). Used for the
    alerts that must not depend on the SMS gateway they are about. The subject is the body's first words."""

    name = "smtp"

    def __init__(self, url: str, sender: str, timeout: float = DEFAULT_TIMEOUT):
        if not url:
            raise PermanentFailure("email is not configured (SMTP_URL)")
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps", "smtp+plain") or not parts.hostname:
            raise PermanentFailure("SMTP_URL must look like smtp://user:password@host:587")
        self.scheme, self.host = parts.scheme, parts.hostname
        self.port = parts.port or {"smtp": 587, "smtps": 465, "smtp+plain": 25}[parts.scheme]
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.sender, self.timeout = sender, timeout

    def send(self, message: Outgoing) -> str:
        email = EmailMessage()
        email["From"], email["To"] = self.sender, message.to
        email["Subject"] = " ".join(message.body.split()[:8])[:78]
        email["Message-ID"] = make_msgid(idstring=message.message_id, domain="tangguh")
        email.set_content(message.body)
        try:
            if self.scheme == "smtps":
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                          context=ssl.create_default_context())  # fmt: skip
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.scheme == "smtp":
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password)
                client.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"SMTP refused the address {message.to}") from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentFailure(f"SMTP refused the login ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP {exc.smtp_code}"
            raise _refused(reason, 500 if 400 <= exc.smtp_code < 500 else 400) from exc  # 4xx: try again later
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"the mail server is unreachable: {exc.__class__.__name__}") from exc
        return message.message_id

    def find(self, message: Outgoing) -> str | None:
        return None  # a repeated alert email is harmless


class TelegramGateway:
    """A post to the public Telegram channel (``TELEGRAM_CHANNEL_ID``) through the Bot API's ``sendMessage``, as the
    bot (``TELEGRAM_BOT_TOKEN``) that is an administrator of the channel. The body is the post's text.

    ``find`` cannot ask the Bot API whether a post went out; the queue's claim keeps it to one attempt at a time.
    """

    name = "telegram"

    def __init__(self, token: str, channel: str, api_url: str = "https://api.telegram.org",
                 timeout: float = DEFAULT_TIMEOUT, guard: addresses.Guard | None = None):  # fmt: skip
        if not token or not channel:
            raise PermanentFailure("Telegram is not configured (TELEGRAM_BOT_TOKEN, TELEGRAM_CHANNEL_ID)")
        self.url = f"{api_url.rstrip('/')}/bot{token}/sendMessage"
        self.channel, self.timeout = channel, timeout
        self.guard = guard or addresses.configured()

    def send(self, message: Outgoing) -> str:
        with guarded.session(self.guard, timeout=self.timeout, max_bytes=ANSWER_MAX_BYTES) as session:
            try:
                response = session.post(self.url, json={"chat_id": self.channel, "text": message.body})
            except guarded.Refused as exc:
                raise PermanentFailure(f"Telegram refused: {exc}") from exc
            except requests.RequestException as exc:
                raise _unreachable(exc, "Telegram") from exc
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not answer.get("ok"):
            reason = f"Telegram {response.status_code}: {answer.get('description', 'no answer')}"
            raise _refused(reason, response.status_code)
        return f"{answer['result']['chat']['id']}:{answer['result']['message_id']}"

    def find(self, message: Outgoing) -> str | None:
        return None
