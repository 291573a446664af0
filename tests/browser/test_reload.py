"""Reload, Back/Forward and a reopened tab resume this tab's run (issue 12,
point 1): from the server's session when it is still there (the next steps
are those of an uninterrupted run), else from the page's own copy, else a
fresh start that says so; two tabs stay independent; leaving with drawn data
the URL cannot bring back asks first."""
from __future__ import annotations

import pytest

from tests.browser.app import READY, number, open_app, point_count, settle
from tests.browser.shared_page import advance_epochs, counters, exact_weights

LINK = "data=moons&hidden=6,3&seed=5&opt=adam&batch=16"


def uninterrupted(page, epochs: int) -> list:
    """The weights of the link's run after `epochs`, trained without a break in a fresh page."""
    other = page.context.new_page()
    open_app(other, LINK)
    advance_epochs(other, epochs)
    weights = exact_weights(other)
    other.close()
    return weights


def reloaded(page) -> None:
    page.reload()
    page.wait_for_selector(READY, timeout=30_000)
    settle(page)


def test_a_reload_resumes_the_run_and_goes_on_as_if_nothing_happened(page, shot):
    open_app(page, LINK)
    advance_epochs(page, 5)
    page.get_by_test_id("step").click()          # mid-epoch: the shuffle and Adam's moments matter
    settle(page)
    before = exact_weights(page), counters(page), page.evaluate("() => window.crease.session.history")
    reloaded(page)
    assert (exact_weights(page), counters(page), page.evaluate("() => window.crease.session.history")) == before
    assert number(page, "epoch-count") == 5
    assert "Resumed this tab's run" in page.get_by_test_id("status").text_content()
    shot("reload-resumed")
    page.get_by_test_id("epoch-step").click()    # finishes epoch 6
    settle(page)
    advance_epochs(page, 2)
    assert counters(page)["epoch"] == 8
    assert exact_weights(page) == uninterrupted(page, 8)


def test_back_and_forward_come_back_to_the_run(page):
    open_app(page, LINK)
    advance_epochs(page, 4)
    weights = exact_weights(page)
    page.goto("/experiments", wait_until="networkidle")   # left once it has loaded: nothing aborted
    page.go_back()
    page.wait_for_selector(READY, timeout=30_000)
    settle(page)
    assert counters(page)["epoch"] == 4 and exact_weights(page) == weights
    page.go_forward(wait_until="networkidle")
    page.go_back()
    page.wait_for_selector(READY, timeout=30_000)
    settle(page)
    assert counters(page)["epoch"] == 4 and exact_weights(page) == weights


def test_a_link_opened_in_the_tab_starts_what_it_says(page):
    open_app(page, LINK)
    advance_epochs(page, 3)
    open_app(page, LINK)                          # typed or pasted again: a new start, not a resume
    settle(page)
    assert counters(page)["epoch"] == 0


def test_two_tabs_keep_their_own_runs(page):
    open_app(page, LINK)
    advance_epochs(page, 3)
    other = page.context.new_page()
    open_app(other, LINK)
    advance_epochs(other, 1)
    reloaded(page)
    reloaded(other)
    assert counters(page)["epoch"] == 3 and counters(other)["epoch"] == 1
    other.close()


def test_a_duplicated_tab_goes_on_with_its_own_copy(page):
    open_app(page, LINK)
    advance_epochs(page, 2)
    weights, sid = exact_weights(page), page.evaluate("() => window.crease.api.sessionId")
    page.evaluate("() => window.dispatchEvent(new Event('pagehide'))")   # writes what the tab keeps
    runs = page.evaluate("() => sessionStorage.getItem('crease-tab-runs')")
    # a duplicate: another tab whose history step back finds the original's storage
    dup = page.context.new_page()
    open_app(dup, LINK)
    dup.goto("/experiments")
    dup.evaluate("(runs) => sessionStorage.setItem('crease-tab-runs', runs)", runs)
    dup.go_back()
    dup.wait_for_selector(READY, timeout=30_000)
    settle(dup)
    assert dup.evaluate("() => window.crease.api.sessionId") != sid
    assert exact_weights(dup) == weights and counters(dup)["epoch"] == 2
    assert "another tab" in dup.get_by_test_id("status").text_content()
    advance_epochs(dup, 1)
    assert page.request.get(f"/api/sessions/{sid}").json()["frame"]["counters"]["epoch"] == 2
    dup.close()


@pytest.mark.allow_page_errors("status of 404", "HTTP 404")
def test_a_run_the_server_let_go_comes_back_from_the_page_copy(page):
    open_app(page, LINK)
    advance_epochs(page, 3)
    page.get_by_test_id("draw").click()
    box = page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.wait_for_function("() => window.crease.session.points.train.length === 301")
    settle(page)
    weights, points = exact_weights(page), page.evaluate("() => window.crease.session.points")
    sid = page.evaluate("() => window.crease.api.sessionId")
    page.on("dialog", lambda dialog: dialog.accept())   # the drawn point: "leave the page?"
    reloaded(page)
    assert page.request.delete(f"/api/sessions/{sid}").status in (204, 404)
    reloaded(page)
    assert page.evaluate("() => window.crease.api.sessionId") != sid
    assert "recreated it from its own copy" in page.get_by_test_id("status").text_content()
    assert exact_weights(page) == weights and counters(page)["epoch"] == 3
    assert page.evaluate("() => window.crease.session.points") == points
    assert point_count(page) == 301


@pytest.mark.allow_page_errors("status of 404", "HTTP 404")
def test_a_run_nobody_has_any_more_starts_fresh_with_a_note(page, shot):
    open_app(page, LINK)
    advance_epochs(page, 3)
    sid = page.evaluate("() => window.crease.api.sessionId")
    # the page's copy lost (as when it did not fit the browser's storage), then the server's session
    page.evaluate("""() => {
      const lose = () => {
        const runs = JSON.parse(sessionStorage.getItem('crease-tab-runs'));
        for (const run of runs) delete run.copy;
        sessionStorage.setItem('crease-tab-runs', JSON.stringify(runs));
      };
      window.addEventListener('pagehide', lose);
      document.addEventListener('visibilitychange', lose);
    }""")
    assert page.request.delete(f"/api/sessions/{sid}").status == 204
    reloaded(page)
    assert counters(page)["epoch"] == 0
    note = page.get_by_test_id("link-note")
    assert note.is_visible() and "run is gone" in note.text_content()
    shot("reload-run-gone")


def test_leaving_with_drawn_points_asks_first(page):
    open_app(page)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)             # nothing drawn: no question
    page = page.context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    open_app(page)
    page.get_by_test_id("draw").click()
    box = page.locator("[data-testid=plane] .plane-points .nsewdrag").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.wait_for_function("() => window.crease.session.points.train.length === 301")
    settle(page)
    page.close(run_before_unload=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert not page.is_closed()                    # dismissed: the page stays


def test_back_to_an_earlier_link_finds_its_run(page):
    open_app(page, LINK)
    advance_epochs(page, 3)
    weights = exact_weights(page)
    open_app(page, "data=xor&seed=3")
    advance_epochs(page, 1)
    page.go_back()
    page.wait_for_selector(READY, timeout=30_000)
    settle(page)
    assert counters(page)["epoch"] == 3 and exact_weights(page) == weights
    page.go_forward()
    page.wait_for_selector(READY, timeout=30_000)
    settle(page)
    assert counters(page)["epoch"] == 1


def test_a_link_opened_again_lets_its_old_session_go(page):
    open_app(page, LINK)
    advance_epochs(page, 1)
    old = page.evaluate("() => window.crease.api.sessionId")
    open_app(page, LINK)                             # nothing can resume the old run now
    settle(page)
    for _ in range(100):                              # the DELETE is sent without waiting
        if page.request.get(f"/api/sessions/{old}").status == 404:
            break
        page.wait_for_timeout(100)
    assert page.request.get(f"/api/sessions/{old}").status == 404
    assert page.evaluate("() => window.crease.api.sessionId") != old
