"""The play loop: the next frame is fetched while the current one is drawn,
frames are drawn in order, and a pause or an edit takes effect on the next
frame (a frame fetched before an edit is never drawn over the edit's result)."""
from __future__ import annotations

import time

from tests.browser.app import open_app, settle

# Logs, in page time: every /advance sent and answered (api.js's exchange: the
# request goes out in the frame worker, the answer is the decoded frame back on
# the page), every plane paint (with the frame's step and the first unit's
# bias), and the pause click.
RECORD = """() => {
  const log = window.__log = {sent: [], arrived: [], answered: [], paints: [], pausedAt: null};
  const api = window.crease.api;
  const exchange0 = api.exchange.bind(api);
  api.exchange = async (request) => {
    const advance = request.path.endsWith('/advance');
    if (advance) log.sent.push(performance.now());
    const answer = await exchange0(request);
    if (advance) {
      log.arrived.push(performance.now());
      log.answered.push(answer.data.counters.step);
    }
    return answer;
  };
  const plane = window.crease.plane;
  const render0 = plane.render.bind(plane);
  plane.render = (model, view) => {
    const start = performance.now();
    render0(model, view);
    log.paints.push({start, end: performance.now(), step: model.counters.step, bias: model.weights[0].W0[0],
                     playing: window.crease.trainer.playing});
  };
}"""


def play_for(page, seconds: float):
    page.get_by_test_id("play").click()
    page.wait_for_function("() => window.__log.paints.filter(p => p.playing).length >= 3", timeout=30_000)
    time.sleep(seconds)


def test_the_next_frame_is_in_flight_while_one_is_drawn_and_frames_come_in_order(page):
    open_app(page, "hidden=4&per=steps")
    settle(page)
    page.evaluate(RECORD)
    play_for(page, 3)
    page.get_by_test_id("play").click()
    settle(page)
    log = page.evaluate("window.__log")
    paints = [p for p in log["paints"] if p["playing"]]
    assert len(paints) >= 5
    steps = [p["step"] for p in log["paints"]]
    assert steps == sorted(steps), steps                       # never an older frame after a newer one
    # the frames came decoded from the worker, each answer newer than the last
    assert page.evaluate("window.crease.api.decodesIn") == "worker"
    answered = log["answered"]
    assert len(answered) >= len(paints) and all(a < b for a, b in zip(answered, answered[1:])), answered
    assert log["paints"][-1]["step"] == page.evaluate("window.crease.session.frame.counters.step")
    # the next frame is asked for before the current one is drawn: for a paint of
    # step s, some advance sent before the paint ended answers a step after s
    # (taking turns, the advance after step s is sent only once s is drawn: none)
    sent, answered = log["sent"], log["answered"]
    overlapped = sum(1 for p in paints
                     if any(s < p["end"] and a > p["step"] for s, a in zip(sent, answered)))
    assert overlapped >= 0.5 * len(paints), (overlapped, len(paints))


def test_pause_sends_no_further_frame(page):
    open_app(page, "hidden=4&per=steps")
    settle(page)
    page.evaluate(RECORD)
    page.evaluate("""() => document.querySelector('[data-testid=play]').addEventListener('click', () => {
        if (window.crease.trainer.playing) window.__log.pausedAt = performance.now(); }, {capture: true})""")
    play_for(page, 1.5)
    page.get_by_test_id("play").click()
    settle(page)
    log = page.evaluate("window.__log")
    assert log["pausedAt"] is not None
    assert all(s < log["pausedAt"] for s in log["sent"]), "an advance was requested after the pause"
    assert len(log["sent"]) == len(log["arrived"])             # the one in flight landed
    assert log["paints"][-1]["step"] == page.evaluate("window.crease.session.frame.counters.step")


def test_an_edit_while_playing_holds_from_the_next_frame_on(page):
    # a learning rate so small that training leaves the edited bias where it was put
    open_app(page, "hidden=4&per=steps&lr=0.000001")
    settle(page)
    page.evaluate(RECORD)
    play_for(page, 1)
    edited = page.evaluate("""async () => {
        const frame = await window.crease.session.setWeight({layer: 1, kind: 'W0', j: 0, value: 2.5});
        return frame.counters.step; }""")
    time.sleep(1.5)
    page.get_by_test_id("play").click()
    settle(page)
    log = page.evaluate("window.__log")
    paints = log["paints"]
    first_edited = next(i for i, p in enumerate(paints) if abs(p["bias"] - 2.5) < 1e-3)
    assert first_edited > 0 and all(abs(p["bias"] - 2.5) > 0.1 for p in paints[:first_edited])
    # no frame after the edit is drawn without it (a busy page may skip drawing the
    # edit's own frame when a newer one is already there)
    assert all(p["step"] <= edited for p in paints[:first_edited])
    later = paints[first_edited:]
    assert sum(p["step"] > edited for p in later) >= 3            # playing went on from the edit
    assert all(abs(p["bias"] - 2.5) < 1e-3 for p in later), [(p["step"], p["bias"]) for p in later]   # nothing older drawn over it
