"""The SPM dashboard: every metric on incidents with known timestamps, exports, the recap, the API, who may see it."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import geojson
import pytest

from conftest import desa_code, login
from webapp.accounts import issue_api_token
from webapp.dashboard.service import Durations, dashboard
from webapp.extensions import db
from webapp.incidents import merging
from webapp.models import Broadcast, Incident, IncidentEvent, OutboundMessage, Region, Report, Reporter
from webapp.regions.areas import Area, Period

WINONGAN, REJOSO = "35.14.19", "35.14.23"
NOVEMBER = Period.month(2026, 11)
AFTER = datetime(2026, 12, 5, tzinfo=UTC)  # "now" when the figures are read: long after the period
PATH = ("diverifikasi", "ditangani", "selesai")


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def make(ticket, desa, hazard, first, reached=(), status=None, kecamatan=WINONGAN, location=None, **counts) -> Incident:
    """An incident whose first report came at ``first`` and which reached each (status, hours later)."""
    desa = desa_code(kecamatan, desa) if desa else None
    incident = Incident(ticket=ticket, hazard=hazard, kecamatan_code=kecamatan, desa_code=desa, opened_at=first,
                        last_report_at=first, **counts)  # fmt: skip
    db.session.add(incident)
    latitude, longitude = location or (None, None)
    db.session.add(Report(channel="sms", external_id=f"r-{ticket}", raw_text="-", kecamatan_code=kecamatan,
                          incident=incident, received_at=first, latitude=latitude, longitude=longitude))  # fmt: skip
    old = "baru"
    for new, hours in reached:
        db.session.add(IncidentEvent(incident=incident, kind="status", at=first + timedelta(hours=hours),
                                     data={"old": old, "new": new}))  # fmt: skip
        old = new
    incident.status = status or old
    return incident


@pytest.fixture
def november(ctx):
    """Winongan's November 2026 (WIB, UTC+7), and what must be left out of it."""
    make("AAAAA", "Gading", "banjir", at(3, 1), [("diverifikasi", 2), ("ditangani", 5), ("selesai", 30)],
         rumah_terendam=10, mengungsi=20, location=(-7.712345, 112.912345))  # fmt: skip
    make("BBBBB", "Gading", "banjir", at(10), [("diverifikasi", 30), ("ditangani", 40)], terdampak=50, luka=1)
    make("CCCCC", "Prodo", "tanah_longsor", at(15), [("diverifikasi", 10), ("selesai", 20)],
         meninggal=1, rumah_rusak_berat=2)  # fmt: skip
    make("DDDDD", "Prodo", "banjir", at(20))  # never verified
    make("EEEEE", "Gading", "banjir", at(21), [("ditolak", 1)], rumah_terendam=99)  # rejected: not counted
    make("FFFFF", None, "kebakaran", at(25), [("diverifikasi", 1)])  # desa not known
    make("HHHHH", "Kandung", "banjir", datetime(2026, 10, 31, 17, tzinfo=UTC), terdampak=5)  # 1 Nov 00:00 WIB
    make("GGGGG", "Gading", "banjir", datetime(2026, 10, 31, 16, 59, tzinfo=UTC))  # 31 Oct 23:59 WIB: outside
    make("RRRRR", "Patuguran", "banjir", at(5), [("diverifikasi", 1)], kecamatan=REJOSO)  # another kecamatan
    make("MMMMM", "Gading", "banjir", at(4), [("diverifikasi", 1)], status="digabung")  # merged away
    make("XXXXX", "Gading", "banjir", at(1, month=12), [("diverifikasi", 1)])  # December
    db.session.commit()


def figures(area=WINONGAN, period=NOVEMBER, now=AFTER):
    return dashboard(Area(area, "Kecamatan Winongan"), period, now)


def row(board, name):
    return next(g for g in board.by_area if g.label == name)


def test_incidents_by_status_hazard_and_desa(november):
    board = figures()
    assert sorted(i.ticket for i in board.incidents) == ["AAAAA", "BBBBB", "CCCCC", "DDDDD", "EEEEE", "FFFFF", "HHHHH"]
    assert board.overall.statuses == {"baru": 2, "diverifikasi": 1, "ditangani": 1, "selesai": 2, "ditolak": 1}
    assert [(g.key, g.incidents) for g in board.by_hazard] == [("banjir", 5), ("kebakaran", 1), ("tanah_longsor", 1)]
    assert [(row(board, n).incidents) for n in ("Gading", "Prodo", "Kandung", "Sumberrejo")] == [3, 2, 1, 0]
    assert row(board, "desa belum jelas").incidents == 1
    assert len(board.by_area) == 18 + 1  # every desa of Winongan, quiet ones too, and the unknown desa


def test_response_times_median_and_90th_percentile(november):
    board = figures()
    assert board.overall.times == {
        "diverifikasi": Durations(4, 6.0, 30.0),  # 1, 2, 10, 30 hours
        "ditangani": Durations(2, 22.5, 40.0),  # 5, 40
        "selesai": Durations(2, 25.0, 30.0),  # 20, 30
    }
    assert row(board, "Gading").times["diverifikasi"] == Durations(2, 16.0, 30.0)  # the rejected one left out
    assert row(board, "Prodo").times["selesai"] == Durations(1, 20.0, 20.0)
    assert row(board, "Kandung").times["diverifikasi"] == Durations(0, None, None)
    banjir = next(g for g in board.by_hazard if g.key == "banjir")
    assert banjir.times["ditangani"] == Durations(2, 22.5, 40.0)


def test_ninetieth_percentile_is_the_nearest_rank():
    assert Durations.of([float(h) for h in range(1, 11)]) == Durations(10, 5.5, 9.0)
    assert Durations.of([float(h) for h in range(1, 12)]) == Durations(11, 6.0, 10.0)
    assert Durations.of([3.0]) == Durations(1, 3.0, 3.0)
    assert Durations.of([]) == Durations(0, None, None)


def test_share_verified_within_24_hours(november):
    board = figures()
    # Verified in time: A (2 h), C (10 h), F (1 h). Late: B (30 h). Never, and older than a day: D, H.
    assert (board.overall.verified_24h, board.overall.decidable_24h, board.overall.pending_24h) == (3, 6, 0)
    assert board.overall.share_24h == 0.5
    assert (row(board, "Gading").verified_24h, row(board, "Gading").decidable_24h) == (1, 2)


def test_an_unverified_incident_younger_than_a_day_is_pending_not_late(november):
    board = figures(now=at(20, 5))  # D came in 5 hours ago; only part of the month has happened
    assert (board.overall.verified_24h, board.overall.decidable_24h, board.overall.pending_24h) == (3, 5, 1)


def test_people_and_houses_are_the_sums_of_real_incidents(november):
    totals = figures().overall.totals
    assert (totals["meninggal"], totals["luka"], totals["mengungsi"], totals["terdampak"]) == (1, 1, 20, 55)
    assert (totals["rumah_rusak_berat"], totals["rumah_terendam"]) == (2, 10)  # the rejected 99 left out


def test_an_empty_period_has_zeros_and_no_times(november):
    board = figures(period=Period.month(2025, 1))
    assert board.incidents == [] and board.by_hazard == []
    assert board.overall.incidents == 0 and board.overall.share_24h is None
    assert board.overall.times["diverifikasi"] == Durations(0, None, None)
    assert all(g.incidents == 0 for g in board.by_area)


def test_after_a_merge_the_clock_starts_at_the_first_report_of_both(ctx, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    later = make("AAAAA", "Gading", "banjir", at(3, 10), [("diverifikasi", 2)])
    earlier = make("BBBBB", "Gading", "banjir", at(3, 4))
    db.session.commit()
    merging.merge(earlier, staff, later.ticket)
    board = figures()
    assert [i.ticket for i in board.incidents] == ["AAAAA"]
    assert board.overall.times["diverifikasi"] == Durations(1, 8.0, 8.0)  # from 04:00, not 10:00


def test_broadcasts_and_residents_reached_per_desa(november, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    gading, prodo = desa_code(WINONGAN, "Gading"), desa_code(WINONGAN, "Prodo")
    people = [Reporter(phone=f"+62812000000{n}", desa_code=gading if n < 4 else prodo) for n in range(1, 5)]
    db.session.add_all(people)
    db.session.flush()

    def broadcast(key, moment, desa, sends):
        b = Broadcast(key=key, kind="peringatan", body="x", kecamatan_code=WINONGAN, created_by_id=staff.id,
                      created_at=moment, desa=desa)  # fmt: skip
        db.session.add(b)
        db.session.flush()
        for person, status in sends:
            db.session.add(OutboundMessage(key=f"{key}-{person.id}", purpose="broadcast", gateway="console",
                                           to_phone=person.phone, body="x", status=status, broadcast_id=b.id,
                                           kecamatan_code=WINONGAN, desa_code=person.desa_code,
                                           reporter_id=person.id))  # fmt: skip

    regions = {code: db.session.get(Region, code) for code in (gading, prodo)}
    one, two, three, four = people
    broadcast("b1", at(6), [regions[gading], regions[prodo]],
              [(one, "delivered"), (two, "sent"), (three, "failed"), (four, "sent")])  # fmt: skip
    broadcast("b2", at(7), [regions[gading]], [(one, "delivered")])
    broadcast("b3", at(2, month=12), [regions[gading]], [(three, "delivered")])  # after the period
    db.session.commit()
    board = figures()
    assert (row(board, "Gading").broadcasts, row(board, "Gading").residents_reached) == (2, 2)
    assert (row(board, "Prodo").broadcasts, row(board, "Prodo").residents_reached) == (1, 1)
    assert (board.overall.broadcasts, board.overall.residents_reached) == (2, 3)


def test_a_kabupaten_is_grouped_by_kecamatan(november):
    board = dashboard(Area("35.14", "Pasuruan"), NOVEMBER, AFTER)
    assert {g.label: g.incidents for g in board.by_area} == {"Winongan": 7, "Rejoso": 1}


def test_period_from_the_query_string():
    today = date(2026, 11, 22)
    assert Period.from_args({}, today) == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert Period.from_args({"bulan": "2026-02"}, today) == Period(date(2026, 2, 1), date(2026, 2, 28))
    assert Period.from_args({"bulan": "2026-12"}, today).last == date(2026, 12, 31)
    assert Period.from_args({"dari": "2026-11-03", "sampai": "2026-11-04"}, today) == Period(
        date(2026, 11, 3), date(2026, 11, 4)
    )


# --- Pages, exports, API ----------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, make_user):
    user = make_user("kecamatan_staff", WINONGAN)
    login(client, user.email)
    return client


def test_dashboard_page_shows_tables_and_svg_charts(staff_client, november):
    response = staff_client.get("/dashboard?bulan=2026-11", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and len(response.data) <= 14 * 1024
    page = staff_client.get("/dashboard?bulan=2026-11").get_data(as_text=True)
    assert page.count("<svg") == 3 and "<script" not in page.split("</head>")[1]
    assert "50%" in page  # verified within 24 hours
    assert "6 jam / 30 jam" in page  # overall median / p90 to verification


@pytest.mark.parametrize(
    "query", ["bulan=2026-13", "bulan=kemarin", "dari=2026-11-05&sampai=2026-11-01", "dari=2026-11-01"]
)
def test_a_period_that_cannot_be_read_is_400(staff_client, query):
    response = staff_client.get(f"/dashboard?{query}")
    assert response.status_code == 400


def test_csv_round_trips_and_opens_in_excel_as_utf8(staff_client, november):
    response = staff_client.get("/dashboard/incidents.csv?bulan=2026-11")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == 7
    a = next(r for r in rows if r["tiket"] == "AAAAA")
    assert (a["desa"], a["laporan_pertama (WIB)"], a["diverifikasi (WIB)"]) == (
        "Gading",
        "2026-11-03 08:00",
        "2026-11-03 10:00",
    )
    assert (a["jam_sampai_diverifikasi"], a["jam_sampai_selesai"], a["rumah_terendam"]) == ("2.00", "30.00", "10")
    assert (a["lintang"], a["bujur"]) == ("-7.712345", "112.912345")
    semicolons = staff_client.get("/dashboard/incidents.csv?bulan=2026-11&pemisah=titikkoma").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(semicolons), delimiter=";"))
    assert next(r for r in rows if r["tiket"] == "AAAAA")["jam_sampai_selesai"] == "30,00"


def test_geojson_validates_and_holds_the_incidents_with_a_location(staff_client, november):
    response = staff_client.get("/dashboard/incidents.geojson?bulan=2026-11")
    assert response.mimetype == "application/geo+json"
    collection = geojson.loads(response.get_data(as_text=True))
    assert collection.is_valid, collection.errors()
    (feature,) = collection["features"]
    assert feature["geometry"]["coordinates"] == [112.912345, -7.712345]  # longitude first
    assert feature["properties"]["ticket"] == "AAAAA" and feature["properties"]["rumah_terendam"] == 10


def test_printable_recap_lists_every_desa_with_totals(staff_client, november):
    page = staff_client.get("/dashboard/recap?bulan=2026-11").get_data(as_text=True)
    assert "Bulan November 2026" in page and "Kecamatan Winongan, Kabupaten Pasuruan" in page
    assert page.count("<tr><td>") == 18 + 1
    assert "Camat Winongan" in page and "@media print" not in page  # print styles live in the stylesheet


def test_json_api_gives_the_same_figures(client, november, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    token = issue_api_token(staff)
    response = client.get("/api/dashboard?bulan=2026-11", headers={"Authorization": f"Bearer {token}"})
    body = response.json
    assert response.status_code == 200 and body["area"]["code"] == WINONGAN
    assert body["overall"]["response_times"]["diverifikasi"] == {"count": 4, "median_hours": 6.0, "p90_hours": 30.0}
    assert body["overall"]["verified_within_24h"] == {"verified": 3, "of": 6, "pending": 0, "share": 0.5}
    official = make_user("desa_official", WINONGAN, desa="Gading")
    forbidden = client.get("/api/dashboard", headers={"Authorization": f"Bearer {issue_api_token(official)}"})
    assert forbidden.status_code == 403


def test_who_sees_which_dashboard(app, november, make_user):
    official, admin, rejoso = (make_user("desa_official", WINONGAN, desa="Gading"), make_user("admin"),
                               make_user("kecamatan_staff", REJOSO))  # fmt: skip
    browsers = {}
    for user in (official, admin, rejoso):
        browsers[user.role + user.region_code if user.region_code else user.role] = browser = app.test_client()
        login(browser, user.email)
    assert browsers[f"desa_official{official.region_code}"].get("/dashboard").status_code == 403
    rejoso_staff = browsers[f"kecamatan_staff{REJOSO}"]
    assert "Kecamatan Rejoso" in rejoso_staff.get("/dashboard?bulan=2026-11").get_data(as_text=True)
    assert rejoso_staff.get(f"/dashboard?bulan=2026-11&wilayah={WINONGAN}").status_code == 403  # not theirs
    admin_page = browsers["admin"].get(f"/dashboard?bulan=2026-11&wilayah={WINONGAN}").get_data(as_text=True)
    assert "Kecamatan Winongan" in admin_page
    assert browsers["admin"].get("/dashboard?wilayah=99.99").status_code == 400
