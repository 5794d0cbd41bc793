"""Residents: added one by one or from CSV by desa officials and kecamatan staff; DAFTAR by SMS."""

import io

import pytest
from sqlalchemy import select

from conftest import csrf_token, desa_code, login
from webapp.extensions import db
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import Reporter

WINONGAN, REJOSO = "35.14.19", "35.14.23"


def residents() -> dict[str, Reporter]:
    db.session.expire_all()
    return {r.phone: r for r in db.session.scalars(select(Reporter).where(Reporter.desa_code.is_not(None)))}


@pytest.fixture
def staff(client, make_user):
    user = make_user("kecamatan_staff", WINONGAN, email="staf@winongan.test")
    login(client, user.email)
    return user


@pytest.fixture
def official(client, make_user):
    user = make_user("desa_official", WINONGAN, desa="Gading", email="kades@gading.test")
    login(client, user.email)
    return user


def add(client, name, phone, desa):
    token = csrf_token(client, "/residents")
    return client.post("/residents", data={"name": name, "phone": phone, "desa": desa, "csrf_token": token})


def upload(client, content: bytes | None, filename="warga.csv"):
    token = csrf_token(client, "/residents")
    data = {"csrf_token": token}
    if content is not None:
        data["file"] = (io.BytesIO(content), filename)
    return client.post("/residents/import", data=data, content_type="multipart/form-data")


def test_staff_add_a_resident_of_any_desa_of_the_kecamatan(client, staff):
    response = add(client, "Bu Siti", "0812-3456-7890", desa_code(WINONGAN, "Prodo"))
    assert response.status_code == 303
    assert "Bu Siti terdaftar sebagai warga" in client.get("/residents").get_data(as_text=True)
    resident = residents()["+6281234567890"]
    assert (resident.name, resident.desa.name, resident.source, resident.added_by_id) == (
        "Bu Siti", "Prodo", "petugas", staff.id,
    )  # fmt: skip


def test_a_desa_official_adds_only_to_their_own_desa(client, official):
    response = add(client, "Pak Rahmat", "081234567891", desa_code(WINONGAN, "Prodo"))
    assert response.status_code == 403 and residents() == {}  # another desa: refused outright
    assert add(client, "Pak Rahmat", "081234567891", desa_code(WINONGAN, "Gading")).status_code == 303


def test_a_number_registered_in_another_kecamatan_is_not_taken_over(client, staff):
    db.session.add(Reporter(phone="+6281234567892", name="Warga Rejoso", desa_code=desa_code(REJOSO, "Patuguran")))
    db.session.commit()
    response = add(client, "Orang Lain", "081234567892", desa_code(WINONGAN, "Gading"))
    assert response.status_code == 422
    assert "sudah terdaftar sebagai warga desa lain" in response.get_data(as_text=True)
    assert residents()["+6281234567892"].name == "Warga Rejoso"


def test_adding_a_number_that_sent_berhenti_keeps_it_opted_out(client, staff):
    db.session.add(Reporter(phone="+6281234567893", opted_out=True))
    db.session.commit()
    add(client, "Pak Darmo", "081234567893", desa_code(WINONGAN, "Gading"))
    page = client.get("/residents").get_data(as_text=True)
    assert "pernah mengirim BERHENTI" in page
    assert residents()["+6281234567893"].opted_out is True


def test_csv_import_keeps_the_good_rows_and_reports_the_bad_ones_by_line(client, staff):
    csv = (
        "Nama;No HP;Desa\r\n"  # line 1: header, Excel's semicolons
        "Siti Aminah;081234560001;Gading\r\n"  # 2 good
        "Budi;81234560002;desa prodo\r\n"  # 3 good: Excel dropped the leading 0
        "Joko;12345;Gading\r\n"  # 4 bad phone
        "Wati;081234560003;Sumberjo\r\n"  # 5 unknown desa
        "Siti lagi;0812 3456 0001;Gading\r\n"  # 6 same number as line 2
        ";;\r\n"  # 7 empty: skipped
        "Rudi;6,28123E+12;Gading\r\n"  # 8 Excel turned the number into a float
        ";081234560004;Gading\r\n"  # 9 no name
        f"Rina;+62 812-3456-0005;{desa_code(WINONGAN, 'Kandung')}\r\n"  # 10 good, by desa code
    ).encode("utf-8-sig")
    response = upload(client, csv)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "3 ditambahkan, 0 diperbarui, 0 sudah ada, 5 baris ditolak." in page
    assert "Baris 4: nomor telepon tidak sah: 12345" in page
    assert "Baris 5: desa &#34;Sumberjo&#34; tidak ada di wilayah Anda" in page
    assert "Baris 6: nomor sama dengan baris 2" in page
    assert "Baris 8: nomor telepon tertulis sebagai angka Excel" in page
    assert "Baris 9: nama kosong" in page
    imported = residents()
    assert sorted(imported) == ["+6281234560001", "+6281234560002", "+6281234560005"]
    assert {r.source for r in imported.values()} == {"csv"}
    assert imported["+6281234560002"].desa.name == "Prodo"


def test_csv_import_again_updates_instead_of_duplicating(client, staff):
    upload(client, b"Siti,081234560001,Gading\nBudi,081234560002,Gading\n")
    response = upload(client, b"Siti Aminah,081234560001,Gading\nBudi,081234560002,Gading\n")
    assert "0 ditambahkan, 1 diperbarui, 1 sudah ada, 0 baris ditolak." in response.get_data(as_text=True)
    assert len(residents()) == 2 and residents()["+6281234560001"].name == "Siti Aminah"


def test_a_desa_official_imports_into_their_own_desa_only(client, official):
    response = upload(client, b"Nama,Telepon\nSiti,081234560001\n")  # no desa column: their own
    assert "1 ditambahkan" in response.get_data(as_text=True)
    response = upload(client, b"Budi,081234560002,Prodo\n")
    assert "Baris 1: desa &#34;Prodo&#34; tidak ada di wilayah Anda" in response.get_data(as_text=True)
    assert [r.desa.name for r in residents().values()] == ["Gading"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "Pilih berkas CSV"), (b"", "Berkas kosong"), (b"Siti,081234560001,Gading\n" * 50, "terlalu besar")],
)
def test_an_unusable_file_is_refused_as_a_whole(client, staff, content, message, monkeypatch):
    monkeypatch.setattr("webapp.residents.service.MAX_IMPORT_BYTES", 1000)  # 1 MB in production
    response = upload(client, content)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert residents() == {}


def test_remove_takes_a_resident_off_the_list_within_scope_only(client, official):
    mine = Reporter(phone="+6281234560001", name="Siti", desa_code=desa_code(WINONGAN, "Gading"))
    theirs = Reporter(phone="+6281234560002", name="Budi", desa_code=desa_code(WINONGAN, "Prodo"))
    db.session.add_all([mine, theirs])
    db.session.commit()
    token = csrf_token(client, "/residents")
    assert client.post(f"/residents/{theirs.id}/remove", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/residents/{mine.id}/remove", data={}).status_code == 400  # no CSRF token
    assert client.post(f"/residents/{mine.id}/remove", data={"csrf_token": token}).status_code == 303
    assert list(residents()) == ["+6281234560002"]


def test_residents_pages_are_not_for_admins(client, make_user):
    admin = make_user("admin")
    login(client, admin.email)
    assert client.get("/residents").status_code == 403


def test_residents_list_shows_each_desa_with_masked_numbers(client, official):
    db.session.add(Reporter(phone="+6281234560001", name="Siti", desa_code=desa_code(WINONGAN, "Gading")))
    db.session.add(Reporter(phone="+6281234560002", name="Budi", desa_code=desa_code(WINONGAN, "Prodo")))
    db.session.commit()
    page = client.get("/residents").get_data(as_text=True)
    assert "Siti" in page and "Budi" not in page  # another desa's residents are not shown
    assert "+6281234560001" not in page and "1 warga terdaftar" in page


def test_daftar_by_sms_registers_a_resident(ctx):
    ingest(InboundMessage("sms", "d-1", "DAFTAR Siti Gading", WINONGAN, "+6281234560009"))
    resident = residents()["+6281234560009"]
    assert (resident.name, resident.desa.name, resident.source) == ("Siti", "Gading", "sms")


def test_a_full_residents_page_stays_under_14_kb_compressed(client, staff):
    rows = "".join(f"Warga Nomor {n},0812340{n:05d},Gading\n" for n in range(120))
    assert "120 ditambahkan" in upload(client, rows.encode()).get_data(as_text=True)
    packed = client.get("/residents", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip" and len(packed.data) <= 14 * 1024, len(packed.data)


def test_odd_line_endings_and_nul_bytes_are_read_not_crashed_on(client, staff):
    response = upload(client, b"Siti,081234560001,Gading\rBudi,081234560002,Gading\r\x00")  # old Mac line ends
    assert response.status_code == 200 and "2 ditambahkan" in response.get_data(as_text=True)
