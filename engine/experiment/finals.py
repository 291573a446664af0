"""Every trial's final state, kept small enough to keep them all.

A finished trial is reopened exactly (``reopen``): its weights, optimiser
state, counters, batch order, random state and history, the same numbers a
``checkpoint`` keeps of a Run, but without the data, which every trial of an
Experiment shares and the Experiment keeps once.  Arrays are stored as their
little-endian bytes in base64, so a float64 comes back bit for bit and a
part's JSON stays quick to read.

``final_size`` bounds the size of one kept state before any trial runs, so a
server can refuse an experiment whose trials would not fit its store.
"""
from __future__ import annotations

import base64

import numpy as np

from engine.checkpoint import run_from_state, run_state
from engine.history import HISTORY_POINTS, METRIC_KEYS
from engine.optim import OPTIMIZERS
from engine.training import Run

DATA_ARRAYS = ("X_train", "y_train", "X_val", "y_val")
META_BYTES = 2048      # the JSON of counters, settings and random state, with room to spare


def _encode(a: np.ndarray) -> dict:
    a = np.asarray(a)
    le = a.astype(a.dtype.newbyteorder("<"), copy=False)
    return {"dtype": le.dtype.str, "shape": list(a.shape), "data": base64.b64encode(le.tobytes()).decode()}


def _decode(d: dict) -> np.ndarray:
    raw = base64.b64decode(d["data"], validate=True)
    return np.frombuffer(raw, dtype=np.dtype(d["dtype"])).reshape(d["shape"]).copy()


def keep_final(run: Run) -> dict:
    """A finished trial's state without its data: {"meta", "arrays"}, JSON-able."""
    meta, arrays = run_state(run)
    return {"meta": meta, "arrays": {name: _encode(a) for name, a in arrays.items()
                                     if name not in DATA_ARRAYS}}


def reopen(final: dict, X_train, y_train, X_val, y_val) -> Run:
    """The Run ``keep_final`` kept, on the experiment's data (X 2 x n, labels (n,)):
    it continues exactly as the trial would have.  ValueError if they do not fit."""
    try:
        arrays = {name: _decode(d) for name, d in final["arrays"].items()}
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"malformed trial state: {e!r}") from None
    arrays.update(X_train=np.asarray(X_train, dtype=np.float64), y_train=np.asarray(y_train, dtype=np.int64),
                  X_val=np.asarray(X_val, dtype=np.float64), y_val=np.asarray(y_val, dtype=np.int64))
    return run_from_state(final["meta"], arrays)


def final_size(n_params: int, optimizer: str, n_train: int, epochs: int) -> int:
    """Most bytes ``keep_final`` takes as JSON for a trial of a network of
    ``n_params`` parameters trained by ``optimizer`` for ``epochs`` epochs on
    ``n_train`` points: parameters and optimiser arrays (8 bytes each), the
    batch order (8 per point) and the history (8 per epoch and metric), in
    base64 (4/3), plus the meta."""
    arrays = n_params * (1 + len(OPTIMIZERS[optimizer].STATE)) + n_train \
        + min(epochs, HISTORY_POINTS) * (1 + len(METRIC_KEYS))
    return -(-arrays * 8 * 4 // 3) + META_BYTES
