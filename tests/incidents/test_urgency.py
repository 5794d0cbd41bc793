""" "Paling mendesak" as a BPBD officer would order two incidents: each pair below is (the one to open first, the
other, why). Both are put on the same staff list and the list must show the first above the second."""

from datetime import UTC, datetime, timedelta

import pytest

from conftest import signed_in, tickets_in
from webapp.extensions import db

WINONGAN = "35.14.19"
T0 = datetime(2026, 11, 1, 8, tzinfo=UTC)

# Each side: (status, opened hours after T0, counts, severity)
PAIRS = [
    (
        ("diverifikasi", 0, {"meninggal": 3, "hilang": 4, "mengungsi": 120}, None),
        ("baru", 0, {}, None),
        "a verified flood with dead and missing above an empty unverified report",
    ),
    (("baru", 2, {"meninggal": 3}, None), ("baru", 0, {"mengungsi": 40}, None), "3 dead outrank 40 displaced"),
    (
        ("baru", 5, {"hilang": 1}, None),
        ("diverifikasi", 0, {"luka": 12}, None),
        "a missing person outranks the injured",
    ),
    (
        ("baru", 3, {"luka": 2}, None),
        ("diverifikasi", 0, {"mengungsi": 300}, None),
        "the injured outrank the displaced",
    ),
    (
        ("baru", 0, {"meninggal": 1}, None),
        ("ditangani", 0, {}, 3),
        "an unverified death is not buried under verified incidents without casualties",
    ),
    (
        ("baru", 1, {"mengungsi": 80}, None),
        ("diverifikasi", 0, {"terdampak": 500}, None),
        "the displaced outrank the affected",
    ),
    (
        ("diverifikasi", 0, {"meninggal": 2, "hilang": 3}, None),
        ("diverifikasi", 0, {"meninggal": 4}, None),
        "dead and missing count together: 5 above 4",
    ),
    (("baru", 0, {"mengungsi": 10}, None), ("baru", 0, {}, 3), "a figure of people above a severity alone"),
    (("baru", 6, {}, 3), ("baru", 0, {}, None), "with no figures, the severity staff gave"),
    (("baru", 0, {}, None), ("baru", 4, {}, None), "with nothing else to tell them apart, the one waiting longest"),
    (("diverifikasi", 0, {}, None), ("selesai", -24, {"meninggal": 5}, None), "anything open above what is done"),
    (("baru", 0, {}, None), ("ditolak", 0, {"meninggal": 9}, None), "a rejected rumour below every open incident"),
    (("ditangani", 2, {"luka": 1}, None), ("baru", 0, {"rumah_terendam": 40}, None), "people above houses"),
]


def _incident(make_incident, desa, side):
    status, hours, counts, severity = side
    incident = make_incident(WINONGAN, desa, opened_at=T0 + timedelta(hours=hours), **counts)
    incident.status, incident.severity = status, severity
    return incident


@pytest.mark.parametrize(("first", "second", "why"), PAIRS, ids=[why for _a, _b, why in PAIRS])
def test_the_list_opens_with_what_a_bpbd_officer_would_open_first(app, make_user, make_incident, first, second, why):
    a = _incident(make_incident, "Gading", first)
    b = _incident(make_incident, "Prodo", second)
    db.session.commit()
    html = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/incidents?status=").get_data(as_text=True)
    shown = [t for t in tickets_in(html) if t in (a.ticket, b.ticket)]
    assert shown == [a.ticket, b.ticket], why


def test_the_rule_is_written_on_the_list(app, make_user):
    html = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/incidents").get_data(as_text=True)
    assert "korban meninggal dan hilang, luka, mengungsi, terdampak (terverifikasi atau belum)" in html
