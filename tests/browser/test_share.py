"""Share links: every setting round-trips through the link the share button
makes; a link reproduces the run (same weights after the same epochs); a link
with the current weights and data edits restores them, and one too long for a
URL becomes a file that opens the same way; garbage in a link is ignored with
a visible note; hide= hides controls."""
from __future__ import annotations

import base64
import json
import random
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.app import READY, point_count, settle
from tests.browser.shared_page import (  # noqa: F401  (fixtures)
    advance_epochs, counters, exact_weights, module_page, mpage, open_link, shot_to, state)

# One example per row of the settings table (static/js/state.js SETTINGS):
# key -> (other settings it needs, a valid value other than the default).
EXAMPLES = {
    "dataset": ({}, "xor"),
    "classes": ({"dataset": "spiral_k"}, 4),
    "n": ({}, 250),
    "noise": ({}, 0.35),
    "valShare": ({}, 0.4),
    "dataSeed": ({}, 77),
    "hidden": ({}, [5, 3]),
    "activations": ({"hidden": [5, 3]}, ["tanh", "sigmoid"]),
    "output": ({}, "sigmoid"),
    "init": ({}, "pytorch"),
    "seed": ({}, 42),
    "optimizer": ({}, "adam"),
    "lr": ({}, 0.1),
    "batchSize": ({}, 25),
    "momentum": ({}, 0.9),
    "weightDecay": ({}, 0.001),
    "speedUnit": ({}, "steps"),
    "speed": ({}, 5),
    "regions": ({}, "hard"),
    "showBoundary": ({}, False),
    "showLines": ({}, False),
    "hiddenLines": ({}, [1, 3]),
    "curveLayers": ({"hidden": [4, 4], "activations": ["relu", "relu"]}, [2]),
    "showVal": ({}, False),
    "tintRegions": ({}, True),
    "replay": ({}, 3),   # the run is trained to epoch 3 to show it (timeline.js)
    "presenter": ({}, True),
    "hide": ({}, ["data", "lr"]),
    "lesson": ({}, "relu-softmax"),
}

# What the page shows for a setting, read from the DOM (not from the state object).
SHOWN = """(key) => {
  const $ = (id) => document.getElementById(id);
  const pressed = (sel) => [...document.querySelectorAll(sel)].filter((b) => b.getAttribute('aria-pressed') === 'true').map((b) => b.textContent.trim());
  const visible = (el) => Boolean(el && el.getClientRects().length);
  switch (key) {
    case 'hidden': return [...document.querySelectorAll('[data-testid^=layer-units-]')].map((i) => Number(i.value));
    case 'activations': return [...document.querySelectorAll('[data-testid^=layer-activation-]')].map((s) => s.value);
    case 'regions': return pressed('.segmented button')[0].toLowerCase();
    case 'hiddenLines': return { pressed: pressed('[data-testid^=line-unit-]') };
    case 'curveLayers': return pressed('[data-testid^=curve-layer-]');
    case 'presenter': return document.body.classList.contains('presenter');
    case 'hide': return { data: visible($('dataset')), lr: visible($('lr')), network: visible($('layers')) };
    case 'lesson': return visible($('lesson-link')) ? $('lesson-link').getAttribute('href') : null;
    case 'replay': return Number($('replay-epoch').dataset.epoch);   // the epoch shown
  }
  const el = $(key);
  if (!el) return undefined;
  return el.type === 'checkbox' ? el.checked : el.value;
}"""

# The DOM reading SHOWN gives for each example value (where it is not the value's text).
EXPECTED_SHOWN = {
    "hiddenLines": {"pressed": ["1", "3", "5", "6", "7", "8"]},   # units 2 and 4 (indices 1, 3) off
    "curveLayers": ["layer 2"],
    "hide": {"data": False, "lr": False, "network": True},
    "lesson": "/lesson/relu-softmax",
}


# The page's own state.js (the same module instance main.js uses).
STATE_JS = "import(document.querySelector('script[type=module]').src.replace(/main\\.js$/, 'state.js'))"


def table_keys(page) -> list[str]:
    return page.evaluate(f"async () => (await {STATE_JS}).SETTINGS.map((s) => s.key)")


def share_link(page, with_weights: bool | None = False) -> str:
    """The dialog's link; with_weights None: as the dialog proposes."""
    page.get_by_test_id("share").click()
    page.wait_for_selector("[data-testid=share-dialog][open]")
    box = page.get_by_test_id("share-weights")
    if with_weights is not None and box.is_checked() != with_weights:
        box.click()
    settle(page)
    page.wait_for_function("() => document.getElementById('share-link').value.startsWith('http')")
    link = page.get_by_test_id("share-link").input_value()
    page.get_by_test_id("share-close").click()
    return link


def test_every_setting_of_the_table_has_a_round_trip_case(mpage):
    open_link(mpage, "/")
    assert sorted(table_keys(mpage)) == sorted(EXAMPLES)


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_a_link_round_trips_the_setting(mpage, key):
    needs, value = EXAMPLES[key]
    if not mpage.evaluate("() => Boolean(window.crease)"):
        open_link(mpage, "/")
    # from the defaults (whatever the last case left), set this one through the store, as every control does
    mpage.evaluate(f"async (patch) => window.crease.store.set({{...(await {STATE_JS}).defaults(), ...patch}})",
                   {**needs, key: value})
    settle(mpage)
    link = share_link(mpage)
    query = parse_qs(urlsplit(link).query)
    assert urlsplit(link).fragment == ""
    open_link(mpage, link)
    assert state(mpage)[key] == value, f"{key}: link {link}"
    for other, wanted in needs.items():
        assert state(mpage)[other] == wanted
    shown = mpage.evaluate(SHOWN, key)
    expected = EXPECTED_SHOWN.get(key, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        shown = float(shown)
    assert shown == expected, f"{key}: the page shows {shown!r} after opening {link}"
    assert query, link
    assert not mpage.get_by_test_id("link-note").is_visible()


def test_the_initialisation_control_redraws_the_weights_as_pytorch_does(mpage):
    open_link(mpage, "/")
    biases = "() => window.crease.network.model.weights.flatMap((l) => Array.from(l.W0))"
    assert not any(mpage.evaluate(biases))                # the homework's: zero biases
    mpage.get_by_test_id("init").select_option("pytorch")
    settle(mpage)
    assert any(mpage.evaluate(biases))
    settings = mpage.evaluate("async () => (await window.crease.api.sessionRequest('GET', '')).settings")
    assert settings["network"]["init"] == "pytorch"
    assert "init=pytorch" in share_link(mpage)


def test_the_share_button_copies_the_link(mpage):
    open_link(mpage, "/?data=moons&hidden=3&seed=9")
    mpage.get_by_test_id("share").click()
    mpage.wait_for_function("() => document.getElementById('share-message').textContent.includes('Copied')")
    link = mpage.get_by_test_id("share-link").input_value()
    assert mpage.evaluate("() => navigator.clipboard.readText()") == link
    assert parse_qs(urlsplit(link).query) == {"data": ["moons"], "hidden": ["3"], "seed": ["9"]}
    mpage.keyboard.press("Escape")
    assert not mpage.get_by_test_id("share-dialog").is_visible()


def test_opening_a_link_twice_gives_the_same_weights_after_20_epochs(mpage):
    open_link(mpage, "/?data=moons&hidden=6,3&act=tanh,relu&seed=7&dseed=3&lr=0.1&batch=16&opt=adam")
    link = share_link(mpage)
    runs = []
    for _ in range(2):
        open_link(mpage, link)
        start = exact_weights(mpage)
        advance_epochs(mpage, 20)
        assert counters(mpage)["epoch"] == 20
        runs.append((start, exact_weights(mpage)))
    (start_a, after_a), (start_b, after_b) = runs
    assert start_a == start_b
    assert after_a == after_b
    assert after_a != start_a
    # the seed is what makes them equal: another weights seed starts elsewhere
    open_link(mpage, link.replace("seed=7", "seed=8"))
    assert exact_weights(mpage) != start_a


def test_a_link_with_weights_and_edited_points_restores_them(mpage):
    open_link(mpage, "/?hidden=4&seed=3")
    advance_epochs(mpage, 7)
    mpage.get_by_test_id("draw").click()
    box = mpage.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    mpage.mouse.click(box["x"] + box["width"] * 0.31, box["y"] + box["height"] * 0.27)
    mpage.wait_for_function("(n) => window.crease.session.points.train.length === n", arg=301)
    settle(mpage)
    weights = exact_weights(mpage)
    points = mpage.evaluate("() => window.crease.session.points")
    link = share_link(mpage, with_weights=True)
    assert "#snap=" in link and len(link) < 3000   # the drawn point travels as an edit of the generated set
    open_link(mpage, link)
    assert exact_weights(mpage) == weights
    assert counters(mpage)["epoch"] == 7
    assert mpage.evaluate("() => window.crease.session.points") == points
    assert point_count(mpage) == 301
    assert mpage.get_by_test_id("epoch-count").text_content() == "7"
    # and it goes on deterministically: opened twice, the same weights 5 epochs later
    advance_epochs(mpage, 5)
    later = exact_weights(mpage)
    open_link(mpage, link)
    advance_epochs(mpage, 5)
    assert exact_weights(mpage) == later


def test_a_link_too_long_for_a_url_becomes_a_file_that_opens(mpage, tmp_path):
    rng = random.Random(5)
    rows = [f"{rng.uniform(-3, 3):.6f} {rng.uniform(-3, 3):.6f} {rng.choice([-1, 1])}" for _ in range(1200)]
    open_link(mpage, "/?hidden=5&seed=4")
    mpage.get_by_test_id("upload").set_input_files(files=[{"name": "many.txt", "mimeType": "text/plain", "buffer": "\n".join(rows).encode()}])
    mpage.wait_for_function("() => window.crease.session.points.train.length + window.crease.session.points.val.length === 1200")
    advance_epochs(mpage, 2)
    weights = exact_weights(mpage)
    mpage.get_by_test_id("share").click()
    # uploaded data: the settings alone cannot replay this run, so the dialog includes the weights
    mpage.wait_for_function("() => document.getElementById('share-message').textContent.includes('too long')")
    assert mpage.get_by_test_id("share-weights").is_checked()
    assert len(mpage.get_by_test_id("share-link").input_value()) > 8000
    with mpage.expect_download() as info:
        mpage.get_by_test_id("share-copy").click()
    path = tmp_path / "run.json"
    info.value.save_as(path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "crease-share" and "hidden=5" in doc["query"]
    assert len(doc["snapshot"]["points"]["train"]) + len(doc["snapshot"]["points"]["val"]) == 1200
    with mpage.expect_navigation():
        mpage.get_by_test_id("share-open").set_input_files(str(path))
    mpage.wait_for_selector(READY, timeout=30_000)
    settle(mpage)
    assert exact_weights(mpage) == weights
    assert counters(mpage)["epoch"] == 2
    assert state(mpage)["hidden"] == [5]
    assert mpage.evaluate("() => window.crease.session.points.train.length + window.crease.session.points.val.length") == 1200


def test_a_file_that_is_not_a_share_file_says_so(mpage):
    open_link(mpage, "/")
    mpage.get_by_test_id("share").click()
    mpage.get_by_test_id("share-open").set_input_files(files=[{"name": "notes.json", "mimeType": "application/json", "buffer": b'{"hello": 1}'}])
    error = mpage.get_by_test_id("share-open-error")
    error.wait_for()
    assert "notes.json" in error.text_content() and "not a Crease share file" in error.text_content()


GARBAGE = ("data=nonsense&n=-5&lr=abc&hidden=1,2,x&act=relu&out=tanh&presenter=maybe&hide=everything"
           "&lesson=no-such-lesson&foo=bar&noise=7&dseed=1.5&opt=&k=99#snap=not-base64!!")


def test_a_link_with_garbage_loads_with_a_note(mpage):
    open_link(mpage, "/?" + GARBAGE)
    assert point_count(mpage) > 0
    s = state(mpage)
    assert (s["dataset"], s["n"], s["lr"], s["hidden"], s["output"], s["presenter"], s["hide"], s["lesson"]) == \
        ("circle", 400, 0.03, [8], "softmax", False, [], None)
    assert s["activations"] == ["relu"]   # the one valid value in the link
    note = mpage.get_by_test_id("link-note")
    assert note.is_visible()
    text = note.text_content()
    for part in ["unknown dataset nonsense", "n=-5", "lr=abc", "hidden=1,2,x", "out=tanh", "presenter=maybe", "hide=everything",
                 "unknown setting foo", "noise=7", "dseed=1.5", "k=99", "unknown lesson no-such-lesson", "weights in the link"]:
        assert part in text, f"{part!r} not in the note: {text}"
    box = note.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 720
    mpage.get_by_test_id("link-note-close").click()
    assert not note.is_visible()


def test_hide_hides_control_groups_and_single_controls(mpage):
    open_link(mpage, "/?hide=data,network,reset,share,mom")
    for testid in ["dataset", "points", "layers", "add-layer", "reset", "share", "momentum"]:
        assert not mpage.get_by_test_id(testid).is_visible(), testid
    for testid in ["learning-rate", "optimizer", "batch-size", "play", "step", "epoch-step", "presenter-toggle"]:
        assert mpage.get_by_test_id(testid).is_visible(), testid
    # a hidden button's shortcut does nothing: r does not reset
    advance_epochs(mpage, 2)
    mpage.locator("body").press("r")
    settle(mpage)
    assert counters(mpage)["epoch"] == 2
    # the hidden settings keep what the link says; changing what is shown keeps the list in the URL
    mpage.get_by_test_id("learning-rate").fill("0.2")
    mpage.get_by_test_id("learning-rate").press("Enter")
    mpage.wait_for_function("() => location.search.includes('lr=0.2')")
    assert "hide=data,network,reset,share,mom" in mpage.evaluate("() => location.search")


@pytest.mark.parametrize("key", list(EXAMPLES))
def test_a_link_made_after_the_change_reproduces_the_screen(mpage, key):
    """The rule: a change that needs new weights (seed, architecture,
    activations, data) draws them at once, so the settings in a link are the
    ones in effect: opened anew, the same weights after the same epochs."""
    needs, value = EXAMPLES[key]
    open_link(mpage, "/?data=moons&hidden=4")
    advance_epochs(mpage, 2)        # a run under way, as in class
    mpage.evaluate("(patch) => window.crease.store.set(patch)", {**needs, key: value})
    settle(mpage)
    advance_epochs(mpage, 3)
    shown, epoch = exact_weights(mpage), counters(mpage)["epoch"]
    # a training setting changed mid-run: no settings replay this, so the dialog includes the weights
    link = share_link(mpage, with_weights=None)
    group = mpage.evaluate(f"async (key) => (await {STATE_JS}).groupOf(key)", key)
    assert ("#snap=" in link) == (group == "training"), link
    open_link(mpage, link)
    advance_epochs(mpage, epoch - counters(mpage)["epoch"])
    assert counters(mpage)["epoch"] == epoch
    assert exact_weights(mpage) == shown, f"{key}: {link} does not reproduce the screen"


def test_a_weights_link_pasted_into_a_tab_with_the_same_settings_loads_them(mpage):
    open_link(mpage, "/?data=moons&hidden=5&seed=2")
    advance_epochs(mpage, 4)
    weights = exact_weights(mpage)
    link = share_link(mpage, with_weights=True)
    assert "#snap=" in link
    # the same settings, trained elsewhere: pasting the link changes only the fragment
    open_link(mpage, link.split("#")[0])
    advance_epochs(mpage, 9)
    mpage.evaluate("(link) => { window.location.href = link; }", link)
    mpage.wait_for_function("() => window.crease.session.frame.counters.epoch === 4")
    settle(mpage)
    assert exact_weights(mpage) == weights
    assert mpage.get_by_test_id("epoch-count").text_content() == "4"
    # Back (the fragment goes) keeps the run; Forward (it comes again) loads it again
    advance_epochs(mpage, 2)
    mpage.go_back()
    settle(mpage)
    assert counters(mpage)["epoch"] == 6
    mpage.go_forward()
    mpage.wait_for_function("() => window.crease.session.frame.counters.epoch === 4")
    settle(mpage)
    assert exact_weights(mpage) == weights


def snap_link(page, doc_json: bytes, level: int = 9) -> str:
    """A #snap= link around any bytes: deflate-raw and base64url, as snapshot.js writes them."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    packed = compressor.compress(doc_json) + compressor.flush()
    return "/?data=moons#snap=" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def test_a_weights_link_that_inflates_past_the_cap_is_refused_with_a_note(mpage, shot_to):
    bomb = b'{"v":1,"pad":"' + b"0" * (64 * 2**20) + b'"}'   # 64 MB of JSON in a 65 KB link
    link = snap_link(mpage, bomb)
    assert len(link) < 100_000
    open_link(mpage, link)
    note = mpage.get_by_test_id("link-note")
    assert note.is_visible()
    assert "unpack to more than 16 MB" in note.text_content()
    shot_to(mpage, "snap-link-over-the-cap")
    assert counters(mpage)["epoch"] == 0 and point_count(mpage) > 0   # the run starts from its settings


def test_a_weights_link_longer_than_the_cap_is_refused_with_a_note(mpage):
    noise = random.Random(3).randbytes(1_510_000)   # does not deflate: 2.01 M characters (Chrome takes 2 MB)
    link = snap_link(mpage, noise, level=0)
    open_link(mpage, link)
    note = mpage.get_by_test_id("link-note")
    assert note.is_visible()
    assert "more than the 2,000,000 a link may carry" in note.text_content()
    assert counters(mpage)["epoch"] == 0


def test_a_new_weights_seed_takes_effect_at_once(mpage):
    """The report: seed 7 typed (Enter, no Reset), then +1 epoch ten times; the
    link said seed=7 but the page trained from seed 1's weights."""
    open_link(mpage, "/?data=moons")
    mpage.get_by_test_id("seed").fill("7")
    mpage.get_by_test_id("seed").press("Enter")
    settle(mpage)
    fresh = exact_weights(mpage)
    for _ in range(10):
        mpage.get_by_test_id("epoch-step").click()
        settle(mpage)
    shown = exact_weights(mpage)
    link = share_link(mpage)
    assert "seed=7" in link and "#" not in link
    open_link(mpage, link)
    assert exact_weights(mpage) == fresh           # seed 7's initial weights, as the page had them
    advance_epochs(mpage, 10)
    assert exact_weights(mpage) == shown
    # one undo step takes the seed and its weights back
    open_link(mpage, "/?data=moons")
    start = exact_weights(mpage)
    mpage.get_by_test_id("seed").fill("7")
    mpage.get_by_test_id("seed").press("Enter")
    settle(mpage)
    mpage.get_by_test_id("undo").click()
    settle(mpage)
    assert state(mpage)["seed"] == 1 and exact_weights(mpage) == start


def test_after_an_undo_mid_run_the_link_carries_the_weights(mpage):
    """Undo recreates the run from its exact weights, but with a fresh
    optimizer and shuffle: from there no settings replay it."""
    open_link(mpage, "/?data=moons&hidden=4")
    advance_epochs(mpage, 3)
    mpage.evaluate("() => window.crease.store.set({ hidden: [3] })")
    settle(mpage)
    mpage.get_by_test_id("undo").click()
    settle(mpage)
    advance_epochs(mpage, 2)
    shown = exact_weights(mpage)
    link = share_link(mpage, with_weights=None)
    assert "#snap=" in link
    open_link(mpage, link)
    assert exact_weights(mpage) == shown and counters(mpage)["epoch"] == 5
