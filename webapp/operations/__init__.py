"""Running the server: what the operator relies on. ``backup`` (backups and restores) and ``offsite`` (their
copy off the server), ``upgrade`` (a backup first, the migrations, the way back) and ``downgrades`` (refusing
what would lose data), ``health`` (``/healthz`` and the admin's view: what works and what does not), ``state``
(what the worker and the backups last did), ``jobs`` (what systemd starts) and ``alerts`` (telling the admins)."""
