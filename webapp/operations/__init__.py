"""Running the server: what the operator relies on. ``backup`` (backups and restores), ``health`` (``/healthz``:
what works and what does not), ``state`` (what the worker, the backups and the helper services last did)."""
