import numpy as np
import pytest

from engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, relu_grad, sigmoid, softmax


def test_softmax_columns_sum_to_one_without_overflow():
    z = np.array([[1000.0, -1000.0], [999.0, -1001.0], [0.0, 5.0]])
    a = softmax(z)  # warnings are errors in this suite: an overflow would fail here
    np.testing.assert_allclose(a.sum(axis=0), [1.0, 1.0])
    np.testing.assert_allclose(a[:, 0], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1)), 0.0], atol=1e-12)


def test_sigmoid_is_stable_for_large_inputs():
    np.testing.assert_allclose(sigmoid(np.array([-800.0, 0.0, 800.0])), [0.0, 0.5, 1.0])


def test_relu_derivative_is_zero_at_zero():
    z = np.array([[-1.0], [0.0], [2.0]])
    np.testing.assert_array_equal(relu_grad(z, np.maximum(z, 0)), [[0.0], [0.0], [1.0]])


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_hidden_derivatives_match_finite_differences(name):
    fn, grad = ACTIVATIONS[name]
    z = np.linspace(-3, 3, 13).reshape(1, -1) + 0.05  # avoid relu's kink at 0
    h = 1e-6
    numeric = (fn(z + h) - fn(z - h)) / (2 * h)
    np.testing.assert_allclose(grad(z, fn(z)), numeric, rtol=1e-6, atol=1e-8)


def test_softmax_of_integers_is_float64():
    a = softmax(np.array([[0, 3], [1, 3]]))
    assert a.dtype == np.float64
    np.testing.assert_allclose(a, [[1 / (1 + np.e), 0.5], [np.e / (1 + np.e), 0.5]], rtol=1e-15)
