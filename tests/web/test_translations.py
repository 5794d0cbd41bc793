"""Bahasa Indonesia first; English through the Flask-Babel catalog and a switch on every page."""

from pathlib import Path

from babel.messages.pofile import read_po

from conftest import login

CATALOG = Path(__file__).resolve().parents[2] / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_indonesian_is_the_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in html and "Kata sandi" in html
    assert 'hreflang="en"' in html and "<strong>Bahasa Indonesia</strong>" in html


def test_the_switch_sets_english_and_goes_back(client):
    response = client.get("/bahasa/en?next=/login")
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Password" in html and "Sign in" in html and "Kata sandi" not in html
    client.get("/bahasa/id?next=/login")
    assert "Kata sandi" in client.get("/login").get_data(as_text=True)


def test_unknown_language_or_offsite_next(client):
    assert client.get("/bahasa/fr").status_code == 404
    assert client.get("/bahasa/en?next=https://evil.example/").headers["Location"] == "/"


def test_english_reaches_domain_labels_and_form_messages(app, make_user, make_incident):
    make_incident("35.14.19", "Gading", hazard="tanah_longsor")
    client = app.test_client()
    client.get("/bahasa/en?next=/login")
    login(client, make_user("kecamatan_staff", "35.14.19").email)
    html = client.get("/incidents").get_data(as_text=True)
    assert "Landslide" in html and "New" in html and "1 report" in html and "Tanah longsor" not in html
    assert "Houses flooded" not in html  # only on the incident page
    assert "Page 1 of 1" in html


def test_every_message_has_an_english_translation():
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    untranslated = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    assert untranslated == []
    assert len([m for m in catalog if m.id]) > 150


def test_the_catalog_covers_every_string_in_the_code(tmp_path):
    import subprocess
    import sys

    root = CATALOG.parents[3]
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "-k", "lazy_gettext", "-o", str(pot), "."],
        cwd=root, check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(f) if m.id}
    with CATALOG.open("rb") as f:
        have = {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(f) if m.id}
    assert wanted - have == set(), "run `make extract` and translate the new strings"
