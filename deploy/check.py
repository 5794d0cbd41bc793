"""Check a deployed Tangguh from outside, as an attacker or a phone would see it:

    .venv/bin/python deploy/check.py https://tangguh.example.go.id

- ``/healthz`` answers, and each reason it gives for ``degraded`` fails with a one-line reason: the rate-limit
  store, the worker, stalled messages, a failed, old or readable backup, a failed off-site copy, a proxy the app
  does not trust (an offline gateway phone is noted, not failed: it is in a village, not on the server);
- plain HTTP (port 80, or ``--http-port``) is redirected to HTTPS, and HTTPS sends Strict-Transport-Security;
- the SMS webhooks refuse unsigned requests (Android 401, Twilio 403);
- the session cookie is ``Secure`` and ``HttpOnly`` (only in production mode, which refuses to start with a
  short or placeholder ``SECRET_KEY``);
- the secret key is not a known placeholder: a session cookie signed with each placeholder carries a marker
  the sign-in page would show if the server accepted it;
- every page carries its security headers (Content-Security-Policy, X-Content-Type-Options).

Prints one line per check and exits 1 when any fails. Needs the repository's virtualenv (requests, Flask).
"""

from __future__ import annotations

import argparse
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from webapp.config import PLACEHOLDER_SECRETS  # noqa: E402

TIMEOUT = 15
PLACEHOLDERS = tuple(sorted(PLACEHOLDER_SECRETS - {""}))  # what a careless deployment copies from an example


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


# What each of /healthz's reason words means, and what to look at; a reason fails the check (an offline gateway
# phone is in a village, not on the server: it is told, and does not fail a deployment).
REASONS = {
    "database": "the database does not answer (systemctl status postgresql)",
    "ratelimit_store": "the rate-limit store does not answer (systemctl status redis-server; RATELIMIT_STORAGE_URI)",
    "worker_stopped": "no worker round for WORKER_STALE_MINUTES (systemctl status tangguh-worker)",
    "outbound_stalled": "messages due for OUTBOUND_STALE_MINUTES are not sent (journalctl -u tangguh-worker)",
    "backup_failed": "the last backup failed (journalctl -u tangguh-backup)",
    "backup_stale": "no good backup for BACKUP_MAX_AGE_HOURS (systemctl list-timers tangguh-backup)",
    "backup_readable": "a backup file is readable by others on the server (chmod 600 in BACKUP_DIR; UMask=0077)",
    "offsite_failed": "the last off-site copy of the backups failed (journalctl -u tangguh-backup)",
    "proxy_untrusted": "forwarded headers arrive while TRUSTED_PROXY_COUNT=0: every visitor looks like the proxy",
}
NOTED = {"gateway_offline"}


def check_health(base: str) -> list[Check]:
    """One check for /healthz answering, then one failed check per reason it gives."""
    try:
        response = requests.get(f"{base}/healthz", timeout=TIMEOUT)
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        return [Check("health", False, f"/healthz did not answer: {exc.__class__.__name__}")]
    status, reasons = body.get("status"), body.get("reasons") or []
    if status not in ("ok", "degraded") or response.status_code != 200:
        detail = f"/healthz answered {response.status_code} {status}"
        return [Check("health", False, detail)] + [Check(f"health {r}", False, REASONS.get(r, r)) for r in reasons]
    offline = (body.get("gateways") or {}).get("offline") or 0
    age = (body.get("backup") or {}).get("age_hours")
    notes = [f"{offline} Android gateway phone(s) offline"] if offline else []
    notes += [f"last good backup {age} h ago"] if age is not None else []
    checks = [Check("health", True, f"{status}{': ' if notes else ''}{'; '.join(notes)}")]
    return checks + [Check(f"health {r}", False, REASONS.get(r, r)) for r in reasons if r not in NOTED]


def check_https(base: str, http_port: int | None = None) -> list[Check]:
    """Plain HTTP is redirected to HTTPS, and HTTPS sends Strict-Transport-Security. Plain HTTP is asked on
    ``http_port``: port 80 unless told, whatever the HTTPS port (Caddy redirects from its http_port, 80)."""
    parts = urlsplit(base)
    if parts.scheme != "https":
        return [Check("https", False, f"{base} is not an https address")]
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = http_port or 80
    plain = urlunsplit(("http", host + ("" if port == 80 else f":{port}"), "/login", "", ""))
    checks = []
    try:
        response = requests.get(plain, allow_redirects=False, timeout=TIMEOUT)
        location = response.headers.get("Location", "")
        redirected = response.status_code in (301, 302, 307, 308) and location.startswith("https://")
        checks.append(Check("https redirect", redirected, f"{plain} → {response.status_code} {location or ''}"))
    except requests.RequestException as exc:
        checks.append(Check("https redirect", False, f"{plain} did not answer: {exc.__class__.__name__}"))
    try:
        hsts = requests.get(f"{base}/login", timeout=TIMEOUT).headers.get("Strict-Transport-Security", "")
        checks.append(Check("hsts", bool(hsts), hsts or "no Strict-Transport-Security header"))
    except requests.RequestException as exc:
        checks.append(Check("hsts", False, f"{base}/login did not answer: {exc.__class__.__name__}"))
    return checks


def check_signatures(base: str) -> list[Check]:
    """Unsigned webhook requests must be refused before anything is stored."""
    checks = []
    for path, expected, kwargs in (
        ("/sms/android", 401, {"json": {"event": "sms:received", "deviceId": "check", "id": "check"}}),
        ("/sms/twilio", 403, {"data": {"MessageSid": "SMcheck", "From": "+6281200000000", "To": "+6281100000000"}}),
    ):
        try:
            status = requests.post(f"{base}{path}", timeout=TIMEOUT, **kwargs).status_code
        except requests.RequestException as exc:
            checks.append(Check(f"signature {path}", False, f"did not answer: {exc.__class__.__name__}"))
            continue
        checks.append(Check(f"signature {path}", status == expected, f"unsigned request answered {status}"))
    return checks


def _session_cookie(response) -> str | None:
    for header in response.raw.headers.getlist("Set-Cookie"):
        if header.startswith("session="):
            return header
    return None


def check_cookie(base: str) -> Check:
    try:
        with requests.get(f"{base}/login", timeout=TIMEOUT, stream=True) as response:
            cookie = _session_cookie(response)
    except requests.RequestException as exc:
        return Check("session cookie", False, f"/login did not answer: {exc.__class__.__name__}")
    if cookie is None:
        return Check("session cookie", False, "/login set no session cookie")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    missing = [flag for flag in ("secure", "httponly") if flag not in flags]
    detail = f"missing {', '.join(missing)} (is TANGGUH_ENV=production?)" if missing else "Secure; HttpOnly"
    return Check("session cookie", not missing, detail)


def _forged(secret: str, marker: str) -> str:
    app = Flask("check")
    app.secret_key = secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    return serializer.dumps({"_flashes": [("message", marker)]})


def check_secret(base: str, candidates=PLACEHOLDERS) -> Check:
    """Sign a session with each placeholder secret; a server that shows its marker accepted the signature."""
    marker = "tangguh-check-" + secrets.token_hex(6)
    for candidate in candidates:
        try:
            page = requests.get(f"{base}/login", cookies={"session": _forged(candidate, marker)}, timeout=TIMEOUT)
        except requests.RequestException as exc:
            return Check("secret key", False, f"/login did not answer: {exc.__class__.__name__}")
        if marker in page.text:
            return Check("secret key", False, f"the server accepts sessions signed with {candidate!r}")
    return Check("secret key", True, f"none of {len(candidates)} placeholder secrets is accepted")


def check_headers(base: str) -> Check:
    try:
        headers = requests.get(f"{base}/login", timeout=TIMEOUT).headers
    except requests.RequestException as exc:
        return Check("security headers", False, f"/login did not answer: {exc.__class__.__name__}")
    missing = [name for name in ("Content-Security-Policy", "X-Content-Type-Options") if name not in headers]
    return Check("security headers", not missing, f"missing {', '.join(missing)}" if missing else "present")


def run(base: str, candidates=None, http_port: int | None = None) -> list[Check]:
    base = base.rstrip("/")
    checks = [*check_health(base), *check_https(base, http_port), *check_signatures(base), check_cookie(base)]
    checks.append(check_secret(base) if candidates is None else check_secret(base, candidates))
    checks.append(check_headers(base))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a deployed Tangguh instance.")
    parser.add_argument("url", help="The public address, e.g. https://tangguh.example.go.id")
    parser.add_argument("--http-port", type=int, help="Where plain HTTP is redirected from (default 80).")
    args = parser.parse_args(argv)
    checks = run(args.url, http_port=args.http_port)
    for check in checks:
        print(check.line())
    failed = [c for c in checks if not c.ok]
    print(f"{len(checks) - len(failed)} of {len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
