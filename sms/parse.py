"""Turning one villager's SMS into a command, a hazard, a desa and BNPB counts.

``parse`` never raises on any text: whatever it cannot understand it leaves as None, and the text is
kept whole so a person can read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .counts import find_counts, number_at
from .desa import Gazetteer, _deletions
from .lexicon import ALL, Lexicon
from .needs import find_needs
from .text import expand, fold
from .tickets import clean_ticket
from .vocab import settle_injuries

_KEYWORDS = {
    "lapor": "lapor", "lpr": "lapor", "laporan": "lapor", "lap": "lapor",
    "cek": "cek", "cik": "cek", "status": "cek", "check": "cek",
    "daftar": "daftar", "dftr": "daftar", "reg": "daftar", "registrasi": "daftar", "posko": "posko",
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
_CODED_COUNTS = {"mgl": "meninggal", "hlg": "hilang", "lb": "luka_berat", "lr": "luka_ringan", "pgs": "mengungsi",
                 "ms": "meninggal", "png": "mengungsi"}  # fmt: skip

_TOKEN = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+|[a-z]+|[?,;:#.]")
_DATE = re.compile(r"\b\d{1,2}\s*[/-]\s*\d{1,2}(?:\s*[/-]\s*\d{2,4})?\b")
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\b(?!\.\d)")
# No two runs of spaces stand side by side in these patterns ("rt\s*[.:]?\s*\d" backtracked over every split of
# "rt" + 16 000 spaces: seconds): the parser stays linear in the message.
_RT_RW = re.compile(r"\b(rt|rw)\s*(?:[.:]\s*)?\d+(?:\s*/\s*(?:rw\s*(?:[.:]\s*)?)?\d+)?")
_PHONE = re.compile(r"\+?\d{7,}")
_PHONE_SPLIT = re.compile(r"(?:\+62|62|0)8\d{1,3}[- .]\d{3,4}[- .]\d{3,5}\b")  # "0812-3456-7890"
# A magnitude ("M 5,6", "magnitudo 6", "SR 5") or a decimal ("1,5 juta", "1.5 m", "0,25 ha"): a measure, never a
# count. Two numbers with only a comma between ("rumah 12,30 kk mengungsi") stay two numbers.
# The lookahead first lets the scan pass most letters without trying the alternatives (64 KB messages).
_MEASURE = re.compile(
    r"(?=[ms\d])\b(?:(?:m|mag|magnitudo|sr) ?\d{1,2}(?:[.,]\d{1,2})?|(?<![.,])(?:\d{1,9}[.,]\d|\d[.,]\d\d))"
    r"(?!\d|[.,]\d)"
)
_NUMBER_SUFFIX = re.compile(r"\b(\d+)\s*(an)\b")  # "20an": approximate, not a count
_ABBREVIATION_DOT = re.compile(r"\b(ds|dsn|desa|kec|kab|kel|jl|jln|no|rt|rw|tgl|hj|h|bpk|pak|bu|ibu|sdr|kp|dk)\.")
_REDUPLICATED = re.compile(r"\b([a-z]{3,})2\b")  # "luka2" (luka-luka), "kira2" (shorthand)
_PUNCTUATION = frozenset({",", ";", ":", "."})


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
    needs: tuple[str, ...] = ()  # urgent needs asked for (sms.vocab.NEEDS), in the order the message names them
    # The words that decided, for staff: {"hazard": "compok obbar", "counts": {"hilang": "2 oreng elang"},
    # "needs": {"air_bersih": "butuh air bersih"}}.
    evidence: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "command": self.command,
            "hazard": self.hazard,
            "desa_code": self.desa_code,
            "counts": self.counts,
            "ticket": self.ticket,
            "needs": list(self.needs),
        }


def _merge_phrases(text: str, lex: Lexicon) -> str:
    if lex.phrase_regex is None:
        return text
    return lex.phrase_regex.sub(lambda m: lex.phrases[m.group(1)], text)


def tokenize(text: str, lex: Lexicon = ALL) -> list[str]:
    """Lowercase tokens with shorthand expanded; dates, times, RT/RW and phone numbers become ``#``."""
    text = fold(text)
    text = _PHONE_SPLIT.sub(" # ", text)
    text = _RT_RW.sub(" # ", text)
    text = _DATE.sub(" # ", text)
    text = _TIME.sub(" # ", text)
    text = _MEASURE.sub(_measure, text)
    text = _PHONE.sub(" # ", text)
    text = _NUMBER_SUFFIX.sub(" # ", text)
    text = _ABBREVIATION_DOT.sub(r"\1 ", text)  # "ds. gading": the dot of a shorthand is no sentence end
    text = _REDUPLICATED.sub(
        lambda m: expand(m.group(0), lex.abbreviations) if m.group(0) in lex.abbreviations else m.group(1), text
    )
    text = re.sub(r"(\d)([a-z])", r"\1 \2", text)  # "12rmh" → "12 rmh"
    text = re.sub(r"([a-z])(\d)", r"\1 \2", text)  # "lb2" → "lb 2"
    text = text.replace("-", " ")
    tokens = [expand(t, lex.abbreviations) for t in _TOKEN.findall(text)]
    return _merge_phrases(" ".join(tokens), lex).split()


def _measure(match: re.Match) -> str:
    """ "M 5,6" is a magnitude, but after a number ("2 m 3 org hilang") the "m" is metres and the 3 a count."""
    before = match.string[max(0, match.start() - 2) : match.start()]
    after_number = before[-1:].isdigit() or (before[-1:] == " " and before[:1].isdigit())
    return match.group() if after_number and match.group()[:1].isalpha() else " # "


def hazard_evidence(tokens: list[str], lex: Lexicon = ALL) -> tuple[str | None, str | None]:
    """The hazard a message names and the words that named it: its first strong phrase (longest at a place),
    else its first weak cue, else a one-letter typo of a hazard word."""
    # Only a word of some hazard phrase can be part of a match: every run of other words stands as one "#", which
    # keeps the phrases apart as the words did and leaves the regex little to scan in a long message.
    kept: list[str] = []
    for token in tokens:
        if token in lex.hazard_words:
            kept.append(token)
        elif not kept or kept[-1] != "#":
            kept.append("#")
    joined = " ".join(kept)
    weak = None
    for match in lex.hazard_regex.finditer(joined):
        slug, strong = lex.hazard_info[match.group(1)]
        if strong:
            return slug, match.group(1)
        weak = weak or (slug, match.group(1))
    if weak:
        return weak
    for token in dict.fromkeys(tokens):  # each word once, in the order the message first uses it
        if len(token) >= 5 and len(token) in lex.typo_lengths and token not in lex.known_words:
            slugs = set()
            for variant in _deletions(token, 1):
                slugs |= lex.typo_index.get(variant, set())
            if len(slugs) == 1:
                return slugs.pop(), token
    return None, None


def find_hazard(tokens: list[str], lex: Lexicon = ALL) -> str | None:
    return hazard_evidence(tokens, lex)[0]


def _parse_coded(text: str, gazetteer: Gazetteer, parsed: Parsed, lex: Lexicon) -> bool:
    """The Kemenkes Pusat Krisis form; True when the text uses it. Each field is read once, where it first appears
    (the form names each once; a message repeating them thousands of times is not read thousands of times)."""
    fields = _CODED_FIELD.findall(fold(text))
    if not any(name == "jb" for name, _ in fields):
        return False
    for name, value in dict(reversed(fields)).items():
        value = value.strip(" ,;.")
        if name == "jb":
            parsed.hazard, phrase = hazard_evidence(tokenize(value, lex), lex)
            if phrase:
                parsed.evidence["hazard"] = phrase
        elif name == "lok":
            match = gazetteer.find(tokenize(value, lex), lex.known_words, slot=0, place_cues=lex.place_cues)
            parsed.desa_code, parsed.desa_ambiguous = match.code, match.ambiguous
        elif name in _CODED_COUNTS:
            tokens = tokenize(value, lex)
            number = number_at(tokens, 0, lex)[0] if tokens else None
            if number:
                category = _CODED_COUNTS[name]
                parsed.counts[category] = parsed.counts.get(category, 0) + number
                parsed.evidence.setdefault("counts", {}).setdefault(category, f"({name}) {value}")
    return True


def _asks_for_status(text: str) -> bool:
    """ "mau cek laporan saya K7MRA", "tak cek status K7MRA": CEK a few words in, and a ticket with a digit
    after it (a report that happens to say "cek" has none)."""
    raw = re.split(r"[\s,.:;#]+", text.strip(), maxsplit=4)  # the first four words, and the rest unsplit
    at = next((i for i, w in enumerate(raw[:4]) if _KEYWORDS.get(w.lower()) == "cek"), None)
    if at is None:
        return False
    ticket = _ticket_after_keyword(" ".join(raw[at:]))
    return ticket is not None and any(ch.isdigit() for ch in ticket)


def _ticket_after_keyword(text: str) -> str | None:
    """The ticket anywhere after CEK ("CEK K7MRA", "cek status laporan K7MRA"): a word that is a ticket code,
    one with a digit first (ordinary words rarely have one), else the last such word."""
    candidates = [clean_ticket(w) for w in re.split(r"[\s,.:;#]+", text.strip())[1:]]
    candidates = [c for c in candidates if c]
    return next((c for c in candidates if any(ch.isdigit() for ch in c)), candidates[-1] if candidates else None)


def parse(text: str, gazetteer: Gazetteer, lex: Lexicon | None = None) -> Parsed:
    """Understand one SMS that arrived for the kecamatan of ``gazetteer``, with the words of ``lex`` (every
    language by default). Never raises."""
    lex = lex or ALL
    text = text if isinstance(text, str) else ""
    parsed = Parsed(text=text)
    tokens = tokenize(text, lex)
    words = [t for t in tokens if t not in _PUNCTUATION]
    first = words[0] if words else ("?" if "?" in text else "")
    keyword = _KEYWORDS.get(first)
    if keyword is None and _asks_for_status(text):
        keyword = "cek"
    if first == "status" and find_hazard(words[1:], lex) and not _asks_for_status(text):
        keyword = None  # "status siaga merapi", "status awas banjir": a warning, not a ticket to check
    if text.strip() == "?":
        keyword = "bantuan"

    if keyword in _SHORT_ONLY and len(words) <= 3 and not find_hazard(words[1:], lex):
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
        raw = re.split(r"[\s,.:;#]+", text.strip())
        at = next((i for i, w in enumerate(raw[:4]) if _KEYWORDS.get(w.lower()) == "cek"), 0)
        parsed.ticket = _ticket_after_keyword(" ".join(raw[at:]))  # tickets mix letters and digits: not tokenised
        return parsed
    if keyword == "daftar":
        parsed.command = "daftar"
        match = gazetteer.find(words[1:], lex.known_words, slot=len(words) - 2, place_cues=lex.place_cues)
        parsed.desa_code, parsed.desa_ambiguous = match.code, match.ambiguous
        rest = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
        name_words = rest.split()
        if match.start is not None:
            name_words = name_words[: match.start]
        name_words = [w for w in name_words if w.lower() not in ("desa", "ds", "ds.", "di")]
        parsed.name = " ".join(name_words).strip(" ,.") or None
        return parsed

    if keyword == "posko" and _parse_shelter(text, parsed, lex):
        return parsed
    if _parse_coded(text, gazetteer, parsed, lex):
        settle_injuries(parsed.counts)
        _read_needs(tokens, parsed, lex)
        return parsed
    body = words[1:] if keyword == "lapor" else words
    parsed.hazard, phrase = hazard_evidence(body, lex)
    if phrase:
        parsed.evidence["hazard"] = phrase
    slot = None
    if keyword == "lapor" and parsed.hazard:
        slot = _slot_after_hazard(body, lex)
    match = gazetteer.find(body, lex.known_words, slot=slot, place_cues=lex.place_cues)
    parsed.desa_code, parsed.desa_ambiguous = match.code, match.ambiguous
    spans: dict[str, str] = {}
    parsed.counts = settle_injuries({k: v for k, v in find_counts(tokens, lex, spans).items() if v})
    if parsed.counts:
        parsed.evidence["counts"] = {k: spans[k] for k in parsed.counts if k in spans}
    _read_needs(tokens, parsed, lex)
    return parsed


_SHELTER = re.compile(r"^\s*posko\s*(?:[:#]\s*)?([a-z0-9]{3,8})\b(.*)$", re.IGNORECASE | re.DOTALL)
# What a number in a shelter's count is, by the word after it: "120 jiwa", "35 kk", "5 balita", "2 ibu hamil".
_SHELTER_UNITS = {
    "jiwa": "mengungsi", "orang": "mengungsi", "pengungsi": "mengungsi",
    "kk": "mengungsi_kk",
    "bayi": "bayi_balita", "balita": "bayi_balita",
    "bumil": "ibu_hamil_menyusui", "busui": "ibu_hamil_menyusui", "ibuhamil": "ibu_hamil_menyusui",
    "ibumenyusui": "ibu_hamil_menyusui",
    "lansia": "lansia", "manula": "lansia",
    "disabilitas": "disabilitas", "difabel": "disabilitas",
}  # fmt: skip


def _parse_shelter(text: str, parsed: Parsed, lex: Lexicon) -> bool:
    """``POSKO <kode> 120 jiwa 35 kk [5 balita 3 lansia …]`` from a shelter's coordinator: the people there now,
    in digits or words ("POSKO 4FFV seratus jiwa, tiga puluh kk"); the first number of each kind counts. False
    (an ordinary report, "posko di balai desa penuh") without a code and a number of people or KK."""
    match = _SHELTER.match(text)
    if not match:
        return False
    tokens = tokenize(match.group(2), lex)
    counts: dict[str, int] = {}
    i = 0
    while i < len(tokens):
        value, after = number_at(tokens, i, lex)
        i = after
        if value is None or after >= len(tokens):
            continue
        unit = tokens[after]
        if unit == "ibu" and after + 1 < len(tokens) and tokens[after + 1] in ("hamil", "menyusui"):
            unit = "bumil"
        if unit in _SHELTER_UNITS:
            counts.setdefault(_SHELTER_UNITS[unit], value)
    if not {"mengungsi", "mengungsi_kk"} & set(counts):
        return False
    parsed.command, parsed.ticket, parsed.counts = "posko", match.group(1).upper(), counts
    _read_needs(tokens, parsed, lex)  # "POSKO 4FFV 120 jiwa 35 kk butuh selimut"
    return True


def _read_needs(tokens: list[str], parsed: Parsed, lex: Lexicon) -> None:
    parsed.needs, words = find_needs(tokens, lex)
    if words:
        parsed.evidence["needs"] = words


def _slot_after_hazard(body: list[str], lex: Lexicon) -> int | None:
    """In ``LAPOR <JENIS> <DESA> …`` the token after the hazard words is where the desa stands."""
    joined = " ".join(body)
    match = lex.hazard_regex.match(joined)
    if match:
        return len(match.group(1).split())
    return 1 if body else None
