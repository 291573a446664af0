"""Finite-difference checks of every activation x output/loss pairing, depths 1..4."""
import itertools

import numpy as np
import pytest

from engine.functions import HIDDEN_ACTIVATIONS
from engine.network import OUTPUTS, NetworkSpec, build_network, layer_params

CASES = [("relu", out, 1) for out in OUTPUTS] + [
    (act, out, depth) for act, out, depth in itertools.product(HIDDEN_ACTIVATIONS, OUTPUTS, (2, 3, 4))]


def loss_of(net, X, Y):
    return net.loss.forward(net.forward(X), Y)


@pytest.mark.parametrize("act, output, depth", CASES)
def test_backprop_matches_central_differences(act, output, depth):
    rng = np.random.default_rng(depth * 100 + len(act) + len(output))
    k = 2 if output == "sigmoid" else 3
    hidden = (4, 3, 3)[:depth - 1]
    spec = NetworkSpec(hidden=hidden, activations=(act,) * len(hidden), output=output, n_classes=k)
    net = build_network(spec, rng)
    for W, W0 in layer_params(net):
        W0[:] = rng.normal(0, 0.5, W0.shape)   # non-zero biases exercise dLdW0
    X = rng.normal(0, 1.5, (2, 6))
    Y = OUTPUTS[output].targets(rng.integers(0, k, 6), k)
    loss_of(net, X, Y)
    net.backward(net.loss.backward())
    analytic = [g.copy() for m in net.modules if hasattr(m, "dLdW") for g in (m.dLdW, m.dLdW0)]
    numeric = []
    h = 1e-6
    for P in (p for pair in layer_params(net) for p in pair):
        G = np.zeros_like(P)
        for idx in np.ndindex(P.shape):
            keep = P[idx]
            P[idx] = keep + h
            up = loss_of(net, X, Y)
            P[idx] = keep - h
            down = loss_of(net, X, Y)
            P[idx] = keep
            G[idx] = (up - down) / (2 * h)
        numeric.append(G)
    for a, n in zip(analytic, numeric):
        rel = np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-12)
        assert rel < 1e-6, (rel, a, n)


def test_gradients_of_the_input_match_central_differences():
    rng = np.random.default_rng(9)
    net = build_network(NetworkSpec(hidden=(5, 4), activations=("tanh", "sigmoid"), n_classes=3), rng)
    X = rng.normal(size=(2, 3))
    Y = OUTPUTS["softmax"].targets(np.array([0, 2, 1]), 3)
    loss_of(net, X, Y)
    dX = net.backward(net.loss.backward())
    numeric = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        E = np.zeros_like(X)
        E[idx] = 1e-6
        numeric[idx] = (loss_of(net, X + E, Y) - loss_of(net, X - E, Y)) / 2e-6
    assert np.linalg.norm(dX - numeric) / np.linalg.norm(numeric) < 1e-6
