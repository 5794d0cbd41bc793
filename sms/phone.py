"""Indonesian phone numbers: normalise what villagers and gateways send to E.164, and mask for display."""

from __future__ import annotations

import re

import phonenumbers

_PREFIXES = re.compile(r"^\s*(whatsapp|sms|tel)\s*:\s*", re.IGNORECASE)


class InvalidPhone(ValueError):
    """The text is not a phone number that can receive SMS."""


def normalize_phone(raw: str, region: str = "ID") -> str:
    """Return ``raw`` as E.164 (``+6281234567890``).

    Accepts the forms that arrive in practice: ``0812…``, ``62812…``, ``+62 812-…``, with spaces,
    dashes, dots or brackets, and the ``whatsapp:`` prefix that Twilio puts on WhatsApp senders.
    Numbers without a country code are read as Indonesian. Raises :class:`InvalidPhone` for
    anything that is not a valid number.
    """
    if not isinstance(raw, str):
        raise InvalidPhone("not text")
    text = _PREFIXES.sub("", raw).strip()
    digits = re.sub(r"[\s\-.()/]", "", text)
    if not re.fullmatch(r"\+?\d{6,16}", digits):
        raise InvalidPhone(f"not a phone number: {raw!r}")
    if digits.startswith("62") and not digits.startswith("+"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"not a valid number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """Hide the middle of a number for people who may not see it whole: ``+62812****7890``."""
    if not e164:
        return ""
    if len(e164) <= 8:
        return e164[:2] + "*" * (len(e164) - 2)
    return e164[:6] + "*" * (len(e164) - 10) + e164[-4:]
