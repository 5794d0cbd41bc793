"""Turning one villager's SMS into a command, a hazard, a desa and BNPB counts.

``parse`` never raises on any text: whatever it cannot understand it leaves as None, and the text is
kept whole so a person can read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import lexicon
from .desa import Gazetteer, _deletions
from .text import ABBREVIATIONS, NUMBER_WORDS, digits_to_number, expand, fold, words_to_number
from .tickets import clean_ticket

_KEYWORDS = {
    "lapor": "lapor", "lpr": "lapor", "laporan": "lapor", "lap": "lapor",
    "cek": "cek", "cik": "cek", "status": "cek", "check": "cek",
    "daftar": "daftar", "dftr": "daftar", "reg": "daftar", "registrasi": "daftar",
    "bantuan": "bantuan", "info": "bantuan", "help": "bantuan", "?": "bantuan", "format": "bantuan",
    "berhenti": "berhenti", "stop": "berhenti", "unreg": "berhenti", "keluar": "berhenti",
    "mulai": "mulai", "start": "mulai", "gabung": "mulai",
    # An agency's answer to a handover: TERIMA <tiket>, TANGANI <tiket>, SELESAI <tiket> <catatan>.
    "terima": "terima", "trima": "terima", "tangani": "tangani", "ditangani": "tangani", "selesai": "selesai",
}  # fmt: skip
AGENCY_COMMANDS = ("terima", "tangani", "selesai")
# Keywords that are commands only when the message is little more than the keyword ("info", "STOP").
_SHORT_ONLY = {"bantuan", "berhenti", "mulai"}

# Kemenkes Pusat Krisis coded form: (JB)Banjir, (LOK)ds Sumberrejo, (MGL)2, (HLG)1, (LB)3, (LR)5
_CODED_FIELD = re.compile(r"\(\s*([a-z]{2,4})\s*\)\s*([^(]*)")
_CODED_COUNTS = {"mgl": "meninggal", "hlg": "hilang", "lb": "luka", "lr": "luka", "pgs": "mengungsi",
                 "ms": "meninggal", "png": "mengungsi"}  # fmt: skip

_TOKEN = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+|[a-z]+|[?,;:#.]")
_DATE = re.compile(r"\b\d{1,2}\s*[/-]\s*\d{1,2}(?:\s*[/-]\s*\d{2,4})?\b")
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b(?!\.\d)")
_RT_RW = re.compile(r"\b(rt|rw)\s*[.:]?\s*\d+(?:\s*/\s*(?:rw\s*[.:]?\s*)?\d+)?")
_PHONE = re.compile(r"\+?\d{7,}")
_NUMBER_SUFFIX = re.compile(r"\b(\d+)\s*(an)\b")  # "20an": approximate, not a count
_ABBREVIATION_DOT = re.compile(r"\b(ds|dsn|desa|kec|kab|kel|jl|jln|no|rt|rw|tgl|hj|h|bpk|pak|bu|ibu|sdr|kp|dk)\.")
_REDUPLICATED = re.compile(r"\b([a-z]{3,})2\b")  # "luka2" (luka-luka), "kira2" (shorthand)


@dataclass
class Parsed:
    """What a message says. ``counts`` holds only non-zero BNPB counts."""

    text: str
    command: str = "lapor"
    hazard: str | None = None
    desa_code: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    ticket: str | None = None
    name: str | None = None  # DAFTAR <nama>
    note: str | None = None  # SELESAI <tiket> <catatan>
    desa_ambiguous: bool = False

    def as_dict(self) -> dict:
        return {
            "command": self.command,
            "hazard": self.hazard,
            "desa_code": self.desa_code,
            "counts": self.counts,
            "ticket": self.ticket,
        }


def _merge_phrases(text: str) -> str:
    for phrase, token in lexicon.PHRASES.items():
        if phrase in text:
            text = re.sub(rf"\b{phrase}\b", token, text)
    return text


def tokenize(text: str) -> list[str]:
    """Lowercase tokens with shorthand expanded; dates, times, RT/RW and phone numbers become ``#``."""
    text = fold(text)
    text = _RT_RW.sub(" # ", text)
    text = _DATE.sub(" # ", text)
    text = _TIME.sub(" # ", text)
    text = _PHONE.sub(" # ", text)
    text = _NUMBER_SUFFIX.sub(" # ", text)
    text = _ABBREVIATION_DOT.sub(r"\1 ", text)  # "ds. gading": the dot of a shorthand is no sentence end
    text = _REDUPLICATED.sub(lambda m: expand(m.group(0)) if m.group(0) in ABBREVIATIONS else m.group(1), text)
    text = re.sub(r"(\d)([a-z])", r"\1 \2", text)  # "12rmh" → "12 rmh"
    text = re.sub(r"([a-z])(\d)", r"\1 \2", text)  # "lb2" → "lb 2"
    text = text.replace("-", " ")
    tokens = [expand(t) for t in _TOKEN.findall(text)]
    return _merge_phrases(" ".join(tokens)).split()


_ALL_PHRASES: list[tuple[str, str, bool]] = sorted(
    [(p, slug, True) for slug, phrases in lexicon.STRONG.items() for p in phrases]
    + [(p, slug, False) for slug, phrases in lexicon.WEAK.items() for p in phrases],
    key=lambda item: -len(item[0]),
)
_PHRASE_RE = re.compile(r"\b(" + "|".join(re.escape(p) for p, _, _ in _ALL_PHRASES) + r")\b")
_PHRASE_INFO = {}
for _p, _slug, _strong in _ALL_PHRASES:
    _PHRASE_INFO.setdefault(_p, (_slug, _strong))
_TYPO_INDEX: dict[str, set[str]] = {}
for _word, _slug in lexicon.TYPO_KEYWORDS.items():
    for _variant in _deletions(_word, 1):
        _TYPO_INDEX.setdefault(_variant, set()).add(_slug)
KNOWN_WORDS = (
    {w for p, _, _ in _ALL_PHRASES for w in p.split()}
    | set(lexicon.PEOPLE_CUES) | set(lexicon.HOUSE_CUES) | lexicon.HOUSE_WORDS | lexicon.PEOPLE_WORDS
    | lexicon.NOT_COUNT_UNITS | NUMBER_WORDS | {"kk", "rumah", "desa", "dusun", "warga", "air", "sungai"}
)  # fmt: skip


def find_hazard(tokens: list[str]) -> str | None:
    """The hazard a message names: its first strong phrase (longest at a place), else its first weak cue,
    else a one-letter typo of a hazard word."""
    joined = " ".join(tokens)
    weak = None
    for match in _PHRASE_RE.finditer(joined):
        slug, strong = _PHRASE_INFO[match.group(1)]
        if strong:
            return slug
        weak = weak or slug
    if weak:
        return weak
    for token in tokens:
        if len(token) >= 5 and token not in KNOWN_WORDS:
            slugs = set()
            for variant in _deletions(token, 1):
                slugs |= _TYPO_INDEX.get(variant, set())
            if len(slugs) == 1:
                return slugs.pop()
    return None


def _number_at(tokens: list[str], i: int) -> tuple[int | None, int]:
    """The number starting at token ``i`` and the index after it: digits (with "ribu") or number words."""
    token = tokens[i]
    value = digits_to_number(token)
    if value is not None:
        end = i + 1
        if end < len(tokens) and tokens[end] in ("ribu", "rb"):
            value, end = value * 1000, end + 1
        return value, end
    end = i
    while end < len(tokens) and tokens[end] in NUMBER_WORDS:
        end += 1
    if end == i:
        return None, i + 1
    return words_to_number(tokens[i:end]), end


_PUNCTUATION = frozenset({",", ";", ":", "."})
_BOUNDARY = frozenset({",", ";", ":", ".", "#", "dan", "serta", "sedangkan", "tapi", "namun", "di", "ke"})
_GENERIC_UNITS = frozenset({"buah", "unit"})
_DAMAGE_LEVELS = frozenset({"rusak_berat", "rusak_sedang", "rusak_ringan"})


def _cue(word: str, house: bool) -> str | None:
    if house:
        return lexicon.HOUSE_CUES.get(word)
    return lexicon.PEOPLE_CUES.get(word)


def find_counts(tokens: list[str]) -> dict[str, int]:
    """BNPB counts from "12 rumah terendam", "meninggal 2 orang", "50 kk mengungsi", "luka berat tiga"."""
    found: dict[tuple[str, str], int] = {}
    i = 0
    while i < len(tokens):
        value, after = _number_at(tokens, i)
        if value is None or value == 0:
            i = after
            continue
        start = i
        i = after
        if start > 0 and tokens[start - 1] in lexicon.NOT_COUNT_BEFORE:
            continue
        if after < len(tokens) and tokens[after] in lexicon.NOT_COUNT_UNITS:
            continue
        category = _classify(tokens, start, after)
        if category:
            found[category] = max(found.get(category, 0), value)
    counts: dict[str, int] = {}
    for (category, _detail), value in found.items():
        counts[category] = counts.get(category, 0) + value
    return counts


def _classify(tokens: list[str], start: int, after: int) -> tuple[str, str] | None:
    """The BNPB category of the number at ``tokens[start:after]``, from the words around it."""
    ahead = []
    for word in tokens[after : after + 5]:
        if word in _BOUNDARY or digits_to_number(word) is not None or word in NUMBER_WORDS:
            break
        ahead.append(word)
    behind = []
    for word in reversed(tokens[max(0, start - 2) : start]):
        if word in _BOUNDARY or digits_to_number(word) is not None or word in NUMBER_WORDS:
            break
        behind.append(word)
    unit_words = ahead[:2]
    house = (
        any(w in lexicon.HOUSE_WORDS for w in unit_words)
        or (not ahead and any(w in lexicon.HOUSE_WORDS for w in behind))
        or (bool(ahead) and ahead[0] in _DAMAGE_LEVELS)  # "3 rusak berat": damage levels describe buildings
    )
    kk = "kk" in unit_words or (not any(w in lexicon.PEOPLE_WORDS for w in unit_words) and "kk" in behind[:1])
    people = any(w in lexicon.PEOPLE_WORDS for w in unit_words)

    cue = None
    for word in ahead:
        cue = _cue(word, house)
        if cue:
            break
    units = lexicon.PEOPLE_WORDS | lexicon.HOUSE_WORDS | _GENERIC_UNITS | {"kk"}
    if cue is None and (not ahead or ahead[0] in units):
        for word in behind:
            cue = _cue(word, house or any(w in lexicon.HOUSE_WORDS for w in behind))
            if cue:
                house = cue.startswith("rumah_")
                break
    if house:
        if cue and cue.startswith("rumah_"):
            return cue, cue
        if kk or cue:
            kk = True
        else:
            return None
    if kk:
        if cue == "mengungsi":
            return "mengungsi_kk", "kk"
        return "terdampak_kk", "kk"
    if cue:
        if cue.startswith("rumah_"):
            return None
        if cue.startswith("luka"):
            return "luka", cue
        return cue, cue
    if people and len(ahead) == 1:  # "80 jiwa" on its own: people affected; "2 balita sakit" is no BNPB count
        return "terdampak", "people"
    return None


def _parse_coded(text: str, gazetteer: Gazetteer, parsed: Parsed) -> bool:
    """The Kemenkes Pusat Krisis form; True when the text uses it."""
    fields = _CODED_FIELD.findall(fold(text))
    if not any(name == "jb" for name, _ in fields):
        return False
    for name, value in fields:
        value = value.strip(" ,;.")
        if name == "jb":
            parsed.hazard = find_hazard(tokenize(value))
        elif name == "lok":
            match = gazetteer.find(tokenize(value), KNOWN_WORDS, slot=0)
            parsed.desa_code, parsed.desa_ambiguous = match.code, match.ambiguous
        elif name in _CODED_COUNTS:
            tokens = tokenize(value)
            number = _number_at(tokens, 0)[0] if tokens else None
            if number:
                category = _CODED_COUNTS[name]
                parsed.counts[category] = parsed.counts.get(category, 0) + number
    return True


def parse(text: str, gazetteer: Gazetteer) -> Parsed:
    """Understand one SMS that arrived for the kecamatan of ``gazetteer``. Never raises."""
    text = text if isinstance(text, str) else ""
    parsed = Parsed(text=text)
    tokens = tokenize(text)
    words = [t for t in tokens if t not in _PUNCTUATION]
    first = words[0] if words else ("?" if "?" in text else "")
    keyword = _KEYWORDS.get(first)
    if text.strip() == "?":
        keyword = "bantuan"

    if keyword in _SHORT_ONLY and len(words) <= 3 and not find_hazard(words[1:]):
        parsed.command = keyword
        return parsed
    if keyword in AGENCY_COMMANDS:
        raw = re.split(r"[\s,.:;#]+", text.strip(), maxsplit=2)
        ticket = clean_ticket(raw[1]) if len(raw) > 1 else None
        if ticket:  # without a ticket it is a villager's report that starts with the word ("selesai banjir?")
            parsed.command, parsed.ticket = keyword, ticket
            parsed.note = raw[2].strip()[:500] if len(raw) > 2 and raw[2].strip() else None
            return parsed
        keyword = None
    if keyword == "cek":
        parsed.command = "cek"
        raw_words = re.split(r"[\s,.:;#]+", text.strip())[1:3]  # tickets mix letters and digits: not tokenised
        parsed.ticket = next((clean_ticket(w) for w in raw_words if clean_ticket(w)), None)
        return parsed
    if keyword == "daftar":
        parsed.command = "daftar"
        match = gazetteer.find(words[1:], KNOWN_WORDS, slot=len(words) - 2)
        parsed.desa_code, parsed.desa_ambiguous = match.code, match.ambiguous
        rest = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
        name_words = rest.split()
        if match.start is not None:
            name_words = name_words[: match.start]
        name_words = [w for w in name_words if w.lower() not in ("desa", "ds", "ds.", "di")]
        parsed.name = " ".join(name_words).strip(" ,.") or None
        return parsed

    if _parse_coded(text, gazetteer, parsed):
        return parsed
    body = words[1:] if keyword == "lapor" else words
    parsed.hazard = find_hazard(body)
    slot = None
    if keyword == "lapor" and parsed.hazard:
        slot = _slot_after_hazard(body)
    match = gazetteer.find(body, KNOWN_WORDS, slot=slot)
    parsed.desa_code, parsed.desa_ambiguous = match.code, match.ambiguous
    parsed.counts = {k: v for k, v in find_counts(tokens).items() if v}
    return parsed


def _slot_after_hazard(body: list[str]) -> int | None:
    """In ``LAPOR <JENIS> <DESA> …`` the token after the hazard words is where the desa stands."""
    joined = " ".join(body)
    match = _PHRASE_RE.match(joined)
    if match:
        return len(match.group(1).split())
    return 1 if body else None
