"""Plane geometry for the pictures: what a network does to each point of a view.

Networks and views are given as ``engine.grid`` takes them (``params``,
``activations``, ``extent``, ``resolution``; grid arrays R x R, row i at
y = ys[i]); hidden layers are numbered from 1, as in the homework.  Curves
and regions come from the grid's float32 scores, so they agree with the
heatmap, and their vertices differ from float64 ones by about 1e-6 of the
view, far below a pixel.  A diverged network still draws, as noise, and
never raises.

What is drawn from the grid comes two ways: ``..._of(grid)`` from a
``GridPass`` (a frame makes one and draws everything from it), and the
same name without ``_of`` taking the network and view, with a pass of its own.
"""
from __future__ import annotations

from typing import NamedTuple

import contourpy
import numpy as np

from engine.boundary import class_boundary
from engine.creases import linear_regions, relu_layers
from engine.grid import GridPass, _check, _quiet, grid_axes

DEAD_NORM = 1e-9      # |w| below this: z is constant over any sensible view


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


def _needs(grid: GridPass, kept: str) -> list[np.ndarray]:
    layers = grid.hidden_z if kept == "z" else grid.hidden_a
    if len(layers) != len(grid.activations) - 1:
        raise ValueError(f"this needs the grid pass's hidden layers: GridPass(..., keep={kept!r})")
    return layers


@_quiet
def unit_level_sets_of(grid: GridPass, layer: int) -> list[list[np.ndarray]]:
    """Zero level sets of hidden layer ``layer``'s pre-activations (layer 1 is
    the first hidden layer) on a grid pass that kept them (keep "z"): per
    unit, a list of polylines, each N x 2 [x, y].  Beyond layer 1 they bend
    where earlier units switch."""
    hidden_z = _needs(grid, "z")
    if not 1 <= layer <= len(hidden_z):
        raise ValueError(f"layer must be a hidden layer, 1..{len(hidden_z)}, not {layer}")
    R, mesh = grid.resolution, _mesh(grid.xs, grid.ys)
    return [_zero_set(z.reshape(R, R), mesh) for z in hidden_z[layer - 1]]


def unit_level_sets(params, activations, layer, extent, resolution) -> list[list[np.ndarray]]:
    """unit_level_sets_of a grid pass of its own."""
    _check(params, activations, extent, resolution)
    if not 1 <= layer <= len(params) - 1:
        raise ValueError(f"layer must be a hidden layer, 1..{len(params) - 1}, not {layer}")
    return unit_level_sets_of(GridPass(params, activations, extent, resolution, keep="z"), layer)


@_quiet
def decision_boundary_of(grid: GridPass) -> list[np.ndarray]:
    """Polylines (N x 2) where the predicted class changes.

    Marching squares over the winning classes (``boundary.class_boundary``):
    each grid edge between nodes won by a and b gets the point where score_b
    - score_a is 0, linearly interpolated, so with two classes this is the
    zero set of score_1 - score_0 that contourpy draws; where three or more
    classes meet in a grid square their lines join at one point in it.
    Closed polylines end with their first vertex; open ones run to the
    view's edge or to such a meeting point.  Nodes with a non-finite score
    are left out.  The winners are the grid pass's own (``GridPass.winner``),
    worked out once for the classes and the boundary.
    """
    scores = grid.scores
    if grid.output == "sigmoid":
        scores = np.vstack([np.zeros_like(scores), scores])   # class 1 iff z > 0
    return class_boundary(scores, grid.winner()[0], grid.xs, grid.ys)


def decision_boundary(params, activations, extent, resolution) -> list[np.ndarray]:
    """decision_boundary_of a grid pass of its own."""
    return decision_boundary_of(GridPass(params, activations, extent, resolution))


def unit_activations(params, activations, extent, resolution) -> list[np.ndarray]:
    """Every hidden unit's activation over the grid, for thumbnails: per hidden
    layer a float32 array units x R x R."""
    grid = GridPass(params, activations, extent, resolution, keep="a")
    return [a.reshape(-1, grid.resolution, grid.resolution) for a in grid.hidden_a]


@_quiet
def activation_regions_of(grid: GridPass) -> tuple[np.ndarray, int]:
    """The linear regions on the grid (creases.linear_regions), from a grid
    pass that kept the hidden pre-activations (keep "z"): region ids (int32
    R x R, equal id = equal on/off pattern of the ReLU units, numbered by first
    appearance row by row) and their number (pieces thinner than a cell can
    be missed; a network without ReLU units is one region)."""
    R = grid.resolution
    hidden_z = _needs(grid, "z")
    relu = [hidden_z[i] for i in relu_layers(grid.activations) if i < len(hidden_z)]
    regions = linear_regions(relu or [np.zeros((0, R * R), dtype=np.float32)])
    return regions.ids.reshape(R, R), regions.count


def activation_regions(params, activations, extent, resolution) -> tuple[np.ndarray, int]:
    """activation_regions_of a grid pass of its own."""
    return activation_regions_of(GridPass(params, activations, extent, resolution, keep="z"))
