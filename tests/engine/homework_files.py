"""Data files in the homework's exact format, generated for the tests.

The course's files (``data{name}_train.csv``, ``data{name}_validate.csv``)
hold one point a line, ``x1 x2 label`` separated by single spaces, every
number written by ``np.savetxt``'s default ``%.18e``
(``-1.389960315040431382e+00``); labels are -1/+1 for two classes and
0..k-1 for more.  The tests make such files from the built-in datasets, so
they need nothing beside the checkout.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from engine import datasets


def write_homework_file(path: Path, X: np.ndarray, labels: np.ndarray, plus_minus: bool) -> Path:
    """X (2 x n), labels (n,) in 0..k-1 -> path in the homework's format
    (labels written as -1/+1 when ``plus_minus``)."""
    written = 2 * labels - 1 if plus_minus else labels
    np.savetxt(path, np.column_stack([X.T, written]).astype(np.float64))
    return path


def homework_data(folder: Path, name: str, dataset: str, n_train: int, n_validate: int | None,
                  seed: int = 0) -> tuple[np.ndarray, ...]:
    """data{name}_train.csv (and _validate.csv unless n_validate is None) in
    folder from the built-in ``dataset``; -1/+1 labels for two classes.
    Returns (X_train, y_train, X_val, y_val) as written (0-based labels)."""
    rng = np.random.default_rng(seed)
    n = n_train + (n_validate or 0)
    X, y = datasets.generate(dataset, n, datasets.DATASETS[dataset].default_noise, rng)
    two = int(y.max()) == 1
    write_homework_file(folder / f"data{name}_train.csv", X[:, :n_train], y[:n_train], two)
    if n_validate is not None:
        write_homework_file(folder / f"data{name}_validate.csv", X[:, n_train:], y[n_train:], two)
    return X[:, :n_train], y[:n_train], X[:, n_train:], y[n_train:]
