import math

import numpy as np
import pytest

from engine.losses import NLL, BinaryNLL, SquaredLoss
from engine.modules import Linear, ReLU, SoftMax
from engine.network import NetworkSpec, build_network, layer_params, one_hot
from engine.sequential import Sequential


def test_nll_is_the_batch_sum_and_backward_is_ypred_minus_y():
    P = np.array([[0.25, 0.9], [0.75, 0.1]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    nll = NLL()
    assert nll.forward(P, Y) == pytest.approx(-np.log(0.75) - np.log(0.9), rel=1e-15)
    np.testing.assert_array_equal(nll.backward(), P - Y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_and_nll_paired_give_the_exact_loss_from_the_logits(dtype):
    softmax, nll = SoftMax(), NLL()
    Sequential([softmax], nll)                         # the pairing
    Z = np.array([[0.0, 0.0], [1000.0, 0.0]], dtype=dtype)
    Y = np.array([[1.0, 1.0], [0.0, 0.0]], dtype=dtype)   # the first point is confidently wrong
    P = softmax.forward(Z)
    assert P[0, 0] == 0.0                              # its probability underflows
    assert nll.forward(P, Y) == pytest.approx(1000.0 + math.log(2.0), rel=1e-6)
    np.testing.assert_array_equal(nll.backward(), P - Y)
    # probabilities that are not the paired softmax's output are read as given, clipped
    eps = float(np.finfo(dtype).eps)
    assert nll.forward(P.copy(), Y) == pytest.approx(-math.log(eps) + math.log(2.0), rel=1e-6)


def test_the_exact_loss_of_a_homework_network():
    net = Sequential([Linear(2, 3), ReLU(), Linear(3, 2), SoftMax()], NLL())
    l1, _, l2, _ = net.modules
    l1.W[...] = [[1.0, -1.0, 0.0], [0.0, 2.0, 1.0]]
    l2.W[...] = [[400.0, 0.0], [0.0, 300.0], [-100.0, 0.0]]
    X = np.array([[1.0], [0.5]])                       # z1 = [1, 0, 0.5], z2 = [350, 0]
    assert net.loss.forward(net.forward(X), np.array([[0.0], [1.0]])) == pytest.approx(350.0, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nll_clips_at_the_dtype_eps_instead_of_returning_inf(dtype):
    P = np.array([[0.0], [1.0]], dtype=dtype)
    Y = np.array([[1.0], [0.0]], dtype=dtype)
    value = NLL().forward(P, Y)
    assert value == pytest.approx(-np.log(np.finfo(dtype).eps), rel=1e-6)


def test_nll_of_integer_input_clips_at_float64_eps():
    nll = NLL()
    value = nll.forward(np.array([[1, 0], [0, 1]]), np.array([[0, 0], [1, 1]]))
    assert type(value) is float
    assert value == -math.log(np.finfo(np.float64).eps)   # the wrong point; the right one adds 0


def test_homework_problem_3_1_smallest_nll():
    y = np.array([[0.0], [0.0], [1.0], [0.0]])
    guesses = [(0.25, 0.20, 0.30, 0.25), (0.01, 0.01, 0.44, 0.54),
               (0.25, 0.25, 0.25, 0.25), (0.97, 0.01, 0.01, 0.01)]
    losses = [NLL().forward(np.array(g).reshape(4, 1), y) for g in guesses]
    assert int(np.argmin(losses)) == 1
    assert losses[1] == pytest.approx(-np.log(0.44))


def test_binary_nll_value_clipping_and_gradient():
    P = np.array([[0.8, 0.3, 0.0, 1.0]])
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    loss = BinaryNLL()
    eps = np.finfo(np.float64).eps
    expected = -np.log(0.8) - np.log(0.7) - np.log1p(-eps) - np.log(1 - eps)
    assert loss.forward(P, Y) == pytest.approx(expected, rel=1e-14)
    wrong = loss.forward(np.array([[0.0]]), np.array([[1.0]]))
    assert wrong == pytest.approx(-np.log(eps))
    loss.forward(P, Y)
    np.testing.assert_array_equal(loss.backward(), P - Y)


def test_squared_loss_sums_over_units_and_points():
    G = np.array([[3.0, 0.5], [1.0, -1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    sq = SquaredLoss()
    assert sq.forward(G, Y) == 4 + 0.25 + 1 + 4
    np.testing.assert_array_equal(sq.backward(), [[4.0, 1.0], [2.0, -4.0]])


@pytest.mark.parametrize("cls", [NLL, BinaryNLL, SquaredLoss])
def test_losses_return_python_floats_and_repr(cls):
    value = cls().forward(np.array([[0.5]]), np.array([[1.0]]))
    assert type(value) is float
    assert repr(cls()) == f"{cls.__name__}()"


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(30))
def test_the_loss_of_random_nets_is_torch_cross_entropy(torch, seed):
    # weights ~ N(0, 1) make many of these networks confidently wrong
    rng = np.random.default_rng(seed)
    depth = 2 + seed % 3
    spec = NetworkSpec(hidden=(16,) * (depth - 1), activations=("relu",) * (depth - 1), n_classes=3)
    net = build_network(spec, rng)
    for W, W0 in layer_params(net):
        W[...] = rng.normal(0, 1, W.shape)
        W0[...] = rng.normal(0, 1, W0.shape)
    X = rng.normal(0, 3, (2, 50))
    y = rng.integers(0, 3, 50)
    loss = net.loss.forward(net.forward(X), one_hot(y, 3))
    logits = torch.tensor(net.modules[-1].Z.T)
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(y), reduction="sum").item()
    assert loss == pytest.approx(expected, rel=1e-12)
