"""Built-in 2D datasets: generators with one signature and a registry by name.

Every generator is called as ``generator(n, noise, rng)`` and returns
``(X, labels)``: ``X`` is 2 x n float64 (columns are points), ``labels`` is
(n,) int64 with values 0..k-1.  Generators of k-class sets also take a keyword
``n_classes``.  Given the same ``rng`` state the output is identical.

Class balance: labels are drawn first, exactly balanced, then shuffled: class
``c`` gets ``n // k + (c < n % k)`` points, so class counts differ by at most
one and the lower class indices get the extra points.

``noise`` is a float in [0, 1]; 0 is the cleanest version of each set.  For
sets built from curves (circle, xor, spiral, moons) it is the standard
deviation, in plane units, of Gaussian jitter added to each coordinate; for
sets built from clusters it widens the clusters (each description says how).
Every coordinate is clipped to ``[-bound, bound]`` of its dataset, so a large
noise can pile a few points on the edge of that square.
"""
from __future__ import annotations

import functools
from typing import Callable, NamedTuple

import numpy as np

NOISE_MAX = 1.0


class Dataset(NamedTuple):
    generator: Callable[..., tuple[np.ndarray, np.ndarray]]  # (n, noise, rng[, n_classes=k])
    n_classes: int                 # the fixed count, or the default the generator uses
    title: str                     # the display name; the registry key stays the identifier
    description: str
    default_noise: float
    bound: float                   # every coordinate lies in [-bound, bound]
    class_range: tuple[int, int]   # allowed n_classes, inclusive; (k, k) for fixed sets


def balanced_labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) int64 labels, class c appearing n // k + (c < n % k) times, shuffled."""
    return rng.permutation(np.arange(n, dtype=np.int64) % k)


def _finish(points: np.ndarray, labels: np.ndarray, noise: float, bound: float,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Jitter (n x 2 points) by N(0, noise^2), clip to the bound, return 2 x n."""
    points = points + rng.normal(0.0, 1.0, points.shape) * noise
    return np.clip(points, -bound, bound).T.copy(), labels


def _signs(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 2, n) * 2.0 - 1.0


# --- in the spirit of the homework's data files ---------------------------------

def separable(n: int, noise: float, rng: np.random.Generator):
    """Split by the line x2 = 0: class 1 above, class 0 below, |x2| in [0.5, 3.5],
    x1 uniform in [-4, 4].  Separable with a margin of 1 at noise 0; noise jitters."""
    labels = balanced_labels(n, 2, rng)
    side = labels * 2.0 - 1.0
    points = np.column_stack([rng.uniform(-4, 4, n), side * rng.uniform(0.5, 3.5, n)])
    return _finish(points, labels, noise, 5.0, rng)


def clusters(n: int, noise: float, rng: np.random.Generator):
    """Two overlapping Gaussian clusters along x1, centres (-1, 0) and (1, 0),
    standard deviations s along x1 and 1.3 s along x2 with s = 0.3 + 1.2 noise."""
    labels = balanced_labels(n, 2, rng)
    spread = (0.3 + 1.2 * noise) * np.array([1.0, 1.3])
    centres = np.array([[-1.0, 0.0], [1.0, 0.0]])
    points = centres[labels] + rng.normal(0.0, 1.0, (n, 2)) * spread
    return _finish(points, labels, 0.0, 5.0, rng)


def quadrants(n: int, noise: float, rng: np.random.Generator):
    """Quadrant XOR from four Gaussian blobs at (+-2, +-2), standard deviation
    0.3 + 1.2 noise: class 1 in the quadrants where x1 and x2 share a sign."""
    labels = balanced_labels(n, 2, rng)
    s1 = _signs(n, rng)
    s2 = np.where(labels == 1, s1, -s1)
    points = 2.0 * np.column_stack([s1, s2]) + rng.normal(0.0, 0.3 + 1.2 * noise, (n, 2))
    return _finish(points, labels, 0.0, 5.0, rng)


_THREE_CENTRES = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
_THREE_SHAPES = np.array([[1.2, 0.5], [0.6, 1.5], [0.8, 0.7]])


def three_clusters(n: int, noise: float, rng: np.random.Generator):
    """Three classes near (-1, -1), (1, 1) and (-1, 1), like the homework's
    3class set: elongated Gaussians whose spreads scale with 0.2 + noise."""
    labels = balanced_labels(n, 3, rng)
    spread = _THREE_SHAPES[labels] * (0.2 + noise)
    points = _THREE_CENTRES[labels] + rng.normal(0.0, 1.0, (n, 2)) * spread
    return _finish(points, labels, 0.0, 5.0, rng)


# --- TensorFlow-Playground style --------------------------------------------------

def circle(n: int, noise: float, rng: np.random.Generator):
    """Class 1 inside a disc of radius 2.5, class 0 in the ring 3.5..5 around it
    (radii and angles uniform); noise jitters."""
    labels = balanced_labels(n, 2, rng)
    radius = np.where(labels == 1, rng.uniform(0.0, 2.5, n), rng.uniform(3.5, 5.0, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    points = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return _finish(points, labels, noise, 6.0, rng)


def xor(n: int, noise: float, rng: np.random.Generator):
    """Uniform in [-5, 5]^2 but at least 0.3 from both axes; class 1 where
    x1 x2 > 0.  Noise jitters."""
    labels = balanced_labels(n, 2, rng)
    s1 = _signs(n, rng)
    s2 = np.where(labels == 1, s1, -s1)
    magnitude = rng.uniform(0.3, 5.0, (n, 2))
    return _finish(magnitude * np.column_stack([s1, s2]), labels, noise, 6.0, rng)


def gauss(n: int, noise: float, rng: np.random.Generator):
    """Two Gaussians, class 1 at (2, 2) and class 0 at (-2, -2), standard
    deviation 0.5 + 1.5 noise."""
    labels = balanced_labels(n, 2, rng)
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    points = centres + rng.normal(0.0, 0.5 + 1.5 * noise, (n, 2))
    return _finish(points, labels, 0.0, 6.0, rng)


def spirals(n: int, noise: float, rng: np.random.Generator, n_classes: int = 2):
    """k interleaved spiral arms: arm c is r = 5 t, angle = 3.5 pi t + 2 pi c / k
    for t uniform in [0, 1].  Noise jitters."""
    labels = balanced_labels(n, n_classes, rng)
    t = rng.uniform(0.0, 1.0, n)
    angle = 3.5 * np.pi * t + 2 * np.pi * labels / n_classes
    points = 5.0 * t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _finish(points, labels, noise, 6.0, rng)


def moons(n: int, noise: float, rng: np.random.Generator):
    """Two interleaved half circles of radius 2.5: class 0 the upper one around
    (-1.25, -0.625), class 1 the lower one around (1.25, 0.625).  Noise jitters."""
    labels = balanced_labels(n, 2, rng)
    angle = rng.uniform(0.0, np.pi, n) + np.pi * labels
    centres = np.where(labels[:, None] == 1, [1.25, 0.625], [-1.25, -0.625])
    points = centres + 2.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    return _finish(points, labels, noise, 5.0, rng)


def blobs(n: int, noise: float, rng: np.random.Generator, n_classes: int = 4):
    """k Gaussian blobs, blob c centred at 3.5 (cos, sin)(pi/2 + 2 pi c / k),
    standard deviation 0.1 + noise."""
    labels = balanced_labels(n, n_classes, rng)
    angle = np.pi / 2 + 2 * np.pi * labels / n_classes
    centres = 3.5 * np.column_stack([np.cos(angle), np.sin(angle)])
    points = centres + rng.normal(0.0, 0.1 + noise, (n, 2))
    return _finish(points, labels, 0.0, 6.0, rng)


def _fixed(fn, k, title, description, noise, bound):
    return Dataset(fn, k, title, description, noise, bound, (k, k))


DATASETS: dict[str, Dataset] = {
    "separable": _fixed(separable, 2, "Separable", "Two classes split by a line, with a margin", 0.0, 5.0),
    "clusters": _fixed(clusters, 2, "Two clusters", "Two overlapping clusters", 0.6, 5.0),
    "quadrants": _fixed(quadrants, 2, "Quadrants", "Quadrant XOR of four clusters", 0.5, 5.0),
    "three_clusters": _fixed(three_clusters, 3, "Three clusters", "Three elongated clusters", 0.6, 5.0),
    "circle": _fixed(circle, 2, "Circle", "A disc inside a ring", 0.1, 6.0),
    "xor": _fixed(xor, 2, "XOR", "XOR: the sign of x1 x2", 0.1, 6.0),
    "gauss": _fixed(gauss, 2, "Two Gaussians", "Two round Gaussian clusters on a diagonal", 0.2, 6.0),
    "spiral": _fixed(functools.partial(spirals, n_classes=2), 2, "Spiral", "Two spiral arms", 0.1, 6.0),
    "moons": _fixed(moons, 2, "Moons", "Two interleaved half moons", 0.2, 5.0),
    "spiral_k": Dataset(functools.partial(spirals, n_classes=3), 3, "Spiral (k classes)", "k spiral arms", 0.1, 6.0, (2, 8)),
    "blobs_k": Dataset(functools.partial(blobs, n_classes=4), 4, "Blobs (k classes)", "k Gaussian blobs on a circle", 0.5, 6.0, (2, 8)),
}


def generate(name: str, n: int, noise: float, rng: np.random.Generator,
             n_classes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw n points of the named dataset: X 2 x n float64, labels (n,) int64.

    ``n_classes`` defaults to the dataset's own; fixed sets accept only theirs.
    Raises ValueError for an unknown name, n < n_classes, noise outside
    [0, NOISE_MAX] or a class count outside the dataset's range.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    entry = DATASETS[name]
    k = entry.n_classes if n_classes is None else int(n_classes)
    lo, hi = entry.class_range
    if not lo <= k <= hi:
        raise ValueError(f"dataset {name!r} has {lo}..{hi} classes, not {k}")
    if not 0.0 <= noise <= NOISE_MAX:
        raise ValueError(f"noise must be in [0, {NOISE_MAX}], not {noise}")
    if n < k:
        raise ValueError(f"need at least one point per class: n = {n} < {k} classes")
    if lo == hi:
        return entry.generator(n, noise, rng)
    return entry.generator(n, noise, rng, n_classes=k)


def split(X: np.ndarray, labels: np.ndarray, val_share: float, rng: np.random.Generator):
    """Shuffle the points and hold out the last round(val_share * n) as the
    validation set (at least one point stays in training).  X is 2 x n; returns X_tr 2 x n_tr, y_tr, X_val 2 x n_val, y_val."""
    if not 0.0 <= val_share < 1.0:
        raise ValueError(f"val_share must be in [0, 1), not {val_share}")
    n = labels.shape[0]
    n_val = min(int(np.floor(val_share * n + 0.5)), max(n - 1, 0))
    order = rng.permutation(n)
    train, val = order[: n - n_val], order[n - n_val:]
    return X[:, train], labels[train], X[:, val], labels[val]
