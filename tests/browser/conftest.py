"""Browser tests: the real app under gunicorn (memory store) and Debian's
Chromium driven by pytest-playwright.

Every test fails on a console error, an uncaught page error, a failed request
or an HTTP error response, unless it names what it expects with
``@pytest.mark.allow_page_errors("substring", ...)``. With CI=true a missing
Chromium is a failure, never a skip.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser.app import watch_problems
from tests.browser.live_server import start_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "allow_page_errors(*substrings): console errors, failed requests or HTTP "
        "errors whose text contains one of these are expected in this test")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        message = f"Debian's chromium is not installed at {path} (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message + "; with CI=true this is a failure")
    return path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app under real gunicorn on a free port, or CREASE_BASE_URL when set
    (to run the suite against a server that is already up)."""
    if os.environ.get("CREASE_BASE_URL"):
        yield os.environ["CREASE_BASE_URL"].rstrip("/")
        return
    server = start_app(tmp_path_factory.mktemp("gunicorn") / "gunicorn.log")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def base_url(live_server):
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, tmp_path_factory):
    home = tmp_path_factory.mktemp("chromium-home")
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS,
            "env": {**os.environ, "HOME": str(home), "TMPDIR": str(home)}}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}}


@pytest.fixture(autouse=True)
def page_errors(request):
    """Collects what went wrong in the page; the test fails on anything not allowed."""
    if "page" not in request.fixturenames:
        yield []
        return
    page = request.getfixturevalue("page")
    problems = watch_problems(page)
    yield problems
    allowed = [s for mark in request.node.iter_markers("allow_page_errors") for s in mark.args]
    unexpected = [p for p in problems if not any(s in p for s in allowed)]
    assert unexpected == [], "the page reported problems:\n" + "\n".join(unexpected)


@pytest.fixture
def shot(page):
    """shot(name): a screenshot of the whole viewport into test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path
    return take
