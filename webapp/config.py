"""Configuration read from the environment, with safe local defaults."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sms.phone import InvalidPhone, normalize_phone

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
# The web push key in development: made by the command line (``webapp.cli``), read by the web app.
DEV_VAPID_KEY = INSTANCE / "vapid_private_key.pem"

# The value a careless deployment might copy from an example; refused in production like an empty one.
PLACEHOLDER_SECRETS = {"", "dev", "change-me", "changeme", "secret", "development"}
MIN_SECRET_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def database_url(raw: str | None) -> str:
    """Normalise a ``DATABASE_URL``: ``postgres://`` (Heroku style) and plain ``postgresql://`` use psycopg 3;
    no value means the SQLite file under ``instance/``."""
    if not raw:
        return f"sqlite:///{INSTANCE / 'tangguh.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def costs_per_segment(raw: str) -> dict[str, int]:
    """``"sms=350,whatsapp=0"`` → ``{"sms": 350, "whatsapp": 0}``: rupiah per SMS segment or WhatsApp message."""
    costs = {"sms": 350, "whatsapp": 0}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        channel, _, price = part.partition("=")
        if channel.strip() not in costs or not price.strip().isdigit():
            raise ConfigError(f"COST_PER_SEGMENT: cannot read {part!r}; write it as sms=350,whatsapp=0")
        costs[channel.strip()] = int(price)
    return costs


def _dev_secret_key() -> str:
    """A random key kept in ``instance/secret_key`` so development sessions survive restarts."""
    path = INSTANCE / "secret_key"
    if path.exists():
        return path.read_text().strip()
    INSTANCE.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def production(env: dict[str, str] | None = None) -> bool:
    """``TANGGUH_ENV=production``: the production checks apply (see ``from_environment``)."""
    return (os.environ if env is None else env).get("TANGGUH_ENV", "development") == "production"


def on_duty_phones(raw: str) -> dict[str, str]:
    """``"35.14.19=081234567890,63.11.05=+6281…"`` → {kecamatan code: number}: who is told by SMS."""
    phones = {}
    for part in filter(None, (p.strip() for p in raw.split(","))):
        code, _, phone = part.partition("=")
        try:
            if code.strip().count(".") != 2:
                raise InvalidPhone(code)
            phones[code.strip()] = normalize_phone(phone.strip())
        except InvalidPhone as exc:
            raise ConfigError(f"ON_DUTY_PHONES: cannot read {part!r}; write it as 35.14.19=081234567890") from exc
    return phones


def outbound_allow_private(raw: str) -> bool | frozenset[tuple[str, int]]:
    """``OUTBOUND_ALLOW_PRIVATE``: empty, ``0``, ``false`` or ``no`` → False (only public addresses, the default);
    ``1``, ``true``, ``yes`` or ``all`` → True (private ones too: the test suite's local fakes); otherwise
    ``address:port`` pairs (``127.0.0.1:8081,[fd00::5]:443``) → exactly those, as (address, port)."""
    words = raw.strip().lower()
    if words in ("", "0", "false", "no"):
        return False
    if words in ("1", "true", "yes", "all"):
        return True
    pairs = set()
    for part in filter(None, (p.strip() for p in raw.split(","))):
        try:
            parts = urlsplit(f"//{part}")
            address, port = ipaddress.ip_address(parts.hostname or ""), parts.port
        except ValueError:
            address = port = None
        if address is None or not port:
            raise ConfigError(f"OUTBOUND_ALLOW_PRIVATE: cannot read {part!r}; write it as 127.0.0.1:8081 (an address "
                              "and a port, [..] around IPv6), or true for every private address")  # fmt: skip
        pairs.add((address.compressed, port))
    return frozenset(pairs)


def storage_options(uri: str) -> dict:
    """Timeouts for a Redis rate-limit store: a store that hangs must not hold a webhook or a sign-in."""
    return {"socket_connect_timeout": 1, "socket_timeout": 1} if uri.startswith(("redis", "rediss")) else {}


def from_environment(env: dict[str, str] | None = None) -> dict:
    """Build the Flask config from environment variables.

    ``TANGGUH_ENV=production`` turns on the production checks: a ``SECRET_KEY`` of at least 32
    characters that is not a placeholder is required, and session cookies are HTTPS-only.
    """
    env = dict(os.environ if env is None else env)
    in_production = production(env)
    secret = env.get("SECRET_KEY", "")
    if in_production:
        if secret.strip().lower() in PLACEHOLDER_SECRETS or len(secret) < MIN_SECRET_LENGTH:
            raise ConfigError(
                "SECRET_KEY is missing, a placeholder or shorter than "
                f"{MIN_SECRET_LENGTH} characters; in production (TANGGUH_ENV=production) set it to a long "
                "random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
    elif not secret:
        secret = _dev_secret_key()
    vapid = env.get("VAPID_PRIVATE_KEY", "").replace("\\n", "\n")
    if not vapid and not in_production and DEV_VAPID_KEY.exists():
        vapid = DEV_VAPID_KEY.read_text()
    return {
        "TANGGUH_ENV": "production" if in_production else "development",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": in_production,
        "REMEMBER_COOKIE_SECURE": in_production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: forms are filled slowly in the field
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024)),
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "translations"),
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "SMS_GATEWAY": env.get("SMS_GATEWAY", "console"),
        # Reports of the same hazard in the same desa within this many hours of the last one join its incident.
        "INCIDENT_MERGE_HOURS": float(env.get("INCIDENT_MERGE_HOURS", 24)),
        # A message that is not a report (the inbox, "Pesan masuk") gets one short answer per sender per day; 0: none.
        "INBOX_REPLY": env.get("INBOX_REPLY", "1").strip().lower() not in ("0", "false", "no", "off", ""),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "ANDROID_GATEWAY_URL": env.get("ANDROID_GATEWAY_URL", ""),
        "ANDROID_GATEWAY_USER": env.get("ANDROID_GATEWAY_USER", ""),
        "ANDROID_GATEWAY_PASSWORD": env.get("ANDROID_GATEWAY_PASSWORD", ""),
        "ANDROID_WEBHOOK_SIGNING_KEY": env.get("ANDROID_WEBHOOK_SIGNING_KEY", ""),
        "ANDROID_WEBHOOK_MAX_SKEW": int(env.get("ANDROID_WEBHOOK_MAX_SKEW", 300)),
        "WEBHOOK_MAX_BYTES": int(env.get("WEBHOOK_MAX_BYTES", 64 * 1024)),
        # The parser reads this many characters of a message at most (about ten SMS segments); the whole is stored.
        "PARSE_MAX_CHARS": int(env.get("PARSE_MAX_CHARS", 1600)),
        # What each webhook would read again (a kecamatan's parser, receiving numbers, device keys) is kept per
        # process this long; a change made in another process takes effect here within it (webapp/caching.py).
        "PROCESS_CACHE_SECONDS": float(env.get("PROCESS_CACHE_SECONDS", 30)),
        # Per sender number; beyond it messages are still stored, answered politely once, then not at all.
        "SMS_RATE_LIMIT": env.get("SMS_RATE_LIMIT", "10/minute;60/hour"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        # A store that does not answer within a second is down: counting goes on in memory, and the store is
        # tried again every RATELIMIT_RECHECK_SECONDS (webapp/ratelimit.py).
        "RATELIMIT_STORAGE_OPTIONS": storage_options(env.get("RATELIMIT_STORAGE_URI", "memory://")),
        "RATELIMIT_RECHECK_SECONDS": float(env.get("RATELIMIT_RECHECK_SECONDS", 30)),
        # How many reverse proxies in front of the app to trust for X-Forwarded-*: behind Caddy, 1; with 0 every
        # visitor looks like the proxy's address, so one address's failed sign-ins hold everyone back.
        "TRUSTED_PROXY_COUNT": int(env.get("TRUSTED_PROXY_COUNT", 0)),
        # Where Twilio reaches this server (https://…); without it Twilio sends no delivery status callbacks.
        "PUBLIC_URL": env.get("PUBLIC_URL", "").rstrip("/"),
        "TWILIO_API_URL": env.get("TWILIO_API_URL", "https://api.twilio.com"),
        # The outbound queue: what one SMS segment (or WhatsApp message) costs, in rupiah, per channel; how the
        # worker retries (exponential backoff from OUTBOUND_RETRY_SECONDS, at most OUTBOUND_MAX_ATTEMPTS tries);
        # how long a claimed message is left to its worker before another may take it over.
        "COST_PER_SEGMENT": costs_per_segment(env.get("COST_PER_SEGMENT", "")),
        "OUTBOUND_MAX_ATTEMPTS": int(env.get("OUTBOUND_MAX_ATTEMPTS", 6)),
        "OUTBOUND_RETRY_SECONDS": float(env.get("OUTBOUND_RETRY_SECONDS", 30)),
        "OUTBOUND_RETRY_MAX_SECONDS": float(env.get("OUTBOUND_RETRY_MAX_SECONDS", 3600)),
        "OUTBOUND_LEASE_SECONDS": float(env.get("OUTBOUND_LEASE_SECONDS", 120)),
        "GATEWAY_TIMEOUT": float(env.get("GATEWAY_TIMEOUT", 15)),
        # Send rates the worker keeps, unless a phone's own is set on its setup page: SMS a minute per Android
        # phone or SIM (Android's SmsUsageMonitor allows about 30 a minute before it asks; the gateway app has its
        # own limits), messages a second per Twilio number (1 for a long code). 0: no pacing (the gateway paces).
        "GATEWAY_SEND_PER_MINUTE": int(env.get("GATEWAY_SEND_PER_MINUTE", 25)),
        "TWILIO_SEND_PER_SECOND": float(env.get("TWILIO_SEND_PER_SECOND", 1)),
        # A broadcast the pool needs longer than this for: the preview suggests a second phone or WhatsApp.
        "BROADCAST_LONG_MINUTES": int(env.get("BROADCAST_LONG_MINUTES", 30)),
        # Outbound requests (web push, BMKG, Telegram) reach only public addresses; this lets them reach private
        # ones too: true for all (the test suite's local fakes) or exactly the listed 127.0.0.1:8081,… pairs.
        "OUTBOUND_ALLOW_PRIVATE": outbound_allow_private(env.get("OUTBOUND_ALLOW_PRIVATE", "")),
        # A message due this many minutes ago and still queued means no worker is sending: staff pages and
        # /healthz say so.
        "OUTBOUND_STALE_MINUTES": int(env.get("OUTBOUND_STALE_MINUTES", 5)),
        # No worker round for this many minutes means no worker runs (a round may spend minutes on slow gateways).
        "WORKER_STALE_MINUTES": int(env.get("WORKER_STALE_MINUTES", 10)),
        # Web push: the VAPID private key (PEM; in development one is made and kept under instance/) and the
        # contact push services may write to. Without a key in production, notifications stay off.
        "VAPID_PRIVATE_KEY": vapid,
        "VAPID_SUBJECT": env.get("VAPID_SUBJECT", "mailto:admin@tangguh.invalid"),
        "PUSH_ALLOW_HTTP_LOOPBACK": False,  # tests point subscriptions at a local push service over plain http
        # The kecamatan's on-duty phone, told by SMS of new incidents and of ones left unverified: 35.14.19=08…
        "ON_DUTY_PHONES": on_duty_phones(env.get("ON_DUTY_PHONES", "")),
        # An incident still unverified this many minutes after its first report is marked and escalated.
        "UNVERIFIED_ALERT_MINUTES": int(env.get("UNVERIFIED_ALERT_MINUTES", 30)),
        # A handover no agency member acknowledged (TERIMA) this many minutes later is escalated once.
        "HANDOVER_ACK_MINUTES": int(env.get("HANDOVER_ACK_MINUTES", 30)),
        # Map tiles (empty: no tiles, the map still shows points and names). OpenStreetMap asks for attribution.
        "MAP_TILE_URL": env.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        "MAP_ATTRIBUTION": env.get("MAP_ATTRIBUTION", "© OpenStreetMap contributors"),
        # Gateway health: an Android device silent this long (no ping, message or report; set the app's ping
        # interval well below it), or with this many sends failed in a row, is offline and people are told.
        "GATEWAY_SILENT_MINUTES": int(env.get("GATEWAY_SILENT_MINUTES", 30)),
        "GATEWAY_FAILURES_OFFLINE": int(env.get("GATEWAY_FAILURES_OFFLINE", 3)),
        # A gateway SIM whose operator reports less credit than this (rupiah), or an active period ending within
        # this many days, or the grace period: its staff are told once, until a notice says it was topped up.
        "GATEWAY_LOW_CREDIT_RUPIAH": int(env.get("GATEWAY_LOW_CREDIT_RUPIAH", 10000)),
        "GATEWAY_ACTIVE_WARN_DAYS": int(env.get("GATEWAY_ACTIVE_WARN_DAYS", 3)),
        # A test SMS not back within this many minutes did not arrive; the canary sends one through every
        # Android device with a SIM number every GATEWAY_CANARY_MINUTES (0: off; it costs one SMS each time).
        "GATEWAY_TEST_MINUTES": int(env.get("GATEWAY_TEST_MINUTES", 10)),
        "GATEWAY_CANARY_MINUTES": int(env.get("GATEWAY_CANARY_MINUTES", 0)),
        # Email for the alerts that must not go through the gateway they are about: smtp://user:pass@host:587.
        "SMTP_URL": env.get("SMTP_URL", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Tangguh <tangguh@localhost>"),
        # Sign-in: failed attempts allowed per account and per address before 429 (Flask-Limiter's storage),
        # and how long a session lasts without use.
        "LOGIN_LIMIT_ACCOUNT": env.get("LOGIN_LIMIT_ACCOUNT", "5/minute;20/hour"),
        "LOGIN_LIMIT_ADDRESS": env.get("LOGIN_LIMIT_ADDRESS", "10/minute;30/hour"),
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", 480)),
        "SESSION_MAX_HOURS": int(env.get("SESSION_MAX_HOURS", 168)),
        "SIGN_IN_KEEP_DAYS": int(env.get("SIGN_IN_KEEP_DAYS", 90)),  # the sign-in history admins see
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(env.get("SESSION_IDLE_MINUTES", 480))),
        # SPM: the local target for verifying an incident, in hours, and where that target comes from (no time limit
        # was found in the SPM regulation text: write the decree or plan that sets it, or leave it marked local).
        "SPM_VERIFY_HOURS": float(env.get("SPM_VERIFY_HOURS", 24)),
        "SPM_VERIFY_SOURCE": env.get("SPM_VERIFY_SOURCE", "target lokal kecamatan (bukan angka regulasi)"),
        # The public channel on Telegram (optional): the bot's token and the channel (@name or -100… id); published
        # incidents and warnings are posted there through the outbound queue.
        "TELEGRAM_BOT_TOKEN": env.get("TELEGRAM_BOT_TOKEN", ""),
        "TELEGRAM_CHANNEL_ID": env.get("TELEGRAM_CHANNEL_ID", ""),
        "TELEGRAM_API_URL": env.get("TELEGRAM_API_URL", "https://api.telegram.org"),
        # How long a published broadcast without BMKG's own validity stays among the public page's active warnings.
        "PUBLIC_WARNING_HOURS": float(env.get("PUBLIC_WARNING_HOURS", 24)),
        # BMKG's warnings, polled by the outbound worker (and `flask warnings poll`): the nowcast CAP index and
        # the felt-earthquake list (empty: that feed off); how often, how long to wait, how large a document
        # may be, and the longest backoff while BMKG does not answer.
        "WARNINGS_NOWCAST_URL": env.get("WARNINGS_NOWCAST_URL", "https://www.bmkg.go.id/alerts/nowcast/id"),
        "WARNINGS_QUAKE_URL": env.get("WARNINGS_QUAKE_URL", "https://data.bmkg.go.id/DataMKG/TEWS/gempadirasakan.xml"),
        "WARNINGS_POLL_SECONDS": int(env.get("WARNINGS_POLL_SECONDS", 120)),
        "WARNINGS_TIMEOUT": float(env.get("WARNINGS_TIMEOUT", 15)),
        "WARNINGS_MAX_BYTES": int(env.get("WARNINGS_MAX_BYTES", 2 * 1024 * 1024)),
        "WARNINGS_BACKOFF_MAX_SECONDS": int(env.get("WARNINGS_BACKOFF_MAX_SECONDS", 1800)),
        # A felt earthquake becomes a draft for the kecamatan of the kabupaten BMKG lists as feeling it, or within
        # this radius of the epicentre, when at least this strong; its draft may be sent for this many hours.
        "WARNINGS_QUAKE_RADIUS_KM": float(env.get("WARNINGS_QUAKE_RADIUS_KM", 50)),
        "WARNINGS_QUAKE_MIN_MAGNITUDE": float(env.get("WARNINGS_QUAKE_MIN_MAGNITUDE", 4.5)),
        "WARNINGS_QUAKE_HOURS": float(env.get("WARNINGS_QUAKE_HOURS", 6)),
        # Backups: where `flask backup` writes and how many it keeps.
        "BACKUP_DIR": env.get("BACKUP_DIR", str(INSTANCE / "backups")),
        "BACKUP_KEEP": int(env.get("BACKUP_KEEP", 14)),
        # The off-site copy after each good backup (empty: none): a local path, or user@host:path reached by rsync
        # over ssh with this private key and this known_hosts file (the receiving side restricts the key to rrsync).
        "BACKUP_OFFSITE": env.get("BACKUP_OFFSITE", "").strip(),
        "BACKUP_OFFSITE_KEY": env.get("BACKUP_OFFSITE_KEY", "").strip(),
        "BACKUP_OFFSITE_KNOWN_HOSTS": env.get("BACKUP_OFFSITE_KNOWN_HOSTS", "").strip(),
        # A good backup older than this many hours makes /healthz "degraded" (backup_stale); 0: not watched (the
        # default in development, where nothing backs up).
        "BACKUP_MAX_AGE_HOURS": float(env.get("BACKUP_MAX_AGE_HOURS", 26 if in_production else 0)),
        "API_PAGE_SIZE": 50,
        "API_MAX_PAGE_SIZE": 200,
    }
