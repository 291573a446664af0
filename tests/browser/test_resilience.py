"""A session the server let go is recreated from the page, its weights bit for
bit (as undo brings them back); a lost request is retried."""
from __future__ import annotations

import pytest

from tests.browser.app import number, open_app, settle, wait_for_api
from tests.browser.shared_page import advance_epochs, counters, exact_weights


@pytest.mark.allow_page_errors("status of 404", "HTTP 404")
def test_an_evicted_session_is_resumed_with_its_weights_and_epoch(page):
    open_app(page)
    settle(page)
    for _ in range(2):
        with wait_for_api(page, "/advance"):
            page.get_by_test_id("epoch-step").click()
    settle(page)
    old = page.evaluate("() => window.crease.api.sessionId")
    assert page.request.delete(f"/api/sessions/{old}").status == 204
    with wait_for_api(page, "/api/sessions", "POST") as created:
        page.get_by_test_id("step").click()
    assert created.value.status == 201
    assert created.value.request.post_data_json["resume"]["epoch"] == 2
    settle(page)
    assert page.evaluate("() => window.crease.api.sessionId") != old
    assert "Resumed" in page.get_by_test_id("status").text_content()
    assert number(page, "epoch-count") == 2


@pytest.mark.allow_page_errors("request failed: POST", "net::ERR_FAILED", "net::ERR_INTERNET_DISCONNECTED")
def test_a_network_error_is_retried_with_notice(page):
    open_app(page)
    settle(page)
    failures = {"left": 2}

    def flaky(route):
        if failures["left"] > 0:
            failures["left"] -= 1
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/advance", flaky)
    page.get_by_test_id("epoch-step").click()
    page.get_by_test_id("status").filter(has_text="retrying").wait_for()
    settle(page)
    assert failures["left"] == 0
    assert number(page, "epoch-count") == 1


@pytest.mark.allow_page_errors("status of 404", "HTTP 404")
def test_a_resumed_float64_run_has_bit_identical_weights(page):
    open_app(page, "data=moons&hidden=6")
    advance_epochs(page, 3)
    held = exact_weights(page)
    old = page.evaluate("() => window.crease.api.sessionId")
    assert page.request.delete(f"/api/sessions/{old}").status == 204
    page.evaluate("() => window.crease.session.refresh()")   # 404: recreated from the page's copy
    settle(page)
    assert page.evaluate("() => window.crease.api.sessionId") != old
    assert exact_weights(page) == held


def test_undo_brings_back_bit_identical_weights(page):
    open_app(page, "data=moons&hidden=6")
    advance_epochs(page, 3)
    held = exact_weights(page)
    page.evaluate("() => window.crease.store.set({ hidden: [3, 3] })")
    settle(page)
    assert exact_weights(page) != held
    page.get_by_test_id("undo").click()
    settle(page)
    assert page.evaluate("() => window.crease.store.state.hidden") == [6]
    assert exact_weights(page) == held
    assert counters(page)["epoch"] == 3
