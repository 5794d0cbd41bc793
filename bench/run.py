"""``make bench``: every benchmark on SQLite and on PostgreSQL, printed as a table and written to
``bench/results.json``.

- page weight: bytes on the wire per page in real Chromium (budget 14 KB), and the map library apart; the first
  visit, every resource with an empty cache (sign-in and public pages ≤ 14 KB, the incident page and map ≤ 40 KB);
- a new report's cost in process: SQL statements and server time per signed webhook (Twilio, Android), joining an
  incident, opening one, and a repeated delivery (≤ 8 statements, ≤ 3 ms median);
- webhook throughput: signed Twilio SMS per second through gunicorn, against a trivial Flask route served the
  same way (target: at least 0.15 of it), p50 and p99 latency, and a worker's resident memory after it
  (≤ 100 MB);
- scale: ``/incidents`` and ``/api/incidents`` server time with 10 000 and 100 000 reports for kecamatan staff,
  kabupaten staff and an admin (p95 ≤ 15 ms on SQLite and ≤ 20 ms on PostgreSQL at 100 000, at most 1.2× the
  10 000 figure), and the SQL statements one page of each sends (the same at both sizes);
- the SPM dashboard on a year of a kabupaten; the SMS parser's accuracy and speed;
- password guessing through gunicorn: when the 429s start and what each answer costs;
- a broadcast to 5 000 residents through 3 rate-limited fake gateway phones with villagers' reports meanwhile and
  the worker killed mid-way: time to the last resident against the phones' limit, replies' wait in send slots,
  messages sent twice or lost.

PostgreSQL is the server at ``BENCH_POSTGRES`` (default ``postgresql://postgres@127.0.0.1:5432``), where each
part gets a throw-away database; without a reachable server only SQLite runs.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bmkg  # noqa: E402
import broadcast  # noqa: E402
import dashboard  # noqa: E402
import intake  # noqa: E402
import pages  # noqa: E402
import scale  # noqa: E402
import signin  # noqa: E402
import sms_parse  # noqa: E402
import throughput  # noqa: E402
from harness import database, postgres_available  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results.json"
PARTS = {"pages": pages.run, "intake": intake.run, "throughput": throughput.run, "scale": scale.run,
         "dashboard": dashboard.run, "signin": signin.run, "bmkg": bmkg.run, "broadcast": broadcast.run}  # fmt: skip


def main() -> dict:
    only = [p for p in os.environ.get("BENCH_ONLY", "").split(",") if p]
    kinds = ["sqlite"] + (["postgresql"] if postgres_available() else [])
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "databases": {},
    }
    if not only or "parser" in only:
        results["parser"] = sms_parse.main()
    for kind in kinds:
        results["databases"][kind] = {}
        for name, part in PARTS.items():
            if only and name not in only:
                continue
            print(f"== {name} on {kind}", flush=True)
            begin = time.perf_counter()
            with database(kind) as url:
                results["databases"][kind][name] = part(url)
            print(f"   {time.perf_counter() - begin:.0f} s", flush=True)
    if "postgresql" not in kinds:
        results["databases"]["postgresql"] = {"skipped": "no PostgreSQL server at BENCH_POSTGRES"}
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    report(results)
    return results


def _check(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def report(results: dict) -> None:
    machine = results["machine"]
    print(f"\nResults ({machine['cpus']} CPUs, Python {machine['python']}), written to {RESULTS}")
    for kind, parts in results["databases"].items():
        print(f"\n{kind}")
        if "skipped" in parts:
            print(f"  skipped: {parts['skipped']}")
            continue
        if "pages" in parts and "bytes" in parts["pages"]:
            p = parts["pages"]
            print(f"  page weight (bytes on the wire, budget {p['budget']}): {_check(not p['over_budget'])}")
            for path, size in p["bytes"].items():
                print(f"    {path:34} {size:>7}")
            print(f"    map library (gzip, apart) {p['map_library_bytes']:>6}")
            if "first_visit" in p:
                budget = p["first_visit_budget"]
                print(f"  first visit (all resources, empty cache; budget {budget['light']} sign-in and public, "
                      f"{budget['map']} incident page and map): {_check(not p['first_visit_over'])}")  # fmt: skip
                for path, size in p["first_visit"].items():
                    parts_of = ", ".join(f"{k} {v}" for k, v in size.items() if k != "total")
                    print(f"    {path:34} {size['total']:>7}  ({parts_of})")
            print(f"    public image card (PNG)   {p['image_card_bytes']:>6}")
        elif "pages" in parts:
            print(f"  page weight: {parts['pages']['skipped']}")
        if "intake" in parts:
            for gateway, kinds in parts["intake"].items():
                figures = "; ".join(f"{kind} {k['statements_median']} statements (max {k['statements_max']}), "
                                    f"{k['server_ms_median']} ms" for kind, k in kinds.items())  # fmt: skip
                new = [k for kind, k in kinds.items() if kind != "repeat"]
                ok = all(k["statements_max"] <= 8 for k in new), all(k["server_ms_median"] <= 3 for k in new)
                print(f"  a new report through {gateway} (in process, median): {figures}; targets ≤ 8 statements "
                      f"{_check(ok[0])}, ≤ 3 ms {_check(ok[1])}")  # fmt: skip
        if "throughput" in parts:
            t = parts["throughput"]
            w, b = t["webhook"], t["trivial_route"]
            print(f"  webhook throughput: {w['per_second']}/s (p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, "
                  f"non-2xx {w['non_2xx']}); trivial route {b['per_second']}/s (p50 {b['p50_ms']} ms); "
                  f"ratio {t['ratio']} (target ≥ 0.15: {_check(t['ratio'] >= 0.15)})")  # fmt: skip
            print(f"  worker RSS after the load: {t['worker_rss_mb']} MB (target ≤ 100: "
                  f"{_check(t['worker_rss_mb'] is not None and t['worker_rss_mb'] <= 100)})")  # fmt: skip
        if "scale" in parts:
            s = parts["scale"]
            sizes = [k for k in s if k.isdigit()]
            target, ratio = s["targets"]["p95_ms"], s["targets"]["ratio"]
            print(f"  list and API (targets at {sizes[-1]} reports: p95 ≤ {target} ms, ×{ratio} at most):")
            for name in s["ratio_p95"]:
                figures = ", ".join(f"{k} reports p50 {s[k][name]['p50_ms']} / p95 {s[k][name]['p95_ms']} ms"
                                    for k in sizes)  # fmt: skip
                counted = " → ".join(str(s[k]["statements"][name]) for k in sizes)
                p95 = s[sizes[-1]][name]["p95_ms"]
                print(f"    {name:14} {figures}; ratio {s['ratio_p95'][name]}; {counted} SQL statements; "
                      f"p95 {_check(p95 <= target)}, ratio {_check(s['ratio_p95'][name] <= ratio)}, "
                      f"statements {_check(len({s[k]['statements'][name] for k in sizes}) == 1)}")  # fmt: skip
        if "dashboard" in parts:
            d = parts["dashboard"]
            print(f"  dashboard, a year of a kabupaten ({d['kabupaten_incidents_in_year']} incidents): page "
                  f"{d['kabupaten_page_ms']} ms; one kecamatan {d['kecamatan_page_ms']} ms")  # fmt: skip
        if "signin" in parts:
            g = parts["signin"]
            for name in ("one_account_one_address", "fifty_emails_one_address"):
                r = g[name]
                answers = ", ".join(f"{k}: {v['count']} × {v['median_ms']} ms" for k, v in r["answers"].items())
                print(f"  sign-in, 50 guesses, {name.replace('_', ' ')} ({g['storage']}): first 429 at attempt "
                      f"{r['first_429_at_attempt']}; {answers}; {r['total_s']} s in all")  # fmt: skip
            c = g["colleague_sign_in"]
            print(
                f"  a colleague's sign-in from elsewhere meanwhile: {c['during']} ({c['ms']} ms), after: {c['after']}"
            )
        if "broadcast" in parts:
            b = parts["broadcast"]
            print(f"  broadcast to {b['residents']} residents, {b['phones']} phones at {b['rate_per_phone']}: last "
                  f"resident after {b['seconds_to_last_resident']} s, limit {b['physical_limit_seconds']} s, ratio "
                  f"{b['ratio']} (target ≥ 0.9: {_check(b['ratio'] >= 0.9)}); {b['replies']} replies meanwhile, "
                  f"wait p50 {b['reply_wait_slots_p50']} / p95 {b['reply_wait_slots_p95']} slots (target ≤ 2: "
                  f"{_check(b['reply_wait_slots_p95'] is not None and b['reply_wait_slots_p95'] <= 2)}); worker killed "
                  f"{b['worker_killed']}: sent twice {b['sent_twice']}, lost {b['lost']} "
                  f"({_check(b['sent_twice'] == 0 and b['lost'] == 0)}); "
                  f"refused by phones {b['refused_by_phones_429']}")  # fmt: skip
        if "bmkg" in parts:
            w = parts["bmkg"]
            print(f"  BMKG poll: first cycle {w['first_cycle_ms']} ms ({w['first_cycle']}); unchanged cycle (304) "
                  f"median {w['unchanged_cycle_median_ms']} ms")  # fmt: skip


if __name__ == "__main__":
    main()
