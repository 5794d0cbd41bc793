"""The off-site copy: after each good backup, the backup files are pushed to another machine with rsync, so
that a lost VPS does not take its backups with it.

The server pushes; nobody logs in to it. The ``tangguh`` user holds a private key (``BACKUP_OFFSITE_KEY``) and
the receiving machine's ``authorized_keys`` lets that key do one thing, write new files into one directory:

    command="/usr/bin/rrsync -wo -no-del -no-overwrite /srv/backups/tangguh",restrict ssh-ed25519 AAAA… tangguh@vps

Nothing is ever deleted or overwritten on the receiving side (no ``--delete``; ``--ignore-existing``): a wiped
or broken-into server must not be able to wipe its off-site copies too. The receiving machine prunes its own.
Copies arrive ``0600`` in a ``0700`` directory, as the backups are on the server: they hold password hashes,
residents' numbers and gateway keys.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

from .backup import PATTERNS, BackupError, backups

IO_TIMEOUT = 600  # seconds rsync waits for data before it gives up (a network that stalls)
CONNECT_TIMEOUT = 30  # seconds ssh waits for the receiving machine


def is_remote(target: str) -> bool:
    """rsync's own rule: a colon before the first slash makes ``[user@]host:path``; anything else is a path."""
    return re.match(r"^[^/]*:", target) is not None


def ssh_command(key: str | None = None, known_hosts: str | None = None) -> str:
    """The ``-e`` command rsync runs: never asks (a timer has nobody to answer), offers only ``key``, and
    accepts only a receiving machine listed in ``known_hosts``."""
    parts = ["ssh", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", f"ConnectTimeout={CONNECT_TIMEOUT}"]
    if key:
        parts += ["-i", key, "-o", "IdentitiesOnly=yes"]
    if known_hosts:
        parts += ["-o", f"UserKnownHostsFile={known_hosts}"]
    return " ".join(shlex.quote(part) for part in parts)


def copy_offsite(directory: str | Path, target: str, key: str | None = None, known_hosts: str | None = None) -> str:
    """Copy the backup files in ``directory`` (``tangguh-*.dump``, ``tangguh-*.sqlite3.gz``) that ``target``
    does not hold yet; ``target`` is a local directory or ``[user@]host:path`` reached over ssh with ``key``
    and ``known_hosts``. Returns one line saying what was copied; raises ``BackupError`` with rsync's reason."""
    files = backups(directory)
    if not files:
        raise BackupError(f"no backups in {directory} to copy off-site")
    if shutil.which("rsync") is None:
        raise BackupError("rsync is not installed (Debian: apt install rsync)")
    # The directory itself is sent (its contents filtered to the backups) so that the target gets 0700 too;
    # half-written backups (.tangguh-….partial) and anything else stay behind. Times are kept (the receiving
    # side prunes by age), owners are not: the copies belong to whoever receives them.
    command = ["rsync", "--recursive", "--times", "--perms", "--chmod=D0700,F0600", "--ignore-existing",
               f"--timeout={IO_TIMEOUT}", "--out-format=%n",
               *(f"--include={pattern}" for pattern in PATTERNS), "--exclude=*"]  # fmt: skip
    if is_remote(target):
        command += ["-e", ssh_command(key, known_hosts)]
    destination = target if target.endswith(("/", ":")) else target + "/"
    done = subprocess.run([*command, "--", f"{directory}/", destination], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = " ".join(done.stderr.split())[-500:] or f"exit status {done.returncode}"
        raise BackupError(f"rsync to {target} failed: {reason}")
    names = {path.name for path in files}
    copied = [line for line in done.stdout.splitlines() if line.strip() in names]
    if not copied:
        return f"{target}: nothing new ({len(files)} backups already there)"
    return f"{target}: {len(copied)} of {len(files)} backups copied, the newest {copied[-1].strip()}"
