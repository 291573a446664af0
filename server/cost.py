"""The cost model: how long a step or a drawing will take, estimated before
doing it, so that no request runs past the operator's budgets.

Costs are counted in *work units*, one multiply-add of a matrix product, and
turned into milliseconds by ``WORK_PER_MS``.  A forward pass of a network
with P weights and biases and U hidden units over b points is ``b * P``
units for the products plus ``b * U * ACTIVATE`` for the activations; the
other per-cell and per-byte weights below are what those operations cost
next to one multiply-add.

Calibration (``python -m bench.cost`` prints estimate and measured CPU time
for a spread of networks, grids and extras, one BLAS thread, float64 runs):
on the reference machine (2 cores, OpenBLAS) ``WORK_PER_MS``, 10 units per
nanosecond, puts the estimates 2-17x above the measured CPU time (steps
about 4x, frames of big networks 8-12x).  The headroom covers a slower CPU
and the GIL shared with a worker's other threads, not a machine whose cores
are oversubscribed: wall time there grows with the load.  An estimate is a
bound to plan with, not a prediction.
"""
from __future__ import annotations

from dataclasses import dataclass

WORK_PER_MS = 10_000_000      # work units per millisecond (see the docstring)
ACTIVATE = 100                # an activation of one unit at one point
BACKWARD = 2                  # a training step is forward + twice that backward
CLASSIFY = 60                 # a class score of a cell: softmax, winner, confidence
BOUNDARY = 400                # marching squares over the classes, per cell
CONTOUR = 1500                # one unit's zero level set, per cell
REGION = 250                  # one ReLU unit's on/off bit of a cell, coded and sorted
ENCODE = 400                  # a byte of a thumbnail: scaled, clipped, base64
SEND = 100                    # a byte of the answer: JSON and gzip
POINT = 20_000                # a point listed in the frame: to a row, JSON, gzip
STORED_POINT = 20_000         # a point of a stored experiment part, to or from its JSON
STORED_WEIGHT = 2_500         # a weight a stored part keeps (best and worst trial), from JSON
MIN_GRID = 20                 # the coarsest grid a degraded frame is drawn at
MIN_THUMB = 8                 # the smallest thumbnail
EXTRAS_DROPPED = ("curves", "active", "tint", "regions", "thumbnails", "probs")   # first to go first


@dataclass(frozen=True)
class Shape:
    """What a cost depends on: layer sizes [d, n1, ..., k] and the points."""
    sizes: tuple[int, ...]
    points: int               # training + validation

    @property
    def params(self) -> int:
        return sum((m + 1) * n for m, n in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def units(self) -> int:
        return sum(self.sizes[1:-1])

    def forward(self, b: int, depth: int | None = None) -> float:
        """Work of a forward pass of b points through the first ``depth`` layers."""
        pairs = list(zip(self.sizes[:-1], self.sizes[1:]))[:depth]
        return b * sum((m + 1) * n + n * ACTIVATE for m, n in pairs)


def ms(work: float) -> float:
    return work / WORK_PER_MS


def step_ms(shape: Shape, batch: int) -> float:
    """One minibatch step, with the evaluation over every point that ends an epoch."""
    return ms((1 + BACKWARD) * shape.forward(batch) + shape.forward(shape.points))


def drawing_ms(shape: Shape, grid: int, thumb: int, include, curve_layers=()) -> float:
    """A frame drawn at ``grid`` cells a side with ``include``'s extras."""
    cells, k, hidden = grid * grid, shape.sizes[-1], len(shape.sizes) - 2
    work = shape.forward(shape.points)                              # metrics, predictions
    # weights (exact: 8 bytes a parameter in base64, the float64 default) and predictions
    work += (shape.params * 32 / 3 + shape.points) * SEND
    if "points" in include:
        work += shape.points * POINT
    work += shape.forward(cells) + cells * (k * CLASSIFY + BOUNDARY)
    if "probs" in include:
        work += cells * k * CLASSIFY
    if "curves" in include and hidden:
        layers = [layer for layer in (curve_layers or range(1, hidden + 1)) if layer <= hidden]
        deepest = max(layers, default=0)
        work += shape.forward(cells, deepest) + cells * CONTOUR * sum(shape.sizes[l] for l in layers)
    if ("regions" in include or "tint" in include) and hidden:
        work += shape.forward(cells, hidden) + cells * shape.units * REGION + shape.forward(shape.points, hidden)
    if "tint" in include and hidden:
        work += cells * 2 * SEND   # the region ids: 2 bytes a cell, deflated
    if "active" in include and hidden:
        work += shape.forward(cells, 1)
    if "thumbnails" in include and hidden:
        work += shape.forward(thumb * thumb, hidden) + thumb * thumb * shape.units * ENCODE
    return ms(work)


def stored_parts_ms(parts: int, points: int, weights: int = 0) -> float:
    """Experiment parts written or read (engine.experiment keeps them as JSON):
    ``points`` each, and ``weights`` kept by all of them together."""
    return ms(parts * points * STORED_POINT + weights * STORED_WEIGHT)


def finest(grid: int, fits) -> int:
    """The finest grid from MIN_GRID up to ``grid`` for which ``fits(grid)``
    (MIN_GRID if none does; ``grid`` itself when it is coarser still).
    Costs grow with the grid, so a bisection finds it."""
    if grid <= MIN_GRID or fits(grid):
        return grid
    lo, hi = MIN_GRID, grid        # fits(hi) is False; lo is the answer unless a finer one fits
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return lo


def grids_ms(shapes: list[Shape], grid: int) -> float:
    """Class grids (no boundary, no points) of each network in ``shapes``."""
    cells = grid * grid
    return ms(sum(s.forward(cells) + cells * s.sizes[-1] * CLASSIFY for s in shapes))


def fit_grids(shapes: list[Shape], grid: int, budget_ms: float) -> tuple[int, float]:
    """(grid, estimate ms): the coarsest-needed grid, no finer than asked, that
    draws every network of ``shapes`` within ``budget_ms``."""
    grid = finest(grid, lambda g: grids_ms(shapes, g) <= budget_ms)
    return grid, grids_ms(shapes, grid)


def fit_drawing(shape: Shape, grid: int, thumb: int, include, curve_layers,
                budget_ms: float) -> tuple[int, int, list[str], float]:
    """(grid, thumb, include, estimate ms): the view as asked when it fits
    ``budget_ms``, else coarser until it does: smaller thumbnails, then the
    finest grid that fits, and where even MIN_GRID does not, without extras
    (in EXTRAS_DROPPED order, the grid fitted again after each).  What is
    left when nothing more can go is drawn anyway: the metrics over the
    points, bounded by the limits on points and parameters."""
    asked, include = grid, list(include)

    def estimate(g: int) -> float:
        return drawing_ms(shape, g, thumb, include, curve_layers)

    while estimate(grid) > budget_ms and thumb > MIN_THUMB and "thumbnails" in include:
        thumb = max(MIN_THUMB, thumb // 2)
    grid = finest(asked, lambda g: estimate(g) <= budget_ms)
    for extra in EXTRAS_DROPPED:
        if estimate(grid) <= budget_ms:
            break
        if extra in include:
            include.remove(extra)
            grid = finest(asked, lambda g: estimate(g) <= budget_ms)
    return grid, thumb, include, estimate(grid)


def shape_of(run) -> Shape:
    """The Shape of an engine.training.Run."""
    return Shape(tuple(run.spec.layer_sizes), int(run.X_train.shape[1] + run.X_val.shape[1]))


def fit_view(view, shape: Shape, budget_ms: float):
    """(view, estimate ms): ``view`` (schemas.View) as fit_drawing draws it,
    the same object when it fits, else a copy whose ``degraded`` says what
    was asked and what is drawn."""
    grid, thumb, include, estimate = fit_drawing(shape, view.grid, view.thumb, view.include,
                                                 view.curve_layers, budget_ms)
    if (grid, thumb, include) == (view.grid, view.thumb, list(view.include)):
        return view, estimate
    fitted = view.model_copy(update={"grid": grid, "thumb": thumb, "include": include})
    fitted._degraded = {
        "budget_ms": budget_ms, "estimate_ms": round(estimate, 1),
        "asked": {"grid": view.grid, "thumb": view.thumb, "include": list(view.include)},
        "drawn": {"grid": grid, "thumb": thumb, "include": include}}
    return fitted, estimate
