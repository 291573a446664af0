"""The homework's modules: Linear and the activation modules.

Shapes (columns are data points): a Linear module of m inputs and n outputs
maps A (m x b) to Z = W.T @ A + W0 (n x b), with W m x n and W0 n x 1.  An
activation module maps Z (n x b) to A (n x b).  ``backward`` takes the
gradient of the loss with respect to a module's output and returns the one
with respect to its input, same shapes as forward's output and input.
"""
from __future__ import annotations

import numpy as np

from engine.functions import ACTIVATIONS, softmax_lse


class Module:
    """Base class: modules without parameters take no SGD step."""

    def sgd_step(self, lrate: float) -> None:
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def homework_init(m: int, n: int, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """The homework's draw: W (m x n) ~ N(0, 1/m), W0 (n x 1) zeros.

    With ``rng=None`` W is ``np.random.normal(0, 1.0 * m ** (-.5), [m, n])``
    from numpy's global legacy generator, so ``np.random.seed(0)`` reproduces
    the homework's numbers."""
    if rng is None:
        W = np.random.normal(0, 1.0 * m ** (-.5), [m, n])
    else:
        W = rng.normal(0, m ** -0.5, (m, n))
    return W, np.zeros([n, 1])


def pytorch_init(m: int, n: int, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's default for ``nn.Linear`` (``reset_parameters``): W (m x n)
    and then W0 (n x 1) uniform in +-1/sqrt(m), m the fan-in (the global
    legacy generator when rng is None)."""
    bound = m ** -0.5
    draw = np.random.uniform if rng is None else rng.uniform
    return draw(-bound, bound, (m, n)), draw(-bound, bound, (n, 1))


class Linear(Module):
    """Z = W.T @ A + W0 with W m x n and W0 n x 1, drawn by ``init``:
    ``homework_init`` (the default: the homework's own draw) or
    ``pytorch_init``, from the given ``np.random.Generator`` (numpy's global
    legacy generator for ``rng=None``)."""

    def __init__(self, m: int, n: int, rng: np.random.Generator | None = None, init=homework_init):
        self.m, self.n = (m, n)
        self.W, self.W0 = init(m, n, rng)
        self.dLdW = None   # m x n after backward
        self.dLdW0 = None  # n x 1 after backward
        self._bound = False

    def forward(self, A: np.ndarray) -> np.ndarray:
        """A (m x b) -> Z (n x b); A is kept for backward."""
        self.A = A
        # np.dot rather than @: the same product, ~0.5 us less per call on the
        # small matrices of a playground step (seven products a step)
        Z = np.dot(self.W.T, A)
        Z += self.W0
        return Z

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        """dLdZ (n x b) -> dLdA (m x b); stores dLdW (m x n) and dLdW0 (n x 1)."""
        if self._bound:   # into the given arrays, cast to their dtype (a probe's
            # float64 point through a float32 run)
            np.matmul(self.A, dLdZ.T, out=self.dLdW)
            np.add.reduce(dLdZ, axis=1, keepdims=True, out=self.dLdW0)
        else:
            self.dLdW = self.A @ dLdZ.T
            self.dLdW0 = dLdZ.sum(axis=1, keepdims=True)
        return np.dot(self.W, dLdZ)

    def sgd_step(self, lrate: float) -> None:
        self.W -= lrate * self.dLdW
        self.W0 -= lrate * self.dLdW0

    def bind(self, W: np.ndarray, W0: np.ndarray, dLdW: np.ndarray, dLdW0: np.ndarray) -> None:
        """Move the parameters into the given arrays (m x n, n x 1) and have
        backward write its gradients into the given ones (same shapes).

        A training run binds every layer to views of one flat parameter
        vector and one flat gradient vector, so that an optimiser updates all
        layers with a few whole-vector operations.
        """
        for target, shape in ((W, self.W.shape), (W0, self.W0.shape),
                              (dLdW, self.W.shape), (dLdW0, self.W0.shape)):
            if target.shape != shape:
                raise ValueError(f"bind: expected shape {shape}, got {target.shape}")
        W[...] = self.W
        W0[...] = self.W0
        self.W, self.W0, self.dLdW, self.dLdW0 = W, W0, dLdW, dLdW0
        self._bound = True

    def __repr__(self) -> str:
        return f"Linear({self.m}, {self.n})"


class Activation(Module):
    """An elementwise activation from ``functions.ACTIVATIONS``: Z (n x b) -> A (n x b)."""

    name = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._fn = staticmethod(ACTIVATIONS[cls.name].fn)
        cls._grad = staticmethod(ACTIVATIONS[cls.name].grad)

    def forward(self, Z: np.ndarray) -> np.ndarray:
        self.Z = Z
        self.A = self._fn(Z)
        return self.A

    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        """dLdA (n x b) -> dLdZ (n x b), from the Z and A kept by forward."""
        return dLdA * self._grad(self.Z, self.A)


class Tanh(Activation):
    name = "tanh"


class ReLU(Activation):
    """max(0, z); its derivative at 0 is 0, as the homework fixes it."""

    name = "relu"
    _zeros = np.zeros(0)

    def forward(self, Z: np.ndarray) -> np.ndarray:
        self.Z = Z
        # NumPy 2.4's maximum is SIMD only against an array: a kept array of 0s
        # makes this ~3x faster than np.maximum(Z, 0) on a 100 x 400 batch.
        if self._zeros.shape != Z.shape or self._zeros.dtype != Z.dtype:
            self._zeros = np.zeros_like(Z)
        self.A = np.maximum(Z, self._zeros)
        return self.A

    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        return dLdA * (self.Z > 0.0)   # the same as relu_grad without a float copy


class Sigmoid(Activation):
    """Logistic sigmoid for hidden layers: backward multiplies by a (1 - a)."""

    name = "sigmoid"


class Identity(Activation):
    """The linear output (paired with SquaredLoss) or a linear hidden layer."""

    name = "linear"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        self.Z = self.A = Z
        return Z

    def backward(self, dLdA: np.ndarray) -> np.ndarray:
        return dLdA

    def class_fun(self, Ypred: np.ndarray) -> np.ndarray:
        """Ypred (k x b) -> index of the largest output per column, shape (b,)."""
        return np.argmax(Ypred, axis=0)


class SoftMax(Activation):
    """Column-wise softmax output, Z (k x b) -> probabilities (k x b).

    Beside Z and A it keeps ``lse`` (1 x b), each column's log-sum-exp, so
    that the paired NLL takes log A = Z - lse exactly (losses.py)."""

    name = "softmax"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        self.Z = Z
        self.A, self.lse = softmax_lse(Z)   # subtracts the column max: no overflow
        return self.A

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        # SoftMax is only ever paired with NLL, whose backward already returns
        # dL/dZ = Ypred - Y (the softmax Jacobian folded in), so pass it through.
        return dLdZ

    def class_fun(self, Ypred: np.ndarray) -> np.ndarray:
        """Ypred (k x b) -> most likely class per column, shape (b,)."""
        return np.argmax(Ypred, axis=0)


class SigmoidOutput(Sigmoid):
    """One sigmoid output unit for two classes, paired with BinaryNLL.

    Z (1 x b) -> p = P(class 1) (1 x b).  Not a homework class: the homework
    only remarks that sigmoid + NLL simplifies like softmax + NLL.
    """

    def backward(self, dLdZ: np.ndarray) -> np.ndarray:
        # Paired with BinaryNLL, whose backward already returns dL/dZ = p - y
        # (the sigmoid derivative folded in), so pass it through.
        return dLdZ

    def class_fun(self, Ypred: np.ndarray) -> np.ndarray:
        """Ypred (1 x b) -> class 1 where p > 0.5, else 0; shape (b,)."""
        return (Ypred[0] > 0.5).astype(np.intp)
