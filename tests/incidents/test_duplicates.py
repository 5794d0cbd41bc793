"""Which incidents the incident page offers as likely duplicates: open ones of the same desa and hazard within the
merge window, or with a reporter in common; never one the user may not merge, a closed one, or one long apart."""

from datetime import UTC, datetime, timedelta

from conftest import signed_in
from webapp.extensions import db

WINONGAN, REJOSO = "35.14.19", "35.14.23"
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_the_incident_page_offers_likely_duplicates_only(app, make_user, make_incident):
    def made(desa, hazard="banjir", hours=1.0, kecamatan=WINONGAN, reporter="+6281200000001"):
        incident = make_incident(kecamatan, desa, hazard=hazard, opened_at=T0 + timedelta(hours=hours),
                                 reports=(reporter,))  # fmt: skip
        incident.last_report_at = incident.opened_at
        return incident

    incident = made("Gading", hours=0, reporter="+6281200000009")
    offered = {
        "same desa and hazard": made("Gading", hours=5),
        "same reporter, next desa": made("Prodo", hazard="tanah_longsor", hours=2, reporter="+6281200000009"),
    }
    apart = {
        "another hazard": made("Gading", hazard="kebakaran"),
        "another desa": made("Prodo"),
        "two days later": made("Gading", hours=49),
        "closed": made("Gading", hours=2),
        "merged": made("Gading", hours=3),
        "another kecamatan, same reporter": made("Patuguran", kecamatan=REJOSO, reporter="+6281200000009"),
    }
    apart["closed"].status, apart["merged"].status = "selesai", "digabung"
    db.session.commit()
    staff = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    html = staff.get(f"/incidents/{incident.id}").get_data(as_text=True)
    section = html[html.index('class="duplicates"') : html.index("</section>", html.index('class="duplicates"'))]
    assert all(f"<strong>{i.ticket}</strong>" in section for i in offered.values())
    assert not any(i.ticket in section for i in apart.values()), [k for k, i in apart.items() if i.ticket in section]
    assert "pelapor yang sama" in section and "desa dan jenis sama" in section
    # the newer joins the older: from the older incident, the newer one is pulled in
    assert f"Gabungkan {offered['same desa and hazard'].ticket} ke sini" in section
    # a desa official sees the incident but may not merge: nothing offered
    official = signed_in(app, make_user("desa_official", WINONGAN, desa="Gading"))
    assert 'class="duplicates"' not in official.get(f"/incidents/{incident.id}").get_data(as_text=True)


def test_pulling_a_newer_duplicate_in_asks_and_cancels_back_to_this_page(app, make_user, make_incident):
    older = make_incident(WINONGAN, "Gading", opened_at=T0)
    newer = make_incident(WINONGAN, "Gading", opened_at=T0 + timedelta(hours=1))
    older.last_report_at, newer.last_report_at = older.opened_at, newer.opened_at
    db.session.commit()
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))
    page = client.get(f"/incidents/{older.id}").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    asked = client.post(f"/incidents/{newer.id}/merge",
                        data={"ticket": older.ticket, "kembali": str(older.id), "csrf_token": token})  # fmt: skip
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f"Gabungkan {newer.ticket} ke {older.ticket}?" in html
    assert f'class="button-link" href="/incidents/{older.id}"' in html  # Batal: back where the tap was
    done = client.post(f"/incidents/{newer.id}/merge",
                       data={"ticket": older.ticket, "confirm": "1", "csrf_token": token})  # fmt: skip
    assert done.status_code == 303 and done.location.endswith(f"/incidents/{older.id}")
