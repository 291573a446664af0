"""The plane: unit lines with their 0/+ sides, class regions, draw mode, hover."""
from __future__ import annotations

from tests.browser.app import along, open_app, overlay, overlay_pixels, point_count, region_colour_classes, \
    region_colour_count, settle, unit_lines, wait_for_api


def assert_lines_and_labels_painted(page, units: int):
    drawn = overlay(page)
    assert sorted(line["unit"] for line in drawn["lines"]) == list(range(units))
    assert sorted(label["text"] for label in drawn["labels"]) == sorted(["0", "+"] * units)
    # and they are on the canvas: ink along every line and under every label
    probes = [along([line["from"], line["to"]], t) for line in drawn["lines"] for t in (0.3, 0.7)]
    probes += [label["at"] for label in drawn["labels"]]
    assert all(alpha > 100 for *_, alpha in overlay_pixels(page, probes))


def test_one_line_per_first_layer_unit_each_with_its_0_and_plus(page, shot):
    open_app(page, "hidden=6")
    settle(page)
    assert_lines_and_labels_painted(page, 6)
    with wait_for_api(page, "/network", "PUT"):
        page.get_by_test_id("layer-units-1").fill("3")
        page.get_by_test_id("layer-units-1").press("Enter")
    settle(page)
    assert_lines_and_labels_painted(page, 3)
    shot("unit-lines-3")


def test_the_plus_label_is_on_the_side_where_the_unit_is_active(page):
    open_app(page, "hidden=4")
    settle(page)
    weights = page.evaluate("""() => { const w = window.crease.session.frame.weights[0];
        return {n: w.n, W: Array.from(w.W), W0: Array.from(w.W0)}; }""")
    drawn = overlay(page)
    labels = drawn["labels"]
    for k, line in enumerate(drawn["lines"]):
        unit = line["unit"]
        w1, w2, b = weights["W"][unit], weights["W"][weights["n"] + unit], weights["W0"][unit]
        for label in labels[2 * k:2 * k + 2]:
            x, y = page.evaluate("([px, py]) => { const c = document.querySelector('[data-testid=plane-overlay]').getBoundingClientRect(); return window.crease.plane.dataCoordinates(c.left + px, c.top + py); }", label["at"])
            z = w1 * x + w2 * y + b
            assert (z > 0) == (label["text"] == "+"), (unit, label, z)


def test_lines_can_be_hidden_all_at_once_or_per_unit(page):
    open_app(page, "hidden=4")
    settle(page)
    page.get_by_test_id("line-unit-2").click()
    settle(page)
    assert sorted(unit_lines(page)) == [0, 2, 3]
    page.get_by_test_id("lines-none").click()
    settle(page)
    assert overlay(page)["lines"] == [] and overlay(page)["labels"] == []
    page.get_by_test_id("lines-all").click()
    settle(page)
    assert sorted(unit_lines(page)) == [0, 1, 2, 3]


def test_three_class_dataset_shows_three_region_colours(page, shot):
    open_app(page)
    settle(page)
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("dataset").select_option("three_clusters")
    settle(page)
    for _ in range(5):
        with wait_for_api(page, "/advance"):
            page.get_by_test_id("epoch-step").click()
    settle(page)
    shares = region_colour_classes(page, 3)
    assert sorted(shares) == ["0", "1", "2"], shares
    assert min(shares.values()) > 0.03, shares
    shot("three-classes")


def test_hard_regions_show_the_same_classes_flat(page):
    open_app(page)
    settle(page)
    soft = region_colour_classes(page, 2)
    page.get_by_test_id("regions-hard").click()
    settle(page)
    hard = region_colour_classes(page, 2)
    assert sorted(soft) == sorted(hard)
    # the image itself, a pixel per cell before the browser scales it: one colour per class
    assert region_colour_count(page) == len(hard) <= 2


def test_draw_mode_adds_a_point_and_shift_click_removes_one(page, shot):
    open_app(page)
    settle(page)
    before = point_count(page, "train")
    page.get_by_test_id("draw").click()
    page.get_by_test_id("draw-class-1").click()
    box = page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    with wait_for_api(page, "/points", "POST"):
        page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    settle(page)
    assert point_count(page, "train") == before + 1
    added = page.evaluate("() => window.crease.session.points.train.at(-1)")
    assert added[2] == 1
    shot("draw-mode")
    with wait_for_api(page, "/points", "POST"):
        page.keyboard.down("Shift")
        page.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
        page.keyboard.up("Shift")
    settle(page)
    assert point_count(page, "train") == before


def test_hover_on_a_point_shows_its_class_and_probabilities(page):
    open_app(page)
    settle(page)
    box = page.locator("[data-testid=plane] g.tracetrain-points path.point").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # Plotly hovers from its drag layer
    tooltip = page.get_by_test_id("plane-tooltip")
    tooltip.wait_for(state="visible")
    text = tooltip.text_content()
    assert "x₁ =" in text and "true class" in text and "predicted probabilities" in text
    probabilities = page.eval_on_selector_all("[data-testid=plane-tooltip] td.num", "els => els.map(e => +e.textContent)")
    assert len(probabilities) == 2 and abs(sum(probabilities) - 1) < 0.01


def test_deeper_units_boundaries_are_drawn_on_demand(page):
    open_app(page, "hidden=4,3&act=relu,relu")
    settle(page)
    assert overlay(page)["curves"] == 0
    with wait_for_api(page, "/frame", "POST") as answer:
        page.get_by_test_id("curve-layer-2").click()
    assert answer.value.request.post_data_json["view"]["curve_layers"] == [2]
    settle(page)
    assert overlay(page)["curves"] >= 1
    page.get_by_test_id("curve-layer-2").click()
    settle(page)
    assert overlay(page)["curves"] == 0


def test_region_colours_are_the_colorscales(page):
    """palette.regionLut colours the regions image; it must give what a heatmap
    through regionColorscale gave for z = class + 0.998 t (t the confidence's
    share above 1/k), to within one level of rounding."""
    open_app(page)
    for k, mode in [(2, "soft"), (3, "soft"), (8, "soft"), (2, "hard"), (8, "hard")]:
        assert_lut_matches_colorscale(page, k, mode)


def assert_lut_matches_colorscale(page, k: int, mode: str):
    worst = page.evaluate("""async ([k, mode]) => {
        const {regionLut, regionColorscale} = await import('/static/js/palette.js');
        const lut = regionLut(k, mode);
        const stops = regionColorscale(k, mode).map(([at, css]) => [at, css.match(/\\d+/g).map(Number)]);
        const colour = (z) => {   // linear between the stops, as Plotly's colorscale does
          const f = z / k;
          const i = stops.findIndex(([at], n) => n + 1 < stops.length && f <= stops[n + 1][0]);
          const [a, ca] = stops[i], [b, cb] = stops[i + 1];
          const w = b > a ? (f - a) / (b - a) : 0;
          return ca.map((c, n) => c + (cb[n] - c) * w);
        };
        const floor = 255 / k;
        let worst = 0;
        for (let c = 0; c < k; c++) {
          for (let v = 0; v < 256; v += 5) {
            const t = mode === 'hard' ? 0.5 : Math.max(0, (v - floor) / (255 - floor));
            const want = colour(c + 0.998 * t);
            for (let n = 0; n < 3; n++) worst = Math.max(worst, Math.abs(lut[(c * 256 + v) * 4 + n] - want[n]));
          }
        }
        return worst;
    }""", [k, mode])
    assert worst <= 1.0, (k, mode, worst)
