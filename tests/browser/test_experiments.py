"""The experiment runner (/experiments) tells the truth about a run: mid-run the
text and the bar say the same, and Cancel leaves a consistent screen (how many
trials finished, the bar stopped, those trials' results marked partial, nothing
left of the run before)."""
from __future__ import annotations

import math
import re

from playwright.sync_api import expect

from tests.browser.app import READY, other_rate_bounds

# Every change of the bar, with the text shown beside it at that moment.
WATCH = """() => {
  window.progressPairs = [];
  const bar = document.querySelector('[data-testid=progress-bar]');
  new MutationObserver(() => window.progressPairs.push([Number(bar.getAttribute('aria-valuenow')),
      document.querySelector('[data-testid=progress-text]').textContent]))
    .observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
}"""


def js_round(x: float) -> int:
    """Math.round (halves up), not Python's round (halves to even)."""
    return math.floor(x + 0.5)


def form(page, architectures: str, epochs: int, trials: int) -> None:
    page.goto("/experiments")
    page.wait_for_selector(READY)
    page.get_by_test_id("arch-2").uncheck()
    page.get_by_test_id("typed-architectures").fill(architectures)
    page.get_by_test_id("epochs").fill(str(epochs))
    page.get_by_test_id("trials").fill(str(trials))


def test_cancel_leaves_a_consistent_screen_and_progress_text_matches_the_bar(page, shot):
    # a first run to the end: its "all done" results are on the screen
    form(page, "3", 5, 2)
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("results")).to_contain_text("Results: 2 trials, all done", timeout=60_000)
    # a long one, cancelled once some trials have finished
    page.get_by_test_id("typed-architectures").fill("5; 6")
    page.get_by_test_id("epochs").fill("150")
    page.get_by_test_id("trials").fill("20")
    page.evaluate(WATCH)
    page.get_by_test_id("run").click()
    expect(page.get_by_test_id("results")).not_to_contain_text("all done")
    page.wait_for_function("() => /\\((?:[1-9]|1\\d) of 40 trials complete\\)/.test("
                           "document.querySelector('[data-testid=progress-text]').textContent)", timeout=120_000)
    page.get_by_test_id("cancel").click()
    status = page.get_by_test_id("status")
    expect(status).to_contain_text("Cancelled after ")
    finished = int(re.fullmatch(r"Cancelled after (\d+) of 40 trials\.", status.text_content()).group(1))
    assert 1 <= finished < 40
    text = page.get_by_test_id("progress-text")
    expect(text).to_contain_text(f"Cancelled after {finished} of 40 trials · stopped at ")
    bar = page.get_by_test_id("progress-bar")
    expect(bar).to_have_class(re.compile(r"\bstopped\b"))
    results = page.get_by_test_id("results")
    expect(results).to_contain_text(f"Results: {finished} trials, partial")
    expect(results).not_to_contain_text("all done")
    stopped_at = bar.get_attribute("aria-valuenow")
    page.wait_for_timeout(1500)      # parts that were in flight must not move the bar on
    assert bar.get_attribute("aria-valuenow") == stopped_at
    shown_at = re.search(r"stopped at ([\d.]+)% of the training", text.text_content()).group(1)
    assert js_round(float(shown_at)) == int(stopped_at)
    shot("experiment-cancelled")
    # mid-run, the text said what the bar showed
    pairs = page.evaluate("window.progressPairs")
    assert len(pairs) >= 3
    for value, shown in pairs:
        match = re.match(r"Training ([\d.]+)% done \((\d+) of 40 trials complete\)", shown)
        assert match, shown
        assert js_round(float(match.group(1))) == value, (value, shown)


def test_the_rate_field_is_bounded_by_the_server(page):
    other_rate_bounds(page)
    page.goto("/experiments")
    page.wait_for_selector(READY)
    lr = page.get_by_test_id("lr")
    assert (lr.get_attribute("min"), lr.get_attribute("max")) == ("0.01", "5")
