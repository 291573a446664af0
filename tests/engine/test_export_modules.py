"""The notebook's modules and optimizers, run from their source text, compute
what the engine's modules and optimizers compute."""
import math

import numpy as np
import pytest

from engine.export_modules import MODULE_BASE, MODULES, OPTIMIZER_SOURCE, SEQUENTIAL
from engine.export_run import INIT_SOURCE
from engine.network import NetworkSpec, build_network, layer_params, one_hot

SPECS = [
    NetworkSpec(hidden=(5, 4), activations=("relu", "tanh"), n_classes=3),
    NetworkSpec(hidden=(3,), activations=("sigmoid",), output="sigmoid"),
    NetworkSpec(hidden=(4,), activations=("linear",), output="linear", n_classes=2),
]


def _space():
    space = {"np": np, "math": math, "DTYPE": np.float64}
    exec("\n\n".join([INIT_SOURCE["homework"], MODULE_BASE, *MODULES.values(), SEQUENTIAL,
                      *OPTIMIZER_SOURCE.values()]), space)
    return space


def _copy_of(model, space):
    """The engine's model rebuilt from the exported classes, with its weights."""
    rng = np.random.default_rng(0)
    modules = []
    for m in model.modules:
        cls = space[type(m).__name__]
        modules.append(cls(*m.W.shape, rng) if type(m).__name__ == "Linear" else cls())
        if type(m).__name__ == "Linear":
            modules[-1].W, modules[-1].W0 = m.W.copy(), m.W0.copy()
    return space["Sequential"](modules, space[type(model.loss).__name__]())


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{'-'.join(s.activations)}-{s.output}")
def test_forward_loss_and_gradients_are_the_engines(spec):
    model = build_network(spec, np.random.default_rng(4))
    for _, W0 in layer_params(model):
        W0[...] = 0.3                                     # biases matter too
    copy = _copy_of(model, _space())
    X = np.random.default_rng(5).normal(size=(2, 9))
    labels = np.arange(9) % 2
    Y = labels[None, :].astype(float) if spec.output == "sigmoid" else one_hot(labels, spec.layer_sizes[-1])

    Ypred, Ypred_ = model.forward(X), copy.forward(X)
    np.testing.assert_allclose(Ypred_, Ypred, rtol=0, atol=1e-12)
    assert copy.loss.forward(Ypred_, Y) == pytest.approx(model.loss.forward(Ypred, Y), abs=1e-12)
    model.backward(model.loss.backward())
    copy.backward(copy.loss.backward())
    for engine_linear, linear in zip(layer_params(model), copy.linears()):
        mine = [m for m in model.modules if getattr(m, "W", None) is engine_linear[0]][0]
        np.testing.assert_allclose(linear.dLdW, mine.dLdW, rtol=0, atol=1e-12)
        np.testing.assert_allclose(linear.dLdW0, mine.dLdW0, rtol=0, atol=1e-12)


def test_sgd_with_momentum_and_weight_decay_is_torchs_rule():
    space = _space()
    p, g = np.array([1.0, -2.0]), np.array([0.5, 0.25])
    sgd = space["SGD"]([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    buf = np.zeros(2)
    expected = p.copy()
    for _ in range(3):
        buf = 0.9 * buf + (g + 0.01 * expected)
        expected = expected - 0.1 * buf
        sgd.step([p], [g])
    np.testing.assert_allclose(p, expected, rtol=0, atol=1e-15)


def test_adams_first_step_moves_each_weight_by_about_the_rate():
    space = _space()
    p, g = np.array([1.0, -2.0, 3.0]), np.array([0.5, -4.0, 1e-3])
    adam = space["Adam"]([p], lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    adam.step([p], [g])
    np.testing.assert_allclose(p, [1.0 - 0.01, -2.0 + 0.01, 3.0 - 0.01], rtol=0, atol=1e-7)
    assert adam.t == 1
