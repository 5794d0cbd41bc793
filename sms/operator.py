"""Messages from the mobile operator to a gateway SIM itself: who sends them, and the credit they report.

Operators write to their subscribers from short codes ("3636", "888") and alphanumeric sender IDs ("TELKOMSEL",
"IM3", "by.U", "AXIS"): credit balances, the end of the active period, promos. None of these is a villager, so
none is a report; but a balance notice says how long the gateway can still send ("Sisa pulsa Rp2.000. Masa
aktif s.d 12/12/2026"), which is the gateway's health.

``operator_sender`` tells such a sender from a phone number and from garbage; ``read_credit`` reads the
balance and the active period out of the text (None for what it does not find: unknown is never 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_SHORT_CODE = re.compile(r"\d{3,6}")
# GSM alphanumeric sender IDs: at most 11 characters, letters, digits, spaces and a little punctuation.
_ALPHANUMERIC = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._&-]{0,10}")

_MONTHS = {
    "jan": 1, "januari": 1, "feb": 2, "februari": 2, "peb": 2, "mar": 3, "maret": 3, "apr": 4, "april": 4,
    "mei": 5, "may": 5, "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8, "agt": 8, "ags": 8, "agustus": 8,
    "aug": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oct": 10, "oktober": 10, "nov": 11,
    "nop": 11, "november": 11, "des": 12, "dec": 12, "desember": 12,
}  # fmt: skip
_AMOUNT = r"rp\.?\s*:?\s*(\d{1,3}(?:[., ]\d{3})+|\d+)(?![\d.,]*\s*(?:gb|mb|%))"
# "Sisa pulsa Anda Rp2.000", "Pulsa: Rp 2000", "pulsa utama Rp5.250", "saldo pulsa anda adalah Rp 10.000";
# not "isi pulsa Rp25.000 dapat bonus", "beli paket Rp10.000 pakai pulsa".
_CREDIT = re.compile(
    r"(?<!isi )(?<!beli )(?<!transfer )(?<!bonus )(?<!hadiah )"
    r"\b(?:sisa\s+)?(?:saldo\s+)?pulsa(?:\s+(?:utama|reguler|anda|kamu|anda\s+saat\s+ini))?\s*(?:adalah|sebesar|:|=)?\s*"
    + _AMOUNT
)
_GRACE = re.compile(r"\bmasa\s+tenggang\b")
_DATE_WORDS = r"(\d{1,2})\s*[-/. ]\s*(\d{1,2}|[a-z]{3,9})(?:\s*[-/. ]\s*(\d{2,4}))?"
# "aktif s.d 12/12/2026", "Masa aktif: 12-Des-2026", "berlaku hingga 12 Desember 2026", "aktif sd 12-12".
_ACTIVE = re.compile(
    r"\b(?:masa\s+)?(?:aktif|berlaku)\s*(?:kartu\s*)?(?:anda\s*)?(?:berakhir|habis)?\s*"
    r"(?:s\s*[./]\s*d\.?|sd|hingga|sampai(?:\s+dengan)?|"
    r"sampai\s+tgl|s/d)?\s*(?:tgl\.?|tanggal)?\s*:?\s*" + _DATE_WORDS
)


@dataclass(frozen=True)
class Credit:
    """What an operator's notice says: the balance in rupiah and the last active day, each None when unsaid;
    ``grace`` when the active period is over ("masa tenggang"): the SIM receives but can no longer send."""

    rupiah: int | None
    active_until: date | None
    grace: bool = False


def operator_sender(raw: str | None) -> str | None:
    """The sender as written when it is an operator's short code or alphanumeric ID, else None (a phone number,
    or text that is neither, which the webhook refuses)."""
    text = (raw or "").strip()
    if _SHORT_CODE.fullmatch(text):
        return text
    if _ALPHANUMERIC.fullmatch(text) and any(ch.isalpha() for ch in text):
        return text
    return None


def _amount(raw: str) -> int:
    return int(re.sub(r"[., ]", "", raw))


def _date(day: str, month: str, year: str | None, today: date) -> date | None:
    month_number = int(month) if month.isdigit() else _MONTHS.get(month)
    if month_number is None:
        return None
    try:
        if year is None:  # "aktif s.d. 12-12": the next such day
            found = date(today.year, month_number, int(day))
            return found if found >= today else date(today.year + 1, month_number, int(day))
        full = int(year) + (2000 if len(year) == 2 else 0)
        return date(full, month_number, int(day))
    except ValueError:
        return None


def read_credit(text: str, today: date) -> Credit | None:
    """The credit an operator's notice reports, or None when it reports none (a promo, a greeting)."""
    folded = " ".join((text or "").lower().split())[:1000]
    amount = _CREDIT.search(folded)
    active = _ACTIVE.search(folded)
    until = _date(*active.groups(), today) if active else None
    grace = bool(_GRACE.search(folded))
    if amount is None and until is None and not grace:
        return None
    return Credit(_amount(amount.group(1)) if amount else None, until, grace)
