"""Counts in a villager's SMS: the numbers in its tokens (digits, number words, both) and the BNPB category each
counts, from the words around it ("12 rumah terendam", "meninggal 2 orang", "omah 12 kebanjiran"). Years, ages,
dates, times, money and measures are never counts; the figure after a latest cue replaces what the message said
before of its category ("pengungsi 85 kemarin, sekarang 120").
"""

from __future__ import annotations

from .lexicon import ALL, Lexicon
from .text import digits_to_number, words_to_number

# After digits, the words that make them a larger number ("3 ratus", "2 ribu", "2 rb"), and the largest digits
# that may follow each word in the same number ("2 ribu 500", "3 ratus 20").
_DIGIT_STRUCTURE = {"puluh": 10, "ratus": 100, "ribu": 1000}
_SHORT_STRUCTURE = {"rb": "ribu"}


def number_at(tokens: list[str], i: int, lex: Lexicon = ALL) -> tuple[int | None, int]:
    """The number starting at token ``i`` and the index after it: digits, number words, or both ("3 ratus",
    "2 ribu 500", "tiga ratus dua puluh", "telung atus"), a language's words for "ratus" or "ribu" read as those."""
    words = lex.number_words
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
            i += 1  # no number starts here (what number_at would say, without the call)
            continue
        value, after = number_at(tokens, i, lex)
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
            found[category] = value
            ahead = [w for w in tokens[after : after + 3] if w in lex.count_context]  # quoted with its cue
            spans[category[0]] = " ".join([*tokens[latest[1] : after], *ahead]).replace("_", " ")
        else:
            found[category] = max(found.get(category, 0), value)
            if category[0] not in spans:
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
    numbers = lex.number_words
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
    numbers = lex.number_words
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
    numbers = lex.number_words
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
