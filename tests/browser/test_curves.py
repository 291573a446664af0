"""The curves' "min val loss" annotation is whole and clear of the curves:
inside the loss plot's width, never over a plotted point, early in training
(when the minimum is the latest epoch, near the left edge) and later."""
from __future__ import annotations

from tests.browser.app import open_app, settle, wait_for_api

# The annotation's box, the loss plot's box, and every loss point, in page pixels.
GEOMETRY = """() => {
  const gd = document.querySelector('[data-testid=curves]');
  const note = gd.querySelector('.annotation');
  if (!note) return null;
  const r = note.getBoundingClientRect();
  const svg = gd.querySelector('.main-svg').getBoundingClientRect();
  const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  const points = gd.data.slice(0, 2).flatMap((t) => t.x.map((x, i) => [x, t.y[i]]))
    .filter(([, y]) => y !== null && Number.isFinite(y))
    .map(([x, y]) => [svg.x + xa._offset + xa.l2p(x), svg.y + ya._offset + ya.l2p(y)]);
  return {
    note: { x: r.x, y: r.y, width: r.width, height: r.height },
    plot: { x: svg.x + xa._offset, width: xa._length },
    figure: { x: svg.x, y: svg.y, width: svg.width, height: svg.height },
    points,
  };
}"""


def check_annotation(page) -> None:
    g = page.evaluate(GEOMETRY)
    assert g is not None, "no min-val-loss annotation"
    note, plot, figure = g["note"], g["plot"], g["figure"]
    assert plot["x"] - 0.5 <= note["x"] and note["x"] + note["width"] <= plot["x"] + plot["width"] + 0.5, (note, plot)
    assert figure["y"] - 0.5 <= note["y"] and note["y"] + note["height"] <= figure["y"] + figure["height"] + 0.5, (note, figure)
    over = [p for p in g["points"]
            if note["x"] - 3 <= p[0] <= note["x"] + note["width"] + 3 and note["y"] - 3 <= p[1] <= note["y"] + note["height"] + 3]
    assert over == [], (note, over)


def test_min_val_loss_annotation_stays_inside_and_off_the_curves(page, shot):
    open_app(page, "data=three_clusters&hidden=4&lr=0.3")
    settle(page)
    for epoch in range(1, 13):
        with wait_for_api(page, "/advance"):
            page.get_by_test_id("epoch-step").click()
        settle(page)
        check_annotation(page)
        if epoch == 2:
            shot("curves-early")
    shot("curves-12-epochs")
