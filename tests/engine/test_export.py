"""Exports: the NumPy script runs on its own and predicts what the engine
predicts; the .npz and JSON forms read back exactly."""
import io
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from engine.checkpoint import CheckpointError
from engine.datasets import generate
from engine.export import npz_bytes, numpy_script, read_npz, run_export, run_import
from engine.network import NetworkSpec, build_network, layer_params, one_hot, predict_proba
from engine.optim import OptimizerSpec
from engine.training import Run, TrainConfig

SPECS = [
    NetworkSpec(hidden=(8,), activations=("relu",), n_classes=3),
    NetworkSpec(hidden=(), activations=(), n_classes=2),
    NetworkSpec(hidden=(5, 4), activations=("tanh", "sigmoid"), output="sigmoid"),
    NetworkSpec(hidden=(3, 3), activations=("linear", "relu"), output="linear", n_classes=4),
    NetworkSpec(input_dim=1, hidden=(2,), activations=("relu",), n_classes=2),
]
POINTS = np.array([[-1.0, 0.0, 1.0, 0.5, 2.5], [0.0, 1.0, -1.0, 0.25, -3.0]])


def _model(spec, seed=0):
    rng = np.random.default_rng(seed)
    model = build_network(spec, rng)
    for _, W0 in layer_params(model):
        W0[...] = rng.normal(0, 0.5, W0.shape)     # non-zero biases, so they are exported too
    return model


def _points(spec):
    return POINTS[: spec.input_dim]


def _run_python(code, *args, cwd=None):
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def numpy_scripts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scripts")
    paths = []
    for i, spec in enumerate(SPECS):
        path = folder / f"net{i}.py"
        path.write_text(numpy_script(spec, layer_params(_model(spec, i))))
        paths.append(str(path))
    return paths


def test_numpy_scripts_predict_what_the_engine_predicts(numpy_scripts):
    # One interpreter loads every script (the scripts import nothing of Crease)
    # and takes one homework SGD step on one point with the embedded modules.
    code = textwrap.dedent("""
        import json, runpy, sys
        import numpy as np
        out = []
        for path, X, Y in json.loads(sys.stdin.read()):
            ns = runpy.run_path(path)
            X, Y = np.array(X), np.array(Y)
            proba = ns["predict_proba"](X).tolist()
            classes = ns["predict"](X).tolist()
            net = ns["net"]
            net.loss.forward(net.forward(X[:, :1]), Y[:, :1])
            net.backward(net.loss.backward())
            net.sgd_step(0.1)
            weights = [[m.W.tolist(), m.W0.tolist()] for m in net.modules if hasattr(m, "W")]
            out.append([proba, classes, weights])
        print(json.dumps(out))
    """)
    jobs = []
    models = []
    for i, (spec, path) in enumerate(zip(SPECS, numpy_scripts)):
        model = _model(spec, i)
        models.append(model)
        k = spec.layer_sizes[-1]
        Y = one_hot([1] * 5, k) if k > 1 else np.ones((1, 5))
        jobs.append([path, _points(spec).tolist(), Y.tolist()])
    done = subprocess.run([sys.executable, "-c", code], input=json.dumps(jobs),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for spec, model, (path, X, Y), (proba, classes, weights) in zip(SPECS, models, jobs, results):
        X, Y = np.array(X), np.array(Y)
        expected = predict_proba(model, X)
        assert np.abs(np.array(proba) - expected).max() <= 1e-12, spec
        assert classes == model.modules[-1].class_fun(model.forward(X)).tolist()
        # The same step with the engine's own modules.
        model.loss.forward(model.forward(X[:, :1]), Y[:, :1])
        model.backward(model.loss.backward())
        model.sgd_step(0.1)
        for (W, W0), (sW, sW0) in zip(layer_params(model), weights):
            assert np.abs(np.array(sW) - W).max() <= 1e-12 and np.abs(np.array(sW0) - W0).max() <= 1e-12


def test_numpy_script_runs_as_a_program(numpy_scripts):
    done = subprocess.run([sys.executable, numpy_scripts[0]], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "predict(X): [" in done.stdout


def test_numpy_script_writes_the_homework_constructor():
    spec = SPECS[0]
    text = numpy_script(spec, layer_params(_model(spec)))
    assert "net = Sequential([Linear(2, 8), ReLU(), Linear(8, 3), SoftMax()], NLL())" in text
    assert "import engine" not in text and "from engine" not in text
    spec = SPECS[2]
    text = numpy_script(spec, layer_params(_model(spec)))
    assert ("Sequential([Linear(2, 5), Tanh(), Linear(5, 4), Sigmoid(), Linear(4, 1), "
            "SigmoidOutput()], BinaryNLL())") in text


def test_the_script_names_classes_as_the_page_does():
    """The page numbers classes from 1 with the code's index beside it; the
    script's comments say the same, and predict() returns indices."""
    spec = SPECS[2]                                  # one sigmoid output unit
    text = numpy_script(spec, layer_params(_model(spec)))
    assert "index 0 is the homework's class 1" in text
    assert "[P(class 1 (index 0)); P(class 2 (index 1))]" in text
    assert "class 0" not in text


def test_weights_are_written_exactly():
    spec = NetworkSpec(hidden=(1,), activations=("relu",))
    model = _model(spec)
    W, _ = layer_params(model)[0]
    W[0, 0] = 0.1 + 0.2             # 0.30000000000000004: every digit matters
    W[1, 0] = -np.inf
    text = numpy_script(spec, layer_params(model))
    assert "0.30000000000000004" in text and "-float('inf')" in text
    compile(text, "net.py", "exec")


def test_mismatched_params_are_refused():
    spec = SPECS[0]
    params = layer_params(_model(spec))
    with pytest.raises(ValueError):
        numpy_script(spec, params[:1])
    with pytest.raises(ValueError):
        npz_bytes(spec, [(params[0][0].T, params[0][1]), params[1]])


def test_npz_holds_the_homework_arrays_and_the_spec():
    spec = SPECS[0]
    params = layer_params(_model(spec))
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
