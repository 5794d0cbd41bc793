"""The off-site copy with real rsync: every backup arrives 0600 in a 0700 directory, a second run copies
nothing, nothing is ever deleted or overwritten on the receiving side, a push through ssh reaches a receiving
side restricted by rrsync as docs/deploy.md sets it up, and a target that cannot be reached says why."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import sys

import pytest

from webapp.operations.backup import BackupError
from webapp.operations.offsite import copy_offsite, is_remote, ssh_command

BACKUPS = ("tangguh-20261101T193000Z.dump", "tangguh-20261102T193000Z.dump", "tangguh-20261103T193000Z.sqlite3.gz")
# The line docs/deploy.md puts in the receiving machine's authorized_keys, without the key itself.
RESTRICTED = ["-wo", "-no-del", "-no-overwrite"]

pytestmark = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (apt install rsync)")


@pytest.fixture
def backup_dir(tmp_path):
    directory = tmp_path / "backups"
    directory.mkdir()
    for name in BACKUPS:
        (directory / name).write_bytes(name.encode() * 100)
        (directory / name).chmod(0o644)  # even a readable backup must arrive readable by its owner alone
    (directory / ".tangguh-20261104T193000Z.dump.partial").write_bytes(b"half")  # a backup being written
    (directory / "notes.txt").write_text("not a backup")
    return directory


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_local_target_gets_every_backup_0600_and_a_second_run_copies_nothing(backup_dir, tmp_path):
    target = tmp_path / "offsite"
    line = copy_offsite(backup_dir, str(target))
    assert line == f"{target}: 3 of 3 backups copied, the newest {BACKUPS[-1]}"
    assert sorted(p.name for p in target.iterdir()) == sorted(BACKUPS)  # not the partial one, not the notes
    assert mode(target) == 0o700 and all(mode(target / name) == 0o600 for name in BACKUPS)
    assert all((target / name).read_bytes() == (backup_dir / name).read_bytes() for name in BACKUPS)

    assert copy_offsite(backup_dir, str(target)) == f"{target}: nothing new (3 backups already there)"


def test_the_receiving_side_keeps_what_the_server_lost_or_changed(backup_dir, tmp_path):
    target = tmp_path / "offsite"
    copy_offsite(backup_dir, str(target))
    (backup_dir / BACKUPS[0]).unlink()  # pruned by BACKUP_KEEP, or a wiped server
    (backup_dir / BACKUPS[1]).write_bytes(b"damaged")
    (backup_dir / "tangguh-20261104T193000Z.dump").write_bytes(b"new")

    assert "1 of 3 backups copied" in copy_offsite(backup_dir, str(target))
    assert (target / BACKUPS[0]).exists()
    assert (target / BACKUPS[1]).read_bytes() == BACKUPS[1].encode() * 100
    assert (target / "tangguh-20261104T193000Z.dump").read_bytes() == b"new"


def test_a_target_under_a_missing_parent_fails_with_rsyncs_reason(backup_dir, tmp_path):
    with pytest.raises(BackupError, match=r"rsync to .* failed: .*mkdir .*No such file or directory"):
        copy_offsite(backup_dir, str(tmp_path / "missing" / "deeper" / "offsite"))


def test_an_empty_backup_directory_is_an_error_not_a_silent_success(tmp_path):
    with pytest.raises(BackupError, match="no backups in"):
        copy_offsite(tmp_path, str(tmp_path / "offsite"))


def test_an_ssh_target_nobody_answers_fails_without_asking(backup_dir, tmp_path):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 22)) == 0:
            pytest.skip("something listens on 127.0.0.1:22; this test needs a closed port")
    with pytest.raises(BackupError, match=r"rsync to tangguh@127\.0\.0\.1:backups failed: .*(refused|closed)"):
        copy_offsite(backup_dir, "tangguh@127.0.0.1:backups", str(tmp_path / "key"), str(tmp_path / "known_hosts"))


@pytest.fixture
def fake_ssh(tmp_path, monkeypatch):
    """An ``ssh`` first on PATH that records its arguments and plays the receiving machine: it runs rrsync
    with the restrictions of docs/deploy.md's authorized_keys line, as sshd would for that key."""
    rrsync = shutil.which("rrsync")
    if rrsync is None:
        pytest.skip("rrsync is not installed (Debian's rsync package ships it)")
    receiving, bin_dir, log = tmp_path / "receiving", tmp_path / "bin", tmp_path / "ssh.log"
    receiving.mkdir()
    bin_dir.mkdir()
    script = bin_dir / "ssh"
    script.write_text(f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
with open({str(log)!r}, "a") as out:
    out.write(json.dumps(args) + "\\n")
i = 0
while args[i].startswith("-"):
    i += 2 if args[i] in ("-i", "-o", "-l", "-p", "-F") else 1
os.environ["SSH_ORIGINAL_COMMAND"] = " ".join(args[i + 1:])
os.execv({rrsync!r}, [{rrsync!r}, *{RESTRICTED!r}, {str(receiving)!r}])
""")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return receiving, log


def test_a_push_over_ssh_reaches_a_receiving_side_restricted_to_writing(backup_dir, tmp_path, fake_ssh):
    receiving, log = fake_ssh
    key, known_hosts = tmp_path / "offsite_ed25519", tmp_path / "offsite_known_hosts"
    target = "tangguh@backup.example.go.id:/"
    assert "3 of 3 backups copied" in copy_offsite(backup_dir, target, str(key), str(known_hosts))
    assert sorted(p.name for p in receiving.iterdir()) == sorted(BACKUPS)
    assert all(mode(receiving / name) == 0o600 for name in BACKUPS)

    args = json.loads(log.read_text().splitlines()[0])
    options = {args[i + 1] for i, arg in enumerate(args) if arg == "-o"}
    assert {"BatchMode=yes", "IdentitiesOnly=yes", "StrictHostKeyChecking=yes"} <= options
    assert f"UserKnownHostsFile={known_hosts}" in options
    assert args[args.index("-i") + 1] == str(key) and "backup.example.go.id" in args

    (backup_dir / BACKUPS[0]).unlink()
    assert "nothing new" in copy_offsite(backup_dir, target, str(key), str(known_hosts))
    assert (receiving / BACKUPS[0]).exists()


def test_targets_are_read_as_rsync_reads_them():
    assert is_remote("tangguh@backup.example.go.id:/") and is_remote("nas:backups/tangguh")
    assert not is_remote("/srv/backups/tangguh") and not is_remote("/mnt/usb:1/tangguh")
    assert "'/etc/tangguh/off site key'" in ssh_command("/etc/tangguh/off site key")  # rsync splits -e on spaces
