"""The playground's inspector tells the truth: the inspected point is marked on
the plane, the target starts as that point's own class, and "Apply this step"
is a step like any other (counted, and one undo step)."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.app import open_app, overlay, overlay_pixels, settle, wait_for_api

# JS: the client pixel of every shown training point, and how far its nearest neighbour is.
POINTS_ON_SCREEN = """() => {
  const { session } = window.crease;
  const rect = document.querySelector('[data-testid=plane] .plane-points .nsewdrag').getBoundingClientRect();
  const [x0, x1, y0, y1] = session.frame.extent;
  const px = (p) => [rect.left + (p[0] - x0) / (x1 - x0) * rect.width, rect.top + (y1 - p[1]) / (y1 - y0) * rect.height];
  const all = [...session.points.train, ...session.points.val].map(px);
  return session.points.train.map((p, i) => {
    const [cx, cy] = px(p);
    const gap = Math.min(...all.filter((_, j) => j !== i).map(([x, y]) => Math.hypot(x - cx, y - cy)));
    return { x: p[0], y: p[1], label: p[2], cx, cy, gap };
  });
}"""


def lonely_point(page, label: int) -> dict:
    """The training point of class `label` farthest from any other point; a click
    on it hits it alone (no other marker within two markers' reach)."""
    best = max((p for p in page.evaluate(POINTS_ON_SCREEN) if p["label"] == label), key=lambda p: p["gap"])
    assert best["gap"] > 2 * 8, best   # twice a click's reach (theme.marker, 8 px)
    return best


def marker_on_screen(page):
    """Where the overlay last drew the inspector's marker, in client pixels (None: not drawn)."""
    at = overlay(page).get("marker")
    if at is None:
        return None
    box = page.get_by_test_id("plane-overlay").bounding_box()
    return [box["x"] + at[0], box["y"] + at[1]]


def inspect(page, point: dict) -> None:
    with wait_for_api(page, "/probe", "POST"):
        page.mouse.click(point["cx"], point["cy"])
    page.wait_for_function("() => document.querySelector('[data-testid=inspector-output]')")
    settle(page)


def test_the_inspected_point_is_marked_and_its_label_is_the_target(page, shot):
    open_app(page, "hidden=4")
    settle(page)
    assert marker_on_screen(page) is None
    one, zero = lonely_point(page, 1), lonely_point(page, 0)
    inspect(page, one)
    expect(page.get_by_test_id("inspector-target")).to_have_value("1")
    expect(page.get_by_test_id("inspector-body")).to_contain_text("Backward for class 2 (index 1)")
    assert [float(page.get_by_test_id(f"inspector-x{i}").input_value()) for i in (1, 2)] == \
        [round(one["x"], 4), round(one["y"], 4)]
    mark = marker_on_screen(page)
    assert abs(mark[0] - one["cx"]) < 1 and abs(mark[1] - one["cy"]) < 1, (mark, one)
    # the marker is painted: its ring, two marker radii out, is opaque on the canvas
    ring = overlay(page)["marker"]
    assert overlay_pixels(page, [[ring[0] + 16, ring[1]]])[0][3] > 200
    shot("inspector-marked-point")
    # another point: the marker moves there, the target follows its class
    inspect(page, zero)
    expect(page.get_by_test_id("inspector-target")).to_have_value("0")
    expect(page.get_by_test_id("inspector-body")).to_contain_text("Backward for class 1 (index 0)")
    mark = marker_on_screen(page)
    assert abs(mark[0] - zero["cx"]) < 1 and abs(mark[1] - zero["cy"]) < 1, (mark, zero)
    page.get_by_role("button", name="Close the inspector").click()
    settle(page)
    assert marker_on_screen(page) is None


def test_apply_this_step_is_counted_and_can_be_undone(page):
    open_app(page, "hidden=4")
    settle(page)
    expect(page.get_by_test_id("step-count")).to_have_text("0")
    inspect(page, lonely_point(page, 1))
    with wait_for_api(page, "/probe/apply", "POST"):
        page.get_by_test_id("inspector-apply").click()
    settle(page)
    expect(page.get_by_test_id("step-count")).to_have_text("1")
    expect(page.get_by_test_id("epoch-count")).to_have_text("0")
    assert page.get_by_test_id("undo").get_attribute("title") == "Undo the last inspector step"
    with wait_for_api(page, "/sessions", "POST"):
        page.get_by_test_id("undo").click()
    settle(page)
    expect(page.get_by_test_id("step-count")).to_have_text("0")
