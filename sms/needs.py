"""Urgent needs a message asks for ("butuh air bersih", "perlu perahu"), read with each language's cues and items.

Pure Python, no I/O; the items are ``sms.vocab.NEEDS`` and the words come from the language files (``sms/languages``).
"""

from __future__ import annotations

from .lexicon import ALL, Lexicon

_NEED_STOP = frozenset({".", ";", "?", "#"})  # a need is asked for within one sentence
_NEED_REACH = 4  # words from a cue to its first item: "butuh bantuan berupa makanan"
_NEED_LIST_REACH = 3  # words between the items of one list: "tenda 20 buah, selimut 100 lembar"


def find_needs(tokens: list[str], lex: Lexicon = ALL) -> tuple[tuple[str, ...], dict[str, str]]:
    """The urgent needs a message asks for, in the order it names them, and per need the words that decided
    ("butuh air bersih"). An item counts only after a cue and within a few words of it or of the item before
    ("warga butuh makanan dan selimut"); a cue after a negation asks for nothing ("tidak butuh tenda"); the first
    item stands in the cue's clause ("mohon bantuan, air sudah masuk rumah" asks for no water). Linear: two passes,
    each looking a bounded number of words ahead."""
    found: dict[int, tuple[str, str, str, int]] = {}  # token index → (kind, value, phrase, index after it)
    for index, token in enumerate(tokens):
        for words, kind, value in lex.need_phrases.get(token, ()):
            if tuple(tokens[index : index + len(words)]) == words:
                found[index] = (kind, value, " ".join(words), index + len(words))
                break
    needs: dict[str, str] = {}
    cue = None  # the cue being read, while it still reaches
    reach = 0
    last_item = False  # the last word that counted was an item (so a comma continues a list)
    next_at = -1  # where an item read only right after a cue or an "and" may stand
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if i in found:
            kind, value, phrase, end = found[i]
            if kind == "cue":
                cue = None if i > 0 and tokens[i - 1] in lex.need_negations else phrase
                reach, last_item, next_at = _NEED_REACH, False, end
                i = end
                continue
            if cue and (kind == "item" or i == next_at):
                needs.setdefault(value, f"{cue} {phrase}".replace("_", " "))
                reach, last_item, next_at = _NEED_LIST_REACH, True, -1
                i = end
                continue
        if cue:
            if token in _NEED_STOP or (token == "," and not last_item):
                cue = None
            elif token in lex.and_words and last_item:
                next_at = i + 1  # "makanan dan air"
            elif token not in (",", ":"):
                reach -= 1
                if reach < 0:
                    cue = None
        i += 1
    return tuple(needs), needs
