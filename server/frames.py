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

from engine.geometry import (activation_regions, decision_boundary, evaluate_grid,
                             first_layer_lines, unit_activations, unit_level_sets)
from engine.network import layer_params, predict_proba

from .datasource import to_rows

VERSION = 1
DIGITS = 4       # decimals kept for plane coordinates (a 100-cell view of width 10: 1e-4 is 1/1000 cell)
SIGNIFICANT = 6  # significant digits kept for metrics and line coefficients
HISTORY_KEYS = ("train_loss", "train_acc", "val_loss", "val_acc")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def float32_b64(a: np.ndarray) -> str:
    return b64(np.ascontiguousarray(a, dtype="<f4").tobytes())


def to_uint8(a: np.ndarray, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    """Values in [lo, hi] -> 0..255 (NaN -> 0)."""
    scaled = (np.nan_to_num(a, nan=lo) - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def sig(v: float | None) -> float | None:
    """Rounded to SIGNIFICANT digits; None for None or a non-finite value."""
    if v is None or not math.isfinite(v):
        return None
    return float(f"{v:.{SIGNIFICANT}g}")


def coords(a: Any) -> Any:
    return np.round(np.asarray(a, dtype=np.float64), DIGITS).tolist()


def build(sid: str, session, view, *, advance: dict | None = None, resumed: bool = False,
          points: bool = False) -> dict:
    """The frame of ``session`` (sessions.Session) drawn as ``view`` asks."""
    run = session.run
    params = layer_params(run.model)
    acts = run.spec.all_activations
    include = set(view.include)
    with np.errstate(all="ignore"):   # a diverging network draws what it can, silently
        frame = {
            "version": VERSION, "session": sid, "resumed": resumed,
            "counters": {"step": run.step, "epoch": run.epoch,
                         "batch_in_epoch": run.batch_in_epoch,
                         "batches_per_epoch": run.batches_per_epoch},
            "advance": advance, "state": run.state, "diverged_at": run.diverged_at,
            "metrics": {k: sig(v) for k, v in run.metrics().items()},
            "history": history_since(run.history, view.since_epoch),
            "extent": session.extent,
            "grid": grid(params, acts, session.extent, view.grid, run.spec.n_classes,
                         "probs" in include),
            "lines": lines(params[0], session.extent),
            "boundary": [coords(p) for p in
                         decision_boundary(params, acts, session.extent, view.grid)],
        }
        if "curves" in include:
            frame["curves"] = curves(params, acts, session.extent, view,
                                     len(run.spec.hidden))
        if "thumbnails" in include:
            frame["thumbnails"] = thumbnails(params, acts, session.extent, view.thumb)
        if "regions" in include:
            frame["regions"] = {"count": activation_regions(params, acts, session.extent,
                                                            view.grid)[1]}
        frame["weights"] = [{"shape": list(W.shape), "W": float32_b64(W),
                             "W0": float32_b64(W0.reshape(-1))} for W, W0 in params]
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
    for key in HISTORY_KEYS:
        out[key] = [sig(v) for v in history[key][start:]]
    return out


def grid(params, acts, extent, resolution: int, n_classes: int, with_probs: bool) -> dict:
    """Winning class and its confidence per cell, two uint8 planes deflated."""
    g = evaluate_grid(params, acts, extent, resolution, with_probs=with_probs)
    planes = g.classes.tobytes() + to_uint8(g.confidence).tobytes()
    out = {"resolution": resolution, "n_classes": n_classes, "encoding": "zlib+base64",
           "data": b64(zlib.compress(planes, 6))}
    if with_probs:
        out["probs"] = b64(zlib.compress(to_uint8(g.probs).tobytes(), 6))
    return out


def lines(first_layer, extent) -> list[dict]:
    W, W0 = first_layer
    out = []
    for unit, line in enumerate(first_layer_lines(W, W0, extent)):
        out.append({"unit": unit, "w": [sig(v) for v in line["w"]], "b": sig(line["b"]),
                    "dead": line["dead"],
                    "segment": None if line["segment"] is None else coords(line["segment"]),
                    "zero_label": None if line["zero_label"] is None else coords(line["zero_label"]),
                    "plus_label": None if line["plus_label"] is None else coords(line["plus_label"])})
    return out


def curves(params, acts, extent, view, n_hidden: int) -> dict:
    """Hidden layer -> unit -> zero-level polylines (layers numbered from 1)."""
    layers = view.curve_layers or list(range(1, n_hidden + 1))
    return {str(layer): [[coords(p) for p in unit] for unit in
                         unit_level_sets(params, acts, layer, extent, view.grid)]
            for layer in layers if layer <= n_hidden}


def thumbnails(params, acts, extent, size: int) -> list[dict]:
    out = []
    for layer, A in enumerate(unit_activations(params, acts, extent, size), start=1):
        finite = A[np.isfinite(A)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        out.append({"layer": layer, "size": size, "data": b64(to_uint8(A, lo, hi).tobytes()),
                    "scale": [sig(lo) or 0.0, sig(hi) or 0.0]})
    return out


def predictions(run) -> str:
    """Predicted class of every point, training then validation, uint8."""
    X = np.hstack([run.X_train, run.X_val])
    return b64(predict_proba(run.model, X).argmax(axis=0).astype(np.uint8).tobytes())
