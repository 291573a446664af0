"""Edits of the weights from outside training: they land where they are
aimed, and a bad one is refused with what is wrong named, changing nothing."""
import numpy as np
import pytest

from engine import weights
from engine.modules import Linear
from engine.network import NetworkSpec, build_network, layer_params

F64, F32 = np.dtype("float64"), np.dtype("float32")


def linears():
    spec = NetworkSpec(hidden=(6, 4), activations=("tanh", "relu"), n_classes=3)
    model = build_network(spec, np.random.default_rng(0))
    return model, [m for m in model.modules if isinstance(m, Linear)]


def test_edits_land_where_they_are_aimed():
    model, lins = linears()
    weights.set_weight(lins, 0, 1, 2, 0.25, F64)
    weights.set_bias(lins, 1, 3, -1.5, F64)
    weights.set_layer(lins, 2, np.ones((4, 3)), [0.5, 0.0, -0.5], F64)
    params = layer_params(model)
    assert params[0][0][1, 2] == 0.25 and params[1][1][3, 0] == -1.5
    np.testing.assert_array_equal(params[2][0], np.ones((4, 3)))
    np.testing.assert_array_equal(params[2][1].ravel(), [0.5, 0.0, -0.5])
    assert weights.linear(lins, np.int64(2)) is lins[2]


@pytest.mark.parametrize("call, message", [
    (lambda ls: weights.set_weight(ls, 3, 0, 0, 1.0, F64), "layer must be 0..2"),
    (lambda ls: weights.set_weight(ls, True, 0, 0, 1.0, F64), "layer must be 0..2"),
    (lambda ls: weights.set_weight(ls, 0, 2, 0, 1.0, F64), "outside 2 x 6"),
    (lambda ls: weights.set_weight(ls, 0, 0, 0, float("nan"), F64), "weight must be finite"),
    (lambda ls: weights.set_weight(ls, 0, 0, 0, 1e39, F32), "weight must fit float32"),
    (lambda ls: weights.set_bias(ls, 1, 4, 1.0, F64), "bias index 4"),
    (lambda ls: weights.set_bias(ls, 1, 0, float("inf"), F64), "bias must be finite"),
    (lambda ls: weights.set_layer(ls, 0, np.ones((6, 2)), None, F64), "W of layer 0 must be 2 x 6"),
    (lambda ls: weights.set_layer(ls, 0, None, np.ones(5), F64), "W0 of layer 0 must be 6 x 1"),
    (lambda ls: weights.set_layer(ls, 0, None, np.full(6, np.nan), F64), "non-finite"),
    (lambda ls: weights.set_layer(ls, 0, np.ones((2, 6)), np.full(6, 1e39), F32), "beyond float32's range"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(call, message):
    model, lins = linears()
    before = [a.copy() for pair in layer_params(model) for a in pair]
    with pytest.raises(ValueError, match=message):
        call(lins)
    for a, b in zip([a for pair in layer_params(model) for a in pair], before):
        np.testing.assert_array_equal(a, b)
