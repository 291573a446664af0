"""Where a session's points come from: a built-in generator, points sent as
JSON, or a data file in the homework's format (read by engine.datafile).

``resolve`` turns validated ``DataSettings`` into arrays (X is 2 x n, labels
(n,), the homework's convention); the rest serves /api/datasets and
/api/datafile (whose upload bodies.py reads).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.datafile import DataFileError, parse_points
from engine.datasets import DATASETS, NOISE_MAX, generate, split

from .config import Limits
from .errors import ApiError
from .fields import COORD_MAX, LR_MAX, LR_MIN
from .schemas import FileData, GeneratedData, PointsData

@dataclass
class DataArrays:
    X_train: np.ndarray   # 2 x n_train
    y_train: np.ndarray   # (n_train,) int64
    X_val: np.ndarray     # 2 x n_val
    y_val: np.ndarray
    n_classes: int
    extent: list[float]   # [x0, x1, y0, y1] of the plane shown

    @property
    def size(self) -> int:
        return self.y_train.shape[0] + self.y_val.shape[0]


def resolve(data: GeneratedData | PointsData | FileData, limits: Limits,
            field: str | None) -> DataArrays:
    """Arrays for validated data settings; ``field`` (e.g. "data") prefixes error fields."""
    prefix = f"{field}." if field else ""
    if isinstance(data, GeneratedData):
        entry = DATASETS[data.name]
        noise = entry.default_noise if data.noise is None else data.noise
        rng = np.random.default_rng(data.seed)
        X, y = generate(data.name, data.n, noise, rng, data.classes)
        parts = split(X, y, data.val_share, rng)
        k = data.classes or entry.n_classes
        return DataArrays(*parts, k, [-entry.bound, entry.bound, -entry.bound, entry.bound])
    if isinstance(data, PointsData):
        X_tr, y_tr = from_rows(data.train)
        X_val, y_val = from_rows(data.val)
        k = max(2, int(max(y_tr.max(), y_val.max(initial=0))) + 1)
        return DataArrays(X_tr, y_tr, X_val, y_val, k, extent_of(np.hstack([X_tr, X_val])))
    X, y, k = read_file(data.text, limits, f"{prefix}text")
    if data.val_text is None:
        X_tr, y_tr, X_val, y_val = split(X, y, data.val_share, np.random.default_rng(data.seed))
    else:
        X_tr, y_tr = X, y
        X_val, y_val, k_val = read_file(data.val_text, limits, f"{prefix}val_text")
        k = max(k, k_val)
        if y_tr.shape[0] + y_val.shape[0] > limits.max_points:
            raise ApiError(400, "limit_exceeded", f"{prefix}val_text: more than "
                           f"{limits.max_points} points in the two files together",
                           f"{prefix}val_text")
    return DataArrays(X_tr, y_tr, X_val, y_val, k, extent_of(np.hstack([X_tr, X_val])))


def read_file(text: str | bytes, limits: Limits, field: str) -> tuple[np.ndarray, np.ndarray, int]:
    try:
        X, y, k = parse_points(text, max_points=limits.max_points)
    except DataFileError as e:
        raise ApiError(400, "datafile_error", f"{field}: {e}", field) from None
    if k > limits.max_classes:
        raise ApiError(400, "limit_exceeded",
                       f"{field}: {k} classes; this server allows {limits.max_classes}", field)
    if np.abs(X).max() > COORD_MAX:
        raise ApiError(400, "out_of_range", f"{field}: coordinates must lie within +-{COORD_MAX:g}", field)
    return X, y, k


def from_rows(rows: list[tuple[float, float, int]]) -> tuple[np.ndarray, np.ndarray]:
    """[[x1, x2, label], ...] -> X 2 x n float64, labels (n,) int64."""
    if not rows:
        return np.zeros((2, 0)), np.zeros(0, dtype=np.int64)
    table = np.array(rows, dtype=np.float64)
    return table[:, :2].T.copy(), table[:, 2].astype(np.int64)


def to_rows(X: np.ndarray, y: np.ndarray) -> list[list]:
    """The inverse of from_rows, for frames and exports."""
    return [[float(a), float(b), int(c)] for a, b, c in zip(X[0], X[1], y)]


def extent_of(X: np.ndarray) -> list[float]:
    """A square [x0, x1, y0, y1] around the points with a 10% margin, at least 2 wide."""
    lo, hi = X.min(axis=1), X.max(axis=1)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) * 0.55, 1.0)
    return [float(centre[0] - half), float(centre[0] + half),
            float(centre[1] - half), float(centre[1] + half)]


def describe(raw: bytes, limits: Limits) -> dict:
    X, y, k = read_file(raw, limits, "file")
    return {"points": int(y.shape[0]), "classes": k,
            "label_counts": np.bincount(y, minlength=k).tolist(),
            "extent": extent_of(X), "data": to_rows(X, y)}


def datasets_info(limits: Limits) -> dict:
    return {
        "datasets": [{"name": name, "title": d.title, "description": d.description, "classes": d.n_classes,
                      "class_range": list(d.class_range), "default_noise": d.default_noise,
                      "bound": d.bound} for name, d in DATASETS.items()],
        "limits": {**{k: getattr(limits, k) for k in limits.__dataclass_fields__},
                   "lr_min": LR_MIN, "lr_max": LR_MAX},
        "noise_max": NOISE_MAX,
    }
