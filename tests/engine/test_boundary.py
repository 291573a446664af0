"""The decision boundary drawn by marching squares over the winning classes
(engine.boundary): where it meets itself, where its vertices may lie, open
and closed lines, diverged networks, and against contourpy with two classes."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import boundary, geometry, grid
from engine.geometry import decision_boundary
from engine.grid import evaluate_grid, grid_axes

VIEW = (-3.0, 3.0, -3.0, 3.0)
CURVE_TOL = 1e-5   # vertices come from float32 scores


def three_rays(a=0.37, b=-0.21):
    """No hidden layer, scores (0, x1 - a, x2 - b): three regions meeting at
    (a, b) along the rays x1 = a (below), x2 = b (left), x1 - a = x2 - b."""
    W = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return [(W, np.array([[0.0], [-a], [-b]]))], ["softmax"]


def random_network(sizes, acts, seed):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(0, 1, (m, n)), rng.normal(0, 0.5, (n, 1)))
              for m, n in zip(sizes[:-1], sizes[1:])]
    return params, list(acts)


def canonical(polylines, digits=9):
    """Polylines as comparable tuples, whatever their direction and, for
    closed ones, starting vertex."""
    out = []
    for line in polylines:
        line = np.round(np.asarray(line), digits)
        closed = len(line) > 2 and np.array_equal(line[0], line[-1])
        if closed:
            ring = line[:-1]
            ring = np.roll(ring, -int(np.lexsort(ring.T[::-1])[0]), axis=0)
            ring = min(ring, np.roll(ring[::-1], 1, axis=0), key=lambda r: r.ravel().tolist())
            out.append((True, ring.ravel().tolist()))
        else:
            out.append((False, min(line, line[::-1], key=lambda r: r.ravel().tolist()).ravel().tolist()))
    return sorted(out)


def contourpy_lines(field, xs, ys):
    return geometry._zero_set(field.reshape(len(ys), len(xs)), geometry._mesh(xs, ys))


# --- where three classes meet -------------------------------------------------------

@pytest.mark.parametrize("resolution", [50, 61, 83])
def test_three_regions_meet_at_their_triple_point(resolution):
    a, b = 0.37, -0.21
    params, acts = three_rays(a, b)
    lines = decision_boundary(params, acts, VIEW, resolution)
    assert len(lines) == 3
    ends = [tuple(line[i]) for line in lines for i in (0, -1)]
    meeting = max(set(ends), key=ends.count)
    assert ends.count(meeting) == 3              # all three lines end at one point ...
    step = 6 / (resolution - 1)
    assert np.hypot(meeting[0] - a, meeting[1] - b) < step   # ... in the triple point's cell
    for line in lines:                           # and each runs from there to the view's edge
        far = line[-1] if tuple(line[0]) == meeting else line[0]
        assert np.abs(far).max() == pytest.approx(3)


def test_triple_point_joins_the_lines_the_old_way_stopped_short_of():
    """The per-pair zero sets stopped up to a cell short of where three
    classes meet; now every vertex but the meeting point lies on a ray."""
    a, b = 0.37, -0.21
    lines = decision_boundary(*three_rays(a, b), VIEW, 50)
    points = np.vstack(lines)
    x1, x2 = points[:, 0] - a, points[:, 1] - b
    on_a_ray = ((np.abs(x1) < CURVE_TOL) & (x2 <= 0) | (np.abs(x2) < CURVE_TOL) & (x1 <= 0)
                | (np.abs(x1 - x2) < CURVE_TOL) & (x1 >= 0))
    ends = [tuple(line[i]) for line in lines for i in (0, -1)]
    meeting = np.array(max(set(ends), key=ends.count))
    assert np.all(on_a_ray | np.all(points == meeting, axis=1))
    assert (~on_a_ray).sum() == 3


def node_class(resolution, params, acts, extent=VIEW):
    return evaluate_grid(params, acts, extent, resolution).classes


def test_every_vertex_is_on_a_changed_edge_or_in_a_square_of_three_classes():
    params, acts = random_network((2, 12, 6, 4), ("relu", "tanh", "softmax"), seed=8)
    R = 60
    classes = node_class(R, params, acts)
    xs, ys = grid_axes(VIEW, R)
    lines = decision_boundary(params, acts, VIEW, R)
    triple_points = 0
    for x, y in np.vstack(lines):
        i = min(np.searchsorted(ys, y, side="right") - 1, R - 2)   # the square holding the vertex
        j = min(np.searchsorted(xs, x, side="right") - 1, R - 2)
        square = classes[i:i + 2, j:j + 2]
        if y in ys:                                                # on a row: x between nodes
            row = np.flatnonzero(ys == y)[0]
            assert classes[row, j] != classes[row, j + 1] or x == xs[j]
        elif x in xs:
            col = np.flatnonzero(xs == x)[0]
            assert classes[i, col] != classes[i + 1, col]
        else:
            assert len(set(square.ravel().tolist())) >= 3
            triple_points += 1
    assert triple_points > 0


def test_every_changed_edge_carries_one_vertex():
    params, acts = random_network((2, 12, 6, 4), ("relu", "tanh", "softmax"), seed=8)
    R = 60
    classes = node_class(R, params, acts)
    xs, ys = grid_axes(VIEW, R)
    on_grid = {tuple(p) for p in np.vstack(decision_boundary(params, acts, VIEW, R)).tolist()
               if p[0] in xs or p[1] in ys}
    changed = (classes[:, :-1] != classes[:, 1:]).sum() + (classes[:-1] != classes[1:]).sum()
    assert len(on_grid) == changed


# --- open and closed lines ----------------------------------------------------------

def test_a_straight_two_class_boundary_is_one_open_line_from_edge_to_edge():
    # score_1 - score_0 = x1 + 2 x2 - 0.3
    params = [(np.array([[0.0, 1.0], [0.0, 2.0]]), np.array([[0.0], [-0.3]]))]
    (line,) = decision_boundary(params, ["softmax"], VIEW, 47)
    np.testing.assert_allclose(line @ [1, 2], 0.3, atol=CURVE_TOL)
    assert not np.array_equal(line[0], line[-1])
    along = (line - line[0]) @ np.array([2.0, -1.0])             # the line's direction
    assert np.all(np.diff(along) > 0) or np.all(np.diff(along) < 0)   # never doubles back
    # x1 + 2 x2 = 0.3 leaves the view through its sides, at (-3, 1.65) and (3, -1.35)
    np.testing.assert_allclose(sorted([line[0].tolist(), line[-1].tolist()]),
                               [[-3, 1.65], [3, -1.35]], atol=CURVE_TOL)


def diamonds(*centres):
    """score_1 - score_0 = 1 - |x1 - c1| - |x2 - c2| around the nearest of the
    centres, through ReLU units: closed diamonds of radius 1."""
    W1, b1 = [], []
    for c1, c2 in centres:
        for w in ([1, 0], [-1, 0], [0, 1], [0, -1]):
            W1.append(w)
            b1.append(-(w[0] * c1 + w[1] * c2))
    W1, b1 = np.array(W1, dtype=float).T, np.array(b1, dtype=float)[:, None]
    # each diamond's class-1 score is 1 - its |.|; class 0 scores 0 and each
    # extra output, one per diamond, loses everywhere but inside its diamond
    k = len(centres)
    W2 = np.zeros((4 * k, k + 1))
    for d in range(k):
        W2[4 * d:4 * d + 4, d + 1] = -1.0
    W02 = np.vstack([[0.0], np.ones((k, 1))])
    return [(W1, b1), (W2, W02)], ["relu", "softmax"]


def test_a_closed_boundary_comes_back_closed():
    params, acts = diamonds((0.3, -0.2))
    (loop,) = decision_boundary(params, acts, VIEW, 61)
    np.testing.assert_array_equal(loop[0], loop[-1])
    np.testing.assert_allclose(np.abs(loop[:, 0] - 0.3) + np.abs(loop[:, 1] + 0.2), 1,
                               atol=6 / 60)
    assert len({tuple(p) for p in loop[:-1].tolist()}) == len(loop) - 1   # no vertex twice


def test_separate_islands_are_separate_loops():
    params, acts = diamonds((-1.5, -1.5), (1.5, 1.2))
    loops = decision_boundary(params, acts, VIEW, 57)
    assert len(loops) == 2
    for loop in loops:
        np.testing.assert_array_equal(loop[0], loop[-1])


def test_an_aligned_diamond_has_its_corners_exactly():
    params, acts = diamonds((0.0, 0.0))
    (loop,) = decision_boundary(params, acts, VIEW, 61)          # step 0.1: corners on nodes
    np.testing.assert_allclose(np.abs(loop).sum(axis=1), 1, atol=CURVE_TOL)
    assert {(1, 0), (0, 1), (-1, 0), (0, -1)} <= {tuple(p) for p in np.round(loop, 6).tolist()}
    keep = np.any(loop[1:] != loop[:-1], axis=1)
    assert keep.all()                                            # a node on the line: once


# --- diverged networks --------------------------------------------------------------

@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e30])
def test_a_diverged_network_returns_finite_lines(value):
    params, acts = random_network((2, 8, 3), ("relu", "softmax"), seed=4)
    params[1][0][:3, 1] = value
    lines = decision_boundary(params, acts, VIEW, 30)
    assert all(np.isfinite(line).all() and line.shape[1] == 2 and len(line) >= 2
               for line in lines)


def test_no_crossing_is_drawn_from_a_non_finite_score():
    R = 20
    xs, ys = grid_axes(VIEW, R)
    gx, gy = np.meshgrid(xs, ys)
    scores = np.stack([np.zeros(R * R), (gx + 0.5 * gy - 0.1).ravel()]).astype(np.float32)
    broken = (gy.ravel() > 1) & (gx.ravel() < 0)
    scores[0, broken] = np.nan      # the other class's score: still no crossing there
    classes = (scores[1] > scores[0]).astype(np.uint8)
    with np.errstate(invalid="ignore"):
        lines = boundary.class_boundary(scores, classes, xs, ys)
    points = np.vstack(lines)
    np.testing.assert_allclose(points @ [1, 0.5], 0.1, atol=CURVE_TOL)   # the true line only
    broken = broken.reshape(R, R)
    for x, y in points:                        # the edge each vertex lies on has no broken end
        i, j = np.searchsorted(ys, y, side="right") - 1, np.searchsorted(xs, x, side="right") - 1
        if y == ys[i]:
            assert not broken[i, j] and not broken[i, min(j + 1, R - 1)]
        else:
            assert x == xs[j] and not broken[i, j] and not broken[i + 1, j]
    step = 6 / (R - 1)
    (line,) = lines                            # the line stops where the scores break off
    assert 1 - step < line[:, 1].max() <= 1


@settings(max_examples=200, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 32 - 1), resolution=st.integers(2, 24), k=st.integers(2, 5),
       broken=st.floats(0, 0.3))
def test_any_scores_give_finite_polylines(seed, resolution, k, broken):
    """Noise, ties and non-finite scores: it returns, without raising, lines
    of finite vertices.  (A chaining mistake shows here as a hang.)"""
    rng = np.random.default_rng(seed)
    scores = np.round(rng.normal(size=(k, resolution ** 2)), 1).astype(np.float32)
    bad = rng.random(scores.shape) < broken
    scores[bad] = rng.choice(np.array([np.nan, np.inf, -np.inf], dtype=np.float32), bad.sum())
    with np.errstate(invalid="ignore"):
        classes = grid._winner(scores)[0]
    xs, ys = grid_axes((-2.0, 3.0, -1.0, 1.5), resolution)
    lines = boundary.class_boundary(scores, classes, xs, ys)
    assert all(np.isfinite(line).all() and len(line) >= 2 for line in lines)


# --- against contourpy with two classes ---------------------------------------------

@pytest.mark.parametrize("seed", [3, 5, 20, 21, 24, 27])   # several lines; 21, 24, 27 a loop
def test_two_class_network_draws_contourpys_zero_set(seed):
    params, acts = random_network((2, 16, 8, 2), ("relu", "tanh", "softmax"), seed)
    R = 70
    xs, ys = grid_axes(VIEW, R)
    mine = decision_boundary(params, acts, VIEW, R)
    scores = grid.GridPass(params, acts, VIEW, R).scores
    theirs = contourpy_lines(scores[1] - scores[0], xs, ys)
    assert len(mine) == len(theirs) > 0
    assert canonical(mine) == canonical(theirs)


@settings(max_examples=150, deadline=None, database=None)
@given(seed=st.integers(0, 2 ** 32 - 1), resolution=st.integers(2, 30), coarse=st.booleans())
def test_two_class_field_draws_contourpys_zero_set(seed, resolution, coarse):
    """Random fields: saddles everywhere, and (coarse) exact zeros on nodes."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(2, resolution ** 2)).astype(np.float32)
    if coarse:
        scores = np.round(2 * scores).astype(np.float32)
    classes = (scores[1] > scores[0]).astype(np.uint8)
    xs, ys = grid_axes((-2.0, 3.0, -1.0, 1.5), resolution)
    mine = boundary.class_boundary(scores, classes, xs, ys)
    assert canonical(mine) == canonical(contourpy_lines(scores[1] - scores[0], xs, ys))


def test_sigmoid_boundary_is_contourpys_zero_set_of_z():
    params, acts = random_network((2, 16, 1), ("tanh", "sigmoid"), seed=2)
    xs, ys = grid_axes(VIEW, 50)
    (z,) = grid.GridPass(params, acts, VIEW, 50).scores
    mine = decision_boundary(params, acts, VIEW, 50)
    assert len(mine) > 0 and canonical(mine) == canonical(contourpy_lines(z, xs, ys))
