"""The play loop under a busy server (static/js/pacing.js, trainer.js,
busy-hint.js): the rule itself, then the page given busy answers (the
Crease-Busy value replaced where the page reads it, api.exchange, on the real
answers: advances are fetched in the frame worker) asking for
more epochs per frame at a lower frame rate with a visible hint, and back to
one epoch a frame without the hint once the server is calm, its settings and
link untouched throughout."""
from __future__ import annotations

from tests.browser.app import open_app, settle

# The rule, fed (Crease-Busy, ms since the previous frame[, Crease-Headroom])
# per frame; after each batch: (level, epochs-per-frame scale, least ms between frames).
RULE_CASES = [
    ([(0.2, None), (0.9, 40), (3.0, 40), (0.7, 40)], (0, 1, 0)),       # never 3 busy in a row
    ([(1.0, 40), (2.0, 40), (1.5, 40)], (1, 2, 80)),                   # busy 3 in a row: twice the interval
    ([(4.0, 60)] * 3, (2, 4, 160)),                                     # it got 60 ms: twice the 80 it asked
    ([(4.0, 200)] * 3, (3, 4.8, 240)),                                  # 1.2x: small, but the last step, to the floor
    ([(4.0, 300)] * 6, (3, 4.8, 240)),                                  # the last level holds
    ([(0.4, 240)] * 7 + [(None, 240)], (3, 4.8, 240)),                  # 7 calm (no header: not counted)
    ([(0.4, 240)], (2, 2.4, 120)),                                      # the 8th: one level down
    ([(0.4, 100)] * 16, (0, 1, 0)),                                     # and on to the full pace
    ([(1.0, 230)] * 3, (1, 1.0435, 240)),                               # a full server's class spaces its frames a little
    ([(4.0, 300)] * 3, (1, 1.0435, 240)),                               # and never slower than four frames a second
    ([(0.4, 240)] * 8, (0, 1, 0)),
    ([(2.0, 40, 1.875)] * 3, (1, 1.5, 60)),                            # no larger than stays light, 0.8 of it
    ([(2.0, 60, 1.5)] * 3, (1, 1.5, 60)),                              # 1.2x is not worth a change
]

RUN_RULE = """async ([src, cases]) => {
  const { Pacing, busyLoad } = await import(new URL('pacing.js', src).href);
  const pacing = new Pacing();
  const seen = [];
  for (const [frames] of cases) {
    for (const [load, interval, headroom = null] of frames) {
      pacing.observe(busyLoad(load === null ? null : String(load)), interval, busyLoad(headroom === null ? null : String(headroom)));
    }
    seen.push([pacing.level, Math.round(pacing.scale * 1e4) / 1e4, pacing.intervalMs]);
  }
  const amounts = [pacing.amount({epochs: 3}), pacing.amount({steps: 7}, {max_steps: 10})];
  pacing.scale = 8.3333;
  pacing.intervalMs = 500;
  amounts.push(pacing.amount({epochs: 3}), pacing.amount({steps: 7}, {max_steps: 10}), pacing.amount({epochs: 30}, {max_epochs: 100}));
  return { seen, amounts, bad: ['', 'x', '-1', null].map(busyLoad), delay: [pacing.delayMs(null, 5), pacing.delayMs(1000, 1300)] };
}"""


def main_script(page) -> str:
    return page.evaluate("() => document.querySelector('script[type=module][src*=main]').src")


def test_the_pacing_rule(page):
    open_app(page, "data=moons&hidden=4")
    result = page.evaluate(RUN_RULE, [main_script(page), [[frames] for frames, _ in RULE_CASES]])
    assert [tuple(s) for s in result["seen"]] == [expected for _, expected in RULE_CASES]
    # scaled and rounded half up (1.5 x 3 = 4.5: 5), within the server's limit, never below the user's
    assert result["amounts"] == [{"epochs": 5}, {"steps": 10}, {"epochs": 25}, {"steps": 10}, {"epochs": 100}]
    assert result["bad"] == [None, None, None, None]
    assert result["delay"] == [0, 200]   # the first frame at once; 300 ms after the last, 200 ms more


# Each advance as the page sends it: time (page clock), body, and the least
# interval the pace then asked for; window.__busyLoad, when set, stands for the
# Crease-Busy header of every advance's answer.
RECORD_ADVANCES = """() => {
  window.__advances = [];
  window.__busyLoad = null;
  const api = window.crease.api;
  const exchange0 = api.exchange.bind(api);
  api.exchange = async (request) => {
    const advance = request.path.endsWith('/advance');
    if (advance) window.__advances.push([performance.now(), JSON.parse(request.body), window.crease.trainer.pacing.intervalMs]);
    const answer = await exchange0(request);
    if (advance && window.__busyLoad !== null) answer.busy = { ...answer.busy, load: window.__busyLoad };
    return answer;
  };
}"""


def advances(page, since: int = 0, at_least: int = 0) -> list:
    page.wait_for_function("(n) => window.__advances.length >= n", arg=since + at_least, timeout=60_000)
    return page.evaluate("(since) => window.__advances.slice(since)", since)


def test_a_busy_server_gets_more_epochs_per_frame_at_a_lower_rate_and_a_hint_until_it_is_calm(page):
    open_app(page, "data=moons&hidden=6&speed=2")
    settle(page)
    page.evaluate(RECORD_ADVANCES)
    link = page.evaluate("() => location.href")
    hint = page.get_by_test_id("busy-hint")
    assert hint.is_hidden()
    page.evaluate("() => { window.__busyLoad = '3.00'; }")
    page.get_by_test_id("play").click()
    hint.wait_for(state="visible", timeout=30_000)
    assert "Server busy" in hint.text_content() and "×" in hint.text_content()
    assert hint.get_attribute("role") == "status" and "busy" in hint.get_attribute("title")
    box = hint.bounding_box()
    assert box["y"] + box["height"] <= 720 and box["x"] + box["width"] <= 1280 and box["height"] >= 18
    assert page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('[data-testid=busy-hint]')).fontSize)") >= 16
    start = len(advances(page))
    slowed = advances(page, start, 4)
    # at least twice the epochs a frame, and frames no closer together than the pace asked
    assert all(body["epochs"] >= 4 and least > 0 for _, body, least in slowed), slowed
    assert all(b[0] - a[0] >= 0.9 * b[2] for a, b in zip(slowed, slowed[1:])), slowed
    # pacing, not a setting: the state and the link say 2 epochs a frame as before
    assert page.evaluate("() => window.crease.store.state.speed") == 2
    assert page.evaluate("() => location.href") == link

    page.evaluate("() => { window.__busyLoad = '0.10'; }")
    hint.wait_for(state="hidden", timeout=90_000)
    assert page.evaluate("() => window.crease.trainer.pacing.level") == 0
    calm = len(advances(page))
    after = advances(page, calm, 3)
    assert all(body["epochs"] == 2 and least == 0 for _, body, least in after[1:]), after
    page.get_by_test_id("play").click()
    settle(page)
    assert page.evaluate("() => location.href") == link


def test_a_server_that_never_says_busy_changes_nothing(page):
    open_app(page, "data=moons&hidden=6")
    settle(page)
    page.evaluate(RECORD_ADVANCES)
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.crease.trainer.frames >= 12", timeout=30_000)
    page.get_by_test_id("play").click()
    settle(page)
    assert page.get_by_test_id("busy-hint").is_hidden()
    assert {body["epochs"] for _, body, _ in advances(page)} == {1}
    # the server's own signal reached the page through the frame worker, and said calm
    assert 0 <= float(page.evaluate("() => window.crease.api.busy.load")) < 1
    assert page.evaluate("() => window.crease.trainer.pacing.intervalMs") == 0
