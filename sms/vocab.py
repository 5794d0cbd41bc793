"""Shared vocabulary after the BNPB data standard: hazard slugs and the counts of people and houses."""

from __future__ import annotations

# Hazard (jenis bencana) slugs and their Indonesian names, in BNPB order.
HAZARDS: dict[str, str] = {
    "banjir": "Banjir",
    "tanah_longsor": "Tanah longsor",
    "cuaca_ekstrem": "Cuaca ekstrem",
    "gelombang_pasang": "Gelombang pasang/abrasi",
    "gempabumi": "Gempabumi",
    "tsunami": "Tsunami",
    "erupsi": "Erupsi gunung api",
    "karhutla": "Kebakaran hutan dan lahan",
    "kekeringan": "Kekeringan",
    "kebakaran": "Kebakaran gedung dan permukiman",
}

# The word to type for each hazard in ``LAPOR <JENIS> <DESA>``; the parser reads every one of them.
HAZARD_KEYWORDS: dict[str, str] = {
    "banjir": "BANJIR",
    "tanah_longsor": "LONGSOR",
    "cuaca_ekstrem": "ANGIN",
    "gelombang_pasang": "ROB",
    "gempabumi": "GEMPA",
    "tsunami": "TSUNAMI",
    "erupsi": "ERUPSI",
    "karhutla": "KARHUTLA",
    "kekeringan": "KEKERINGAN",
    "kebakaran": "KEBAKARAN",
}

# People counted as persons (jiwa). ``luka`` is every injured person; Form B-1 splits them into ``luka_berat`` and
# ``luka_ringan``, and whatever of ``luka`` is in neither is "not split" (never guessed: old reports and a plain
# "3 luka" stay that way).
PEOPLE_COUNTS: tuple[str, ...] = ("meninggal", "hilang", "luka", "luka_berat", "luka_ringan", "mengungsi", "terdampak")
# People counted as households (kepala keluarga), when the reporter gives KK.
HOUSEHOLD_COUNTS: tuple[str, ...] = ("mengungsi_kk", "terdampak_kk")
# Houses by damage level.
HOUSE_COUNTS: tuple[str, ...] = (
    "rumah_rusak_berat",
    "rumah_rusak_sedang",
    "rumah_rusak_ringan",
    "rumah_terendam",
)
# Every BNPB count a report or an incident carries, in display order.
COUNT_FIELDS: tuple[str, ...] = PEOPLE_COUNTS + HOUSEHOLD_COUNTS + HOUSE_COUNTS

# Urgent needs (kebutuhan mendesak), in BNPB order: what a report may ask for ("butuh air bersih", "perlu perahu").
# The parser reads every one but "lainnya", which only a person chooses.
NEEDS: tuple[str, ...] = ("air_bersih", "pangan", "sandang", "tenda", "selimut", "obat", "evakuasi", "lainnya")


def settle_injuries(counts: dict[str, int]) -> dict[str, int]:
    """``counts`` with ``luka`` at least ``luka_berat`` + ``luka_ringan`` ("2 luka berat, 3 luka ringan": 5 injured
    in all); a larger ``luka`` stays (the rest is not split). Returns the same dict."""
    parts = counts.get("luka_berat", 0) + counts.get("luka_ringan", 0)
    if parts > counts.get("luka", 0):
        counts["luka"] = parts
    return counts


def injuries_not_split(counts: dict[str, int | None]) -> int | None:
    """The injured counted in ``luka`` but in neither ``luka_berat`` nor ``luka_ringan``; None when nobody gave
    ``luka`` (a count that is absent or None is unknown, never 0)."""
    if counts.get("luka") is None:
        return None
    return max(counts["luka"] - (counts.get("luka_berat") or 0) - (counts.get("luka_ringan") or 0), 0)


def add_counts(totals: dict[str, int | None], counts: dict[str, int | None]) -> None:
    """Add ``counts`` into ``totals`` figure by figure; a total stays None while nothing added gave that figure."""
    for name, value in counts.items():
        if value is not None:
            totals[name] = (totals.get(name) or 0) + value
