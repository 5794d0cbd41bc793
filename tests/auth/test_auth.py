import gzip

from conftest import PASSWORD, csrf_token, login


def test_login_page_is_in_indonesian_and_small(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="id">' in html
    assert "Kata sandi" in html and "Masuk" in html
    assert len(gzip.compress(page.data)) < 14 * 1024
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_pages_need_a_login(client):
    response = client.get("/incidents")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_login_then_logout(client, make_user):
    user = make_user("kecamatan_staff", "35.14.19")
    response = login(client, user.email)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    page = client.get("/incidents")
    assert page.status_code == 200 and "Kecamatan Winongan" in page.get_data(as_text=True)

    token = csrf_token(client, "/incidents")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/incidents").status_code == 302


def test_email_is_case_insensitive(client, make_user):
    user = make_user("admin")
    assert login(client, user.email.upper()).status_code == 303


def test_wrong_password_says_so_without_saying_which_part(client, make_user):
    user = make_user("admin")
    for email, password in ((user.email, "salah-sandi"), ("tidak.ada@uji.test", PASSWORD)):
        response = login(client, email, password)
        assert response.status_code == 422
        assert "Email atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/incidents").status_code == 302


def test_inactive_account_cannot_log_in(client, make_user):
    from webapp.extensions import db

    user = make_user("admin")
    user.active = False
    db.session.commit()
    assert login(client, user.email).status_code == 422


def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user("admin")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Formulir kedaluwarsa atau tidak sah" in response.get_data(as_text=True)
    assert client.get("/incidents").status_code == 302


def test_logout_without_csrf_token_is_refused(client, make_user):
    user = make_user("admin")
    login(client, user.email)
    assert client.post("/logout").status_code == 400
    assert client.get("/incidents").status_code == 200


def test_next_goes_back_to_the_page_but_never_off_site(client, make_user):
    user = make_user("admin")
    token = csrf_token(client, "/login")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=/incidents?page=2", data=data)
    assert response.headers["Location"] == "/incidents?page=2"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/incidents")})
    for evil in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        token = csrf_token(client, "/login")
        response = client.post(f"/login?next={evil}", data={**data, "csrf_token": token})
        assert response.headers["Location"] == "/"
        client.post("/logout", data={"csrf_token": csrf_token(client, "/incidents")})


def test_each_role_lands_on_its_own_home(app, make_user):
    for role, kecamatan, desa, home in (
        ("kecamatan_staff", "35.14.19", None, "/incidents"),
        ("admin", None, None, "/incidents"),
        ("desa_official", "35.14.19", "Gading", "/beranda"),
    ):
        client = app.test_client()
        login(client, make_user(role, kecamatan, desa=desa).email)
        assert client.get("/").headers["Location"] == home, role
    assert app.test_client().get("/").headers["Location"] == "/login"
