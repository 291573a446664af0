"""Requests turned into runs and checked against them (server/runs.py): hand
edits of weights and points, a resumed session, and the settings read back
from a run."""
from __future__ import annotations

import numpy as np
import pytest

from server.runs import train_config, training_settings
from server.schemas import TrainingSettings

from . import framedecode as fd
from .apicheck import CheckedClient
from .cases import POINTS, SMALL, in_process_run
from .test_sessions import advance, create


@pytest.fixture
def api(any_app):
    return CheckedClient(any_app)


@pytest.mark.parametrize("training", [{}, {"optimizer": "adam", "lr": 0.002, "beta2": 0.99, "eps": 1e-6},
                                      {"momentum": 0.5, "weight_decay": 0.1, "batch_size": 7,
                                       "reduction": "sum", "dtype": "float32"}])
def test_the_settings_read_from_a_run_are_the_ones_it_was_made_with(training):
    settings = TrainingSettings.model_validate(training)
    run = in_process_run()
    run.set_config(train_config(settings))
    assert training_settings(run) == settings.model_dump()


def test_set_one_weight_one_bias_and_a_layer(api):
    sid, _ = create(api)
    frame = api.put(f"/api/sessions/{sid}/weights",
                    json={"layer": 0, "kind": "W", "i": 1, "j": 2, "value": -1.25}).json
    assert fd.weights(frame)[0][0][1, 2] == -1.25
    frame = api.put(f"/api/sessions/{sid}/weights",
                    json={"layer": 1, "kind": "W0", "j": 0, "value": 0.5}).json
    assert fd.weights(frame)[1][1][0] == 0.5
    W = [[0.5, -0.5, 0.25, 1.0], [1.5, 0.0, -2.0, 0.125]]
    frame = api.put(f"/api/sessions/{sid}/weights", json={"layer": 0, "W": W}).json
    assert np.array_equal(fd.weights(frame)[0][0], np.array(W))
    lines = fd.lines(frame)
    assert lines[1] is not None and lines[3][:4] != lines[2][:4]


def test_add_and_remove_points_keep_the_weights(api):
    sid, before = create(api)
    frame = api.post(f"/api/sessions/{sid}/points",
                     json={"add": [{"x": [3.0, 3.0], "label": 2}, {"x": [0, 0], "label": 0, "split": "val"}]}).json
    assert fd.same_weights(fd.weights(frame), fd.weights(before))
    assert frame["points"]["train"][-1] == [3.0, 3.0, 2] and len(frame["points"]["val"]) == 2
    assert frame["data"]["revision"] == 2 and frame["extent"][1] > 3.0   # the view grew
    frame = api.post(f"/api/sessions/{sid}/points",
                     json={"remove": [{"split": "train", "index": 0}, {"split": "val", "index": 1}]}).json
    assert frame["points"]["train"][0] == POINTS[1] and len(frame["points"]["val"]) == 1
    assert frame["data"]["revision"] == 3 and fd.predictions(frame).shape == (9,)


def test_resume_recreates_what_the_page_held(api):
    sid, _ = create(api)
    held = advance(api, sid, epochs=2)
    api.delete(f"/api/sessions/{sid}")                     # evicted
    weights = [{"W": W.astype(float).tolist(), "W0": W0.astype(float).tolist()}
               for W, W0 in fd.weights(held)]
    history = {k: held["history"][k] for k in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc")}
    body = {**SMALL, "resume": {"weights": weights, "step": held["counters"]["step"],
                                "epoch": 2, "history": history}}
    new_sid, frame = create(api, body)
    assert frame["resumed"] is True and frame["counters"]["step"] == held["counters"]["step"]
    assert frame["counters"]["epoch"] == 2 and frame["history"]["epoch"] == [1, 2]
    assert fd.same_weights(fd.weights(frame), fd.weights(held))
    assert advance(api, new_sid, epochs=1)["counters"]["epoch"] == 3
