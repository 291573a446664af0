"""forward.js, the page's own forward pass (hover read-outs), against the engine's."""
from __future__ import annotations

import pytest

from tests.browser.app import open_app, settle


def test_the_pages_forward_pass_matches_the_engines(page):
    open_app(page, "hidden=5,4&act=relu,tanh&data=three_clusters")
    settle(page)
    for _ in range(3):
        page.get_by_test_id("epoch-step").click()
        settle(page)
    sid = page.evaluate("() => window.crease.api.sessionId")
    for x in ([0.3, -1.2], [-2.5, 2.0], [4.0, 4.0], [0.0, 0.0]):
        engine = page.request.post(f"/api/sessions/{sid}/probe", data={"x": x}).json()["output"]["probs"]
        mine = page.evaluate("""async (x) => {
            const {classProbabilities} = await import('/static/js/forward.js');
            const f = window.crease.session.frame;
            return classProbabilities(f.weights, f.layers, x);
        }""", x)
        assert mine == pytest.approx(engine, abs=2e-6), x


def test_a_sigmoid_output_reads_as_two_class_probabilities(page):
    open_app(page, "out=sigmoid&hidden=3")
    settle(page)
    sid = page.evaluate("() => window.crease.api.sessionId")
    engine = page.request.post(f"/api/sessions/{sid}/probe", data={"x": [1.5, -0.5]}).json()["output"]["probs"]
    mine = page.evaluate("""async () => {
        const {classProbabilities} = await import('/static/js/forward.js');
        const f = window.crease.session.frame;
        return classProbabilities(f.weights, f.layers, [1.5, -0.5]);
    }""")
    assert len(mine) == 2 and mine == pytest.approx(engine, abs=2e-6)
