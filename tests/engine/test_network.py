import numpy as np
import pytest

from engine import NLL, Identity, Linear, ReLU, Sequential, SoftMax, SquaredLoss, Tanh
from engine.losses import BinaryNLL
from engine.modules import SigmoidOutput
from engine.network import (OUTPUTS, NetworkSpec, build_network, layer_params, one_hot, output_of,
                            predict_proba)


def test_default_spec_and_layer_sizes():
    spec = NetworkSpec()
    assert spec.layer_sizes == (2, 4, 2)
    assert spec.all_activations == ("relu", "softmax")
    assert NetworkSpec(hidden=(100, 10), activations=("relu", "tanh"), n_classes=3).layer_sizes == (2, 100, 10, 3)
    assert NetworkSpec(hidden=(), activations=(), output="sigmoid").layer_sizes == (2, 1)
    assert NetworkSpec(hidden=(100, 10), activations=("relu", "relu"), n_classes=3).n_params() == (200 + 100) + (1000 + 10) + (30 + 3)


def test_spec_normalises_lists_to_tuples_and_is_hashable():
    spec = NetworkSpec(hidden=[3, 2], activations=["tanh", "sigmoid"])
    assert spec.hidden == (3, 2) and spec.activations == ("tanh", "sigmoid")
    assert hash(spec) == hash(NetworkSpec(hidden=(3, 2), activations=("tanh", "sigmoid")))


@pytest.mark.parametrize("kwargs, message", [
    (dict(input_dim=0), "input_dim"),
    (dict(hidden=(0,)), "hidden layer sizes"),
    (dict(hidden=(3, 3)), "need as many activations"),
    (dict(activations=("swish",)), "unknown hidden activation"),
    (dict(activations=("softmax",)), "unknown hidden activation"),
    (dict(output="tanh"), "unknown output"),
    (dict(n_classes=1), "n_classes must be 2..8"),
    (dict(n_classes=9), "n_classes must be 2..8"),
    (dict(output="sigmoid", n_classes=3), "exactly 2 classes"),
])
def test_spec_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NetworkSpec(**kwargs)


@pytest.mark.parametrize("output, last, loss", [
    ("softmax", SoftMax, NLL), ("sigmoid", SigmoidOutput, BinaryNLL), ("linear", Identity, SquaredLoss),
])
def test_build_network_modules_and_draws(output, last, loss):
    spec = NetworkSpec(hidden=(5, 3), activations=("relu", "tanh"), output=output)
    net = build_network(spec, np.random.default_rng(42))
    kinds = [type(m) for m in net.modules]
    assert kinds == [Linear, ReLU, Linear, Tanh, Linear, last]
    assert type(net.loss) is loss
    rng = np.random.default_rng(42)
    units = 1 if output == "sigmoid" else 2
    for (W, W0), (m, n) in zip(layer_params(net), [(2, 5), (5, 3), (3, units)]):
        np.testing.assert_array_equal(W, rng.normal(0, m ** -0.5, (m, n)))
        np.testing.assert_array_equal(W0, np.zeros((n, 1)))
    assert output_of(net) is OUTPUTS[output]


def test_build_network_without_rng_uses_the_global_generator_like_the_homework():
    np.random.seed(0)
    a = build_network(NetworkSpec(hidden=(3,), activations=("tanh",)), None)
    np.random.seed(0)
    b = Sequential([Linear(2, 3), Tanh(), Linear(3, 2), SoftMax()], NLL())
    for (Wa, _), (Wb, _) in zip(layer_params(a), layer_params(b)):
        np.testing.assert_array_equal(Wa, Wb)


def test_layer_params_are_the_live_arrays():
    net = build_network(NetworkSpec(), np.random.default_rng(0))
    W, W0 = layer_params(net)[0]
    W0[2, 0] = 7.0
    assert net.modules[0].W0[2, 0] == 7.0
    assert W is net.modules[0].W


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0, 1, 2]), 3),
                                  [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])


def test_predict_proba_per_output():
    X = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -2.0]])
    for output in OUTPUTS:
        spec = NetworkSpec(hidden=(4,), activations=("tanh",), output=output, n_classes=2)
        net = build_network(spec, np.random.default_rng(1))
        P = predict_proba(net, X)
        assert P.shape == (2, 3)
        np.testing.assert_allclose(P.sum(axis=0), 1.0, rtol=1e-15)
        out = net.forward(X)
        np.testing.assert_array_equal(np.argmax(P, axis=0), net.modules[-1].class_fun(out))
        if output == "sigmoid":
            np.testing.assert_allclose(P, np.vstack([1 - out, out]), rtol=0)


def test_output_of_rejects_an_unknown_last_module():
    with pytest.raises(ValueError, match="Tanh is not a known output module"):
        output_of(Sequential([Linear(2, 2, np.random.default_rng(0)), Tanh()], NLL()))


def test_targets_per_output():
    labels = np.array([1, 0, 1])
    np.testing.assert_array_equal(OUTPUTS["sigmoid"].targets(labels, 2), [[1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(OUTPUTS["linear"].targets(labels, 3), one_hot(labels, 3))


def test_pytorch_init_draws_w_and_then_w0_uniform_in_one_over_root_fan_in():
    spec = NetworkSpec(hidden=(50, 3), activations=("relu", "tanh"), n_classes=3, init="pytorch")
    net = build_network(spec, np.random.default_rng(4))
    rng = np.random.default_rng(4)
    for m, n, (W, W0) in zip((2, 50, 3), (50, 3, 3), layer_params(net)):
        bound = 1 / np.sqrt(m)
        np.testing.assert_allclose(W, rng.uniform(-bound, bound, (m, n)), rtol=1e-14)
        np.testing.assert_allclose(W0, rng.uniform(-bound, bound, (n, 1)), rtol=1e-14)
        assert np.abs(W).max() < bound and np.abs(W0).max() < bound and W0.min() < 0 < W0.max()
    homework = build_network(NetworkSpec(hidden=(50,), activations=("relu",)), np.random.default_rng(4))
    assert not layer_params(homework)[0][1].any()      # the default keeps zero biases
    assert NetworkSpec().init == "homework"


def test_an_unknown_init_is_refused():
    with pytest.raises(ValueError, match="unknown init 'xavier'; choose from"):
        NetworkSpec(init="xavier")
