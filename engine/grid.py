"""The grid evaluator: a network's outputs on every point of a view.

A network is given as ``params``, the list of ``(W, W0)`` of its linear layers
(W m x n, W0 n x 1, as ``network.layer_params`` returns them), and
``activations``, one name per layer: the hidden layers' names from
``functions.HIDDEN_ACTIVATIONS`` followed by the output's, one of OUTPUTS.  So
this module needs no model classes.

The view is ``extent = (x0, x1, y0, y1)`` sampled at ``resolution`` points per
axis, both ends included (``grid_axes``); grid arrays are R x R with row i at
y = ys[i] and column j at x = xs[j], the orientation of a Plotly heatmap.  The
grid is evaluated a block of rows at a time with one matrix product per layer
(no loop over points or cells), in float32 unless ``evaluate_grid`` is asked
for float64.  A diverged network (huge or NaN weights) still evaluates, as
noise, and never raises: overflow there is the network's state, not an error
of this module.  ``geometry`` draws the pictures from these grids.
"""
from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, sigmoid
from engine.network import OUTPUTS


class GridResult(NamedTuple):
    classes: np.ndarray             # uint8 R x R, the predicted class per cell
    confidence: np.ndarray          # float32 R x R, the winning class's probability
    probs: np.ndarray | None        # float32 k x R x R when asked for, else None


def grid_axes(extent, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid's sample coordinates: xs (R,) and ys (R,), float64, ends
    included.  Read-only: each view's pair is made once and shared."""
    x0, x1, y0, y1 = (float(v) for v in extent)
    if not (all(map(math.isfinite, (x0, x1, y0, y1))) and x0 < x1 and y0 < y1):
        raise ValueError(f"extent must be finite (x0, x1, y0, y1) with x0 < x1, y0 < y1: {extent}")
    if int(resolution) != resolution or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, not {resolution}")
    return _axes(x0, x1, y0, y1, int(resolution))


@functools.lru_cache(maxsize=32)
def _axes(x0: float, x1: float, y0: float, y1: float, resolution: int):
    """grid_axes' arrays, made once per view: every geometry call of a frame
    validates its view through grid_axes, and two linspaces cost more than
    all the other checks of _check together."""
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys


def _check(params, activations, extent, resolution) -> tuple[np.ndarray, np.ndarray]:
    """Validate the network and the view; return the grid's axes."""
    if len(params) == 0 or len(params) != len(activations):
        raise ValueError(f"need one activation per layer: {len(params)} layers, "
                         f"{len(activations)} activations")
    fan_in = 2
    for index, (W, W0) in enumerate(params):
        W = np.asarray(W)
        if W.ndim != 2 or W.shape[0] != fan_in or np.size(W0) != W.shape[1]:
            raise ValueError(f"layer {index + 1}: W must be {fan_in} x n and W0 n x 1, "
                             f"got {W.shape} and {np.shape(W0)}")
        fan_in = W.shape[1]
    hidden, output = activations[:-1], activations[-1]
    if any(name not in HIDDEN_ACTIVATIONS for name in hidden):
        raise ValueError(f"hidden activations must be in {HIDDEN_ACTIVATIONS}: {hidden}")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {tuple(OUTPUTS)}, not {output!r}")
    if (output == "sigmoid") != (fan_in == 1):
        raise ValueError(f"a {output} output needs {'1' if output == 'sigmoid' else '>= 2'} "
                         f"units, the last layer has {fan_in}")
    return grid_axes(extent, resolution)


def _quiet(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(*args, **kwargs)
    return wrapper


# grid points per block: a block's hidden activations stay in cache (for the
# 2-100-10-3 frame 512 ran 10% faster than 1024 and 25% faster than 2048 here)
BLOCK_POINTS = 512


def _activate_into(name: str, Z: np.ndarray, A: np.ndarray, zeros: np.ndarray) -> None:
    """A = activation(Z), written into A (no new array per block).  ``zeros``
    is Z's shape of 0s: numpy 2.4's maximum against an array runs about 2.5x
    faster than against the scalar 0 (only the former is SIMD here)."""
    if name == "relu":
        np.maximum(Z, zeros, out=A)
    elif name == "tanh":
        np.tanh(Z, out=A)
    else:
        A[...] = ACTIVATIONS[name].fn(Z)


def _blocks(params, activations, xs, ys, dtype=np.float32, depth=None):
    """Evaluate the grid xs x ys a block of rows at a time.

    Yields ``(cells, layers)``: ``cells`` is the slice of the flattened R*R grid
    the block covers, ``layers`` a list of (Z, A) per layer, units x block, in
    ``dtype``, for the first ``depth`` layers (all by default).  The output
    layer's A is its Z: the output activation is the caller's business.
    Blocking keeps each layer's activations in cache; on a 2-core VM it makes a
    100 x 100 grid of 2-100-10-3 about 3x faster than one 100 x 10^4 pass.
    The arrays are buffers reused by the next block: copy out what you keep.
    Reusing them (products and activations written with ``out=``) halves the
    time again: a fresh 100 x 1000 array per layer and block costs more than
    the arithmetic that fills it.
    """
    depth = len(params) if depth is None else depth
    R = xs.shape[0]
    # Every bias rides along as a row of ones under the layer's input:
    # [W; W0'].T @ [A; 1] is one matrix product, cheaper than a separate pass
    # adding the bias (the ones sit under each A in its buffer, set once).
    weights = [np.vstack([np.asarray(W, dtype=dtype), np.asarray(W0, dtype=dtype).reshape(1, -1)]).T
               for W, W0 in params[:depth]]                              # n x (m + 1) each
    grid = np.empty((3, R, R), dtype=dtype)
    grid[0], grid[1], grid[2] = xs[None, :], ys[:, None], 1
    grid = grid.reshape(3, -1)
    rows = max(1, BLOCK_POINTS // R)
    buffers = {}   # block width -> per layer (Z, A), and each A with its row of ones
    widest = max(W.shape[0] for W in weights)
    zeros = {}     # block width -> widest x width of 0s
    for top in range(0, R, rows):
        cells = slice(top * R, min(R, top + rows) * R)
        width = cells.stop - cells.start
        if width not in buffers:
            zeros[width] = np.zeros((widest, width), dtype=dtype)
            layers, inputs = [], [None]
            for index, W in enumerate(weights):
                Z = np.empty((W.shape[0], width), dtype=dtype)
                if index == len(params) - 1:
                    layers.append((Z, Z))
                    continue
                with_ones = np.empty((W.shape[0] + 1, width), dtype=dtype)
                with_ones[-1] = 1
                layers.append((Z, with_ones[:-1]))
                inputs.append(with_ones)
            buffers[width] = layers, inputs
        layers, inputs = buffers[width]
        for index, (Z, A) in enumerate(layers):
            np.matmul(weights[index], grid[:, cells] if index == 0 else inputs[index], out=Z)
            if A is not Z:
                _activate_into(activations[index], Z, A, zeros[width][:Z.shape[0]])
        yield cells, layers


def _winner(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row index of each column's largest value (the first of equals), as
    argmax(axis=0) gives it, and that largest value: (classes uint8 (b,),
    best (b,)).  A pass per row: argmax down the columns of a k x b array
    strides across rows and was the slowest part of classifying a grid."""
    best = Z[0].copy()
    classes = np.zeros(Z.shape[1], dtype=np.uint8)
    for row in range(1, Z.shape[0]):
        np.copyto(classes, row, where=Z[row] > best)
        np.maximum(best, Z[row], out=best)
    return classes, best


class GridPass:
    """One forward pass of a network over a view's grid, kept for everything
    drawn from that grid: classes, confidence and boundary from the output
    scores, level sets, linear regions and active-unit counts from the hidden
    pre-activations, thumbnails from the hidden activations.  The network and
    the view are checked and the weights stacked once, here.

    R = ``resolution`` and P = R * R grid points, flattened row by row (point
    i * R + j at (xs[j], ys[i])); arrays are in ``dtype`` (float32 unless
    asked).  Attributes:

    - ``xs``, ``ys``: (R,) float64, the grid's axes (``grid_axes``).
    - ``resolution``: R.  ``activations``: the layers' activation names,
      ``output`` the last of them.
    - ``scores``: k x P, the output layer's pre-activations (k = 1 for a
      sigmoid output).
    - ``hidden_z``: per hidden layer (hidden layer l at index l - 1), its
      pre-activations, units x P; kept when ``keep`` holds "z", else [].
      Where each hidden ReLU unit is on (z > 0) gives a point's activation
      pattern, i.e. which linear piece of the network it lies in.
    - ``hidden_a``: the same layers' activations, units x P; kept when
      ``keep`` holds "a", else [].

    Kept layers are copied out of the blocks (``_blocks``) as they pass, so
    asking for none costs only the output scores.
    """

    def __init__(self, params, activations, extent, resolution, *, keep=(), dtype=np.float32):
        self.xs, self.ys = _check(params, activations, extent, resolution)
        if not set(keep) <= {"z", "a"}:
            raise ValueError(f"keep may hold 'z' and 'a', not {keep!r}")
        R = self.resolution = self.xs.shape[0]
        self.activations, self.output = tuple(activations), activations[-1]
        hidden = [np.shape(W)[1] for W, _ in params[:-1]]
        self.scores = np.empty((np.shape(params[-1][0])[1], R * R), dtype=dtype)
        self.hidden_z = [np.empty((n, R * R), dtype=dtype) for n in hidden] if "z" in keep else []
        self.hidden_a = [np.empty((n, R * R), dtype=dtype) for n in hidden] if "a" in keep else []
        self._winner = None
        with np.errstate(over="ignore", invalid="ignore"):
            for cells, layers in _blocks(params, activations, self.xs, self.ys, dtype):
                self.scores[:, cells] = layers[-1][0]
                for kept, (Z, _) in zip(self.hidden_z, layers):
                    kept[:, cells] = Z
                for kept, (_, A) in zip(self.hidden_a, layers):
                    kept[:, cells] = A

    def __repr__(self) -> str:
        return (f"GridPass({self.resolution}x{self.resolution}, scores {self.scores.shape}, "
                f"hidden_z {[z.shape[0] for z in self.hidden_z]}, "
                f"hidden_a {[a.shape[0] for a in self.hidden_a]})")

    def winner(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(classes uint8 (P,), the winning score (P,) or None for a sigmoid
        output), worked out once: the grid's planes and the boundary share it."""
        if self._winner is None:
            if self.output == "sigmoid":
                self._winner = (self.scores[0] > 0).astype(np.uint8), None
            else:
                with np.errstate(invalid="ignore"):
                    self._winner = _winner(self.scores)
        return self._winner

    @_quiet
    def classify(self, with_probs: bool = False) -> GridResult:
        """Predicted class and its probability on every grid cell.

        softmax: argmax and the largest softmax probability.  sigmoid: class 1
        where p > 0.5 (z > 0), confidence max(p, 1 - p).  linear: argmax of
        the outputs, confidence the largest softmax of the outputs (a linear
        output has no probabilities; this is the usual way to read scores as
        ones).  Where the outputs are not finite (a diverged network)
        confidence is 0.
        """
        R, Z = self.resolution, self.scores
        classes, best = self.winner()
        if self.output == "sigmoid":
            z = Z[0]
            probs = np.stack([sigmoid(-z), sigmoid(z)]) if with_probs else None   # not 1 - p: exact tails
            confidence = sigmoid(np.abs(z))
        else:
            e = np.exp(Z - best)
            total = np.add.reduce(e, axis=0)
            confidence, probs = 1 / total, (e / total if with_probs else None)
        confidence = confidence.astype(np.float32, copy=False)
        confidence[~np.isfinite(confidence)] = 0
        k = max(2, Z.shape[0])   # a sigmoid's one output gives [1 - p; p]
        return GridResult(classes.reshape(R, R), confidence.reshape(R, R),
                          None if probs is None else probs.astype(np.float32, copy=False).reshape(k, R, R))


def evaluate_grid(params, activations, extent, resolution, dtype=np.float32,
                  with_probs=False) -> GridResult:
    """``GridPass(...).classify(with_probs)``: classes and confidence alone."""
    return GridPass(params, activations, extent, resolution, dtype=dtype).classify(with_probs)
