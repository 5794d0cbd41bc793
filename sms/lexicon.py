"""The words villagers use, one data file per language (``sms/languages/<code>.toml``), merged into a lexicon.

Each file holds a language's hazard words (strong phrases that name a hazard, weak cues that only suggest one),
its count nouns (a person, a house, and the animals, vehicles, boats and stalls that are never people), its verbs
and adjectives of harm (what a count of people or houses is, and which of them are said of things as much as of
people), the words that ask for something and the needs they name ("butuh air bersih"), number words, place
cues ("di", "neng", "e", "ri") and SMS shorthand; and the words of conversation that is not a report (greetings,
thanks, question words, sentence-form stop requests, the cues of a memory, a forecast, a promo, chat and urgency;
``sms.conversation`` reads them). Phrases are written as they look after normalisation:
lowercase, no accents or apostrophes, shorthand expanded, single spaces.

``lexicon_for(codes)`` merges the languages a kecamatan's people write (Indonesian always: numbers, units and
shorthand are shared); ``lexicon_for()`` merges them all, which is the default. Adding a language is adding a
file; nothing in the code names a language.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .text import STRUCTURE_WORDS

# The phrase lists of conversation, each a set of ``Lexicon`` (see ``sms.conversation``).
CONVERSATION_KEYS = (
    "greetings", "thanks", "questions", "stop_phrases", "memory_cues", "forecast_cues", "future_cues", "promo_words",
    "chat_words", "now_cues", "urgent_words", "scene_words",
)  # fmt: skip
LANGUAGE_DIR = Path(__file__).parent / "languages"
BASE = "id"  # always read: the shared numbers, units and shorthand live here


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    data: dict


def _load() -> dict[str, Language]:
    languages = {}
    for path in sorted(LANGUAGE_DIR.glob("*.toml")):
        with path.open("rb") as file:
            data = tomllib.load(file)
        languages[data["code"]] = Language(data["code"], data["name"], data)
    if BASE not in languages:
        raise RuntimeError(f"sms/languages/{BASE}.toml is missing")
    return dict(sorted(languages.items(), key=lambda item: (item[0] != BASE, item[0])))


LANGUAGES: dict[str, Language] = _load()


def _deletions(word: str, depth: int) -> set[str]:
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


@dataclass
class Lexicon:
    """The merged words of some languages, with what the parser compiles from them."""

    codes: tuple[str, ...]
    strong: dict[str, list[str]] = field(default_factory=dict)
    weak: dict[str, list[str]] = field(default_factory=dict)
    typos: dict[str, str] = field(default_factory=dict)
    phrases: dict[str, str] = field(default_factory=dict)
    people_cues: dict[str, str] = field(default_factory=dict)
    house_cues: dict[str, str] = field(default_factory=dict)
    people_words: set[str] = field(default_factory=set)
    house_words: set[str] = field(default_factory=set)
    numbers: dict[str, int] = field(default_factory=dict)
    place_cues: set[str] = field(default_factory=set)
    abbreviations: dict[str, str] = field(default_factory=dict)
    not_count_units: set[str] = field(default_factory=set)
    not_count_before: set[str] = field(default_factory=set)
    # Counts and numbers: words that make a figure the latest for its category ("sekarang 120", "bertambah jadi
    # 5"), words beside which a year-shaped number is a year ("banjir 2019 lalu"), and a language's own words
    # for the structure of numbers ("telung atus": "atus" is "ratus").
    latest_cues: set[str] = field(default_factory=set)
    past_markers: set[str] = field(default_factory=set)
    number_structure: dict[str, str] = field(default_factory=dict)
    thing_words: set[str] = field(default_factory=set)
    shared_cues: set[str] = field(default_factory=set)
    possessive_words: set[str] = field(default_factory=set)
    need_cues: set[str] = field(default_factory=set)
    need_negations: set[str] = field(default_factory=set)
    and_words: set[str] = field(default_factory=set)
    needs: dict[str, str] = field(default_factory=dict)
    needs_next: dict[str, str] = field(default_factory=dict)
    # Conversation (``sms.conversation``): phrases, in normalised form, of each kind.
    greetings: set[str] = field(default_factory=set)
    thanks: set[str] = field(default_factory=set)
    questions: set[str] = field(default_factory=set)
    stop_phrases: set[str] = field(default_factory=set)
    memory_cues: set[str] = field(default_factory=set)
    forecast_cues: set[str] = field(default_factory=set)
    future_cues: set[str] = field(default_factory=set)
    promo_words: set[str] = field(default_factory=set)
    chat_words: set[str] = field(default_factory=set)
    now_cues: set[str] = field(default_factory=set)
    urgent_words: set[str] = field(default_factory=set)
    scene_words: set[str] = field(default_factory=set)

    def add(self, data: dict) -> None:
        for slug, phrases in data.get("strong", {}).items():
            self.strong.setdefault(slug, []).extend(phrases)
        for slug, phrases in data.get("weak", {}).items():
            self.weak.setdefault(slug, []).extend(phrases)
        mappings = ("typos", "phrases", "people_cues", "house_cues", "numbers", "abbreviations", "needs", "needs_next",
                    "number_structure")  # fmt: skip
        for name in mappings:
            for word, value in data.get(name, {}).items():
                getattr(self, name).setdefault(word, value)  # the first language to define a word keeps it
        for name in (
            "people_words", "house_words", "place_cues", "not_count_units", "not_count_before", "thing_words",
            "shared_cues", "possessive_words", "need_cues", "need_negations", "and_words", "latest_cues",
            "past_markers", *CONVERSATION_KEYS,
        ):  # fmt: skip
            getattr(self, name).update(data.get(name, ()))

    def compile(self) -> Lexicon:
        """Index the merged words for the parser: one regex of every hazard phrase (longest first), a typo
        index of single hazard words, and the words the desa matcher must not take for typos of names."""
        entries = sorted(
            [(p, slug, True) for slug, phrases in self.strong.items() for p in phrases]
            + [(p, slug, False) for slug, phrases in self.weak.items() for p in phrases],
            key=lambda item: -len(item[0]),
        )
        self.hazard_regex = re.compile(r"\b(" + "|".join(re.escape(p) for p, _, _ in entries) + r")\b")
        self.hazard_info: dict[str, tuple[str, bool]] = {}
        for phrase, slug, strong in entries:
            self.hazard_info.setdefault(phrase, (slug, strong))
        self.hazard_words = frozenset(w for phrase in self.hazard_info for w in phrase.split())
        self.typo_index: dict[str, set[str]] = {}
        for word, slug in self.typos.items():
            for variant in _deletions(word, 1):
                self.typo_index.setdefault(variant, set()).add(slug)
        # A word one letter from a typo word is within one letter of its length: only those are worth the
        # deletions, which grow with the square of a word's length.
        self.typo_lengths = frozenset(len(w) + d for w in self.typos for d in (-1, 0, 1))
        self.phrase_regex = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(self.phrases, key=len, reverse=True)) + r")\b")
            if self.phrases
            else None
        )
        self.number_words = frozenset(self.numbers) | STRUCTURE_WORDS | frozenset(self.number_structure)
        # Latest cues as word tuples: the parser compares the words just before a number ("bertambah jadi 5").
        self.latest_phrases = frozenset(tuple(cue.split()) for cue in self.latest_cues)
        self.latest_ends = frozenset(cue[-1] for cue in self.latest_phrases)
        # What a count is of, and the words beside a count worth quoting as its evidence (read once per number).
        self.count_nouns = frozenset(self.people_words | self.house_words | {"kk"})
        self.count_context = frozenset(self.people_cues.keys() | self.house_cues.keys() | self.count_nouns)
        self.known_words = (
            {w for p, _, _ in entries for w in p.split()}
            | set(self.people_cues) | set(self.house_cues) | self.house_words | self.people_words
            | self.not_count_units | self.thing_words | set(self.numbers)
            | {"kk", "rumah", "desa", "dusun", "warga", "air", "sungai"}
        )  # fmt: skip
        # The words of conversation ("sugeng", "enjing", "makasih"): never a hazard's or a desa's unknown name.
        self.conversation_words = frozenset(
            w for key in CONVERSATION_KEYS for phrase in getattr(self, key) for w in phrase.split()
        )
        # Every need cue and need item by its first word, longest first: the parser reads them in one pass over
        # the tokens. An entry is (words, kind, value): ("cue", phrase), ("item", need) or ("next", need), a
        # "next" item counting only right after a cue or an "and" ("butuh air").
        entries = [(phrase, "cue", phrase) for phrase in self.need_cues]
        entries += [(phrase, "item", need) for phrase, need in self.needs.items()]
        entries += [(phrase, "next", need) for phrase, need in self.needs_next.items()]
        self.need_phrases: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        seen = set()
        for phrase, kind, value in sorted(entries, key=lambda e: -len(e[0].split())):
            words = tuple(phrase.split())
            if words not in seen:  # the first meaning of a phrase keeps it (cues before items)
                seen.add(words)
                self.need_phrases.setdefault(words[0], []).append((words, kind, value))
        return self


@lru_cache(maxsize=64)
def _merged(codes: tuple[str, ...], learned: tuple[tuple[str, str], ...]) -> Lexicon:
    lexicon = Lexicon(codes)
    for code in codes:
        lexicon.add(LANGUAGES[code].data)
    lexicon.add({"strong": {slug: [phrase] for phrase, slug in learned}})  # a kecamatan's own words
    for phrase, slug in learned:
        lexicon.strong.setdefault(slug, [])
        if phrase not in lexicon.strong[slug]:
            lexicon.strong[slug].append(phrase)
    return lexicon.compile()


def lexicon_for(codes=None, learned=()) -> Lexicon:
    """The lexicon of the languages ``codes`` (unknown codes are ignored; Indonesian is always in), or of every
    language when ``codes`` is empty or None; ``learned`` adds a kecamatan's own hazard words, as
    ``(phrase, hazard slug)`` pairs, taught from triage. Built once per combination."""
    wanted = [c for c in LANGUAGES if not codes or c == BASE or c in codes]
    return _merged(tuple(wanted), tuple(sorted(set(learned))))


ALL = lexicon_for()
