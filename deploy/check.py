"""Check a deployed Tangguh from outside, as an attacker or a phone would see it:

    .venv/bin/python deploy/check.py https://tangguh.example.go.id

- ``/healthz`` answers (``ok``; ``degraded`` names the kecamatan whose Android gateway is offline, or says since
  when no worker has sent);
- plain HTTP is redirected to HTTPS, and HTTPS sends Strict-Transport-Security;
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


def check_health(base: str) -> Check:
    try:
        response = requests.get(f"{base}/healthz", timeout=TIMEOUT)
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        return Check("health", False, f"/healthz did not answer: {exc.__class__.__name__}")
    status = body.get("status")
    if response.status_code != 200 or status not in ("ok", "degraded"):
        return Check("health", False, f"/healthz answered {response.status_code} {status}")
    offline = body.get("gateways", {}).get("offline") or 0
    stalled = (body.get("outbound") or {}).get("stalled_since")
    problems = [f"{offline} Android gateway phone(s) offline"] if offline else []
    problems += [f"no worker has sent since {stalled}"] if stalled else []
    return Check("health", True, "degraded: " + "; ".join(problems) if problems else "ok")


def check_https(base: str) -> list[Check]:
    parts = urlsplit(base)
    if parts.scheme != "https":
        return [Check("https", False, f"{base} is not an https address")]
    plain = urlunsplit(("http", parts.hostname + (f":{parts.port}" if parts.port else ""), "/login", "", ""))
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


def run(base: str, candidates=None) -> list[Check]:
    base = base.rstrip("/")
    checks = [check_health(base), *check_https(base), *check_signatures(base), check_cookie(base)]
    checks.append(check_secret(base) if candidates is None else check_secret(base, candidates))
    checks.append(check_headers(base))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check a deployed Tangguh instance.")
    parser.add_argument("url", help="The public address, e.g. https://tangguh.example.go.id")
    args = parser.parse_args(argv)
    checks = run(args.url)
    for check in checks:
        print(check.line())
    failed = [c for c in checks if not c.ok]
    print(f"{len(checks) - len(failed)} of {len(checks)} checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
