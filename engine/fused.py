"""A training run's fast path: the forward and backward pass over flat parameters.

Columns are points.  Every layer's W (m x n) and W0 (n x 1) live in one flat
vector ``params`` (P,), W's values row by row and then W0's, layer after layer,
and the gradient in a parallel vector ``grads`` (P,) that optim.py updates
from.  There W0 follows W, so [W; W0.T] is one (m + 1) x n block: a layer's
input A with a row of 1s appended ((m + 1) x b, kept in a buffer) gives
Z = W.T @ A + W0 in one product, and one product of the same kind gives
[dLdW; dLdW0.T] -- no separate bias passes: two NumPy calls fewer per layer
and step, a sixth of a small step's calls.

It computes what the homework's modules compute (modules.py, losses.py; the
tests named in engine/__init__.py tie the two) with its own arrays: each
hidden activation's forward sits beside its gradient (``_HIDDEN``), each
output beside its loss and that pair's gradient (``_HEADS``).  A forward
pass is returned as a ``Pass``, which a caller may keep and take the
gradient of later (a run's evaluation of the training set serves the next
full-batch step).
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from engine.functions import ACTIVATIONS, softmax_lse
from engine.losses import binary_nll, binary_nll_points, nll, nll_points, squared, squared_points
from engine.network import OUTPUTS, NetworkSpec


class Pass(NamedTuple):
    """One forward pass of b points: ``inputs`` each layer's input with its row
    of 1s ((m + 1) x b, the first the points [X; 1s]), ``Z`` and ``A`` each
    hidden layer's pre-activation and activation (n x b, A a view of the next
    layer's input), ``Z_out`` the output layer's pre-activation (k x b),
    ``Ypred`` the output (k x b) and ``lse`` its columns' log-sum-exp (1 x b,
    softmax only, else None)."""
    inputs: list
    Z: list
    A: list
    Z_out: np.ndarray
    Ypred: np.ndarray
    lse: np.ndarray | None


# ---- hidden activations: A = f(Z) into a buffer, and dL/dZ from dL/dA ---------------
# backward_in_place may write over dLdA: the pass hands it a new array it owns.

class _ReLU:
    """max(0, z); the derivative at 0 is 0, as the homework fixes it."""

    def __init__(self):
        self._zeros = {}   # shape -> zeros: a batch's, the last batch's, the sets' (one dtype)

    def forward_into(self, Z: np.ndarray, out: np.ndarray) -> None:
        # NumPy 2.4's maximum is SIMD only against an array: kept 0s make it
        # ~3x faster than np.maximum(Z, 0) on a 100 x 400 batch.
        zeros = self._zeros.get(Z.shape)
        if zeros is None:
            zeros = self._zeros[Z.shape] = np.zeros_like(Z)
        np.maximum(Z, zeros, out=out)

    @staticmethod
    def backward_in_place(dLdA: np.ndarray, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return np.multiply(dLdA, Z > 0.0, out=dLdA)


class _Elementwise:
    """A = f(Z) and dL/dZ = dL/dA * f'(z), from functions.ACTIVATIONS."""

    def __init__(self, name: str):
        self.fn, self.grad = ACTIVATIONS[name]

    def forward_into(self, Z: np.ndarray, out: np.ndarray) -> None:
        out[...] = self.fn(Z)

    def backward_in_place(self, dLdA: np.ndarray, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return np.multiply(dLdA, self.grad(Z, A), out=dLdA)


class _Tanh(_Elementwise):
    def __init__(self):
        super().__init__("tanh")

    def forward_into(self, Z: np.ndarray, out: np.ndarray) -> None:
        np.tanh(Z, out=out)


class _Linear:
    @staticmethod
    def forward_into(Z: np.ndarray, out: np.ndarray) -> None:
        out[...] = Z

    @staticmethod
    def backward_in_place(dLdA: np.ndarray, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return dLdA


_HIDDEN: dict[str, Callable[[], object]] = {
    "relu": _ReLU, "tanh": _Tanh, "sigmoid": lambda: _Elementwise("sigmoid"), "linear": _Linear,
}


# ---- outputs with their losses: Ypred from Z, the summed loss, dL/dZ -----------------

class _Head(NamedTuple):
    forward: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]   # Z -> Ypred, lse
    loss: Callable[[Pass, np.ndarray], float]                               # summed over b
    point_losses: Callable[[Pass, np.ndarray], np.ndarray]                  # (b,)
    delta: Callable[[Pass, np.ndarray], np.ndarray]                         # dL/dZ_out, a new array


def _identity(Z: np.ndarray) -> tuple[np.ndarray, None]:
    return Z, None


def _sigmoid(Z: np.ndarray) -> tuple[np.ndarray, None]:
    return ACTIVATIONS["sigmoid"].fn(Z), None


_HEADS: dict[str, _Head] = {
    # log Ypred = Z - lse exactly, as NLL reads its paired SoftMax
    "softmax": _Head(softmax_lse, lambda p, Y: nll(p.Z_out - p.lse, Y),
                     lambda p, Y: nll_points(p.Z_out - p.lse, Y),
                     lambda p, Y: p.Ypred - Y),              # softmax + NLL: Ypred - Y
    "sigmoid": _Head(_sigmoid, lambda p, Y: binary_nll(p.Ypred, Y),
                     lambda p, Y: binary_nll_points(p.Ypred, Y),
                     lambda p, Y: p.Ypred - Y),              # sigmoid + BinaryNLL: p - y
    "linear": _Head(_identity, lambda p, Y: squared(p.Ypred, Y),
                    lambda p, Y: squared_points(p.Ypred, Y),
                    lambda p, Y: 2.0 * (p.Ypred - Y)),
}
assert set(_HEADS) == set(OUTPUTS)


class FusedStep:
    """The forward and backward pass of ``spec``'s network over flat vectors.

    ``params`` and ``grads`` (P,) of ``dtype``, P = spec.n_params(), start
    uninitialised; ``layers`` gives per layer (W m x n, W0 n x 1, dLdW,
    dLdW0) as views of them (for ``Linear.bind``).
    """

    def __init__(self, spec: NetworkSpec, dtype: np.dtype):
        self.dtype = np.dtype(dtype)
        self.params = np.empty(spec.n_params(), self.dtype)
        self.grads = np.empty(spec.n_params(), self.dtype)
        self.layers = []
        self._blocks = []   # per layer ([W; W0.T].T n x (m + 1), W, [dLdW; dLdW0.T])
        offset = 0
        sizes = spec.layer_sizes
        for m, n in zip(sizes[:-1], sizes[1:]):
            p = self.params[offset:offset + (m + 1) * n]
            g = self.grads[offset:offset + (m + 1) * n]
            W = p[:m * n].reshape(m, n)
            self.layers.append((W, p[m * n:].reshape(n, 1), g[:m * n].reshape(m, n), g[m * n:].reshape(n, 1)))
            self._blocks.append((p.reshape(m + 1, n).T, W, g.reshape(m + 1, n)))
            offset += (m + 1) * n
        self._hidden = [_HIDDEN[name]() for name in spec.activations]
        self._head = _HEADS[spec.output]
        self._buffers = {}   # b -> _with_ones(b)

    def forward(self, X1: np.ndarray, reuse: bool) -> Pass:
        """The pass of the points X1 ([X; 1s], (d + 1) x b).  With ``reuse`` the
        hidden layers write into buffers kept per b, which the next such pass
        of b points overwrites; else into new arrays (a pass to keep)."""
        b = X1.shape[1]
        buffers = self._buffers.get(b) if reuse else None
        if buffers is None:
            buffers = self._with_ones(b)
            if reuse:
                self._buffers[b] = buffers
        inputs, Zs, As = [X1], [], []
        # one pass per hidden layer, the fewest Python steps: this runs every step
        for (blockT, _, _), hidden, (with_ones, A) in zip(self._blocks, self._hidden, buffers):
            Z = np.dot(blockT, inputs[-1])
            hidden.forward_into(Z, A)
            Zs.append(Z)
            As.append(A)
            inputs.append(with_ones)
        Z = np.dot(self._blocks[-1][0], inputs[-1])
        Ypred, lse = self._head.forward(Z)
        return Pass(inputs, Zs, As, Z, Ypred, lse)

    def _with_ones(self, b: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per hidden layer (n units) an (n + 1) x b array whose last row is 1s,
        and the n x b view above it that the layer's A is written into."""
        out = []
        for blockT, _, _ in self._blocks[:-1]:
            with_ones = np.empty((blockT.shape[0] + 1, b), self.dtype)
            with_ones[-1] = 1
            out.append((with_ones, with_ones[:-1]))
        return out

    def loss(self, p: Pass, Y: np.ndarray) -> float:
        """The loss of the pass against targets Y (k x b), summed over the points."""
        return self._head.loss(p, Y)

    def point_losses(self, p: Pass, Y: np.ndarray) -> np.ndarray:
        """Each point's loss, (b,)."""
        return self._head.point_losses(p, Y)

    def backward(self, p: Pass, Y: np.ndarray, scale: float | None) -> None:
        """The gradient of the pass's summed loss (times ``scale`` unless None)
        into ``grads``: every layer's [dLdW; dLdW0.T]."""
        delta = self._head.delta(p, Y)
        if scale is not None:
            delta *= scale
        blocks, hidden = self._blocks, self._hidden
        for layer in range(len(blocks) - 1, 0, -1):
            _, W, grad = blocks[layer]
            np.dot(p.inputs[layer], delta.T, out=grad)
            delta = hidden[layer - 1].backward_in_place(np.dot(W, delta), p.Z[layer - 1], p.A[layer - 1])
        np.dot(p.inputs[0], delta.T, out=blocks[0][2])

    def __repr__(self) -> str:
        return f"FusedStep({len(self._blocks)} layers, {self.params.size} params, {self.dtype.name})"
