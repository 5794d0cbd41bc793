"""Not every SMS is a report: telling a report from a request to stop and from conversation.

``read(text, parsed, lex)`` looks at a message the parser read as a report (``Parsed.command == "lapor"``) and
says what it is:

- ``stop``: a request to stop the SMS written as a sentence ("jangan kirim sms lagi", "tolong berhenti kirim",
  "ampun ngirim sms maneh"): a phrase of ``stop_phrases`` (a one-word one only first: "Stop! saya bukan warga
  sini"), and no hazard, count or need. It unsubscribes exactly as the BERHENTI keyword does.
- ``conversation``: a greeting, a thank-you, a question, a chat to a wrong number, an operator's promo, a memory
  of an earlier disaster or a forwarded forecast. It is not a new incident.
- ``report``: everything else.

The rule: a message is conversation only when it is **positively recognised** as one (a phrase of the language
files' ``greetings``, ``thanks``, ``questions``, ``chat_words``, ``promo_words``, ``memory_cues`` or
``forecast_cues``) and it has

- no hazard now: no hazard at all, or one named in a memory (a memory cue, or a year gone by: "gempa tahun 2018
  dulu …", without a cue of now such as "sekarang", "lagi", "seperti"), a forwarded forecast (two cues:
  "prakiraan … berpotensi") or a question about the future ("apa besok hujan deras?"), or a thank-you naming
  only a weak cue, with nothing said of now ("matur nuwun, banyu wis surut");
- no desa, no count (a year is no count), no need asked for;
- no report verb (a verb of harm to people or houses: the ``people_cues`` and ``house_cues``), and no cry for
  help (``urgent_words``: "tolong", "darurat");
- outside a memory, a forecast, a promo or a question about the future, no word of a disaster's scene
  (``scene_words``: "air", "sungai", "rumah", "roboh"), unless it is a thank-you about nothing happening now
  ("terima kasih, air bersih sudah sampai").

When in doubt it is a report: a message in no known language ("Mae mai, le ma tapu i le vai") still gets a
ticket and lands unclassified, and no real report is lost to the inbox.

Pure Python, no Flask, no database: the intake decides what to do with the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .lexicon import ALL, Lexicon
from .parse import Parsed, tokenize
from .text import fold

REPORT, STOP, CONVERSATION = "report", "stop", "conversation"
# What a conversation is about, in the order a mixed message is named by ("selamat pagi, apa besok hujan?" is a
# question): the intake answers some kinds and not others.
TOPICS = ("promo", "forecast", "memory", "question", "thanks", "greeting", "chat")

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|id|co\.id|net|ly)\b", re.IGNORECASE)
_USSD = re.compile(r"\*\d{2,4}(?:\*\d+)*#")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_GREETING_REACH = 4  # a greeting opens a message: its phrase starts within the first words


@dataclass(frozen=True)
class Reading:
    """What a message is (``kind``), what a conversation is about (``topic``) and the words that said so."""

    kind: str
    topic: str | None = None
    cue: str | None = None


def _find(phrases: set[str], joined: str) -> str | None:
    """The first of ``phrases`` (longest first) standing as whole words in ``joined`` (words padded with spaces)."""
    for phrase in sorted(phrases, key=len, reverse=True):
        if f" {phrase} " in joined:
            return phrase
    return None


def _opening(phrases: set[str], words: list[str]) -> str | None:
    head = " " + " ".join(words[: _GREETING_REACH + 2]) + " "
    for phrase in sorted(phrases, key=len, reverse=True):
        at = head.find(f" {phrase} ")
        if at >= 0 and head[:at].count(" ") < _GREETING_REACH:
            return phrase
    return None


def _counts_beyond_years(parsed: Parsed, text: str) -> bool:
    """Does the message count people or houses, a year ("tahun 2018") not taken for a count?"""
    years = {int(y) for y in _YEAR.findall(text)}
    return any(value not in years for value in parsed.counts.values())


def read(text: str, parsed: Parsed, lex: Lexicon | None = None) -> Reading:
    """What ``text`` (which the parser read as ``parsed``) is: a report, a stop request or conversation."""
    lex = lex or ALL
    if parsed.command != "lapor":
        return Reading(REPORT)  # a command is the keywords' business, not conversation
    text = text if isinstance(text, str) else ""
    expanded = tokenize(text, lex)
    plain = re.findall(r"[a-z]+|\?", fold(text))
    words = [t for t in expanded if t.isalpha() or t == "?"]
    # Match the words as written and as expanded ("gak" is "tidak", "tks" stays "tks").
    joined = f" {' '.join(words)} | {' '.join(plain)} "
    counted = _counts_beyond_years(parsed, text)
    if parsed.needs or counted:
        return Reading(REPORT)
    stop = _stop(lex, joined, plain)
    if stop and not parsed.hazard:
        return Reading(STOP, cue=stop)
    if parsed.desa_code or _find(lex.urgent_words, joined):
        return Reading(REPORT)
    found = {
        "promo": _promo(text, joined, lex),
        "forecast": _forecast(joined, lex),
        "memory": _memory(text, joined, lex),
        "question": _question(text, joined, lex),
        "thanks": _find(lex.thanks, joined),
        "greeting": _opening(lex.greetings, words) or _opening(lex.greetings, plain),
        "chat": _find(lex.chat_words, joined),
    }
    topic = next((t for t in TOPICS if found[t]), None)
    if topic is None:
        return Reading(REPORT)
    then = found["memory"] or found["forecast"] or found["promo"]
    later = _about_the_future(found["question"], joined, lex)
    now = _find(lex.now_cues, joined)
    # A thank-you about what has passed: "matur nuwun, banyu wis surut" names water (a weak cue), not a flood now.
    passed = topic == "thanks" and not now and not lex.hazard_info.get(parsed.evidence.get("hazard"), ("", True))[1]
    if parsed.hazard and not (then or later or passed):
        return Reading(REPORT)  # "selamat pagi, banjir di dusun krajan": a report with manners
    scene = _find(lex.scene_words, joined)
    if scene and not (then or later) and (topic != "thanks" or now):
        return Reading(REPORT)  # "selamat malam, air mulai masuk rumah": a scene, though no hazard word
    if _harm_verb(expanded, lex, (parsed.evidence.get("hazard") or "").split()):
        return Reading(REPORT)  # "terima kasih, rumah kami roboh": a report that thanks
    return Reading(CONVERSATION, topic, found[topic])


def _stop(lex: Lexicon, joined: str, plain: list[str]) -> str | None:
    """A stop request: a phrase of several words anywhere ("jangan kirim sms lagi"), or one word first ("Stop! saya
    bukan warga sini") with no word of a scene: "hujan sudah berhenti" asks nothing."""
    phrases = {p for p in lex.stop_phrases if " " in p}
    first = plain[0] if plain and plain[0] in lex.stop_phrases and not _find(lex.scene_words, joined) else None
    return _find(phrases, joined) or first  # "stop, air sudah sampai jalan" is no stop request


def _promo(text: str, joined: str, lex: Lexicon) -> str | None:
    """An operator's or a shop's offer: a link or a dial code, or two promo words ("paket", "kuota")."""
    link = _URL.search(text) or _USSD.search(text)
    if link:
        return link.group(0)
    words = [p for p in lex.promo_words if f" {p} " in joined]
    return " ".join(sorted(words)[:2]) if len(set(words)) >= 2 else None


def _forecast(joined: str, lex: Lexicon) -> str | None:
    """A forwarded forecast or warning: two of its cues ("prakiraan … berpotensi", "bmkg … wib")."""
    cues = [c for c in lex.forecast_cues if f" {c} " in joined]
    return " ".join(sorted(cues)[:2]) if len(cues) >= 2 else None


def _memory(text: str, joined: str, lex: Lexicon) -> str | None:
    """A disaster remembered ("gempa tahun 2018 dulu", "waktu itu"), with nothing said of now ("sekarang")."""
    cue = _find(lex.memory_cues, joined)
    if cue and _find(lex.now_cues, joined.replace(f" {cue} ", " ")):  # "masih ingat" is memory; "masih" is now
        return None
    if cue is None and not _find(lex.now_cues, joined):
        # "gempa tahun 2018 dulu", "Tsunami Aceh 26 Desember 2004": a year gone by, and nothing said of now.
        cue = next((y for y in _YEAR.findall(text) if int(y) < date.today().year), None)
    return cue


def _question(text: str, joined: str, lex: Lexicon) -> str | None:
    word = _find(lex.questions, joined)
    if word:
        return word
    return "?" if text.rstrip().endswith("?") else None


def _about_the_future(question: str | None, joined: str, lex: Lexicon) -> bool:
    """A question about what may come ("apa besok hujan deras?"), not about what is happening."""
    return bool(question) and bool(_find(lex.future_cues, joined)) and not _find(lex.now_cues, joined)


def _harm_verb(tokens: list[str], lex: Lexicon, hazard_words: list[str]) -> bool:
    """A verb of harm to people or houses ("meninggal", "terendam", "roboh"), besides the words that named the
    hazard ("lempe" names a flood and says a house is flooded: in a memory it is the memory's)."""
    return any(
        len(t) > 2 and (t in lex.people_cues or t in lex.house_cues) and t not in hazard_words for t in tokens
    )  # "rb" is "rusak berat" beside a count, and "ribu" in "Rp10rb"
