"""A session the server let go is recreated from the page; a lost request is retried."""
from __future__ import annotations

import pytest

from tests.browser.app import number, open_app, settle, wait_for_api


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
