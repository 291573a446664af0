import numpy as np
import pytest

from engine import NLL, Linear, ReLU, Sequential, SoftMax, SquaredLoss, Tanh


def small_net(rng=None):
    return Sequential([Linear(2, 3, rng), Tanh(), Linear(3, 2, rng), SoftMax()], NLL())


def test_forward_chains_the_modules():
    net = small_net(np.random.default_rng(0))
    X = np.array([[1.0, -1.0], [0.5, 2.0]])
    l1, t, l2, _ = net.modules
    expected = l2.W.T @ np.tanh(l1.W.T @ X + l1.W0) + l2.W0
    e = np.exp(expected - expected.max(axis=0))
    np.testing.assert_allclose(net.forward(X), e / e.sum(axis=0), rtol=1e-14)
    assert t.A.shape == (3, 2)


def test_backward_returns_the_input_gradient_and_fills_every_layer():
    net = small_net(np.random.default_rng(0))
    X = np.array([[1.0], [0.5]])
    Y = np.array([[0.0], [1.0]])
    P = net.forward(X)
    net.loss.forward(P, Y)
    dX = net.backward(net.loss.backward())
    l1, t, l2, _ = net.modules
    dZ2 = P - Y
    dZ1 = (l2.W @ dZ2) * (1 - t.A ** 2)
    np.testing.assert_allclose(dX, l1.W @ dZ1, rtol=1e-14)
    np.testing.assert_allclose(l1.dLdW, X @ dZ1.T, rtol=1e-14)
    np.testing.assert_allclose(l2.dLdW0, dZ2, rtol=1e-14)


def test_sgd_draws_exactly_one_global_index_per_iteration():
    X = np.arange(10.0).reshape(2, 5)
    Y = np.vstack([np.ones(5), np.zeros(5)])
    net = small_net(np.random.default_rng(0))
    np.random.seed(11)
    net.sgd(X, Y, iters=7, lrate=0.01)
    after = np.random.randint(1000)
    np.random.seed(11)
    [np.random.randint(5) for _ in range(7)]
    assert np.random.randint(1000) == after


def test_sgd_with_a_generator_uses_only_it():
    X = np.arange(10.0).reshape(2, 5)
    Y = np.vstack([np.ones(5), np.zeros(5)])
    np.random.seed(2)
    state = np.random.get_state()[1].copy()
    a, b = small_net(np.random.default_rng(0)), small_net(np.random.default_rng(0))
    a.sgd(X, Y, iters=20, lrate=0.1, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    # the same updates by hand, on the indices rng.integers draws
    rng = np.random.default_rng(4)
    for _ in range(20):
        i = rng.integers(5)
        b.forward(X[:, i:i + 1])
        b.loss.forward(b.modules[-1].A, Y[:, i:i + 1])
        b.backward(b.loss.backward())
        b.sgd_step(0.1)
    np.testing.assert_array_equal(a.modules[0].W, b.modules[0].W)
    np.testing.assert_array_equal(a.modules[2].W0, b.modules[2].W0)


def test_sgd_returns_the_mean_loss_and_learns_a_separable_set():
    X = np.array([[2, 3, 9, 12], [5, 2, 6, 5]], dtype=float)
    y = np.array([[1, 0, 1, 0]])
    Y = np.vstack([1 - y, y])
    net = Sequential([Linear(2, 4, np.random.default_rng(1)), ReLU(),
                      Linear(4, 2, np.random.default_rng(2)), SoftMax()], NLL())
    assert net.sgd(X, Y, iters=0) == 0.0
    first = net.sgd(X, Y, iters=50, lrate=0.005, rng=np.random.default_rng(0))
    assert np.isfinite(first) and first > 0


def test_print_accuracy_prints_every_250th_iteration(capsys):
    X = np.array([[1.0, -1.0], [0.0, 0.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    net = Sequential([Linear(2, 2, np.random.default_rng(0)), SoftMax()], NLL())
    net.modules[0].W = np.array([[1.0, -1.0], [0.0, 0.0]])
    net.print_accuracy(0, X, Y, 0.5)
    assert capsys.readouterr().out == ""
    net.print_accuracy(251, X, Y, 0.5)
    assert capsys.readouterr().out == "Iteration = 251  Acc = 1.0  Loss = 0.5\n"


def test_repr_lists_modules_and_loss():
    net = Sequential([Linear(1, 1, np.random.default_rng(0)), SoftMax()], SquaredLoss())
    assert repr(net) == "Sequential([Linear(1, 1), SoftMax()], SquaredLoss())"


def test_sgd_rejects_a_non_matrix_input():
    net = small_net(np.random.default_rng(0))
    with pytest.raises(ValueError):
        net.sgd(np.zeros(4), np.zeros((2, 4)), iters=1)
