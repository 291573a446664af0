"""The settings panel shows exactly what the server runs: a refused value goes
back in its field with the reason and the limit beside it, controls that would
pass a limit are disabled with the reason, and every limit comes from the server."""
from __future__ import annotations

import json

import pytest

from playwright.sync_api import expect

from tests.browser.app import open_app, other_rate_bounds, settle, wait_for_api

SEVEN_WIDE = ",".join(["128"] * 7)   # 99,714 parameters: one layer more is 116,226


def panel_hidden(page) -> list[int]:
    return [int(page.get_by_test_id(f"layer-units-{i + 1}").input_value())
            for i in range(page.locator("[data-testid=layers] li").count())]


def server_hidden(page) -> list[int]:
    """The hidden layers of the network the server runs (the diagram's columns)."""
    return [layer["units"] for layer in page.evaluate("() => window.crease.session.frame.layers")[:-1]]


def test_one_layer_too_many_is_disabled_and_a_refused_width_rolls_back(page, shot):
    open_app(page, f"hidden={SEVEN_WIDE}")
    settle(page)
    expect(page.get_by_test_id("param-count")).to_have_text("99,714 parameters (this server allows 100,000)")
    add = page.get_by_test_id("add-layer")
    expect(add).to_be_disabled()
    assert "8 × 128 = 116,226 parameters; this server allows 100,000" in add.get_attribute("title")
    # a width that would pass the limit goes back, with the count and the limit beside the layers
    units = page.get_by_test_id("layer-units-2")
    units.fill("200")
    units.press("Enter")
    settle(page)
    message = page.get_by_test_id("refused-hidden")
    expect(message).to_have_text("128, 200, 128, 128, 128, 128, 128 units = 118,218 parameters; this server allows 100,000.")
    assert panel_hidden(page) == [128] * 7 == server_hidden(page)
    assert "hidden=" + SEVEN_WIDE in page.evaluate("() => location.search")
    message.scroll_into_view_if_needed()
    shot("refused-architecture")
    # a smaller network lifts it: the count follows, the button comes back
    units = page.get_by_test_id("layer-units-7")
    with wait_for_api(page, "/network", "PUT"):
        units.fill("4")
        units.press("Enter")
    settle(page)
    expect(page.get_by_test_id("refused-hidden")).to_have_count(0)
    expect(page.get_by_test_id("param-count")).to_have_text("83,470 parameters (this server allows 100,000)")
    expect(add).to_be_enabled()
    assert server_hidden(page) == [128] * 6 + [4]


def test_a_unit_count_over_the_servers_limit_rolls_back_with_the_limit(page):
    open_app(page, "hidden=8")
    settle(page)
    expect(page.get_by_test_id("param-count")).to_have_text("42 parameters (this server allows 100,000)")
    units = page.get_by_test_id("layer-units-1")
    units.fill("300")
    units.press("Enter")
    settle(page)
    expect(page.get_by_test_id("refused-hidden")).to_have_text("300 refused: at most 256 units per layer on this server.")
    assert panel_hidden(page) == [8] == server_hidden(page)
    # 256 is the server's limit, not the page's: taken
    with wait_for_api(page, "/network", "PUT"):
        units.fill("256")
        units.press("Enter")
    settle(page)
    assert server_hidden(page) == [256]
    expect(page.get_by_test_id("refused-hidden")).to_have_count(0)


def test_a_refused_rate_or_point_count_rolls_back_while_training_goes_on(page):
    open_app(page)
    settle(page)
    lr = page.get_by_test_id("learning-rate")
    lr.fill("100")
    lr.press("Enter")
    expect(lr).to_have_value("0.03")
    expect(page.get_by_test_id("refused-lr")).to_have_text("100 refused: at most 10 on this server.")
    points = page.get_by_test_id("points")
    points.fill("20000")
    points.press("Enter")
    expect(points).to_have_value("400")
    expect(page.get_by_test_id("refused-n")).to_have_text("20000 refused: at most 10,000 points on this server.")
    page.get_by_test_id("epoch-step").click()
    settle(page)
    assert page.evaluate("() => [window.crease.store.state.lr, window.crease.store.state.n]") == [0.03, 400]
    assert page.evaluate("() => window.crease.session.points.train.length + window.crease.session.points.val.length") == 400
    # the next good value clears the message
    lr.fill("0.1")
    lr.press("Enter")
    settle(page)
    expect(page.get_by_test_id("refused-lr")).to_have_count(0)


def test_a_link_says_why_it_ignored_an_out_of_limit_value(page):
    open_app(page, f"hidden=300&lr=100&act={','.join(['relu'] * 8)}")
    note = page.get_by_test_id("link-note")
    expect(note).to_contain_text("hidden=300: at most 256 units per layer on this server")
    expect(note).to_contain_text("lr=100: at most 10 on this server")
    open_app(page, "hidden=" + ",".join(["128"] * 8))
    settle(page)
    expect(note).to_contain_text("8 × 128 = 116,226 parameters; this server allows 100,000")
    assert server_hidden(page) == [8] == panel_hidden(page)


def test_the_page_obeys_a_server_with_other_limits(page):
    """The limits come from GET /api/datasets alone: a server that sends smaller ones is obeyed."""
    def smaller(route):
        answer = route.fetch()
        body = answer.json()
        body["limits"].update(max_units=16, max_layers=2, max_params=200)
        route.fulfill(response=answer, body=json.dumps(body))
    page.route("**/api/datasets", smaller)
    open_app(page, "hidden=20")
    note = page.get_by_test_id("link-note")
    expect(note).to_contain_text("hidden=20: at most 16 units per layer on this server")
    settle(page)
    expect(page.get_by_test_id("param-count")).to_have_text("42 parameters (this server allows 200)")
    add = page.get_by_test_id("add-layer")
    with wait_for_api(page, "/network", "PUT"):
        add.click()
    settle(page)
    expect(add).to_be_disabled()
    assert "3 hidden layers; this server allows 2" in add.get_attribute("title")
    units = page.get_by_test_id("layer-units-1")
    units.fill("17")
    units.press("Enter")
    expect(page.get_by_test_id("refused-hidden")).to_have_text("17 refused: at most 16 units per layer on this server.")
    expect(units).to_have_value("8")


def test_a_rate_below_the_least_one_is_refused_naming_it(page):
    open_app(page, "lr=0.0000001")
    expect(page.get_by_test_id("link-note")).to_contain_text("lr=0.0000001: at least 0.000001")


def test_the_rate_bounds_come_from_the_server(page):
    """The learning rate's bounds, like the limits, come from GET /api/datasets alone."""
    other_rate_bounds(page)
    open_app(page, "lr=6")
    expect(page.get_by_test_id("link-note")).to_contain_text("lr=6: at most 5 on this server")
    settle(page)
    lr = page.get_by_test_id("learning-rate")
    assert (lr.get_attribute("min"), lr.get_attribute("max")) == ("0.01", "5")
    lr.fill("0.005")
    lr.press("Enter")
    expect(page.get_by_test_id("refused-lr")).to_have_text("0.005 refused: at least 0.01.")
    expect(lr).to_have_value("0.03")


def test_more_classes_than_the_network_can_take_roll_back_with_the_count(page):
    """More classes widen the output layer: 7 × 128 with 8 classes passes the parameter limit."""
    open_app(page, f"data=blobs_k&k=2&hidden={SEVEN_WIDE}")
    settle(page)
    classes = page.get_by_test_id("classes")
    classes.fill("8")
    classes.press("Enter")
    expect(page.get_by_test_id("refused-classes")).to_have_text(
        "8 refused: with 8 classes the network has 7 × 128 = 100,488 parameters; this server allows 100,000.")
    expect(classes).to_have_value("2")
    assert page.evaluate("() => window.crease.store.state.classes") == 2
    with wait_for_api(page, "/data", "PUT"):
        classes.fill("3")
        classes.press("Enter")
    settle(page)
    assert page.evaluate("() => window.crease.session.frame.layers.at(-1).units") == 3


@pytest.mark.allow_page_errors("HTTP 400: PUT", "status of 400")
def test_a_change_the_server_refuses_rolls_back_with_its_reason(page):
    """A page that believes in more parameters than the server allows (limits
    changed since it loaded): the server refuses, and the field goes back with
    the server's reason."""
    def larger(route):
        answer = route.fetch()
        body = answer.json()
        body["limits"]["max_params"] = 1_000_000
        route.fulfill(response=answer, body=json.dumps(body))
    page.route("**/api/datasets", larger)
    open_app(page, f"data=blobs_k&k=2&hidden={SEVEN_WIDE}")
    settle(page)
    classes = page.get_by_test_id("classes")
    with wait_for_api(page, "/data", "PUT"):
        classes.fill("8")
        classes.press("Enter")
    settle(page)
    expect(classes).to_have_value("2")
    expect(page.get_by_test_id("refused-classes")).to_contain_text("The server refused: ")
    expect(page.get_by_test_id("refused-classes")).to_contain_text("100488 parameters; this server allows 100000")
    assert page.evaluate("() => window.crease.store.state.classes") == 2
    assert page.evaluate("() => window.crease.session.frame.layers.at(-1).units") == 2
    assert "k=2" in page.evaluate("() => location.search")
    expect(page.get_by_test_id("undo")).to_be_disabled()
