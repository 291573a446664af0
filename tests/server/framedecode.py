"""Decoding a frame the way the page does (static/js/frame.js), for tests."""
from __future__ import annotations

import base64
import zlib

import numpy as np


def grid_planes(frame: dict) -> tuple[np.ndarray, np.ndarray]:
    """(classes R x R uint8, confidence R x R uint8)."""
    grid = frame["grid"]
    assert grid["encoding"] == "zlib+base64"
    r = grid["resolution"]
    raw = np.frombuffer(zlib.decompress(base64.b64decode(grid["data"])), dtype=np.uint8)
    assert raw.shape == (2 * r * r,)
    return raw[: r * r].reshape(r, r), raw[r * r:].reshape(r, r)


def active_counts(frame: dict) -> np.ndarray:
    """Active first-layer units per cell, R x R (row i = y)."""
    active = frame["active"]
    assert active["encoding"] == "zlib+base64+uint16le"
    r = active["resolution"]
    raw = np.frombuffer(zlib.decompress(base64.b64decode(active["data"])), dtype="<u2")
    assert raw.shape == (r * r,)
    return raw.reshape(r, r)


def weights(frame: dict) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(W m x n, W0 (n,))] per layer, in the frame's dtype (the run's, exact)."""
    out = []
    for layer in frame["weights"]:
        m, n = layer["shape"]
        dtype = {"float64": "<f8", "float32": "<f4"}[layer["dtype"]]
        W = np.frombuffer(base64.b64decode(layer["W"]), dtype=dtype).reshape(m, n)
        W0 = np.frombuffer(base64.b64decode(layer["W0"]), dtype=dtype)
        assert W0.shape == (n,)
        out.append((W, W0))
    return out


def lines(frame: dict) -> list[list[float] | None]:
    """Per first-layer unit [x0, y0, x1, y1], or None (no line)."""
    table = frame["lines"]
    assert table["encoding"] == "float32+base64"
    rows = np.frombuffer(base64.b64decode(table["data"]), dtype="<f4").reshape(table["units"], 4)
    return [None if np.isnan(row[0]) else row.astype(float).tolist() for row in rows]


def predictions(frame: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(frame["predictions"]), dtype=np.uint8)


def as_float32(params) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(W, dtype=np.float32), np.asarray(W0, dtype=np.float32).reshape(-1))
            for W, W0 in params]


def exact(params) -> list[tuple[np.ndarray, np.ndarray]]:
    """The engine's (W, W0) as a frame carries them: W0 flat, nothing rounded."""
    return [(np.asarray(W), np.asarray(W0).reshape(-1)) for W, W0 in params]


def same_weights(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(W1, W2) and np.array_equal(c1, c2)
                                    for (W1, c1), (W2, c2) in zip(a, b))
