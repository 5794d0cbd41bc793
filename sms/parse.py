"""Turning one villager's SMS into a command, a hazard, a desa and BNPB counts.

``parse`` never raises on any text: whatever it cannot understand it leaves as None, and the text is
kept whole so a person can read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .desa import Gazetteer, _deletions
from .lexicon import ALL, Lexicon
from .needs import find_needs
from .text import digits_to_number, expand, fold, words_to_number
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
_MEASURE = re.compile(
    r"\b(?:(?:m|mag|magnitudo|sr) ?\d{1,2}(?:[.,]\d{1,2})?|(?<![.,])(?:\d{1,9}[.,]\d|\d[.,]\d\d))(?!\d|[.,]\d)"
)
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


def number_words(lex: Lexicon) -> frozenset[str]:
    return lex.number_words


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


# After digits, the words that make them a larger number ("3 ratus", "2 ribu", "2 rb"), and the largest digits
# that may follow each word in the same number ("2 ribu 500", "3 ratus 20").
_DIGIT_STRUCTURE = {"puluh": 10, "ratus": 100, "ribu": 1000}
_SHORT_STRUCTURE = {"rb": "ribu"}


def _number_at(tokens: list[str], i: int, lex: Lexicon = ALL) -> tuple[int | None, int]:
    """The number starting at token ``i`` and the index after it: digits, number words, or both ("3 ratus",
    "2 ribu 500", "tiga ratus dua puluh", "telung atus"), a language's words for "ratus" or "ribu" read as those."""
    words = number_words(lex)
    structure = lex.number_structure

    def plain(word: str) -> str:
        return _SHORT_STRUCTURE.get(word) or structure.get(word, word)

    value = digits_to_number(tokens[i])
    end = i + 1
    if value is not None:
        if value >= 1000 or end >= len(tokens) or plain(tokens[end]) not in _DIGIT_STRUCTURE:
            return value, end
    elif tokens[i] not in words:
        return None, i + 1
    # A run of number words, and of digits right after a "ratus" or "ribu" they are smaller than.
    while end < len(tokens):
        word = tokens[end]
        if word in words or word in _SHORT_STRUCTURE:
            end += 1
            continue
        limit = _DIGIT_STRUCTURE.get(plain(tokens[end - 1]))
        digits = digits_to_number(word) if limit and word[:1].isdigit() else None
        if digits is None or digits >= limit:
            break
        end += 1
    number = words_to_number([plain(t) for t in tokens[i:end]], lex.numbers)
    if number is None and value is not None:
        return value, i + 1
    return number, end


_PUNCTUATION = frozenset({",", ";", ":", "."})
_BOUNDARY = frozenset({",", ";", ":", ".", "#", "dan", "serta", "sedangkan", "tapi", "namun", "di", "ke"})
# The end of a clause, for the noun a number counts: places ("di", "ke") do not end it ("pengungsi di masjid 320").
_CLAUSE_END = _BOUNDARY - {"di", "ke"}
_HEAD_REACH = 6  # words before a number searched for the noun it counts ("imah nu kabawa caah 17")
_GENERIC_UNITS = frozenset({"buah", "unit"})
_DAMAGE_LEVELS = frozenset({"rusak_berat", "rusak_sedang", "rusak_ringan"})


def _cue(word: str, house: bool, lex: Lexicon) -> str | None:
    if house:
        return lex.house_cues.get(word)
    return lex.people_cues.get(word)


def find_counts(tokens: list[str], lex: Lexicon = ALL, evidence: dict | None = None) -> dict[str, int]:
    """BNPB counts from "12 rumah terendam", "meninggal 2 orang", "50 kk mengungsi", "omah 12 kebanjiran";
    ``evidence`` (when given) gets, per count, the words it was read from. A figure after a latest cue replaces
    what the message said before of its category ("pengungsi 85 kemarin, sekarang 120": 120); years, ages,
    dates, times, money and measures are never counts."""
    found: dict[tuple[str, str], int] = {}
    spans: dict[str, str] = {}
    last: tuple[str, str] | None = None  # the category of the count read last
    i = 0
    while i < len(tokens):
        if not tokens[i][:1].isdigit() and tokens[i] not in lex.number_words:
            i += 1  # no number starts here (what _number_at would say, without the call)
            continue
        value, after = _number_at(tokens, i, lex)
        if value is None or value == 0:
            i = after
            continue
        start = i
        i = after
        if start > 0 and tokens[start - 1] in lex.not_count_before:
            continue
        if after < len(tokens) and (tokens[after] in lex.not_count_units or tokens[after] in lex.thing_words):
            continue  # "50 cm", "3 ekor", "2 perahu": a measure, or animals and things
        if _is_year(tokens, start, after, lex):
            continue
        category = _classify(tokens, start, after, lex)
        latest = _latest_cue_before(tokens, start, lex)
        if latest and latest[0] == "next":
            category = _latest_category(tokens, start, after, category, last, lex)
        if not category:
            continue
        if latest:  # the figure now: what came before of this category is out of date
            for key in [key for key in found if key[0] == category[0]]:
                del found[key]
            spans.pop(category[0], None)
            found[category] = value
        else:
            found[category] = max(found.get(category, 0), value)
        if latest:  # the cue with the figure: "sekarang 120", "bertambah jadi 5"
            ahead = [w for w in tokens[after : after + 3] if w in lex.count_context]
            spans[category[0]] = " ".join([*tokens[latest[1] : after], *ahead]).replace("_", " ")
        elif category[0] not in spans:
            spans[category[0]] = _span(tokens, start, after, lex)
        last = category
    counts: dict[str, int] = {}
    for (category, _detail), value in found.items():
        counts[category] = counts.get(category, 0) + value
    if evidence is not None:
        evidence.update({category: spans[category] for category in counts})
    return counts


def _is_year(tokens: list[str], start: int, after: int, lex: Lexicon) -> bool:
    """A year beside a past marker: "banjir 2019 lalu", "seperti 2010", "pada 2018"."""
    token = tokens[start]
    if after != start + 1 or len(token) != 4 or not token.isdigit() or not 1900 <= int(token) <= 2099:
        return False
    return (start > 0 and tokens[start - 1] in lex.past_markers) or (
        after < len(tokens) and tokens[after] in lex.past_markers
    )


# Words between a latest cue and its figure that leave the figure about the same thing: "sekarang sudah 120".
_LATEST_FILLERS = frozenset(
    {"ada", "jadi", "jumlah", "lebih", "mencapai", "sebanyak", "sekitar", "sudah", "telah", "yang"}
)


def _latest_cue_before(tokens: list[str], start: int, lex: Lexicon) -> tuple[str, int] | None:
    """Whether a latest cue ("sekarang", "bertambah jadi", "total") stands in the clause before the number at
    ``start``, at most ``_HEAD_REACH`` words back, and where it starts: None when none does, ("next", i) when only
    count words or fillers stand between ("sekarang 120", "saat ini pengungsi 120"), ("far", i) when other words
    do ("total kerugian 50")."""
    if lex.latest_ends.isdisjoint(tokens[max(0, start - _HEAD_REACH) : start]):
        return None  # no cue word near: most numbers, read without the walk below
    numbers = number_words(lex)
    near = True
    for k in range(start - 1, max(-1, start - 1 - _HEAD_REACH), -1):
        word = tokens[k]
        if word in _CLAUSE_END or word in numbers or word[:1].isdigit():
            return None
        if word in lex.latest_ends:
            for n in (3, 2, 1):
                if k - n + 1 >= 0 and tuple(tokens[k - n + 1 : k + 1]) in lex.latest_phrases:
                    return ("next" if near else "far"), k - n + 1
        near = near and (word in lex.count_context or word in _LATEST_FILLERS)
    return None


def _latest_category(
    tokens: list[str],
    start: int,
    after: int,
    category: tuple[str, str] | None,
    last: tuple[str, str] | None,
    lex: Lexicon,
) -> tuple[str, str] | None:
    """The category of a figure after a latest cue: its own when its words say what it counts, else the category
    of the count before it ("pengungsi 85 kemarin, sekarang 120 orang"), when its noun (if any) fits that one."""
    if last is None or (category is not None and category[1] != "people"):
        return category
    kinds = {_noun_kind(word, lex) for word in tokens[after : after + 2]}
    kinds.add(_head_before(tokens, start, lex)[0])
    kinds.discard(None)
    slug = last[0]
    kind = "house" if slug.startswith("rumah_") else "kk" if slug.endswith("_kk") else "person"
    return last if kinds <= {kind} else category


def _span(tokens: list[str], start: int, after: int, lex: Lexicon) -> str:
    """The words a count was read from: the number with the nouns and cues beside it ("omah 12 kebanjiran")."""
    nouns, meaningful = lex.count_nouns, lex.count_context
    ahead = [w for w in tokens[after : after + 3] if w in meaningful]
    cue_ahead = any(w in lex.people_cues or w in lex.house_cues for w in ahead)
    before = [w for w in tokens[max(0, start - 2) : start] if w in (nouns if cue_ahead else meaningful)]
    return " ".join([*before, *tokens[start:after], *ahead]).replace("_", " ")


def _noun_kind(word: str, lex: Lexicon) -> str | None:
    if word in lex.people_words:
        return "person"
    if word in lex.house_words:
        return "house"
    if word in lex.thing_words:
        return "thing"
    return "kk" if word == "kk" else None


def _head_before(tokens: list[str], start: int, lex: Lexicon) -> tuple[str | None, str | None, int]:
    """The noun before the number at ``start`` that it counts: the nearest count noun in its clause, as (kind,
    word, distance). A person noun owned by a thing or a house ("kambing warga 4 mati", "sapi milik warga",
    "omah wong 3") gives the thing or the house. At most ``_HEAD_REACH`` words back: linear in the message."""
    numbers = number_words(lex)
    for i in range(start - 1, max(-1, start - 1 - _HEAD_REACH), -1):
        word = tokens[i]
        if word in _CLAUSE_END or word in numbers or digits_to_number(word) is not None:
            break
        kind = _noun_kind(word, lex)
        if kind is None:
            continue
        if kind == "person":
            owner = i - 2 if i >= 2 and tokens[i - 1] in lex.possessive_words else i - 1
            owner_kind = _noun_kind(tokens[owner], lex) if owner >= 0 else None
            if owner_kind in ("house", "thing"):
                return owner_kind, tokens[owner], start - i
        return kind, word, start - i
    return None, None, 0


def _classify(tokens: list[str], start: int, after: int, lex: Lexicon) -> tuple[str, str] | None:
    """The BNPB category of the number at ``tokens[start:after]``, from the words around it.

    A people count needs a person noun ("2 org", "warga 30") or a verb of harm that is only said of people
    ("3 meninggal", "2 hilang"); a verb said of things as much ("hanyut", "mati") needs the person noun. Animals,
    vehicles, boats and stalls never make one ("sapi loro mati", "perahu nelayan 3 hilang"), and houses make
    house counts or none ("imah nu kabawa caah 17")."""
    numbers = number_words(lex)
    ahead = []
    for word in tokens[after : after + 5]:
        if word in _BOUNDARY or digits_to_number(word) is not None or word in numbers:
            break
        if word not in lex.past_markers:  # "wong ngungsi 85 wingi": when, not what
            ahead.append(word)
    behind = []
    for word in reversed(tokens[max(0, start - 2) : start]):
        if word in _BOUNDARY or digits_to_number(word) is not None or word in numbers:
            break
        behind.append(word)
    unit_words = ahead[:2]
    if len(ahead) > 1 and ahead[0] in _GENERIC_UNITS and ahead[1] in lex.thing_words:
        return None  # "2 unit motor", "3 buah perahu"
    people_unit = any(w in lex.people_words for w in unit_words)
    house_unit = any(w in lex.house_words for w in unit_words)
    # The count noun stands before the number or after it: "12 omah kebanjiran", "omah 12 kebanjiran".
    head, head_word, distance = _head_before(tokens, start, lex)
    if head == "thing" and not (people_unit or house_unit or "kk" in unit_words):
        return None  # "sapi loro mati", "kambing warga 4 mati": the number counts animals or things
    before = head if distance == 1 else None  # the noun right before the number
    noun_before = before in ("person", "house", "kk")
    house = (
        house_unit
        or before == "house"
        or (not ahead and head == "house")  # "imah nu kabawa caah 17"
        or (bool(ahead) and ahead[0] in _DAMAGE_LEVELS)  # "3 rusak berat": damage levels describe buildings
        or (len(ahead) > 1 and ahead[0] in _GENERIC_UNITS and ahead[1] in _DAMAGE_LEVELS)  # "2 unit rusak berat"
    )
    kk = "kk" in unit_words or (not people_unit and before == "kk")
    people = people_unit or before == "person"
    person = people or head == "person"

    def cue_of(word: str, of_house: bool) -> str | None:
        if not of_house and word in lex.shared_cues and not person:
            return None  # "jabu hanyut 6": no person, so look on ("2 hanyut blm ditemukan" is "hilang")
        return _cue(word, of_house, lex)

    cue = None
    for word in ahead:
        cue = cue_of(word, house)
        if cue:
            break
    if cue is None and (not ahead or ahead[0] in lex.count_nouns or ahead[0] in _GENERIC_UNITS):
        for word in behind:
            cue = cue_of(word, house or head == "house")
            if cue:
                house = cue.startswith("rumah_")
                break
    if cue is None and (people or kk) and head == "person" and not house:
        cue = lex.people_cues.get(head_word)  # a person noun that says what happened: "pengungsi di masjid 320 orang"
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
        return cue, cue
    if people and len(ahead) <= 1 and (ahead or noun_before):  # "80 jiwa": people affected; "2 balita sakit": none
        return "terdampak", "people"
    return None


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
            number = _number_at(tokens, 0, lex)[0] if tokens else None
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
        value, after = _number_at(tokens, i, lex)
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
