"""Training from the page: play learns, hyperparameters change mid-run without a
reset, architecture changes reset and can be undone."""
from __future__ import annotations

import json
import time

from tests.browser.app import number, open_app, settle, wait_for_api


def wait_until(predicate, timeout: float, interval: float = 0.25):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def test_play_on_circle_with_relu_learns(page, shot):
    open_app(page, "data=circle&hidden=8&act=relu")
    settle(page)
    assert page.get_by_test_id("dataset").input_value() == "circle"
    first_loss = number(page, "train-loss")
    page.get_by_test_id("play").click()
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "true"
    reached = wait_until(lambda: number(page, "val-acc") >= 0.95, timeout=60)
    page.get_by_test_id("play").click()
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "false"
    settle(page)
    assert reached, f"validation accuracy {number(page, 'val-acc')} after 60 s"
    assert number(page, "train-loss") < first_loss * 0.5
    assert number(page, "epoch-count") > 0
    # the curves hold one point per finished epoch
    epochs = page.evaluate("() => document.querySelector('[data-testid=curves]').data[0].x.length")
    assert epochs == number(page, "epoch-count")
    shot("trained-circle")


def test_step_and_epoch_buttons_count_exactly(page):
    open_app(page)
    settle(page)
    with wait_for_api(page, "/advance"):
        page.get_by_test_id("step").click()
    settle(page)
    assert number(page, "step-count") == 1
    assert number(page, "epoch-count") == 0
    with wait_for_api(page, "/advance"):
        page.get_by_test_id("epoch-step").click()
    settle(page)
    assert number(page, "epoch-count") == 1
    steps_per_epoch = number(page, "step-count")
    with wait_for_api(page, "/advance"):
        page.get_by_test_id("epoch-step").click()
    settle(page)
    assert number(page, "epoch-count") == 2
    assert number(page, "step-count") == 2 * steps_per_epoch


def test_changing_the_learning_rate_mid_run_keeps_the_epoch_count(page):
    open_app(page)
    settle(page)
    page.get_by_test_id("play").click()
    assert wait_until(lambda: number(page, "epoch-count") >= 5, timeout=30)
    before = number(page, "epoch-count")
    with wait_for_api(page, "/training", "PATCH"):
        page.get_by_test_id("learning-rate").fill("0.1")
        page.get_by_test_id("learning-rate").press("Enter")
    seen = []
    for _ in range(8):
        seen.append(number(page, "epoch-count"))
        time.sleep(0.25)
    page.get_by_test_id("play").click()
    settle(page)
    assert min(seen) >= before, f"epoch count fell from {before}: {seen}"
    assert number(page, "epoch-count") > before
    assert page.get_by_test_id("learning-rate").input_value() == "0.1"
    assert "lr=0.1" in page.url


def test_reset_starts_again_from_epoch_zero(page):
    open_app(page)
    settle(page)
    with wait_for_api(page, "/advance"):
        page.get_by_test_id("epoch-step").click()
    settle(page)
    assert number(page, "epoch-count") == 1
    with wait_for_api(page, "/reset"):
        page.get_by_test_id("reset").click()
    settle(page)
    assert number(page, "epoch-count") == 0
    assert number(page, "step-count") == 0


def test_architecture_change_resets_and_undo_restores(page):
    open_app(page)
    settle(page)
    for _ in range(3):
        with wait_for_api(page, "/advance"):
            page.get_by_test_id("epoch-step").click()
    settle(page)
    loss_before = page.get_by_test_id("train-loss").text_content()
    assert page.get_by_test_id("undo").is_disabled()
    with wait_for_api(page, "/network", "PUT"):
        page.get_by_test_id("layer-units-1").fill("3")
        page.get_by_test_id("layer-units-1").press("Enter")
    settle(page)
    assert number(page, "epoch-count") == 0
    assert len(page.locator("[data-testid=network] rect[data-unit^='1,']").all()) == 3
    with wait_for_api(page, "/api/sessions", "POST"):
        page.get_by_test_id("undo").click()
    settle(page)
    assert number(page, "epoch-count") == 3
    assert page.get_by_test_id("train-loss").text_content() == loss_before
    assert page.get_by_test_id("layer-units-1").input_value() == "8"
    assert len(page.locator("[data-testid=network] rect[data-unit^='1,']").all()) == 8
    assert page.get_by_test_id("undo").is_disabled()


def test_a_data_change_resets_and_undo_brings_back_the_points_and_the_run(page):
    open_app(page)
    settle(page)
    with wait_for_api(page, "/advance"):
        page.get_by_test_id("epoch-step").click()
    settle(page)
    points_before = page.evaluate("() => window.crease.session.points.train.slice(0, 3)")
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("dataset").select_option("xor")
    settle(page)
    assert number(page, "epoch-count") == 0
    assert page.evaluate("() => window.crease.session.points.train.slice(0, 3)") != points_before
    with wait_for_api(page, "/api/sessions", "POST") as created:
        page.get_by_test_id("undo").click()
    assert created.value.request.post_data_json["data"]["source"] == "points"
    settle(page)
    assert page.get_by_test_id("dataset").input_value() == "circle"
    assert number(page, "epoch-count") == 1
    assert page.evaluate("() => window.crease.session.points.train.slice(0, 3)") == points_before
    page.wait_for_function("() => !location.search.includes('data=xor')", timeout=5_000)


def test_batch_size_and_optimizer_changes_keep_the_weights(page):
    open_app(page)
    settle(page)
    for _ in range(2):
        with wait_for_api(page, "/advance"):
            page.get_by_test_id("epoch-step").click()
    settle(page)
    weights = "() => Array.from(window.crease.session.frame.weights[0].W)"
    before = page.evaluate(weights)
    with wait_for_api(page, "/training", "PATCH") as answer:
        page.get_by_test_id("batch-size").fill("25")
        page.get_by_test_id("batch-size").press("Enter")
    assert answer.value.request.post_data_json["batch_size"] == 25
    with wait_for_api(page, "/training", "PATCH") as answer:
        page.get_by_test_id("optimizer").select_option("adam")
    assert answer.value.request.post_data_json["optimizer"] == "adam"
    settle(page)
    assert page.evaluate(weights) == before
    assert number(page, "epoch-count") == 2
    assert page.get_by_test_id("momentum").is_hidden()


def test_a_diverged_run_stops_says_so_and_goes_on_at_a_lower_rate(page):
    open_app(page, "lr=10&mom=0.9")
    settle(page)
    page.get_by_test_id("play").click()
    status = page.get_by_test_id("status")
    status.filter(has_text="Diverged").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_test_id("play").get_attribute("aria-pressed") == "false"
    with wait_for_api(page, "/training", "PATCH"):
        page.get_by_test_id("learning-rate").fill("0.01")
        page.get_by_test_id("learning-rate").press("Enter")
    settle(page)
    assert "Diverged" not in status.text_content()
    epoch = number(page, "epoch-count")
    with wait_for_api(page, "/advance"):
        page.get_by_test_id("epoch-step").click()
    settle(page)
    assert number(page, "epoch-count") == epoch + 1


def test_a_sigmoid_output_becomes_softmax_for_three_classes_in_one_undo_step(page):
    open_app(page, "out=sigmoid")
    settle(page)
    outputs = "[data-testid=network] rect[data-unit^='2,']"
    assert page.locator(outputs).count() == 1
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("dataset").select_option("three_clusters")
    settle(page)
    assert page.get_by_test_id("output").input_value() == "softmax"
    assert page.locator(outputs).count() == 3
    with wait_for_api(page, "/api/sessions", "POST"):
        page.get_by_test_id("undo").click()
    settle(page)
    assert page.get_by_test_id("output").input_value() == "sigmoid"
    assert page.locator(outputs).count() == 1
    assert page.get_by_test_id("undo").is_disabled()


def test_a_thinned_history_draws_by_epoch_with_its_exact_minimum(page, tmp_path):
    """A run past 2,000 epochs comes back with its older epochs thinned: the
    page draws what it gets against the epoch numbers, minimum marked where it is."""
    open_app(page)
    settle(page)
    long_run = {"data": {"source": "points", "train": [[-1.0, 0.5, 0], [1.0, -0.5, 1]],
                         "val": [[0.9, 0.1, 0]]},
                "network": {"hidden": []}, "training": {"lr": 0.5, "batch_size": 2}, "seed": 1}
    sid = page.request.post("/api/sessions", data=long_run).json()["session"]
    epoch = 0
    while epoch < 2500:          # one step an epoch; the server's time budget may cut a request
        answer = page.request.post(f"/api/sessions/{sid}/advance", data={"steps": 5000, "view": {"grid": 2}})
        epoch = answer.json()["counters"]["epoch"]
    exported = page.request.get(f"/api/sessions/{sid}/export").json()
    history = exported["history"]
    assert len(history["epoch"]) <= 2000 and history["epoch"][-1] == epoch and history["epoch"][0] == 1
    path = tmp_path / "long.json"
    path.write_text(json.dumps(exported))
    page.get_by_test_id("import-file").set_input_files(str(path))
    page.wait_for_function(f"() => window.crease.api.sessionId !== {sid!r} && window.crease.idle()"
                           f" && window.crease.session.frame.counters.epoch === {epoch}")
    drawn = page.evaluate("""() => {
        const el = document.getElementById('curves');
        const trace = el.data.find((t) => t.uid === 'val-loss');
        return {held: window.crease.session.history.epoch, x: Array.from(trace.x),
                marker: el.layout.shapes.map((s) => s.x0)};
    }""")
    assert drawn["held"] == history["epoch"] and drawn["x"] == history["epoch"]
    best = history["epoch"][history["val_loss"].index(min(history["val_loss"]))]
    assert best == 1 and drawn["marker"] == [best, best]    # epoch 1 is kept only as the minimum
