"""The page loads clean and fits the screens it is used on."""
from __future__ import annotations

import pytest

from tests.browser.app import READY, REGIONS_CANVAS, number, open_app, settle

KEY_PARTS = ["plane", "network", "curves", "play", "epoch-count", "train-loss", "val-loss", "train-acc", "val-acc"]


def test_loads_without_console_errors_or_failed_requests(page, page_errors, shot):
    open_app(page)
    settle(page)
    assert number(page, "epoch-count") == 0
    assert 0 <= number(page, "train-acc") <= 1
    options = page.eval_on_selector_all("[data-testid=dataset] option", "els => els.map(e => e.value)")
    datasets = page.request.get("/api/datasets").json()["datasets"]
    assert options == [d["name"] for d in datasets]
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "false"
    shot("initial-1280x720")
    assert page_errors == []


@pytest.mark.parametrize("width,height", [(1280, 720), (1366, 768), (1920, 1080), (1024, 768)])
def test_key_parts_visible_without_scrolling(page, shot, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_app(page)
    settle(page)
    for testid in KEY_PARTS:
        box = page.get_by_test_id(testid).bounding_box()
        assert box is not None, f"{testid} is not rendered"
        assert box["x"] >= 0 and box["y"] >= 0, f"{testid} starts off screen: {box}"
        assert box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1, \
            f"{testid} does not fit in {width}x{height}: {box}"
    plane = page.get_by_test_id("plane").bounding_box()
    assert min(plane["width"], plane["height"]) >= (300 if width < 1200 else 450), plane
    assert page.evaluate("() => document.scrollingElement.scrollHeight") <= height
    shot(f"layout-{width}x{height}")


def test_ready_marker_is_only_set_once_the_first_frame_is_drawn(page):
    page.goto("/")
    page.wait_for_selector(READY)
    assert page.locator(REGIONS_CANVAS).count() == 1


def test_on_a_tablet_the_settings_open_as_a_drawer(page):
    page.set_viewport_size({"width": 1024, "height": 768})
    open_app(page)
    settle(page)
    toggle = page.get_by_test_id("controls-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.get_by_test_id("learning-rate").is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    box = page.get_by_test_id("learning-rate").bounding_box()
    assert box and box["x"] < 1024
    toggle.click()
    assert page.get_by_test_id("learning-rate").is_hidden()


@pytest.mark.allow_page_errors("status of 429")
def test_a_frame_drawn_coarser_than_asked_says_so_in_the_status_line(page):
    """A network and data big enough that the frame's estimate passes
    FRAME_BUDGET_MS: the server draws a coarser grid and the page says so."""
    open_app(page, "hidden=128,128,128,128,128,128&n=5000")
    status = page.get_by_test_id("status")
    status.filter(has_text="Drawn coarser").wait_for(timeout=30_000)
    text = status.text_content()
    assert "250 ms budget" in text and "thumbnails 8 px (asked 16)" in text
