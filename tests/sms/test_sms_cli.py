import json
import subprocess
import sys


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "sms", *args], input=stdin, capture_output=True, text=True, timeout=60)


def test_parse_one_message():
    result = run("parse", "--kecamatan", "35.14.19", "banjir di sumberejo 12 rmh terendam")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "command": "lapor",
        "hazard": "banjir",
        "desa_code": "35.14.19.2008",
        "counts": {"rumah_terendam": 12},
        "ticket": None,
        "needs": [],
    }


def test_parse_lines_from_stdin():
    result = run("parse", "--kecamatan", "63.11.05", stdin="banjir di lajar\n\nCEK K7M3P\nkebakaran lahan di kusambi\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(x["command"], x["hazard"], x["desa_code"], x["ticket"]) for x in lines] == [
        ("lapor", "banjir", "63.11.05.2008", None),
        ("cek", None, None, "K7M3P"),
        ("lapor", "karhutla", None, None),  # Kusambi Hulu or Hilir: not guessed
    ]


def test_unknown_kecamatan_is_exit_code_2():
    for code in ("99.99.99", "35.14", "winongan"):
        result = run("parse", "--kecamatan", code, "banjir")
        assert result.returncode == 2
        assert "unknown kecamatan code" in result.stderr
        assert result.stdout == ""


def test_missing_arguments_are_exit_code_2():
    assert run("parse", "banjir").returncode == 2
    assert run().returncode == 2


def test_sms_package_is_pure_no_flask_no_database_no_network_clients():
    code = (
        "import sys, pkgutil, importlib, sms;"
        "[importlib.import_module('sms.' + m.name) for m in pkgutil.iter_modules(sms.__path__)];"
        "banned = ('flask', 'werkzeug', 'sqlalchemy', 'webapp', 'requests', 'twilio', 'android_sms_gateway', 'httpx');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in banned))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
