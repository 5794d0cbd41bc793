"""A gateway phone never heard from is its own state: not the green "Tersambung", which means heard recently."""

from __future__ import annotations

from datetime import timedelta

from conftest import signed_in
from webapp.extensions import db
from webapp.models import utcnow
from webapp.setup.service import add_number
from webhook_helpers import android_signed

WINONGAN = "35.14.19"


def test_a_phone_never_heard_from_is_not_shown_connected(app, ctx, make_user):
    number, key = add_number(None, "android", "dev-baru", WINONGAN, label="HP gateway Winongan")
    client = signed_in(app, make_user("kecamatan_staff", WINONGAN))

    for path in ("/pengaturan/gateway", f"/pengaturan/gateway/{number.id}"):
        page = client.get(path).get_data(as_text=True)
        assert "Belum pernah terdengar" in page and "Tersambung" not in page, path

    event = {"event": "system:ping", "id": "ping-1", "deviceId": "dev-baru", "payload": {}}
    body, headers = android_signed(event, key=key)
    assert app.test_client().post("/sms/android", data=body, headers=headers).status_code == 200
    page = client.get(f"/pengaturan/gateway/{number.id}").get_data(as_text=True)
    assert '<strong class="ok">Tersambung</strong>' in page and "Belum pernah terdengar" not in page


def test_a_phone_still_never_heard_after_the_silence_limit_is_offline_and_says_why(app, ctx, make_user):
    number, _key = add_number(None, "android", "dev-bisu", WINONGAN, label="HP gateway Winongan")
    number.created_at = utcnow() - timedelta(minutes=app.config["GATEWAY_SILENT_MINUTES"] + 1)
    db.session.commit()
    page = signed_in(app, make_user("kecamatan_staff", WINONGAN)).get(f"/pengaturan/gateway/{number.id}")
    html = page.get_data(as_text=True)
    assert '<strong class="alert">Belum pernah terdengar sejak dipasang' in html and "Tersambung" not in html
    assert "HP gateway Winongan belum pernah terdengar sejak dipasang" in html  # the strip on every staff page
