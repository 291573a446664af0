"""The exported NumPy script runs on its own and predicts what the engine predicts."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from engine.export import npz_bytes
from engine.export_scripts import numpy_script
from engine.network import NetworkSpec, build_network, layer_params, one_hot, predict_proba

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
