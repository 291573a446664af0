"""Presenter mode: at 1280x720 and 1024x768 nothing is cut off (every visible
element lies inside the window and inside every box that clips it, no text is
truncated), the plane gets larger than in the normal view, type, markers and
lines get larger. Screenshots of both modes go to test-artifacts/screenshots/."""
from __future__ import annotations

import pytest

from tests.browser.app import settle
from tests.browser.shared_page import advance_epochs, module_page, mpage, open_link, shot_to  # noqa: F401

# Everything visible that a viewer reads or a presenter presses, checked against
# the window and against each ancestor that clips (overflow other than visible).
CLIPPED = """() => {
  const W = window.innerWidth, H = window.innerHeight;
  const named = (el) => el.id || el.dataset.testid || `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}` + ` "${el.textContent.trim().slice(0, 24)}"`;
  const selector = 'aside, button, input, select, label, summary, a, h1, h2, th, td, .metric, .counter-value, .counter-label, .legend .key, '
    + '[data-testid=plane] .main-svg, [data-testid=curves] .main-svg, [data-testid=network] svg.diagram, .plane-overlay, '
    + '.xtick text, .ytick text, .g-xtitle, .g-ytitle, .g-x2title, .g-y2title, .network text';
  const problems = [];
  const slack = 1;
  const outside = (r, b) => r.left < b.left - slack || r.top < b.top - slack || r.right > b.right + slack || r.bottom > b.bottom + slack;
  for (const el of document.querySelectorAll(selector)) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden], dialog:not([open]), .sr-only')) continue;
    let scroller = null;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const o = getComputedStyle(a);
      if (o.overflowX === 'visible' && o.overflowY === 'visible') continue;
      if (a.scrollHeight > a.clientHeight + 1 && /auto|scroll/.test(o.overflowY)) { scroller = a; break; }  // reachable by scrolling
      if (outside(r, a.getBoundingClientRect())) {
        problems.push(`${named(el)} cut off by ${named(a)}`);
        break;
      }
    }
    const box = scroller ? scroller.getBoundingClientRect() : r;
    if (outside(box, { left: 0, top: 0, right: W, bottom: H })) {
      problems.push(`${named(scroller ?? el)} outside the window: ${[box.left, box.top, box.right, box.bottom].map(Math.round)}`);
    }
    if ((style.textOverflow === 'ellipsis' || style.overflowX === 'hidden') && el.scrollWidth > el.clientWidth + 1 && el.textContent.trim()) {
      problems.push(`${named(el)} text truncated`);
    }
  }
  if (document.scrollingElement.scrollHeight > H + 1 || document.scrollingElement.scrollWidth > W + 1) problems.push('the page scrolls');
  // the top bar's parts side by side, none over another
  const bar = [...document.querySelectorAll('.topbar button, .topbar .logo, .topbar .lesson-link, .counter > *')]
    .filter((el) => el.getClientRects().length).map((el) => [named(el), el.getBoundingClientRect()]);
  bar.forEach(([a, ra], i) => bar.slice(i + 1).forEach(([b, rb]) => {
    if (ra.right > rb.left + 0.5 && rb.right > ra.left + 0.5 && ra.bottom > rb.top && rb.bottom > ra.top) problems.push(`${a} overlaps ${b}`);
  }));
  // text that wraps onto a second line where it should not (the step count)
  for (const el of document.querySelectorAll('.counter-sub, .counter-label, .btn, .lesson-link')) {
    if (!el.getClientRects().length) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    let lines = 0;
    let bottom = -Infinity;
    for (const r of [...range.getClientRects()].filter((r) => r.width > 0).sort((a, b) => a.top - b.top)) {
      if (r.top >= bottom - 1) lines += 1;   // below everything so far: a new line
      bottom = Math.max(bottom, r.bottom);
    }
    if (lines > 1) problems.push(`${named(el)} wraps onto ${lines} lines`);
  }
  return problems;
}"""

SIZES = """() => {
  const plane = document.querySelector('[data-testid=plane] .plane-points .nsewdrag').getBoundingClientRect();
  const marker = document.querySelector('[data-testid=plane] g.tracetrain-points path.point').getBoundingClientRect();
  return { plane: Math.min(plane.width, plane.height), marker: marker.width,
           metric: parseFloat(getComputedStyle(document.getElementById('train-loss')).fontSize),
           tick: parseFloat(getComputedStyle(document.querySelector('[data-testid=plane] .xtick text')).fontSize) };
}"""


# The plane's side in presenter mode against the normal view: at 1280x720 the
# settings column goes, so the plane grows; at 1024x768 the settings are a
# drawer already and the plane is as large as the height allows in both.
@pytest.mark.parametrize("width,height,gain", [(1280, 720, 1.05), (1024, 768, 1.0)])
def test_presenter_mode_leaves_nothing_cut_off(mpage, shot_to, width, height, gain):
    mpage.set_viewport_size({"width": width, "height": height})
    open_link(mpage, "/?data=three_clusters&hidden=6,4&act=relu,relu&lr=0.1")
    advance_epochs(mpage, 8)
    normal = mpage.evaluate(SIZES)
    assert mpage.evaluate(CLIPPED) == []
    shot_to(mpage, f"normal-{width}x{height}")
    mpage.keyboard.press("p")
    mpage.wait_for_function("() => document.body.classList.contains('presenter')")
    settle(mpage)
    presenter = mpage.evaluate(SIZES)
    assert mpage.evaluate(CLIPPED) == []
    shot_to(mpage, f"presenter-{width}x{height}")
    assert presenter["plane"] >= normal["plane"] * gain, (presenter, normal)
    assert presenter["marker"] >= normal["marker"] * 1.3
    assert presenter["metric"] >= normal["metric"] * 1.25
    assert presenter["tick"] >= normal["tick"] * 1.3
    # the settings are tucked away, and come out with the ☰ button
    assert not mpage.get_by_test_id("dataset").is_visible()
    mpage.get_by_test_id("controls-toggle").click()
    assert mpage.get_by_test_id("dataset").is_visible()
    mpage.get_by_test_id("controls-toggle").click()
    assert not mpage.get_by_test_id("dataset").is_visible()
    # and leaving presenter mode brings the normal page back
    mpage.keyboard.press("p")
    mpage.wait_for_function("() => !document.body.classList.contains('presenter')")
    settle(mpage)
    back = mpage.evaluate(SIZES)
    assert all(abs(back[k] - normal[k]) <= 0.02 * normal[k] for k in normal), (back, normal)


def test_presenter_link_flag_opens_in_presenter_mode(mpage, shot_to):
    open_link(mpage, "/?presenter=1&data=spiral&hidden=16,8&act=relu,relu&opt=adam&lr=0.01&lesson=relu-softmax")
    advance_epochs(mpage, 30)
    assert mpage.evaluate("() => document.body.classList.contains('presenter')")
    assert mpage.get_by_test_id("presenter-toggle").get_attribute("aria-pressed") == "true"
    assert mpage.evaluate(CLIPPED) == []
    shot_to(mpage, "presenter-spiral-trained")
