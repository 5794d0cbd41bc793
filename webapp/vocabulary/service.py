"""What a kecamatan teaches its parser: the languages its people write, the dusun of its desa, and words learned
from triage. Each takes effect on the kecamatan's next message (``parsers.parser_for`` drops its copy when they
change).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from sms.desa import key
from sms.lexicon import LANGUAGES
from sms.parse import tokenize
from sms.text import fold
from sms.vocab import HAZARDS

from ..access import Forbidden, can, desa_in_reach
from ..extensions import db
from ..models import Dusun, Incident, LearnedTerm, Region, Report, User
from .parsers import parser_for, readable

MAX_PHRASE_WORDS = 3
# Words never worth remembering on their own: what every message says around the words that matter.
STOPWORDS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "ini",
        "itu",
        "ada",
        "sudah",
        "belum",
        "tolong",
        "pak",
        "bu",
        "mohon",
        "segera",
        "sekarang",
        "lagi",
        "juga",
        "sangat",
        "banyak",
        "kami",
        "kita",
        "saya",
        "warga",
        "desa",
        "dusun",
        "kampung",
        "rumah",
        "air",
        "orang",
        "jalan",
        "sini",
        "sana",
        "tadi",
        "malam",
        "pagi",
        "siang",
        "sore",
    ]
)


class VocabularyError(ValueError):
    """Input that cannot be saved; the message says why. Nothing is written."""


@dataclass(frozen=True)
class Proposal:
    """A word to remember, proposed after staff classified a report the parser could not."""

    kind: str  # hazard | desa
    phrase: str
    value: str  # hazard slug or desa code
    report_id: int


# --- Languages ------------------------------------------------------------------------------------------------


def languages_of(kecamatan: Region) -> list[str]:
    return [c for c in (kecamatan.languages or "").split(",") if c in LANGUAGES]


def set_languages(user: User, kecamatan: Region, codes: list[str]) -> None:
    """The languages a kecamatan's people write; none chosen (or all): every language is read. Commits."""
    if not can(user, "vocabulary", kecamatan.code) or kecamatan.level != "kecamatan":
        raise Forbidden("vocabulary")
    chosen = [c for c in LANGUAGES if c in codes]
    kecamatan.languages = ",".join(chosen) if chosen and len(chosen) < len(LANGUAGES) else None
    db.session.commit()


# --- Learning from triage -------------------------------------------------------------------------------------


def _unknown_words(text: str, kecamatan_code: str) -> list[str]:
    """The words of a message the parser does not know (neither a hazard, count nor place word, nor a desa, nor a
    word of greeting, thanks or question)."""
    lexicon, gazetteer = parser_for(kecamatan_code)
    desa_words = {w for name in gazetteer.names.values() for w in fold(name).split()}
    return [
        t for t in tokenize(readable(text), lexicon)
        if t.isalpha() and len(t) >= 4 and t not in lexicon.known_words and t not in STOPWORDS
        and t not in desa_words and t not in lexicon.place_cues and t not in lexicon.conversation_words
    ]  # fmt: skip


def _place_phrase(text: str, kecamatan_code: str) -> str | None:
    """The words after a place cue ("di sei tabuk", "e bandaran"): what the reporter called the desa."""
    lexicon, _gazetteer = parser_for(kecamatan_code)
    tokens = tokenize(readable(text), lexicon)
    for i, token in enumerate(tokens[:-1]):
        if token in lexicon.place_cues | {"desa", "kampung", "dusun"}:
            words = []
            stop = lexicon.hazard_info.keys() | lexicon.people_cues.keys() | lexicon.house_cues.keys() | STOPWORDS
            for word in tokens[i + 1 : i + 1 + MAX_PHRASE_WORDS]:
                if not word.isalpha() or word in stop or word in lexicon.place_cues:
                    break
                words.append(word)
            if words:
                return " ".join(words)
    return None


def proposals(incident: Incident) -> list[Proposal]:
    """After staff set an incident's hazard or desa: for each report the parser could not classify, the word it
    may have meant ("galodo" → banjir) and the name it may have used for the desa ("sei tabuk" → Sungai Tabuk),
    unless already learned."""
    learned = {
        (t.kind, t.phrase)
        for t in db.session.scalars(select(LearnedTerm).where(LearnedTerm.kecamatan_code == incident.kecamatan_code))
    }
    found: dict[tuple[str, str], Proposal] = {}
    for report in incident.reports:
        if report.channel == "web" or report.command not in ("lapor", None):
            continue
        if incident.hazard and report.hazard is None:
            for word in _unknown_words(report.raw_text, incident.kecamatan_code)[:2]:
                if ("hazard", word) not in learned:
                    found.setdefault(("hazard", word), Proposal("hazard", word, incident.hazard, report.id))
        if incident.desa_code and report.desa_code is None:
            phrase = _place_phrase(report.raw_text, incident.kecamatan_code)
            if phrase and ("desa", phrase) not in learned and key(phrase) != key(incident.desa.name):
                found.setdefault(("desa", phrase), Proposal("desa", phrase, incident.desa_code, report.id))
    return list(found.values())


def teach(user: User, kind: str, phrase: str, value: str, report_id: int) -> LearnedTerm:
    """Remember a proposal for the report's kecamatan; the phrase must be in the report, the value a hazard or a
    desa of that kecamatan. Asking twice keeps one. Commits."""
    report = db.session.get(Report, report_id)
    if report is None:
        raise VocabularyError(_("Laporan tidak ditemukan."))
    if not can(user, "vocabulary", report.kecamatan_code):
        raise Forbidden("vocabulary")
    phrase = " ".join(fold(phrase or "").split())[:80]
    if not phrase or phrase not in " ".join(tokenize(readable(report.raw_text))):
        raise VocabularyError(_("Kata itu tidak ada di laporan."))
    if kind == "hazard" and value not in HAZARDS:
        raise VocabularyError(_("Jenis bencana tidak dikenal."))
    if kind == "desa":
        desa = db.session.get(Region, value)
        if desa is None or desa.parent_code != report.kecamatan_code:
            raise VocabularyError(_("Desa itu bukan desa kecamatan ini."))
    if kind not in ("hazard", "desa"):
        raise VocabularyError(_("Jenis kata tidak dikenal."))
    existing = db.session.scalar(
        select(LearnedTerm).where(
            LearnedTerm.kecamatan_code == report.kecamatan_code, LearnedTerm.kind == kind, LearnedTerm.phrase == phrase
        )  # fmt: skip
    )
    if existing is not None:
        return existing
    term = LearnedTerm(kecamatan_code=report.kecamatan_code, kind=kind, phrase=phrase, value=value,
                       report_id=report.id, created_by_id=user.id)  # fmt: skip
    db.session.add(term)
    db.session.commit()
    return term


def forget(user: User, term: LearnedTerm) -> None:
    if not can(user, "vocabulary", term.kecamatan_code):
        raise Forbidden("vocabulary")
    db.session.delete(term)
    db.session.commit()


# --- Dusun ----------------------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = re.sub(r"^(dusun|dsn|dukuh|kampung|kp)\.?\s+", "", " ".join((name or "").split()), flags=re.I)
    return name[:80]


def _refuse_taken_names(desa: Region, names: list[str]) -> None:
    """A dusun's names must not read as another place of its kecamatan: the parser would send that place's SMS
    to this desa ("banjir di desa bandaran" to Sumberrejo, whose dusun was called "Bandaran"). Refused: what reads
    as a desa (its name, a name staff taught, or one within the parser's typo budget of a desa name), and the names
    of another desa's dusun. Compared as the parser compares names (``key``); the desa's own dusun may share."""
    _lexicon, gazetteer = parser_for(desa.parent_code)

    def labels(codes: set[str]) -> str:
        return ", ".join(sorted(db.session.get(Region, code).label for code in codes))

    for name in names:
        codes = gazetteer.desa_of_name(name)
        if codes:
            message = _("“%(name)s” terbaca sebagai %(desa)s. Nama dusun tidak boleh sama dengan nama desa.",
                        name=name, desa=labels(codes))  # fmt: skip
            raise VocabularyError(message)
        others = gazetteer.dusun.get(key(name), set()) - {desa.code}
        if others:
            message = _("“%(name)s” sudah menjadi nama dusun di %(desa)s. Nama dusun tidak boleh sama dengan "
                        "dusun desa lain.", name=name, desa=labels(others))  # fmt: skip
            raise VocabularyError(message)


def add_dusun(user: User, desa_code: str, name: str, aliases: str = "", source: str = "petugas") -> Dusun:
    """A dusun of a desa in the user's reach (a desa official: their own desa). Asking twice keeps one. Refused
    (VocabularyError, nothing changed) when the name or another spelling is a desa's or another desa's dusun's
    in the kecamatan. The caller commits."""
    desa = db.session.get(Region, desa_code or "")
    if desa is None or desa.level != "desa":
        raise VocabularyError(_("Desa tidak dikenal."))
    if not can(user, "dusun", desa.code):
        raise Forbidden("dusun")
    name = _clean_name(name)
    if not name or not key(name):
        raise VocabularyError(_("Nama dusun wajib diisi."))
    spellings = ";".join(a for a in (_clean_name(a) for a in re.split(r"[;,]", aliases or "")) if a)[:300]
    _refuse_taken_names(desa, [name, *(a for a in spellings.split(";") if key(a))])
    dusun = db.session.scalar(select(Dusun).where(Dusun.desa_code == desa.code, Dusun.name == name))
    if dusun is None:
        dusun = Dusun(desa_code=desa.code, name=name, aliases=spellings or None, source=source, added_by_id=user.id)
        db.session.add(dusun)
    elif spellings:
        merged = dict.fromkeys([*(dusun.aliases or "").split(";"), *spellings.split(";")])
        dusun.aliases = ";".join(a for a in merged if a)[:300]
    return dusun


@dataclass
class ImportResult:
    added: int
    errors: list[str]


def import_dusun(user: User, data: bytes) -> ImportResult:
    """A CSV of ``desa,dusun[,nama lain;nama lain]`` (a header row is skipped): every row in the user's reach is
    added; rows naming an unknown desa or one outside the reach, and rows ``add_dusun`` refuses (a name taken by a
    desa, or by another desa's dusun, also one an earlier row of the file gave), are listed, not added. All or
    nothing: with any error, nothing is written."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise VocabularyError(_("Berkas harus CSV dengan huruf UTF-8.")) from exc
    desa = {key(d.name): d.code for d in desa_in_reach(user, "dusun")}
    added, errors = 0, []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not any(cell.strip() for cell in row):
            continue
        if number == 1 and row[0].strip().lower() in ("desa", "nama desa", "kelurahan"):
            continue
        if len(row) < 2 or not row[1].strip():
            errors.append(_("Baris %(num)d: tulis desa,dusun.", num=number))
            continue
        code = desa.get(key(row[0]))
        if code is None:
            errors.append(_("Baris %(num)d: desa %(desa)s tidak ada di wilayah Anda.", num=number, desa=row[0].strip()))
            continue
        try:
            add_dusun(user, code, row[1], row[2] if len(row) > 2 else "", source="csv")
            added += 1
        except VocabularyError as exc:
            errors.append(_("Baris %(num)d: %(reason)s", num=number, reason=str(exc)))
    if errors:
        db.session.rollback()
        return ImportResult(0, errors)
    db.session.commit()
    return ImportResult(added, [])


def remove_dusun(user: User, dusun: Dusun) -> None:
    if not can(user, "dusun", dusun.desa_code):
        raise Forbidden("dusun")
    db.session.delete(dusun)
    db.session.commit()
