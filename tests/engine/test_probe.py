"""The inspector's numbers: the homework's Problems 1 and 2 by hand, finite
differences for every layer, and exactly one SGD step when applied."""
import copy
import json
import math

import numpy as np
import pytest

from engine import Identity, Linear, NLL, ReLU, Sequential, SoftMax, SquaredLoss
from engine.checkpoint import run_to_bytes
from engine.datasets import generate
from engine.network import NetworkSpec, build_network, layer_params, one_hot
from engine.probe import probe
from engine.training import Run, TrainConfig


def problem1_net(w1=-2.0, b1=3.0, w2=3.0, b2=0.0):
    """The 1-1-1 network of Problem 1: ReLU hidden unit, linear output, squared loss."""
    net = Sequential([Linear(1, 1), ReLU(), Linear(1, 1), Identity()], SquaredLoss())
    net.modules[0].W[...], net.modules[0].W0[...] = w1, b1
    net.modules[2].W[...], net.modules[2].W0[...] = w2, b2
    return net


def problem2_net():
    """The hand-set 2-4-2 ReLU/softmax network of Problem 2."""
    net = Sequential([Linear(2, 4), ReLU(), Linear(4, 2), SoftMax()], NLL())
    net.modules[0].W[...] = [[1, 0, -1, 0], [0, 1, 0, -1]]
    net.modules[0].W0[...] = -1
    net.modules[2].W[...] = [[1, -1]] * 4
    net.modules[2].W0[...] = [[0], [2]]
    return net


def test_problem1_forward_backward_and_step():
    r = probe(problem1_net(), [1.0], target=1, lr=0.5)
    l1, l2 = r["layers"]
    # z1 = -2*1 + 3 = 1, a1 = 1; z2 = a2 = 3*1 + 0 = 3 (1.1)
    assert (l1["z"], l1["a"], l2["z"], l2["a"]) == ([1.0], [1.0], [3.0], [3.0])
    assert r["output"]["a"] == [3.0]
    assert r["output"]["probs"] is None and r["output"]["class"] is None  # a regression output
    assert r["loss"] == 4.0                                  # (3 - 1)^2
    assert l2["dLda"] == [4.0] and l2["dLdz"] == [4.0]        # 2 (a2 - y)  (1.2)
    assert l1["dLda"] == [12.0] and l1["dLdz"] == [12.0]      # w2 * 4, ReLU open  (1.3)
    assert l1["dLdW"] == [[12.0]] and l1["dLdW0"] == [12.0]   # x * 12
    assert l2["dLdW"] == [[4.0]] and l2["dLdW0"] == [4.0]     # a1 * 4
    assert r["dLdx"] == [-24.0]                               # w1 * 12
    assert l1["W_after"] == [[-8.0]] and l1["W0_after"] == [-3.0]  # -2 - 0.5*12 (1.4)
    assert l2["W_after"] == [[1.0]] and l2["W0_after"] == [-2.0]
    assert r["target"] == {"label": 1, "y": [1.0]}


@pytest.mark.parametrize("x, y, w2, why", [
    (2.0, 1.0, 3.0, "w1 x + b1 < 0: the ReLU is closed"),
    (0.0, 1.0, 3.0, "x = 0"),
    (1.0, 1.0, 0.0, "w2 = 0"),
    (1.0, 3.0, 3.0, "z2 = y: no error"),
])
def test_problem1_5_w1_unchanged(x, y, w2, why):
    r = probe(problem1_net(w2=w2), [x], target=[y], lr=0.5)
    assert r["layers"][0]["W_after"] == [[-2.0]], why


def test_problem1_5_w1_changes_otherwise():
    r = probe(problem1_net(), [1.0], target=[0.0], lr=0.5)
    # a2 = 3, dL/dz2 = 6, dL/dz1 = 18, w1 = -2 - 0.5 * 18
    assert r["layers"][0]["W_after"] == [[-11.0]]


def test_problem2_forward_at_3_14():
    r = probe(problem2_net(), [3, 14])
    l1, l2 = r["layers"]
    assert l1["z"] == [2.0, 13.0, -4.0, -15.0]
    assert l1["a"] == [2.0, 13.0, 0.0, 0.0]                   # 2.2.1
    assert l2["z"] == [15.0, -13.0]                           # 2+13, -(2+13)+2
    p2 = math.exp(-28) / (1 + math.exp(-28))
    assert l2["a"] == pytest.approx([1 - p2, p2], rel=1e-15, abs=1e-25)  # 2.2.2
    assert r["output"]["probs"] == l2["a"] and r["output"]["class"] == 0
    assert r["target"] is None and r["loss"] is None
    assert all(l[k] is None for l in (l1, l2) for k in ("dLda", "dLdz", "dLdW", "W_after"))


@pytest.mark.parametrize("x, hidden, klass", [
    ([0.5, 0.5], [0, 0, 0, 0], 1),      # 2.3.3 column 1; case 1: z2 = (0, 2)
    ([0.0, 2.0], [0, 1, 0, 0], 0),      # column 2; case 2: z2 = (1, 1), a tie
    ([-3.0, 0.5], [0, 0, 2, 0], 0),     # column 3; sum 2: z2 = (2, 0)
])
def test_problem2_hidden_units_2_3_3(x, hidden, klass):
    r = probe(problem2_net(), x)
    assert r["layers"][0]["a"] == hidden
    s = sum(hidden)
    e1, e2 = math.exp(s), math.exp(-s + 2)
    assert r["output"]["probs"] == pytest.approx([e1 / (e1 + e2), e2 / (e1 + e2)], rel=1e-14)
    assert r["output"]["class"] == klass


def test_problem2_backward_with_target_1():
    r = probe(problem2_net(), [3, 14], target=1, lr=0.1)
    l1, l2 = r["layers"]
    s = 1 / (1 + math.exp(-28))                 # a1^2; a2^2 = 1 - s
    assert l2["dLdz"] == pytest.approx([s, -s], rel=1e-15)    # a - y
    assert l2["dLda"][0] == 0.0
    assert l2["dLda"][1] == pytest.approx(-(math.exp(28) + 1), rel=1e-12)  # -1 / a2^2
    assert l1["dLda"] == pytest.approx([2 * s] * 4, rel=1e-15)  # rows of W2 are (1, -1)
    assert l1["dLdz"] == pytest.approx([2 * s, 2 * s, 0, 0], rel=1e-15)
    assert np.allclose(l1["dLdW"], [[6 * s, 6 * s, 0, 0], [28 * s, 28 * s, 0, 0]], rtol=1e-15, atol=0)
    assert np.allclose(l2["dLdW"], [[2 * s, -2 * s], [13 * s, -13 * s], [0, 0], [0, 0]],
                       rtol=1e-15, atol=0)
    assert l2["dLdW0"] == pytest.approx([s, -s], rel=1e-15)
    assert r["loss"] == pytest.approx(28 + math.log1p(math.exp(-28)), rel=1e-15)
    assert np.allclose(l1["W_after"], [[1 - 0.6 * s, -0.6 * s, -1, 0], [-2.8 * s, 1 - 2.8 * s, 0, -1]],
                       rtol=1e-15, atol=0)
    assert r["dLdx"] == pytest.approx([2 * s, 2 * s], rel=1e-15)   # W1 @ dLdz1: rows pick units 1, 2


# ---- finite differences -------------------------------------------------------

def _loss_from(model, start, value, Y):
    """Loss of running model.modules[start:] on ``value`` (one column)."""
    for m in model.modules[start:]:
        value = m.forward(value)
    return model.loss.forward(value, Y)


def _fd(f, v, h=1e-6):
    """Central differences of scalar f over every entry of array v (in place)."""
    g = np.zeros_like(v)
    for idx in np.ndindex(v.shape):
        old = v[idx]
        v[idx] = old + h
        up = f()
        v[idx] = old - h
        down = f()
        v[idx] = old
        g[idx] = (up - down) / (2 * h)
    return g


def _close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    scale = max(np.abs(a).max(), np.abs(b).max(), 1e-3)
    return np.abs(a - b).max() / scale < 1e-6


@pytest.mark.parametrize("hidden, acts, output, k", [
    ((), (), "softmax", 3),
    ((5,), ("relu",), "softmax", 3),
    ((4, 3), ("tanh", "sigmoid"), "softmax", 4),
    ((3, 3, 3), ("relu", "tanh", "linear"), "sigmoid", 2),
    ((6,), ("tanh",), "linear", 2),
])
def test_backward_matches_finite_differences(hidden, acts, output, k):
    rng = np.random.default_rng(7)
    spec = NetworkSpec(hidden=hidden, activations=acts, output=output, n_classes=k)
    model = build_network(spec, rng)
    for W, W0 in layer_params(model):
        W0[...] = rng.normal(0, 0.5, W0.shape)
    x = rng.normal(0, 1, (2, 1))
    label = 1
    r = probe(model, x[:, 0], target=label, lr=0.01)
    Y = one_hot([label], k) if output != "sigmoid" else np.array([[1.0]])
    starts = [i for i, m in enumerate(model.modules) if isinstance(m, Linear)]
    L = len(starts)
    for l, entry in enumerate(r["layers"]):
        W, W0 = layer_params(model)[l]
        f = lambda: _loss_from(model, 0, x, Y)
        assert _close(entry["dLdW"], _fd(f, W)), f"dL/dW{l + 1}"
        assert _close(np.array(entry["dLdW0"])[:, None], _fd(f, W0)), f"dL/dW0{l + 1}"
        # dL/dz^l: run the rest of the network from a perturbed z^l.
        z = np.array(entry["z"])[:, None]
        assert _close(entry["dLdz"], _fd(lambda: _loss_from(model, starts[l] + 1, z, Y), z)[:, 0])
        a = np.array(entry["a"])[:, None]
        if l + 1 < L:
            rest = lambda: _loss_from(model, starts[l + 1], a, Y)
        else:
            rest = lambda: model.loss.forward(a, Y)
        assert _close(entry["dLda"], _fd(rest, a)[:, 0]), f"dL/da{l + 1}"
    assert _close(r["dLdx"], _fd(lambda: _loss_from(model, 0, x, Y), x)[:, 0])


# ---- the model is left alone, or gets exactly one step ---------------------------

def _snapshot(model):
    return [(W.copy(), W0.copy()) for W, W0 in layer_params(model)]


def test_probe_does_not_touch_the_model():
    model = build_network(NetworkSpec(hidden=(5, 4), activations=("relu", "tanh"), n_classes=3),
                          np.random.default_rng(1))
    X = np.random.default_rng(2).normal(size=(2, 6))
    model.forward(X)
    cached = [getattr(m, "A", None) for m in model.modules]
    before = _snapshot(model)
    r = probe(model, [0.3, -0.7], target=2, lr=0.5)
    assert not r["applied"]
    for (W, W0), (W_, W0_) in zip(before, layer_params(model)):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_)
    assert all(c is getattr(m, "A", None) for c, m in zip(cached, model.modules))
    assert r["layers"][0]["W_after"] != r["layers"][0]["W"]


def test_apply_is_exactly_one_sgd_step():
    model = build_network(NetworkSpec(hidden=(5, 4), activations=("relu", "tanh"), n_classes=3),
                          np.random.default_rng(3))
    reference = copy.deepcopy(model)
    x = np.array([[0.4], [-1.1]])
    Ypred = reference.forward(x)
    reference.loss.forward(Ypred, one_hot([2], 3))
    reference.backward(reference.loss.backward())
    reference.sgd_step(0.3)
    views = layer_params(model)
    r = probe(model, x[:, 0], target=2, lr=0.3, apply=True)
    assert r["applied"]
    for (W, W0), (W_, W0_), entry in zip(layer_params(reference), layer_params(model), r["layers"]):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_)   # bit for bit
        assert np.array_equal(np.array(entry["W_after"]), W_)
    assert all(a is b for (a, _), (b, _) in zip(views, layer_params(model)))  # updated in place


def test_apply_needs_target_and_rate():
    with pytest.raises(ValueError):
        probe(problem1_net(), [1.0], target=1, apply=True)
    with pytest.raises(ValueError):
        probe(problem1_net(), [1.0], lr=0.5, apply=True)


def test_gradients_without_rate_leave_after_weights_out():
    r = probe(problem1_net(), [1.0], target=1)
    assert r["layers"][0]["dLdW"] == [[12.0]] and r["layers"][0]["W_after"] is None


@pytest.mark.parametrize("x, target", [
    ([1.0, 2.0], 1),          # a 1-input network given two values
    ([float("nan")], 1),
    ([1.0], [1.0, 0.0]),      # two targets for one output
])
def test_bad_input(x, target):
    with pytest.raises(ValueError):
        probe(problem1_net(), x, target=target, lr=0.5)


def test_bad_label_for_softmax():
    with pytest.raises(ValueError):
        probe(problem2_net(), [0, 0], target=2, lr=0.1)


def test_result_is_strict_json_even_when_weights_blow_up():
    net = problem2_net()
    net.modules[0].W[0, 0] = np.inf
    r = probe(net, [3, 0], target=0, lr=0.1)
    text = json.dumps(r, allow_nan=False)
    assert r["layers"][0]["z"][0] is None        # inf
    assert r["layers"][1]["z"][0] is None        # inf - inf -> nan
    assert json.loads(text)["x"] == [3.0, 0.0]


def test_apply_on_a_training_run_goes_through_the_run():
    X, y = generate("circle", 30, 0.1, np.random.default_rng(0))
    run = Run(NetworkSpec(hidden=(6,), activations=("tanh",)), X[:, :20], y[:20], X[:, 20:], y[20:],
              TrainConfig(batch_size=5), seed=2)
    run.train_steps(3)
    before = run.metrics()
    state = run_to_bytes(run)
    probe(run, [0.5, -0.25], target=1, lr=2.0)
    assert run_to_bytes(run) == state           # without apply, the run is untouched
    reference = copy.deepcopy(run.model)
    x = np.array([[0.5], [-0.25]])
    reference.loss.forward(reference.forward(x), one_hot([1], 2))
    reference.backward(reference.loss.backward())
    reference.sgd_step(2.0)
    applied = probe(run, x[:, 0], target=1, lr=2.0, apply=True)
    for (W, W0), (W_, W0_) in zip(layer_params(reference), layer_params(run.model)):
        assert np.array_equal(W, W_) and np.array_equal(W0, W0_)
    after = run.metrics()                      # the run knows its weights changed
    assert after != before
    assert run.step == 4 and run.epoch == 0     # the step by hand is counted like a loop step
    assert run.last_step_loss == applied["loss"]
    P = reference.forward(X[:, :20])
    assert after["train_acc"] == np.mean(np.argmax(P, axis=0) == y[:20])
    assert after["train_loss"] == pytest.approx(-np.mean(np.log(P[y[:20], np.arange(20)])), rel=1e-12)
