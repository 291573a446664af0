"""The homework's worked numbers, reproduced with the engine's homework API."""
import math

import numpy as np
import pytest

from engine import NLL, Identity, Linear, ReLU, Sequential, SoftMax, SquaredLoss, Tanh


# Problem 1: x -> ReLU(w1 x + b1) -> w2 a1 + b2, squared loss.
def problem1_net():
    net = Sequential([Linear(1, 1, np.random.default_rng(0)), ReLU(),
                      Linear(1, 1, np.random.default_rng(0)), Identity()], SquaredLoss())
    l1, _, l2, _ = net.modules
    l1.W[:], l1.W0[:] = -2.0, 3.0
    l2.W[:], l2.W0[:] = 3.0, 0.0
    return net


def test_problem_1_1_output_is_3_at_x_1():
    assert problem1_net().forward(np.array([[1.0]])).item() == 3.0


def test_problem_1_4_one_sgd_step():
    net = problem1_net()
    x, y = np.array([[1.0]]), np.array([[1.0]])
    loss = net.loss.forward(net.forward(x), y)
    # By hand: z1 = -2 + 3 = 1, a1 = 1, z2 = a2 = 3; L = (3 - 1)^2 = 4.
    # dL/dz2 = 2 (a2 - y) = 4; dL/dw2 = 4 a1 = 4; dL/db2 = 4.
    # dL/dz1 = w2 * 4 * [z1 > 0] = 12; dL/dw1 = 12 x = 12; dL/db1 = 12.
    assert loss == 4.0
    net.backward(net.loss.backward())
    l1, _, l2, _ = net.modules
    assert (l1.dLdW.item(), l1.dLdW0.item(), l2.dLdW.item(), l2.dLdW0.item()) == (12, 12, 4, 4)
    net.sgd_step(0.5)
    # w1 = -2 - 0.5*12 = -8, b1 = 3 - 6 = -3, w2 = 3 - 0.5*4 = 1, b2 = 0 - 2 = -2
    assert (l1.W.item(), l1.W0.item(), l2.W.item(), l2.W0.item()) == (-8.0, -3.0, 1.0, -2.0)


@pytest.mark.parametrize("x, moves", [(-1.0, False), (0.0, False), (1.0, True)])
def test_problem_1_5_w1_unchanged_when_x_is_0_or_the_unit_is_off(x, moves):
    net = problem1_net()   # z1 = -2x + 3 < 0 for x > 1.5; x = 0 zeroes dL/dw1
    if x == -1.0:
        net.modules[0].W0[:] = -10.0   # w1 x + b1 < 0
    net.loss.forward(net.forward(np.array([[x]])), np.array([[1.0]]))
    net.backward(net.loss.backward())
    net.sgd_step(0.5)
    assert (net.modules[0].W.item() != -2.0) is moves


# Problem 2: the hand-set 2-4-2 ReLU / softmax network.
def problem2_net():
    net = Sequential([Linear(2, 4, np.random.default_rng(0)), ReLU(),
                      Linear(4, 2, np.random.default_rng(0)), SoftMax()], NLL())
    l1, _, l2, _ = net.modules
    l1.W = np.array([[1.0, 0, -1, 0], [0, 1, 0, -1]])
    l1.W0 = np.full((4, 1), -1.0)
    l2.W = np.array([[1.0, -1], [1, -1], [1, -1], [1, -1]])
    l2.W0 = np.array([[0.0], [2.0]])
    return net


def test_problem_2_2_hidden_and_output_at_3_14():
    net = problem2_net()
    out = net.forward(np.array([[3.0], [14.0]]))
    np.testing.assert_array_equal(net.modules[1].A.ravel(), [2, 13, 0, 0])
    # z2 = [15, -15 + 2]: softmax = [1, e^-28] / (1 + e^-28)
    np.testing.assert_allclose(out.ravel(), [1 / (1 + math.exp(-28)), math.exp(-28) / (1 + math.exp(-28))],
                               rtol=1e-15)


def test_problem_2_3_3_hidden_outputs_for_three_points():
    net = problem2_net()
    net.forward(np.array([[0.5, 0.0, -3.0], [0.5, 2.0, 0.5]]))
    np.testing.assert_array_equal(net.modules[1].A, [[0, 0, 0], [0, 1, 0], [0, 0, 2], [0, 0, 0]])


def test_problem_2_3_2_points_on_the_first_unit_boundary():
    net = problem2_net()
    pts = np.array([[1.0, 1.0, 1.0, 1.0], [-5.0, 0.0, 2.0, 7.0]])   # x1 = 1
    net.forward(pts)
    np.testing.assert_array_equal(net.modules[1].Z[0], [0, 0, 0, 0])


@pytest.mark.parametrize("point, hidden_sum, expected, cls", [
    ((0.5, 0.5), 0, (1 / (1 + math.e ** 2), math.e ** 2 / (1 + math.e ** 2)), 1),
    ((0.0, 2.0), 1, (0.5, 0.5), 0),   # a tie: argmax takes the first class
    ((4.0, 0.5), 3, (math.e ** 3 / (math.e ** 3 + math.e ** -1), math.e ** -1 / (math.e ** 3 + math.e ** -1)), 0),
])
def test_problem_2_4_outputs_by_sum_of_hidden_activations(point, hidden_sum, expected, cls):
    net = problem2_net()
    out = net.forward(np.array(point).reshape(2, 1))
    assert net.modules[1].A.sum() == hidden_sum
    np.testing.assert_allclose(out.ravel(), expected, rtol=1e-15)
    assert net.modules[-1].class_fun(out).tolist() == [cls]


# Part 5: one SGD step of the 2-3-2 networks on super_simple_separable, np.random.seed(0).
X_SSS = np.array([[2, 3, 9, 12], [5, 2, 6, 5]])
y_SSS = np.array([[1, 0, 1, 0]])
Y_SSS = np.vstack([1 - y_SSS, y_SSS])


def by_hand_one_step(act, dact, lrate):
    """The homework's draws and one SGD step, written out with plain numpy."""
    np.random.seed(0)
    W1 = np.random.normal(0, 2 ** -0.5, (2, 3))
    W2 = np.random.normal(0, 3 ** -0.5, (3, 2))
    i = np.random.randint(4)
    x = X_SSS[:, i].astype(float)
    y = Y_SSS[:, i].astype(float)
    z1 = np.array([sum(x[r] * W1[r, j] for r in range(2)) for j in range(3)])
    a1 = act(z1)
    z2 = np.array([sum(a1[r] * W2[r, j] for r in range(3)) for j in range(2)])
    p = np.exp(z2) / np.exp(z2).sum()
    loss = -sum(y[j] * math.log(p[j]) for j in range(2))
    dz2 = p - y
    dW2 = np.outer(a1, dz2)
    da1 = np.array([sum(W2[r, j] * dz2[j] for j in range(2)) for r in range(3)])
    dz1 = da1 * dact(z1, a1)
    dW1 = np.outer(x, dz1)
    return dict(W1=W1, W2=W2, i=i, z1=z1, a1=a1, z2=z2, p=p, loss=loss, dz2=dz2, dW2=dW2,
                dz1=dz1, dW1=dW1, W1_new=W1 - lrate * dW1, W01_new=-lrate * dz1,
                W2_new=W2 - lrate * dW2, W02_new=-lrate * dz2)


@pytest.mark.parametrize("module, act, dact", [
    (Tanh, np.tanh, lambda z, a: 1 - a ** 2),
    (ReLU, lambda z: np.maximum(z, 0), lambda z, a: (z > 0) * 1.0),
])
def test_one_sgd_step_of_the_2_3_2_network(module, act, dact):
    ref = by_hand_one_step(act, dact, 0.005)
    np.random.seed(0)
    net = Sequential([Linear(2, 3), module(), Linear(3, 2), SoftMax()], NLL())
    l1, h, l2, sm = net.modules
    np.testing.assert_array_equal(l1.W, ref["W1"])
    np.testing.assert_array_equal(l2.W, ref["W2"])
    mean_loss = net.sgd(X_SSS, Y_SSS, iters=1, lrate=0.005)
    close = dict(rtol=1e-13, atol=1e-16)
    np.testing.assert_array_equal(l1.A.ravel(), X_SSS[:, ref["i"]])          # the chosen column
    np.testing.assert_allclose(h.Z.ravel(), ref["z1"], **close)
    np.testing.assert_allclose(h.A.ravel(), ref["a1"], **close)
    np.testing.assert_allclose(sm.Z.ravel(), ref["z2"], **close)
    np.testing.assert_allclose(sm.A.ravel(), ref["p"], **close)
    assert mean_loss == pytest.approx(ref["loss"], rel=1e-13)
    np.testing.assert_allclose(l2.dLdW, ref["dW2"], **close)
    np.testing.assert_allclose(l2.dLdW0.ravel(), ref["dz2"], **close)
    np.testing.assert_allclose(l1.dLdW, ref["dW1"], **close)
    np.testing.assert_allclose(l1.dLdW0.ravel(), ref["dz1"], **close)
    np.testing.assert_allclose(l1.W, ref["W1_new"], **close)
    np.testing.assert_allclose(l1.W0.ravel(), ref["W01_new"], **close)
    np.testing.assert_allclose(l2.W, ref["W2_new"], **close)
    np.testing.assert_allclose(l2.W0.ravel(), ref["W02_new"], **close)


def test_seed_0_draws_are_the_published_ones():
    # np.random.seed(0) then Linear(2, 3): the first six standard normals / sqrt(2)
    np.random.seed(0)
    W = Linear(2, 3).W
    np.testing.assert_allclose(W * math.sqrt(2), [[1.76405235, 0.40015721, 0.97873798],
                                                  [2.2408932, 1.86755799, -0.97727788]], rtol=1e-8)
    Linear(3, 2)
    assert np.random.randint(4) == 0   # the index the one-step tests train on
