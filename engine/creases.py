"""Creases: the dead ReLU units of a network and the linear regions it cuts a
set of points into.

A ReLU unit is on at a point where its pre-activation z > 0, off elsewhere.
Where the on/off pattern of all ReLU units is the same, the network is one
affine map: a *linear region*.  A unit is *dead* when it is off on every
training point: it passes no gradient back, so training never revives it.

A network is given as in ``geometry``: ``params``, the ``(W m x n, W0 n x 1)``
of its linear layers, and ``activations``, one name per layer (hidden ones,
then the output's).  Points are columns: X is d x b.  The region functions
take the pre-activations of the ReLU layers over P points, ``hidden_z``, a
sequence of n_l x P arrays (a ReLU layer's outputs work as well: a > 0 exactly
where z > 0), so they plug into any pass that already has them, such as the
grid a frame draws.

Region ids are numbered by first appearance in the points' order (row-major
for a grid: the region of the first cell is 0).  A region's *tint* depends on
its pattern alone, not on where it appears: while training moves the creases,
a region keeps its tint for as long as its pattern exists.  The rule: unit u
(counted across the ReLU layers) weighs 1 + u mod (TINTS - 1), and a region's
tint is the sum of the weights of its units that are on, mod TINTS.  TINTS is
prime and every weight is in 1..TINTS-1, so crossing one crease (one unit
switching) always changes the tint: two regions that share an edge never
share a tint.
"""
from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from engine.functions import ACTIVATIONS

TINTS = 7   # prime: see the module docstring


class Regions(NamedTuple):
    ids: np.ndarray      # int32 (P,): each point's region, numbered by first appearance
    count: int           # distinct on/off patterns among the P points
    tints: np.ndarray    # uint8 (count,): each region's tint, < TINTS
    first: np.ndarray    # int64 (count,): the first point of each region


def relu_layers(activations: Sequence[str]) -> list[int]:
    """Indices (0-based) of the hidden layers whose activation is ReLU."""
    return [i for i, name in enumerate(activations[:-1]) if name == "relu"]


def hidden_preactivations(params, activations, X) -> list[np.ndarray]:
    """Every hidden layer's Z = W.T @ A + W0 at the points X (d x b), float64:
    per hidden layer an n_l x b array.  The forward pass of the homework's
    modules, written out so that no model object is needed (tied to them by
    tests/engine/test_creases.py)."""
    A = np.asarray(X, dtype=np.float64)
    out = []
    with np.errstate(over="ignore", invalid="ignore"):   # a diverged network is its own state
        for (W, W0), name in zip(params[:-1], activations[:-1]):
            Z = np.asarray(W, dtype=np.float64).T @ A + np.asarray(W0, dtype=np.float64).reshape(-1, 1)
            out.append(Z)
            A = ACTIVATIONS[name].fn(Z)
    return out


def dead_units(params, activations, X) -> list[np.ndarray]:
    """Per hidden layer a bool array (n_l,): True for a ReLU unit whose z <= 0
    at every point of X (d x b, the training points).  Units of other
    activations are never dead (their gradient does not vanish where z < 0);
    with no points nothing is judged dead.  A NaN z (a diverged network) is
    not <= 0: such a unit is not called dead."""
    zs = hidden_preactivations(params, activations, X)
    points = np.shape(X)[1]
    return [np.all(Z <= 0, axis=1) if name == "relu" and points else np.zeros(Z.shape[0], dtype=bool)
            for Z, name in zip(zs, activations[:-1])]


def activation_patterns(hidden_z: Sequence[np.ndarray]) -> np.ndarray:
    """The on/off pattern (z > 0) of every unit at each point, packed into
    uint64 words: W x P, W = ceil(units / 64), at least 1; unit u is bit u % 64
    of word u // 64.  Equal columns are equal patterns: 110 units of a 2-100-10
    net are two words a point, so comparing and sorting patterns never builds
    a Python object per point."""
    points = np.shape(hidden_z[0])[1] if len(hidden_z) else 0
    units = sum(np.shape(z)[0] for z in hidden_z)
    words = max(1, -(-units // 64))
    wide = -(-points // 8) * 8
    on = np.zeros((64 * words, wide), dtype=bool)      # a row per unit, padded to whole words
    row = 0
    for z in hidden_z:
        np.greater(z, 0, out=on[row:row + np.shape(z)[0], :points])
        row += np.shape(z)[0]
    # Byte b of a point's pattern holds units 8b..8b+7: eight rows or-ed
    # together, each shifted by its unit's bit.  The rows are read as uint64,
    # eight points at a time (a 0/1 byte shifted by < 8 stays in its byte):
    # np.packbits down the units axis strides across rows and took 6x longer.
    rows = on.view(np.uint8).reshape(8 * words, 8, wide).view(np.uint64)
    packed = rows[:, 0].copy()
    for bit in range(1, 8):
        packed |= rows[:, bit] << np.uint64(bit)
    packed = packed.view(np.uint8)[:, :points]          # 8W x P bytes
    return np.ascontiguousarray(np.ascontiguousarray(packed.T).view(np.uint64).T)   # W x P


# odd 64-bit multiplier of the words' hash (2^64 / golden ratio)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _pattern_order(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order, new): an order of the P points that puts equal patterns
    (columns of ``words``, W x P) together, and for each position of that
    order whether it starts a new pattern.  One word is its own sort key;
    more are hashed into one and sorted once, and a hash collision (never
    seen, but possible) falls back to sorting by every word."""
    key = words[0]
    for word in words[1:]:
        key = key * _MIX ^ word             # wraps modulo 2^64
    order = np.argsort(key)
    sorted_key = key[order]
    new = np.ones(order.size, dtype=bool)
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    if words.shape[0] > 1:
        # equal keys must be equal patterns (a row at a time: gathering the
        # W x P block at once cost more than the sort)
        same = ~new[1:]
        for word in words:
            ordered = word[order]
            if np.any((ordered[1:] != ordered[:-1]) & same):   # two patterns under one key
                order = np.lexsort(words[::-1])
                ordered = words[:, order]
                new[1:] = np.any(ordered[:, 1:] != ordered[:, :-1], axis=0)
                break
    return order, new


def tint_weights(units: int) -> np.ndarray:
    """Each unit's weight in a region's tint (module docstring): int64 (units,)."""
    return 1 + np.arange(units) % (TINTS - 1)


def linear_regions(hidden_z: Sequence[np.ndarray]) -> Regions:
    """The linear regions among P points, from the ReLU layers' pre-activations
    there (n_l x P each; no layers: every point is in one region).  Points with
    the same on/off pattern share a region; a grid finer than a region's width
    can miss it."""
    words = activation_patterns(hidden_z)
    points = words.shape[1]
    if points == 0:
        return Regions(np.zeros(0, np.int32), 0, np.zeros(0, np.uint8), np.zeros(0, np.int64))
    order, new = _pattern_order(words)
    first = np.minimum.reduceat(order, np.flatnonzero(new))   # each pattern's first point
    rank = np.empty(first.size, dtype=np.int32)
    by_appearance = np.argsort(first, kind="stable")
    rank[by_appearance] = np.arange(first.size, dtype=np.int32)
    ids = np.empty(points, dtype=np.int32)
    ids[order] = rank[np.cumsum(new) - 1]
    first = first[by_appearance]
    units = sum(np.shape(z)[0] for z in hidden_z)
    # each region's pattern back from its words: unit u is bit u % 8 of byte u // 8
    on = np.unpackbits(np.ascontiguousarray(words[:, first].T).view(np.uint8), axis=1,
                       bitorder="little")[:, :units]
    # float32 sums of small integers are exact (at most 6 x units), and a
    # BLAS product: the integer matmul took twice as long
    tints = (on.astype(np.float32) @ tint_weights(units).astype(np.float32)).astype(np.int64) % TINTS
    return Regions(ids, int(first.size), tints.astype(np.uint8), first.astype(np.int64))


def count_regions(hidden_z: Sequence[np.ndarray]) -> int:
    """How many distinct on/off patterns the P points show (n_l x P arrays):
    ``linear_regions(hidden_z).count`` without numbering or tinting them (a
    playing frame's readout needs only the count)."""
    words = activation_patterns(hidden_z)
    return int(np.count_nonzero(_pattern_order(words)[1])) if words.shape[1] else 0
