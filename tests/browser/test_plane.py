"""The plane: unit lines with their numbers and sides, pointing at a unit from
its line or its node, axis titles and the class legend, class regions, draw
mode, hover."""
from __future__ import annotations

import math

import pytest

from tests.browser.app import along, open_app, overlay, overlay_pixels, point_count, region_colour_classes, \
    region_colour_count, settle, unit_lines, wait_for_api
from tests.browser.test_homework import open_lesson


def assert_lines_and_labels_painted(page, units: int):
    drawn = overlay(page)
    assert sorted(line["unit"] for line in drawn["lines"]) == list(range(units))
    numbers = [label["text"] for label in drawn["labels"] if label["kind"] == "unit"]
    assert sorted(numbers) == [str(j) for j in range(1, units + 1)]
    assert {label["text"] for label in drawn["labels"] if label["kind"] != "unit"} == {"0", "+"}
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
    sides = [label for label in overlay(page)["labels"] if label["kind"] != "unit"]
    assert len(sides) >= 4
    for label in sides:
        unit = label["unit"]
        w1, w2, b = weights["W"][unit], weights["W"][weights["n"] + unit], weights["W0"][unit]
        x, y = page.evaluate("([px, py]) => { const c = document.querySelector('[data-testid=plane-overlay]').getBoundingClientRect(); return window.crease.plane.dataCoordinates(c.left + px, c.top + py); }", label["at"])
        z = w1 * x + w2 * y + b
        assert (z > 0) == (label["text"] == "+"), (unit, label, z)


ACCENT = "#CC2F8A"


def node_strokes(page) -> dict[int, str]:
    """Hidden layer 1's nodes in the diagram: unit -> the colour of its frame."""
    pairs = page.eval_on_selector_all("[data-testid=network] rect[data-unit^='1,']",
                                      "els => els.map(e => [+e.dataset.unit.split(',')[1], e.getAttribute('stroke')])")
    return dict(pairs)


def lonely_point(page) -> tuple[int, list[float]]:
    """A unit and a point (client pixels) on its line, at its number, with every other line at least 12 px away."""
    drawn = overlay(page)
    box = page.get_by_test_id("plane-overlay").bounding_box()
    segments = {line["unit"]: [line["from"], line["to"]] for line in drawn["lines"]}

    def distance(p, segment):
        (ax, ay), (bx, by) = segment
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy)))
        return math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy)
    for label in drawn["labels"]:
        if label["kind"] == "unit" and all(distance(label["at"], s) > 12 for u, s in segments.items() if u != label["unit"]):
            return label["unit"], [box["x"] + label["at"][0], box["y"] + label["at"][1]]
    raise AssertionError(f"no line stands apart from the others: {drawn['labels']}")


def test_pointing_at_a_line_highlights_its_unit_in_the_diagram(page):
    open_app(page, "hidden=4")
    settle(page)
    unit, (x, y) = lonely_point(page)
    page.mouse.move(x, y)
    settle(page)
    strokes = node_strokes(page)
    assert strokes[unit] == ACCENT and [u for u, s in strokes.items() if s == ACCENT] == [unit], strokes
    assert overlay(page)["highlight"] == [unit_lines(page)[unit]]
    page.mouse.move(5, 700)                      # off the plane: nothing pointed at
    settle(page)
    assert ACCENT not in node_strokes(page).values()
    assert overlay(page)["highlight"] == []


def test_clicking_a_line_shows_its_weights_and_equation_and_selects_its_unit(page, shot):
    open_app(page, "hidden=4")
    settle(page)
    unit, (x, y) = lonely_point(page)
    page.mouse.click(x, y)
    settle(page)
    popup = page.get_by_test_id("line-popup")
    assert popup.is_visible()
    w = page.evaluate("(j) => { const w = window.crease.session.frame.weights[0]; return [w.W[j], w.W[w.n + j], w.W0[j]]; }", unit)
    term = lambda v: f"{'−' if v < 0 else '+'} {abs(v):.2f}"   # noqa: E731
    first = f"{'−' if w[0] < 0 and round(abs(w[0]), 2) else ''}{abs(w[0]):.2f}"
    sub = "₀₁₂₃₄₅₆₇₈₉"[unit + 1]
    assert page.get_by_test_id("line-equation").text_content() == f"z¹{sub} = {first} x₁ {term(w[1])} x₂ {term(w[2])} = 0"
    text = popup.text_content()
    assert f"unit {unit + 1} of layer 1" in text and f"W¹₁,{sub}" in text and f"W¹₀,{sub}" in text
    for name, value in zip(["w₁", "w₂", "b"], w):
        shown = page.locator("[data-testid=line-popup] tr", has_text=name).locator("td.num").text_content()
        assert abs(float(shown.replace("−", "-")) - value) <= 1e-3 * max(1, abs(value)), (name, shown, value)
    assert page.evaluate("() => window.crease.network.selected") == {"layer": 1, "unit": unit}
    page.mouse.move(5, 700)
    settle(page)
    assert node_strokes(page)[unit] == ACCENT            # selected, so it stays marked
    shot("line-popup")
    page.locator("[data-testid=line-popup] button.close").click()
    assert not popup.is_visible()


def test_the_diagram_points_at_a_line_by_pointer_and_by_keyboard(page):
    open_app(page, "hidden=3")
    settle(page)
    page.locator("[data-testid=network] rect[data-unit='1,2']").hover()
    settle(page)
    assert overlay(page)["highlight"] == [unit_lines(page)[2]]
    page.mouse.move(5, 700)
    page.locator("[data-testid=network] svg.diagram").focus()     # the keyboard cursor starts on a¹₁
    settle(page)
    assert overlay(page)["highlight"] == [unit_lines(page)[0]]
    page.keyboard.press("ArrowDown")
    settle(page)
    assert overlay(page)["highlight"] == [unit_lines(page)[1]]
    page.get_by_test_id("show-lines").focus()
    settle(page)
    assert overlay(page)["highlight"] == []


def test_axis_titles_and_a_class_legend_outside_the_plot(page, shot):
    open_app(page, "data=three_clusters")
    settle(page)
    plot = page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    plane = page.get_by_test_id("plane").bounding_box()
    inside = lambda b: plane["x"] <= b["x"] and b["x"] + b["width"] <= plane["x"] + plane["width"] \
        and plane["y"] <= b["y"] and b["y"] + b["height"] <= plane["y"] + plane["height"]   # noqa: E731
    titles = {t.text_content(): t.bounding_box() for t in page.locator("[data-testid=plane] .plane-points .annotation-text").all()}
    assert sorted(titles) == ["x₁", "x₂"]
    x1, x2 = titles["x₁"], titles["x₂"]
    assert 0 < x1["y"] - (plot["y"] + plot["height"]) < 30 and abs(x1["x"] + x1["width"] / 2 - (plot["x"] + plot["width"] / 2)) < 4
    assert 0 < plot["x"] - (x2["x"] + x2["width"]) < 45 and abs(x2["y"] + x2["height"] / 2 - (plot["y"] + plot["height"] / 2)) < 4
    assert inside(x1) and inside(x2)
    entries = page.locator("[data-testid=plane] .plane-points g.legend g.traces")
    names = [e.locator("text.legendtext").text_content() for e in entries.all()]
    assert names == ["class 1", "class 2", "class 3"]
    colours = [e.locator(".legendpoints path").first.evaluate("p => getComputedStyle(p).fill") for e in entries.all()[:3]]
    assert colours == ["rgb(0, 114, 178)", "rgb(230, 159, 0)", "rgb(0, 158, 115)"]   # palette.CLASS_COLORS
    symbols = [e.locator(".legendpoints path").first.get_attribute("d") for e in entries.all()[:3]]
    assert len(set(symbols)) == 3                                                  # a marker shape per class
    legend = page.locator("[data-testid=plane] .plane-points g.legend").bounding_box()
    assert legend["y"] + legend["height"] <= plot["y"] + 1 and inside(legend)       # above the plot, on no point
    size = page.locator("[data-testid=plane] g.legend text.legendtext").first.evaluate("t => parseFloat(getComputedStyle(t).fontSize)")
    assert size >= 14
    # the lines' key: in the corner under the x₂ title, clear of the x₁ title and the tick labels
    key = page.locator("[data-testid=plane] .plane-points g.legend2 text.legend2text")
    assert key.text_content().replace("\u200b", "") == "line j: z1j = 0"   # Plotly pads sup/sub
    key = key.bounding_box()
    ticks = [t.bounding_box() for t in page.locator("[data-testid=plane] .plane-points .xtick text, [data-testid=plane] .plane-points .ytick text").all()]
    for other in [x1, x2, plot, *ticks]:
        assert not (key["x"] < other["x"] + other["width"] and other["x"] < key["x"] + key["width"]
                    and key["y"] < other["y"] + other["height"] and other["y"] < key["y"] + key["height"]), (key, other)
    assert inside(key)
    shot("plane-legend")


def test_the_legend_names_the_points_classes_when_the_regions_show_something_else(page):
    """Lesson 2 colours the regions by how many units are active (five colours):
    its points still have the network's two classes."""
    open_lesson(page, "relu-softmax")
    names = page.locator("[data-testid=plane] .plane-points g.legend text.legendtext").all_text_contents()
    assert names == ["class 1", "class 2"]


@pytest.mark.parametrize("activation, sides, line", [
    ("relu", {"0", "+"}, "z1j = 0"),
    ("tanh", {"−", "+"}, "z1j = 0, a1j = 0"),
    ("sigmoid", {"−", "+"}, "z1j = 0, a1j = ½"),
    ("linear", {"−", "+"}, "the level set z1j = 0"),
])
def test_each_hidden_activation_names_its_sides_and_its_line(page, activation, sides, line):
    open_app(page, f"hidden=4&act={activation}")
    settle(page)
    drawn = {label["text"] for label in overlay(page)["labels"] if label["kind"] != "unit"}
    assert drawn == sides
    legend = page.locator("[data-testid=plane] g.legend2 text.legend2text").text_content().replace("\u200b", "")
    assert legend == f"line j: {line}"
    unit, (x, y) = lonely_point(page)
    page.mouse.click(x, y)
    assert page.get_by_test_id("line-popup").text_content().endswith(
        {"relu": "a = 0 on the 0 side, a = z > 0 on the + side", "tanh": "a > 0 on the + side",
         "sigmoid": "a > ½ on the + side", "linear": "a > 0 on the + side"}[activation])


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
