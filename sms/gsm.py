"""GSM 03.38: which texts fit the 7-bit alphabet, and how many SMS segments a text costs."""

from __future__ import annotations

from dataclasses import dataclass

# The basic character set (one septet each) and the extension table (escape + one septet: two each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

SINGLE_GSM7 = 160
MULTI_GSM7 = 153  # per segment once a user data header joins the parts
SINGLE_UCS2 = 70
MULTI_UCS2 = 67


@dataclass(frozen=True)
class Encoding:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character is in GSM 03.38 (basic or extension table)."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def encoding_of(text: str) -> Encoding:
    """The encoding a phone will use for ``text`` and how many segments it costs.

    One non-GSM character (an emoji, a curly quote) switches the whole message to UCS-2, where a
    segment holds 70 units instead of 160. Empty text is one segment.
    """
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
        single, multi, name = SINGLE_GSM7, MULTI_GSM7, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, name = SINGLE_UCS2, MULTI_UCS2, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return Encoding(name, units, segments)


def fits_one_segment(text: str) -> bool:
    """True when ``text`` goes as a single GSM-7 SMS."""
    info = encoding_of(text)
    return info.encoding == "GSM-7" and info.segments == 1


# Characters phones and word processors put in by themselves that each would switch a whole SMS to UCS-2
# (70 characters a segment instead of 160): their GSM-7 look-alikes.
PLAIN = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
        "\u2026": "...", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u00b7": ".", "\u2022": "-",
    }
)  # fmt: skip


def plain(text: str) -> str:
    """``text`` with curly quotes, dashes, ellipses and odd spaces made GSM-7; other characters (emoji) stay."""
    return text.translate(PLAIN)
