"""Normalising villagers' SMS: case, accents, SMS shorthand, numbers written as digits or words."""

from __future__ import annotations

import re
import unicodedata

# SMS shorthand → the word it stands for (DOMAIN.md, plus what villagers type daily).
ABBREVIATIONS = {
    "yg": "yang",
    "dgn": "dengan",
    "dg": "dengan",
    "rmh": "rumah",
    "rmah": "rumah",
    "rumh": "rumah",
    "jln": "jalan",
    "jl": "jalan",
    "org": "orang",
    "orng": "orang",
    "sdh": "sudah",
    "udh": "sudah",
    "blm": "belum",
    "tlg": "tolong",
    "tlng": "tolong",
    "ds": "desa",
    "dsa": "desa",
    "dsn": "dusun",
    "kec": "kecamatan",
    "kab": "kabupaten",
    "kel": "kelurahan",
    "kpl": "kepala",
    "krn": "karena",
    "karna": "karena",
    "utk": "untuk",
    "tdk": "tidak",
    "gak": "tidak",
    "ga": "tidak",
    "ngga": "tidak",
    "sktr": "sekitar",
    "skitar": "sekitar",
    "kurleb": "sekitar",
    "kira2": "sekitar",
    "lbh": "lebih",
    "sngai": "sungai",
    "sei": "sungai",
    "sng": "sungai",
    "kdl": "kidul",
    "sltn": "selatan",
    "sel": "selatan",
    "kdg": "kedung",
    "krg": "karang",
    "smbr": "sumber",
    "tj": "tanjung",
    "jwa": "jiwa",
    "jw": "jiwa",
    "pddk": "penduduk",
    "wrg": "warga",
    "mgl": "meninggal",
    "md": "meninggal",
    "hlg": "hilang",
    "lk": "luka",
    "mengungsi2": "mengungsi",
    "trendam": "terendam",
    "trndam": "terendam",
    "tergenang": "tergenang",
    "bnyk": "banyak",
    "sj": "saja",
    "aja": "saja",
    "skrg": "sekarang",
    "skrng": "sekarang",
}

_UNITS = {
    "nol": 0,
    "satu": 1,
    "se": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    # Javanese (Pasuruan)
    "siji": 1,
    "loro": 2,
    "telu": 3,
    "papat": 4,
    "limo": 5,
    "enem": 6,
    "pitu": 7,
    "wolu": 8,
    "songo": 9,
}
_WHOLE = {"sepuluh": 10, "sebelas": 11, "seratus": 100, "seribu": 1000, "selawe": 25, "seket": 50, "satus": 100}
_MULTIPLIERS = {"puluh": 10, "ratus": 100}
NUMBER_WORDS = frozenset(_UNITS) | frozenset(_WHOLE) | frozenset(_MULTIPLIERS) | {"belas", "ribu"}


def fold(text: str) -> str:
    """Lowercase, compatibility-normalise and strip accents: ``Désa  SUMBER–REJO`` → ``desa  sumber-rejo``."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u2018", "'")
    return text.lower()


def words_to_number(words: list[str]) -> int | None:
    """``["dua", "ratus", "lima", "puluh"]`` → 250; None when the words are not one number."""
    if not words or words[0] in ("puluh", "ratus", "ribu", "belas") or words == ["se"]:
        return None
    total = current = 0
    for word in words:
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _WHOLE:
            current += _WHOLE[word]
        elif word == "belas":
            current += 10
        elif word in _MULTIPLIERS:
            current = (current or 1) * _MULTIPLIERS[word]
        elif word == "ribu":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
    return total + current


_DIGITS = re.compile(r"^\d{1,3}(?:\.\d{3})+$|^\d+$")


def digits_to_number(token: str) -> int | None:
    """``12`` → 12, ``1.200`` → 1200 (Indonesian thousands); None for anything else."""
    if _DIGITS.match(token):
        return int(token.replace(".", ""))
    return None


def expand(token: str) -> str:
    """The full word for an SMS abbreviation, or the token itself."""
    return ABBREVIATIONS.get(token, token)
