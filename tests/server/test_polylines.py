"""Polyline simplification keeps the picture: ends kept, every dropped vertex
within the tolerance of what remains."""
from __future__ import annotations

import numpy as np
import pytest

from server import polylines
from server.polylines import simplify, simplify_many


def distance_to_polyline(p: np.ndarray, line: np.ndarray) -> float:
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.clip(((p - a) * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-300), 0, 1)
    closest = a + t[:, None] * ab
    return float(np.hypot(*(p - closest).T).min())


@pytest.mark.parametrize("seed", range(5))
def test_every_vertex_stays_within_the_tolerance(seed):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 3 * np.pi, 400)
    curve = np.column_stack([t * np.cos(t), t * np.sin(t)]) + rng.normal(0, 0.002, (400, 2))
    out = simplify(curve, 0.01)
    assert len(out) < len(curve) / 2
    assert np.array_equal(out[0], curve[0]) and np.array_equal(out[-1], curve[-1])
    assert max(distance_to_polyline(p, out) for p in curve) <= 0.01 + 1e-12


def test_a_straight_run_becomes_its_ends():
    line = np.column_stack([np.linspace(0, 1, 50), np.linspace(0, 2, 50)])
    assert simplify(line, 1e-9).tolist() == [[0.0, 0.0], [1.0, 2.0]]


def test_a_closed_loop_keeps_its_shape():
    t = np.linspace(0, 2 * np.pi, 200)
    loop = np.column_stack([np.cos(t), np.sin(t)])
    out = simplify(loop, 0.01)
    assert 8 < len(out) < 60
    assert max(distance_to_polyline(p, out) for p in loop) <= 0.01 + 1e-12


def test_a_hairpin_is_not_cut_short():
    """Points beyond the chord's ends are near its line but far from the segment."""
    hairpin = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.001], [1.5, 0.002]])
    out = simplify(hairpin, 0.01)
    assert [3.0, 0.001] in out.tolist()


def test_short_lines_are_unchanged():
    for n in (0, 1, 2):
        line = np.arange(2 * n, dtype=float).reshape(n, 2)
        assert np.array_equal(simplify(line, 1.0), line)


def reference_rdp(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Ramer-Douglas-Peucker written the textbook way, recursively, one polyline."""
    if len(points) < 3:
        return points
    a, b = points[0], points[-1]
    chord, inner = b - a, points[1:-1] - a
    t = np.clip((inner[:, 0] * chord[0] + inner[:, 1] * chord[1])
                / max(chord[0] ** 2 + chord[1] ** 2, 1e-300), 0, 1)
    off = inner - t[:, None] * chord
    d = np.hypot(off[:, 0], off[:, 1])
    i = int(d.argmax()) + 1
    if d[i - 1] <= tolerance:
        return points[[0, -1]]
    return np.vstack([reference_rdp(points[:i + 1], tolerance)[:-1], reference_rdp(points[i:], tolerance)])


@pytest.mark.parametrize("seed", range(5))
def test_many_at_once_equals_each_on_its_own(seed):
    """simplify_many splits every run of every polyline in one pass per level;
    the result must be the recursive algorithm's, polyline by polyline."""
    rng = np.random.default_rng(seed)
    lines = [np.cumsum(rng.normal(0, 1, (n, 2)), axis=0) for n in rng.integers(0, 300, 12)]
    lines.append(np.zeros((5, 2)))                                   # all one point
    lines.append(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]))    # there and back
    together = simplify_many(lines, 0.5)
    assert len(together) == len(lines)
    for line, out in zip(lines, together):
        np.testing.assert_array_equal(out, reference_rdp(line, 0.5))


def test_many_of_nothing_is_nothing():
    assert simplify_many([], 0.1) == []


@pytest.mark.parametrize("seed", range(8))
def test_the_loop_for_few_points_keeps_what_the_passes_keep(seed, monkeypatch):
    """Below LOOP_POINTS a plain loop does the work: the same vertices, bit for
    bit, as the vectorised passes (forced here with LOOP_POINTS = 0)."""
    rng = np.random.default_rng(seed)
    lines = [np.cumsum(rng.normal(0, 1, (n, 2)), axis=0) for n in rng.integers(0, 60, 6)]
    lines += [np.zeros((4, 2)), np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]),
              np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.001], [1.5, 0.002]])]
    tolerance = float(rng.choice([1e-3, 0.3, 2.0]))
    assert sum(map(len, lines)) <= polylines.LOOP_POINTS
    looped = simplify_many(lines, tolerance)
    monkeypatch.setattr(polylines, "LOOP_POINTS", 0)
    passed = simplify_many(lines, tolerance)
    for a, b, line in zip(looped, passed, lines):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, reference_rdp(line, tolerance))
