"""/healthz: ok only when everything the server relies on works; each trouble named by a word a monitor can
match; never which kecamatan."""

from webapp import create_app


def test_healthz_is_ok_when_everything_answers(client, worker_alive):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "reasons": [],
        "database": "ok",
        "gateways": {"offline": 0},
        "outbound": {"stalled_since": None, "backlog": 0},
        "backup": {"age_hours": None},
    }


def test_healthz_is_503_when_the_database_is_unreachable():
    app = create_app(
        {
            "SECRET_KEY": "s" * 40,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2",
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "reasons": ["database"], "database": "unreachable"}
