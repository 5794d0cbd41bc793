"""A desa official capturing other desa's SMS by naming a dusun after them (issue 26, finding 4): a dusun "Prodo"
with the other spellings "Bandaran;Gading", kept for Sumberrejo, made "banjir di desa bandaran" land in
Sumberrejo. A desa named in a message wins over a dusun, and no dusun may take a desa's name or another desa's
dusun name."""

from __future__ import annotations

import io
import itertools

import pytest
from sqlalchemy import func, select

from conftest import csrf_token, desa_code, signed_in
from webapp.extensions import db
from webapp.intake.ingest import InboundMessage, ingest
from webapp.models import Dusun, LearnedTerm, Report, utcnow
from webapp.vocabulary.service import VocabularyError, add_dusun, import_dusun

WINONGAN = "35.14.19"
_ids = itertools.count(1)


def sms(text: str) -> str | None:
    """The desa code the intake reads in ``text``, sent to Winongan."""
    result = ingest(InboundMessage("sms", f"d{next(_ids)}", text, WINONGAN, "+6281234567890", utcnow()))
    db.session.expire_all()
    return db.session.get(Report, result.report_id).desa_code


def dusun_rows() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Dusun.id)))


def test_a_desa_named_in_a_message_wins_over_a_dusun_of_that_name(ctx, make_user):
    sumberrejo = desa_code(WINONGAN, "Sumberrejo")
    # Saved before names were checked: the dusun of the finding, and one a typo away from Desa Bandaran.
    db.session.add_all([Dusun(desa_code=sumberrejo, name="Prodo", aliases="Bandaran;Gading", source="petugas"),
                        Dusun(desa_code=sumberrejo, name="Bandran", source="petugas"),
                        Dusun(desa_code=sumberrejo, name="Krajan", source="petugas")])  # fmt: skip
    db.session.commit()
    assert sms("banjir di desa bandaran 3 rumah terendam") == desa_code(WINONGAN, "Bandaran")
    assert sms("banjir di prodo 12 rumah terendam") == desa_code(WINONGAN, "Prodo")
    assert sms("kebakaran di desa gading 2 rumah") == desa_code(WINONGAN, "Gading")
    assert sms("banjir di desa bandran") == desa_code(WINONGAN, "Bandaran")  # a desa misspelt is still a desa
    assert sms("banjir di dusun krajan") == sumberrejo  # Sumberrejo's own dusun still reads as Sumberrejo
    assert sms("banjir di dusun krajan desa prodo") == desa_code(WINONGAN, "Prodo")


@pytest.mark.parametrize(
    ("name", "aliases", "taken"),
    [
        ("Prodo", "Bandaran;Gading", "Desa Prodo"),  # the finding: a desa's name
        ("Krajan", "Bandaran", "Desa Bandaran"),  # a desa's name as another spelling
        ("Krajan", "winongan-kidul", "Desa Winongan Kidul"),  # spelt as the parser compares names
        ("Krajan", "Bandran", "Desa Bandaran"),  # read as Bandaran with one letter left out
        ("Krajan", "Bandar", "Desa Bandaran"),  # a name staff taught for Bandaran
        ("Krajan Wetan", "", "Desa Gading"),  # Gading's dusun
        ("Kulon", "krajan wtn", "Desa Gading"),  # another spelling of Gading's dusun
    ],
)
def test_a_dusun_cannot_take_a_desas_name_or_another_desas_dusun(ctx, make_user, name, aliases, taken):
    gading = make_user("desa_official", WINONGAN, desa="Gading")
    add_dusun(gading, gading.region_code, "Krajan Wetan", "krajan wtn")
    staff = make_user("kecamatan_staff", WINONGAN)
    db.session.add(LearnedTerm(kecamatan_code=WINONGAN, kind="desa", phrase="bandar",
                               value=desa_code(WINONGAN, "Bandaran"), created_by_id=staff.id))  # fmt: skip
    db.session.commit()
    official = make_user("desa_official", WINONGAN, desa="Sumberrejo")
    with pytest.raises(VocabularyError, match=taken):
        add_dusun(official, official.region_code, name, aliases)
    db.session.rollback()
    assert dusun_rows() == 1
    add_dusun(gading, gading.region_code, "Krajan Wetan", "kr wetan")  # Gading keeps its own, with a new spelling
    add_dusun(official, official.region_code, "Krajan Kulon")
    db.session.commit()
    assert dusun_rows() == 2


def post(browser, path, data, **kwargs):
    return browser.post(path, data={**data, "csrf_token": csrf_token(browser, "/dusun")}, **kwargs)


def test_the_dusun_page_refuses_a_desa_name_in_indonesian(app, ctx, make_user):
    official = make_user("desa_official", WINONGAN, desa="Sumberrejo")
    response = post(signed_in(app, official), "/dusun", {"desa": official.region_code, "name": "Prodo",
                                                          "aliases": "Bandaran;Gading"})  # fmt: skip
    assert response.status_code == 422 and "Desa Prodo" in response.text
    assert dusun_rows() == 0
    assert sms("banjir di desa bandaran 3 rumah terendam") == desa_code(WINONGAN, "Bandaran")


def test_an_import_with_one_row_taking_a_name_saves_nothing(app, ctx, make_user):
    staff = make_user("kecamatan_staff", WINONGAN)
    for csv, line in [
        ("desa,dusun,nama lain\nGading,Krajan Wetan,\nSumberrejo,Prodo,Bandaran;Gading\n", 3),
        ("desa,dusun\nProdo,Krajan\nSumberrejo,Krajan\n", 3),  # two desa in one file: the second takes the first's
        ("desa,dusun,nama lain\nSumberrejo,Tegal,Gading\nLebak,Tegalsari\n", 2),
    ]:
        result = import_dusun(staff, csv.encode())
        assert result.added == 0 and len(result.errors) == 1 and result.errors[0].startswith(f"Baris {line}:")
        assert dusun_rows() == 0
    browser = signed_in(app, staff)
    upload = io.BytesIO(b"desa,dusun,nama lain\nLebak,Tegalsari,\nSumberrejo,Prodo,Bandaran;Gading\n")
    response = post(browser, "/dusun/impor", {"file": (upload, "d.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Tidak ada yang disimpan." in response.text and "Baris 3" in response.text
    assert dusun_rows() == 0
