"""Dead units and linear regions on the page (static/js/creases.js): the
readout, the greyed unit in the diagram, its dashed line on the plane, and the
tint view with its round trip through the URL."""
from __future__ import annotations

import base64
import json
import zlib

from tests.browser.app import along, overlay, settle
from tests.browser.shared_page import mpage, module_page, open_link, shot_to  # noqa: F401

# training points on a grid over [-2, 2]^2, class 1 where x1 x2 > 0: the view is [-2.2, 2.2]^2
GRID = [[x / 2, y / 2, int(x * y > 0)] for x in range(-4, 5) for y in range(-4, 5) if x and y]
QUERY = "/?hidden=4&act=relu&out=softmax"


def homework_242(dead_bias=-1.0) -> list[dict]:
    """The homework's hand-set 2-4-2: lines x1 = 1, x2 = 1, x1 = -1, x2 = -1.
    ``dead_bias`` for unit 3 (index 2): -2.1 moves its line to x1 = -2.1, in
    view but beyond every training point, where z = -x1 - 2.1 < 0: dead."""
    return [{"W": [[1, 0, -1, 0], [0, 1, 0, -1]], "W0": [-1, -1, dead_bias, -1]},
            {"W": [[1, -1]] * 4, "W0": [0, 2]}]


def snap(weights, query=QUERY) -> str:
    """A share link holding these weights and the grid's points (snapshot.js's format)."""
    doc = {"v": 1, "step": 0, "epoch": 0, "weights": weights, "points": {"train": GRID, "val": []}}
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(json.dumps(doc).encode()) + packer.flush()
    return query + "#snap=" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def readout(page) -> str:
    return page.get_by_test_id("creases-readout").text_content()


def dead_nodes(page) -> list[str]:
    return page.eval_on_selector_all("[data-testid=network] rect.dead", "els => els.map(e => e.dataset.unit)")


def test_the_homeworks_242_cuts_the_plane_into_nine_regions(mpage):
    open_link(mpage, snap(homework_242()))
    assert mpage.evaluate("() => window.crease.session.frame.extent") == [-2.2, 2.2, -2.2, 2.2]
    assert readout(mpage) == "dead units 0 · linear regions 9"
    assert dead_nodes(mpage) == []
    assert all(not line["dead"] for line in overlay(mpage)["lines"]) and len(overlay(mpage)["lines"]) == 4
    # readable from the back of the room in presenter mode
    mpage.keyboard.press("p")
    mpage.wait_for_function("() => document.body.classList.contains('presenter')")
    size = mpage.eval_on_selector("[data-testid=creases-readout]", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 20 and mpage.get_by_test_id("creases-readout").is_visible()
    mpage.keyboard.press("p")


def ink_along(page, segment, samples=120) -> list[bool]:
    """Whether the overlay's pixel under each of `samples` points along a drawn
    segment has ink (the one pixel: a dash's gap is a few pixels long)."""
    points = [along(segment, 0.1 + 0.8 * k / (samples - 1)) for k in range(samples)]
    alphas = page.evaluate("""(points) => {
      const canvas = document.querySelector('[data-testid=plane-overlay]');
      const scale = canvas.width / canvas.getBoundingClientRect().width;
      const ctx = canvas.getContext('2d');
      return points.map(([x, y]) => ctx.getImageData(Math.floor(x * scale), Math.floor(y * scale), 1, 1).data[3]);
    }""", points)
    return [alpha > 60 for alpha in alphas]


def test_a_dead_unit_is_greyed_dashed_and_counted(mpage, shot_to):
    open_link(mpage, snap(homework_242(dead_bias=-2.1)))
    assert readout(mpage) == "dead units 1 · linear regions 9"
    assert dead_nodes(mpage) == ["1,2"]
    grey = mpage.eval_on_selector("[data-testid=network] rect[data-unit='1,2']", "e => getComputedStyle(e).fill")
    assert grey.startswith("rgba(150, 156, 168")
    lines = {line["unit"]: line for line in overlay(mpage)["lines"]}
    assert [unit for unit, line in lines.items() if line["dead"]] == [2]
    dashed = ink_along(mpage, [lines[2]["from"], lines[2]["to"]])
    solid = ink_along(mpage, [lines[0]["from"], lines[0]["to"]])
    assert 0.3 < sum(dashed) / len(dashed) < 0.8, "the dead unit's line is not dashed"
    assert sum(solid) / len(solid) > 0.95, "a live unit's line has gaps"
    shot_to(mpage, "creases-dead-unit")
    # moved back into the points, the unit lives again
    open_link(mpage, snap(homework_242()))
    assert readout(mpage) == "dead units 0 · linear regions 9" and dead_nodes(mpage) == []


def tint_state(page) -> dict:
    return page.evaluate("""() => ({
      checked: document.querySelector('[data-testid=tint-regions]').checked,
      hidden: document.querySelector('[data-testid=plane-tint]').hidden,
      drawn: window.crease.plane.tint.drawn,
      url: window.location.search,
    })""")


def test_the_tint_view_toggles_by_keyboard_and_round_trips_through_the_url(mpage, shot_to):
    open_link(mpage, snap(homework_242()))
    assert tint_state(mpage)["hidden"] and not tint_state(mpage)["checked"]
    box = mpage.get_by_test_id("tint-regions")
    box.focus()
    mpage.keyboard.press("Space")
    mpage.wait_for_function("() => window.crease.plane.tint.drawn.regions > 0")
    mpage.wait_for_function("() => window.location.search.includes('tint=1')")   # written after a pause
    settle(mpage)
    on = tint_state(mpage)
    assert on["checked"] and not on["hidden"] and "tint=1" in on["url"]
    assert on["drawn"]["regions"] == 9
    # four lines across the view: each is an edge of cells all along it
    assert on["drawn"]["edges"] >= 4 * 90
    # the middle square's tint differs from its four neighbours' (a cell of each, row 0 = top)
    colours = mpage.evaluate("""() => {
      const cells = window.crease.plane.tint.cells;
      const at = (x, y) => Array.from(cells.getContext('2d').getImageData(x, y, 1, 1).data).join();
      return [at(50, 50), at(50, 3), at(50, 96), at(3, 50), at(96, 50)];
    }""")
    assert colours[0] not in colours[1:], colours
    shot_to(mpage, "creases-tint")
    # the URL alone brings the view back
    open_link(mpage, "/" + on["url"] + "&data=xor")
    settle(mpage)
    again = tint_state(mpage)
    assert again["checked"] and not again["hidden"] and again["drawn"]["regions"] >= 1
    box.focus()
    mpage.keyboard.press("Space")
    mpage.wait_for_function("() => document.querySelector('[data-testid=plane-tint]').hidden")
    mpage.wait_for_function("() => !window.location.search.includes('tint=')")
    off = tint_state(mpage)
    assert not off["checked"] and "tint=" not in off["url"] and off["drawn"]["regions"] == 0


def test_while_training_the_readout_counts_the_regions_the_tint_shows(mpage, shot_to):
    from tests.browser.shared_page import advance_epochs
    open_link(mpage, "/?data=xor&hidden=8,6&act=relu,relu&lr=0.1&tint=1")
    advance_epochs(mpage, 8)
    drawn = mpage.evaluate("() => window.crease.plane.tint.drawn")
    dead, regions = (int(word) for word in readout(mpage).replace("dead units ", "").split(" · linear regions "))
    assert regions == drawn["regions"] > 9 and drawn["edges"] > 0
    assert dead == len(dead_nodes(mpage))
    shot_to(mpage, "creases")
