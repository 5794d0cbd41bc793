import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Region
from webapp.regions.gazetteer import RegionError, load_kabupaten


def region_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Region))


def desa_of(kecamatan_code: str) -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.parent_code == kecamatan_code)))


@pytest.mark.parametrize(
    ("code", "name", "desa_count"),
    [("35.14.19", "Winongan", 18), ("35.14.23", "Rejoso", 16), ("63.11.05", "Lampihong", 27)],
)
def test_demo_kecamatan_have_their_desa(ctx, code, name, desa_count):
    kecamatan = db.session.get(Region, code)
    assert (kecamatan.name, kecamatan.level, kecamatan.label) == (name, "kecamatan", f"Kecamatan {name}")
    desa = desa_of(code)
    assert len(desa) == desa_count
    assert all(d.level == "desa" and d.code.startswith(code + ".") for d in desa)


def test_full_codes_tell_the_two_rejoso_apart(ctx):
    pasuruan = db.session.get(Region, "35.14.23")
    assert pasuruan.parent.name == "Kabupaten Pasuruan"
    assert pasuruan.parent.parent.name == "Jawa Timur"


def test_loading_again_changes_nothing(ctx):
    before = region_count()
    result = load_kabupaten(["35.14", "63.11"])
    assert (result.added, result.updated) == (0, 0)
    assert result.unchanged == before
    assert region_count() == before


def test_another_kabupaten_loads_with_its_province(ctx):
    result = load_kabupaten(["52.01"])  # Kabupaten Lombok Barat, Nusa Tenggara Barat
    assert result.added > 100
    assert db.session.get(Region, "52").level == "provinsi"
    assert db.session.get(Region, "52.01").level == "kabupaten"


@pytest.mark.parametrize("codes", [["99.99"], ["35.14.19"], ["35"], ["53.20", "99.99"], ["abc"]])
def test_unknown_or_wrong_level_code_writes_nothing(ctx, codes):
    before = region_count()
    with pytest.raises(RegionError, match="not a kabupaten/kota code"):
        load_kabupaten(codes)
    db.session.rollback()
    assert region_count() == before


def test_cli_loads_and_reports(runner, ctx):
    result = runner.invoke(args=["regions", "load", "35.14"])
    assert result.exit_code == 0
    assert "0 added" in result.output


def test_cli_unknown_code_is_a_clear_error(runner, ctx):
    before = region_count()
    result = runner.invoke(args=["regions", "load", "63.11", "12.99"])
    assert result.exit_code != 0
    assert "'12.99' is not a kabupaten/kota code" in result.output
    assert "nothing was written" in result.output
    assert region_count() == before
