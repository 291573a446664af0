"""Tablets and touch screens: a 1024x768 landscape tablet in Chromium's touch
emulation. Drawing and removing points, a touch drag of a weight on the
diagram, a tap instead of a hover on a unit's line and on the diagram, the
plane holding still under a drag, the transport and the fields by tap, and
targets a finger can hit."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.app import (READY, along, open_app, point_count, settle, touch_device, unit_lines,
                               wait_for_api)
from tests.browser.shared_page import SCREENSHOTS

TABLET = {"width": 1024, "height": 768}
# Apple's and Google's guidelines: a finger needs about 44 CSS px
FINGER_PX = 44


@pytest.fixture
def tablet(browser, browser_context_args):
    """A page on a touch tablet (no mouse): width x height 1024x768, device scale 2."""
    with touch_device(browser, browser_context_args, TABLET) as page:
        yield page


def touch_drag(page, start, end, steps: int = 10) -> None:
    """One finger from start to end (client px), as the touch screen reports it."""
    cdp = page.context.new_cdp_session(page)
    (x0, y0), (x1, y1) = start, end
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for k in range(1, steps + 1):
        t = k / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x0 + (x1 - x0) * t, "y": y0 + (y1 - y0) * t}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def plot_area(page) -> dict:
    return page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()


def points_at(page) -> list[tuple[float, float]]:
    """The centres (client px) of the plotted training points."""
    return page.evaluate("""() => [...document.querySelectorAll('[data-testid=plane] g.tracetrain-points path.point')]
      .map(p => { const b = p.getBoundingClientRect(); return [b.x + b.width / 2, b.y + b.height / 2]; })""")


def open_settings(page) -> None:
    page.get_by_test_id("controls-toggle").tap()
    expect(page.get_by_test_id("learning-rate")).to_be_visible()


def start_drawing(page) -> None:
    open_settings(page)
    page.get_by_test_id("draw").tap()
    expect(page.get_by_test_id("draw")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("controls-close").tap()
    expect(page.get_by_test_id("learning-rate")).to_be_hidden()


def empty_spot(page) -> tuple[float, float]:
    """A place on the plot area at least 20 px from every point and inside the plot."""
    area = plot_area(page)
    taken = points_at(page)
    for fy in (0.1, 0.9, 0.5, 0.3, 0.7):
        for fx in (0.1, 0.9, 0.5, 0.3, 0.7):
            x, y = area["x"] + fx * area["width"], area["y"] + fy * area["height"]
            if all((x - px) ** 2 + (y - py) ** 2 > 20 ** 2 for px, py in taken):
                return x, y
    raise AssertionError("no empty spot on the plane")


def test_a_tap_draws_a_point_where_tapped_and_a_tap_on_it_removes_it(tablet):
    page = tablet
    open_app(page, "n=40")
    settle(page)
    start_drawing(page)
    before = point_count(page)
    x, y = empty_spot(page)
    with wait_for_api(page, "/points", "POST"):
        page.touchscreen.tap(x, y)
    settle(page)
    assert point_count(page) == before + 1
    nearest = min(points_at(page), key=lambda p: (p[0] - x) ** 2 + (p[1] - y) ** 2)
    assert abs(nearest[0] - x) <= 2 and abs(nearest[1] - y) <= 2, f"the point is at {nearest}, the tap at {(x, y)}"
    # a tap on a point while drawing takes it away again (there is no shift key on a tablet)
    with wait_for_api(page, "/points", "POST"):
        page.touchscreen.tap(nearest[0] + 2, nearest[1] - 2)
    settle(page)
    assert point_count(page) == before
    assert all((p[0] - x) ** 2 + (p[1] - y) ** 2 > 4 for p in points_at(page))


def test_a_tap_on_a_point_sends_it_to_the_inspector(tablet):
    page = tablet
    open_app(page, "n=40")
    settle(page)
    x, y = points_at(page)[0]
    first = page.evaluate("() => window.crease.plane.model.points.train[0]")
    page.touchscreen.tap(x + 3, y + 2)    # a fingertip lands beside the marker's centre
    page.wait_for_function("() => window.crease.plane.overlay.drawn.marker")
    # the inspector took the point itself, not the tap (in the plane's coordinates: a
    # unit line under the finger opens its card too, and the plane may move for it)
    assert page.evaluate("() => window.crease.plane.marker") == first[:2], "the inspector took the tap, not the point"


def link_at(page, layer: int, i: int, j: int, t: float = 0.8) -> tuple[float, float]:
    """Client px at t of the link from node i of column layer-1 to node j of column layer."""
    a = page.locator(f"[data-testid=network] rect[data-unit='{layer - 1},{i}']").bounding_box()
    b = page.locator(f"[data-testid=network] rect[data-unit='{layer},{j}']").bounding_box()
    x1, y1 = a["x"] + a["width"], a["y"] + a["height"] / 2
    x2, y2 = b["x"], b["y"] + b["height"] / 2
    return x1 + (x2 - x1) * t, y1 + (y2 - y1) * t


def weight(page, layer: int, i: int, j: int) -> float:
    return page.evaluate("([l, i, j]) => { const w = window.crease.network.model.weights[l - 1]; return w.W[i * w.n + j]; }", [layer, i, j])


@pytest.mark.parametrize("dy, sign", [(-60, 1), (60, -1)], ids=["up", "down"])
def test_a_touch_drag_on_a_link_moves_that_weight_up_or_down(tablet, dy, sign):
    page = tablet
    open_app(page, "hidden=4")
    settle(page)
    old = weight(page, 1, 0, 2)
    others = [weight(page, 1, 1, j) for j in range(4)]
    lines = unit_lines(page)
    x, y = link_at(page, 1, 0, 2)
    with wait_for_api(page, "/weights", "PUT") as answer:
        touch_drag(page, (x, y), (x, y + dy))
    sent = answer.value.request.post_data_json
    assert (sent["layer"], sent["kind"], sent["i"], sent["j"]) == (0, "W", 0, 2)   # the API counts layers from 0
    assert sign * (sent["value"] - old) > 0.5, f"dragging {dy} px moved the weight from {old} to {sent['value']}"
    settle(page)
    assert weight(page, 1, 0, 2) == pytest.approx(sent["value"])
    assert [weight(page, 1, 1, j) for j in range(4)] == others
    after = unit_lines(page)
    assert after[2] != lines[2] and [after[k] for k in (0, 1, 3)] == [lines[k] for k in (0, 1, 3)]
    assert page.get_by_test_id("weight-editor").is_hidden()   # a drag sets the weight; no keyboard pops up
    assert page.evaluate("() => window.scrollY") == 0


def test_a_mouse_drags_a_bias_the_same_way(page):
    open_app(page, "hidden=3")
    settle(page)
    old = page.evaluate("() => window.crease.network.model.weights[0].W0[1]")
    bias = page.locator("[data-testid=network] circle[data-bias='1,1']").bounding_box()
    x, y = bias["x"] + bias["width"] / 2, bias["y"] + bias["height"] / 2
    with wait_for_api(page, "/weights", "PUT") as answer:
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + 25, steps=5)
        page.mouse.move(x, y + 50, steps=5)
        page.mouse.up()
    sent = answer.value.request.post_data_json
    assert (sent["layer"], sent["kind"], sent["j"]) == (0, "W0", 1)
    assert sent["value"] == pytest.approx(round(old - 50 * 0.02, 2), abs=0.011)
    settle(page)
    assert page.get_by_test_id("weight-editor").is_hidden()   # the release is no click on the bias


def test_a_tap_on_a_link_opens_its_editor_and_a_tap_on_a_unit_shows_what_it_is(tablet):
    page = tablet
    open_app(page, "hidden=3")
    settle(page)
    page.touchscreen.tap(*link_at(page, 1, 1, 2))
    editor = page.get_by_test_id("weight-editor")
    expect(editor).to_be_visible()
    assert "w1" in editor.text_content().replace(" ", "")
    node = page.locator("[data-testid=network] rect[data-unit='1,1']").bounding_box()
    page.touchscreen.tap(node["x"] + node["width"] / 2, node["y"] + node["height"] / 2)
    expect(editor).to_be_hidden()
    tooltip = page.locator("[data-testid=network] .plot-tooltip")
    expect(tooltip).to_be_visible()
    assert "unit a¹₂" in tooltip.text_content()
    # a tap on empty diagram takes the card away again
    box = page.get_by_test_id("network").bounding_box()
    page.touchscreen.tap(box["x"] + 4, box["y"] + box["height"] - 4)
    expect(tooltip).to_be_hidden()


def test_a_tap_near_a_unit_line_opens_its_card(tablet):
    page = tablet
    open_app(page, "hidden=3&n=40")
    settle(page)
    canvas = page.get_by_test_id("plane-overlay").bounding_box()
    taken = [(px - canvas["x"], py - canvas["y"]) for px, py in points_at(page)]
    lines = unit_lines(page)

    def clear(at, unit):
        """No point within 24 px and no other unit's line within 24 px of at."""
        return (all((at[0] - px) ** 2 + (at[1] - py) ** 2 > 24 ** 2 for px, py in taken)
                and all(segment_distance(at, s) > 24 for u, s in lines.items() if u != unit))
    unit, segment, t = next((u, s, t) for u, s in lines.items() for t in (0.5, 0.3, 0.7, 0.2, 0.8) if clear(along(s, t), u))
    x, y = along(segment, t)
    # a finger lands a little off the line: 10 px beside it still counts
    (x1, y1), (x2, y2) = segment
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    nx, ny = -(y2 - y1) / length, (x2 - x1) / length
    page.touchscreen.tap(canvas["x"] + x + 10 * nx, canvas["y"] + y + 10 * ny)
    popup = page.get_by_test_id("line-popup")
    expect(popup).to_be_visible()
    assert f"unit {unit + 1} of layer 1" in popup.text_content()


def segment_distance(at, segment) -> float:
    (x1, y1), (x2, y2) = segment
    dx, dy = x2 - x1, y2 - y1
    t = max(0.0, min(1.0, ((at[0] - x1) * dx + (at[1] - y1) * dy) / (dx * dx + dy * dy)))
    return ((at[0] - x1 - t * dx) ** 2 + (at[1] - y1 - t * dy) ** 2) ** 0.5


def test_a_touch_drag_on_the_plane_or_the_diagram_does_not_move_the_page(tablet):
    """Portrait, where the page is one column that scrolls: a drag on the plane
    while drawing or on the diagram moves no page; a drag on the curves does."""
    page = tablet
    page.set_viewport_size({"width": 768, "height": 1024})
    open_app(page)
    settle(page)
    start_drawing(page)
    where = lambda: page.evaluate("() => [scrollX, scrollY, visualViewport.scale]")   # noqa: E731
    area = plot_area(page)
    x, y = area["x"] + area["width"] / 2, area["y"] + 0.8 * area["height"]
    touch_drag(page, (x, y), (x, y - 0.6 * area["height"]))
    page.wait_for_timeout(300)
    assert where() == [0, 0, 1]
    net = page.get_by_test_id("network")
    net.scroll_into_view_if_needed()
    settle(page)
    before = where()
    found = net.bounding_box()
    touch_drag(page, (found["x"] + 6, found["y"] + found["height"] - 6), (found["x"] + 6, found["y"] + 6))
    page.wait_for_timeout(300)
    assert where() == before
    # the same finger on the curves scrolls the page, as ever
    found = page.get_by_test_id("curves").bounding_box()
    touch_drag(page, (found["x"] + 40, found["y"] + found["height"] - 10), (found["x"] + 40, found["y"] + 10))
    page.wait_for_timeout(300)
    assert where()[1] > before[1]


def test_play_pause_step_and_a_field_by_tap(tablet):
    page = tablet
    open_app(page)
    settle(page)
    with wait_for_api(page, "/advance", "POST"):
        page.get_by_test_id("step").tap()
    expect(page.get_by_test_id("step-count")).to_have_text("1")
    page.get_by_test_id("play").tap()
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("play").tap()
    expect(page.get_by_test_id("play")).to_have_attribute("aria-pressed", "false")
    open_settings(page)
    rate = page.get_by_test_id("learning-rate")
    rate.tap()
    expect(rate).to_be_focused()
    page.keyboard.press("Control+A")
    with wait_for_api(page, "/training", "PATCH"):
        page.keyboard.type("0.25")
        page.keyboard.press("Enter")
    assert page.evaluate("() => window.crease.store.state.lr") == 0.25


TARGETS = ("button:visible, select:visible, input:visible, summary:visible, label.check:visible")


def small_targets(page) -> list[str]:
    found = []
    for el in page.locator(TARGETS).all():
        if el.evaluate("e => e.matches('label.check input')"):
            continue   # its label is what a finger hits
        b = el.bounding_box()
        if b and (b["height"] < FINGER_PX - 0.5 or b["width"] < FINGER_PX - 0.5):
            found.append(f"{el.evaluate('e => e.id || e.dataset.testid || e.textContent.trim().slice(0, 20)')} {b['width']:.0f}x{b['height']:.0f}")
    return found


def test_every_control_is_big_enough_for_a_finger(tablet):
    page = tablet
    open_app(page, "hidden=3")
    settle(page)
    assert page.evaluate("() => matchMedia('(pointer: coarse)').matches")
    assert small_targets(page) == []
    open_settings(page)
    for summary in page.locator("#controls details:not([open]) > summary").all():
        summary.tap()
    assert small_targets(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "touch-settings.png"))
    # the inspector, opened by a tap on a point
    page.get_by_test_id("controls-close").tap()
    page.touchscreen.tap(*points_at(page)[0])
    expect(page.get_by_test_id("side-panel")).to_be_visible()
    settle(page)
    page.evaluate("() => document.querySelectorAll('[data-testid=side-panel] details').forEach(d => { d.open = true; })")
    small = small_targets(page)
    assert small == [], "\n".join(small)
    page.screenshot(path=str(SCREENSHOTS / "touch-inspector.png"))


def test_a_lessons_controls_are_big_enough_for_a_finger(tablet):
    page = tablet
    page.goto("/lesson/one-relu")
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_function("() => window.lessonIdle && window.lessonIdle()", timeout=30_000)
    small = small_targets(page)
    assert small == [], "\n".join(small)


def test_a_mouse_keeps_the_compact_controls(page):
    open_app(page)
    settle(page)
    assert page.evaluate("() => matchMedia('(pointer: fine)').matches")
    assert page.get_by_test_id("step").bounding_box()["height"] < FINGER_PX


def test_a_finger_drags_the_probe_along_a_lessons_function_plot(tablet):
    page = tablet
    page.goto("/lesson/one-relu")
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_function("() => document.querySelector('[data-testid=function-plot] .nsewdrag')")
    plot = page.get_by_test_id("function-plot")
    plot.scroll_into_view_if_needed()
    area = page.locator("[data-testid=function-plot] .nsewdrag").bounding_box()
    y = area["y"] + area["height"] / 2
    before = page.evaluate("() => [scrollX, scrollY]")
    readout = page.get_by_test_id("function-readout")
    start = readout.text_content()
    touch_drag(page, (area["x"] + 0.2 * area["width"], y), (area["x"] + 0.8 * area["width"], y + 8))
    page.wait_for_timeout(300)
    assert page.evaluate("() => [scrollX, scrollY]") == before
    x_range = page.evaluate("() => document.querySelector('[data-testid=function-plot]')._fullLayout.xaxis.range")
    expected = x_range[0] + 0.8 * (x_range[1] - x_range[0])
    shown = float(readout.locator("b.num").first.text_content().replace("−", "-"))
    assert readout.text_content() != start and abs(shown - expected) <= 0.05 * (x_range[1] - x_range[0]), (shown, expected)
