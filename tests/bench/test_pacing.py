"""bench/pacing.py is the page's pacing rule (static/js/pacing.js): the same
constants, and the same answers on the cases the browser test runs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import pacing
from tests.browser.test_pacing import RULE_CASES

JS = Path(__file__).resolve().parents[2] / "static" / "js" / "pacing.js"


def test_the_constants_are_the_pages():
    found = dict(re.findall(r"^export const ([A-Z_]+) = ([\d.]+);", JS.read_text(), re.M))
    assert set(found) == {"BUSY", "CALM", "BUSY_FRAMES", "CALM_FRAMES", "MAX_LEVEL", "MAX_INTERVAL_MS",
                          "MIN_STEP", "HEADROOM_USED"}
    for name, value in found.items():
        assert getattr(pacing, name) == float(value), name


def test_the_rule_gives_the_pages_answers():
    rule = pacing.Pacing()
    for frames, expected in RULE_CASES:
        for load, interval, *headroom in frames:
            headroom = headroom[0] if headroom else None
            rule.observe(pacing.busy_load(None if load is None else str(load)), interval,
                         pacing.busy_load(None if headroom is None else str(headroom)))
        assert (rule.level, round(rule.scale, 4), rule.interval_ms) == pytest.approx(expected)
    assert rule.amount({"epochs": 3}) == {"epochs": 5}          # 4.5 rounded as JavaScript does
    assert rule.amount({"steps": 7}, {"max_steps": 10}) == {"steps": 10}
    rule.reset()
    assert rule.amount({"epochs": 3}) == {"epochs": 3}
    rule.scale, rule.interval_ms = 8.3333, 500
    assert rule.amount({"epochs": 3}) == {"epochs": 25}
    assert rule.amount({"steps": 7}, {"max_steps": 10}) == {"steps": 10}
    assert rule.amount({"epochs": 30}, {"max_epochs": 100}) == {"epochs": 100}
    assert [pacing.busy_load(h) for h in ("", "x", "-1", None, "inf")] == [None] * 5
    assert (rule.delay_ms(None, 5), rule.delay_ms(1000, 1300)) == (0, 200)
