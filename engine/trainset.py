"""The points a training run is given: checked, and the copies its
computation reads.

X is d x b (columns are points), y (b,) integer labels in 0..k-1; the run
keeps them as given (float64) and computes on ``working_copy``'s [X; 1s]
and targets in its dtype.
"""
from __future__ import annotations

import numpy as np

from engine.network import OUTPUTS, NetworkSpec


def checked_points(spec: NetworkSpec, X, y, name: str, allow_empty: bool) -> tuple[np.ndarray, np.ndarray]:
    """Checked copies of the ``name`` set ("train", "val"): X (d x b) float64
    C-contiguous, y (b,) int64 labels in 0..k-1 (ValueError naming the set
    otherwise)."""
    X = np.array(X, dtype=np.float64, order="C")
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[0] != spec.input_dim:
        raise ValueError(f"X_{name} must be {spec.input_dim} x b, got shape {X.shape}")
    if y.shape != (X.shape[1],):
        raise ValueError(f"y_{name} must have shape ({X.shape[1]},), got {y.shape}")
    if X.shape[1] == 0 and not allow_empty:
        raise ValueError(f"the {name} set is empty")
    if not np.isfinite(X).all():
        raise ValueError(f"X_{name} has a non-finite value")
    if y.dtype.kind not in "iuf" or (y.dtype.kind == "f" and not np.array_equal(y, np.round(y))):
        raise ValueError(f"y_{name} must hold integer labels")
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= spec.n_classes):
        raise ValueError(f"y_{name} labels must be in 0..{spec.n_classes - 1}")
    return X, y


def working_copy(spec: NetworkSpec, X: np.ndarray, y: np.ndarray, name: str,
                 dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """([X; 1s] ((d + 1) x b), targets (k x b)) in dtype, as the run's
    computation reads the ``name`` set; ValueError if X does not fit dtype."""
    with np.errstate(over="ignore"):
        Xc = np.vstack([X, np.ones((1, X.shape[1]))]).astype(dtype)   # [X; 1s]
    if not np.isfinite(Xc).all():
        raise ValueError(f"X_{name} has a value beyond {dtype.name}'s range")
    return Xc, OUTPUTS[spec.output].targets(y, spec.n_classes).astype(dtype, copy=False)
