"""The training curves: the "min val loss" annotation whole and clear of the
curves (inside the loss plot, never over a plotted point, early and later);
while playing, lines extended on a canvas frame by frame (Plotly redraws only
when a y axis must grow), the marker at the exact epoch and value, also after
the history is cut."""
from __future__ import annotations

from tests.browser.app import open_app, settle, wait_for_api

# Feeds the curves `epochs` frames of a made-up run, one epoch a frame, as the
# play loop does (the history object grows in place), counting Plotly redraws
# of the curves. Validation loss has its one minimum `low` at epoch `best`.
# Returns what was drawn and the pixels around the marker and the last point but one,
# located through Plotly's own plot area and loss axis (l2p), not through the
# curves' code.
FEED = """async ([epochs, best, low, cut]) => {
  const curves = window.crease.curves;
  const h = window.__hist ?? (window.__hist = {epoch: [], train_loss: [], train_acc: [], val_loss: [], val_acc: []});
  if (cut !== null) for (const k of Object.keys(h)) h[k].length = cut;   // as undo or reset cut it
  let reacts = 0;
  const react = Plotly.react;
  Plotly.react = (gd, ...rest) => { if (gd === curves.el) reacts += 1; return react(gd, ...rest); };
  const start = h.epoch.length;
  try {
    for (let e = start + 1; e <= start + epochs; e++) {
      h.epoch.push(e);
      h.train_loss.push(1 / (1 + 0.01 * e));
      h.train_acc.push(0.6 + 0.3 * e / (start + epochs));
      h.val_loss.push(low + (e - best) * (e - best) * 1e-5);
      h.val_acc.push(0.55 + 0.3 * e / (start + epochs));
      curves.render(h, {live: true});
    }
  } finally {
    Plotly.react = react;
  }
  const fl = curves.el._fullLayout;
  // the epoch axis is the canvas's own while playing (0 to curves.live.x over Plotly's plot area)
  const px = (xa, ya, x, y) => [xa._offset + (x / curves.live.x) * xa._length, ya._offset + ya.l2p(y)];
  const rgba = (canvas, [x, y]) => {   // the 3 x 3 pixels around (lines are antialiased)
    const s = canvas.width / canvas.getBoundingClientRect().width;
    const d = canvas.getContext('2d').getImageData(Math.floor(x * s) - 1, Math.floor(y * s) - 1, 3, 3).data;
    return Array.from({length: 9}, (_, i) => Array.from(d.slice(4 * i, 4 * i + 4)));
  };
  const layer = curves.liveLayer;
  const last = h.epoch.length - 1;
  const markerAt = px(fl.xaxis, fl.yaxis, best, low);
  const lastAt = px(fl.xaxis, fl.yaxis, h.epoch[last - 1], h.train_loss[last - 1]);
  return {
    reacts, drawn: layer.drawn, held: layer.held.epoch.length, shown: !layer.lines.hidden,
    markerAt, markerPixel: rgba(layer.marker, markerAt), lastPixel: rgba(layer.lines, lastAt),
  };
}"""

ORANGE = [0xD5, 0x5E, 0x00, 255]   # palette NEGATIVE: validation and its minimum
BLUE = [0x00, 0x72, 0xB2, 255]     # palette POSITIVE: training


def near(rgba, want):
    """Opaque and the colour to within 2 levels (overlapping strokes round a little)."""
    return rgba[3] == 255 and all(abs(a - b) <= 2 for a, b in zip(rgba, want))


def test_live_curves_append_and_mark_the_exact_minimum(page):
    open_app(page, "hidden=4")
    settle(page)
    got = page.evaluate(FEED, [400, 237, 0.5, None])
    # 400 frames, and Plotly drew the curves' frame once: the lines, the marker
    # and the growing epoch axis are the canvas's
    assert got["reacts"] == 1, got["reacts"]
    assert got["shown"] and got["held"] == 400
    assert got["drawn"]["points"] == 400
    assert got["drawn"]["marker"]["epoch"] == 237 and got["drawn"]["marker"]["value"] == 0.5
    assert all(abs(a - b) < 0.01 for a, b in zip(got["drawn"]["marker"]["at"], got["markerAt"]))
    assert ORANGE in got["markerPixel"]
    assert any(near(p, BLUE) for p in got["lastPixel"])

    # an undo or reset cuts the history to 150 epochs; the run then finds a lower minimum
    got = page.evaluate(FEED, [100, 180, 0.25, 150])
    assert got["reacts"] == 1, got["reacts"]                     # fresh axes after the cut
    assert got["held"] == 250 and got["drawn"]["points"] == 250
    assert got["drawn"]["marker"]["epoch"] == 180 and got["drawn"]["marker"]["value"] == 0.25
    assert all(abs(a - b) < 0.01 for a, b in zip(got["drawn"]["marker"]["at"], got["markerAt"]))
    assert ORANGE in got["markerPixel"]
    assert any(near(p, BLUE) for p in got["lastPixel"])


def test_paused_curves_are_one_plotly_figure_again(page):
    open_app(page, "hidden=4")
    settle(page)
    page.evaluate(FEED, [120, 60, 0.3, None])
    page.evaluate("() => window.crease.curves.render(window.__hist)")
    shown = page.evaluate("""() => { const c = window.crease.curves;
        return {hidden: c.liveLayer.lines.hidden && c.liveLayer.marker.hidden,
                x: c.el.data[0].x.length, min: [c.el.data[4].x[0], c.el.data[4].y[0]]}; }""")
    assert shown == {"hidden": True, "x": 120, "min": [60, 0.3]}


def test_a_long_run_is_drawn_live_and_paused(page):
    # 150,000 epochs (a small network at 100 epochs a frame gets there in
    # minutes): the curves' extremes used to be spread into Math.max/min as
    # arguments, more than a call can take
    open_app(page, "hidden=4")
    settle(page)
    page.evaluate("""() => {
        const n = 150000, h = window.__hist = {epoch: [], train_loss: [], train_acc: [], val_loss: [], val_acc: []};
        for (let e = 1; e <= n; e++) {
            h.epoch.push(e); h.train_loss.push(1 / e); h.train_acc.push(0.9);
            h.val_loss.push(e === 123456 ? 1e-9 : 1 / e + 1e-5); h.val_acc.push(0.4);
        } }""")
    got = page.evaluate(FEED, [2, 123456, 1e-9, None])
    assert got["drawn"]["points"] == 150002
    assert got["drawn"]["marker"]["epoch"] == 123456 and got["drawn"]["marker"]["value"] == 1e-9
    page.evaluate("() => window.crease.curves.render(window.__hist)")
    paused = page.evaluate("""() => { const c = window.crease.curves;
        return {x: c.el.data[0].x.length, min: c.el.data[4].x[0], acc: c.el._fullLayout.yaxis2.range[0]}; }""")
    assert paused == {"x": 150002, "min": 123456, "acc": 0.4}


def test_playing_draws_the_curves_on_the_canvas_and_pausing_hands_back_to_plotly(page):
    open_app(page, "hidden=4")
    settle(page)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.crease.session.history.epoch.length >= 3 && window.crease.curves.liveLayer.drawn.points >= 3",
                           timeout=30_000)
    assert page.evaluate("() => !window.crease.curves.liveLayer.lines.hidden")
    page.get_by_test_id("play").click()
    settle(page)
    assert page.evaluate("""() => { const c = window.crease.curves;
        return c.liveLayer.lines.hidden && c.el.data[0].x.length === window.crease.session.history.epoch.length; }""")


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
