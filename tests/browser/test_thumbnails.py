"""Thumbnails while playing: most advance frames reuse the last ones (they are
most of a frame's bytes and server time), and pausing draws current ones."""
from __future__ import annotations

import json
import time

from tests.browser.app import open_app, settle


def test_play_asks_for_thumbnails_on_every_fourth_frame_and_pause_refreshes_them(page):
    open_app(page, "data=circle&hidden=6&act=relu")
    settle(page)
    includes: list[list[str]] = []
    page.on("request", lambda r: includes.append(json.loads(r.post_data or "{}").get("view", {}).get("include", []))
            if r.url.endswith("/advance") else None)
    page.get_by_test_id("play").click()
    deadline = time.monotonic() + 30
    while len(includes) < 12 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    page.get_by_test_id("play").click()
    settle(page)
    asked = ["thumbnails" in inc for inc in includes]
    assert len(asked) >= 12, asked
    # the page holds thumbnails from the start, so the play loop asks on every fourth frame
    assert asked[:8] == [False, False, False, True] * 2, asked
    assert 0.15 <= sum(asked) / len(asked) <= 0.35, asked
    # after the pause the diagram's thumbnails are those of the final weights
    fresh = page.evaluate("""async () => {
        const c = window.crease;
        const frame = c.session.frame;
        const answer = await c.api.frame({ view: c.session.view() });
        const held = frame.thumbnails.map((t) => Array.from(t.data));
        return { stale: Boolean(frame.thumbnailsStale), same: JSON.stringify(held) ===
                 JSON.stringify(answer.thumbnails.map((t) => Array.from(atob(t.data), (ch) => ch.charCodeAt(0)))) };
    }""")
    assert fresh == {"stale": False, "same": True}


def test_a_single_step_gets_current_thumbnails(page):
    open_app(page, "data=circle&hidden=4&act=relu")
    settle(page)
    seen = []
    page.on("request", lambda r: seen.append("thumbnails" in json.loads(r.post_data or "{}")
                                            .get("view", {}).get("include", []))
            if r.url.endswith("/advance") else None)
    for _ in range(3):
        page.get_by_test_id("step").click()
        settle(page)
    assert seen == [True, True, True]
    assert page.evaluate("() => Boolean(window.crease.session.frame.thumbnailsStale)") is False
