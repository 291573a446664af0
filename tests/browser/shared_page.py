"""One browser page for a whole test module, for the classroom tests (share
links, keyboard, presenter mode, accessibility, pictures).

A new browser context costs about 3 s (Plotly.js is fetched and compiled
again); loading a link in the same context takes well under one. Each test
still fails on console errors, page errors, failed requests and HTTP errors,
exactly like conftest.page_errors, and may name what it expects with
``@pytest.mark.allow_page_errors``.

Use: ``from tests.browser.shared_page import mpage, module_page, shot_to  # noqa: F401``.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Page

from tests.browser.app import READY, settle

VIEWPORT = {"width": 1280, "height": 720}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def module_page(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.method} {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.request.method} {r.url}"))
    yield page, problems
    context.close()


@pytest.fixture
def mpage(module_page, request) -> Page:
    page, problems = module_page
    page.set_viewport_size(VIEWPORT)
    problems.clear()
    yield page
    allowed = [s for mark in request.node.iter_markers("allow_page_errors") for s in mark.args]
    unexpected = [p for p in problems if not any(s in p for s in allowed)]
    problems.clear()
    assert unexpected == [], "the page reported problems:\n" + "\n".join(unexpected)


@pytest.fixture
def shot_to():
    """shot_to(page, name): a screenshot of the viewport into test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path
    return take


def open_link(page: Page, url: str) -> None:
    """Load `url` as a link opened afresh and wait for the first frame to be
    drawn. A link that differs from the page's URL only in its #fragment does
    not load by itself (and a reload would resume this tab's run): the page
    loads it without the fragment, then the fragment arrives as a pasted one
    does (hashchange). (Going through about:blank instead costs ~5 s.)"""
    target = urljoin(page.url, url)
    same_document = page.url.split("#")[0] == target.split("#")[0] and "#" in target
    page.goto(target.split("#")[0] if same_document else url)
    page.wait_for_selector(READY, timeout=30_000)
    if same_document:
        page.goto(target)
        page.wait_for_function("(hash) => window.crease.classroom.followedHash === hash",
                               arg="#" + target.split("#", 1)[1])
    settle(page)


def state(page: Page) -> dict:
    return page.evaluate("() => window.crease.store.state")


def exact_weights(page: Page) -> list:
    """The session's weights as the server holds them (float64, from its JSON export)."""
    return page.evaluate("""async () => {
      const r = await fetch(`/api/sessions/${window.crease.api.sessionId}/export?format=json`);
      return (await r.json()).weights;
    }""")


def counters(page: Page) -> dict:
    return page.evaluate("() => window.crease.session.frame.counters")


def advance_epochs(page: Page, epochs: int) -> None:
    """Train `epochs` more epochs through the page's own trainer (what '+1 epoch'
    does, n at once). The server answers a long request with a partial frame
    (ADVANCE_BUDGET_MS), so this asks again until the epoch count is reached."""
    page.evaluate("""async (n) => {
      const { trainer, session } = window.crease;
      const target = session.frame.counters.epoch + n;
      for (let i = 0; i < 100 && session.frame.counters.epoch < target; i++) {
        await trainer.once({ epochs: target - session.frame.counters.epoch });
      }
    }""", epochs)
    settle(page)
