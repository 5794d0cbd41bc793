"""Ticket codes villagers can read aloud and type on a keypad: no look-alikes (0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G)."""

from __future__ import annotations

import re
import secrets

ALPHABET = "ACEFHJKMNPRTUVWXY3479"
LENGTH = 5  # 21**5 = 4 084 101 codes
TICKET = re.compile(rf"^[{ALPHABET}]{{4,6}}$")


def new_ticket(length: int = LENGTH) -> str:
    """A random ticket code; uniqueness is the database's job (a unique constraint, retried on collision)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def clean_ticket(text: str) -> str | None:
    """The ticket code in ``text`` as typed by a person (any case, stray punctuation), or None."""
    code = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    return code if TICKET.match(code) else None
