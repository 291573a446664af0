"""The network diagram: edit a weight or a bias by clicking it; big layers stay readable."""
from __future__ import annotations

from tests.browser.app import along, open_app, overlay, overlay_pixels, settle, unit_lines, wait_for_api


def click_link(page, layer: int, i: int, j: int, along: float = 0.8):
    """Click the link from node i of column layer-1 to node j of column layer, at
    `along` of its length (near its unit, away from crossings). Links run from the
    right edge of one node's frame to the left edge of the other's."""
    a = page.locator(f"[data-testid=network] rect[data-unit='{layer - 1},{i}']").bounding_box()
    b = page.locator(f"[data-testid=network] rect[data-unit='{layer},{j}']").bounding_box()
    x1, y1 = a["x"] + a["width"], a["y"] + a["height"] / 2
    x2, y2 = b["x"], b["y"] + b["height"] / 2
    page.mouse.click(x1 + (x2 - x1) * along, y1 + (y2 - y1) * along)


def test_editing_a_weight_moves_that_units_line(page, shot):
    open_app(page, "hidden=4")
    settle(page)
    before = unit_lines(page)
    assert len(before) == 4
    click_link(page, 1, 0, 2)
    editor = page.get_by_test_id("weight-editor")
    editor.wait_for(state="visible")
    assert "w1" in editor.text_content().replace(" ", "")
    with wait_for_api(page, "/weights", "PUT") as answer:
        page.get_by_test_id("weight-input").fill("2.5")
        page.get_by_test_id("weight-input").press("Enter")
    assert answer.value.request.post_data_json["value"] == 2.5
    settle(page)
    after = unit_lines(page)
    assert len(after) == 4
    assert after[2] != before[2], "the edited unit's line did not move"
    assert [after[k] for k in (0, 1, 3)] == [before[k] for k in (0, 1, 3)], "other units' lines moved"
    assert editor.is_hidden()
    shot("weight-edited")


def test_editing_a_bias_moves_that_units_line(page):
    open_app(page, "hidden=3")
    settle(page)
    before = unit_lines(page)
    page.locator("[data-testid=network] circle[data-bias='1,1']").click()
    page.get_by_test_id("weight-editor").wait_for(state="visible")
    with wait_for_api(page, "/weights", "PUT"):
        page.get_by_test_id("weight-input").fill("1.5")
        page.get_by_test_id("weight-input").press("Enter")
    settle(page)
    after = unit_lines(page)
    assert after[1] != before[1] and after[0] == before[0] and after[2] == before[2]


def test_a_wide_network_collapses_thumbnails_and_draws_only_the_strongest_links(page, shot):
    open_app(page, "hidden=100,10&act=relu,relu&data=three_clusters")
    settle(page)
    caption = page.get_by_test_id("network-caption").text_content()
    assert caption == "layer 2: the 600 strongest of 1000 links"
    units = page.locator("[data-testid=network] rect[data-unit^='1,']")
    assert units.count() == 100
    heights = [b["height"] for b in (units.nth(k).bounding_box() for k in (0, 50, 99))]
    assert all(h >= 1 for h in heights)
    shot("network-2-100-10-3")


def test_hovering_a_unit_highlights_its_line_on_the_plane(page):
    open_app(page, "hidden=4")
    settle(page)
    page.locator("[data-testid=network] rect[data-unit='1,2']").hover()
    settle(page)
    highlight = overlay(page)["highlight"]
    assert highlight == [unit_lines(page)[2]]
    r, g, b, alpha = overlay_pixels(page, [along(highlight[0], 0.5)])[0]
    assert alpha > 200 and r > 150 and g < 110, "the highlight is not painted in the accent colour"
    page.mouse.move(5, 5)
    settle(page)
    assert overlay(page)["highlight"] == []


def test_a_selected_unit_can_colour_the_plane_by_its_activation(page, shot):
    open_app(page, "hidden=4")
    settle(page)
    assert page.get_by_test_id("show-unit").is_hidden()
    page.locator("[data-testid=network] rect[data-unit='1,2']").click()
    button = page.get_by_test_id("show-unit")
    assert button.text_content() == "a¹₃ over the plane"
    button.click()
    settle(page)
    assert button.get_attribute("aria-pressed") == "true"
    shown = page.evaluate("""() => { const d = document.querySelector('[data-testid=plane] .plane-regions').data[0];
        const z = d.z.flatMap(r => Array.from(r)); return {uid: d.uid, n: z.length, max: Math.max(...z), min: Math.min(...z)}; }""")
    assert shown["uid"] == "activation" and shown["n"] == 16 * 16
    assert shown["min"] >= 0 and shown["max"] > 0, "a ReLU unit's activation is >= 0 and positive somewhere"
    shot("unit-activation")
    button.click()
    settle(page)
    assert page.evaluate("""() => document.querySelector('[data-testid=plane] .plane-regions').data.length""") == 0
    assert page.locator("[data-testid=plane] [data-testid=plane-regions][data-resolution]").count() == 1


def test_while_playing_the_links_canvas_is_repainted_at_most_every_interval(page):
    """network.render(frame, {live: true}) skips repainting the canvas of links
    (rasterising them cost the most per playing frame) within LIVE_CANVAS_MS of
    the last paint, unless the thumbnails changed; paused, it always repaints."""
    open_app(page)
    settle(page)
    counts = page.evaluate("""async () => {
        const {LIVE_CANVAS_MS} = await import('/static/js/network.js');
        const n = window.crease.network, f = window.crease.session.frame;
        let painted = 0;
        const paint = n._paintCanvas.bind(n);
        n._paintCanvas = () => { painted += 1; paint(); };
        const seen = [];
        n.render(f); seen.push(painted);                                  // paused: painted
        n.render(f, {live: true}); seen.push(painted);                    // too soon: kept
        n.render({...f, thumbnails: [...(f.thumbnails ?? [])]}, {live: true}); seen.push(painted);  // new thumbnails
        n.render(f); seen.push(painted);                                  // paused again
        await new Promise(r => setTimeout(r, LIVE_CANVAS_MS + 20));
        n.render(f, {live: true}); seen.push(painted);                    // the interval passed
        delete n._paintCanvas;
        return seen;
    }""")
    assert counts == [1, 1, 2, 3, 4]
