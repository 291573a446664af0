"""Edits of a network's weights from outside training (the page's inspector
and drags), checked: an index outside the layer, or a value that is not
finite or does not fit the run's dtype, is a ValueError that names it, and
nothing changes then.

``linears`` is the network's Linear modules in order; layer numbers are
0-based; W is m x n and W0 n x 1 as everywhere.
"""
from __future__ import annotations

import math

import numpy as np

from engine.modules import Linear


def linear(linears: list[Linear], layer: int) -> Linear:
    """Linear number ``layer``, checked."""
    if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)) \
            or not 0 <= layer < len(linears):
        raise ValueError(f"layer must be 0..{len(linears) - 1}, got {layer!r}")
    return linears[layer]


def _finite(value, what: str, dtype: np.dtype) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value}")
    if abs(value) > float(np.finfo(dtype).max):
        raise ValueError(f"{what} must fit {dtype.name}, got {value}")
    return value


def set_weight(linears: list[Linear], layer: int, i: int, j: int, value: float, dtype: np.dtype) -> None:
    """W[i, j] = value in Linear number ``layer``."""
    lin = linear(linears, layer)
    if not (0 <= i < lin.m and 0 <= j < lin.n):
        raise ValueError(f"weight index ({i}, {j}) is outside {lin.m} x {lin.n}")
    lin.W[i, j] = _finite(value, "weight", dtype)


def set_bias(linears: list[Linear], layer: int, j: int, value: float, dtype: np.dtype) -> None:
    """W0[j, 0] = value in Linear number ``layer``."""
    lin = linear(linears, layer)
    if not 0 <= j < lin.n:
        raise ValueError(f"bias index {j} is outside 0..{lin.n - 1}")
    lin.W0[j, 0] = _finite(value, "bias", dtype)


def set_layer(linears: list[Linear], layer: int, W, W0, dtype: np.dtype) -> None:
    """Replace W (m x n) and/or W0 (n x 1 or (n,)) of Linear number ``layer``
    (None: kept); neither changes unless both are good."""
    lin = linear(linears, layer)
    new = []
    for value, target, name in ((W, lin.W, "W"), (W0, lin.W0, "W0")):
        if value is None:
            continue
        arr = np.asarray(value, dtype=np.float64)
        if name == "W0" and arr.shape == (lin.n,):
            arr = arr.reshape(lin.n, 1)
        if arr.shape != target.shape:
            raise ValueError(f"{name} of layer {layer} must be {target.shape[0]} x {target.shape[1]}, "
                             f"got shape {arr.shape}")
        if not np.isfinite(arr).all():
            raise ValueError(f"{name} of layer {layer} has a non-finite value")
        if (np.abs(arr) > float(np.finfo(dtype).max)).any():
            raise ValueError(f"{name} of layer {layer} has a value beyond {dtype.name}'s range")
        new.append((target, arr))
    for target, arr in new:
        target[...] = arr
