"""The audit log: every administrative action (accounts, receiving numbers, signing keys, agencies, restores),
with who did it and when. Append-only; admins read it at ``/pengaturan/audit``.

``record`` adds the entry to the session: the caller commits it with the change it describes, so an entry
exists exactly when its change does. Never a password, key or token in ``data``; only that one was set.
"""

from __future__ import annotations

from .extensions import db
from .models import AuditEntry, User

ACTIONS = (
    "account_created",
    "password_reset",
    "account_deactivated",
    "account_activated",
    "api_token_issued",
    "number_added",
    "number_changed",
    "number_removed",
    "key_rotated",
    "gateway_test",
    "agency_added",
    "agency_changed",
    "agency_deactivated",
    "agency_activated",
    "agency_member_added",
    "agency_member_removed",
    "database_restored",
    "region_position",
    "broadcast_published",
    "broadcast_withdrawn",
    "desa_info_changed",
)


def record(actor: User | None, action: str, target: str, region_code: str | None = None, **data) -> AuditEntry:
    """One entry (``actor`` None: the command line); the caller commits."""
    if action not in ACTIONS:
        raise KeyError(f"unknown audit action {action!r}")
    entry = AuditEntry(actor_id=actor.id if actor is not None else None, action=action, target=target[:200],
                       region_code=region_code, data=data or None)  # fmt: skip
    db.session.add(entry)
    return entry
