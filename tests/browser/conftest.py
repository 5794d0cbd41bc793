"""Real Chromium (Debian's, through Playwright's executable_path; nothing downloads a browser) against the app
served by a real threaded HTTP server on the test database."""

import os
import re
import shutil

import pytest

CHROMIUM = os.environ.get("TANGGUH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# As this workplace's probe starts it: no sandbox as root, and no background calls to Google's hosts.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)  # in CI a missing browser is a failure, never a skip
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(live_server):
    return live_server


@pytest.fixture
def browser_context(chromium):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
    yield context
    context.close()


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(base) + r"/(incidents|beranda)$"))  # each role's home


def wait_for_service_worker_ready(page, seconds: float = 15) -> None:
    """Until the page's service worker is installed and active, never longer than ``seconds``."""
    assert page.evaluate(
        "ms => Promise.race([navigator.serviceWorker.ready.then(() => true),"
        " new Promise(resolve => setTimeout(() => resolve(false), ms))])",
        seconds * 1000,
    ), "the service worker did not install"


# Resolves true once the service worker controls the page, or after ``ms`` with whether it does by then.
CONTROLLED = """ms => new Promise(resolve => {
  setTimeout(() => resolve(navigator.serviceWorker.controller !== null), ms);
  navigator.serviceWorker.ready.then(() => {
    if (navigator.serviceWorker.controller) { resolve(true); }
    navigator.serviceWorker.addEventListener('controllerchange', () => resolve(true), {once: true});
  });
})"""


def wait_for_service_worker(page, seconds: float = 15) -> None:
    """Until the service worker controls the page. ``page.wait_for_function`` would poll a string the page's CSP
    (no ``unsafe-eval``) refuses to evaluate whenever the first look is not already true; this waits on the
    worker's own events instead, and never longer than ``seconds`` (``page.evaluate`` itself has no timeout).

    A page whose load began while the worker was still activating may be left unclaimed (a guess at why CI once
    waited here for good on a busy machine): then it is loaded once more, as a phone's next visit would be."""
    controlled = page.evaluate(CONTROLLED, seconds * 1000)
    if not controlled:
        page.reload()
        controlled = page.evaluate(CONTROLLED, seconds * 1000)
    assert controlled, "the service worker controls no page, even after a reload"


def open_controlled(page, url: str) -> None:
    """Open ``url`` twice: the first visit installs the service worker, the second is a page it controls (and
    keeps for offline use)."""
    page.goto(url)
    wait_for_service_worker_ready(page)
    page.goto(url)
    wait_for_service_worker(page)


def forget_session(context, page, base: str) -> None:
    """The phone's session ends (its cookies cleared). A response still in flight (the worker's update check,
    say) may set the refreshed session cookie again after the first clear: clear until /login stays /login."""
    page.goto("about:blank")
    for _ in range(5):
        context.clear_cookies()
        page.goto(f"{base}/login")
        if page.url.endswith("/login"):
            return
    raise AssertionError("the session cookie keeps coming back")
