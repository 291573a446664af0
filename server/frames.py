"""Run + geometry -> one compact frame (docs/design.md, "Frame (version 1)").

Everything the page draws for one animation frame.  Big arrays travel as
base64 of little-endian bytes (grid planes deflated first), never as JSON
lists of floats; coordinates are rounded to what a picture can show.
"""
from __future__ import annotations

import base64
import bisect
import math
import zlib
from typing import Any

import numpy as np

from engine.creases import TINTS, count_regions, dead_units, linear_regions, relu_layers
from engine.geometry import decision_boundary_of, first_layer_segments, unit_level_sets_of
from engine.grid import GridPass
from engine.network import layer_params
from engine.training import METRIC_KEYS

from .datasource import to_rows
from .polylines import TOLERANCE, simplify_many

FRAME_VERSION = 1
SIGNIFICANT = 6       # significant digits kept for metrics and losses
RESOLVE = 2000        # polyline coordinates are rounded to 1/RESOLVE of the view or finer
CONFIDENCE_STEP = 4   # confidence is sent in steps of 4/255: 64 shades, a third of the bytes
                      # (a power of 2: a mask rounds down to a step)
# zlib level of the grid planes: level 6 made them 1.2 KB smaller (1.1 KB
# after gzip) for 0.3 ms more a frame; a class's server runs out of CPU first
GRID_LEVEL = 1
ACTIVE_ENCODING = "zlib+base64+uint16le"   # a new name: a reader of the old uint8 counts refuses it


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def float32_b64(a: np.ndarray) -> str:
    return b64(np.ascontiguousarray(a, dtype="<f4").tobytes())


def exact_b64(a: np.ndarray) -> str:
    """Little-endian bytes in the array's own precision: what the page keeps for
    resume, undo and links must come back bit for bit."""
    return b64(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes())


def to_uint8(a: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Values in [lo, hi] -> 0..255, rounded; beyond it clipped; NaN -> 0."""
    if not hi > lo:
        return np.zeros(np.shape(a), dtype=np.uint8)
    scaled = np.subtract(a, lo)
    scaled *= 255.0 / (hi - lo)
    with np.errstate(invalid="ignore"):
        np.fmax(scaled, 0.0, out=scaled)   # fmax, not maximum: NaN becomes 0 here too
    np.fmin(scaled, 255.0, out=scaled)
    return np.rint(scaled, out=scaled).astype(np.uint8)


def sig(v: float | None) -> float | None:
    """Rounded to SIGNIFICANT digits; None for None or a non-finite value."""
    if v is None or not math.isfinite(v):
        return None
    return float(f"{v:.{SIGNIFICANT}g}")


def decimals(extent) -> int:
    """Decimals that resolve 1/RESOLVE of the view's width (3 for a view 12 wide)."""
    return max(0, math.ceil(math.log10(RESOLVE / (extent[1] - extent[0]))))


def coords(a: Any, digits: int) -> Any:
    return np.round(np.asarray(a, dtype=np.float64), digits).tolist()


def polylines(lines, extent, digits: int) -> list:
    """Polylines simplified within 1/1000 of the view, then rounded."""
    tolerance = TOLERANCE * (extent[1] - extent[0])
    return [coords(p, digits) for p in simplify_many(lines, tolerance)]


def build(sid: str, session, view, *, advance: dict | None = None, resumed: bool = False,
          points: bool = False) -> dict:
    """The frame of ``session`` (sessions.Session) drawn as ``view`` asks."""
    run = session.run
    params = layer_params(run.model)
    acts = run.spec.all_activations
    include = set(view.include)
    digits = decimals(session.extent)
    with np.errstate(all="ignore"):   # a diverging network draws what it can, silently
        # one forward pass over the view's grid feeds everything drawn from it
        keep = ("z" if include & {"curves", "regions", "tint", "active"} else "") + \
               ("a" if "thumbnails" in include and view.thumb == view.grid else "")
        plane = GridPass(params, acts, session.extent, view.grid, keep=keep)
        frame = {
            "version": FRAME_VERSION, "session": sid, "resumed": resumed,
            "counters": {"step": run.step, "epoch": run.epoch,
                         "batch_in_epoch": run.batch_in_epoch,
                         "batches_per_epoch": run.batches_per_epoch},
            "advance": advance, "degraded": view.degraded, "state": run.state, "diverged_at": run.diverged_at,
            "metrics": {k: sig(v) for k, v in run.metrics().items()},
            "history": history_since(run.history, view.since_epoch),
            "extent": session.extent,
            "grid": grid(plane, run.spec.n_classes, "probs" in include),
            "lines": lines(params[0], session.extent),
            "boundary": polylines(decision_boundary_of(plane), session.extent, digits),
        }
        if "curves" in include:
            frame["curves"] = curves(plane, view, len(run.spec.hidden), session.extent, digits)
        if "thumbnails" in include:
            small = plane if "a" in keep else GridPass(params, acts, session.extent, view.thumb, keep="a")
            frame["thumbnails"] = thumbnails(small)
        if "regions" in include or "tint" in include:
            frame["regions"] = creases(plane, params, acts, run.X_train, "tint" in include)
        if "active" in include and run.spec.hidden:
            frame["active"] = active_units(plane)
        frame["weights"] = [{"shape": list(W.shape), "dtype": str(W.dtype), "W": exact_b64(W),
                             "W0": exact_b64(W0.reshape(-1))} for W, W0 in params]
        frame["layers"] = [{"units": W.shape[1], "activation": a} for (W, _), a in zip(params, acts)]
        frame["predictions"] = predictions(run)
    frame["data"] = {"revision": session.revision}
    if points or "points" in include:
        frame["points"] = {"train": to_rows(run.X_train, run.y_train),
                           "val": to_rows(run.X_val, run.y_val)}
    return frame


def history_since(history: dict, since_epoch: int) -> dict:
    start = bisect.bisect_right(history["epoch"], since_epoch)
    out = {"from_epoch": since_epoch, "epoch": history["epoch"][start:]}
    for key in METRIC_KEYS:
        out[key] = [sig(v) for v in history[key][start:]]
    return out


def grid(plane: GridPass, n_classes: int, with_probs: bool) -> dict:
    """Winning class and its confidence per cell, two uint8 planes deflated."""
    g = plane.classify(with_probs)
    confidence = to_uint8(g.confidence) & np.uint8(256 - CONFIDENCE_STEP)   # down to a step
    planes = g.classes.tobytes() + confidence.tobytes()
    out = {"resolution": plane.resolution, "n_classes": n_classes, "encoding": "zlib+base64",
           "data": b64(zlib.compress(planes, GRID_LEVEL))}
    if with_probs:
        out["probs"] = b64(zlib.compress(to_uint8(g.probs).tobytes(), 6))
    return out


def lines(first_layer, extent) -> dict:
    """Per first-layer unit 4 float32s ``[x0, y0, x1, y1]``: the segment of
    w . x + b = 0 inside the view; NaNs where the unit draws no line (w ~ 0,
    or the line misses the view).  The page places its labels.  Binary like the weights: as JSON numbers these were a third
    of a frame's encoding time.  w and b themselves are the frame's
    weights[0] (W[:, unit], W0[unit])."""
    t = first_layer_segments(*first_layer, extent)
    table = np.hstack([t.start, t.end]).astype("<f4")
    table[~t.shown] = np.nan
    return {"units": int(table.shape[0]), "encoding": "float32+base64", "data": b64(table.tobytes())}


def curves(plane: GridPass, view, n_hidden: int, extent, digits: int) -> dict:
    """Hidden layer -> unit -> zero-level polylines (layers numbered from 1)."""
    layers = [layer for layer in (view.curve_layers or range(1, n_hidden + 1)) if layer <= n_hidden]
    per_unit = [unit for layer in layers for unit in unit_level_sets_of(plane, layer)]
    # one simplification pass over every unit's polylines, then back to units
    flat = iter(polylines([p for unit in per_unit for p in unit], extent, digits))
    drawn = [[next(flat) for _ in unit] for unit in per_unit]
    out, at = {}, 0
    for layer in layers:
        units = plane.hidden_z[layer - 1].shape[0]
        out[str(layer)] = drawn[at:at + units]
        at += units
    return out


def thumbnails(plane: GridPass) -> list[dict]:
    """Each hidden layer's activations, per unit a uint8 plane scaled to the layer's range."""
    out, size = [], plane.resolution
    for layer, A in enumerate(plane.hidden_a, start=1):
        finite = A[np.isfinite(A)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        out.append({"layer": layer, "size": size, "data": b64(to_uint8(A, lo, hi).tobytes()),
                    "scale": [sig(lo) or 0.0, sig(hi) or 0.0]})
    return out


def active_units(plane: GridPass) -> dict:
    """How many first-layer units are on the "+" side of their line (z > 0; a
    ReLU unit is then active) per grid cell: deflated little-endian uint16 RxR,
    row i = y (a layer may have 256 units and more, so uint8 would wrap to 0),
    from the grid pass's first-layer z, cell for cell like the heatmap."""
    z = plane.hidden_z[0]
    count = (z > 0).sum(axis=0).astype("<u2")
    return {"resolution": plane.resolution, "units": int(z.shape[0]), "encoding": ACTIVE_ENCODING,
            "data": b64(zlib.compress(count.tobytes(), 6))}


# --- creases (issue 18.3) ------------------------------------------------------

def creases(plane: GridPass, params, acts, X_train, with_ids: bool) -> dict:
    """Dead ReLU units per hidden layer (unit indices; dead on every training
    point), the ReLU units in all, and the linear regions on the frame's grid
    pass; with the tint view also each cell's region (deflated little-endian
    uint16 RxR, uint32 past 65,536 regions, row i = y) and each region's tint
    (uint8, < ``palette``): engine.creases says how ids and tints are chosen."""
    dead = dead_units(params, acts, X_train)
    relu = [plane.hidden_z[i] for i in relu_layers(acts)]
    R = plane.resolution
    # no ReLU layer: one layer of no units, so that the grid's cells are one region
    layers = relu or [np.zeros((0, R * R), dtype=np.float32)]
    regions = linear_regions(layers) if with_ids else None   # numbered and tinted for the tint view only
    out = {"count": regions.count if regions else count_regions(layers),
           "relu_units": sum(int(z.shape[0]) for z in relu),
           "dead": [np.flatnonzero(layer).tolist() for layer in dead]}
    if with_ids:
        wide = regions.count > 2 ** 16
        ids = regions.ids.astype("<u4" if wide else "<u2")
        out["ids"] = {"resolution": R, "palette": TINTS,
                      "encoding": "zlib+base64+uint32le" if wide else "zlib+base64+uint16le",
                      "data": b64(zlib.compress(ids.tobytes(), 6)),
                      "tints": b64(regions.tints.tobytes())}
    return out


def predictions(run) -> str:
    """Predicted class of every point, training then validation, uint8 (from the
    run's own evaluation pass, which metrics() made for the same weights)."""
    return b64(run.predicted_classes().astype(np.uint8).tobytes())
