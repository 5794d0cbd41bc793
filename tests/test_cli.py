"""The admin side of the SMS door: mapping receiving numbers, and `flask sms simulate`."""

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import ReceivingNumber, Report, Reporter


def numbers() -> int:
    return db.session.scalar(select(func.count()).select_from(ReceivingNumber))


def test_map_list_and_remove_numbers(runner, ctx):
    result = runner.invoke(args=["sms", "numbers", "add", "--gateway", "twilio", "--address", "0811-0035-1419",
                                 "--kecamatan", "35.14.19"])  # fmt: skip
    assert result.exit_code == 0 and "twilio +6281100351419 -> 35.14.19 Winongan" in result.output
    result = runner.invoke(args=["sms", "numbers", "add", "--gateway", "android", "--address", "dev-1/2",
                                 "--kecamatan", "63.11.05"])  # fmt: skip
    assert result.exit_code == 0
    # Mapping again moves the number instead of duplicating it.
    runner.invoke(args=["sms", "numbers", "add", "--gateway", "twilio", "--address", "+6281100351419",
                        "--kecamatan", "35.14.23"])  # fmt: skip
    listing = runner.invoke(args=["sms", "numbers", "list"]).output
    assert "+6281100351419" in listing and "Rejoso" in listing and "dev-1/2" in listing
    assert numbers() == 2
    assert (
        runner.invoke(args=["sms", "numbers", "remove", "--gateway", "android", "--address", "dev-1/2"]).exit_code == 0
    )
    assert numbers() == 1


def test_bad_mappings_are_clear_errors_and_write_nothing(runner, ctx):
    for args, message in [
        (["--gateway", "twilio", "--address", "halo", "--kecamatan", "35.14.19"], "Nomor Twilio tidak sah: halo"),
        (["--gateway", "twilio", "--address", "+6281100351419", "--kecamatan", "35.14"], "bukan kode kecamatan"),
        (["--gateway", "android", "--address", "dev 1", "--kecamatan", "35.14.19"], "tanpa spasi"),
    ]:
        result = runner.invoke(args=["sms", "numbers", "add", *args])
        assert result.exit_code != 0 and message in result.output
    assert numbers() == 0


def test_simulate_goes_through_the_same_door(runner, ctx):
    runner.invoke(args=["sms", "numbers", "add", "--gateway", "twilio", "--address", "+6281100351419",
                        "--kecamatan", "35.14.19"])  # fmt: skip
    result = runner.invoke(args=["sms", "simulate", "--from", "081234567890", "--to", "+6281100351419",
                                 "banjir di sumberrejo"])  # fmt: skip
    assert result.exit_code == 0
    assert result.output.startswith("Laporan banjir di Desa Sumberrejo diterima. Tiket: ")
    report = db.session.scalar(select(Report))
    assert report.reporter.phone == "+6281234567890" and report.incident is not None


def test_simulate_to_an_unmapped_number_is_an_error(runner, ctx):
    result = runner.invoke(args=["sms", "simulate", "--from", "081234567890", "--to", "+6281100000000", "banjir"])
    assert result.exit_code != 0 and "not mapped to a kecamatan" in result.output


def test_demo_maps_a_number_per_demo_kecamatan(runner, ctx):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "+6281100351419  Kecamatan Winongan" in result.output
    assert numbers() == 3
    assert "demo reports: 14 new" in result.output
    again = runner.invoke(args=["demo"])
    assert "demo reports: 0 new, 14 already there" in again.output
    assert db.session.scalar(select(func.count()).select_from(Report)) == 14 + 1  # and the official's web report, once
    (web,) = db.session.scalars(select(Report).where(Report.channel == "web"))
    assert web.submitted_by.email == "desa.sumberrejo@tangguh.test" and web.latitude is not None
    residents = db.session.execute(
        select(Reporter.name, Reporter.opted_out).where(Reporter.desa_code.is_not(None)).order_by(Reporter.phone)
    ).all()  # registered by DAFTAR, so the broadcast page has someone to reach; Pak Darmo then sent BERHENTI
    assert [tuple(r) for r in residents][:3] == [("Siti Aminah", False), ("Pak Darmo", True), ("Bu Lilik", False)]
    assert len(residents) == 5


def test_agencies_are_an_editable_list(runner, ctx):
    from webapp.models import Agency

    names = runner.invoke(args=["agencies", "list"]).output.split("\n")
    assert {"BPBD", "Puskesmas", "Damkar", "TNI/Polri", "PLN", "Dinas Sosial"} <= set(names)
    assert runner.invoke(args=["agencies", "add", "  Basarnas  "]).exit_code == 0
    assert runner.invoke(args=["agencies", "remove", "pln"]).output.strip() == "inactive: PLN"
    active = set(db.session.scalars(select(Agency.name).where(Agency.active.is_(True))))
    assert "Basarnas" in active and "PLN" not in active
    assert "PLN  (nonaktif)" in runner.invoke(args=["agencies", "list"]).output
    assert runner.invoke(args=["agencies", "add", "PLN"]).output.strip() == "active: PLN"  # back, not twice
    assert db.session.scalar(select(func.count()).select_from(Agency).where(Agency.name == "PLN")) == 1
    bad = runner.invoke(args=["agencies", "remove", "Pemadam Antah"])
    assert bad.exit_code != 0 and "no agency" in bad.output


def test_agency_area_and_phone_only_members(runner, ctx):
    assert runner.invoke(args=["agencies", "area", "Damkar", "35.14"]).exit_code == 0
    added = runner.invoke(args=["agencies", "member", "--agency", "Damkar", "--name", "Pak Budi", "--phone",
                                "0812 5555 0001", "--region", "35.14.19", "--whatsapp"])  # fmt: skip
    assert added.exit_code == 0 and "+6281255550001 (whatsapp, 35.14.19)" in added.output
    twice = runner.invoke(args=["agencies", "member", "--agency", "Damkar", "--name", "X", "--phone", "081255550001"])
    assert twice.exit_code != 0 and "sudah terdaftar sebagai petugas instansi" in twice.output
    bad = runner.invoke(args=["agencies", "area", "Damkar", "35.14.19.2018"])
    assert bad.exit_code != 0 and "nothing was written" in bad.output
