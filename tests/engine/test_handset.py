"""Hand-set networks (engine.handset): built exactly as given, read by the
probe like a trained model, and a one-input network as a function plot."""
import numpy as np
import pytest

from engine.handset import function_samples, network_from_layers
from engine.losses import NLL, SquaredLoss
from engine.probe import probe

PROBLEM1 = ([([[-2.0]], [3.0]), ([[3.0]], [0.0])], ["relu", "linear"])
PROBLEM2 = ([([[1, 0, -1, 0], [0, 1, 0, -1]], [-1, -1, -1, -1]), ([[1, -1]] * 4, [0, 2])],
            ["relu", "softmax"])


def test_problem1_network_is_the_homeworks():
    net = network_from_layers(*PROBLEM1)
    assert isinstance(net.loss, SquaredLoss)
    assert net.forward(np.array([[1.0]])).item() == 3.0        # 1.1
    r = probe(net, [1.0], target=[1.0], lr=0.5)
    assert r["layers"][0]["W_after"] == [[-8.0]]                # 1.4


def test_problem2_network_is_the_homeworks():
    net = network_from_layers(*PROBLEM2)
    assert isinstance(net.loss, NLL)
    assert probe(net, [3, 14])["layers"][0]["a"] == [2.0, 13.0, 0.0, 0.0]   # 2.2.1


def test_weights_are_copies():
    W = np.array([[-2.0]])
    net = network_from_layers([(W, [3.0]), ([[3.0]], [0.0])], ["relu", "linear"])
    W[0, 0] = 99.0
    assert net.modules[0].W[0, 0] == -2.0


@pytest.mark.parametrize("layers, acts, why", [
    ([], [], "no layers"),
    ([([[1.0]], [0.0])], ["relu"], "relu is not an output"),
    ([([[1.0]], [0.0])], ["bogus"], "unknown output"),
    ([([[1.0]], [0.0]), ([[1.0]], [0.0])], ["bogus", "linear"], "unknown hidden activation"),
    ([([[1.0, 2.0]], [0.0])], ["linear"], "W0 shorter than n"),
    ([([[1.0, 2.0]], [0.0, 0.0]), ([[1.0]], [0.0])], ["relu", "linear"], "layers do not chain"),
    ([([[float("nan")]], [0.0])], ["linear"], "not finite"),
    ([([[1.0, 2.0]], [0.0, 0.0])], ["sigmoid"], "sigmoid has one unit"),
    ([([[[1.0]]], [0.0])], ["linear"], "W is 3-d"),
])
def test_bad_networks_are_refused(layers, acts, why):
    with pytest.raises(ValueError):
        network_from_layers(layers, acts)


def test_function_samples_mark_the_kink_on_the_curve():
    net = network_from_layers(*PROBLEM1)
    f = function_samples(net, -1.0, 4.0, 12)   # 1.5 is not among the 12 samples
    # a2(x) = 3 max(-2x + 3, 0): the kink is at x = 1.5, where a2 = 0.
    assert f["kinks"] == [{"x": 1.5, "y": 0.0, "unit": 0}]
    assert 1.5 in f["x"] and len(f["x"]) == 13 and f["x"] == sorted(f["x"])
    for x, y in zip(f["x"], f["y"]):
        assert y == pytest.approx(3 * max(-2 * x + 3, 0), abs=1e-12)


def test_function_samples_without_kink_in_view_or_with_flat_unit():
    net = network_from_layers(*PROBLEM1)
    assert function_samples(net, 2.0, 3.0, 5)["kinks"] == []
    flat = network_from_layers([([[0.0]], [3.0]), ([[3.0]], [0.0])], ["relu", "linear"])
    assert function_samples(flat, -1, 1, 3) == {"x": [-1.0, 0.0, 1.0], "y": [9.0, 9.0, 9.0], "kinks": []}


def test_function_samples_needs_one_input():
    with pytest.raises(ValueError):
        function_samples(network_from_layers(*PROBLEM2), 0, 1, 5)
    with pytest.raises(ValueError):
        function_samples(network_from_layers(*PROBLEM1), 1, 0, 5)
