"""After the first hours: Form B-1 filled from SMS and the web, injuries that must add up, kaji cepat, the
emergency status set by who holds that authority, shelters counted by SMS exactly once, needs met by an agency,
and the daily report."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, desa_code, login
from sms.gsm import fits_one_segment
from webapp.extensions import db
from webapp.incidents.actions import ActionError, correct_counts
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import Agency, Incident, Need, NeedDelivery, Report, Shelter, ShelterUpdate

WINONGAN = "35.14.19"


def _sms(n: int, text: str, phone: str = "+6281234500001"):
    return ingest(InboundMessage("sms", f"relief-{n}", text, WINONGAN, phone))


def _client(app, user):
    client = app.test_client()
    login(client, user.email)
    return client, csrf_token(client, "/incidents")


def test_form_b1_is_filled_from_sms_and_the_web_field_by_field(app, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    bpbd = make_user("kabupaten_staff", "35.14")
    _sms(1, "(JB)Banjir, (LOK)ds Prodo, (MGL)2, (HLG)1, (LB)3, (LR)5")
    _sms(2, "banjir prodo 40 org mengungsi 12 kk, 4 rumah rusak berat, 2 luka", "+6281234500002")
    incident = db.session.scalar(select(Incident))
    assert (incident.meninggal, incident.hilang, incident.luka, incident.luka_berat, incident.luka_ringan) == (
        2,
        1,
        8,
        3,
        5,
    )
    assert (incident.mengungsi, incident.mengungsi_kk, incident.rumah_rusak_berat) == (40, 12, 4)
    incident.status = "diverifikasi"
    db.session.commit()
    client, token = _client(app, staff)
    form = {"csrf_token": token, "fasilitas_pendidikan_berat": "1", "fasilitas_peribadatan_ringan": "2",
            "fasilitas_jembatan_sedang": "1", "rentan_bayi_balita": "6", "rentan_lansia": "5",
            "rentan_disabilitas": "1", "akses": "Jalan desa tergenang 60 cm, hanya truk", "komunikasi": "Sinyal ada",
            "listrik": "Padam sejak 02.00",
            "air_bersih": "Sumur tercemar", "faskes": "Pustu Prodo terendam, tidak melayani",
            "upaya": "Evakuasi warga bantaran ke balai desa", "bantuan": "Perahu karet, air bersih",
            "lokasi_pengungsian": "Balai Desa Prodo"}  # fmt: skip
    assert client.post(f"/incidents/{incident.id}/b1", data=form).status_code == 303
    assessment = {"csrf_token": token, "assessor": "TRC BPBD Pasuruan", "at": "", "findings": "Tanggul jebol 5 m",
                  "recommended": "tanggap_darurat"}  # fmt: skip
    assert client.post(f"/incidents/{incident.id}/kaji-cepat", data=assessment).status_code == 303
    status = {"csrf_token": token, "region": WINONGAN, "hazard": "banjir", "status": "tanggap_darurat",
              "starts_on": "01-11-2026", "basis": "SK Bupati 360/123/2026"}  # fmt: skip
    assert client.post("/status-darurat", data=status).status_code == 403  # the kecamatan does not decide it
    bpbd_client, bpbd_token = _client(app, bpbd)
    assert bpbd_client.post("/status-darurat", data={**status, "csrf_token": bpbd_token}).status_code == 303
    page = client.get(f"/incidents/{incident.id}/b1").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page.split('id="b1-form"')[0])
    text = " ".join(text.split())
    for expected in ("Jenis bencana Banjir", "Desa Prodo, Kecamatan Winongan, Kabupaten Pasuruan, Jawa Timur",
                     "Tanggap darurat (Kecamatan Winongan", "SK Bupati 360/123/2026", "Meninggal 2", "Hilang 1",
                     "Luka berat 3", "Luka ringan 5", "Luka belum dirinci 0", "Pengungsi (laporan) 40 jiwa / 12 KK",
                     "Lokasi pengungsian Balai Desa Prodo", "Bayi/balita 6", "Ibu hamil/menyusui –", "Lansia 5",
                     "Penyandang disabilitas 1", "Rumah rusak berat 4", "Pendidikan rusak berat 1, rusak sedang –",
                     "Peribadatan rusak berat –, rusak sedang –, rusak ringan 2",
                     "Jembatan rusak berat –, rusak sedang 1",
                     "Akses ke lokasi Jalan desa tergenang 60 cm, hanya truk", "Listrik Padam sejak 02.00",
                     "Air bersih Sumur tercemar", "Pustu Prodo terendam, tidak melayani",
                     "Upaya yang sudah dilakukan Evakuasi warga bantaran ke balai desa",
                     "Bantuan yang dibutuhkan segera Perahu karet, air bersih", "TRC BPBD Pasuruan: Tanggul jebol 5 m",
                     "rekomendasi: Tanggap darurat"):  # fmt: skip
        assert expected in text, expected
    assert "Tanggap darurat" in client.get(f"/incidents/{incident.id}").get_data(as_text=True)
    recap = client.get("/dashboard/recap.csv").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert recap[0].startswith("no,wilayah,kejadian,meninggal,hilang,luka_berat,luka_ringan,luka_belum_dirinci,")
    prodo = next(line for line in recap if ",Prodo," in line)
    assert prodo.endswith(",2,1,3,5,0,40,12,,,4,,,,1,2,,,1"), prodo  # counts, houses, then facilities


def test_injuries_that_do_not_add_up_are_refused(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading", luka=4)
    with pytest.raises(ActionError, match="melebihi jumlah luka"):
        correct_counts(incident, staff, {"luka": 4, "luka_berat": 3, "luka_ringan": 5})
    db.session.rollback()
    assert (incident.luka, incident.luka_berat) == (4, None)
    correct_counts(incident, staff, {"luka_berat": 1, "luka_ringan": 1})
    assert (incident.luka, incident.luka_berat, incident.luka_ringan) == (4, 1, 1)  # 2 of 4 still not split
    official = make_user("desa_official", WINONGAN, desa="Gading")
    client = app.test_client()
    login(client, official.email)
    gading = desa_code(WINONGAN, "Gading")
    form = {"csrf_token": csrf_token(client, "/reports/new"), "hazard": "banjir", "desa": gading,
            "description": "Air naik", "idempotency_key": "kunci-luka-0001", "luka": "2",
            "luka_berat": "3"}  # fmt: skip
    answer = client.post("/reports/new", data=form, content_type="multipart/form-data")
    assert answer.status_code == 422 and "lebih dari jumlah luka" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Report)) == 1  # only make_incident's


def test_two_shelters_counted_by_sms_needs_met_by_an_agency_and_the_daily_report(app, make_user, make_incident):
    staff = make_user("kecamatan_staff", WINONGAN)
    incident = make_incident(WINONGAN, "Gading", mengungsi=200)
    client, token = _client(app, staff)
    gading, prodo = desa_code(WINONGAN, "Gading"), desa_code(WINONGAN, "Prodo")
    for desa, name, capacity, phone in ((gading, "Balai Desa Gading", "150", "081234500101"),
                                        (prodo, "SDN Prodo 1", "100", "081234500102")):  # fmt: skip
        assert client.post("/pengungsian", data={"csrf_token": token, "desa": desa, "name": name, "capacity": capacity,
                                                 "coordinator": phone}).status_code == 303  # fmt: skip
    first, second = db.session.scalars(select(Shelter).order_by(Shelter.id)).all()
    answer = _sms(10, f"POSKO {first.code} 120 jiwa 35 kk 6 balita 4 lansia", "+6281234500101")
    assert answer.reply == f"POSKO {first.code} Balai Desa Gading: 120 jiwa, 35 KK tercatat. Terima kasih."
    assert fits_one_segment(answer.reply)
    _sms(10, f"POSKO {first.code} 120 jiwa 35 kk 6 balita 4 lansia", "+6281234500101")  # the gateway again
    assert db.session.scalar(select(func.count()).select_from(ShelterUpdate)) == 1
    _sms(11, f"posko {second.code.lower()} 80 jiwa 25 kk", "+6281234500102")
    refused = _sms(12, f"POSKO {second.code} 900 jiwa 25 kk", "+6281234500102")  # 9 per place of capacity 100
    assert "tidak dicatat" in refused.reply and fits_one_segment(refused.reply)
    stranger = _sms(13, f"POSKO {second.code} 10 jiwa 2 kk", "+6281299999999")
    assert "bukan koordinator" in stranger.reply
    assert "tidak dikenal" in _sms(14, "POSKO ZZZZ 10 jiwa 2 kk", "+6281234500102").reply
    db.session.expire_all()
    assert (first.people, first.households, first.vulnerable) == (120, 35, {"bayi_balita": 6, "lansia": 4})
    assert (second.people, second.households) == (80, 25)

    need = {"csrf_token": token, "shelter": str(first.id), "item": "air_bersih", "quantity": "500", "unit": "liter"}
    assert client.post("/kebutuhan", data=need).status_code == 303
    assert client.post("/kebutuhan", data={**need, "shelter": "", "incident": str(incident.id), "item": "selimut",
                                           "quantity": "60", "unit": "lembar"}).status_code == 303  # fmt: skip
    pmi = db.session.scalar(select(Agency).where(Agency.name == "PMI"))
    member = make_user("agency", "35.14", agency=pmi.id)
    agency_client, agency_token = _client(app, member)
    water = db.session.scalar(select(Need).where(Need.item == "air_bersih"))
    delivered = agency_client.post(f"/kebutuhan/{water.id}/serahkan", data={"csrf_token": agency_token,
                                                                          "quantity": "300"})  # fmt: skip
    assert delivered.status_code == 303
    assert db.session.scalar(select(NeedDelivery.agency_id)) == pmi.id
    assert "200 dari 500 liter belum terpenuhi" in agency_client.get("/kebutuhan").get_data(as_text=True)
    report = client.get("/laporan-harian").get_data(as_text=True)
    assert "2 pengungsian buka: 200 jiwa, 60 KK." in report
    assert "Air bersih: 200 liter (Balai Desa Gading)" in report and "Selimut: 60 lembar" in report
    bad = client.post("/kebutuhan", data={**need, "quantity": "-3"})
    assert bad.status_code == 303 and db.session.scalar(select(func.count()).select_from(Need)) == 2
