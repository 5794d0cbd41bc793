from webapp import create_app


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "gateways": {"offline": 0},
        "outbound": {"stalled_since": None},
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
    assert response.json == {"status": "error", "database": "unreachable"}
