"""Phones and portrait tablets, in Chromium's mobile emulation (touch, device
scale 2): the plane first at the full width with its legend, the transport in
one row, the settings in a drawer, the diagram and curves below; nothing wider
than the screen, on the playground and on the lessons."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.app import READY, open_app, settle, touch_device
from tests.browser.shared_page import SCREENSHOTS

SCREENS = [(390, 844), (768, 1024)]

# Every element whose box reaches past the viewport's sides, ignoring what is
# not drawn (display none, zero size), what a scrolled or clipped box hides and
# what is parked wholly above or left of the page.
BEYOND_THE_VIEWPORT = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const style = getComputedStyle(p);
      if (style.overflowX !== 'visible') return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || clipped(el)) continue;
    // wholly above or left of the page: parked out of sight on purpose (Plotly's text-measuring svg)
    if (box.right + scrollX <= 0 || box.bottom + scrollY <= 0) continue;
    if (box.left < -1 || box.right > width + 1) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className?.baseVal ?? el.className} ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return out;
}"""


@pytest.fixture
def touch_page(browser, browser_context_args, request):
    """A page in a phone-like context: width x height, touch, device scale 2, mobile."""
    width, height = request.param
    with touch_device(browser, browser_context_args, {"width": width, "height": height}) as page:
        yield page


def box(page, testid: str) -> dict:
    found = page.get_by_test_id(testid).bounding_box()
    assert found is not None, f"{testid} is not rendered"
    return found


def inside_the_width(found: dict, width: int) -> bool:
    return found["x"] >= -1 and found["x"] + found["width"] <= width + 1


def no_sideways_scrolling(page) -> None:
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    assert page.evaluate(BEYOND_THE_VIEWPORT) == []


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize("touch_page", SCREENS, indirect=True, ids=["390x844", "768x1024"])
def test_the_playground_stacks_plane_first_at_the_full_width(touch_page):
    page = touch_page
    width = page.viewport_size["width"]
    open_app(page)
    settle(page)
    plane = box(page, "plane")
    assert plane["width"] >= 0.9 * width and inside_the_width(plane, width), plane
    assert plane["height"] >= 0.9 * plane["width"], f"the plane is not square enough: {plane}"
    for legend in (page.locator(".stage span.legend"), page.locator("[data-testid=plane] g.legend")):
        assert legend.is_visible() and inside_the_width(legend.bounding_box(), width)   # points, classes
    # the transport: one row, on screen, the epoch count readable
    buttons = [box(page, testid) for testid in ("reset", "play", "step", "epoch-step")]
    assert len({round(b["y"] + b["height"] / 2) for b in buttons}) == 1, buttons
    for found in buttons + [box(page, "epoch-count")]:
        assert inside_the_width(found, width) and found["y"] >= 0, found
    assert page.get_by_test_id("epoch-count").is_visible()
    # then the diagram and the curves, below the plane
    for testid in ("network", "curves"):
        found = box(page, testid)
        assert found["y"] >= plane["y"] + plane["height"] - 1 and inside_the_width(found, width), (testid, found)
    assert page.get_by_test_id("learning-rate").is_hidden()       # the settings wait in their drawer
    no_sideways_scrolling(page)
    screenshot(page, f"phone-playground-{width}")
    page.mouse.wheel(0, 2000)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    screenshot(page, f"phone-playground-{width}-below")


@pytest.mark.parametrize("touch_page", SCREENS, indirect=True, ids=["390x844", "768x1024"])
def test_the_settings_open_in_a_drawer_by_touch_and_keyboard(touch_page):
    page = touch_page
    width = page.viewport_size["width"]
    open_app(page)
    settle(page)
    toggle = page.get_by_test_id("controls-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")    # (the click follows the touch)
    rate = page.get_by_test_id("learning-rate")
    expect(rate).to_be_visible()
    assert inside_the_width(rate.bounding_box(), width)
    drawer = page.locator("#controls").bounding_box()
    assert inside_the_width(drawer, width) and drawer["y"] >= 0
    no_sideways_scrolling(page)
    screenshot(page, f"phone-drawer-{width}")
    page.keyboard.press("Escape")
    expect(rate).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    # by keyboard: the toggle opens it, focus moves into it, Escape closes it and returns to the toggle
    toggle.focus()
    page.keyboard.press("Enter")
    expect(rate).to_be_visible()
    assert page.evaluate("() => document.getElementById('controls').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(rate).to_be_hidden()
    expect(toggle).to_be_focused()
    # the drawer's own × button closes it too, and a tap beside it
    toggle.tap()
    expect(rate).to_be_visible()
    page.get_by_test_id("controls-close").tap()
    expect(rate).to_be_hidden()
    toggle.tap()
    expect(rate).to_be_visible()
    page.touchscreen.tap(width - 10, page.viewport_size["height"] - 10)
    expect(rate).to_be_hidden()


@pytest.mark.parametrize("touch_page", SCREENS, indirect=True, ids=["390x844", "768x1024"])
def test_a_lesson_stacks_question_plane_and_inspector(touch_page):
    page = touch_page
    width = page.viewport_size["width"]
    page.goto("/lesson/one-relu")
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_timeout(500)             # the lesson's plots lay out after the ready marker
    parts = [box(page, testid) for testid in ("lesson-questions", "lesson-stage", "lesson-inspector")]
    for found in parts:
        assert inside_the_width(found, width), found
    assert parts[0]["y"] < parts[1]["y"] < parts[2]["y"], parts
    no_sideways_scrolling(page)
    screenshot(page, f"phone-lesson-{width}")
