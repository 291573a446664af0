"""Networks given weight by weight, as the homework's problems give them.

A training ``Run`` needs a ``NetworkSpec`` (classes, an output of k units);
the homework's Problem 1 is a 1-1-1 regression network with one linear
output unit and the squared loss, which no spec describes.  Here a network is
just its layers: ``[(W m x n, W0 n), ...]`` with one activation name per
layer (the hidden ones from ``functions.HIDDEN_ACTIVATIONS``, the last one an
output of ``network.OUTPUTS``, whose loss comes with it).  The result is a
homework ``Sequential`` that ``probe.probe`` reads like any other.

Shapes: x is d x b (columns are points), W is m x n, W0 n (or n x 1).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from engine.modules import Linear
from engine.network import HIDDEN_MODULES, OUTPUTS
from engine.sequential import Sequential


def network_from_layers(layers: Sequence[tuple], activations: Sequence[str]) -> Sequential:
    """[(W m x n, W0 n), ...] and one activation per layer -> a Sequential.

    The last activation names the output ("linear" pairs with the squared
    loss, "softmax" with NLL, "sigmoid" with binary NLL: ``OUTPUTS``); the
    others are hidden activations.  Consecutive layers must chain (n of one
    is m of the next).  Raises ValueError on anything else.
    """
    if not layers or len(layers) != len(activations):
        raise ValueError(f"need one activation per layer: {len(layers)} layers, "
                         f"{len(activations)} activations")
    *hidden, output = activations
    if output not in OUTPUTS:
        raise ValueError(f"unknown output {output!r}; choose from {sorted(OUTPUTS)}")
    for name in hidden:
        if name not in HIDDEN_MODULES:
            raise ValueError(f"unknown hidden activation {name!r}; choose from {sorted(HIDDEN_MODULES)}")
    modules = []
    fan_in = None
    for index, (W, W0) in enumerate(layers):
        W = np.array(W, dtype=np.float64, ndmin=2)
        W0 = np.array(W0, dtype=np.float64).reshape(-1, 1)
        if W.ndim != 2 or W0.shape[0] != W.shape[1] or (fan_in is not None and W.shape[0] != fan_in):
            raise ValueError(f"layer {index + 1}: W must be {fan_in or 'm'} x n and W0 n numbers")
        if not (np.isfinite(W).all() and np.isfinite(W0).all()):
            raise ValueError(f"layer {index + 1}: weights must be finite")
        lin = Linear(*W.shape, np.random.default_rng(0))   # the drawn weights are replaced at once
        lin.W, lin.W0 = W, W0
        modules.append(lin)
        if index < len(hidden):
            modules.append(HIDDEN_MODULES[hidden[index]]())
        fan_in = W.shape[1]
    out = OUTPUTS[output]
    if output == "sigmoid" and fan_in != 1:
        raise ValueError("a sigmoid output has one unit")
    modules.append(out.module())
    return Sequential(modules, out.loss())


def function_samples(model: Sequential, lo: float, hi: float, count: int) -> dict:
    """A one-input network as a function: ``count`` evenly spaced x in [lo, hi],
    the first output at each, and the hidden units' kinks (ReLU: where
    w x + b = 0 for a first-layer unit, x = -b / w) that fall inside.

    -> {"x": [...], "y": [...], "kinks": [{"x", "y", "unit"}]}; the kinks'
    points are on the curve, so a plot can mark them exactly."""
    first = model.modules[0]
    if not isinstance(first, Linear) or first.m != 1:
        raise ValueError("a function plot needs a network with one input")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi) or int(count) < 2:
        raise ValueError("need finite lo < hi and at least 2 samples")
    xs = np.linspace(lo, hi, int(count))
    kinks = []
    for unit in range(first.n):
        w, b = float(first.W[0, unit]), float(first.W0[unit, 0])
        if w != 0.0 and lo <= -b / w <= hi:
            kinks.append((-b / w, unit))
    at = np.array(sorted(set(xs.tolist()) | {x for x, _ in kinks}))
    with np.errstate(all="ignore"):
        ys = model.forward(at.reshape(1, -1))[0]
    y_of = dict(zip(at.tolist(), ys.tolist()))
    clean = [v if np.isfinite(v) else None for v in ys.tolist()]
    return {"x": at.tolist(), "y": clean,
            "kinks": [{"x": x, "y": y_of[x] if np.isfinite(y_of[x]) else None, "unit": unit}
                      for x, unit in kinks]}
