"""geometry._zero_set builds contourpy's serial generator directly (skipping
contour_generator's numpy.ma round trip): it must give exactly what
contour_generator gives, NaN and infinite cells included."""
from __future__ import annotations

import contourpy
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engine import geometry, grid


def reference(values, xs, ys) -> list[np.ndarray]:
    out = []
    for line in contourpy.contour_generator(xs, ys, values, line_type="Separate").lines(0.0):
        keep = np.ones(len(line), dtype=bool)
        keep[1:] = np.any(line[1:] != line[:-1], axis=1)
        if keep.sum() >= 2:
            out.append(line[keep])
    return out


fields = st.integers(2, 24).flatmap(lambda r: arrays(
    np.float64, (r, r), elements=st.one_of(
        st.floats(-3, 3), st.sampled_from([0.0, np.nan, np.inf, -np.inf, 1e30]))))


@settings(max_examples=300, deadline=None, database=None)
@given(values=fields, dtype=st.sampled_from([np.float32, np.float64]))
def test_zero_set_is_contour_generators(values, dtype):
    values = values.astype(dtype)      # the level sets come as float32, the boundary float64
    r = values.shape[0]
    xs, ys = grid.grid_axes((-2.0, 3.0, -1.0, 1.5), r)
    with np.errstate(all="ignore"):
        got = geometry._zero_set(values, geometry._mesh(xs, ys))
        want = reference(values, xs, ys)
    assert len(got) == len(want)
    assert all(np.array_equal(a, b) for a, b in zip(got, want))


def test_a_trained_looking_network_draws_each_pairs_boundary_and_the_same_level_sets():
    rng = np.random.default_rng(3)
    params = [(rng.normal(0, 1, (2, 12)), rng.normal(0, 0.5, (12, 1))),
              (rng.normal(0, 0.3, (12, 6)), rng.normal(0, 0.5, (6, 1))),
              (rng.normal(0, 0.4, (6, 4)), rng.normal(0, 0.5, (4, 1)))]
    acts, extent = ["relu", "tanh", "softmax"], (-3.0, 3.0, -3.0, 3.0)
    xs, ys = grid.grid_axes(extent, 60)
    boundary = geometry.decision_boundary(params, acts, extent, 60)
    scores = grid.GridPass(params, acts, extent, 60).scores
    winner = scores.argmax(axis=0).reshape(60, 60)
    expected = []
    for a in range(4):
        for b in range(a + 1, 4):
            meet = (np.any((winner[:, :-1] == a) & (winner[:, 1:] == b) | (winner[:, :-1] == b) & (winner[:, 1:] == a))
                    or np.any((winner[:-1] == a) & (winner[1:] == b) | (winner[:-1] == b) & (winner[1:] == a)))
            if meet:
                field = np.where((winner == a) | (winner == b), (scores[b] - scores[a]).reshape(60, 60), np.nan)
                expected += reference(field, xs, ys)
    # Where two classes meet, the boundary is their pair's zero set: every vertex
    # contourpy draws on a grid line is one of ours.  Its others cut across a
    # square where a third class begins, a cell short of where the classes
    # meet; the boundary now runs on to one point there instead.
    ours = np.vstack(boundary)
    on_grid = [p for p in np.vstack(expected)
               if min(np.abs(xs - p[0]).min(), np.abs(ys - p[1]).min()) < 1e-12]
    assert len(on_grid) > 100
    assert max(np.abs(ours - p).max(axis=1).min() for p in on_grid) < 1e-12
    for unit, lines in enumerate(geometry.unit_level_sets(params, acts, 2, extent, 60)):
        z = grid.GridPass(params, acts, extent, 60, keep="z").hidden_z[1][unit].reshape(60, 60)
        assert [p.tolist() for p in lines] == [p.tolist() for p in reference(z, xs, ys)]
