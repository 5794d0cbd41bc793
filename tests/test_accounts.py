import pytest
from sqlalchemy import func, select

from conftest import PASSWORD, desa_code
from webapp.accounts import AccountError, create_user, issue_api_token, user_for_token
from webapp.extensions import db
from webapp.models import User


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_each_role_gets_the_region_it_needs(ctx):
    admin = create_user("Admin@Tangguh.test ", "Admin", "admin", PASSWORD)
    staff = create_user("staf@winongan.test", "Staf", "kecamatan_staff", PASSWORD, "35.14.19")
    official = create_user(
        "desa@sumberrejo.test", "Perangkat", "desa_official", PASSWORD, desa_code("35.14.19", "Sumberrejo")
    )
    assert admin.email == "admin@tangguh.test" and admin.region_code is None
    assert staff.region.name == "Winongan"
    assert official.region.label == "Desa Sumberrejo"
    assert official.check_password(PASSWORD) and not official.check_password("salah")
    assert PASSWORD not in official.password_hash


@pytest.mark.parametrize(
    ("email", "role", "region", "message"),
    [
        ("bukan-email", "admin", None, "invalid email"),
        ("a@b.test", "camat", None, "unknown role"),
        ("a@b.test", "kecamatan_staff", None, "needs a kecamatan region"),
        ("a@b.test", "kecamatan_staff", "35.14", "needs a kecamatan region"),
        ("a@b.test", "desa_official", "35.14.19", "needs a desa region"),
        ("a@b.test", "desa_official", "35.14.19.9999", "unknown region code"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(ctx, email, role, region, message):
    with pytest.raises(AccountError, match=message):
        create_user(email, "Nama", role, PASSWORD, region)
    assert user_count() == 0


def test_duplicate_email_is_refused_whatever_its_case(ctx):
    create_user("staf@winongan.test", "Staf", "kecamatan_staff", PASSWORD, "35.14.19")
    with pytest.raises(AccountError, match="already exists"):
        create_user("STAF@winongan.test", "Lain", "admin", PASSWORD)
    assert user_count() == 1


def test_phone_is_normalised_unique_and_checked(ctx):
    user = create_user("a@b.test", "A", "admin", PASSWORD, phone="0812-3456-7890")
    assert user.phone == "+6281234567890"
    with pytest.raises(AccountError, match="already exists"):
        create_user("c@d.test", "C", "admin", PASSWORD, phone="+62 812 3456 7890")
    with pytest.raises(AccountError, match="invalid phone"):
        create_user("e@f.test", "E", "admin", PASSWORD, phone="halo")
    assert user_count() == 1


def test_short_password_is_refused(ctx):
    with pytest.raises(AccountError, match="at least 8"):
        create_user("a@b.test", "A", "admin", "pendek")


def test_api_token_is_stored_hashed_and_a_new_one_revokes_the_old(ctx):
    user = create_user("a@b.test", "A", "admin", PASSWORD)
    first = issue_api_token(user)
    assert user.api_token_hash != first and len(user.api_token_hash) == 64
    assert user_for_token(first) == user
    second = issue_api_token(user)
    assert user_for_token(first) is None
    assert user_for_token(second) == user
    user.active = False
    db.session.commit()
    assert user_for_token(second) is None


def test_cli_creates_a_user_and_prints_a_token_once(runner, ctx):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "kec@rejoso.test",
            "--role",
            "kecamatan_staff",
            "--region",
            "35.14.23",
            "--phone",
            "0813-1111-0000",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created kec@rejoso.test (kecamatan_staff, 35.14.23)" in result.output
    token_run = runner.invoke(args=["users", "token", "kec@rejoso.test"])
    assert token_run.exit_code == 0
    token = token_run.stdout.strip()
    assert user_for_token(token).email == "kec@rejoso.test"
    assert user_for_token(token).phone == "+6281311110000"


def test_cli_duplicate_email_is_a_clear_error(runner, ctx):
    args = ["users", "create", "--email", "a@b.test", "--role", "admin", "--password", PASSWORD]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "already exists; nothing was written" in again.output
    assert user_count() == 1


def test_cli_token_for_unknown_email(runner, ctx):
    result = runner.invoke(args=["users", "token", "siapa@entah.test"])
    assert result.exit_code != 0 and "no account" in result.output


def test_passwords_are_hashed_with_scrypt_unless_configured(app):
    from webapp.models import User

    user = User()
    user.set_password("kata-sandi-panjang")  # outside the test app's cheap setting
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password("kata-sandi-panjang")
