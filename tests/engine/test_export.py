"""Exports read back exactly: the .npz of the homework's arrays, and a whole
run as JSON."""
import io
import json

import numpy as np
import pytest

from engine.checkpoint import CheckpointError
from engine.datasets import generate
from engine.export import npz_bytes, read_npz, run_export, run_import
from engine.network import NetworkSpec, build_network, layer_params
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig


def test_npz_holds_the_homework_arrays_and_the_spec():
    spec = NetworkSpec(hidden=(8,), activations=("relu",), n_classes=3)
    params = layer_params(build_network(spec, np.random.default_rng(0)))
    data = npz_bytes(spec, params)
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        assert sorted(z.files) == ["W01", "W02", "W1", "W2", "spec"]
        assert z["W1"].shape == (2, 8) and z["W01"].shape == (8, 1) and z["W2"].shape == (8, 3)
        assert json.loads(str(z["spec"])) == {"input_dim": 2, "hidden": [8], "activations": ["relu"],
                                              "output": "softmax", "n_classes": 3, "init": "homework"}
    spec_dict, back = read_npz(data)
    assert NetworkSpec(**spec_dict) == spec
    for (W, W0), (W_, W0_) in zip(params, back):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_)


# ---- JSON: a whole run, exactly ------------------------------------------------------

def _trained_run():
    X, y = generate("moons", 40, 0.2, np.random.default_rng(0))
    spec = NetworkSpec(hidden=(4, 3), activations=("relu", "tanh"), n_classes=2)
    config = TrainConfig(optimizer=OptimizerSpec.torch_adam(lr=0.01), batch_size=7)
    run = Run(spec, X[:, :30], y[:30], X[:, 30:], y[30:], config, seed=11)
    run.train_steps(13)           # mid-epoch: the shuffle order and Adam's moments matter
    return run


def test_json_export_is_readable_and_imports_exactly():
    run = _trained_run()
    doc = json.loads(json.dumps(run_export(run), allow_nan=False))
    assert doc["network"] == {"input_dim": 2, "hidden": [4, 3], "activations": ["relu", "tanh"],
                              "output": "softmax", "n_classes": 2, "init": "homework"}
    assert doc["training"]["optimizer"]["name"] == "adam" and doc["training"]["batch_size"] == 7
    assert (doc["seed"], doc["step"], doc["epoch"]) == (11, 13, 2)
    assert doc["weights"][1]["W"] == layer_params(run.model)[1][0].tolist()
    assert doc["history"]["epoch"] == [1, 2]
    back = run_import(doc)
    assert (back.step, back.epoch, back.history) == (run.step, run.epoch, run.history)
    run.train_steps(9)
    back.train_steps(9)
    for (W, W0), (W_, W0_) in zip(layer_params(run.model), layer_params(back.model)):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_)     # bit for bit, continued


def test_the_initialisation_and_the_batch_order_travel_with_an_export():
    X, y = generate("moons", 40, 0.2, np.random.default_rng(0))
    spec = NetworkSpec(hidden=(4,), activations=("relu",), n_classes=2, init="pytorch")
    config = TrainConfig(batch_size=7, shuffle=False, epoch_loss="batch_means")
    run = Run(spec, X[:, :30], y[:30], X[:, 30:], y[30:], config, seed=11)
    run.train_steps(6)
    doc = json.loads(json.dumps(run_export(run), allow_nan=False))
    assert doc["network"]["init"] == "pytorch"
    assert (doc["training"]["shuffle"], doc["training"]["epoch_loss"]) == (False, "batch_means")
    back = run_import(doc)
    assert (back.spec, back.config) == (run.spec, run.config)
    back.reset()                                       # the same draw again, from the seed
    run.reset()
    for (W, W0), (W_, W0_) in zip(layer_params(run.model), layer_params(back.model)):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_) and W0.any()


def test_json_import_takes_hand_edited_weights():
    doc = json.loads(json.dumps(run_export(_trained_run())))
    doc["weights"][0]["W"][1][2] = 0.5
    doc["weights"][2]["W0"] = [1.0, -1.0]
    run = run_import(doc)
    assert layer_params(run.model)[0][0][1, 2] == 0.5
    assert layer_params(run.model)[2][1].tolist() == [[1.0], [-1.0]]


@pytest.mark.parametrize("edit", [
    lambda d: d.update(format="something-else"),
    lambda d: d.update(version=2),
    lambda d: d.update(checkpoint={"format": "crease-run"}),
    lambda d: d["weights"].pop(),
    lambda d: d["weights"][0].update(W=[[1.0, 2.0]]),
    lambda d: d["weights"][1].update(W0="zeros"),
])
def test_json_import_refuses_broken_documents(edit):
    doc = json.loads(json.dumps(run_export(_trained_run())))
    edit(doc)
    with pytest.raises(CheckpointError):
        run_import(doc)
