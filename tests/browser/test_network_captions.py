"""The diagram's column captions stay legible however many layers there are:
no two caption boxes intersect, and all lie inside the diagram. The output
units are numbered as classes are, from 1."""
from __future__ import annotations

import pytest

from tests.browser.app import open_app, settle


def intersect(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
            and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"])


def boxes(page, selector: str) -> list[dict]:
    return page.eval_on_selector_all(selector, """els => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { text: e.textContent, x: r.x, y: r.y, width: r.width, height: r.height };
    })""")


@pytest.mark.parametrize("layers", [1, 3, 8])
def test_column_captions_do_not_overlap(page, shot, layers):
    open_app(page, f"data=three_clusters&hidden={','.join(['8'] * layers)}&act={','.join(['relu'] * layers)}")
    settle(page)
    captions = boxes(page, "[data-testid=network] text.column-label")
    assert len(captions) == layers + 2
    diagram = page.locator("[data-testid=network] svg.diagram").bounding_box()
    for i, a in enumerate(captions):
        assert diagram["x"] <= a["x"] and a["x"] + a["width"] <= diagram["x"] + diagram["width"], a
        assert diagram["y"] <= a["y"] and a["y"] + a["height"] <= diagram["y"] + diagram["height"], a
        for b in captions[i + 1:]:
            assert not intersect(a, b), (a, b)
    # captions sit below every unit's box
    nodes = page.evaluate("window.crease.network.layout.columns.flatMap((c) => c.nodes.map((n) => n.y + n.h / 2))")
    lowest = diagram["y"] + max(nodes)
    assert all(c["y"] >= lowest - 1 for c in captions), (lowest, captions)
    assert [o["text"] for o in boxes(page, "[data-testid=network] text.node-label.output")] == ["1", "2", "3"]
    shot(f"diagram-{layers}-layers")
