"""Fewer points for the same picture: polylines simplified before they travel.

A contour on an R x R grid has a vertex on every cell edge it crosses, most
of them on nearly straight runs.  Ramer-Douglas-Peucker keeps both ends and
every vertex farther than ``tolerance`` from the chord (segment) of the run
it would replace, so no original vertex ends up farther than ``tolerance``
from the result.  With the tolerance at 1/1000 of the view (half a pixel on a 500 px
plot) a trained spiral's boundary drops from about 380 points to about 90.
"""
from __future__ import annotations

import math

import numpy as np

TOLERANCE = 1e-3   # share of the view's width
# Up to this many points in all, a plain loop per polyline is faster than the
# vectorised passes, whose ~50 NumPy calls a pass cost the same for 10 points
# as for 10,000 (a frame's 3-class boundary, ~220 points: 0.3 ms against 0.75).
LOOP_POINTS = 500


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """N x 2 polyline -> M x 2 (M <= N), ends kept, within ``tolerance``."""
    return simplify_many([points], tolerance)[0]


def simplify_many(polylines: list, tolerance: float) -> list[np.ndarray]:
    """Every polyline of a frame simplified at once, each as ``simplify`` would.

    Ramer-Douglas-Peucker one level at a time across all pending runs of all
    polylines: each pass measures every inner vertex against its own run's
    chord and splits every run whose farthest vertex is beyond the tolerance,
    so a frame costs about a dozen passes of array arithmetic, not a Python
    loop per run (per polyline that loop took 0.2 ms; a frame has dozens).
    Up to LOOP_POINTS points in all, that loop is the faster way after all.
    """
    lines = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in polylines]
    if not lines:
        return []
    if sum(len(line) for line in lines) <= LOOP_POINTS:
        return [line[_kept_by_loop(line, tolerance)] for line in lines]
    lengths = np.array([len(p) for p in lines])
    points = np.concatenate(lines)
    stops = np.cumsum(lengths)
    starts = stops - lengths
    keep = np.zeros(len(points), dtype=bool)
    present = lengths > 0
    keep[starts[present]] = keep[stops[present] - 1] = True
    first, last = starts[lengths >= 3], stops[lengths >= 3] - 1
    while first.size:
        inner_counts = last - first - 1                      # >= 1 per run
        offsets = np.cumsum(inner_counts) - inner_counts     # each run's place in `inner`
        run = np.repeat(np.arange(first.size), inner_counts)
        index = first[run] + 1 + np.arange(run.size) - offsets[run]
        chord = (points[last] - points[first])[run]
        inner = points[index] - points[first][run]
        # distance to the chord as a segment (not its line), so hairpins and
        # closed loops (a chord of length 0) are measured right
        length2 = np.maximum(chord[:, 0] * chord[:, 0] + chord[:, 1] * chord[:, 1], 1e-300)
        along = np.clip((inner[:, 0] * chord[:, 0] + inner[:, 1] * chord[:, 1]) / length2, 0.0, 1.0)
        off = inner - along[:, None] * chord
        distance = np.sqrt(off[:, 0] * off[:, 0] + off[:, 1] * off[:, 1])
        farthest = np.maximum.reduceat(distance, offsets)
        at = np.where(distance == farthest[run], np.arange(run.size), run.size)
        split = farthest > tolerance
        middle = index[np.minimum.reduceat(at, offsets)[split]]
        keep[middle] = True
        first = np.concatenate([first[split], middle])
        last = np.concatenate([middle, last[split]])
        wide = last - first >= 2
        first, last = first[wide], last[wide]
    return [line[keep[start:stop]] for line, start, stop in zip(lines, starts, stops)]


def _kept_by_loop(line: np.ndarray, tolerance: float) -> list[bool]:
    """Which vertices Ramer-Douglas-Peucker keeps, run by run in plain Python,
    for polylines too small to repay the vectorised passes: the same
    arithmetic in the same order, so the same vertices (the farthest vertex
    is found by squared distance: only two distances whose squares differ
    yet round to one square root could pick another)."""
    xs, ys = line[:, 0].tolist(), line[:, 1].tolist()
    keep = [True] * len(xs)
    if len(xs) < 3:
        return keep
    keep[1:-1] = [False] * (len(xs) - 2)
    runs = [(0, len(xs) - 1)]
    while runs:
        first, last = runs.pop()
        x0, y0 = xs[first], ys[first]
        cx, cy = xs[last] - x0, ys[last] - y0
        length2 = max(cx * cx + cy * cy, 1e-300)
        farthest, at = -1.0, first   # squared: the square root once, at the end
        for i in range(first + 1, last):
            px, py = xs[i] - x0, ys[i] - y0
            along = (px * cx + py * cy) / length2
            along = 0.0 if along < 0.0 else 1.0 if along > 1.0 else along
            ox, oy = px - along * cx, py - along * cy
            distance2 = ox * ox + oy * oy
            if distance2 > farthest:
                farthest, at = distance2, i
        if math.sqrt(farthest) > tolerance:
            keep[at] = True
            runs += [(first, at)] * (at - first >= 2) + [(at, last)] * (last - at >= 2)
    return keep
