"""Loss modules.  ``forward(Ypred, Y)`` returns the loss summed over the batch
(the homework's convention) as a float; ``backward()`` returns its gradient
with respect to the last module's input, k x b like Ypred and Y;
``point_losses(Ypred, Y)`` the loss of each point, (b,) (not kept for backward).

Each loss is paired with one output module, and the pairing is what makes the
gradient simple: softmax + NLL and sigmoid + BinaryNLL give dL/dZ = Ypred - Y
(the output modules pass it through), and a linear output + SquaredLoss gives
dL/dA = dL/dZ = 2 (Ypred - Y).
"""
from __future__ import annotations

import numpy as np

from engine.modules import Module, SoftMax


_EPS = {np.dtype(t): float(np.finfo(t).eps) for t in (np.float16, np.float32, np.float64, np.longdouble)}


def _eps(a: np.ndarray) -> float:
    """The machine epsilon of a's float type (float64's for any other input)."""
    return _EPS.get(a.dtype, _EPS[np.dtype(np.float64)])


# The losses' values as pure functions, so that a module here and the run's
# fused step (fused.py) compute them with the same operations.

def nll(logp: np.ndarray, Y: np.ndarray) -> float:
    """-sum(Y log p) from log p (k x b, a new array: it is overwritten)."""
    logp *= Y
    return -float(np.add.reduce(logp, axis=None))


def nll_points(logp: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """-sum over rows of Y log p, (b,)."""
    return -np.sum(logp * Y, axis=0)


def binary_nll(p: np.ndarray, Y: np.ndarray) -> float:
    """-sum(Y log p + (1 - Y) log(1 - p)), p (1 x b) clipped to [eps, 1 - eps]."""
    eps = _eps(p)
    p = np.clip(p, eps, 1.0 - eps)
    return float(-np.sum(Y * np.log(p) + (1.0 - Y) * np.log1p(-p)))


def binary_nll_points(p: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """binary_nll of each point, (b,)."""
    eps = _eps(p)
    p = np.clip(p, eps, 1.0 - eps)
    return -np.sum(Y * np.log(p) + (1.0 - Y) * np.log1p(-p), axis=0)


def squared(g: np.ndarray, Y: np.ndarray) -> float:
    """sum((g - Y)^2) over units and points; g, Y: k x b."""
    diff = g - Y
    return float(np.sum(diff * diff))


def squared_points(g: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """squared of each point, (b,)."""
    diff = g - Y
    return np.sum(diff * diff, axis=0)


class NLL(Module):
    """Multiclass negative log likelihood for a softmax output.

    Ypred, Y: k x b (probabilities, one-hot).  Value -sum(Y log Ypred).
    Paired with its SoftMax (``pair``; Sequential does it) and given that
    module's latest output, log Ypred is Z - lse from the logits, exact like
    PyTorch's cross-entropy however wrong the network.  Any other Ypred is
    read as given, clipped below at the dtype's eps so it is never inf or
    nan: a confidently wrong point then counts -log(eps) (36 nats in
    float64, 15.9 in float32) instead of its true loss.
    """

    def __init__(self):
        self._softmax: SoftMax | None = None

    def pair(self, output: Module) -> None:
        """Read the logits of ``output`` when it is a SoftMax (else: none)."""
        self._softmax = output if isinstance(output, SoftMax) else None

    def forward(self, Ypred: np.ndarray, Y: np.ndarray) -> float:
        self.Ypred, self.Y = Ypred, Y
        return nll(self._log(Ypred), Y)

    def point_losses(self, Ypred: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return nll_points(self._log(Ypred), Y)

    def _log(self, Ypred: np.ndarray) -> np.ndarray:
        """log Ypred (k x b) as a new array: exact from the paired softmax's logits."""
        source = self._softmax
        if source is not None and Ypred is getattr(source, "A", None):
            return source.Z - source.lse
        return np.log(np.maximum(Ypred, _eps(Ypred)))

    def backward(self) -> np.ndarray:
        # dL/dZ of the softmax's input, valid only for the softmax + NLL pairing.
        return self.Ypred - self.Y


class BinaryNLL(Module):
    """Two-class negative log likelihood for one sigmoid output unit.

    Ypred: 1 x b probabilities of class 1; Y: 1 x b of 0/1.  Value
    -sum(Y log p + (1 - Y) log(1 - p)) with p clipped to [eps, 1 - eps].
    """

    def forward(self, Ypred: np.ndarray, Y: np.ndarray) -> float:
        self.Ypred, self.Y = Ypred, Y
        return binary_nll(Ypred, Y)

    def point_losses(self, Ypred: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return binary_nll_points(Ypred, Y)

    def backward(self) -> np.ndarray:
        # dL/dZ of the sigmoid's input, valid only for the sigmoid + BinaryNLL pairing.
        return self.Ypred - self.Y


class SquaredLoss(Module):
    """Squared loss sum((g - y)^2) over units and points; g, y: k x b."""

    def forward(self, Ypred: np.ndarray, Y: np.ndarray) -> float:
        self.Ypred, self.Y = Ypred, Y
        return squared(Ypred, Y)

    def point_losses(self, Ypred: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return squared_points(Ypred, Y)

    def backward(self) -> np.ndarray:
        return 2.0 * (self.Ypred - self.Y)
