"""The SPM sheet for the kabupaten's report, as CSV: one row per service and hazard, then per desa."""

from __future__ import annotations

import csv
import io

from .service import Achievement, Line

COLUMNS = ["bagian", "nama", "layanan", "dilayani", "seharusnya_dilayani", "capaian_persen", "peringatan_dini_warga"]


def _percent(served: int, should: int) -> str:
    return f"{100 * served / should:.1f}" if should else ""


def _rows(part: str, line: Line):
    yield [part, line.label, "1 informasi rawan bencana", line.service1.served, line.should,
           _percent(line.service1.served, line.should), line.warned]  # fmt: skip
    yield [part, line.label, "2 pencegahan dan kesiapsiagaan", line.service2.served, line.should,
           _percent(line.service2.served, line.should), ""]  # fmt: skip
    yield [part, line.label, "3 penyelamatan dan evakuasi korban", line.rescue.served, line.rescue.should,
           _percent(line.rescue.served, line.rescue.should), ""]  # fmt: skip


def sheet_csv(figures: Achievement) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["wilayah", figures.region.code, figures.region.label, "periode", figures.first.isoformat(),
                     figures.last.isoformat()])  # fmt: skip
    writer.writerow(COLUMNS)
    for row in _rows("total", figures.total):
        writer.writerow(row)
    for line in figures.hazards:
        for row in _rows("bencana", line):
            writer.writerow(row)
    for line in figures.desa:
        for row in _rows("desa", line):
            writer.writerow(row)
    share = figures.verified_share
    writer.writerow(
        [
            "respon",
            f"diverifikasi dalam {figures.target_hours:g} jam ({figures.target_source})",
            "3",
            figures.verified_within,
            figures.verifiable,
            f"{100 * share:.1f}" if share is not None else "",
            "",
        ]
    )
    return out.getvalue()
