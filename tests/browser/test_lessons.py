"""The lesson pages as a page: each question shown once, the tabs in the
homework's order, an unknown lesson's page that lists the others, presenter
mode with nothing cut off, and at 150% zoom (853x480 CSS pixels at device
scale 1.5, what a 1280x720 window shows zoomed) nothing reaches past the
window's right edge. Screenshots go to test-artifacts/screenshots/."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.shared_page import SCREENSHOTS, module_page, mpage, shot_to  # noqa: F401
from tests.browser.test_homework import READY, answer, open_lesson, settle_lesson
from tests.browser.test_presenter import CLIPPED

LESSONS = ["one-relu", "relu-softmax", "softmax-max", "architecture-experiments"]   # the homework's order
ZOOMED = {"width": 853, "height": 480}

# Every element drawn right of the window (or the page wider than it): what
# the page would scroll sideways to show, or cut off.
PAST_THE_RIGHT_EDGE = """() => {
  const W = document.documentElement.clientWidth;
  const named = (el) => el.id || el.dataset.testid || `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
  const problems = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || el.closest('[hidden]')) continue;
    if (r.right > W + 0.5) problems.push(`${named(el)} reaches x = ${Math.round(r.right)} > ${W}`);
  }
  const s = document.scrollingElement;
  if (s.scrollWidth > s.clientWidth) problems.push(`the page is ${s.scrollWidth} px wide in ${s.clientWidth}`);
  return problems.slice(0, 12);
}"""

# The lesson's columns, stacked: each panel whole, below the one before (no
# panel drawn over another, and each as tall as its content).
STACKED = """() => {
  const panels = [...document.querySelectorAll('.lesson > .panel')].filter((el) => el.getClientRects().length);
  const problems = [];
  panels.forEach((el, i) => {
    const r = el.getBoundingClientRect();
    if (el.scrollHeight > el.clientHeight + 1) problems.push(`${el.id || el.className} cuts its content: ${el.scrollHeight} in ${el.clientHeight}`);
    const prev = panels[i - 1]?.getBoundingClientRect();
    if (prev && r.top < prev.bottom - 0.5) problems.push(`${el.id || el.className} starts at ${Math.round(r.top)}, above the end of the one before (${Math.round(prev.bottom)})`);
  });
  return problems;
}"""

SIZES = """() => {
  const px = (sel) => { const el = document.querySelector(sel); return el ? parseFloat(getComputedStyle(el).fontSize) : null; };
  const marker = document.querySelector('[data-testid=plane] g.tracetrain-points path.point');
  return { question: px('.question-text'), title: px('#lesson-title'), answer: px('.answer'),
           marker: marker ? marker.getBoundingClientRect().width : null };
}"""


def test_question_1_5_is_shown_once_with_its_table(mpage):
    open_lesson(mpage, "one-relu")
    heads = mpage.locator(".question-id").all_text_contents()
    assert heads == ["1.1", "1.2", "1.3", "1.4", "1.5"]
    table = mpage.get_by_test_id("question-1.5").get_by_test_id("options-1.5")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() == 6
    assert answer(mpage, "1.5-opt-0-verdict") == "unchanged"


def test_lesson_tabs_follow_the_homeworks_order(mpage):
    open_lesson(mpage, "softmax-max")
    tabs = mpage.get_by_test_id("lesson-nav").locator("a")
    assert [t.get_attribute("href") for t in tabs.all()] == [f"/lesson/{n}" for n in LESSONS]
    assert [t.locator(".nav-problem").text_content() for t in tabs.all()] == ["1", "2", "3.3", "6"]
    assert tabs.nth(2).get_attribute("aria-current") == "page"


@pytest.mark.allow_page_errors("HTTP 404: GET", "status of 404 (NOT FOUND)")
def test_an_unknown_lesson_page_lists_the_lessons(mpage):
    response = mpage.goto("/lesson/no-such-lesson")
    assert response.status == 404 and response.headers["content-type"].startswith("text/html")
    expect(mpage.locator("h1")).to_contain_text("no-such-lesson")
    links = mpage.get_by_test_id("lesson-index").locator("a")
    assert [a.get_attribute("href") for a in links.all()] == [f"/lesson/{n}" for n in LESSONS]
    links.nth(1).click()
    mpage.wait_for_selector(READY, timeout=30_000)
    expect(mpage.get_by_test_id("lesson-title")).to_contain_text("Problem 2")


@pytest.mark.parametrize("name", LESSONS)
def test_presenter_mode_on_a_lesson(mpage, shot_to, name):
    open_lesson(mpage, name)
    normal = mpage.evaluate(SIZES)
    assert mpage.evaluate(CLIPPED) == []
    shot_to(mpage, f"lesson-{name}-normal")
    mpage.keyboard.press("p")
    mpage.wait_for_function("() => document.body.classList.contains('presenter')")
    settle_lesson(mpage)
    mpage.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    big = mpage.evaluate(SIZES)
    assert mpage.evaluate(CLIPPED) == []
    shot_to(mpage, f"lesson-{name}-presenter")
    assert big["title"] >= normal["title"] * 1.25
    if normal["question"]:
        assert big["question"] >= normal["question"] * 1.25
    if normal["answer"]:
        assert big["answer"] >= normal["answer"] * 1.25
    if normal["marker"]:
        assert big["marker"] >= normal["marker"] * 1.3, (big, normal)
    assert mpage.get_by_test_id("presenter-toggle").get_attribute("aria-pressed") == "true"
    # the flag is in the address: a reload and the other lessons' tabs keep it
    assert "presenter=1" in mpage.url
    hrefs = [a.get_attribute("href") for a in mpage.get_by_test_id("lesson-nav").locator("a").all()]
    assert all(h.endswith("?presenter=1") for h in hrefs), hrefs
    open_lesson(mpage, name, "presenter=1")
    assert mpage.evaluate("() => document.body.classList.contains('presenter')")
    mpage.get_by_test_id("presenter-toggle").click()
    mpage.wait_for_function("() => !document.body.classList.contains('presenter')")
    assert "presenter" not in mpage.url
    assert mpage.evaluate(SIZES)["title"] == normal["title"]


# ---- 150% zoom ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zoomed_page(browser, browser_context_args):
    """A 1280x720 window at 150% zoom: 853x480 CSS pixels, 1.5 device pixels each."""
    context = browser.new_context(**{**browser_context_args, "viewport": ZOOMED, "device_scale_factor": 1.5})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.request.method} {r.url}"))
    yield page, problems
    context.close()


@pytest.mark.parametrize("query", ["", "presenter=1"], ids=["normal", "presenter"])
@pytest.mark.parametrize("name", LESSONS)
def test_at_150_percent_zoom_nothing_reaches_past_the_right_edge(zoomed_page, shot_to, name, query):
    page, problems = zoomed_page
    problems.clear()
    open_lesson(page, name, query)
    assert page.evaluate("[window.innerWidth, window.devicePixelRatio]") == [853, 1.5]
    assert page.evaluate(PAST_THE_RIGHT_EDGE) == []
    assert page.evaluate(STACKED) == []
    # the inspector (where the lesson has one) is on the page, below the network, in full
    inspector = page.get_by_test_id("lesson-inspector")
    if inspector.is_visible():
        box = inspector.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 853 and box["width"] >= 600, box
    shot_to(page, f"lesson-{name}-zoom150{'-presenter' if query else ''}")
    page.screenshot(path=str(SCREENSHOTS / f"lesson-{name}-zoom150{'-presenter' if query else ''}-whole.png"), full_page=True)
    page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    assert page.evaluate("() => window.scrollX") == 0
    assert problems == []


@pytest.mark.parametrize("width", [ZOOMED["width"], 1120, 1160])   # either side of the bound of the stacked layout
def test_a_lesson_drawn_wide_fits_again_after_zooming_in(mpage: Page, width):
    open_lesson(mpage, "relu-softmax")
    mpage.set_viewport_size({"width": width, "height": 720})
    mpage.wait_for_timeout(300)            # the page's resize debounce, then the redraw
    settle_lesson(mpage)
    assert mpage.evaluate(PAST_THE_RIGHT_EDGE) == []
