"""Plane geometry for the pictures: what a network does to each point of a view.

A network is given as ``params``, the list of ``(W, W0)`` of its linear layers
(W m x n, W0 n x 1, as ``network.layer_params`` returns them), and
``activations``, one name per layer: the hidden layers' names from
``functions.HIDDEN_ACTIVATIONS`` followed by the output's, one of OUTPUTS.  So
this module needs no model classes.  Hidden layers are numbered from 1, as in
the homework.

The view is ``extent = (x0, x1, y0, y1)`` sampled at ``resolution`` points per
axis, both ends included (``grid_axes``); grid arrays are R x R with row i at
y = ys[i] and column j at x = xs[j], the orientation of a Plotly heatmap.  The
grid is evaluated a block of rows at a time with one matrix product per layer
(no loop over points or cells), in float32 unless ``evaluate_grid`` is asked
for float64: curves and regions then agree with the heatmap, and their
vertices differ from float64 ones by about 1e-6 of the view, far below a pixel.
A diverged network (huge or NaN weights) still draws, as noise, and never
raises: overflow there is the network's state, not an error of this module.
"""
from __future__ import annotations

import functools
import math
import threading
from typing import NamedTuple

import contourpy
import numpy as np

from engine.boundary import class_boundary
from engine.functions import ACTIVATIONS, HIDDEN_ACTIVATIONS, sigmoid
from engine.network import OUTPUTS

DEAD_NORM = 1e-9      # |w| below this: z is constant over any sensible view


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


def _gather(params, activations, xs, ys, layer) -> np.ndarray:
    """Layer ``layer``'s (0-based) pre-activations over the whole grid, units x R*R."""
    out = np.empty((np.shape(params[layer][0])[1], xs.shape[0] * ys.shape[0]), dtype=np.float32)
    for cells, layers in _blocks(params, activations, xs, ys, depth=layer + 1):
        out[:, cells] = layers[layer][0]
    return out


def _network_key(params, activations, extent, resolution) -> tuple:
    """Everything the grid's output scores depend on, weights by value."""
    weights = tuple((np.shape(W), np.asarray(W, dtype=np.float64).tobytes(),
                     np.asarray(W0, dtype=np.float64).tobytes()) for W, W0 in params)
    return weights, tuple(activations), tuple(float(v) for v in extent), int(resolution)


# evaluate_grid's output scores (k x R*R float32) and winning classes under
# their _network_key, one entry per thread.  A frame asks for the classes and
# then the boundary of the same network and view; this makes that one forward
# pass and one classification instead of two.  Per thread because a gthread
# worker draws several frames at once: with one shared entry, another thread's
# evaluate_grid replaced it between a frame's two calls in about one frame in
# five (4 threads), and that boundary paid a second forward pass.  Keyed by
# weight values, so weights changed in place are never served stale.
_last = threading.local()


def _last_scores() -> tuple:
    """(key, scores, classes) of this thread's last evaluate_grid, or Nones."""
    return getattr(_last, "scores", (None, None, None))


def forget_scores() -> None:
    """Drop this thread's remembered scores (benchmarks of a cold boundary)."""
    _last.scores = (None, None, None)


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


def _classify(Z, output, with_probs):
    """Output pre-activations (k x b) -> classes (b,), confidence (b,), probs k x b | None."""
    if output == "sigmoid":
        z = Z[0]
        probs = np.stack([sigmoid(-z), sigmoid(z)]) if with_probs else None   # not 1 - p: exact tails
        return z > 0, sigmoid(np.abs(z)), probs
    classes, best = _winner(Z)
    e = np.exp(Z - best)
    total = np.add.reduce(e, axis=0)
    return classes, 1 / total, (e / total if with_probs else None)


@_quiet
def evaluate_grid(params, activations, extent, resolution, dtype=np.float32,
                  with_probs=False) -> GridResult:
    """Predicted class and its probability on every grid cell.

    softmax: argmax and the largest softmax probability.  sigmoid: class 1
    where p > 0.5 (z > 0), confidence max(p, 1 - p).  linear: argmax of the
    outputs, confidence the largest softmax of the outputs (a linear output
    has no probabilities; this is the usual way to read scores as ones).
    Where the outputs are not finite (a diverged network) confidence is 0.
    """
    xs, ys = _check(params, activations, extent, resolution)
    R = xs.shape[0]
    k = max(2, np.shape(params[-1][0])[1])   # a sigmoid's one output gives [1 - p; p]
    scores = np.empty((np.shape(params[-1][0])[1], R * R), dtype=dtype)
    for cells, layers in _blocks(params, activations, xs, ys, dtype):
        scores[:, cells] = layers[-1][0]
    classes, confidence, probs = _classify(scores, activations[-1], with_probs)
    classes = classes.astype(np.uint8, copy=False)
    confidence = confidence.astype(np.float32, copy=False)
    confidence[~np.isfinite(confidence)] = 0
    if scores.dtype == np.float32:   # what decision_boundary computes in when it has to
        _last.scores = (_network_key(params, activations, extent, resolution), scores, classes)
    return GridResult(classes.reshape(R, R), confidence.reshape(R, R),
                      None if probs is None else probs.astype(np.float32, copy=False).reshape(k, R, R))


class LineTable(NamedTuple):
    """first_layer_segments' per-unit arrays (n units; [x, y] pairs are n x 2)."""
    w: np.ndarray            # 2 x n
    b: np.ndarray            # n
    start: np.ndarray        # one end of the segment in view
    end: np.ndarray          # the other end
    shown: np.ndarray        # bool: the unit draws a segment
    dead: np.ndarray         # bool: w ~ 0, z is constant


def first_layer_segments(W, W0, extent) -> LineTable:
    """first_layer_lines as arrays, for callers that want them all at once
    (a frame turns them into one table without a dict per unit).  Where a
    unit is not shown its ends are meaningless."""
    x0, x1, y0, y1 = (float(v) for v in extent)
    grid_axes(extent, 2)   # validates the extent
    w = np.asarray(W, dtype=np.float64).reshape(2, -1)
    b = np.asarray(W0, dtype=np.float64).reshape(-1)
    norm = np.hypot(w[0], w[1])
    dead = norm < DEAD_NORM
    safe = np.where(dead, 1.0, norm)
    normal = w / safe                                   # 2 x n, unit length
    foot = -b * normal / safe                           # the point of the line nearest the origin
    direction = np.stack([-normal[1], normal[0]])       # along the line, unit length
    # Clip the line foot + t * direction to the view, one axis at a time.
    t_lo = np.full_like(b, -np.inf)
    t_hi = np.full_like(b, np.inf)
    for axis, (lo, hi) in enumerate([(x0, x1), (y0, y1)]):
        d, p = direction[axis], foot[axis]
        moving = d != 0
        d_safe = np.where(moving, d, 1.0)
        ta, tb = (lo - p) / d_safe, (hi - p) / d_safe
        # a line parallel to this axis lies inside the slab throughout, or never
        inside = np.where((lo <= p) & (p <= hi), np.inf, -np.inf)
        t_lo = np.maximum(t_lo, np.where(moving, np.minimum(ta, tb), -inside))
        t_hi = np.minimum(t_hi, np.where(moving, np.maximum(ta, tb), inside))
    span = max(x1 - x0, y1 - y0)
    visible = ~dead & (t_hi - t_lo > 1e-12 * span)
    t_lo, t_hi = np.where(visible, t_lo, 0.0), np.where(visible, t_hi, 0.0)
    start, end = foot + t_lo * direction, foot + t_hi * direction
    return LineTable(w, b, start.T, end.T, visible, dead)


def first_layer_lines(W, W0, extent) -> list[dict]:
    """Each first-layer unit's line w . x + b = 0 clipped to the view.

    W is 2 x n, W0 n x 1.  Per unit: ``w`` [w1, w2], ``b``, ``segment`` (two
    [x, y] ends, or None when the line misses the view) and ``dead`` (w ~ 0:
    z is constant, no line).  Where its labels go is the page's choice
    (static/js/line-labels.js): it knows their sizes in pixels and the
    points' markers.
    """
    t = first_layer_segments(W, W0, extent)
    segments = np.stack([t.start, t.end], axis=1).tolist()
    return [{"w": unit_w, "b": unit_b, "segment": segment if shown else None, "dead": unit_dead}
            for unit_w, unit_b, segment, shown, unit_dead in zip(
                t.w.T.tolist(), t.b.tolist(), segments, t.shown.tolist(), t.dead.tolist())]


# What contourpy.contour_generator(xs, ys, z, line_type="Separate") builds, built
# directly: the function's way round (z through numpy.ma to find invalid cells,
# a new mesh per call) costs about 0.2 ms a call, and unit_level_sets makes one
# call per unit.  Same generator, same settings, same polylines.
_CONTOUR_SETTINGS = {"line_type": contourpy.LineType.Separate,
                     "fill_type": contourpy.FillType.OuterOffset, "corner_mask": True,
                     "quad_as_tri": False, "z_interp": contourpy.ZInterp.Linear,
                     "x_chunk_size": 0, "y_chunk_size": 0}


def _mesh(xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The grid's x and y per cell, R x R each, for _zero_set."""
    return tuple(np.meshgrid(xs, ys))


def _zero_set(values: np.ndarray, mesh: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    """Polylines (N x 2) where an R x R field crosses 0; NaN and infinite cells
    are left out.  A line through a grid node comes back with that vertex
    twice: keep one."""
    values = np.asarray(values, dtype=np.float64)
    invalid = ~np.isfinite(values)
    generator = contourpy.SerialContourGenerator(*mesh, values, invalid if invalid.any() else None,
                                                 **_CONTOUR_SETTINGS)
    polylines = []
    for line in generator.lines(0.0):
        keep = np.ones(len(line), dtype=bool)
        keep[1:] = np.any(line[1:] != line[:-1], axis=1)
        if keep.sum() >= 2:
            polylines.append(line[keep])
    return polylines


@_quiet
def unit_level_sets(params, activations, layer, extent, resolution) -> list[list[np.ndarray]]:
    """Zero level sets of hidden layer ``layer``'s pre-activations (layer 1 is
    the first hidden layer): per unit, a list of polylines, each N x 2 [x, y].
    Beyond layer 1 they bend where earlier units switch."""
    xs, ys = _check(params, activations, extent, resolution)
    if not 1 <= layer <= len(params) - 1:
        raise ValueError(f"layer must be a hidden layer, 1..{len(params) - 1}, not {layer}")
    R = xs.shape[0]
    Z = _gather(params, activations, xs, ys, layer - 1)
    mesh = _mesh(xs, ys)
    return [_zero_set(z.reshape(R, R), mesh) for z in Z]


@_quiet
def decision_boundary(params, activations, extent, resolution) -> list[np.ndarray]:
    """Polylines (N x 2) where the predicted class changes.

    Marching squares over the winning classes (``boundary.class_boundary``):
    each grid edge between nodes won by a and b gets the point where score_b
    - score_a is 0, linearly interpolated, so with two classes this is the
    zero set of score_1 - score_0 that contourpy draws; where three or more
    classes meet in a grid square their lines join at one point in it.
    Closed polylines end with their first vertex; open ones run to the
    view's edge or to such a meeting point.  Nodes with a non-finite score
    are left out.  Reuses the scores of the last evaluate_grid call (in this
    thread) when it had the same network and view.
    """
    xs, ys = _check(params, activations, extent, resolution)
    key, scores, winner = _last_scores()
    if key != _network_key(params, activations, extent, resolution):
        scores, winner = _gather(params, activations, xs, ys, len(params) - 1), None
    if activations[-1] == "sigmoid":
        scores = np.vstack([np.zeros_like(scores), scores])   # class 1 iff z > 0
    winner = _winner(scores)[0] if winner is None else winner
    return class_boundary(scores, winner, xs, ys)


@_quiet
def unit_activations(params, activations, extent, resolution) -> list[np.ndarray]:
    """Every hidden unit's activation over the grid, for thumbnails: per hidden
    layer a float32 array units x R x R."""
    xs, ys = _check(params, activations, extent, resolution)
    R = xs.shape[0]
    hidden = len(params) - 1
    out = [np.empty((np.shape(W)[1], R * R), dtype=np.float32) for W, _ in params[:hidden]]
    if hidden:
        for cells, layers in _blocks(params, activations, xs, ys, depth=hidden):
            for grid, (_, A) in zip(out, layers):
                grid[:, cells] = A
    return [grid.reshape(-1, R, R) for grid in out]


BITS = 24   # pattern bits summed into one float32 code: exact below 2 ** 24


@_quiet
def activation_regions(params, activations, extent, resolution) -> tuple[np.ndarray, int]:
    """The on/off pattern of every ReLU unit per cell: region ids (int32 R x R,
    equal id = equal pattern, numbered in the patterns' sorted order) and the
    number of distinct patterns, i.e. of linear pieces of the network seen on
    the grid (pieces thinner than a cell can be missed; a network without ReLU
    units is one region).

    Each cell's pattern becomes exact integer codes, BITS units at a time, by
    one matrix product of the 0/1 pattern with powers of two; equal patterns
    are then found by sorting the codes.
    """
    xs, ys = _check(params, activations, extent, resolution)
    R = xs.shape[0]
    relu_layers = [i for i, name in enumerate(activations[:-1]) if name == "relu"]
    units = sum(np.shape(params[i][0])[1] for i in relu_layers)
    if units == 0:
        return np.zeros((R, R), dtype=np.int32), 1
    unit = np.arange(units)
    powers = np.zeros((-(-units // BITS), units), dtype=np.float32)
    powers[unit // BITS, unit] = 2.0 ** (unit % BITS)
    codes = np.empty((powers.shape[0], R * R), dtype=np.float32)
    for cells, layers in _blocks(params, activations, xs, ys, depth=relu_layers[-1] + 1):
        on = np.vstack([layers[i][0] > 0 for i in relu_layers]).astype(np.float32)
        codes[:, cells] = powers @ on
    order = np.lexsort(codes[::-1])
    ordered = codes[:, order]
    new = np.any(ordered[:, 1:] != ordered[:, :-1], axis=0)
    region = np.empty(R * R, dtype=np.int32)
    region[order] = np.concatenate([[0], np.cumsum(new)])
    return region.reshape(R, R), int(new.sum()) + 1
