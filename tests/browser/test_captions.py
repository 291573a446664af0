"""Captions and counts follow the state they describe: data set display names
(from GET /api/datasets, identifiers in the URL), the data panel after drawing
and uploading, the diagram's column captions after a change of activation."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.browser.app import open_app, point_count, settle, sign_grid, upload_lines, wait_for_api


def data_line(page) -> str:
    return page.get_by_test_id("data-source").text_content()


def test_data_sets_are_shown_by_their_display_names_and_linked_by_identifier(page, shot):
    open_app(page)
    settle(page)
    datasets = page.request.get("/api/datasets").json()["datasets"]
    shown = page.eval_on_selector_all("[data-testid=dataset] option:not([hidden])",
                                      "els => els.map(e => [e.value, e.textContent])")
    assert shown == [[d["name"], d["title"]] for d in datasets]
    assert dict(shown)["spiral_k"] == "Spiral (k classes)"
    with wait_for_api(page, "/data", "PUT"):
        page.get_by_test_id("dataset").select_option(label="Three clusters")
    settle(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('data') === 'three_clusters'")
    assert parse_qs(urlparse(page.url).query)["data"] == ["three_clusters"]
    assert data_line(page).startswith("Three clusters: ")
    shot("dataset-display-name")


def test_drawing_a_point_updates_the_point_count(page):
    open_app(page)
    settle(page)
    before = point_count(page, "train")
    assert f"{before} training + " in data_line(page)
    page.get_by_test_id("draw").click()
    box = page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    with wait_for_api(page, "/points", "POST"):
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    settle(page)
    assert point_count(page, "train") == before + 1
    assert f"{before + 1} training + " in data_line(page)


def test_after_an_upload_the_data_panel_describes_the_file(page, tmp_path, shot):
    open_app(page, "data=spiral")
    settle(page)
    upload_lines(page, tmp_path, sign_grid(4))
    settle(page)
    chosen = page.eval_on_selector("[data-testid=dataset]", "el => el.selectedOptions[0].textContent")
    assert chosen == "grid.txt (uploaded)"
    assert "spiral" not in page.locator("#dataset-description").text_content().lower()
    assert page.get_by_test_id("points").input_value() == str(len(sign_grid(4)))
    assert page.get_by_test_id("noise").input_value() == ""
    assert page.get_by_test_id("points").is_disabled() and page.get_by_test_id("noise").is_disabled()
    assert "From grid.txt: " in data_line(page)
    shot("data-panel-after-upload")
    with wait_for_api(page, "/data", "PUT"):       # back to a built-in set: its own name, size and noise
        page.get_by_test_id("dataset").select_option("moons")
    settle(page)
    assert data_line(page).startswith("Moons: ")
    assert page.get_by_test_id("points").is_enabled() and page.get_by_test_id("noise").input_value() == "0.2"


def test_the_diagram_captions_follow_a_change_of_activation(page):
    open_app(page)
    settle(page)
    captions = "[data-testid=network] .column-label"
    first = page.locator(captions).nth(1)
    assert first.text_content().endswith("relu")
    with wait_for_api(page, "/network", "PUT"):
        page.get_by_test_id("layer-activation-1").select_option("tanh")
    settle(page)
    assert first.text_content().endswith("tanh")


def test_the_experiment_runner_lists_data_sets_by_display_name(page):
    page.goto("/experiments")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    titles = {d["name"]: d["title"] for d in page.request.get("/api/datasets").json()["datasets"]}
    shown = page.eval_on_selector_all("[data-testid=dataset] option", "els => els.map(e => [e.value, e.textContent])")
    assert shown and all(text == titles[value] for value, text in shown), shown
