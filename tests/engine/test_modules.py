import numpy as np
import pytest

from engine.modules import Identity, Linear, ReLU, Sigmoid, SigmoidOutput, SoftMax, Tanh


def test_linear_draws_from_the_global_generator_like_the_homework():
    np.random.seed(3)
    lin = Linear(4, 3)
    np.random.seed(3)
    expected = np.random.normal(0, 1.0 * 4 ** (-.5), [4, 3])
    np.testing.assert_array_equal(lin.W, expected)
    np.testing.assert_array_equal(lin.W0, np.zeros((3, 1)))


def test_linear_with_a_generator_leaves_the_global_one_alone():
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    lin = Linear(2, 5, np.random.default_rng(7))
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    np.testing.assert_array_equal(lin.W, np.random.default_rng(7).normal(0, 2 ** -0.5, (2, 5)))


def test_linear_forward_backward_and_step_by_hand():
    lin = Linear(2, 2, np.random.default_rng(0))
    lin.W = np.array([[1.0, 2.0], [3.0, 4.0]])
    lin.W0 = np.array([[0.5], [-1.0]])
    A = np.array([[1.0, 0.0, 2.0], [-1.0, 1.0, 1.0]])              # m x b = 2 x 3
    Z = lin.forward(A)
    # z_j = sum_i a_i w_ij + w0_j, column by column
    np.testing.assert_array_equal(Z, [[1 - 3 + 0.5, 3 + 0.5, 2 + 3 + 0.5],
                                      [2 - 4 - 1, 4 - 1, 4 + 4 - 1]])
    dLdZ = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 1.0]])
    dLdA = lin.backward(dLdZ)
    np.testing.assert_array_equal(lin.dLdW, [[1, 2], [1, -1 + 1]])
    np.testing.assert_array_equal(lin.dLdW0, [[3.0], [0.0]])
    np.testing.assert_array_equal(dLdA, [[1, 0, 2], [3, 2, 4]])
    lin.sgd_step(0.5)
    np.testing.assert_array_equal(lin.W, [[0.5, 1.0], [2.5, 4.0]])
    np.testing.assert_array_equal(lin.W0, [[-1.0], [-1.0]])


def test_bound_linear_writes_gradients_into_the_given_arrays():
    lin = Linear(3, 2, np.random.default_rng(1))
    W = lin.W.copy()
    flat, grads = np.zeros(8), np.zeros(8)
    lin.bind(flat[:6].reshape(3, 2), flat[6:].reshape(2, 1), grads[:6].reshape(3, 2), grads[6:].reshape(2, 1))
    np.testing.assert_array_equal(flat[:6], W.ravel())
    A = np.arange(6.0).reshape(3, 2)
    lin.forward(A)
    lin.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(grads[:6].reshape(3, 2), A @ np.ones((2, 2)))
    np.testing.assert_array_equal(grads[6:], [2.0, 2.0])
    lin.sgd_step(1.0)
    np.testing.assert_array_equal(flat[6:], [-2.0, -2.0])  # the step updated the views


@pytest.mark.parametrize("shapes", [
    [(2, 3), (3, 1), (3, 3), (3, 1)],
    [(3, 2), (2, 1), (2, 3), (2, 1)],
    [(3, 2), (3, 1), (3, 2), (2,)],
])
def test_bind_rejects_wrong_shapes(shapes):
    lin = Linear(3, 2, np.random.default_rng(1))
    with pytest.raises(ValueError, match="bind: expected shape"):
        lin.bind(*(np.zeros(s) for s in shapes))


def test_tanh_and_sigmoid_backward_use_the_stored_output():
    Z = np.array([[-1.0, 0.0, 2.0]])
    t = Tanh()
    A = t.forward(Z)
    np.testing.assert_allclose(t.backward(np.full((1, 3), 2.0)), 2 * (1 - np.tanh(Z) ** 2), rtol=1e-15)
    s = Sigmoid()
    P = s.forward(Z)
    np.testing.assert_allclose(P, 1 / (1 + np.exp(-Z)), rtol=1e-15)
    np.testing.assert_allclose(s.backward(np.ones((1, 3))), P * (1 - P), rtol=1e-15)
    assert A is t.A


def test_relu_derivative_is_zero_at_zero_and_negative():
    r = ReLU()
    np.testing.assert_array_equal(r.forward(np.array([[-2.0], [0.0], [3.0]])), [[0], [0], [3]])
    np.testing.assert_array_equal(r.backward(np.array([[5.0], [5.0], [5.0]])), [[0], [0], [5]])


def test_softmax_is_safe_for_huge_preactivations_and_passes_dldz_through():
    sm = SoftMax()
    Z = np.array([[1000.0, -1000.0], [0.0, -999.0]])
    P = sm.forward(Z)  # warnings are errors here: an overflow would fail
    np.testing.assert_allclose(P, [[1.0, 1 / (1 + np.e)], [0.0, np.e / (1 + np.e)]], atol=1e-300)
    d = np.array([[0.1, 0.2], [0.3, 0.4]])
    assert sm.backward(d) is d
    cls = sm.class_fun(P)
    assert cls.shape == (2,)
    np.testing.assert_array_equal(cls, [0, 1])


def test_identity_and_sigmoid_output():
    ident = Identity()
    Z = np.array([[1.0, -2.0], [3.0, -1.0]])
    assert ident.forward(Z) is Z
    assert ident.backward(Z) is Z
    np.testing.assert_array_equal(ident.class_fun(Z), [1, 1])
    so = SigmoidOutput()
    P = so.forward(np.array([[-800.0, 0.0, 0.1, 800.0]]))
    np.testing.assert_array_equal(so.class_fun(P), [0, 0, 1, 1])  # p = 0.5 counts as class 0
    d = np.ones((1, 4))
    assert so.backward(d) is d


@pytest.mark.parametrize("module, text", [
    (Linear(2, 3, np.random.default_rng(0)), "Linear(2, 3)"),
    (Tanh(), "Tanh()"), (ReLU(), "ReLU()"), (Sigmoid(), "Sigmoid()"),
    (Identity(), "Identity()"), (SoftMax(), "SoftMax()"), (SigmoidOutput(), "SigmoidOutput()"),
])
def test_repr(module, text):
    assert repr(module) == text
