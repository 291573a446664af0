"""frame.js decodes what the server sends (the server side: tests/server/framedecode.py)."""
from __future__ import annotations

from tests.browser.app import open_app


def test_active_counts_read_past_255_units(page):
    open_app(page)
    units = 256   # every first-layer unit with W = 0, W0 = 1: z = 1 > 0 in every cell
    weights = [{"W": [[0] * units] * 2, "W0": [1] * units}, {"W": [[0, 0]] * units, "W0": [0, 0]}]
    body = {"network": {"hidden": [units], "activations": ["relu"]}, "resume": {"weights": weights},
            "view": {"grid": 20, "include": ["active"]}}
    decoded = page.evaluate("""async (body) => {
        const {decodeActive} = await import('/static/js/frame.js');
        const answer = await fetch('/api/sessions', {method: 'POST', body: JSON.stringify(body),
                                                     headers: {'Content-Type': 'application/json'}});
        const active = await decodeActive((await answer.json()).frame.active);
        return {units: active.units, cells: active.counts.length,
                counts: Array.from(new Set(active.counts))};
    }""", body)
    assert decoded == {"units": units, "cells": 400, "counts": [units]}
