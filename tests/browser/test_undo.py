"""Undo covers everything a user can do to the run: each change undoes to the
exact previous run (settings, points, weights, counters, history) in one step,
and says what it undid."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.app import open_app, settle, wait_for_api

POINTS_FILE = "\n".join(f"{x} {y} {int(x > 0)}" for x, y in
                        [(-2, 1), (-1.5, -1), (-1, 0.5), (-0.5, 2), (0.5, -2), (1, 1), (1.5, -0.5), (2, 0)])


def run_now(page) -> dict:
    """What the page holds of the run: every part an undo has to bring back."""
    return page.evaluate("""() => {
      const { store, session } = window.crease;
      return {
        state: store.state,
        points: session.points,
        weights: session.frame.weights.map((l) => ({ W: Array.from(l.W), W0: Array.from(l.W0) })),
        counters: session.frame.counters,
        history: session.history,
        undoDepth: session.undoStack.length,
      };
    }""")


def plane_xy(page, fx: float, fy: float) -> tuple[float, float]:
    box = page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy


def draw_point(page):
    page.get_by_test_id("draw").click()
    with wait_for_api(page, "/points", "POST"):
        page.mouse.click(*plane_xy(page, 0.2, 0.2))
    page.get_by_test_id("draw").click()


def remove_point(page):
    page.get_by_test_id("draw").click()
    with wait_for_api(page, "/points", "POST"):
        page.keyboard.down("Shift")
        page.mouse.click(*plane_xy(page, 0.5, 0.5))
        page.keyboard.up("Shift")
    page.get_by_test_id("draw").click()


def edit_weight(page):
    with wait_for_api(page, "/weights", "PUT"):
        page.evaluate("() => window.crease.network.callbacks.onEdit({ layer: 1, kind: 'W', i: 0, j: 1, value: 2.5 })")


def apply_inspector_step(page):
    page.mouse.click(*plane_xy(page, 0.7, 0.3))
    page.wait_for_function("() => document.querySelector('[data-testid=step-1]')")
    with wait_for_api(page, "/probe/apply", "POST"):
        page.get_by_test_id("inspector-apply").click()


def reset(page):
    with wait_for_api(page, "/reset", "POST"):
        page.get_by_test_id("reset").click()


def add_layer(page):
    with wait_for_api(page, "/network", "PUT"):
        page.get_by_test_id("add-layer").click()


def change_dataset(page):
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("dataset").select_option("moons")


def upload(page):
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("upload").set_input_files(
            files=[{"name": "eight.txt", "mimeType": "text/plain", "buffer": POINTS_FILE.encode()}])


ACTIONS = [(draw_point, "drawn point"), (remove_point, "removed point"), (edit_weight, "weight edit"),
           (apply_inspector_step, "inspector step"), (reset, "reset"), (add_layer, "architecture change"),
           (change_dataset, "data change"), (upload, "upload of eight.txt")]


@pytest.mark.parametrize("action,label", ACTIONS, ids=[label for _, label in ACTIONS])
def test_each_change_undoes_to_the_exact_previous_run_in_one_step(page, action, label):
    open_app(page, "hidden=3&lr=0.1")
    settle(page)
    page.get_by_test_id("epoch-step").click()
    settle(page)
    page.get_by_test_id("epoch-step").click()
    settle(page)
    before = run_now(page)
    action(page)
    settle(page)
    changed = run_now(page)
    assert changed != before, f"{label} changed nothing"
    assert changed["undoDepth"] == before["undoDepth"] + 1, f"{label} is not one undo step"
    undo = page.get_by_test_id("undo")
    assert undo.get_attribute("title") == f"Undo the last {label}"
    with wait_for_api(page, "/sessions", "POST"):
        undo.click()
    settle(page)
    expect(page.get_by_test_id("status")).to_contain_text(f"Undone: {label}.")
    after = run_now(page)
    for part in ["state", "points", "weights", "counters", "history"]:
        assert after[part] == before[part], f"undoing the {label} did not bring back the {part}"
    page.wait_for_function("() => location.search === '?hidden=3&lr=0.1'")
    assert page.get_by_test_id("upload").input_value() == "", "the file input still shows a file not in use"
