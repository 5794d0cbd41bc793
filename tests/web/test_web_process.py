"""What a web process loads (issue 30): serving pages and webhooks needs neither an HTTP client library nor a
cryptography library; those stay with the worker and the command line, and each gunicorn worker is lighter by
the 14 MB they cost."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER_ONLY = ("requests", "urllib3", "cryptography", "twilio.rest", "pywebpush", "aiohttp", "flask_migrate", "alembic")

PROGRAM = """
import json, sys
from webapp import create_app
app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "VAPID_PRIVATE_KEY": sys.argv[1]})
client = app.test_client()
assert client.get("/healthz").status_code in (200, 503)
print(json.dumps({"modules": sorted(sys.modules), "vapid": app.config["VAPID_PUBLIC_KEY"]}))
"""


def test_the_web_app_serves_without_the_libraries_only_the_worker_needs(app):
    """Started as gunicorn starts it, the web app imports none of them, yet still hands browsers the push key."""
    pem = app.config["VAPID_PRIVATE_KEY"]
    out = subprocess.run([sys.executable, "-c", PROGRAM, pem], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.splitlines()[-1])
    assert [name for name in WORKER_ONLY if name in loaded["modules"]] == []
    assert loaded["vapid"] == app.config["VAPID_PUBLIC_KEY"] != ""
