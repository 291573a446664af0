"""The plane's regions layer: the class regions drawn straight into a canvas
over the plot area, in the lookup's exact colours at the grid cells."""
from __future__ import annotations

import pytest

from tests.browser.app import open_app, settle

# For every grid cell whose 3 x 3 neighbourhood has one colour (so smoothing
# cannot change it), the displayed canvas pixel at the cell's grid point
# against the lookup's colour for that cell's class and confidence. Also the
# pixels just outside the plot area (the cells reach half a cell past it and
# must be clipped there).
READ_CELLS = """async (mode) => {
  const {regionLut} = await import('/static/js/palette.js');
  const plane = window.crease.plane;
  const {grid} = plane.model;
  const {resolution: r, classes, confidence, nClasses} = grid;
  const lut = regionLut(nClasses, mode);
  const colour = (cell) => {
    const at = ((classes[cell] % nClasses) * 256 + confidence[cell]) * 4;
    return [lut[at], lut[at + 1], lut[at + 2]];
  };
  const canvas = document.querySelector('[data-testid=plane] [data-testid=plane-regions]');
  const scale = canvas.width / canvas.getBoundingClientRect().width;
  const {left, top, width, height} = plane.regions.area;
  const ctx = canvas.getContext('2d');
  const all = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const pixel = (x, y) => {
    const o = (Math.floor(y * scale) * canvas.width + Math.floor(x * scale)) * 4;
    return Array.from(all.data.slice(o, o + 4));
  };
  const checked = [];
  for (let i = 1; i < r - 1; i += 3) {
    for (let j = 1; j < r - 1; j += 3) {
      const want = colour(i * r + j);
      let flat = true;
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++)
        if (colour((i + di) * r + j + dj).some((v, n) => v !== want[n])) flat = false;
      if (!flat) continue;
      const x = left + (j * width) / (r - 1);
      const y = top + ((r - 1 - i) * height) / (r - 1);
      checked.push({cell: [i, j], want: [...want, 255], got: pixel(x, y)});
    }
  }
  const outside = [pixel(left - 2, top + height / 2), pixel(left + width / 2, top + height + 2)];
  const images = document.querySelectorAll('[data-testid=plane] .plane-regions image').length;
  return {checked, outside, images, r};
}"""


@pytest.mark.parametrize("mode", ["soft", "hard"])
def test_regions_canvas_has_the_lookup_colour_at_each_cell(page, mode):
    open_app(page, "hidden=4&data=three_clusters" if mode == "soft" else "hidden=4")
    settle(page)
    if mode == "hard":
        page.get_by_test_id("regions-hard").click()
        settle(page)
    result = page.evaluate(READ_CELLS, mode)
    assert result["images"] == 0            # no picture handed to Plotly any more
    assert len(result["checked"]) >= 20, f"only {len(result['checked'])} flat cells of {result['r']}²"
    wrong = [c for c in result["checked"] if c["got"] != c["want"]]
    assert not wrong, wrong[:5]
    assert all(p[3] == 0 for p in result["outside"]), result["outside"]


def test_regions_canvas_follows_a_resize_and_the_unit_activation(page):
    open_app(page, "hidden=4")
    settle(page)
    page.set_viewport_size({"width": 1000, "height": 640})
    settle(page)
    result = page.evaluate(READ_CELLS, "soft")
    assert len(result["checked"]) >= 20
    assert not [c for c in result["checked"] if c["got"] != c["want"]]
    # one unit's activation replaces the regions (Plotly's heatmap), and back
    page.locator("[data-testid=network] rect[data-unit='1,0']").click()
    page.get_by_test_id("show-unit").click()
    settle(page)
    assert page.locator("[data-testid=plane] [data-testid=plane-regions][data-resolution]").count() == 0
    page.get_by_test_id("show-unit").click()
    settle(page)
    result = page.evaluate(READ_CELLS, "soft")
    assert len(result["checked"]) >= 20 and not [c for c in result["checked"] if c["got"] != c["want"]]
