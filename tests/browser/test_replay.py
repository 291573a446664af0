"""The timeline under the curves (static/js/timeline.js): a past epoch shown
from the keys, a drag or a finger is the server's network at that epoch;
the replay plays; "Continue from here" equals the uninterrupted run and
undoes; a link points at an epoch; presenter mode keeps it whole."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.app import READY, settle, wait_for_api
from tests.browser.shared_page import (  # noqa: F401  (fixtures)
    advance_epochs, counters, exact_weights, module_page, mpage, open_link, shot_to, state)
from tests.browser.test_presenter import CLIPPED
from tests.browser.test_touch import tablet, touch_drag  # noqa: F401  (fixture)

# The weights the page draws (the replayed frame while replaying), as exact numbers.
DRAWN_WEIGHTS = """() => {
  const { timeline, session } = window.crease;
  const frame = timeline.shown ?? session.frame;
  return frame.weights.map((l) => ({ W: Array.from(l.W), W0: Array.from(l.W0) }));
}"""


def server_weights_at(page, epoch: int) -> list:
    """The server's weights at a kept epoch (POST .../replay), as the page draws them."""
    return page.evaluate("""async (epoch) => {
      const { api } = window.crease;
      const r = await fetch(`/api/sessions/${api.sessionId}/replay`, { method: 'POST',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ epoch, view: { grid: 10 } }) });
      const frame = await r.json();
      const decode = (b64) => Array.from(new Float64Array(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)).buffer));
      return frame.weights.map((l) => ({ W: decode(l.W), W0: decode(l.W0) }));
    }""", epoch)


def shown_epoch(page) -> str:
    return page.get_by_test_id("replay-epoch").text_content()


def slider_box(page) -> dict:
    return page.get_by_test_id("replay-slider").bounding_box()


def test_keys_on_the_timeline_show_the_servers_network_at_that_epoch(mpage):
    open_link(mpage, "/?data=moons&hidden=6")
    advance_epochs(mpage, 6)
    live = exact_weights(mpage)
    slider = mpage.get_by_test_id("replay-slider")
    slider.focus()
    settle(mpage)
    assert slider.get_attribute("aria-label") == "Epoch shown (replay)"
    for _ in range(2):
        slider.press("ArrowLeft")
        settle(mpage)
    assert shown_epoch(mpage) == "epoch 4"
    assert slider.get_attribute("aria-valuetext") == "epoch 4 of 6"
    assert mpage.get_by_test_id("epoch-count").text_content() == "4"
    assert mpage.evaluate(DRAWN_WEIGHTS) == server_weights_at(mpage, 4)
    assert mpage.evaluate(DRAWN_WEIGHTS) != server_weights_at(mpage, 6)
    assert state(mpage)["replay"] == 4
    mpage.wait_for_function("() => location.search.includes('replay=4')")   # the URL is written 250 ms later
    slider.press("Home")
    settle(mpage)
    assert shown_epoch(mpage) == "epoch 0"
    assert mpage.evaluate(DRAWN_WEIGHTS) == server_weights_at(mpage, 0)
    # the curves mark the epoch; the live run is untouched
    assert mpage.evaluate("() => window.crease.curves.mark") == 0
    assert exact_weights(mpage) == live and counters(mpage)["epoch"] == 6
    mpage.get_by_test_id("replay-live").click()
    settle(mpage)
    assert shown_epoch(mpage) == "live · epoch 6" and state(mpage)["replay"] is None
    assert mpage.get_by_test_id("epoch-count").text_content() == "6"


def test_inspecting_a_point_during_a_replay_goes_back_to_live(mpage):
    """The inspector computes with the live network, so a click on the plane
    while a past epoch is shown brings the live run back first and says so:
    the numbers shown are never the live network's beside a past picture."""
    open_link(mpage, "/?data=moons&hidden=6")
    advance_epochs(mpage, 4)
    slider = mpage.get_by_test_id("replay-slider")
    slider.focus()
    slider.press("Home")
    settle(mpage)
    assert shown_epoch(mpage) == "epoch 0"
    box = mpage.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    with wait_for_api(mpage, "/probe", "POST"):
        mpage.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    settle(mpage)
    assert shown_epoch(mpage) == "live · epoch 4" and state(mpage)["replay"] is None
    assert mpage.evaluate(DRAWN_WEIGHTS) == server_weights_at(mpage, 4)
    expect(mpage.get_by_test_id("status")).to_contain_text("Back to the live run")
    expect(mpage.get_by_test_id("inspector-output")).to_be_visible()


def test_the_replay_plays_through_the_kept_epochs(mpage):
    open_link(mpage, "/?data=xor&hidden=4")
    advance_epochs(mpage, 5)
    mpage.get_by_test_id("replay-speed").select_option("50")
    mpage.evaluate("""() => {
      const label = document.getElementById('replay-epoch');
      window.shownEpochs = [];
      new MutationObserver(() => window.shownEpochs.push(label.textContent))
        .observe(label, { childList: true, characterData: true, subtree: true });
    }""")
    mpage.get_by_test_id("replay-play").click()
    mpage.wait_for_function("() => !window.crease.timeline.playing && window.crease.idle()")
    settle(mpage)
    shown = mpage.evaluate("() => window.shownEpochs")
    epochs = [int(t.split()[-1]) for t in dict.fromkeys(shown) if t.startswith("epoch")]
    assert epochs == [0, 1, 2, 3, 4, 5]
    assert mpage.evaluate(DRAWN_WEIGHTS) == server_weights_at(mpage, 5)


def test_continue_from_here_is_the_uninterrupted_run_and_undoes(mpage):
    open_link(mpage, "/?data=circle&hidden=5&opt=adam&lr=0.01")
    advance_epochs(mpage, 7)
    straight = exact_weights(mpage)
    advance_epochs(mpage, 3)
    ten = exact_weights(mpage)
    slider = mpage.get_by_test_id("replay-slider")
    slider.focus()
    settle(mpage)
    for _ in range(6):
        slider.press("ArrowLeft")
    settle(mpage)
    assert shown_epoch(mpage) == "epoch 4"
    mpage.get_by_test_id("replay-continue").click()
    settle(mpage)
    assert counters(mpage)["epoch"] == 4 and state(mpage)["replay"] is None
    assert mpage.evaluate("() => window.crease.session.history.epoch.at(-1)") == 4
    advance_epochs(mpage, 3)
    assert exact_weights(mpage) == straight   # 4 + 3 epochs: the same Adam run as 7 in one go
    mpage.get_by_test_id("undo").click()       # back to before the branch: epoch 10's weights
    settle(mpage)
    assert counters(mpage)["epoch"] == 10 and exact_weights(mpage) == ten


def test_a_link_to_an_epoch_opens_at_that_epoch(mpage):
    open_link(mpage, "/?data=moons&hidden=6&seed=3")
    advance_epochs(mpage, 8)
    slider = mpage.get_by_test_id("replay-slider")
    slider.focus()
    settle(mpage)
    for _ in range(3):
        slider.press("ArrowLeft")
    settle(mpage)
    assert shown_epoch(mpage) == "epoch 5"
    wanted = mpage.evaluate(DRAWN_WEIGHTS)
    mpage.wait_for_function("() => location.search.includes('replay=5')")
    link = mpage.evaluate("() => location.href")
    assert "replay=5" in link
    open_link(mpage, "/?data=xor")   # elsewhere first: the link is opened afresh
    open_link(mpage, link)
    assert shown_epoch(mpage) == "epoch 5" and state(mpage)["replay"] == 5
    assert mpage.evaluate(DRAWN_WEIGHTS) == wanted


def test_a_network_too_large_to_keep_says_so(mpage):
    open_link(mpage, "/?data=xor&hidden=256,256,128&act=relu,relu,relu")
    note = mpage.get_by_test_id("replay-note")
    expect(note).to_be_visible()
    assert "too large to keep past epochs" in note.text_content()
    assert mpage.get_by_test_id("replay-slider").is_disabled()


def test_pressing_play_goes_back_to_live_training(mpage):
    open_link(mpage, "/?data=xor&hidden=4")
    advance_epochs(mpage, 3)
    mpage.evaluate("() => window.crease.store.set({ replay: 1 })")
    settle(mpage)
    assert shown_epoch(mpage) == "epoch 1"
    mpage.get_by_test_id("epoch-step").click()
    settle(mpage)
    assert state(mpage)["replay"] is None and counters(mpage)["epoch"] == 4
    assert shown_epoch(mpage) == "live · epoch 4"


def test_presenter_mode_shows_the_timeline_whole(mpage, shot_to):
    open_link(mpage, "/?data=circle&hidden=4&presenter=1")
    advance_epochs(mpage, 60)
    slider = mpage.get_by_test_id("replay-slider")
    slider.focus()
    settle(mpage)
    slider.press("Home")
    for _ in range(8):
        slider.press("ArrowRight")
    settle(mpage)
    assert shown_epoch(mpage) == "epoch 8"
    for testid in ("replay-slider", "replay-play", "replay-epoch", "replay-continue", "replay-live"):
        expect(mpage.get_by_test_id(testid)).to_be_visible()
    picture = shot_to(mpage, "replay-presenter")
    assert mpage.evaluate(CLIPPED) == []
    assert float(mpage.evaluate("() => getComputedStyle(document.getElementById('replay-epoch')).fontSize")[:-2]) >= 18
    mpage.evaluate("() => window.crease.store.set({ presenter: false })")
    settle(mpage)
    assert mpage.evaluate(CLIPPED) == []
    # docs/pictures/replay.png is a copy of this one
    assert shot_to(mpage, "replay").exists() and picture.exists()


def test_a_finger_drags_the_timeline(tablet):
    tablet.goto("/?data=moons&hidden=6")
    tablet.wait_for_selector(READY, timeout=30_000)
    advance_epochs(tablet, 6)
    box = slider_box(tablet)
    y = box["y"] + box["height"] / 2
    touch_drag(tablet, (box["x"] + box["width"] - 4, y), (box["x"] + 2, y))
    settle(tablet)
    assert shown_epoch(tablet) == "epoch 0"
    assert tablet.evaluate(DRAWN_WEIGHTS) == server_weights_at(tablet, 0)
    assert box["height"] >= 44   # a finger's size (test_touch.FINGER_PX)
