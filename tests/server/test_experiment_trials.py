"""Every trial at once: small multiples as the trials finish, with their
verdicts, and any finished trial opened in the playground exactly (same split,
weights, epoch and optimiser state); the bound on the kept trial states."""
from __future__ import annotations

import base64
import zlib

import numpy as np
import pytest

from engine.experiment.harness import prepare_data, trial_seeds
from engine.experiment.summary import verdicts
from engine.network import NetworkSpec, layer_params
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig
from server.session_blob import Session

from . import framedecode as fd
from .apicheck import CheckedClient
from .test_experiments import drive, results, start

# the 6.1 preset, small: one hidden layer of 2 units, 8 trials
BODY = {"data": {"source": "generated", "name": "clusters", "n": 120}, "architectures": [[2]],
        "epochs": 6, "trials": 8, "seed": 11}


@pytest.fixture
def api(app):
    return CheckedClient(app)


def trials_of(api, eid: str, grid: int = 16) -> dict:
    r = api.get(f"/api/experiments/{eid}/trials?grid={grid}")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def trial_run(trial: int, steps: int) -> Run:
    """Trial ``trial`` of BODY trained straight through ``steps`` minibatch steps, in the engine."""
    X_tr, y_tr, X_val, y_val, k = prepare_data("clusters", None, 0.25, BODY["seed"], 120)
    spec = NetworkSpec(2, (2,), ("relu",), "softmax", k, init="pytorch")
    config = TrainConfig(optimizer=OptimizerSpec.torch_adam(), batch_size=32, reduction="mean",
                         shuffle=False, epoch_loss="batch_means")
    run = Run(spec, X_tr, y_tr, X_val, y_val, config, trial_seeds(BODY["seed"], 8)[trial])
    run.train_steps(steps)
    return run


def test_multiples_arrive_as_trials_finish_and_match_the_results(api):
    status = start(api, BODY)
    eid = status["experiment"]
    assert trials_of(api, eid)["architectures"][0]["trials"] == []
    drive(api, {**status, "parts": status["parts"][:1]}, budget_ms=200)   # part 0: trials 0 and 1
    partial = trials_of(api, eid)
    assert not partial["done"] and [t["trial"] for t in partial["architectures"][0]["trials"]] == [0, 1]
    drive(api, status, budget_ms=200)
    got = trials_of(api, eid)
    arch = got["architectures"][0]
    assert got["done"] and arch["trials_requested"] == 8 and arch["hidden"] == [2]
    reported = results(api, eid)["architectures"][0]["trials"]
    assert [t["trial"] for t in arch["trials"]] == list(range(8))
    assert [t["final_val_acc"] for t in arch["trials"]] == [t["final_val_acc"] for t in reported]
    assert [t["verdict"] for t in arch["trials"]] == verdicts(reported)
    for t in arch["trials"]:
        grid = t["grid"]
        planes = zlib.decompress(base64.b64decode(grid["data"]))
        assert grid["resolution"] == 16 and len(planes) == 2 * 16 * 16 and set(planes[:256]) <= {0, 1}
        W, W0 = (np.array(a) for a in layer_params(trial_run(t["trial"], 6 * 3).model)[0])
        assert t["lines"] == [[W[0, j], W[1, j], W0[j, 0]] for j in range(2)]
    assert len(got["points"]["train"]) == 90 and len(got["points"]["val"]) == 30


def test_the_multiples_grid_is_fitted_to_the_frame_budget(make_app):
    api = CheckedClient(make_app(FRAME_BUDGET_MS=1))
    status = start(api, {**BODY, "architectures": [[200]], "trials": 4})
    drive(api, status, budget_ms=400)
    got = trials_of(api, status["experiment"], grid=200)
    drawn = got["degraded"]["drawn"]["grid"]
    assert drawn < 200 and got["degraded"]["asked"] == {"grid": 200}
    assert {t["grid"]["resolution"] for t in got["architectures"][0]["trials"]} == {drawn}


def test_an_opened_trial_is_that_trial_exactly_and_trains_on_as_it_would_have(any_app):
    api, app = CheckedClient(any_app), any_app
    status = start(api, BODY)
    drive(api, status, budget_ms=200)
    r = api.post(f"/api/experiments/{status['experiment']}/open", json={"architecture": 0, "trial": 5})
    assert r.status_code == 201, r.get_json()
    opened = r.get_json()
    assert (opened["trial"], opened["epoch"], opened["step"]) == (5, 6, 18)
    sid = opened["session"]
    expected = trial_run(5, 18)
    run = Session.from_bytes(app.extensions["crease"].store.get(sid)).run
    for name in ("X_train", "y_train", "X_val", "y_val"):
        assert np.array_equal(getattr(run, name), getattr(expected, name)), name
    assert fd.same_weights(fd.exact(layer_params(run.model)), fd.exact(layer_params(expected.model)))
    assert (run.epoch, run.step, run.seed) == (6, 18, expected.seed)
    info = api.get(f"/api/sessions/{sid}").get_json()
    assert info["settings"]["network"]["hidden"] == [2] and info["frame"]["counters"]["epoch"] == 6
    frame = api.post(f"/api/sessions/{sid}/advance", json={"steps": 7}).get_json()
    expected.train_steps(7)      # Adam's moments came along: the same as continuing the trial
    assert frame["counters"]["step"] == 25
    assert fd.same_weights(fd.weights(frame), fd.exact(layer_params(expected.model)))


def test_open_refuses_what_is_not_a_finished_trial(api):
    status = start(api, BODY)
    eid = status["experiment"]
    r = api.post(f"/api/experiments/{eid}/open", json={"architecture": 0, "trial": 0})
    assert r.status_code == 409 and r.get_json()["field"] == "trial", r.get_json()
    for body, field in (({"architecture": 1, "trial": 0}, "architecture"),
                        ({"architecture": 0, "trial": 8}, "trial"),
                        ({"architecture": 0, "trial": -1}, "trial"),
                        ({"architecture": 0}, "trial"),
                        ({"architecture": "0", "trial": 0}, "architecture")):
        r = api.post(f"/api/experiments/{eid}/open", json=body)
        assert r.status_code == 400 and r.get_json()["field"] == field, (body, r.get_json())
    missing = "A" * 22
    assert api.post(f"/api/experiments/{missing}/open", json={"architecture": 0, "trial": 0}).status_code == 404
    assert api.get(f"/api/experiments/{missing}/trials").status_code == 404
    assert api.get(f"/api/experiments/{eid}/trials?grid=5").status_code == 400


def test_keeping_every_trial_is_bounded_by_trial_weights_kb(make_app):
    small = CheckedClient(make_app(TRIAL_WEIGHTS_KB=64))
    assert small.post("/api/experiments", json=BODY).status_code == 201
    r = small.post("/api/experiments", json={**BODY, "architectures": [[100, 100]], "trials": 3})
    answer = r.get_json()
    assert r.status_code == 400 and answer["field"] == "trials", answer
    assert "TRIAL_WEIGHTS_KB" in answer["message"] and "64 KB" in answer["message"]


def test_each_architecture_has_its_own_multiples_and_no_hidden_layer_draws_no_lines(api):
    status = start(api, {**BODY, "architectures": [[], [3, 2]], "trials": 2})
    drive(api, status, budget_ms=200)
    got = trials_of(api, status["experiment"])
    none, deep = got["architectures"]
    assert (none["hidden"], deep["hidden"]) == ([], [3, 2])
    assert [t["lines"] for t in none["trials"]] == [[], []]
    assert [len(t["lines"]) for t in deep["trials"]] == [3, 3]      # the first hidden layer's units
    assert all(t["verdict"] in ("fine", "poor", "stuck") for a in got["architectures"] for t in a["trials"])
