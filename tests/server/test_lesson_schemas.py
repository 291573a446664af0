"""Bad bodies of the lessons' own routes (server/lesson_schemas.py): the
hand-set probe and the softmax comparison refuse them with the error named."""
from __future__ import annotations

import pytest

from .apicheck import CheckedClient
from .test_lessons import PROBLEM1_LAYERS


@pytest.fixture
def api(app):
    return CheckedClient(app)


@pytest.mark.parametrize("body, field", [
    ({"layers": [{"W": [[1]], "W0": [0], "activation": "relu"}], "x": [1]}, "invalid_network"),
    ({"layers": [{"W": [[1]], "W0": [0], "activation": "softmax"},
                 {"W": [[1]], "W0": [0], "activation": "linear"}], "x": [1]}, "invalid_network"),
    ({"layers": PROBLEM1_LAYERS, "x": [1, 2]}, "invalid_network"),
    ({"layers": [{"W": [[1, 2]], "W0": [0], "activation": "linear"}], "x": [1]}, "invalid_network"),
    ({"layers": PROBLEM1_LAYERS, "x": [1], "target": [1, 2]}, "invalid_network"),
    ({"layers": PROBLEM1_LAYERS, "x": [1], "plot": {"lo": 2, "hi": 1}}, "invalid"),
    ({"layers": PROBLEM1_LAYERS, "x": ["1"]}, "wrong_type"),
    ({"layers": PROBLEM1_LAYERS, "x": [1], "lr": 0}, "out_of_range"),
    ({"layers": PROBLEM1_LAYERS}, "missing_field"),
])
def test_hand_probe_refuses_bad_networks(api, body, field):
    r = api.post("/api/probe", json=body)
    assert r.status_code == 400 and r.get_json()["error"] == field, r.get_json()


def test_hand_probe_two_inputs_plot_is_refused(api):
    layers = [{"W": [[1], [1]], "W0": [0], "activation": "linear"}]
    r = api.post("/api/probe", json={"layers": layers, "x": [1, 1], "plot": {"lo": 0, "hi": 1}})
    assert r.status_code == 400 and "one input" in r.get_json()["message"]


@pytest.mark.parametrize("z", [[], [1e7], ["1"]])
def test_softmax_refuses_bad_input(api, z):
    assert api.post("/api/softmax", json={"z": z}).status_code == 400
