"""line-labels.js: where the plane writes each unit line's number and sides,
on the page (4, 8 and 16 units on three data sets) and as pure functions."""
from __future__ import annotations

import math

import pytest

from tests.browser.shared_page import mpage, module_page, open_link, shot_to  # noqa: F401

DATASETS = ["circle", "quadrants", "spiral"]


def drawn(page) -> dict:
    return page.evaluate("() => ({...window.crease.plane.overlay.drawn, area: window.crease.plane.overlay.area})")


def overlaps(a: dict, b: dict) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


def segment_distance(p, segment) -> float:
    (ax, ay), (bx, by) = segment
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / (dx * dx + dy * dy or 1)))
    return math.hypot(p[0] - ax - t * dx, p[1] - ay - t * dy)


@pytest.mark.parametrize("units", [4, 8, 16])
@pytest.mark.parametrize("dataset", DATASETS)
def test_labels_never_overlap_each_other_or_the_plot_edge(mpage, shot_to, dataset, units):
    open_link(mpage, f"/?data={dataset}&hidden={units}")
    d = drawn(mpage)
    labels, area = d["labels"], d["area"]
    assert len(d["lines"]) >= units - 1, d["lines"]          # lines missing the view are rare
    numbers = [label for label in labels if label["kind"] == "unit"]
    # most lines are numbered, and a number is never repeated
    assert len(numbers) >= min(len(d["lines"]), 8) * 0.75, (len(numbers), len(d["lines"]))
    assert len({label["text"] for label in numbers}) == len(numbers)
    for i, a in enumerate(labels):
        box = a["box"]
        assert area["left"] <= box["x0"] and box["x1"] <= area["left"] + area["width"], a
        assert area["top"] <= box["y0"] and box["y1"] <= area["top"] + area["height"], a
        for b in labels[i + 1:]:
            assert not overlaps(box, b["box"]), (a, b)
    if units == 16:
        shot_to(mpage, f"line-labels-{dataset}-16")


@pytest.mark.parametrize("dataset", DATASETS)
def test_each_label_sits_next_to_its_own_line(mpage, dataset):
    open_link(mpage, f"/?data={dataset}&hidden=8")
    d = drawn(mpage)
    segments = {line["unit"]: [line["from"], line["to"]] for line in d["lines"]}
    sides = [label for label in d["labels"] if label["kind"] != "unit"]
    assert sides, d["labels"]
    for label in d["labels"]:
        own = segment_distance(label["at"], segments[label["unit"]])
        others = [segment_distance(label["at"], s) for unit, s in segments.items() if unit != label["unit"]]
        assert own < min(others), (label, own, min(others))
        # the number sits on its line, a side name just off it
        assert own < 1 if label["kind"] == "unit" else 4 < own < 40, (label, own)
        if label["kind"] == "unit":
            assert label["text"] == str(label["unit"] + 1)   # numbered from 1, as a¹ⱼ in the diagram


PLACE = """async ([lines, markers]) => {
  const m = await import('/static/js/line-labels.js');
  const area = {left: 0, top: 0, width: 400, height: 400};
  const index = new m.MarkerIndex(markers, 10);
  return m.placeLineLabels(lines, {names: m.sideNames('relu'), sizes: {unit: [20, 18], side: [13, 15]}, area, markers: index});
}"""


def horizontal(unit: int, y: float) -> dict:
    return {"unit": unit, "from": [0, y], "to": [400, y], "normal": [0, -1]}


def test_lines_too_close_together_keep_their_numbers_and_drop_sides(mpage):
    open_link(mpage, "/?hidden=2")
    # ten parallel lines 20 px apart: room for a number on each, none for a side name between them
    labels = mpage.evaluate(PLACE, [[horizontal(u, 100 + 20 * u) for u in range(10)], []])
    assert sorted(int(label["text"]) for label in labels if label["kind"] == "unit") == list(range(1, 11))
    sides = [label for label in labels if label["kind"] != "unit"]
    assert {(label["unit"], label["kind"]) for label in sides} == {(9, "negative"), (0, "positive")}
    # the + side of the top line is above it (y grows downwards; the normal points up)
    top_plus = next(label for label in sides if label["kind"] == "positive")
    assert top_plus["at"][1] < 100


def test_labels_move_off_the_points_where_they_can(mpage):
    open_link(mpage, "/?hidden=2")
    line = horizontal(0, 200)
    free = mpage.evaluate(PLACE, [[line], []])
    assert next(label for label in free if label["kind"] == "unit")["at"] == [200, 200]   # the middle, when nothing is in the way
    crowd = [[x, y] for x in range(150, 260, 6) for y in range(170, 232, 6)]
    moved = mpage.evaluate(PLACE, [[line], crowd])
    number = next(label for label in moved if label["kind"] == "unit")
    assert not 140 < number["at"][0] < 270, number
    assert len(moved) == 3
