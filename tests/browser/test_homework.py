"""The homework in the browser: each lesson opens and shows the homework's
numbers, the inspector probes a clicked point and applies its step, answers
hide for a teacher, and a small experiment runs to completion with its
progress bar moving (and one is cancelled)."""
from __future__ import annotations

import json
import math
import re

import pytest

from playwright.sync_api import Page, expect

READY = "body[data-ready=true]"


def open_lesson(page: Page, name: str, query: str = "") -> None:
    page.goto(f"/lesson/{name}{'?' + query if query else ''}")
    page.wait_for_selector(READY, timeout=30_000)
    settle_lesson(page)


def settle_lesson(page: Page) -> None:
    page.wait_for_function("() => window.lessonIdle && window.lessonIdle()", timeout=30_000)
    page.wait_for_timeout(250)     # the answers' 150 ms debounce, then their requests
    page.wait_for_function("() => window.lessonIdle()", timeout=30_000)


def answer(page: Page, key: str) -> str:
    return page.get_by_test_id(f"answer-{key}").text_content().strip()


def click_plane_at(page: Page, x: float, y: float, extent) -> None:
    """Click the plane where the data coordinates (x, y) are."""
    box = page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    x0, x1, y0, y1 = extent
    page.mouse.click(box["x"] + (x - x0) / (x1 - x0) * box["width"],
                     box["y"] + (y1 - y) / (y1 - y0) * box["height"])


# ---- lessons -----------------------------------------------------------------------------

def test_one_relu_lesson_shows_problem_1_and_follows_the_weights(page, shot):
    open_lesson(page, "one-relu")
    assert answer(page, "1.1-0") == "3"               # a2 at x = 1
    assert answer(page, "1.2-0") == "4"               # 2 (a2 - y)
    assert answer(page, "1.3-0") == "0" and "x = 2.5" in page.get_by_test_id("where-1.3-0").text_content()
    assert answer(page, "1.3-1") == "12"
    assert answer(page, "1.4-1") == "-8"              # w1 after one step at 0.5
    verdicts = [answer(page, f"1.5-opt-{i}-verdict") for i in range(6)]
    assert verdicts == ["unchanged", "changes", "changes", "unchanged", "unchanged", "unchanged"]
    assert "kink x = 1.5" in page.get_by_test_id("function-plot").text_content()
    shot("lesson-one-relu")

    page.get_by_test_id("knob-w-2").fill("0")         # w2 = 0: no gradient reaches w1
    page.get_by_test_id("knob-w-2").dispatch_event("change")
    settle_lesson(page)
    assert answer(page, "1.4-1") == "-2" and answer(page, "1.1-0") == "0"

    page.get_by_test_id("lesson-reset").click()
    settle_lesson(page)
    assert page.get_by_test_id("inspector-rate").text_content() == "0.5"
    page.get_by_test_id("inspector-apply").click()     # one SGD step on (1, 1): w1 -> -8
    settle_lesson(page)
    expect(page.get_by_test_id("knob-w-1")).to_have_value("-8")
    expect(page.get_by_test_id("knob-b-1")).to_have_value("-3")
    # after the step: z1 = -8 + -3 < 0, so a2 = b2 = -2 and the kink moved to x = -3/8
    assert answer(page, "1.1-0") == "-2"
    assert "kink x = -0.375" in page.get_by_test_id("function-plot").text_content()
    shot("lesson-one-relu-after-step")


def test_relu_softmax_lesson_probes_and_inspector_step(page, shot):
    open_lesson(page, "relu-softmax")
    assert answer(page, "2.2.1-0") == "[2, 13, 0, 0]"
    assert answer(page, "2.2.2-0") == "[1, 6.914e-13]"
    assert answer(page, "2.3.3-0") == "[[0, 0, 0], [0, 1, 0], [0, 0, 2], [0, 0, 0]]"
    assert answer(page, "2.3.2-0") == "[0, 0, 0, 0]"
    assert answer(page, "2.4-case-1-1") == "0.1192" and answer(page, "2.4-case-1-3") == "class 2"
    assert answer(page, "2.4-case-2-1") == "0.5" and answer(page, "2.4-case-2-3").startswith("a tie")
    assert answer(page, "2.4-case-3-1") == "0.982" and answer(page, "2.4-case-3-3") == "class 1"
    legend = page.get_by_test_id("plane-legend").text_content()
    assert "units active" in legend and "4" in legend
    shot("lesson-relu-softmax")

    extent = [-3.3, 3.3, -3.3, 3.3]
    click_plane_at(page, 2.5, 0.0, extent)              # unit 1 active: z = 1.5
    page.wait_for_function("() => document.querySelector('[data-testid=forward-1]')")
    settle_lesson(page)
    x1 = float(page.get_by_test_id("inspector-x1").input_value())
    x2 = float(page.get_by_test_id("inspector-x2").input_value())
    assert abs(x1 - 2.5) < 0.05 and abs(x2) < 0.05       # where the click landed
    a1 = [float(v) for v in re.findall(r"-?[\d.]+(?:e-?\d+)?", page.get_by_test_id("a-1").text_content())[1:]]
    assert a1[1:] == [0, 0, 0] and math.isclose(a1[0], x1 - 1, abs_tol=6e-4), a1   # a1 = x1 - 1 there
    page.get_by_test_id("inspector-target").select_option("1")
    # the new target's probe drawn (step-1 alone may still be the previous target's)
    page.wait_for_function("() => document.querySelector('[data-testid=inspector-body]')"
                           ".textContent.includes('Backward for class 2 (index 1)')"
                           " && document.querySelector('[data-testid=step-1]')")
    settle_lesson(page)
    loss = float(page.get_by_test_id("inspector-loss").locator("b").text_content())
    s = x1 - 1                                           # z2 = (s, -s + 2), target class 2 (index 1)
    assert math.isclose(loss, -math.log(math.exp(2 - s) / (math.exp(s) + math.exp(2 - s))), rel_tol=1e-3)
    before = page.evaluate("() => document.querySelector('[data-testid=lesson-stage] [data-testid=plane-regions]').cells.toDataURL()")
    page.get_by_test_id("colour-class").click()
    page.get_by_test_id("inspector-apply").click()
    page.wait_for_function("() => document.querySelector('[data-testid=inspector-message]').textContent.startsWith('Step applied')")
    settle_lesson(page)
    after = page.evaluate("() => document.querySelector('[data-testid=lesson-stage] [data-testid=plane-regions]').cells.toDataURL()")
    assert after != before                              # the plane moved with the step
    assert float(page.get_by_test_id("inspector-loss").locator("b").text_content()) < loss
    shot("lesson-relu-softmax-after-step")


def test_softmax_lesson_shows_the_overflow(page, shot):
    open_lesson(page, "softmax-max")
    big = page.get_by_test_id("softmax-case-1")
    assert "1000, 999, 998" in big.text_content()
    assert big.locator("td.bad").count() == 6          # inf x 3, nan x 3
    assert "overflow" in big.text_content()
    assert answer(page, "3.3-choice-0") == "no" and answer(page, "3.3-choice-2") == "yes"
    page.get_by_test_id("softmax-z").fill("0.5, 1e3")
    page.get_by_test_id("softmax-z").dispatch_event("change")
    page.wait_for_function("() => document.querySelector('[data-testid=softmax-case-mine]').textContent.includes('1000')")
    shot("lesson-softmax")


def test_a_teacher_hides_the_answers(page):
    open_lesson(page, "one-relu", "answers=hide")
    expect(page.get_by_test_id("answer-1.4-1")).to_be_hidden()
    page.get_by_test_id("reveal-1.4-1").click()
    expect(page.get_by_test_id("answer-1.4-1")).to_have_text("-8")
    expect(page.get_by_test_id("answer-1.1-0")).to_be_hidden()
    assert page.get_by_test_id("hide-answers").is_checked()


def test_experiment_lesson_links_to_the_runner_presets(page):
    open_lesson(page, "architecture-experiments")
    page.get_by_test_id("preset-6.6").click()
    page.wait_for_selector(READY)
    expect(page.get_by_test_id("epochs")).to_have_value("500")
    expect(page.get_by_test_id("split")).to_have_value("0.5")
    assert page.get_by_test_id("arch-none").is_checked() and page.get_by_test_id("arch-100-10").is_checked()
    assert not page.get_by_test_id("arch-2").is_checked()
    expect(page.get_by_test_id("dataset")).to_have_value("three_clusters")
    assert "--hidden \"\" 100 100,10 --epochs 500 --trials 1 --split 0.5" in page.get_by_test_id("command").text_content()


# ---- the experiment runner ------------------------------------------------------------

WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  const bar = document.querySelector('[data-testid=progress-bar]');
  new MutationObserver(() => window.progressSeen.push(Number(bar.getAttribute('aria-valuenow'))))
    .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
}"""


def test_small_experiment_runs_to_completion_with_the_bar_moving(page, shot):
    page.goto("/experiments?preset=6.3")
    page.wait_for_selector(READY)
    page.get_by_test_id("epochs").fill("40")
    page.get_by_test_id("trials").fill("2")
    page.get_by_test_id("predict-points").fill("[[-1, 0], [1, 0]]")
    page.evaluate(WATCH_PROGRESS)
    page.get_by_test_id("run").click()
    page.wait_for_function("() => window.progressSeen.some(v => v > 0 && v < 100)", timeout=30_000)
    shot("experiment-running")
    page.wait_for_selector("[data-testid=results-table]", timeout=60_000)
    seen = page.evaluate("window.progressSeen")
    assert seen[-1] == 100 and len({v for v in seen if 0 < v < 100}) >= 3, seen
    assert seen == sorted(seen)
    expect(page.get_by_test_id("progress-text")).to_contain_text("Training 100% done (8 of 8 trials complete)")
    rows = page.locator("[data-testid=results-table] tbody tr")
    assert rows.count() == 4
    for i in range(4):
        lo, hi, mean = (float(page.get_by_test_id(f"{k}-{i}").text_content()) for k in ("acc-min", "acc-max", "acc-mean"))
        assert 0 <= lo <= mean <= hi <= 1
    assert page.locator("[data-testid=regions-best] .heatmaplayer image").count() == 1
    assert page.locator("[data-testid=regions-worst] .heatmaplayer image").count() == 1
    assert page.locator("[data-testid=loss-curves] .scatterlayer .trace").count() == 4   # 2 curves + 2 minima
    # the min-loss epoch is read from 0, as the homework's plots, with the 1-based count beside
    assert re.fullmatch(r"\d+–\d+ \(1-based \d+–\d+\)", page.get_by_test_id("min-loss-epochs-0").text_content())
    assert page.evaluate("document.querySelector('[data-testid=loss-curves]').data[0].x[0]") == 0
    assert page.get_by_test_id("predictions").locator("tbody tr").count() == 2
    shot("experiment-done")


def test_an_experiment_can_be_cancelled(page):
    page.goto("/experiments?preset=6.5")               # (100, 100), 300 epochs, 5 trials: long
    page.wait_for_selector(READY)
    page.evaluate(WATCH_PROGRESS)
    page.get_by_test_id("run").click()
    page.wait_for_function("() => window.progressSeen.some(v => v > 0)", timeout=30_000)
    with page.expect_response(lambda r: r.request.method == "DELETE" and "/api/experiments/" in r.url) as deleted:
        page.get_by_test_id("cancel").click()
    assert deleted.value.status == 204
    expect(page.get_by_test_id("status")).to_contain_text("Cancelled after ")
    expect(page.get_by_test_id("run")).to_be_enabled()
    assert page.locator("[data-testid=results-table]").count() == 0


# ---- the playground ------------------------------------------------------------------------

def open_playground(page: Page, query: str = "") -> None:
    page.goto("/" + (f"?{query}" if query else ""))
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_function("() => window.crease.idle()", timeout=30_000)


def test_playground_inspector_applies_a_step(page, shot):
    open_playground(page, "data=three_clusters&hidden=4")
    extent = page.evaluate("window.crease.session.frame.extent")
    before = page.evaluate("Array.from(window.crease.session.frame.weights[0].W)")
    click_plane_at(page, 1.0, -1.0, extent)
    expect(page.get_by_test_id("side-panel")).to_be_visible()
    page.wait_for_function("() => document.querySelector('[data-testid=inspector-output]')")
    assert float(page.get_by_test_id("inspector-x1").input_value()) == pytest.approx(1.0, abs=0.1)
    probs = [float(v) for v in re.findall(r"[\d.]+(?:e-?\d+)?", page.get_by_test_id("probs").text_content())]
    assert len(probs) == 3 and math.isclose(sum(probs), 1, abs_tol=2e-3)
    page.get_by_test_id("inspector-target").select_option("2")
    page.wait_for_function("() => document.querySelector('[data-testid=step-2]')")
    assert page.get_by_test_id("inspector-rate").text_content() == "0.03"
    page.get_by_test_id("inspector-apply").click()
    page.wait_for_function("() => document.querySelector('[data-testid=inspector-message]').textContent.startsWith('Step applied')")
    page.wait_for_function("() => window.crease.idle()")
    after = page.evaluate("Array.from(window.crease.session.frame.weights[0].W)")
    assert after != before and len(after) == len(before)
    shot("playground-inspector")


def test_playground_export_and_import(page, tmp_path):
    open_playground(page, "data=moons&hidden=5&lr=0.1")
    page.get_by_test_id("epoch-step").click()
    page.wait_for_function("() => window.crease.idle() && window.crease.session.frame.counters.epoch === 1")
    downloads = {}
    for fmt in ("json", "npz", "python", "pytorch"):
        with page.expect_download() as info:
            page.get_by_test_id(f"export-{fmt}").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        downloads[fmt] = path
    assert "Sequential([Linear(2, 5), ReLU(), Linear(5, 2), SoftMax()], NLL())" in downloads["python"].read_text()
    assert "torch" in downloads["pytorch"].read_text() and downloads["npz"].read_bytes()[:2] == b"PK"
    exported = json.loads(downloads["json"].read_text())
    old = page.evaluate("window.crease.api.sessionId")
    page.get_by_test_id("learning-rate").fill("0.5")        # changed after the export ...
    page.get_by_test_id("learning-rate").dispatch_event("change")
    page.wait_for_function("() => window.crease.idle() && window.crease.store.state.lr === 0.5")
    page.get_by_test_id("import-file").set_input_files(str(downloads["json"]))
    page.wait_for_function(f"() => window.crease.api.sessionId !== {old!r} && window.crease.idle()")
    frame = page.evaluate("({counters: window.crease.session.frame.counters, lr: window.crease.store.state.lr, hidden: window.crease.store.state.hidden})")
    assert frame["counters"]["step"] == exported["step"] and frame["counters"]["epoch"] == 1
    assert frame["lr"] == 0.1 and frame["hidden"] == [5]     # ... and back as exported
    expect(page.get_by_test_id("learning-rate")).to_have_value("0.1")
    expect(page.get_by_test_id("epoch-count")).to_have_text("1")


def test_the_plane_lesson_gives_back_each_session_it_replaces(page):
    """Each "back to the homework's weights" makes a new session; the page
    deletes the one it replaces, so resets do not use up the server's live
    sessions per address (SESSIONS_PER_ADDRESS)."""
    created, deleted = [], []
    page.on("response", lambda r: created.append(r) if r.request.method == "POST"
            and r.url.endswith("/api/sessions") else None)
    page.on("request", lambda r: deleted.append(r.url.rsplit("/", 1)[1]) if r.method == "DELETE"
            and "/api/sessions/" in r.url else None)
    open_lesson(page, "relu-softmax")
    for _ in range(3):
        page.get_by_test_id("lesson-reset").click()
        settle_lesson(page)
    ids = [r.json()["session"] for r in created]
    assert len(ids) == 4 and len(set(ids)) == 4
    page.wait_for_function("() => true")
    page.wait_for_timeout(300)
    assert deleted == ids[:3]
