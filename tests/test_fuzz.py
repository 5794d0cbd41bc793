"""Every public POST endpoint, fed whatever hypothesis can think of: a clear 4xx (or a success), never a 5xx.

The suite runs a few dozen examples per endpoint; ``make reliability`` runs many more
(``TANGGUH_FUZZ_EXAMPLES``). Requests are signed or carry a valid CSRF token where the endpoint needs one, so
that the fuzzing reaches the code behind the checks and not only the checks.
"""

import json
import os
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import csrf_token, login
from webhook_helpers import TWILIO_NUMBER, android_signed, twilio_headers

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("TANGGUH_FUZZ_EXAMPLES", 30))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
WINONGAN = "35.14.19"

text = st.text(max_size=300)
wild = st.one_of(text, st.integers().map(str), st.sampled_from(["", " ", "0", "-1", "1e9", "\x00", "null", "[]"]))
form = st.dictionaries(st.sampled_from(["a", "Body", "desa", "hazard", "note", "status", "text", "name"]), wild)


def no_server_error(response):
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])


@pytest.fixture
def numbers(ctx):
    from webapp.extensions import db
    from webapp.models import ReceivingNumber

    db.session.add_all([ReceivingNumber(gateway="twilio", address=TWILIO_NUMBER, kecamatan_code=WINONGAN),
                        ReceivingNumber(gateway="android", address="dev-fuzz", kecamatan_code=WINONGAN)])  # fmt: skip
    db.session.commit()


twilio_form = st.fixed_dictionaries(
    {"MessageSid": st.one_of(st.text(max_size=40), st.just("SM" + "1" * 32)), "From": wild, "To": st.one_of(
        wild, st.just(TWILIO_NUMBER)), "Body": text},
    optional={"MessageStatus": wild, "ErrorCode": wild, "NumMedia": wild},
)  # fmt: skip


@FUZZ
@given(params=twilio_form, signed=st.booleans(), path=st.sampled_from(["/sms/twilio", "/sms/twilio/status"]))
def test_twilio_webhooks(client, numbers, params, signed, path):
    params = {k: v.replace("\x00", "") for k, v in params.items()}  # form fields cannot carry NUL in a URL encoding
    headers = twilio_headers(params, f"http://localhost{path}") if signed else {"X-Twilio-Signature": "x"}
    no_server_error(client.post(path, data=params, headers=headers))


json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
android_event = st.fixed_dictionaries(
    {"event": st.sampled_from(["sms:received", "sms:sent", "sms:delivered", "sms:failed", "system:ping"]) | text,
     "id": json_value, "deviceId": st.sampled_from(["dev-fuzz"]) | json_value,
     "payload": st.fixed_dictionaries({}, optional={"message": json_value, "phoneNumber": st.sampled_from(
         ["081234567890", "+6281234567890"]) | json_value, "simNumber": json_value, "receivedAt": json_value,
         "messageId": json_value, "reason": json_value, "sentAt": json_value}) | json_value},
)  # fmt: skip


@FUZZ
@given(event=android_event, raw=st.one_of(st.none(), st.binary(max_size=200)))
def test_android_webhook(client, numbers, event, raw):
    body, headers = android_signed(raw if raw is not None else json.dumps(event).encode())
    no_server_error(client.post("/sms/android", data=body, headers=headers))


@pytest.fixture
def staff(client, make_user):
    user = make_user("kecamatan_staff", WINONGAN, email="fuzz@winongan.test")
    login(client, user.email)
    return user


@FUZZ
@given(data=form)
def test_login(app, data):
    client = app.test_client()
    token = csrf_token(client, "/login")
    no_server_error(client.post("/login", data={**data, "csrf_token": token}))


@FUZZ
@given(
    data=st.fixed_dictionaries(
        {"hazard": wild | st.just("banjir"), "desa": wild, "description": text},
        optional={"rumah_terendam": wild, "latitude": wild, "longitude": wild, "needs": wild, "rt": wild,
                  "idempotency_key": wild, "dusun": wild},
    ),
    photo=st.one_of(st.none(), st.binary(max_size=300)),
)  # fmt: skip
def test_report_form(client, staff, data, photo):
    import io

    payload = {**data, "csrf_token": csrf_token(client, "/reports/new")}
    if photo is not None:
        payload["photo"] = (io.BytesIO(photo), "foto.jpg")
    no_server_error(client.post("/reports/new", data=payload, content_type="multipart/form-data"))


@FUZZ
@given(data=form, csv=st.binary(max_size=400) | text.map(str.encode), path=st.sampled_from(
    ["/residents", "/residents/import", "/broadcasts/new", "/broadcasts/preview"]))  # fmt: skip
def test_residents_and_broadcasts(client, staff, data, csv, path):
    import io

    payload = {**data, "csrf_token": csrf_token(client, "/residents"), "action": "send"}
    if path == "/residents/import":
        payload["file"] = (io.BytesIO(csv), "warga.csv")
    no_server_error(client.post(path, data=payload, content_type="multipart/form-data"))


@pytest.fixture
def incident(make_incident):
    return make_incident(WINONGAN, "Gading", reports=("+6281234567890", "+6281234567891"))


@FUZZ
@given(action=st.sampled_from(["status", "agency", "severity", "counts", "notes", "reply", "merge"]), data=form,
       htmx=st.booleans())  # fmt: skip
def test_incident_actions(client, staff, incident, action, data, htmx):
    token = csrf_token(client, f"/incidents/{incident.id}")
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"/incidents/{incident.id}/{action}", data={**data, "csrf_token": token}, headers=headers)
    no_server_error(response)


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["page", "per_page", "status", "hazard", "desa", "q", "period", "bulan",
                                              "dari", "sampai", "wilayah", "channel", "v"]), wild))  # fmt: skip
def test_pages_and_api_with_odd_query_strings(client, staff, query):
    from webapp.accounts import issue_api_token

    token = issue_api_token(staff)
    for path in ("/incidents", "/dashboard", "/residents", "/broadcasts", "/api/incidents", "/api/dashboard"):
        no_server_error(client.get(f"{path}?{urlencode(query)}", headers={"Authorization": f"Bearer {token}"}))


def test_nul_characters_in_a_query_or_form_are_a_400(client, staff, incident):
    assert client.get("/incidents?q=%00").status_code == 400
    token = csrf_token(client, f"/incidents/{incident.id}")
    response = client.post(f"/incidents/{incident.id}/notes", data={"note": "a\x00b", "csrf_token": token})
    assert response.status_code == 400
