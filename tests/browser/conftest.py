"""Browser tests: the app served on a local port, driven by Playwright in Debian's Chromium."""
from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import ARTIFACTS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ARTIFACTS / "screenshots"
# Chromium's own background traffic is refused on these offline machines; keep it from trying.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


BROWSER_TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # The hook sees the whole session's items, not only this folder's.
    for item in items:
        if BROWSER_TESTS in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: scripts/test.sh installs Debian's chromium")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.login-form button[type=submit]")


def log_out(page, base_url: str) -> None:
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{base_url}/login")


def watch_console(page) -> list[str]:
    """Collects what a user would never see but a broken page shows: console errors (a CSP refusal
    is one), uncaught exceptions and failed requests (the browser's own favicon request aside)."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda response: problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and not response.url.endswith("/favicon.ico") else None)
    return problems


def download(page, selector: str, target: Path) -> Path:
    """Click a download link or button and keep the file it sends."""
    with page.expect_download() as started:
        page.click(selector)
    started.value.save_as(target)
    return target


def read_qr_code(pdf: Path, page_number: int, picture_name: str) -> str:
    """The address in the QR code printed on one page of a PDF, read the way a phone camera reads
    a printed certificate: the page rendered at 150 dpi (kept as a screenshot) and decoded by zbar."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    picture = SCREENSHOTS / picture_name
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", str(page_number), "-l", str(page_number), "-singlefile",
                    str(pdf), str(picture)], check=True)
    return subprocess.run(["zbarimg", "--quiet", "--raw", f"{picture}.png"], check=True, capture_output=True,
                          text=True).stdout.strip()
