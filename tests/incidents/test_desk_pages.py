"""The desk at 2 a.m.: cards that triage, order and chips, the map, each role's home, the broadcast form's
counts, the dashboard's plain sentences and day-first dates, and the merge that the dashboard still counts."""

import json
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from conftest import csrf_token, desa_code, signed_in, tickets_in
from webapp.extensions import db
from webapp.incidents import actions, merging
from webapp.models import Agency, IncidentEvent, Reporter, utcnow
from webapp.regions.areas import Period
from webapp.relief.service import record_needs

WINONGAN = "35.14.19"


def test_a_card_shows_severity_people_needs_and_waiting(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading", opened_at=utcnow() - timedelta(hours=3), meninggal=1, hilang=2,
                             mengungsi=40, rumah_terendam=9)  # fmt: skip
    incident.severity = 3
    incident.reports[0].details = {"needs": ["air_bersih", "tenda"]}
    record_needs(incident, ["air_bersih", "tenda"], report=incident.reports[0])  # as the intake does
    db.session.commit()
    html = signed_in(app, staff).get("/incidents").get_data(as_text=True)
    card = html.split(f'<span class="ticket">{incident.ticket}</span>')[0].rsplit("<li", 1)[1] + html.split(
        f'<span class="ticket">{incident.ticket}</span>')[1].split("</li>")[0]  # fmt: skip
    assert "keparahan tinggi" in card and "Meninggal 1 · Hilang 2 · Mengungsi (jiwa) 40" in card
    assert "Butuh: Air bersih, Tenda/hunian" in card and "(3 jam lalu)" in card and "belum ada tindakan" in card
    assert "Belum diverifikasi lebih dari 30 menit" in card and "late" in card
    actions.change_status(incident, staff, "diverifikasi")
    html = signed_in(app, staff).get("/incidents").get_data(as_text=True)
    assert "tindakan terakhir 0 mnt lalu" in html and "Belum diverifikasi lebih dari" not in html


def test_the_order_is_stated_and_switchable(app, make_user, make_incident):
    start = datetime(2026, 11, 1, tzinfo=UTC)
    old = make_incident(WINONGAN, "Gading", opened_at=start, mengungsi=100)
    new = make_incident(WINONGAN, "Prodo", opened_at=start + timedelta(hours=5))
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    urgent = client.get("/incidents").get_data(as_text=True)
    assert "Urutan: paling mendesak" in urgent and tickets_in(urgent) == [old.ticket, new.ticket]
    newest = client.get("/incidents?urutan=terbaru").get_data(as_text=True)
    assert "Urutan: terbaru" in newest and tickets_in(newest) == [new.ticket, old.ticket]
    actions.add_note(old, make_user("kecamatan_staff", WINONGAN), "dicek")  # old got an action just now
    waiting = client.get("/incidents?urutan=terlama").get_data(as_text=True)
    assert tickets_in(waiting) == [new.ticket, old.ticket]  # the one nobody touched waits longest
    assert client.get("/incidents?urutan=acak").status_code == 400


def test_chips_unverified_waiting_for_an_agency_and_new_since_the_last_visit(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    handed, fresh = make_incident(WINONGAN, "Gading"), make_incident(WINONGAN, "Prodo")
    actions.change_status(handed, staff, "diverifikasi")
    actions.hand_over(handed, staff, db.session.scalar(select(Agency.id).where(Agency.name == "Damkar")))
    client = signed_in(app, staff)
    assert tickets_in(client.get("/incidents?status=baru").get_data(as_text=True)) == [fresh.ticket]
    assert tickets_in(client.get("/incidents?menunggu=instansi").get_data(as_text=True)) == [handed.ticket]
    first = client.get("/incidents").get_data(as_text=True)
    assert "Baru sejak kunjungan terakhir" in first  # the previous visit was the chips' own requests
    later = make_incident(WINONGAN, "Kandung", opened_at=utcnow() + timedelta(seconds=1))
    later.last_report_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    page = client.get("/broadcasts").get_data(as_text=True)
    assert "<title>(1) Siaran · Tangguh</title>" in page and '<span id="new-count" class="badge">1</span>' in page
    since = re.search(r'href="(/incidents\?sejak=[^"]+)"', client.get("/incidents").get_data(as_text=True))[1]
    assert tickets_in(client.get(since.replace("&amp;", "&")).get_data(as_text=True)) == [later.ticket]
    assert client.get("/incidents?sejak=kemarin").status_code == 400


def test_the_map_shows_points_and_lists_the_rest_by_desa_with_nothing_personal(app, make_user, make_incident):
    placed = make_incident(WINONGAN, "Gading", reports=("+6281277776666",))
    report = placed.reports[0]
    report.latitude, report.longitude, report.raw_text = -7.71234567, 112.91234567, "rumah Pak Slamet terendam"
    unplaced = make_incident(WINONGAN, "Prodo")
    closed = make_incident(WINONGAN, "Kandung")
    closed.status = "selesai"
    db.session.commit()
    html = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/peta").get_data(as_text=True)
    points = json.loads(re.search(r'<script type="application/json" id="map-points">(.*?)</script>', html, re.S)[1])
    assert [(p["ticket"], p["lat"], p["lon"], p["status"]) for p in points] == [
        (placed.ticket, -7.71235, 112.91235, "baru")
    ]
    assert "Tanpa lokasi GPS, per desa" in html and f"{unplaced.ticket}</span>" in html
    assert closed.ticket not in html and "Slamet" not in html and "7776666" not in html
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html and "leaflet-1.9.4.min.js" in html
    detail = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get(f"/incidents/{placed.id}")
    assert 'class="map small"' in detail.get_data(as_text=True)
    assert "https://tile.openstreetmap.org" in detail.headers["Content-Security-Policy"]


def test_a_map_without_tiles_is_still_a_page_of_points(app, make_user, make_incident, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "")
    incident = make_incident(WINONGAN, "Gading")
    incident.reports[0].latitude, incident.reports[0].longitude = -7.7, 112.9
    db.session.commit()
    html = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get("/peta").get_data(as_text=True)
    assert 'data-tiles=""' in html and incident.ticket in html


def test_a_desa_official_lands_on_lapor_and_their_reports_with_what_became_of_them(app, make_user, make_incident):
    official, staff = make_user("desa_official", WINONGAN, desa="Gading"), make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    incident.reports[0].submitted_by_id = official.id
    db.session.commit()
    client = signed_in(app, official)
    assert client.get("/").headers["Location"] == "/beranda"
    home = client.get("/beranda").get_data(as_text=True)
    assert home.index("Lapor kejadian") < home.index("Laporan saya") and "Belum ditanggapi petugas." in home
    actions.change_status(incident, staff, "diverifikasi")
    actions.hand_over(incident, staff, db.session.scalar(select(Agency.id).where(Agency.name == "BPBD")))
    home = client.get("/beranda").get_data(as_text=True)
    assert "Diverifikasi" in home and "ditangani BPBD" in home
    assert "Ditugaskan ke BPBD: tidak ada yang bisa dihubungi (Kecamatan Staff)" in home
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert 'value="diverifikasi"' not in page  # never offered to verify one's own report


def test_the_broadcast_form_counts_residents_per_desa_and_sends_to_every_desa(app, make_user):
    gading, prodo = desa_code(WINONGAN, "Gading"), desa_code(WINONGAN, "Prodo")
    db.session.add_all([Reporter(phone=f"+628120000000{i}", name=f"W{i}", desa_code=gading) for i in range(3)]
                       + [Reporter(phone="+6281200000009", name="P", desa_code=prodo)])  # fmt: skip
    db.session.commit()
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    page = client.get("/broadcasts/new").get_data(as_text=True)
    assert "Gading (3 warga)" in page and "Prodo (1 warga)" in page and "Semua desa (4 warga)" in page
    assert "Pilih desa tujuan" in page and "Kirim ke 0 warga" not in page
    token = csrf_token(client, "/broadcasts/new")
    data = {"csrf_token": token, "kind": "peringatan", "semua": "1", "body": "Siaga banjir malam ini", "action": "send",
            "key": "semua-desa-01", "expected": "4"}  # fmt: skip
    assert client.post("/broadcasts/new", data=data).status_code == 303
    preview = client.post("/broadcasts/preview", data={**data, "action": "preview"}).get_data(as_text=True)
    assert "Kirim ke 4 warga" in preview


def test_the_dashboard_speaks_in_sentences_and_takes_day_first_dates(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    make_incident(WINONGAN, "Gading", opened_at=datetime(2026, 11, 2, 1, tzinfo=UTC))
    client = signed_in(app, staff)
    page = client.get("/dashboard?dari=01-11-2026&sampai=30-11-2026").get_data(as_text=True)
    assert "1 insiden dalam periode ini." in page and "Belum ada insiden yang diverifikasi." in page
    assert 'value="01-11-2026"' in page and "belum ada / belum ada" in page
    assert Period.from_args({"dari": "1-11-2026", "sampai": "2026-11-30"}, None).first.day == 1
    assert client.get("/dashboard?dari=31-02-2026&sampai=01-03-2026").status_code == 400


def test_a_merged_verification_still_counts_on_the_dashboard(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    verified = make_incident(WINONGAN, "Gading", opened_at=datetime(2026, 11, 2, 1, tzinfo=UTC))
    actions.change_status(verified, staff, "diverifikasi")
    fresh = make_incident(WINONGAN, "Gading", opened_at=datetime(2026, 11, 2, 3, tzinfo=UTC))
    merging.merge(verified, staff, fresh.ticket)
    page = signed_in(app, staff).get("/dashboard?bulan=2026-11").get_data(as_text=True)
    assert "1 insiden dalam periode ini." in page and "Belum ada insiden yang diverifikasi." not in page
    merging.unmerge(verified, staff)
    page = signed_in(app, staff).get("/dashboard?bulan=2026-11").get_data(as_text=True)
    assert "2 insiden dalam periode ini." in page
    kinds = [
        e.kind
        for e in db.session.scalars(
            select(IncidentEvent).where(IncidentEvent.incident_id == fresh.id).order_by(IncidentEvent.id)
        )
    ]
    assert kinds[-2:] == ["merge_in", "unmerge_out"]


def test_rejecting_asks_first_with_htmx_and_then_rejects(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{incident.id}")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    asked = client.post(f"/incidents/{incident.id}/status", data={"status": "ditolak"}, headers=headers)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and html.startswith('<section id="summary" class="card confirm">')
    assert f"Tolak insiden {incident.ticket}?" in html and 'name="confirm" value="1"' in html
    db.session.expire_all()
    assert db.session.get(type(incident), incident.id).status == "baru"
    done = client.post(f"/incidents/{incident.id}/status", data={"status": "ditolak", "confirm": "1"}, headers=headers)
    assert done.status_code == 200 and "Ditolak" in done.get_data(as_text=True)


def test_splitting_without_javascript_asks_on_a_page_of_its_own(app, make_user, make_incident):
    incident = make_incident(WINONGAN, "Gading", reports=("+6281111111111", "+6282222222222"))
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    token = csrf_token(client, f"/incidents/{incident.id}")
    report = incident.reports[1].id
    asked = client.post(f"/reports/{report}/split", data={"csrf_token": token})
    assert asked.status_code == 200 and "<html" in asked.get_data(as_text=True)
    assert f"Pisahkan laporan #{report} menjadi insiden baru?" in asked.get_data(as_text=True)
    done = client.post(f"/reports/{report}/split", data={"csrf_token": token, "confirm": "1"})
    assert done.status_code == 303
    db.session.expire_all()
    assert len(db.session.get(type(incident), incident.id).reports) == 1


def test_taking_an_incident_back_from_an_agency_over_http(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading")
    damkar = db.session.scalar(select(Agency.id).where(Agency.name == "Damkar"))
    actions.hand_over(incident, staff, damkar)
    client = signed_in(app, staff)
    token = csrf_token(client, f"/incidents/{incident.id}")
    page = client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    assert "tarik dari Damkar" in page
    client.post(f"/incidents/{incident.id}/agency/withdraw", data={"agency_id": damkar, "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(type(incident), incident.id).handovers == []
    refused = client.post(f"/incidents/{incident.id}/agency/withdraw", data={"agency_id": damkar},
                          headers={"HX-Request": "true", "X-CSRFToken": token})  # fmt: skip
    assert refused.status_code == 422 and "tidak diserahkan" in refused.get_data(as_text=True)


def test_the_worker_escalates_on_its_round(app, runner, make_incident):
    make_incident(WINONGAN, "Gading", opened_at=utcnow() - timedelta(hours=1))
    first = runner.invoke(args=["sms", "worker", "--once"])
    assert first.exit_code == 0 and "escalated=1" in first.output
    assert "escalated" not in runner.invoke(args=["sms", "worker", "--once"]).output


def test_superscript_digits_are_not_numbers(app, make_user, make_incident):
    """Found by `make reliability`'s fuzzing: "²".isdigit() is True, but int("²") fails."""
    incident = make_incident(WINONGAN, "Gading")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    assert client.get("/incidents?page=²").status_code == 400
    assert client.get("/api/incidents?page=²").status_code in (400, 401)
    token = csrf_token(client, f"/incidents/{incident.id}")
    refused = client.post(f"/incidents/{incident.id}/agency", data={"agency_id": "²"},
                          headers={"HX-Request": "true", "X-CSRFToken": token})  # fmt: skip
    assert refused.status_code == 422 and "harus angka" in refused.get_data(as_text=True)
