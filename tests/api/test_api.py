from datetime import UTC, datetime, timedelta

import pytest

from webapp.accounts import issue_api_token


@pytest.fixture
def incidents(make_incident):
    """Two in Winongan (Sumberrejo, Gading), one in Rejoso, one in Lampihong, one with no desa yet."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return {
        "sumberrejo": make_incident(
            "35.14.19",
            "Sumberrejo",
            opened_at=start,
            reports=("+6281111111111", "+6282222222222"),
            rumah_terendam=12,
        ),
        "gading": make_incident("35.14.19", "Gading", hazard="tanah_longsor", opened_at=start + timedelta(hours=1)),
        "patuguran": make_incident("35.14.23", "Patuguran", opened_at=start + timedelta(hours=2)),
        "lajar": make_incident("63.11.05", "Lajar", hazard="karhutla", opened_at=start + timedelta(hours=3)),
        "winongan_unknown": make_incident("35.14.19", None, hazard=None, opened_at=start + timedelta(hours=4)),
    }


def get(client, path, token):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def tickets(response):
    return [item["ticket"] for item in response.json["items"]]


def test_no_token_or_a_wrong_one_is_401(client):
    assert client.get("/api/incidents").status_code == 401
    response = client.get("/api/incidents", headers={"Authorization": "Bearer salah"})
    assert response.status_code == 401
    assert response.json == {"error": "invalid or revoked token"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/reports", headers={"Authorization": "Basic abc"}).status_code == 401


def test_desa_official_sees_only_their_desa(client, make_user, incidents):
    token = issue_api_token(make_user("desa_official", "35.14.19", desa="Sumberrejo"))
    response = get(client, "/api/incidents", token)
    assert tickets(response) == [incidents["sumberrejo"].ticket]
    reports = get(client, "/api/reports", token).json["items"]
    assert {r["desa"]["name"] for r in reports} == {"Sumberrejo"} and len(reports) == 2


def test_kecamatan_staff_see_their_kecamatan_including_undetermined_desa(client, make_user, incidents):
    token = issue_api_token(make_user("kecamatan_staff", "35.14.19"))
    expected = [incidents[k].ticket for k in ("winongan_unknown", "gading", "sumberrejo")]  # newest first
    assert tickets(get(client, "/api/incidents", token)) == expected


def test_admin_sees_everything_newest_first(client, make_user, incidents):
    token = issue_api_token(make_user("admin"))
    body = get(client, "/api/incidents", token).json
    assert body["total"] == 5
    assert body["items"][0]["ticket"] == incidents["winongan_unknown"].ticket
    assert body["items"][-1]["ticket"] == incidents["sumberrejo"].ticket


def test_incident_fields(client, make_user, incidents):
    token = issue_api_token(make_user("kecamatan_staff", "35.14.19"))
    item = get(client, "/api/incidents?per_page=1&page=3", token).json["items"][0]
    assert item["ticket"] == incidents["sumberrejo"].ticket
    assert item["hazard"] == "banjir" and item["status"] == "baru"
    assert item["desa"]["name"] == "Sumberrejo" and item["kecamatan"] == {
        "code": "35.14.19",
        "name": "Winongan",
    }
    assert item["counts"] == {"rumah_terendam": 12}
    assert item["report_count"] == 2
    assert item["opened_at"] == "2026-11-01T00:00:00Z"


def test_pagination(client, make_user, incidents):
    token = issue_api_token(make_user("admin"))
    first = get(client, "/api/incidents?per_page=2", token).json
    assert (first["page"], first["per_page"], first["total"], first["next_page"]) == (1, 2, 5, 2)
    last = get(client, "/api/incidents?per_page=2&page=3", token).json
    assert len(last["items"]) == 1 and last["next_page"] is None
    beyond = get(client, "/api/incidents?per_page=2&page=9", token).json
    assert beyond["items"] == []


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=-1", "per_page=1.5"])
def test_bad_page_parameters_are_400(client, make_user, query):
    token = issue_api_token(make_user("admin"))
    response = get(client, f"/api/reports?{query}", token)
    assert response.status_code == 400
    assert "must be a whole number from 1 to 1000000" in response.json["error"]


def test_per_page_is_capped(client, make_user, app):
    token = issue_api_token(make_user("admin"))
    assert get(client, "/api/incidents?per_page=100000", token).json["per_page"] == app.config["API_MAX_PAGE_SIZE"]


def test_phone_numbers_are_masked_unless_revealed_by_who_may(client, make_user, incidents):
    official = issue_api_token(make_user("desa_official", "35.14.19", desa="Sumberrejo"))
    staff = issue_api_token(make_user("kecamatan_staff", "35.14.19"))
    masked = {r["reporter_phone"] for r in get(client, "/api/reports?nomor=lengkap", official).json["items"]}
    plain = {r["reporter_phone"] for r in get(client, "/api/reports?per_page=50", staff).json["items"]}
    full = {r["reporter_phone"] for r in get(client, "/api/reports?per_page=50&nomor=lengkap", staff).json["items"]}
    assert masked == {"+62811****1111", "+62822****2222"}  # a desa official may not reveal
    assert "+6281111111111" not in plain and "+62811****1111" in plain
    assert {"+6281111111111", "+6282222222222"} <= full  # each one now a reveal on its incident's timeline


def test_report_fields(client, make_user, incidents):
    token = issue_api_token(make_user("kecamatan_staff", "63.11.05"))
    (report,) = get(client, "/api/reports", token).json["items"]
    assert report["channel"] == "sms" and report["text"] == "karhutla di Lajar"
    assert report["incident_ticket"] == incidents["lajar"].ticket
    assert report["kecamatan"]["name"] == "Lampihong"
