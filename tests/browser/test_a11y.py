"""Accessibility: axe-core (vendored from npm, tests/browser/vendor/axe-core)
finds no serious or critical violations on the playground (normal, presenter
mode, with its dialogs open), on each lesson page and on the experiment
runner; the running numbers reach screen readers through a throttled live
region; classes differ by marker shape as well as colour."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.app import settle
from tests.browser.shared_page import advance_epochs, module_page, mpage, open_link  # noqa: F401

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BAD = ("serious", "critical")


def axe_problems(page, include: str | None = None) -> list[str]:
    """Serious and critical violations that axe-core reports for the page as it is now.
    axe is evaluated from the file's text: add_script_tag would insert an inline
    script, which the page's Content-Security-Policy (script-src 'self') refuses."""
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE.read_text())
    results = page.evaluate("""async (include) => {
      const r = await axe.run(include ? { include: [include] } : document,
                              { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                        nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ': ' + n.failureSummary.split('\\n').slice(1, 3).join(' ')) }));
    }""", include)
    return [f"{v['id']} ({v['impact']}): {v['help']} -> {v['nodes']}" for v in results if v["impact"] in BAD]


def test_the_vendored_axe_is_the_npm_file_with_its_licence():
    head = AXE.read_text()[:400]
    assert "axe v4." in head and "Mozilla Public" in head
    assert (AXE.parent / "LICENSE").read_text().startswith("Mozilla Public License")


def test_axe_finds_nothing_serious_on_the_playground(mpage):
    open_link(mpage, "/?data=three_clusters&hidden=6,3&act=relu,tanh")
    advance_epochs(mpage, 3)
    assert axe_problems(mpage) == []
    # with the dialogs open
    mpage.get_by_test_id("share").click()
    settle(mpage)
    assert axe_problems(mpage, "#share-dialog") == []
    mpage.keyboard.press("Escape")
    mpage.keyboard.press("?")
    assert axe_problems(mpage, "#help-dialog") == []
    mpage.keyboard.press("Escape")
    # the settings drawer and presenter mode
    mpage.keyboard.press("p")
    settle(mpage)
    assert axe_problems(mpage) == []


def test_axe_finds_nothing_serious_with_a_link_note(mpage):
    open_link(mpage, "/?lr=abc&presenter=1")
    assert mpage.get_by_test_id("link-note").is_visible()
    assert axe_problems(mpage) == []


def lesson_pages(page) -> list[str]:
    lessons = page.request.get("/api/lessons").json()["lessons"]
    assert lessons, "no lessons to check"
    return [f"/lesson/{lesson['name']}" for lesson in lessons]


def test_axe_finds_nothing_serious_on_each_lesson_and_the_runner(mpage):
    open_link(mpage, "/")
    problems = {}
    for path in [*lesson_pages(mpage), "/experiments"]:
        mpage.goto(path)
        mpage.wait_for_selector("body[data-ready=true]", timeout=30_000)
        mpage.wait_for_load_state("networkidle")
        found = axe_problems(mpage)
        if found:
            problems[path] = found
    assert problems == {}


def test_the_running_numbers_are_announced_at_most_every_two_seconds(mpage):
    open_link(mpage, "/?hidden=4")
    live = mpage.get_by_test_id("live-numbers")
    assert live.get_attribute("aria-live") == "polite"
    mpage.evaluate("""() => {
      const region = document.querySelector('[data-testid=live-numbers]');
      window.liveLog = [];
      new MutationObserver(() => window.liveLog.push([performance.now() / 1000, region.textContent]))
        .observe(region, { childList: true, characterData: true, subtree: true });
    }""")
    mpage.get_by_test_id("play").click()
    mpage.wait_for_function("() => window.liveLog.length >= 3", timeout=30_000)   # about 4 s of play
    frames = mpage.evaluate("() => window.crease.trainer.frames")
    mpage.get_by_test_id("play").click()
    settle(mpage)
    mpage.wait_for_timeout(2200)   # the last numbers follow within 2 s
    changes = mpage.evaluate("() => window.liveLog")
    assert frames > 2 * len(changes)   # many frames were drawn, few announced
    assert len(changes) >= 2
    gaps = [b[0] - a[0] for a, b in zip(changes, changes[1:])]
    assert min(gaps) >= 1.8, gaps            # throttled (the page drew many frames meanwhile)
    epoch = mpage.get_by_test_id("epoch-count").text_content()
    assert changes[-1][1].startswith(f"Epoch {epoch}.") and "Training loss" in changes[-1][1]


def test_classes_have_their_own_marker_shapes(mpage):
    open_link(mpage, "/?data=blobs_k&k=4")
    symbols = mpage.evaluate("""() => {
      const d = document.querySelector('[data-testid=plane] .plane-points').data[0];
      const seen = {};
      d.marker.symbol.forEach((s, i) => { seen[s] = d.marker.color[i]; });
      return seen;
    }""")
    assert len(symbols) == 4 and len(set(symbols.values())) == 4
