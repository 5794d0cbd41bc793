"""BMKG's warnings: the real poller against BMKG-format fixtures on a local server, exactly once, Update and
Cancel, matching, the draft, the notices, bad input, and staff sending (or not sending) the draft."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from conftest import csrf_token, desa_code, login
from fakes.bmkg import DATA, FIXTURE_NOW
from sms.gsm import encoding_of
from webapp.extensions import db
from webapp.models import (
    Broadcast,
    OutboundMessage,
    Region,
    Reporter,
    WarningAlert,
    WarningDraft,
    WarningFeed,
    WarningMessage,
)
from webapp.warnings.feeds import FeedError, named_kecamatan, parse_cap
from webapp.warnings.poller import poll
from webapp.warnings.service import take_cap

WINONGAN, REJOSO, LAMPIHONG = "35.14.19", "35.14.23", "63.11.05"
STAFF_PHONE, LAMPIHONG_PHONE, DUTY_PHONE = "+6281255500001", "+6281255500002", "+6281255500009"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _drafts(code: str) -> list[WarningDraft]:
    return list(db.session.scalars(select(WarningDraft).where(WarningDraft.kecamatan_code == code)))


def _notices() -> list[OutboundMessage]:
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.key.like("warning-%"))))


@pytest.fixture
def desk(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "ON_DUTY_PHONES", {WINONGAN: DUTY_PHONE})
    return {
        "winongan": make_user("kecamatan_staff", WINONGAN, phone=STAFF_PHONE),
        "lampihong": make_user("kecamatan_staff", LAMPIHONG, phone=LAMPIHONG_PHONE),
    }


def test_an_alert_for_winongan_becomes_one_draft_then_its_update_and_cancel_follow(fake_bmkg, desk):
    fake_bmkg.index = ["CJI20261201001", "CKS20261201001"]
    cycle = poll(FIXTURE_NOW)
    assert cycle.counts["new"] == 2, cycle.line()
    [draft] = _drafts(WINONGAN)
    assert _drafts(LAMPIHONG) == [] and _drafts(REJOSO) == []  # Kab. Nganjuk's Rejoso is not Pasuruan's
    assert "hujan lebat disertai angin kencang" in draft.body and "14.20-17.00 WIB" in draft.body
    notices = _notices()
    assert sorted(n.to_phone for n in notices if n.kecamatan_code == WINONGAN) == sorted([STAFF_PHONE, DUTY_PHONE])
    assert LAMPIHONG_PHONE not in {n.to_phone for n in notices}
    assert all(encoding_of(n.body).segments == 1 for n in notices)
    assert "Kec. Winongan" in notices[0].body and "17.00 WIB" in notices[0].body

    # The same alert again: the index unchanged (304), then listed again among others: nothing new.
    assert poll(FIXTURE_NOW).counts == {"nowcast_unchanged": 1}
    assert fake_bmkg.requests[-1][2] is not None  # asked with If-None-Match
    fake_bmkg.index = ["CJI20261201001", "CKS20261201001", "CJI20261201001"]
    again = poll(FIXTURE_NOW)
    assert again.counts.get("new") is None and again.counts["seen"] == 2
    assert (_count(WarningAlert), _count(WarningMessage), len(_notices())) == (2, 2, len(notices))

    fake_bmkg.index = ["CJI20261201001", "CJI20261201002"]
    assert poll(FIXTURE_NOW).counts["update"] == 1
    db.session.expire_all()
    [draft] = _drafts(WINONGAN)
    assert "hujan sangat lebat" in draft.body and "18.30 WIB" in draft.body
    assert _count(WarningAlert) == 2 and len(_notices()) == len(notices)  # rewritten, nobody told twice

    fake_bmkg.index = ["CJI20261201001", "CJI20261201002", "CJI20261201003"]
    assert poll(FIXTURE_NOW).counts["cancel"] == 1
    db.session.expire_all()
    [draft] = _drafts(WINONGAN)
    assert (draft.state, draft.alert.state) == ("ditarik", "dibatalkan")
    assert _count(WarningAlert) == 2


def test_bad_documents_are_skipped_with_their_reason_and_the_rest_go_on(fake_bmkg, desk):
    fake_bmkg.index = ["malformed", "no_area", "unknown_event", "expired", "missing", "CKS20261201002"]
    cycle = poll(FIXTURE_NOW)
    assert cycle.counts["skipped"] == 5 and cycle.counts["new"] == 1
    reasons = " ".join(cycle.notes)
    for reason in ("malformed XML", "no area", "unknown event 'Kabut Tebal'", "already expired", "HTTP 404"):
        assert reason in reasons
    assert _count(WarningMessage) == 1 and _count(WarningAlert) == 1
    drafts = sorted(d.kecamatan_code for d in db.session.scalars(select(WarningDraft)))
    assert drafts == ["63.11.04", LAMPIHONG]  # BMKG's "Batumandi" is Kemendagri's Batu Mandi


def test_a_failing_feed_backs_off_then_recovers(fake_bmkg, desk):
    fake_bmkg.index = ["CJI20261201001"]
    fake_bmkg.fail_next(500)
    cycle = poll(FIXTURE_NOW)
    assert cycle.counts["nowcast_failed"] == 1 and "HTTP 500" in cycle.notes[0]
    feed = db.session.get(WarningFeed, fake_bmkg.index_url)
    assert feed.failures == 1 and feed.next_poll_at > FIXTURE_NOW
    asked = len(fake_bmkg.served("/alerts/nowcast/id"))
    assert poll(FIXTURE_NOW + timedelta(seconds=30)).counts["nowcast_backoff"] == 1
    assert len(fake_bmkg.served("/alerts/nowcast/id")) == asked  # BMKG left alone while backing off
    assert poll(feed.next_poll_at).counts["new"] == 1
    db.session.expire_all()
    assert db.session.get(WarningFeed, fake_bmkg.index_url).failures == 0


def test_an_enormous_document_is_refused_and_nothing_is_stored(fake_bmkg, desk, app, monkeypatch):
    monkeypatch.setitem(app.config, "WARNINGS_MAX_BYTES", 1024 * 1024)
    fake_bmkg.fail_next("huge")
    cycle = poll(FIXTURE_NOW)
    assert "larger than 1048576 bytes" in " ".join(cycle.notes)
    assert _count(WarningAlert) == 0


def test_entities_are_never_expanded():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;&x;">]>'
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&y;</identifier></alert>')  # fmt: skip
    with pytest.raises(FeedError, match="DTDs and entities are not accepted"):
        parse_cap(bomb)


def test_kecamatan_are_read_per_kabupaten_from_bmkgs_lists():
    text = (
        "Hujan lebat pada pukul 14.20 WIB di Kab. Pasuruan : Winongan, Grati dan Lekok dan dapat meluas ke wilayah "
        "Kota Pasuruan : Gadingrejo. Kondisi ini diprakirakan masih dapat berlangsung hingga pukul 17.00 WIB."
    )
    assert named_kecamatan([text]) == {
        ("kabupaten pasuruan", "winongan"), ("kabupaten pasuruan", "grati"), ("kabupaten pasuruan", "lekok"),
        ("kota pasuruan", "gadingrejo"),
    }  # fmt: skip


def test_a_polygon_matches_a_kecamatan_whose_position_is_known(ctx, desk):
    text = (DATA / "CKS20261201002_alert.xml").read_text().replace("Kab. Balangan : Lampihong, Batumandi", "Balangan")
    assert take_cap(parse_cap(text.encode()), now=FIXTURE_NOW).drafts == 0  # no name, no position: unmatched, kept
    assert db.session.scalar(select(WarningAlert)).matched is False
    region = db.session.get(Region, LAMPIHONG)
    region.latitude, region.longitude = -2.39, 115.40
    text = text.replace("CKS20261201002", "CKS20261201007")
    assert take_cap(parse_cap(text.encode()), now=FIXTURE_NOW).drafts == 1
    assert [d.kecamatan_code for d in db.session.scalars(select(WarningDraft))] == [LAMPIHONG]


def test_the_lampihong_draft_keeps_witaclock_and_fits_two_segments(ctx, desk):
    take_cap(parse_cap((DATA / "CKS20261201002_alert.xml").read_bytes()), now=FIXTURE_NOW)
    [draft] = _drafts(LAMPIHONG)
    assert "16.00-19.00 WITA" in draft.body and draft.body.startswith("BMKG ")
    assert encoding_of("PERINGATAN DINI Kec. Lampihong: " + draft.body).segments <= 2


def test_a_felt_earthquake_drafts_for_the_kabupaten_that_felt_it(fake_bmkg, desk, app, monkeypatch):
    monkeypatch.setitem(app.config, "WARNINGS_NOWCAST_URL", "")
    monkeypatch.setitem(app.config, "WARNINGS_QUAKE_URL", fake_bmkg.quake_url)
    cycle = poll(FIXTURE_NOW)
    assert cycle.counts["gempa_new"] == 1 and cycle.counts["skipped"] == 2  # M3.1, and one 3 days old
    [draft] = _drafts(WINONGAN)
    assert draft.alert.hazard == "gempabumi" and "gempa M4.9" in draft.body and "14.05 WIB" in draft.body
    assert _drafts(LAMPIHONG) == []
    assert poll(FIXTURE_NOW).counts == {"gempa_unchanged": 1}


def _residents():
    for n, desa in enumerate(("Gading", "Prodo", "Sumberrejo")):
        db.session.add(Reporter(phone=f"+62813555000{n}", name=f"Warga {desa}", desa_code=desa_code(WINONGAN, desa)))
    db.session.add(Reporter(phone="+628135550099", name="Warga Lajar", desa_code=desa_code(LAMPIHONG, "Lajar")))
    db.session.commit()


def _current_draft(fake_bmkg, now=None) -> WarningDraft:
    fake_bmkg.index = ["CJI20261201001"]
    poll(fake_bmkg.shift_to_now(now))
    return _drafts(WINONGAN)[0]


def test_staff_send_the_draft_once_from_the_broadcast_preview(app, fake_bmkg, desk):
    _residents()
    draft = _current_draft(fake_bmkg)
    client = app.test_client()
    login(client, desk["winongan"].email)
    home = client.get("/incidents").get_data(as_text=True)
    assert f"/broadcasts/new?peringatan={draft.id}" in home and "Peringatan dini BMKG" in home
    assert client.get(f"/w/{draft.id}").location.endswith(f"/broadcasts/new?peringatan={draft.id}")
    page = client.get(f"/broadcasts/new?peringatan={draft.id}").get_data(as_text=True)
    assert "Dari BMKG" in page and "Kirim ke 3 warga" in page and str(escape(draft.body)) in page
    desa = re.findall(r'<input checked id="desa-\d+" name="desa" required type="checkbox" value="([\d.]+)">', page)
    assert len(desa) == 18  # every desa of Winongan
    form = {"csrf_token": csrf_token(client, f"/broadcasts/new?peringatan={draft.id}"), "key": "kunci-siaran-01",
            "kind": "peringatan", "hazard": "cuaca_ekstrem", "desa": desa, "body": draft.body, "expected": "3",
            "warning": str(draft.id), "action": "send"}  # fmt: skip
    assert client.post("/broadcasts/new", data=form).status_code == 303
    again = client.post("/broadcasts/new", data={**form, "key": "kunci-siaran-02"})
    assert again.status_code == 422 and "sudah dikirim" in again.get_data(as_text=True)
    db.session.expire_all()
    messages = list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "broadcast")))
    assert len(messages) == 3 and {m.to_phone for m in messages} == {"+628135550000", "+628135550001", "+628135550002"}
    assert messages[0].body.startswith("PERINGATAN DINI Kec. Winongan: BMKG ")
    broadcast = db.session.scalar(select(Broadcast))
    assert broadcast.warning_draft_id == draft.id and db.session.get(WarningDraft, draft.id).state == "terkirim"
    assert f"peringatan={draft.id}" not in client.get("/incidents").get_data(as_text=True)  # the banner is gone
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert "Hujan Lebat disertai Angin Kencang · Winongan" in dashboard


def test_an_expired_or_cancelled_draft_cannot_be_sent(app, fake_bmkg, desk):
    _residents()
    draft = _current_draft(fake_bmkg, FIXTURE_NOW.replace(year=2025))  # BMKG's validity ended long ago
    client = app.test_client()
    login(client, desk["winongan"].email)
    page = client.get(f"/broadcasts/new?peringatan={draft.id}").get_data(as_text=True)
    assert "sudah lewat masa berlakunya" in page and f"peringatan={draft.id}" not in client.get("/incidents").text
    form = {"csrf_token": csrf_token(client, "/broadcasts/new"), "key": "kunci-siaran-03", "kind": "peringatan",
            "desa": [desa_code(WINONGAN, "Gading")], "body": draft.body, "expected": "1", "warning": str(draft.id),
            "action": "send"}  # fmt: skip
    response = client.post("/broadcasts/new", data=form)
    assert response.status_code == 422 and "sudah lewat masa berlakunya" in response.get_data(as_text=True)
    assert _count(Broadcast) == 0


def test_staff_discard_a_draft_and_other_kecamatan_cannot_touch_it(app, fake_bmkg, desk):
    draft = _current_draft(fake_bmkg)
    other = app.test_client()
    login(other, desk["lampihong"].email)
    token = csrf_token(other, "/broadcasts")
    assert other.get(f"/broadcasts/new?peringatan={draft.id}").status_code == 403
    assert other.post(f"/peringatan/{draft.id}/buang", data={"csrf_token": token}).status_code == 403
    client = app.test_client()
    login(client, desk["winongan"].email)
    response = client.post(f"/peringatan/{draft.id}/buang", data={"csrf_token": csrf_token(client, "/broadcasts")})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(WarningDraft, draft.id).state == "dibuang"
    assert "dibuang petugas" in client.get("/peringatan").get_data(as_text=True)


def test_admins_see_alerts_that_matched_no_kecamatan(app, fake_bmkg, desk, make_user):
    fake_bmkg.index = ["CPP20261201001"]
    poll(FIXTURE_NOW)
    admin = make_user("admin")
    client = app.test_client()
    login(client, admin.email)
    assert "Peringatan Dini Cuaca: Hujan Lebat" in client.get("/peringatan").get_data(as_text=True)


def test_flask_warnings_take_reads_a_cap_file(runner, ctx, desk):
    result = runner.invoke(args=["warnings", "take", str(DATA / "CKS20261201002_alert.xml")])
    assert "1 new draft" in result.output or "already expired" in result.output
    result = runner.invoke(args=["warnings", "take", str(DATA / "malformed_alert.xml")])
    assert result.exit_code != 0 and "malformed XML" in result.output and "nothing was stored" in result.output


def test_staff_are_told_when_bmkg_changes_a_warning_residents_already_got(app, fake_bmkg, desk):
    from webapp.broadcasts.service import send

    _residents()
    draft = _current_draft(fake_bmkg)
    codes = [desa_code(WINONGAN, "Gading")]
    send(desk["winongan"], "kunci-1", "peringatan", "cuaca_ekstrem", codes, draft.body, 1, draft)
    before = len(_notices())
    fake_bmkg.index = ["CJI20261201001", "CJI20261201002"]
    poll(FIXTURE_NOW + fake_bmkg.shift)
    updated = [n for n in _notices() if "memperbarui" in n.body]
    assert sorted(n.to_phone for n in updated) == sorted([STAFF_PHONE, DUTY_PHONE])
    assert all(encoding_of(n.body).segments == 1 for n in updated) and "sangat lebat" in updated[0].body
    fake_bmkg.index = ["CJI20261201001", "CJI20261201002", "CJI20261201003"]
    poll(FIXTURE_NOW + fake_bmkg.shift)
    poll(FIXTURE_NOW + fake_bmkg.shift)
    cancelled = [n for n in _notices() if "mencabut" in n.body]
    assert len(cancelled) == 2 and len(_notices()) == before + 4
    db.session.expire_all()
    assert db.session.get(WarningDraft, draft.id).state == "terkirim"  # what was sent stays sent


def test_the_warnings_page_says_when_bmkg_could_not_be_read(app, fake_bmkg, desk):
    fake_bmkg.fail_next(503)
    poll(FIXTURE_NOW)
    client = app.test_client()
    login(client, desk["winongan"].email)
    page = client.get("/peringatan").get_data(as_text=True)
    assert "Gagal 1 kali, terakhir: HTTP 503" in page and fake_bmkg.index_url in page
