"""SPM achievement on a seeded year, value by value: denominators, the preparedness log, informasi broadcasts,
early warnings apart, rescue and evacuation, the verification share against its configured target; the CSV
import refusing a bad file whole; the sheet and the Kencana evidence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import csrf_token, login
from webapp.extensions import db
from webapp.models import (
    Broadcast,
    HazardPopulation,
    IncidentEvent,
    OutboundMessage,
    PreparednessActivity,
    Region,
    Reporter,
)
from webapp.spm.service import SpmError, achievement, import_population

WINONGAN = "35.14.19"
GADING, PRODO = "35.14.19.2018", "35.14.19.2009"  # Desa Gading and Desa Prodo
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def _activity(desa, kind, hazard, held_on, participants):
    key = f"k-{desa}-{kind}-{held_on}"
    db.session.add(PreparednessActivity(key=key, desa_code=desa, kind=kind, hazard=hazard, kecamatan_code=WINONGAN,
                                        held_on=held_on, participants=participants))  # fmt: skip


def _broadcast(staff, kind, statuses):
    broadcast = Broadcast(key=f"b-{kind}", kind=kind, hazard="banjir", body=f"{kind} banjir", kecamatan_code=WINONGAN,
                          created_by_id=staff.id, created_at=datetime(2026, 4, 1, 3, tzinfo=UTC),
                          desa=[db.session.get(Region, GADING)])  # fmt: skip
    db.session.add(broadcast)
    db.session.flush()
    for n, status in enumerate(statuses):
        resident = Reporter(phone=f"+62813770{int(kind == 'informasi')}{n:05d}", desa_code=GADING)
        db.session.add(resident)
        db.session.flush()
        db.session.add(OutboundMessage(key=f"{broadcast.id}-{n}", purpose="broadcast", channel="sms", gateway="console",
                                       to_phone=resident.phone, body=broadcast.body, segments=1, status=status,
                                       kecamatan_code=WINONGAN, desa_code=GADING, reporter_id=resident.id,
                                       broadcast_id=broadcast.id))  # fmt: skip


def _verified(incident, hours):
    db.session.add(IncidentEvent(incident=incident, kind="status", data={"old": "baru", "new": "diverifikasi"},
                                 at=incident.opened_at + timedelta(hours=hours)))  # fmt: skip


@pytest.fixture
def year(make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    for desa, hazard, people in ((GADING, "banjir", 200), (PRODO, "banjir", 100), (GADING, "tanah_longsor", 50)):
        db.session.add(HazardPopulation(desa_code=desa, hazard=hazard, people=people, source="BPBD 2025", year=2025))
    _activity(GADING, "sosialisasi", "banjir", date(2026, 3, 10), 40)
    _activity(GADING, "sosialisasi", "banjir", date(2026, 8, 1), 30)
    _activity(GADING, "sosialisasi", "banjir", date(2025, 12, 31), 99)  # last year: not counted
    _activity(PRODO, "gladi", "banjir", date(2026, 5, 5), 25)
    _activity(GADING, "pelatihan", "tanah_longsor", date(2026, 6, 1), 10)
    _activity(GADING, "rencana_kontinjensi", "banjir", date(2026, 2, 1), 0)
    _broadcast(staff, "informasi", ["sent", "delivered", "failed"])  # 2 residents informed
    _broadcast(staff, "peringatan", ["sent", "sent", "delivered"])  # 3 warned: another service
    gading = make_incident(WINONGAN, "Gading", opened_at=datetime(2026, 2, 10, 1, tzinfo=UTC), mengungsi=30,
                           hilang=1, luka=2)  # fmt: skip
    gading.status = "selesai"
    prodo = make_incident(WINONGAN, "Prodo", opened_at=datetime(2026, 3, 1, 1, tzinfo=UTC), mengungsi=20)
    prodo.status = "diverifikasi"
    rejected = make_incident(WINONGAN, "Prodo", opened_at=datetime(2026, 3, 2, 1, tzinfo=UTC), mengungsi=100)
    rejected.status = "ditolak"
    _verified(gading, 2)
    _verified(prodo, 30)
    db.session.commit()
    return staff


def test_achievement_per_service_hazard_and_desa(year):
    figures = achievement(db.session.get(Region, WINONGAN), *YEAR)
    banjir = next(line for line in figures.hazards if line.key == "banjir")
    assert (banjir.should, banjir.service1.served, banjir.service2.served, banjir.warned) == (300, 72, 25, 3)
    assert round(banjir.service1.share, 4) == 0.24 and round(banjir.service2.share, 4) == 0.0833
    assert (banjir.rescue.served, banjir.rescue.should) == (33, 53)
    assert banjir.evidence == {"rencana_kontinjensi": 1}
    longsor = next(line for line in figures.hazards if line.key == "tanah_longsor")
    assert (longsor.should, longsor.service1.served, longsor.service2.served, longsor.service2.share) == (
        50,
        0,
        10,
        0.2,
    )
    desa = {line.key: line for line in figures.desa}
    assert (desa[GADING].should, desa[GADING].service1.served, desa[GADING].service2.served) == (250, 72, 10)
    assert (desa[GADING].rescue.served, desa[GADING].rescue.should) == (33, 33)
    assert (desa[PRODO].should, desa[PRODO].service1.served, desa[PRODO].service2.served) == (100, 0, 25)
    assert (desa[PRODO].rescue.served, desa[PRODO].rescue.should) == (0, 20)
    total = figures.total
    assert (total.should, total.service1.served, total.service2.served, total.warned) == (350, 72, 35, 3)
    gading_only = achievement(db.session.get(Region, WINONGAN), *YEAR, desa_code=GADING)
    assert (gading_only.total.should, gading_only.total.service1.served, gading_only.verifiable) == (250, 72, 1)


def test_the_verification_share_follows_the_configured_target(app, year, monkeypatch):
    figures = achievement(db.session.get(Region, WINONGAN), *YEAR)
    assert (figures.verified_within, figures.verifiable, figures.target_hours) == (1, 2, 24)
    assert figures.target_source == "target lokal kecamatan (bukan angka regulasi)"
    monkeypatch.setitem(app.config, "SPM_VERIFY_HOURS", 48)
    monkeypatch.setitem(app.config, "SPM_VERIFY_SOURCE", "Perbup contoh 12/2026")
    figures = achievement(db.session.get(Region, WINONGAN), *YEAR)
    assert (figures.verified_within, figures.verifiable, figures.target_source) == (2, 2, "Perbup contoh 12/2026")


def test_the_spm_page_sheet_and_kencana_evidence(app, year):
    client = app.test_client()
    login(client, year.email)
    page = client.get("/spm?tahun=2026").get_data(as_text=True)
    assert "72 · 24.0 %" in page and "25 · 8.3 %" in page and "33/53" in page
    assert "1 dari 2 insiden diverifikasi dalam 24 jam" in page and "bukan angka regulasi" in page
    assert "Peringatan dini adalah layanan lain" in page
    drill = client.get(f"/spm?tahun=2026&desa={GADING}").get_data(as_text=True)
    assert "250" in drill and "Per desa" not in drill
    sheet = client.get("/spm.csv?tahun=2026").get_data(as_text=True)
    assert "total,Semua,1 informasi rawan bencana,72,350,20.6,3" in sheet.replace("\r", "")
    assert "desa,Prodo,3 penyelamatan dan evakuasi korban,0,20,0.0," in sheet.replace("\r", "")
    kencana = client.get("/kencana?tahun=2026").get_data(as_text=True)
    assert "Sesi sosialisasi/KIE tercatat" in kencana and "Peserta gladi dan pelatihan" in kencana
    assert "bukan daftar kriteria resmi" in kencana


def test_a_bad_csv_stores_nothing_and_says_which_line(app, ctx, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    good = "desa;bencana;jiwa;sumber;tahun\nGading;banjir;1.200;InaRISK 2024;2024\nProdo;Tanah Longsor;80;BPBD;2025\n"
    assert import_population(staff, good.encode()) == 2
    assert db.session.scalar(db.select(db.func.count()).select_from(HazardPopulation)) == 2
    bad = "Gading;banjir;300;InaRISK;2024\nLajar;banjir;10;BPBD;2025\n"  # Lajar lies in Lampihong
    with pytest.raises(SpmError, match="Baris 2: desa Lajar tidak ada di wilayah Anda"):
        import_population(staff, bad.encode())
    db.session.rollback()
    people = dict(db.session.execute(db.select(HazardPopulation.hazard, HazardPopulation.people)
                                     .where(HazardPopulation.desa_code == GADING)).all())  # fmt: skip
    assert people == {"banjir": 1200}  # the first line of the bad file was not kept either
    client = app.test_client()
    login(client, staff.email)
    token = csrf_token(client, "/spm/penduduk")
    answer = client.post("/spm/penduduk", data={"csrf_token": token, "desa": GADING, "hazard": "banjir",
                                                 "people": "-5", "source": "x", "year": "2025"})  # fmt: skip
    assert answer.status_code == 422 and "harus angka" in answer.get_data(as_text=True)


def test_a_logged_activity_is_stored_once_and_future_dates_are_refused(app, make_user):
    official = make_user("desa_official", WINONGAN, desa="Gading")
    client = app.test_client()
    login(client, official.email)
    token = csrf_token(client, "/kesiapsiagaan/baru")
    form = {"csrf_token": token, "desa": GADING, "kind": "sosialisasi", "hazard": "banjir", "held_on": "01-11-2026",
            "participants": "40", "idempotency_key": "kunci-kegiatan-0001"}  # fmt: skip
    assert client.post("/kesiapsiagaan/baru", data=form).status_code == 303
    assert client.post("/kesiapsiagaan/baru", data=form).status_code == 303  # the outbox sending it again
    assert db.session.scalar(db.select(db.func.count()).select_from(PreparednessActivity)) == 1
    future = {**form, "idempotency_key": "kunci-kegiatan-0002", "held_on": "01-01-2099"}
    answer = client.post("/kesiapsiagaan/baru", data=future)
    assert answer.status_code == 422 and "belum lewat" in answer.get_data(as_text=True)
    none = {**form, "idempotency_key": "kunci-kegiatan-0003", "participants": "0"}
    assert client.post("/kesiapsiagaan/baru", data=none).status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(PreparednessActivity)) == 1
