"""docs/deploy.md walked as far as this machine allows, without system packages or system users:

- the env file, as the guide fills it in, reads the same through systemd's EnvironmentFile= rules, bash's and
  dash's ``set -a; . file``: every key, MAIL_FROM with its spaces and <>, the VAPID key with its literal \\n;
- every unit, timer and ``deploy/…`` file the guide names exists, and every command of the guide is one this
  test runs or knows to be the machine's own (packages, users, systemctl, editors);
- the app's commands run in the guide's order through ``deploy/tangguh-flask`` with the filled-in env file
  (a scratch SQLite database, backups and off-site copies in a temporary directory): upgrade, regions,
  the first admin, the web unit's ExecStartPre, backups, restores, and the upgrade again;
- ``systemd-analyze security`` rates the units 4.5 or better, and ``systemd-analyze verify`` finds nothing but
  the missing /opt/tangguh binaries.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from webapp.config import from_environment

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
DEPLOY = ROOT / "deploy"
EXAMPLE = DEPLOY / "tangguh.env.example"
ENV_FILE = "/etc/tangguh/tangguh.env"
SERVICES = sorted(p.name for p in DEPLOY.glob("*.service"))

# First words of the guide's commands that change the machine itself (packages, users, the database server,
# systemd, editors, keys) or the receiving machine: not run here, and allowed as they are.
MACHINE = {"apt", "adduser", "timedatectl", "cd", "nano", "journalctl", "ssh-keygen", "ssh-keyscan", "chown",
           "chmod", "cat", "mkdir"}  # fmt: skip
# Through runuser: as postgres (the database server) or as tangguh but not the app (git, make, the check
# against the running instance).
RUNUSER_MACHINE = {"createuser", "createdb", "dropdb", "git", "make", "install", ".venv/bin/python"}


# -- the guide, read as a shell reads it ------------------------------------------------------------------------


def sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.S | re.M)


def commands(block: str) -> list[str]:
    """One string per command: continuation lines joined, a here-document kept with its command."""
    lines, out = block.splitlines(), []
    while lines:
        line = lines.pop(0)
        while line.endswith("\\"):
            line = line[:-1] + lines.pop(0)
        heredoc = re.search(r"<<'(\w+)'", line)
        if heredoc:
            body = []
            while (next_line := lines.pop(0)) != heredoc.group(1):
                body.append(next_line)
            line = "\n".join([line, *body, heredoc.group(1)])
        if line.strip():
            out.append(line)
    return out


def guide_commands() -> list[str]:
    return [command for block in sh_blocks(GUIDE.read_text()) for command in commands(block)]


def words(command: str) -> list[str]:
    return shlex.split(command.split("\n", 1)[0], comments=True)


def the_heredoc_filling_the_env_file() -> str:
    found = [c for c in guide_commands() if c.startswith(".venv/bin/python -") and ENV_FILE in c.split("\n")[0]]
    assert len(found) == 1, "the guide fills in the env file with one python here-document"
    return found[0]


# -- three readers of the env file -------------------------------------------------------------------------------


def systemd_environment_file(text: str) -> dict[str, str]:
    """EnvironmentFile= as systemd 252 reads it (src/basic/env-file.c, parse_env_file_internal and
    load_env_file_push): comments (# or ; first, continued by a trailing backslash), unquoted values with
    backslash escapes and trailing blanks dropped, '…' literal, "…" with \\" \\\\ \\` \\$ unescaped."""
    env: dict[str, str] = {}
    state, key, value, key_blank, value_blank = "pre_key", "", None, None, None

    def push():
        k = key[:key_blank] if key_blank is not None else key
        env[k] = value or ""

    for c in text:
        if state == "pre_key":
            if c in "#;":
                state = "comment"
            elif c not in " \t\n\r":
                state, key, key_blank = "key", c, None
        elif state == "key":
            if c in "\n\r":
                state, key = "pre_key", ""
            elif c == "=":
                state, value, value_blank = "pre_value", None, None
            else:
                key_blank = None if c not in " \t\n\r" else (key_blank if key_blank is not None else len(key))
                key += c
        elif state == "pre_value":
            if c in "\n\r":
                push()
                state, key, value = "pre_key", "", None
            elif c == "'":
                state, value = "single", value or ""
            elif c == '"':
                state, value = "double", value or ""
            elif c == "\\":
                state, value = "value_escape", value or ""
            elif c not in " \t\n\r":
                state, value = "value", (value or "") + c
        elif state == "value":
            if c in "\n\r":
                if value_blank is not None:
                    value = value[:value_blank]
                push()
                state, key, value = "pre_key", "", None
            elif c == "\\":
                state, value_blank = "value_escape", None
            else:
                value_blank = None if c not in " \t\n\r" else (value_blank if value_blank is not None else len(value))
                value += c
        elif state == "value_escape":
            state = "value"
            if c not in "\n\r":
                value += c
        elif state == "single":
            if c == "'":
                state = "pre_value"
            else:
                value += c
        elif state == "double":
            if c == '"':
                state = "pre_value"
            elif c == "\\":
                state = "double_escape"
            else:
                value += c
        elif state == "double_escape":
            state = "double"
            if c in '"\\`$':
                value += c
            elif c != "\n":
                value += "\\" + c
        elif state == "comment":
            if c == "\\":
                state = "comment_escape"
            elif c in "\n\r":
                state = "pre_key"
        elif state == "comment_escape":
            state = "comment"
    if state in ("pre_value", "value", "value_escape", "single", "double", "double_escape"):
        if state == "value" and value_blank is not None:
            value = value[:value_blank]
        push()
    return env


def shell_environment(shell: str, path: Path) -> dict[str, str]:
    """What ``set -a; . file`` exports in ``shell`` (bash or dash); any complaint fails."""
    done = subprocess.run(
        [shell, "-c", 'set -a; . "$1"; set +a; exec env -0', shell, str(path)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and not done.stderr, f"{shell}: {done.stderr}"
    return dict(entry.split("=", 1) for entry in done.stdout.split("\0") if entry)


def keys_of(text: str) -> list[str]:
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.M)


@pytest.fixture
def filled_env(tmp_path) -> Path:
    """The example copied to /etc/tangguh/tangguh.env and filled in by the guide's own here-document."""
    env = tmp_path / "tangguh.env"
    shutil.copy(EXAMPLE, env)
    command = the_heredoc_filling_the_env_file().replace(ENV_FILE, str(env))
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return env


def test_the_filled_env_file_reads_the_same_in_systemd_bash_and_dash(filled_env):
    text = filled_env.read_text()
    keys = keys_of(text)
    assert len(keys) == len(set(keys))
    assert {"MAIL_FROM", "VAPID_PRIVATE_KEY", "ON_DUTY_PHONES", "BACKUP_DIR", "BACKUP_OFFSITE_KEY"} <= set(keys)
    systemd = systemd_environment_file(text)
    readers = {"systemd": systemd, **{shell: shell_environment(shell, filled_env) for shell in ("bash", "dash")}}
    for name, env in readers.items():
        assert {key: env.get(key) for key in keys} == {key: systemd[key] for key in keys}, name

    assert systemd["MAIL_FROM"] == "Tangguh <tangguh@example.go.id>"
    assert systemd["BACKUP_DIR"] == "/var/backups/tangguh" and systemd["BACKUP_OFFSITE"] == ""
    vapid = systemd["VAPID_PRIVATE_KEY"]
    assert vapid.startswith("-----BEGIN PRIVATE KEY-----\\n") and "\n" not in vapid
    config = from_environment({**systemd, "DATABASE_URL": "sqlite://"})
    load_pem_private_key(config["VAPID_PRIVATE_KEY"].encode(), password=None)
    assert len(config["SECRET_KEY"]) >= 60

    command = the_heredoc_filling_the_env_file().replace(ENV_FILE, str(filled_env))
    again = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, check=False)
    assert again.returncode == 0 and filled_env.read_text() == text  # a second run keeps the keys it made


def test_the_example_as_shipped_reads_the_same_everywhere(tmp_path):
    keys = keys_of(EXAMPLE.read_text())
    systemd = systemd_environment_file(EXAMPLE.read_text())
    for shell in ("bash", "dash"):
        env = shell_environment(shell, EXAMPLE)
        assert {key: env.get(key) for key in keys} == {key: systemd[key] for key in keys}, shell


def test_the_systemd_reader_here_follows_systemd_s_rules():
    text = '# a \\\ncontinued comment\nA = x  \nB=\'a <b> \\n\'\nC="q \\" \\n \\$"\nD=un\\\\x\\ y\n;E=no\nF=\n'
    assert systemd_environment_file(text) == {"A": "x", "B": "a <b> \\n", "C": 'q " \\n $', "D": "un\\x y", "F": ""}


@pytest.mark.skipif(
    not Path("/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator").exists(),
    reason="systemd's environment.d generator (its own env-file parser) is not installed",
)
def test_systemd_s_own_parser_agrees(filled_env, tmp_path):
    """environment.d files go through the same parser as EnvironmentFile= (empty values are skipped there)."""
    (tmp_path / "environment.d").mkdir()
    shutil.copy(filled_env, tmp_path / "environment.d" / "60-tangguh.conf")
    done = subprocess.run(
        ["/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"],
        env={"XDG_CONFIG_HOME": str(tmp_path), "XDG_CONFIG_DIRS": str(tmp_path / "none")},
        capture_output=True,
        text=True,
        check=True,
    )
    printed = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        printed[key] = value
    ours = systemd_environment_file(filled_env.read_text())
    assert {k: v for k, v in ours.items() if v} == {k: printed[k] for k, v in ours.items() if v}


# -- what the guide names exists, and every command is accounted for ---------------------------------------------


def test_every_unit_and_deploy_file_the_guide_names_exists():
    text = GUIDE.read_text()
    for path in set(re.findall(r"(?:(?<![\w./])|(?<=/opt/tangguh/))deploy/([\w@.-]+[\w@])", text)):
        assert (DEPLOY / path).exists(), f"docs/deploy.md names deploy/{path}"
    for unit in set(re.findall(r"\btangguh-[\w-]+@?\.(?:service|timer)\b", text)):
        assert (DEPLOY / unit).exists(), f"docs/deploy.md names {unit}"
    for command in guide_commands():
        argv = words(command)
        if argv[:1] == ["systemctl"]:
            for unit in (a for a in argv[1:] if a.startswith("tangguh-")):
                assert (DEPLOY / (unit if "." in unit else unit + ".service")).exists(), command
    for service in SERVICES:
        for target in re.findall(r"^OnFailure=(.*)$", (DEPLOY / service).read_text(), flags=re.M):
            assert (DEPLOY / re.sub(r"@.*\.service$", "@.service", target)).exists(), f"{service}: {target}"
    assert os.access(DEPLOY / "tangguh-flask", os.X_OK)


def classify(command: str) -> str:
    """``flask`` (run here), ``unit`` (systemctl starts a unit: its flask commands run here), ``env`` (the
    here-document filling the env file), ``copy`` (copies from deploy/), or ``machine`` (not run here)."""
    argv = words(command)
    first = argv[0] if argv else ""
    if first == "tangguh-flask":
        return "flask"
    if first == "systemctl":
        starts = argv[1] in ("start", "restart") or (argv[1] == "enable" and "--now" in argv)
        return "unit" if starts else "machine"
    if first == ".venv/bin/python" and ENV_FILE in argv:
        return "env"
    if first in ("cp", "install", "ln", "[") or (first == "mkdir" and "deploy/" in command):
        return "copy"
    if first == "runuser" and argv[1:2] == ["-u"] and argv[3:4] == ["--"] and argv[4] in RUNUSER_MACHINE:
        return "machine"
    if first in MACHINE or re.match(r"^[a-z_]+=", first):  # a shell variable: repo=…
        return "machine"
    raise AssertionError(f"docs/deploy.md runs {command!r}: teach tests/deploy/test_guide.py what it is")


def test_every_command_of_the_guide_is_one_the_walk_knows():
    kinds = [classify(command) for command in guide_commands()]
    assert kinds.count("flask") >= 5 and kinds.count("unit") >= 4 and kinds.count("env") == 1


# -- the walk -----------------------------------------------------------------------------------------------------


def unit_commands(unit: str) -> list[list[str]]:
    """The flask commands a unit runs when it starts (those of the units it requires first, then ExecStartPre=
    and ExecStart=), as argv after ``flask --app webapp.cli``; gunicorn and the worker's loop are not run here."""
    text = (DEPLOY / unit).read_text()
    out = []
    for required in re.findall(r"^Requires=(.*)$", text, flags=re.M):  # started first (they are also After=)
        for name in required.split():
            out += unit_commands(name)
    for line in re.findall(r"^ExecStart(?:Pre)?=(.*)$", text, flags=re.M):
        argv = shlex.split(line)
        if argv[:3] == ["/opt/tangguh/.venv/bin/flask", "--app", "webapp.cli"] and argv[3:5] != ["sms", "worker"]:
            out.append(argv[3:])
    return out


@pytest.fixture
def walk_env(filled_env, tmp_path) -> dict[str, str]:
    """The operator's edits of step 4 (nano), pointed at this machine, and a stand-in for runuser."""
    database, backups, offsite = tmp_path / "tangguh.sqlite3", tmp_path / "backups", tmp_path / "offsite"
    backups.mkdir(mode=0o700)
    edits = {"DATABASE_URL": f"sqlite:///{database}", "BACKUP_DIR": str(backups), "BACKUP_OFFSITE": str(offsite),
             "RATELIMIT_STORAGE_URI": "memory://"}  # fmt: skip
    lines = filled_env.read_text().splitlines()
    filled_env.write_text(
        "".join(f"{k}={edits[k]}\n" if (k := line.split("=")[0]) in edits else line + "\n" for line in lines)
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "runuser").write_text(
        '#!/bin/sh\n[ "$1 $2 $3" = "-u tangguh --" ] || { echo "runuser $*" >&2; exit 99; }\nshift 3\nexec "$@"\n'
    )
    (bin_dir / "runuser").chmod(0o755)
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(tmp_path),
        "TANGGUH_HOME": str(ROOT),
        "TANGGUH_ENV_FILE": str(filled_env),
        "TANGGUH_PASSWORD": "kata-sandi-panjang-untuk-uji-panduan",
        "database": str(database),
        "backups": str(backups),
        "offsite": str(offsite),
    }


def tangguh_flask(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run([str(DEPLOY / "tangguh-flask"), *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"tangguh-flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.slow
def test_the_guide_s_commands_run_in_order(walk_env):
    backups, ran = Path(walk_env["backups"]), []
    for command in guide_commands():
        kind, argv = classify(command), words(command)
        if kind == "flask":
            args = argv[argv.index("tangguh-flask") + 1 :]
            if args[0] == "restore":
                assert args[1].startswith("/var/backups/tangguh/tangguh-")
                args[1] = str(sorted(backups.glob("tangguh-*"))[-1])  # the newest backup the walk made
            tangguh_flask(args, walk_env)
            ran.append(args[0] if args[0] != "regions" else "regions load")
        elif kind == "unit":
            for unit in (a for a in argv[2:] if a.startswith("tangguh-") and not a.endswith(".timer")):
                for args in unit_commands(unit if "." in unit else unit + ".service"):
                    tangguh_flask(args, walk_env)
                    ran.append(args[0])

    assert ran[:4] == ["upgrade", "regions load", "users", "upgrade"]
    assert {"backup", "restore"} <= set(ran) and ran[-1] == "upgrade"
    with sqlite3.connect(walk_env["database"]) as db:
        assert db.execute("SELECT role FROM user WHERE email = 'admin@example.go.id'").fetchone() == ("admin",)
        assert db.execute("SELECT count(*) FROM region WHERE code LIKE '35.14.%'").fetchone()[0] > 0
    made = sorted(backups.glob("tangguh-*"))
    assert made and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in made)
    copies = sorted(Path(walk_env["offsite"]).glob("tangguh-*"))
    assert [p.name for p in copies] == [p.name for p in made]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in copies)


# -- the units, as systemd judges them ---------------------------------------------------------------------------

analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")


@analyze
@pytest.mark.parametrize("unit", SERVICES)
def test_each_unit_is_sandboxed_to_4_5_or_better(unit):
    done = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(DEPLOY / unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    level = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", done.stdout + done.stderr)
    assert level, done.stdout + done.stderr
    assert float(level.group(1)) <= 4.5, done.stdout
    assert re.search(r"^UMask=0077$", (DEPLOY / unit).read_text(), flags=re.M)  # backups and files: 0600


@analyze
def test_systemd_finds_nothing_wrong_but_the_binaries_this_machine_lacks():
    units = [str(DEPLOY / name) for name in (*SERVICES, *sorted(p.name for p in DEPLOY.glob("*.timer")))]
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, check=False)
    missing = re.compile(r"^\S+: Command /opt/tangguh/\.venv/bin/(flask|gunicorn) is not executable: No such file")
    problems = [line for line in (done.stdout + done.stderr).splitlines() if line and not missing.match(line)]
    assert not problems, "\n".join(problems)


def test_the_units_run_what_the_guide_says():
    assert unit_commands("tangguh-upgrade.service") == [["upgrade"]]
    assert unit_commands("tangguh-web.service") == [["upgrade"]]  # required: old code never starts on a newer schema
    assert unit_commands("tangguh-worker.service") == [["upgrade"]]
    assert unit_commands("tangguh-backup.service") == [["backup"]]
    assert unit_commands("tangguh-alert@.service") == [["ops", "alert-failed", "%i"]]
    upgrade = (DEPLOY / "tangguh-upgrade.service").read_text()
    assert "Type=oneshot" in upgrade and "Restart=" not in upgrade  # a refused upgrade is not retried in a loop
    assert "ReadWritePaths=/opt/tangguh/instance /var/backups/tangguh" in upgrade
    for service in SERVICES:
        if service != "tangguh-alert@.service":
            assert "OnFailure=tangguh-alert@%n.service" in (DEPLOY / service).read_text(), service
