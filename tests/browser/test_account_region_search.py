"""An admin creates a desa official's account choosing the desa by name, in Chromium at 360 px with JavaScript
off: the search is a plain GET form, the result a link that fills the region in."""

from sqlalchemy import select

from conftest import PASSWORD
from webapp.extensions import db
from webapp.models import User

from .conftest import sign_in


def test_a_region_found_by_name_without_javascript(server, chromium, make_user):
    admin = make_user("admin")
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="id-ID", java_script_enabled=False)
    page = context.new_page()
    sign_in(page, server, admin.email, PASSWORD)
    page.goto(f"{server}/pengaturan")
    page.click("a:has-text('Akun')")
    page.fill("#cari-wilayah", "prodo")
    page.click("form[role=search] button")
    result = page.locator("a:has-text('Desa Prodo')")
    assert "35.14.19.2009" in result.locator("xpath=..").inner_text()
    result.click()
    assert page.input_value("#region") == "35.14.19.2009"
    page.fill("#name", "Kades Prodo")
    page.fill("#email", "kades@prodo.test")
    page.select_option("#role", "desa_official")
    page.click("button:has-text('Buat akun')")
    assert "Kata sandi sementara untuk kades@prodo.test" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    db.session.expire_all()
    assert db.session.scalar(select(User.region_code).where(User.email == "kades@prodo.test")) == "35.14.19.2009"
    context.close()
