"""Activation functions as pure NumPy functions, one registry by name.

Each entry pairs a function with its derivative written in terms of the
function's *output* ``a = f(z)`` where that is cheaper (tanh, sigmoid), so a
module can backpropagate from what it stored in ``forward``.  ``softmax`` has
no elementwise derivative: it is only ever paired with NLL (see losses.py),
which reads its log-sum-exp (``softmax_lse``) for an exact loss.

Shapes: every function maps an array of any shape to the same shape; softmax
normalises over axis 0 (classes are rows, data points are columns).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np


def relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def relu_grad(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    # The homework fixes the derivative at 0 to be 0.
    return (z > 0).astype(z.dtype)


def tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def tanh_grad(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def sigmoid(z: np.ndarray) -> np.ndarray:
    # Two branches so that exp never overflows, for z of either sign.
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def sigmoid_grad(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def linear(z: np.ndarray) -> np.ndarray:
    return z


def linear_grad(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def softmax(z: np.ndarray) -> np.ndarray:
    """Column-wise softmax, k x b -> k x b (float64 for integer z)."""
    return softmax_lse(z)[0]


def softmax_lse(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(softmax(z) k x b, log-sum-exp of each column 1 x b).  Subtracting each
    column's max leaves the result unchanged and keeps exp from overflowing;
    z - lse is log softmax(z) exactly, also where softmax underflows to 0."""
    shift = np.maximum.reduce(z, axis=0, keepdims=True)
    e = z - shift
    if e.dtype.kind != "f":
        e = e.astype(np.float64)
    # In place on the one new array: this runs on every training step.
    np.exp(e, out=e)
    total = np.add.reduce(e, axis=0, keepdims=True)
    e /= total
    np.log(total, out=total)
    total += shift
    return e, total


class Activation(NamedTuple):
    fn: Callable[[np.ndarray], np.ndarray]
    grad: Callable[[np.ndarray, np.ndarray], np.ndarray] | None


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation(relu, relu_grad),
    "tanh": Activation(tanh, tanh_grad),
    "sigmoid": Activation(sigmoid, sigmoid_grad),
    "linear": Activation(linear, linear_grad),
    "softmax": Activation(softmax, None),
}

HIDDEN_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
