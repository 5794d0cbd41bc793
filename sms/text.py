"""Normalising villagers' SMS: case, accents, SMS shorthand, numbers written as digits or words."""

from __future__ import annotations

import re
import unicodedata

# The structure of Indonesian numbers, which every language's number words are read with ("dua ratus lima
# puluh", "telu puluh"); the number words themselves are in each language's file (sms/languages).
_MULTIPLIERS = {"puluh": 10, "ratus": 100}
STRUCTURE_WORDS = frozenset({"puluh", "ratus", "belas", "ribu"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def fold(text: str) -> str:
    """Lowercase, compatibility-normalise and strip accents: ``Désa  SUMBER–REJO`` → ``desa  sumber-rejo``."""
    text = unicodedata.normalize("NFKD", text)
    # Accents are among the characters outside ASCII: only those are looked at one by one.
    text = _NON_ASCII.sub(lambda m: "".join(ch for ch in m.group() if not unicodedata.combining(ch)), text)
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u2018", "'")
    # Apostrophes mark a glottal stop inside Madurese, Bugis and Makassar words (dhuwa', se'di): one word.
    text = re.sub(r"(?<=[A-Za-z])'", "", text)
    return text.lower()


def words_to_number(words: list[str], numbers: dict[str, int]) -> int | None:
    """``["dua", "ratus", "lima", "puluh"]`` → 250 with ``numbers`` (word → value, from the languages' files), and
    digits among the words (``["3", "ratus"]`` → 300, ``["2", "ribu", "500"]`` → 2500); None when the words are not
    one number."""
    if not words or words[0] in STRUCTURE_WORDS or words == ["se"]:
        return None
    # ``total``: the thousands; ``group``: the hundreds and tens below them; ``digits``: the words since the last
    # "puluh" or "ratus", which that word multiplies ("dua ratus lima puluh": 200, then 5 × 10).
    total = group = digits = 0
    for word in words:
        value = numbers.get(word)
        if value is None and word[:1].isdigit():
            value = digits_to_number(word)
        if value is not None and value >= 1000:  # "seribu"
            total += value
        elif value is not None and value >= 100:  # "seratus", "satus"
            group += value
        elif value is not None:
            digits += value
        elif word == "belas":
            digits += 10
        elif word in _MULTIPLIERS:
            group += (digits or 1) * _MULTIPLIERS[word]
            digits = 0
        elif word == "ribu":
            total += (group + digits or 1) * 1000
            group = digits = 0
        else:
            return None
    return total + group + digits


_DIGITS = re.compile(r"^\d{1,3}(?:\.\d{3})+$|^\d+$")
# No count of people or houses has more digits (Indonesia has 280 million people); a longer run is an id or noise,
# and converting thousands of digits is slow, then refused (Python's int limit of 4 300 digits).
MAX_DIGITS = 9


def digits_to_number(token: str) -> int | None:
    """``12`` → 12, ``1.200`` → 1200 (Indonesian thousands); None for anything else, and for more than
    ``MAX_DIGITS`` digits."""
    if token[:1].isdigit() and len(token) <= MAX_DIGITS + MAX_DIGITS // 3 and _DIGITS.match(token):
        digits = token.replace(".", "")
        if len(digits) <= MAX_DIGITS:
            return int(digits)
    return None


def expand(token: str, abbreviations: dict[str, str]) -> str:
    """The full word for an SMS abbreviation, or the token itself."""
    return abbreviations.get(token, token)
